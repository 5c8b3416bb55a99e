package route

import (
	"slices"
	"testing"
	"time"
)

func TestMatchDocsExample(t *testing.T) {
	root := mustNew(t, loadConfig(t, "docs_example.yml"))
	tests := []struct {
		name      string
		labels    []string
		receivers []string
		keys      []string
		groupBy   []string
		groupWait time.Duration
	}{
		{
			name:      "mysql goes to the database pager with its own group_wait",
			labels:    []string{"service=mysql", "alertname=DBDown", "cluster=eu"},
			receivers: []string{"database-pager"},
			keys:      []string{`{}/{service=~"mysql|cassandra"}/0`},
			groupBy:   []string{"alertname", "cluster"},
			groupWait: 10 * time.Second,
		},
		{
			name:      "the regex is anchored",
			labels:    []string{"service=mysql-replica"},
			receivers: []string{"default-receiver"},
			keys:      []string{`{}`},
			groupBy:   []string{"alertname", "cluster"},
			groupWait: 30 * time.Second,
		},
		{
			name:      "frontend is grouped by product and environment",
			labels:    []string{"team=frontend", "product=shop"},
			receivers: []string{"frontend-pager"},
			keys:      []string{`{}/{team="frontend"}/1`},
			groupBy:   []string{"environment", "product"},
			groupWait: 30 * time.Second,
		},
		{
			name:      "the first matching child wins",
			labels:    []string{"service=cassandra", "team=frontend"},
			receivers: []string{"database-pager"},
			keys:      []string{`{}/{service=~"mysql|cassandra"}/0`},
			groupBy:   []string{"alertname", "cluster"},
			groupWait: 10 * time.Second,
		},
		{
			name:      "continue reaches the next sibling",
			labels:    []string{"service=inhibit_rule_emitter"},
			receivers: []string{"dev-pager", "on-call-pager"},
			keys:      []string{`{}/{service="inhibit_rule_emitter"}/2`, `{}/{service="inhibit_rule_emitter"}/3`},
			groupBy:   []string{"alertname", "cluster"},
			groupWait: 30 * time.Second,
		},
		{
			name:      "no labels stays at the root",
			labels:    nil,
			receivers: []string{"default-receiver"},
			keys:      []string{`{}`},
			groupBy:   []string{"alertname", "cluster"},
			groupWait: 30 * time.Second,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := root.Match(ls(tt.labels...))
			if !slices.Equal(receivers(got), tt.receivers) {
				t.Fatalf("receivers = %v, want %v", receivers(got), tt.receivers)
			}
			for i, r := range got {
				if r.Key() != tt.keys[i] {
					t.Errorf("key[%d] = %s, want %s", i, r.Key(), tt.keys[i])
				}
				if !slices.Equal(groupBy(r), tt.groupBy) {
					t.Errorf("group_by[%d] = %v, want %v", i, groupBy(r), tt.groupBy)
				}
				if r.GroupWait != tt.groupWait || r.GroupInterval != 5*time.Minute || r.RepeatInterval != 4*time.Hour {
					t.Errorf("timings[%d] = %s/%s/%s", i, r.GroupWait, r.GroupInterval, r.RepeatInterval)
				}
			}
		})
	}
	// Time intervals are carried, not inherited.
	if dev := root.Routes[2]; !slices.Equal(dev.MuteTimeIntervals, []string{"offhours", "holidays"}) || dev.ActiveTimeIntervals != nil {
		t.Errorf("dev-pager intervals: mute %v active %v", dev.MuteTimeIntervals, dev.ActiveTimeIntervals)
	}
	if oc := root.Routes[3]; !slices.Equal(oc.ActiveTimeIntervals, []string{"offhours", "holidays"}) {
		t.Errorf("on-call-pager active intervals: %v", oc.ActiveTimeIntervals)
	}
}

func TestMatchTeams(t *testing.T) {
	root := mustNew(t, loadConfig(t, "teams.yml"))
	tests := []struct {
		labels    []string
		receivers []string
		keys      []string
	}{
		{[]string{"service=foo1", "severity=critical"}, []string{"team-X-pager"},
			[]string{`{}/{service=~"foo1|foo2|baz"}/0/{severity="critical"}/0`}},
		// Non-critical alerts fall back to the service route itself.
		{[]string{"service=foo2", "severity=warning"}, []string{"team-X-mails"},
			[]string{`{}/{service=~"foo1|foo2|baz"}/0`}},
		{[]string{"service=files", "severity=critical"}, []string{"team-Y-pager"},
			[]string{`{}/{service="files"}/1/{severity="critical"}/0`}},
		{[]string{"service=files"}, []string{"team-Y-mails"}, []string{`{}/{service="files"}/1`}},
		// continue on the first owner route, the second does not match: the
		// result is the first only, not the parent.
		{[]string{"service=database", "owner=team-X"}, []string{"team-X-pager"},
			[]string{`{}/{service="database"}/2/{owner="team-X"}/0`}},
		{[]string{"service=database", "owner=team-Y"}, []string{"team-Y-pager"},
			[]string{`{}/{service="database"}/2/{owner="team-Y"}/1`}},
		{[]string{"service=database", "owner=nobody"}, []string{"team-DB-pager"},
			[]string{`{}/{service="database"}/2`}},
		{[]string{"service=unknown"}, []string{"team-X-mails"}, []string{`{}`}},
	}
	for _, tt := range tests {
		got := root.Match(ls(tt.labels...))
		if !slices.Equal(receivers(got), tt.receivers) {
			t.Errorf("%v: receivers = %v, want %v", tt.labels, receivers(got), tt.receivers)
			continue
		}
		for i, r := range got {
			if r.Key() != tt.keys[i] {
				t.Errorf("%v: key = %s, want %s", tt.labels, r.Key(), tt.keys[i])
			}
		}
	}
	db := root.Routes[2]
	if got := groupBy(db); !slices.Equal(got, []string{"alertname", "cluster", "database"}) {
		t.Errorf("database group_by = %v", got)
	}
	if got := groupBy(db.Routes[0]); !slices.Equal(got, []string{"alertname", "cluster", "database"}) {
		t.Errorf("owner route inherits group_by = %v", got)
	}
	if db.Routes[1].RepeatInterval != 3*time.Hour {
		t.Errorf("repeat_interval not inherited through two levels: %s", db.Routes[1].RepeatInterval)
	}
}

func TestMatchContinue(t *testing.T) {
	root := mustNew(t, decode(t, `
receiver: root
routes:
  - matchers: [team="a"]
    receiver: a
    continue: true
  - matchers: [severity="critical"]
    receiver: pager
  - matchers: [team="a"]
    receiver: a-again
  - receiver: catch-all
`))
	tests := []struct {
		labels []string
		want   []string
	}{
		{[]string{"team=a", "severity=critical"}, []string{"a", "pager"}},
		// After continue the next match without continue ends the search.
		{[]string{"team=a"}, []string{"a", "a-again"}},
		{[]string{"severity=critical"}, []string{"pager"}},
		{[]string{"team=b"}, []string{"catch-all"}},
	}
	for _, tt := range tests {
		if got := receivers(root.Match(ls(tt.labels...))); !slices.Equal(got, tt.want) {
			t.Errorf("%v: %v, want %v", tt.labels, got, tt.want)
		}
	}
}

func TestMatchNestedContinue(t *testing.T) {
	// A child that matches with no matching grandchild is itself the result,
	// and continue on a nested route only affects its own siblings.
	root := mustNew(t, decode(t, `
receiver: root
routes:
  - matchers: [env="prod"]
    receiver: prod
    continue: true
    routes:
      - matchers: [severity="critical"]
        receiver: prod-critical
        continue: true
      - matchers: [team="db"]
        receiver: prod-db
  - matchers: [team="db"]
    receiver: db
`))
	tests := []struct {
		labels []string
		want   []string
	}{
		{[]string{"env=prod", "severity=critical", "team=db"}, []string{"prod-critical", "prod-db", "db"}},
		{[]string{"env=prod", "severity=critical"}, []string{"prod-critical"}},
		{[]string{"env=prod"}, []string{"prod"}},
		{[]string{"env=prod", "team=db"}, []string{"prod-db", "db"}},
		{[]string{"team=db"}, []string{"db"}},
	}
	for _, tt := range tests {
		if got := receivers(root.Match(ls(tt.labels...))); !slices.Equal(got, tt.want) {
			t.Errorf("%v: %v, want %v", tt.labels, got, tt.want)
		}
	}
	// Match on a subtree whose matchers fail returns nil.
	if got := root.Routes[0].Match(ls("env=dev")); got != nil {
		t.Errorf("subtree match = %v, want nil", receivers(got))
	}
}

func TestMatchLegacyForms(t *testing.T) {
	root := mustNew(t, loadConfig(t, "legacy.yml"))
	if got, want := root.Routes[2].Matchers.String(), `{env!="dev",severity=~"crit.*",team="db"}`; got != want {
		t.Errorf("combined matchers = %s, want %s", got, want)
	}
	tests := []struct {
		labels []string
		want   string
	}{
		{[]string{"service=files"}, "files"},
		{[]string{"service=files2"}, "default"},
		{[]string{"service=foo2"}, "foo"},
		{[]string{"service=foo12"}, "default"}, // match_re is anchored
		{[]string{"service=xfoo1"}, "default"},
		{[]string{"team=db", "severity=critical"}, "db"},
		{[]string{"team=db", "severity=critical", "env=dev"}, "default"},
		{[]string{"team=db", "severity=notcritical"}, "default"},
		{[]string{"team=db"}, "default"},
	}
	for _, tt := range tests {
		if got := receivers(root.Match(ls(tt.labels...))); !slices.Equal(got, []string{tt.want}) {
			t.Errorf("%v: %v, want %s", tt.labels, got, tt.want)
		}
	}
	if got, want := root.Routes[1].Key(), `{}/{service=~"foo1|foo2"}/1`; got != want {
		t.Errorf("key = %s, want %s", got, want)
	}
}

func TestWalk(t *testing.T) {
	root := mustNew(t, loadConfig(t, "teams.yml"))
	var got []string
	root.Walk(func(r *Route) { got = append(got, r.Receiver) })
	want := []string{"team-X-mails", "team-X-mails", "team-X-pager", "team-Y-mails", "team-Y-pager", "team-DB-pager", "team-X-pager", "team-Y-pager"}
	if !slices.Equal(got, want) {
		t.Errorf("walk = %v, want %v", got, want)
	}
	n := 0
	root.Walk(func(r *Route) {
		if r.Parent == nil && r != root {
			t.Errorf("route %s has no parent", r.Key())
		}
		for _, c := range r.Routes {
			if c.Parent != r {
				t.Errorf("route %s has the wrong parent", c.Key())
			}
		}
		n++
	})
	if n != 8 {
		t.Errorf("visited %d routes", n)
	}
}
