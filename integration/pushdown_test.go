package integration

import (
	"strings"
	"testing"
	"time"
)

// Condition pushdown and query batching are invisible from outside but
// for the rules API's pushedQuery: the API shows the query as written, and
// alerts keep their labels (no __name__) while templates still see
// __name__, which the filtering comparison keeps.
func TestPushdownKeepsAlertsAndAPI(t *testing.T) {
	t.Parallel()
	e := newEnv(t, `groups:
  - name: g
    rules:
      - alert: Hot
        query: pd_value
        condition: value > 0.5 && labels.env == "prod"
        labels: {severity: page}
        annotations: {summary: '{{ $labels.__name__ }} at {{ $value }}'}
      - alert: Never
        expr: pd_value > 100
`)
	e.src.Set("pd_value", map[string]string{"env": "prod", "instance": "a"}, 0.9)
	e.src.Set("pd_value", map[string]string{"env": "dev", "instance": "b"}, 0.9)
	e.src.Set("pd_value", map[string]string{"env": "prod", "instance": "c"}, 0.1)
	e.prom.WaitForSeries(t, "count(pd_value) == 3", 30*time.Second)
	e.start()

	a := e.waitAlert("Hot", "firing")
	want := map[string]string{"alertname": "Hot", "env": "prod", "instance": "a", "job": "promtest", "severity": "page"}
	if len(a.Labels) != len(want) {
		t.Fatalf("labels %v, want %v", a.Labels, want)
	}
	for k, v := range want {
		if a.Labels[k] != v {
			t.Fatalf("labels %v, want %v", a.Labels, want)
		}
	}
	if a.Annotations["summary"] != "pd_value at 0.9" {
		t.Fatalf("summary %q", a.Annotations["summary"])
	}
	e.waitEvals("Hot", 2)
	if n := len(e.alerts()); n != 1 {
		t.Fatalf("%d alerts, want 1: %v", n, e.alerts())
	}

	var d struct {
		Groups []struct {
			Rules []struct {
				Name        string `json:"name"`
				Query       string `json:"query"`
				PushedQuery string `json:"pushedQuery"`
				Health      string `json:"health"`
			} `json:"rules"`
		} `json:"groups"`
	}
	if err := e.getJSON("/api/v1/rules", &d); err != nil {
		t.Fatal(err)
	}
	for _, r := range d.Groups[0].Rules {
		switch r.Name {
		case "Hot":
			if r.Query != "pd_value" || !strings.Contains(r.PushedQuery, "> 0.5") || !strings.Contains(r.PushedQuery, "and on(env)") {
				t.Fatalf("Hot: query %q, pushed %q", r.Query, r.PushedQuery)
			}
		case "Never":
			if r.Query != "pd_value > 100" || r.PushedQuery != "" || r.Health != "ok" {
				t.Fatalf("Never: %+v", r)
			}
		}
	}
	// The group's two queries went out as one.
	if n := e.metricValue("alerter_query_batches_total"); n < 1 {
		t.Fatalf("alerter_query_batches_total = %v", n)
	}
	if n := e.metricValue("alerter_query_batch_failures_total"); n != 0 {
		t.Fatalf("alerter_query_batch_failures_total = %v", n)
	}
}
