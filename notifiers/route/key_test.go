package route

import (
	"testing"
)

func TestKeysAndGroupKeys(t *testing.T) {
	root := mustNew(t, decode(t, `
receiver: r
group_by: [alertname, cluster]
routes:
  - matchers: ['severity="critical"']
  - matchers: ['severity="critical"']     # same matchers: the position keeps keys apart
    receiver: other
  - match:
      team: db
    matchers: ['"service.name"="a b"', 'env=~"prod|stage"']
    group_by: [service.name]
    routes:
      - matchers: ['x="\"q\""']
`))
	tests := []struct {
		path     []int
		key      string
		labels   []string
		groupKey string
	}{
		{nil, `{}`, []string{"alertname=A", "cluster=eu", "x=1"}, `{}:{alertname="A", cluster="eu"}`},
		{nil, `{}`, []string{"x=1"}, `{}:{}`},
		{[]int{0}, `{}/{severity="critical"}/0`, []string{"alertname=A", "severity=critical"},
			`{}/{severity="critical"}/0:{alertname="A"}`},
		{[]int{1}, `{}/{severity="critical"}/1`, []string{"alertname=A", "severity=critical"},
			`{}/{severity="critical"}/1:{alertname="A"}`},
		{[]int{2}, `{}/{env=~"prod|stage",service.name="a b",team="db"}/2`, []string{"service.name=a b", "team=db"},
			`{}/{env=~"prod|stage",service.name="a b",team="db"}/2:{service.name="a b"}`},
		{[]int{2, 0}, `{}/{env=~"prod|stage",service.name="a b",team="db"}/2/{x="\"q\""}/0`, []string{"alertname=A", "service.name=s"},
			`{}/{env=~"prod|stage",service.name="a b",team="db"}/2/{x="\"q\""}/0:{service.name="s"}`},
	}
	for _, tt := range tests {
		r := root
		for _, i := range tt.path {
			r = r.Routes[i]
		}
		if r.Key() != tt.key {
			t.Errorf("route %v key = %s, want %s", tt.path, r.Key(), tt.key)
		}
		if got := r.GroupKey(ls(tt.labels...)); got != tt.groupKey {
			t.Errorf("route %v group key = %s, want %s", tt.path, got, tt.groupKey)
		}
	}
	// Keys are unique within the tree and stable across builds.
	again := mustNew(t, decode(t, `
receiver: r
routes:
  - matchers: ['a="1"']
    routes: [{matchers: ['b="1"']}]
  - matchers: ['a="1"']
    routes: [{matchers: ['b="1"']}]
`))
	seen := map[string]bool{}
	again.Walk(func(r *Route) {
		if seen[r.Key()] {
			t.Errorf("duplicate key %s", r.Key())
		}
		seen[r.Key()] = true
	})
}
