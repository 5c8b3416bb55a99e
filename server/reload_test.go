package server

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/config"
)

// reloadEnv is an in-process server over files in a directory, whose
// configuration a test rewrites between reloads.
type reloadEnv struct {
	t   *testing.T
	dir string
	s   *Server
}

// version writes the configuration generation n: its rule, receiver,
// tokens, Slack secret and maintenance window are all named after n.
func (e *reloadEnv) version(n int) {
	e.t.Helper()
	files := map[string]string{
		"alerter.yml": fmt.Sprintf(`
datasource: {url: "http://127.0.0.1:1"}
storage: {path: %q}
web:
  listen_address: 127.0.0.1:0
  rule_file_check_interval: 0s
  auth: {token_file: write%[2]d, read_token_file: read%[2]d}
  slack_interactions: {signing_secret_file: slack%[2]d}
rule_files: [rules%[2]d.yml]
route: {receiver: recv%[2]d}
receivers:
  - name: recv%[2]d
    webhook_configs: [{url: "http://127.0.0.1:1/hook%[2]d"}]
maintenance_windows:
  - {name: window%[2]d, schedule: "0 3 * * *", duration: 1h, matchers: ['alertname="X"']}
`, filepath.Join(e.dir, "data"), n),
		fmt.Sprintf("rules%d.yml", n): fmt.Sprintf("groups: [{name: g, rules: [{alert: Rule%d, expr: vector(1)}]}]\n", n),
		fmt.Sprintf("write%d", n):     fmt.Sprintf("write-token-%d\n", n),
		fmt.Sprintf("read%d", n):      fmt.Sprintf("read-token-%d\n", n),
		fmt.Sprintf("slack%d", n):     fmt.Sprintf("slack-secret-%d\n", n),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(e.dir, name), []byte(content), 0o600); err != nil {
			e.t.Fatal(err)
		}
	}
}

func (e *reloadEnv) write(name, content string) {
	e.t.Helper()
	if err := os.WriteFile(filepath.Join(e.dir, name), []byte(content), 0o600); err != nil {
		e.t.Fatal(err)
	}
}

// state is what the running server has in effect, generation by
// generation: each part must come from the same one.
func (e *reloadEnv) state() string {
	e.t.Helper()
	s := e.s
	var parts []string
	var names []string
	for _, g := range s.mgr.Groups() {
		for _, r := range g.Rules {
			names = append(names, r.Rule.Name())
		}
	}
	parts = append(parts, "rules="+strings.Join(names, ","))
	parts = append(parts, "receivers="+strings.Join(s.receiverNames(), ","))
	parts = append(parts, "route="+strings.Join(s.receiversOf(model.LabelSet{"alertname": "X"}), ","))
	for i := 1; i <= 3; i++ {
		req := httptest.NewRequest(http.MethodGet, "/api/v1/rules", nil)
		req.Header.Set("Authorization", fmt.Sprintf("Bearer read-token-%d", i))
		w := httptest.NewRecorder()
		s.Handler().ServeHTTP(w, req)
		if w.Code == http.StatusOK {
			parts = append(parts, fmt.Sprintf("read-token=%d", i))
		}
	}
	if h := s.slackInt.cur.Load(); h != nil {
		parts = append(parts, "slack=set")
	}
	var windows []string
	for _, w := range s.silences.Windows() {
		windows = append(windows, w.Name)
	}
	parts = append(parts, "windows="+strings.Join(windows, ","))
	parts = append(parts, "cfg="+s.cfg.Receivers[0].Name)
	return strings.Join(parts, " ")
}

func generation(n int) string {
	return fmt.Sprintf("rules=Rule%[1]d,AlerterDatasourceDown receivers=recv%[1]d route=recv%[1]d read-token=%[1]d slack=set windows=window%[1]d cfg=recv%[1]d", n)
}

// TestReloadIsAllOrNothing makes a reload fail at each of its stages, for
// real where a broken file can make it fail and by an injected fault for
// the stages the configuration's validation already guards: each time
// every part of the last good configuration keeps running (rules,
// receivers and routing, tokens, Slack interactions, maintenance windows).
// A good reload then applies every part.
func TestReloadIsAllOrNothing(t *testing.T) {
	e := &reloadEnv{t: t, dir: t.TempDir()}
	e.version(1)
	cfgPath := filepath.Join(e.dir, "alerter.yml")
	s, err := New(Options{LoadConfig: func() (*config.Config, error) { return config.LoadFile(cfgPath) }})
	if err != nil {
		t.Fatal(err)
	}
	e.s = s
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
	}()
	deadline := time.Now().Add(30 * time.Second)
	for !s.mgr.Ready() {
		if time.Now().After(deadline) {
			t.Fatal("server not ready")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := e.state(); got != generation(1) {
		t.Fatalf("started with %s, want %s", got, generation(1))
	}

	e.version(2)
	fail := []struct {
		stage  reloadStage
		break_ func()
		fix    func()
	}{
		{stageConfig, func() { e.write("alerter.yml", "route: [\n") }, func() { e.version(2) }},
		{stageRules, func() { e.write("rules2.yml", "groups: [{name: g, rules: [{alert: Rule2, expr: 'vector('}]}]\n") }, func() { e.version(2) }},
		{stageTokens, func() { _ = os.Remove(filepath.Join(e.dir, "read2")) }, func() { e.version(2) }},
		{stageSlack, func() { e.write("slack2", "\n") }, func() { e.version(2) }},
		{stagePipeline, nil, nil},
		{stageWindows, nil, nil},
	}
	for _, f := range fail {
		t.Run(string(f.stage), func(t *testing.T) {
			if f.break_ != nil {
				f.break_()
				defer f.fix()
			} else {
				s.reloadFault = func(st reloadStage) error {
					if st == f.stage {
						return errors.New("injected failure at " + string(st))
					}
					return nil
				}
				defer func() { s.reloadFault = nil }()
			}
			if err := s.Reload(ctx); err == nil {
				t.Fatal("reload succeeded")
			}
			if got := e.state(); got != generation(1) {
				t.Fatalf("after a reload failing at %s the server runs %s, want all of %s", f.stage, got, generation(1))
			}
		})
	}
	if err := s.Reload(ctx); err != nil {
		t.Fatal(err)
	}
	if got := e.state(); got != generation(2) {
		t.Fatalf("after a good reload the server runs %s, want all of %s", got, generation(2))
	}
}
