package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/quality"
	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/web"
)

// reportServer serves alerter's real /api/v1/report over a fixed history,
// behind a read token.
func reportServer(t *testing.T) (*httptest.Server, *web.ReportQuery) {
	t.Helper()
	until := time.Now()
	var eps []state.Episode
	for i := range 5 {
		fired := until.Add(-time.Duration(10-i) * time.Hour)
		e := state.Episode{RuleID: "noisy", Group: "rules/a.yml;api", Alertname: "Noisy", ID: model.Fingerprint(i % 2),
			FiredAt: fired, ResolvedAt: fired.Add(2 * time.Minute), Evaluations: 2, Notifications: 2}
		if i == 0 {
			e.AckedAt, e.AckedBy = fired.Add(5*time.Minute), "alice"
		}
		eps = append(eps, e)
	}
	eps = append(eps, state.Episode{RuleID: "calm", Group: "rules/a.yml;api", Alertname: "Calm", ID: 7,
		FiredAt: until.Add(-time.Hour), Evaluations: 0, Notifications: 1})
	rules := []quality.RuleInfo{
		{ID: "noisy", Group: "rules/a.yml;api", GroupName: "api", File: "rules/a.yml", Alertname: "Noisy"},
		{ID: "calm", Group: "rules/a.yml;api", GroupName: "api", File: "rules/a.yml", Alertname: "Calm"},
		{ID: "never", Group: "rules/b.yml;db", GroupName: "db", File: "rules/b.yml", Alertname: "Never"},
	}
	var got web.ReportQuery
	auth := &web.Auth{}
	auth.SetTokens("w-token", "r-token")
	api := web.New(web.Options{Auth: auth, Report: func(_ context.Context, q web.ReportQuery) (*quality.Report, error) {
		got = q
		last := map[string]time.Time{"noisy": eps[4].FiredAt, "calm": eps[5].FiredAt}
		return quality.NewReport(eps, rules, last, quality.ReportOptions{Since: q.Since, Until: q.Until, Top: q.Top,
			FlapEvaluations: q.FlapEvaluations, QuietAfter: q.QuietAfter}), nil
	}})
	srv := httptest.NewServer(api)
	t.Cleanup(srv.Close)
	return srv, &got
}

func tokenConfig(t *testing.T, token string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "http.yml")
	if err := os.WriteFile(p, []byte("authorization:\n  credentials: "+token+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestReportCommand(t *testing.T) {
	srv, got := reportServer(t)
	cfg := tokenConfig(t, "r-token")
	var out, errOut bytes.Buffer
	code := run([]string{"report", "--url", srv.URL, "--http.config.file", cfg, "--since", "1d", "--top", "1"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if got.Until.Sub(got.Since) != 24*time.Hour || got.Top != 1 || got.FlapEvaluations != 0 || got.QuietAfter != 30*24*time.Hour {
		t.Errorf("query: %+v", *got)
	}
	text := out.String()
	for _, want := range []string{
		"6 episodes; a flap resolved within 3 evaluations of firing.",
		"GROUP              ALERT  NOTIFICATIONS  EPISODES  ALERTS  FLAPS  FLAPPING  ACKED  MEDIAN ACK  FIRING  LAST FIRED",
		"api (rules/a.yml)  Noisy  10             5         2       5      0         1/5    5m          10m",
		"Rules that have not fired for 30d: 1",
		"db (rules/b.yml)  Never  not within the stored history",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Calm") {
		t.Errorf("--top 1 printed a second rule:\n%s", text)
	}

	out.Reset()
	code = run([]string{"report", "--url", srv.URL, "--http.config.file", cfg, "--format", "json", "--flap-evaluations", "1", "--top", "0"}, &out, &errOut)
	if code != 0 {
		t.Fatalf("json: exit %d: %s", code, errOut.String())
	}
	var rep quality.Report
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("json output: %v\n%s", err, out.String())
	}
	if len(rep.Rules) != 2 || rep.Rules[0].Flaps != 0 || rep.FlapEvaluations != 1 || got.FlapEvaluations != 1 {
		t.Errorf("json report: %+v", rep)
	}
}

func TestReportCommandErrors(t *testing.T) {
	srv, _ := reportServer(t)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--url", srv.URL}, 1, "401"},
		{[]string{"--url", srv.URL, "--http.config.file", tokenConfig(t, "wrong")}, 1, "401"},
		{[]string{"--url", srv.URL, "--http.config.file", tokenConfig(t, "r-token"), "--since", "soon"}, 1, "invalid since parameter"},
		{[]string{"--format", "xml"}, 2, "--format must be table or json"},
		{[]string{"--url", "localhost:9095"}, 2, "--url must be an http(s) URL"},
		{[]string{"--top", "-1"}, 2, "--top must not be negative"},
		{[]string{"extra"}, 2, "unexpected arguments"},
		{[]string{"--http.config.file", "/nonexistent"}, 2, "--http.config.file"},
	} {
		var out, errOut bytes.Buffer
		if code := run(append([]string{"report"}, tc.args...), &out, &errOut); code != tc.code || !strings.Contains(errOut.String(), tc.msg) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, errOut.String(), tc.code, tc.msg)
		}
	}
}
