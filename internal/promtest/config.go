package promtest

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Options configures the Prometheus server that Start runs.
type Options struct {
	// Targets are host:port addresses scraped at /metrics, e.g. Source.Addr().
	Targets []string
	// ScrapeInterval defaults to 1s. The scrape timeout equals it.
	ScrapeInterval time.Duration
	// EvaluationInterval is Prometheus's own rule evaluation interval;
	// it defaults to 1s.
	EvaluationInterval time.Duration
	// RuleFiles are loaded by Prometheus's own rule manager. Relative paths
	// are resolved against the test's working directory.
	RuleFiles []string
	// JobName is the job label of the targets; it defaults to "promtest".
	JobName string
	// ExtraArgs are appended to the command line.
	ExtraArgs []string
	// Alertmanagers are host:port addresses Prometheus sends its alerts to
	// (alerting.alertmanagers, static_configs, api_version v2), e.g. an
	// alerter that takes pushed alerts.
	Alertmanagers []string
	// AlertmanagerToken, when set, is sent to the Alertmanagers as a
	// bearer token (authorization.credentials).
	AlertmanagerToken string
	// RemoteWriteReceiver starts Prometheus with its remote-write receiver
	// (--web.enable-remote-write-receiver, at /api/v1/write).
	RemoteWriteReceiver bool
	// DataDir, when set, is the TSDB directory Prometheus starts on, such
	// as one filled by `promtool tsdb create-blocks-from`, instead of an
	// empty one in the test's temp dir. Its retention is Prometheus's
	// default (15d) unless ExtraArgs say otherwise.
	DataDir string
}

func (o Options) withDefaults() Options {
	if o.ScrapeInterval <= 0 {
		o.ScrapeInterval = time.Second
	}
	if o.EvaluationInterval <= 0 {
		o.EvaluationInterval = time.Second
	}
	if o.JobName == "" {
		o.JobName = "promtest"
	}
	return o
}

// configYAML renders prometheus.yml. Targets honour their own labels so a
// test reads back exactly the labels it set (job and instance are added only
// where a series has none).
func (o Options) configYAML() (string, error) {
	var b strings.Builder
	timeout := min(o.ScrapeInterval, 10*time.Second)
	fmt.Fprintf(&b, "global:\n  scrape_interval: %s\n  scrape_timeout: %s\n  evaluation_interval: %s\n",
		promDuration(o.ScrapeInterval), promDuration(timeout), promDuration(o.EvaluationInterval))
	if len(o.RuleFiles) > 0 {
		b.WriteString("rule_files:\n")
		for _, f := range o.RuleFiles {
			abs, err := filepath.Abs(f)
			if err != nil {
				return "", fmt.Errorf("rule file %q: %w", f, err)
			}
			fmt.Fprintf(&b, "  - %s\n", yamlString(abs))
		}
	}
	if len(o.Alertmanagers) > 0 {
		b.WriteString("alerting:\n  alertmanagers:\n    - api_version: v2\n      timeout: 5s\n")
		if o.AlertmanagerToken != "" {
			fmt.Fprintf(&b, "      authorization:\n        credentials: %s\n", yamlString(o.AlertmanagerToken))
		}
		b.WriteString("      static_configs:\n        - targets:\n")
		for _, am := range o.Alertmanagers {
			fmt.Fprintf(&b, "            - %s\n", yamlString(am))
		}
	}
	if len(o.Targets) > 0 {
		fmt.Fprintf(&b, "scrape_configs:\n  - job_name: %s\n    honor_labels: true\n    static_configs:\n      - targets:\n",
			yamlString(o.JobName))
		for _, tg := range o.Targets {
			fmt.Fprintf(&b, "          - %s\n", yamlString(tg))
		}
	}
	return b.String(), nil
}

// promDuration formats d the way Prometheus's config accepts (no fractions).
func promDuration(d time.Duration) string {
	return fmt.Sprintf("%dms", max(d.Milliseconds(), 1))
}

// yamlString quotes s; a JSON string is a valid YAML double-quoted scalar.
func yamlString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// args are the command-line arguments opts add to Prometheus's own.
func (o Options) args() []string {
	var out []string
	if o.RemoteWriteReceiver {
		out = append(out, "--web.enable-remote-write-receiver")
	}
	return append(out, o.ExtraArgs...)
}
