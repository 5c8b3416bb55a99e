package escalationapi

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/notifiers/escalation"
	"github.com/alerter/alerter/notifiers/route"
)

const tree = `
receiver: team
routes:
  - matchers: ['severity="critical"']
    receiver: pager
    escalation: oncall
    routes:
      - matchers: ['team="db"']
        receiver: dba
  - matchers: ['severity="warning"']
    receiver: chat
`

func TestListPolicies(t *testing.T) {
	var cfg route.Config
	if err := yaml.Unmarshal([]byte(tree), &cfg); err != nil {
		t.Fatal(err)
	}
	root, err := route.New(&cfg)
	if err != nil {
		t.Fatal(err)
	}
	policies := []*escalation.Policy{
		{Name: "oncall", RepeatEvery: model.Duration(30 * time.Minute), Levels: []escalation.Level{
			{After: model.Duration(15 * time.Minute), Receivers: []string{"secondary"}},
			{After: model.Duration(time.Hour), Receivers: []string{"lead", "manager"}},
		}},
		{Name: "unused", Levels: []escalation.Level{{After: 0, Receivers: []string{"x"}}}},
	}
	api, err := New(Options{Policies: func() []*escalation.Policy { return policies }, Routes: func() *route.Route { return root }})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/escalation_policies", nil))
	if rec.Code != 200 || rec.Header().Get("Content-Type") != "application/json" {
		t.Fatalf("%d %s", rec.Code, rec.Body)
	}
	var got, want any
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	_ = json.Unmarshal([]byte(`{"status": "success", "data": [
		{"name": "oncall", "repeatEvery": "30m",
		 "levels": [
			{"level": 1, "after": "15m", "afterSeconds": 900, "receivers": ["secondary"]},
			{"level": 2, "after": "1h", "afterSeconds": 3600, "receivers": ["lead", "manager"]}],
		 "routes": [
			{"receiver": "pager", "matchers": ["severity=\"critical\""]},
			{"receiver": "dba", "matchers": ["severity=\"critical\"", "team=\"db\""]}]},
		{"name": "unused", "levels": [{"level": 1, "after": "0s", "afterSeconds": 0, "receivers": ["x"]}], "routes": []}
	]}`), &want)
	gb, _ := json.Marshal(got)
	wb, _ := json.Marshal(want)
	if string(gb) != string(wb) {
		t.Fatalf("got  %s\nwant %s", gb, wb)
	}
	rec = httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/v1/escalation_policies", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Fatalf("POST: %d", rec.Code)
	}
	if _, err := New(Options{}); err == nil {
		t.Fatal("New without Policies succeeded")
	}
}
