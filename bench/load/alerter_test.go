package load

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/internal/promtest"
)

// alerterOptions is what differs between the scenarios' alerters.
type alerterOptions struct {
	RuleFiles []string
	Interval  time.Duration
	// SinkURL receives the webhook notifications; "" routes everything to
	// a receiver without integrations.
	SinkURL   string
	GroupBy   []string
	GroupWait time.Duration
	// GroupWaitEarly sets the route's group_wait_early.
	GroupWaitEarly bool
	// Datasource is Prometheus's URL when not the bench's own.
	Datasource string
}

// alerterProc is a running alerter binary.
type alerterProc struct {
	proc *promtest.Proc
	base string
}

// alerterConfig is alerter.yml for one run; the rule file watcher is off
// so it costs nothing.
const alerterConfig = `global:
  evaluation_interval: %s
datasource:
  url: %s
  timeout: 2m
rule_files: [%s]
storage:
%s
web:
  listen_address: %s
  rule_file_check_interval: 0s
route:
  receiver: sink
  group_by: [%s]
  group_wait: %s
%s  group_interval: %s
  repeat_interval: 4h
receivers:
  - name: sink
%s`

// startAlerter runs alerter with o and waits until it is ready (rules
// loaded, state restored). It is stopped in t.Cleanup.
func (b *bench) startAlerter(t *testing.T, o alerterOptions) *alerterProc {
	t.Helper()
	dir := t.TempDir()
	port := promtest.FreePort(t)
	cfgPath := filepath.Join(dir, "alerter.yml")
	storage := "  path: " + filepath.Join(dir, "data")
	if b.pg != nil {
		dsn, err := b.pg.CreateDB(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "pg.dsn"), []byte(dsn), 0o600); err != nil {
			t.Fatal(err)
		}
		storage = "  postgres:\n    dsn_file: " + filepath.Join(dir, "pg.dsn")
	}
	cfg := b.alerterYAML(o, storage, fmt.Sprintf("127.0.0.1:%d", port))
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	a := &alerterProc{base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	a.proc = promtest.StartBinary(t, b.bin, []string{"run", "--config", cfgPath}, nil)
	a.proc.WaitHTTP(t, a.base+"/-/ready", 2*time.Minute)
	return a
}

// alerterYAML renders alerter.yml for o.
func (b *bench) alerterYAML(o alerterOptions, storage, listen string) string {
	quoted := make([]string, len(o.RuleFiles))
	for i, f := range o.RuleFiles {
		quoted[i] = fmt.Sprintf("%q", f)
	}
	receiver := ""
	if o.SinkURL != "" {
		receiver = fmt.Sprintf("    webhook_configs: [{url: %q}]\n", o.SinkURL)
	}
	groupBy := o.GroupBy
	if len(groupBy) == 0 {
		groupBy = []string{"alertname"}
	}
	early := "" // only when set, so that older binaries (ALERTER_BIN) load it
	if o.GroupWaitEarly {
		early = "  group_wait_early: true\n"
	}
	ds := o.Datasource
	if ds == "" {
		ds = b.prom.URL()
	}
	return fmt.Sprintf(alerterConfig,
		model.Duration(o.Interval), ds, strings.Join(quoted, ", "), storage, listen,
		strings.Join(groupBy, ", "), model.Duration(o.GroupWait), early, model.Duration(max(o.Interval, time.Second)),
		receiver)
}

// metrics scrapes alerter's /metrics.
func (a *alerterProc) metrics(t *testing.T) Snapshot {
	t.Helper()
	return mustScrape(t, a.base+"/metrics")
}

// stop ends alerter now, logging an unclean exit; later scenarios should
// not share the machine with it.
func (a *alerterProc) stop(t *testing.T) {
	t.Helper()
	if err := a.proc.Stop(); err != nil {
		t.Logf("alerter exit: %v", err)
	}
}

// iterations maps each group key to its completed evaluations.
func iterations(s Snapshot) map[string]float64 {
	return s.ByLabel("alerter_rule_group_iterations_total", "rule_group")
}

// minOver is the smallest of m's values at keys (0 for a missing key).
func minOver(m map[string]float64, keys []string) float64 {
	if len(keys) == 0 {
		return 0
	}
	lo := m[keys[0]]
	for _, k := range keys[1:] {
		lo = min(lo, m[k])
	}
	return lo
}

// sumOver adds m's values at keys.
func sumOver(m map[string]float64, keys []string) float64 {
	total := 0.0
	for _, k := range keys {
		total += m[k]
	}
	return total
}
