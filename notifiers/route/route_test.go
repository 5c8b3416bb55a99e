package route

import (
	"slices"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func TestDefaults(t *testing.T) {
	root := mustNew(t, &Config{Receiver: "r"})
	if root.GroupWait != 30*time.Second || root.GroupInterval != 5*time.Minute || root.RepeatInterval != 4*time.Hour {
		t.Errorf("timings = %s/%s/%s", root.GroupWait, root.GroupInterval, root.RepeatInterval)
	}
	if root.GroupByAll || len(root.GroupBy) != 0 || root.GroupBy == nil {
		t.Errorf("group_by = %v all=%v", root.GroupBy, root.GroupByAll)
	}
	if root.Parent != nil || len(root.Matchers) != 0 || root.Key() != "{}" || root.Escalation != "" {
		t.Errorf("root = %+v", root)
	}
	if got := receivers(root.Match(nil)); !slices.Equal(got, []string{"r"}) {
		t.Errorf("root match = %v", got)
	}
}

func TestInheritance(t *testing.T) {
	root := mustNew(t, decode(t, `
receiver: root
group_by: [alertname]
group_wait: 1s
group_interval: 2m
repeat_interval: 3h
escalation: default-policy
routes:
  - matchers: [a="1"]                  # 0: inherits everything
    routes:
      - matchers: [b="1"]              # 0.0: still everything, two levels down
  - matchers: [a="2"]                  # 1: overrides everything
    receiver: two
    group_by: [cluster, service]
    group_wait: 10s
    group_interval: 20m
    repeat_interval: 30h
    escalation: urgent
    continue: true
    routes:
      - matchers: [b="2"]              # 1.0: inherits the overrides, not continue
      - matchers: [b="3"]              # 1.1: overrides a single field each
        group_wait: 0s
        routes:
          - matchers: [c="1"]          # 1.1.0
            receiver: leaf
  - matchers: [a="3"]                  # 2: group_by: [] inherits, as in AM
    group_by: []
`))
	type want struct {
		receiver   string
		groupBy    []string
		timings    [3]time.Duration
		escalation string
		cont       bool
	}
	tests := []struct {
		path []int
		want want
	}{
		{nil, want{"root", []string{"alertname"}, [3]time.Duration{time.Second, 2 * time.Minute, 3 * time.Hour}, "default-policy", false}},
		{[]int{0}, want{"root", []string{"alertname"}, [3]time.Duration{time.Second, 2 * time.Minute, 3 * time.Hour}, "default-policy", false}},
		{[]int{0, 0}, want{"root", []string{"alertname"}, [3]time.Duration{time.Second, 2 * time.Minute, 3 * time.Hour}, "default-policy", false}},
		{[]int{1}, want{"two", []string{"cluster", "service"}, [3]time.Duration{10 * time.Second, 20 * time.Minute, 30 * time.Hour}, "urgent", true}},
		{[]int{1, 0}, want{"two", []string{"cluster", "service"}, [3]time.Duration{10 * time.Second, 20 * time.Minute, 30 * time.Hour}, "urgent", false}},
		{[]int{1, 1}, want{"two", []string{"cluster", "service"}, [3]time.Duration{0, 20 * time.Minute, 30 * time.Hour}, "urgent", false}},
		{[]int{1, 1, 0}, want{"leaf", []string{"cluster", "service"}, [3]time.Duration{0, 20 * time.Minute, 30 * time.Hour}, "urgent", false}},
		{[]int{2}, want{"root", []string{"alertname"}, [3]time.Duration{time.Second, 2 * time.Minute, 3 * time.Hour}, "default-policy", false}},
	}
	for _, tt := range tests {
		r := root
		for _, i := range tt.path {
			r = r.Routes[i]
		}
		got := want{r.Receiver, groupBy(r), [3]time.Duration{r.GroupWait, r.GroupInterval, r.RepeatInterval}, r.Escalation, r.Continue}
		if got.receiver != tt.want.receiver || !slices.Equal(got.groupBy, tt.want.groupBy) ||
			got.timings != tt.want.timings || got.escalation != tt.want.escalation || got.cont != tt.want.cont {
			t.Errorf("route %v = %+v, want %+v", tt.path, got, tt.want)
		}
	}
	// Matchers are a route's own, never inherited.
	if got := root.Routes[1].Routes[0].Matchers.String(); got != `{b="2"}` {
		t.Errorf("child matchers = %s", got)
	}
}

func TestGroupByAll(t *testing.T) {
	root := mustNew(t, decode(t, `
receiver: root
group_by: ['...']
routes:
  - matchers: [a="1"]            # inherits all
  - matchers: [a="2"]
    group_by: [cluster]          # back to one label
    routes:
      - matchers: [b="1"]        # inherits cluster
      - matchers: [b="2"]
        group_by: ['...']        # all again
`))
	alert := model.LabelSet{"alertname": "X", "cluster": "eu", "a": "2", "b": "2"}
	tests := []struct {
		path []int
		all  bool
		want string
	}{
		{nil, true, `{a="2", alertname="X", b="2", cluster="eu"}`},
		{[]int{0}, true, `{a="2", alertname="X", b="2", cluster="eu"}`},
		{[]int{1}, false, `{cluster="eu"}`},
		{[]int{1, 0}, false, `{cluster="eu"}`},
		{[]int{1, 1}, true, `{a="2", alertname="X", b="2", cluster="eu"}`},
	}
	for _, tt := range tests {
		r := root
		for _, i := range tt.path {
			r = r.Routes[i]
		}
		if r.GroupByAll != tt.all {
			t.Errorf("route %v GroupByAll = %v", tt.path, r.GroupByAll)
		}
		if got := r.GroupLabels(alert).String(); got != tt.want {
			t.Errorf("route %v group labels = %s, want %s", tt.path, got, tt.want)
		}
	}
	// GroupLabels returns a copy.
	gl := root.GroupLabels(alert)
	gl["alertname"] = "changed"
	if alert["alertname"] != "X" {
		t.Error("GroupLabels aliased the alert's labels")
	}
	if got := root.GroupLabels(nil); got == nil || len(got) != 0 {
		t.Errorf("GroupLabels(nil) = %#v", got)
	}
}

func TestGroupByAllFlowSequence(t *testing.T) {
	// Alertmanager's documentation writes it as group_by: [...].
	r := mustNew(t, decode(t, "receiver: r\ngroup_by: [...]\n"))
	if !r.GroupByAll || len(r.GroupBy) != 0 {
		t.Errorf("GroupByAll = %v, GroupBy = %v", r.GroupByAll, r.GroupBy)
	}
}

func TestConfigIsNotModified(t *testing.T) {
	c := decode(t, `
receiver: r
routes:
  - matchers: ['z="1"', 'a="1"']
    mute_time_intervals: [x]
`)
	before := c.Routes[0].Matchers.String()
	r := mustNew(t, c)
	r.Routes[0].MuteTimeIntervals[0] = "changed"
	if c.Routes[0].Matchers.String() != before || c.Routes[0].MuteTimeIntervals[0] != "x" {
		t.Error("New or the route shares mutable state with the Config")
	}
}
