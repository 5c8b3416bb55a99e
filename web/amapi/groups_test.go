package amapi

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

func TestAlertGroups(t *testing.T) {
	f := alertsFixture(t)
	code, body, _ := f.do(t, http.MethodGet, "/api/v2/alerts/groups?filter=instance%3Da", "")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	jsonEqual(t, body, `[{
		"labels": {"instance": "a"},
		"receiver": {"name": "pager"},
		"alerts": [{
			"labels": {"alertname": "Disk", "instance": "a"},
			"annotations": {"summary": "s"},
			"startsAt": "2026-03-01T09:55:00.000Z",
			"endsAt": "0001-01-01T00:00:00.000Z",
			"updatedAt": "2026-03-01T09:59:59.000Z",
			"generatorURL": "http://prom/graph",
			"fingerprint": "816b723725b54059",
			"receivers": [{"name": "team"}, {"name": "pager"}],
			"status": {"state": "active", "silencedBy": [], "inhibitedBy": [], "mutedBy": []}
		}],
		"escalation": {"policy": "oncall", "level": 1, "levels": 2, "startedAt": "2026-03-01T09:55:00.000Z",
			"nextAt": "2026-03-01T10:10:00.000Z", "nextLevel": 2, "nextReceivers": ["lead"]}
	}, {
		"labels": {"alertname": "Disk"},
		"receiver": {"name": "team"},
		"alerts": [{
			"labels": {"alertname": "Disk", "instance": "a"},
			"annotations": {"summary": "s"},
			"startsAt": "2026-03-01T09:55:00.000Z",
			"endsAt": "0001-01-01T00:00:00.000Z",
			"updatedAt": "2026-03-01T09:59:59.000Z",
			"generatorURL": "http://prom/graph",
			"fingerprint": "816b723725b54059",
			"receivers": [{"name": "team"}, {"name": "pager"}],
			"status": {"state": "active", "silencedBy": [], "inhibitedBy": [], "mutedBy": []}
		}]
	}]`)

	for _, tc := range []struct {
		name, query string
		want        []string // receiver/group: instances
	}{
		{"every firing alert, pending left out", "", []string{"pager{a}", "team{CPU}d", "team{Disk}a,b,c"}},
		{"receiver regex, anchored", "receiver=pag", nil},
		{"receiver regex", "receiver=t.*", []string{"team{CPU}d", "team{Disk}a,b,c"}},
		{"silenced out, muted kept", "silenced=false", []string{"pager{a}", "team{CPU}d", "team{Disk}a,b"}},
		{"muted out", "muted=false", []string{"pager{a}", "team{Disk}a,b,c"}},
		{"inhibited out", "inhibited=false", []string{"pager{a}", "team{CPU}d", "team{Disk}a,c"}},
		{"active out", "active=false", []string{"team{CPU}d", "team{Disk}b,c"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, _ := f.do(t, http.MethodGet, "/api/v2/alerts/groups?"+tc.query, "")
			if code != 200 {
				t.Fatalf("%d %s", code, body)
			}
			var got []string
			for _, g := range decode[[]alertGroup](t, body) {
				var inst []string
				for _, a := range g.Alerts {
					inst = append(inst, string(a.Labels["instance"]))
				}
				slices.Sort(inst)
				name := string(g.Labels["alertname"])
				if name == "" {
					name = string(g.Labels["instance"])
				}
				s := g.Receiver.Name + "{" + name + "}"
				if g.Receiver.Name != "pager" {
					s += strings.Join(inst, ",")
				}
				got = append(got, s)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	for _, q := range []string{"filter=" + url.QueryEscape(`alertname=~"("`), "receiver=" + url.QueryEscape("(")} {
		if code, body, _ := f.do(t, http.MethodGet, "/api/v2/alerts/groups?"+q, ""); code != http.StatusBadRequest {
			t.Errorf("%s: %d %s", q, code, body)
		}
	}
	if code, _, _ := f.do(t, http.MethodPost, "/api/v2/alerts/groups", "{}"); code != http.StatusMethodNotAllowed {
		t.Errorf("POST groups: %d", code)
	}
}
