package amapi

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/alert"
)

// alertsFixture: instance a is active (receivers team and pager), b is
// inhibited, c is silenced by silence "s-c", d is muted by the window
// "nightly", e is pending (never listed).
func alertsFixture(t *testing.T) *fixture {
	t.Helper()
	fake := newFake(
		sil(t, "s-c", `instance="c"`, now.Add(-time.Hour), now.Add(time.Hour)),
		sil(t, "s-old", `instance="a"`, now.Add(-2*time.Hour), now.Add(-time.Hour)),
	)
	fake.windows["nightly"] = mustMatchers(t, `instance="d"`)
	pending := firingAlert("Disk", "e")
	pending.State = alert.StatePending
	return newFixture(t, fake,
		firingAlert("Disk", "a"), firingAlert("Disk", "b"), firingAlert("Disk", "c"), firingAlert("CPU", "d"), pending)
}

func TestGettableAlertShape(t *testing.T) {
	f := alertsFixture(t)
	code, body, _ := f.do(t, http.MethodGet, "/api/v2/alerts?filter=instance%3Da", "")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	jsonEqual(t, body, `[{
		"labels": {"alertname": "Disk", "instance": "a"},
		"annotations": {"summary": "s"},
		"startsAt": "2026-03-01T09:55:00.000Z",
		"endsAt": "0001-01-01T00:00:00.000Z",
		"updatedAt": "2026-03-01T09:59:59.000Z",
		"generatorURL": "http://prom/graph",
		"fingerprint": "816b723725b54059",
		"receivers": [{"name": "team"}, {"name": "pager"}],
		"status": {"state": "active", "silencedBy": [], "inhibitedBy": [], "mutedBy": []}
	}]`)

	_, body, _ = f.do(t, http.MethodGet, "/api/v2/alerts?filter=instance%3Dc", "")
	st := decode[[]gettableAlert](t, body)[0].Status
	if st.State != "suppressed" || !slices.Equal(st.SilencedBy, []string{"s-c"}) || len(st.InhibitedBy)+len(st.MutedBy) != 0 {
		t.Fatalf("silenced alert status %+v", st)
	}
	_, body, _ = f.do(t, http.MethodGet, "/api/v2/alerts?filter=instance%3Db", "")
	if st := decode[[]gettableAlert](t, body)[0].Status; st.State != "suppressed" || !slices.Equal(st.InhibitedBy, []string{"0123456789abcdef"}) || len(st.SilencedBy) != 0 {
		t.Fatalf("inhibited alert status %+v", st)
	}
	_, body, _ = f.do(t, http.MethodGet, "/api/v2/alerts?filter=instance%3Dd", "")
	if st := decode[[]gettableAlert](t, body)[0].Status; st.State != "suppressed" || !slices.Equal(st.MutedBy, []string{"nightly"}) || len(st.SilencedBy) != 0 {
		t.Fatalf("window-muted alert status %+v", st)
	}
}

func TestGetAlertsParams(t *testing.T) {
	f := alertsFixture(t)
	for _, tc := range []struct {
		name, query string
		want        []string // instances, sorted
	}{
		{"defaults: every firing alert", "", []string{"a", "b", "c", "d"}},
		// The query strings amtool 0.25 sends.
		{"amtool alert query", "active=true&inhibited=false&silenced=false&unprocessed=false", []string{"a"}},
		{"amtool alert query --silenced", "active=false&inhibited=false&silenced=true&unprocessed=false", []string{"c", "d"}},
		{"amtool alert query --inhibited", "active=false&inhibited=true&silenced=false&unprocessed=false", []string{"b"}},
		{"amtool alert query -a", "active=true&inhibited=true&silenced=true&unprocessed=true", []string{"a", "b", "c", "d"}},
		{"filter", "filter=alertname%3DDisk", []string{"a", "b", "c"}},
		{"filters are ANDed", "filter=alertname%3DDisk&filter=instance%3D~%22a%7Cc%22", []string{"a", "c"}},
		{"negative filter", "filter=alertname!%3DDisk", []string{"d"}},
		{"receiver regex, anchored", "receiver=pag", []string{}},
		{"receiver regex", "receiver=pag.*", []string{"a"}},
		{"receiver any of several", "receiver=team", []string{"a", "b", "c", "d"}},
		{"empty boolean is the default", "active=", []string{"a", "b", "c", "d"}},
		{"go-openapi booleans", "active=no&silenced=YES&inhibited=0", []string{"c", "d"}},
		{"anything else is false", "silenced=maybe&inhibited=off", []string{"a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body, _ := f.do(t, http.MethodGet, "/api/v2/alerts?"+tc.query, "")
			if code != 200 {
				t.Fatalf("%d %s", code, body)
			}
			got := []string{}
			for _, a := range decode[[]gettableAlert](t, body) {
				got = append(got, string(a.Labels["instance"]))
			}
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	for _, tc := range []struct{ query, want string }{
		{"filter=" + url.QueryEscape(`alertname=~"("`), "bad matcher format"},
		{"filter=" + url.QueryEscape(`{a="b"}`), "bad matcher format"},
		{"receiver=" + url.QueryEscape("("), "failed to parse receiver param"},
	} {
		code, body, _ := f.do(t, http.MethodGet, "/api/v2/alerts?"+tc.query, "")
		if code != http.StatusBadRequest || !strings.Contains(decode[string](t, body), tc.want) {
			t.Fatalf("%s: %d %s", tc.query, code, body)
		}
	}
}

func TestGetAlertsOrderAndEmpty(t *testing.T) {
	f := alertsFixture(t)
	_, body, _ := f.do(t, http.MethodGet, "/api/v2/alerts", "")
	var fps []string
	for _, a := range decode[[]gettableAlert](t, body) {
		fps = append(fps, a.Fingerprint)
	}
	if !slices.IsSorted(fps) {
		t.Fatalf("not in fingerprint order: %v", fps)
	}
	f = newFixture(t, newFake())
	f.api.o.Receivers, f.api.o.InhibitedBy = nil, nil
	f.alerts = []*alert.Alert{{State: alert.StateFiring}}
	_, body, _ = f.do(t, http.MethodGet, "/api/v2/alerts", "")
	jsonEqual(t, body, `[{"labels":{},"annotations":{},"startsAt":"0001-01-01T00:00:00.000Z","endsAt":"0001-01-01T00:00:00.000Z",
		"updatedAt":"0001-01-01T00:00:00.000Z","fingerprint":"cbf29ce484222325","receivers":[],
		"status":{"state":"active","silencedBy":[],"inhibitedBy":[],"mutedBy":[]}}]`)
	f.alerts = nil
	if _, body, _ = f.do(t, http.MethodGet, "/api/v2/alerts", ""); strings.TrimSpace(body) != "[]" {
		t.Fatalf("no alerts: %s", body)
	}
}

func TestStatusAndReceivers(t *testing.T) {
	f := alertsFixture(t)
	code, body, _ := f.do(t, http.MethodGet, "/api/v2/status", "")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	type statusJSON struct {
		Cluster struct {
			Status string `json:"status"`
			Peers  []any  `json:"peers"`
		} `json:"cluster"`
		Config struct {
			Original *string `json:"original"`
		} `json:"config"`
		VersionInfo map[string]*string `json:"versionInfo"`
		Uptime      string             `json:"uptime"`
	}
	st := decode[statusJSON](t, body)
	if st.Cluster.Status != "disabled" || st.Cluster.Peers == nil || len(st.Cluster.Peers) != 0 {
		t.Fatalf("cluster %+v", st.Cluster)
	}
	if st.Config.Original == nil || *st.Config.Original != "route:\n  receiver: team\n" {
		t.Fatalf("config %v", st.Config.Original)
	}
	for _, k := range []string{"version", "revision", "branch", "buildUser", "buildDate", "goVersion"} {
		if st.VersionInfo[k] == nil {
			t.Fatalf("versionInfo.%s missing: %s", k, body)
		}
	}
	if *st.VersionInfo["version"] != "1.2.3" || !strings.HasPrefix(*st.VersionInfo["goVersion"], "go") {
		t.Fatalf("versionInfo %s", body)
	}
	if st.Uptime != "2026-03-01T09:00:00.000Z" {
		t.Fatalf("uptime %s", st.Uptime)
	}

	_, body, _ = f.do(t, http.MethodGet, "/api/v2/receivers", "")
	jsonEqual(t, body, `[{"name":"team"},{"name":"pager"}]`)
	f.api.o.ReceiverNames, f.api.o.ConfigYAML = nil, nil
	_, body, _ = f.do(t, http.MethodGet, "/api/v2/receivers", "")
	jsonEqual(t, body, `[]`)
	_, body, _ = f.do(t, http.MethodGet, "/api/v2/status", "")
	if !strings.Contains(body, `"original":""`) {
		t.Fatalf("status without config: %s", body)
	}
}

// TestTimeMutedAlert: an alert whose route a time interval mutes is
// suppressed, names the interval in mutedBy (as Alertmanager 0.27+ does)
// and counts as silenced for the silenced filter.
func TestTimeMutedAlert(t *testing.T) {
	f := newFixture(t, newFake(), firingAlert("Disk", "e"))
	_, body, _ := f.do(t, http.MethodGet, "/api/v2/alerts", "")
	got := decode[[]gettableAlert](t, body)
	if len(got) != 1 || got[0].Status.State != "suppressed" || !slices.Equal(got[0].Status.MutedBy, []string{"offhours"}) {
		t.Fatalf("time-muted alert: %+v", got)
	}
	_, body, _ = f.do(t, http.MethodGet, "/api/v2/alerts?silenced=false", "")
	if got := decode[[]gettableAlert](t, body); len(got) != 0 {
		t.Fatalf("silenced=false kept a muted alert: %+v", got)
	}
}
