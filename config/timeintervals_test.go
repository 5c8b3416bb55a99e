package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	commoncfg "github.com/prometheus/common/config"
	"go.yaml.in/yaml/v3"
)

func TestTimeIntervals(t *testing.T) {
	c, err := Parse([]byte(`
route:
  receiver: a
  routes:
    - receiver: a
      mute_time_intervals: [night, holidays]
      active_time_intervals: [business]
receivers: [{name: a}]
time_intervals:
  - name: business
    time_intervals:
      - weekdays: ['monday:friday']
        times: [{start_time: '09:00', end_time: '17:00'}]
        location: Europe/Berlin
  - name: holidays
    time_intervals:
      - {months: [december], days_of_month: ['24:26', '-1'], years: ['2024:2030']}
mute_time_intervals:   # the name before Alertmanager 0.24
  - name: night
    time_intervals: [{times: [{start_time: '22:00', end_time: '24:00'}]}]
`))
	if err != nil {
		t.Fatal(err)
	}
	iv := c.Intervals()
	if len(iv) != 3 || len(iv["business"]) != 1 || iv["business"][0].Location.String() != "Europe/Berlin" {
		t.Fatalf("intervals: %+v", iv)
	}
	if d := iv["holidays"][0].DaysOfMonth; len(d) != 2 || d[1].Begin != -1 {
		t.Fatalf("days_of_month: %+v", d)
	}
	if tr := iv["night"][0].Times[0]; tr.StartMinute != 22*60 || tr.EndMinute != 24*60 {
		t.Fatalf("times: %+v", tr)
	}
	// Shown by /api/v2/status: it marshals back to the same intervals.
	b, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"monday:friday", "Europe/Berlin", "start_time: \"22:00\"", "\"-1\""} {
		if !strings.Contains(string(b), want) {
			t.Errorf("marshalled configuration lacks %s:\n%s", want, b)
		}
	}
}

func TestTimeIntervalErrors(t *testing.T) {
	const head = "route:\n  receiver: a\n  routes:\n    - receiver: a\n      mute_time_intervals: [night]\nreceivers: [{name: a}]\n"
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"undefined", head, []string{`5:29: route.routes[0].mute_time_intervals[0]: undefined time interval "night" used in route`}},
		{"undefined active", "route:\n  receiver: a\n  routes:\n    - active_time_intervals: [x, y]\nreceivers: [{name: a}]\ntime_intervals: [{name: x}]\n",
			[]string{`4:34: route.routes[0].active_time_intervals[1]: undefined time interval "y"`}},
		{"root", "route: {receiver: a, mute_time_intervals: [n]}\nreceivers: [{name: a}]\ntime_intervals: [{name: n}]\n",
			[]string{"root route must not have any mute time intervals"}},
		{"no name", head + "time_intervals:\n  - name: night\n  - time_intervals: []\n", []string{`9:5: time_intervals[1]: missing name in time interval`}},
		{"not unique", head + "mute_time_intervals: [{name: night}]\ntime_intervals: [{name: night}]\n",
			[]string{`8:25: time_intervals[0].name: time interval "night" is not unique`}},
		{"bad weekday", head + "time_intervals:\n  - name: night\n    time_intervals: [{weekdays: [mondey]}]\n",
			[]string{`9:34: time_intervals[0].time_intervals[0].weekdays[0]:`, `mondey`}},
		{"bad time", head + "time_intervals:\n  - name: night\n    time_intervals:\n      - times: [{start_time: '25:00', end_time: '26:00'}]\n",
			[]string{`10:17: time_intervals[0].time_intervals[0].times[0]:`}},
		{"unknown key in times", head + "time_intervals:\n  - name: night\n    time_intervals:\n      - times: [{start_time: '01:00', end_time: '02:00', end: '03:00'}]\n",
			[]string{`10:58: time_intervals[0].time_intervals[0].times[0]: unknown field "end"`}},
		{"unknown key in spec", head + "time_intervals:\n  - name: night\n    time_intervals: [{weekday: [monday]}]\n",
			[]string{`9:23: time_intervals[0].time_intervals[0]: unknown field "weekday"`}},
		{"bad location", head + "time_intervals:\n  - name: night\n    time_intervals: [{location: Mars/Olympus}]\n",
			[]string{`9:33: time_intervals[0].time_intervals[0].location:`, `Mars/Olympus`}},
		{"negative days range", head + "time_intervals:\n  - name: night\n    time_intervals: [{days_of_month: ['-1:-5']}]\n",
			[]string{`9:39: time_intervals[0].time_intervals[0].days_of_month[0]:`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.in))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// TestNotAConfig: a rule file, a PrometheusRule or a promtool test file
// given as the configuration is named for what it is.
func TestNotAConfig(t *testing.T) {
	for in, want := range map[string]string{
		"groups: []\n": "1:1: not an alerter configuration: this is a rule file: list it under rule_files",
		"apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec: {groups: []}\n": "2:1: not an alerter configuration: this is a Kubernetes PrometheusRule object",
		"rule_files: [a.yml]\ntests: []\n":                                                 "2:1: not an alerter configuration: this is a rule unit test file (promtool test rules): use alerter test",
		"route: {receiver: a}\nreceivers: [{name: a}]\ntracing: {}\n":                      "3:1: tracing: alerter does not export traces",
	} {
		_, err := Parse([]byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}

// TestLoadFileReportsEveryError: decoding problems and validation
// problems come together, every line with file:line:col.
func TestLoadFileReportsEveryError(t *testing.T) {
	p := filepath.Join(t.TempDir(), "alerter.yml")
	src := `global:
  evaluation_interval: soon
route:
  receiver: nobody
  routes:
    - match_re: {severity: }
      mute_time_intervals: [never]
receivers:
  - name: a
    webhook_configs: [{url: "not a url"}]
    sns_configs: [{topic_arn: x}]
storm_control: {max_alerts: -1}
bogus: 1
`
	if err := os.WriteFile(p, []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(p)
	var errs Errors
	if !errors.As(err, &errs) {
		t.Fatalf("not an Errors: %v", err)
	}
	want := []string{
		p + ":2:24: global.evaluation_interval:",
		p + ":4:13: route.receiver: undefined receiver \"nobody\"",
		p + ":6:18: match_re: invalid regexp value for \"severity\"",
		p + ":7:29: route.routes[0].mute_time_intervals[0]: undefined time interval \"never\"",
		p + ":10:23: receivers[0].webhook_configs[0]: url scheme must be http or https",
		p + ":11:5: receivers[0].sns_configs: alerter does not support Amazon SNS receivers",
		p + ":12:29: storm_control.max_alerts: must not be negative",
		p + ":13:1: unknown field \"bogus\"",
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != len(want) {
		t.Fatalf("got %d errors, want %d:\n%s", len(lines), len(want), err)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("error %d: %q, want it to start with %q", i, lines[i], w)
		}
	}
}

// TestTemplatesRelativeToConfigFile: template globs resolve against the
// configuration file's directory, like rule_files, and a broken template
// file is reported at the templates key.
func TestTemplatesRelativeToConfigFile(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "tmpl"), 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("tmpl/a.tmpl", `{{ define "mine" }}{{ template "__subject" . }}{{ end }}`)
	write("alerter.yml", "templates: ['tmpl/*.tmpl']\n")
	c, err := LoadFile(filepath.Join(dir, "alerter.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.Templates[0] != filepath.Join(dir, "tmpl/*.tmpl") {
		t.Fatalf("templates: %v", c.Templates)
	}
	write("tmpl/b.tmpl", `{{ define "broken" }}{{ if }}{{ end }}`)
	_, err = LoadFile(filepath.Join(dir, "alerter.yml"))
	if err == nil || !strings.Contains(err.Error(), filepath.Join(dir, "alerter.yml")+":1:12: templates: template file "+filepath.Join(dir, "tmpl/b.tmpl")) {
		t.Fatalf("got %v", err)
	}
}

// TestGlobalHTTPConfig: global.http_config is the http_config of every
// integration without one, as in Alertmanager; an integration's own wins.
func TestGlobalHTTPConfig(t *testing.T) {
	c, err := Parse([]byte(`
global:
  resolve_timeout: 2m
  http_config: {proxy_url: "http://proxy:3128", authorization: {credentials: s3cret}}
route: {receiver: a}
receivers:
  - name: a
    webhook_configs: [{url: "http://h/1"}, {url: "http://h/2", http_config: {follow_redirects: false}}]
    slack_configs: [{api_url: "https://hooks.slack.com/services/x"}]
    pagerduty_configs: [{routing_key: k}]
    opsgenie_configs: [{api_key: k}]
    discord_configs: [{webhook_url: "https://discord.example/api/webhooks/1/x"}]
`))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Receivers[0]
	for i, hc := range []*commoncfg.HTTPClientConfig{r.WebhookConfigs[0].HTTPConfig, r.SlackConfigs[0].HTTPConfig, r.PagerdutyConfigs[0].HTTPConfig,
		r.OpsgenieConfigs[0].HTTPConfig, r.DiscordConfigs[0].HTTPConfig} {
		if hc == nil || hc.ProxyURL.URL == nil || hc.ProxyURL.Host != "proxy:3128" || string(hc.Authorization.Credentials) != "s3cret" || !hc.FollowRedirects {
			t.Errorf("integration %d: http_config %+v", i, hc)
		}
	}
	if own := r.WebhookConfigs[1].HTTPConfig; own.ProxyURL.URL != nil || own.FollowRedirects {
		t.Errorf("an integration's own http_config was overridden: %+v", own)
	}
	if r.WebhookConfigs[0].HTTPConfig == r.SlackConfigs[0].HTTPConfig {
		t.Error("integrations share one http_config")
	}
	if time.Duration(c.Global.ResolveTimeout) != 2*time.Minute {
		t.Errorf("resolve_timeout %v", c.Global.ResolveTimeout)
	}
	if d, _ := Parse(nil); time.Duration(d.Global.ResolveTimeout) != 5*time.Minute {
		t.Errorf("default resolve_timeout %v, want Alertmanager's 5m", d.Global.ResolveTimeout)
	}
	// The running configuration is shown by the API: it marshals.
	if _, err := yaml.Marshal(c); err != nil {
		t.Fatal(err)
	}
}
