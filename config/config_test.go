package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func TestParseDefaults(t *testing.T) {
	for _, in := range []string{"", "# only a comment\n", "{}\n"} {
		c, err := Parse([]byte(in))
		if err != nil {
			t.Fatalf("Parse(%q): %v", in, err)
		}
		if c.Datasource.URL != DefaultDatasourceURL || c.Storage.Path != DefaultStoragePath ||
			c.Web.ListenAddress != DefaultListenAddress || time.Duration(c.Global.EvaluationInterval) != DefaultEvaluationInterval {
			t.Fatalf("defaults not applied: %+v", c)
		}
		if !c.Datasource.HTTPClientConfig.FollowRedirects {
			t.Fatal("HTTP client defaults not applied")
		}
	}
}

func TestParseFull(t *testing.T) {
	c, err := Parse([]byte(`
global:
  evaluation_interval: 15s
  query_offset: 10s
  external_labels: {region: eu}
  external_url: https://alerter.example.com
datasource:
  url: https://prom.example.com:9090
  timeout: 10s
  down_alert_after: 0s
  basic_auth:
    username: u
    password: secret
  tls_config:
    insecure_skip_verify: true
rule_files: [a.yml, "rules/*.yml"]
storage: {path: /var/lib/alerter}
web:
  listen_address: 127.0.0.1:9999
  rule_file_check_interval: 0s
route: {receiver: hook}
receivers:
  - name: hook
    webhook_configs:
      - url: http://127.0.0.1:5001/
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Datasource.HTTPClientConfig.BasicAuth == nil || string(c.Datasource.HTTPClientConfig.BasicAuth.Password) != "secret" {
		t.Fatalf("basic auth not decoded: %+v", c.Datasource.HTTPClientConfig.BasicAuth)
	}
	if !c.Datasource.HTTPClientConfig.TLSConfig.InsecureSkipVerify {
		t.Fatal("tls_config not decoded")
	}
	if *c.Datasource.DownAlertAfter != 0 || time.Duration(c.Global.QueryOffset) != 10*time.Second {
		t.Fatal("durations not decoded")
	}
	if len(c.Receivers) != 1 || c.Receivers[0].WebhookConfigs[0].URL.String() != "http://127.0.0.1:5001/" {
		t.Fatalf("receivers: %+v", c.Receivers)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"unknown top-level key", "rule_file: [a]\n", []string{`1:1`, `unknown field "rule_file"`}},
		{"unknown nested key", "datasource:\n  url: http://x:9090\n  timout: 5s\n", []string{`3:3`, `timout`}},
		{"unknown key inside http config", "datasource:\n  tls_config:\n    cafile: x\n", []string{`3:5`, `"cafile"`}},
		{"bad duration", "global:\n  evaluation_interval: 5 minutes\n", []string{`2:24`, `evaluation_interval`}},
		{"zero interval", "global:\n  evaluation_interval: 0s\n", []string{`2:24`, `must be greater than 0`}},
		{"bad datasource url", "datasource:\n  url: localhost:9090\n", []string{`2:8`, `datasource.url`}},
		{"undefined receiver", "route: {receiver: nope}\n", []string{`1:19`, `undefined receiver "nope"`}},
		{"undefined nested receiver", "route:\n  receiver: a\n  routes:\n    - receiver: b\nreceivers: [{name: a}]\n", []string{`4:17`, `undefined receiver "b"`}},
		{"duplicate receiver", "route: {receiver: a}\nreceivers:\n  - name: a\n  - name: a\n", []string{`4:11`, `defined twice`}},
		{"webhook without url", "route: {receiver: a}\nreceivers:\n  - name: a\n    webhook_configs:\n      - {}\n", []string{`webhook_configs[0]`}},
		{"several errors at once", "foo: 1\nbar: 2\n", []string{`1:1`, `2:1`, `"foo"`, `"bar"`}},
		{"undefined escalation policy", "route:\n  receiver: a\n  routes:\n    - escalation: oncall\nreceivers: [{name: a}]\n",
			[]string{`4:19`, `route.routes[0].escalation`, `undefined escalation policy "oncall"`}},
		{"escalation level receiver", escalationPrefix + "      - after: 15m\n        receivers: [nobody]\n",
			[]string{`8:21`, `escalation_policies[0].levels[1].receivers[0]`, `undefined receiver "nobody"`}},
		{"escalation levels out of order", escalationPrefix + "      - after: 0s\n        receivers: [a]\n",
			[]string{`7:16`, `levels[1].after`, `later than the previous level's`}},
		{"escalation bad duration", escalationPrefix + "    repeat_every: soon\n", []string{`7:19`, `repeat_every`}},
		{"escalation unknown key", escalationPrefix + "    repeat: 5m\n", []string{`7:5`, `"repeat"`}},
		{"escalation policy twice", escalationPrefix + "  - name: oncall\n    levels: [{after: 0s, receivers: [a]}]\n", []string{`7:11`, `defined twice`}},
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

// escalationPrefix is a valid config with one policy, for appending a
// broken line to (its policy's second level would start on line 7).
const escalationPrefix = `route: {receiver: a, escalation: oncall}
receivers: [{name: a}]
escalation_policies:
  - name: oncall
    levels:
      - {after: 5m, receivers: [a]}
`

func TestEscalationPolicies(t *testing.T) {
	c, err := Parse([]byte(`
route:
  receiver: slack
  routes:
    - matchers: ['severity="critical"']
      escalation: oncall
receivers: [{name: slack}, {name: primary}, {name: secondary}, {name: lead}]
escalation_policies:
  - name: oncall
    levels:
      - after: 0s
        receivers: [slack, primary]
      - after: 15m
        receivers: [secondary]
      - after: 30m
        receivers: [lead]
    repeat_every: 30m
`))
	if err != nil {
		t.Fatal(err)
	}
	p := c.Policies()["oncall"]
	if p == nil || len(p.Levels) != 3 || time.Duration(p.Levels[1].After) != 15*time.Minute ||
		time.Duration(p.RepeatEvery) != 30*time.Minute || p.Levels[0].Receivers[1] != "primary" {
		t.Fatalf("policy decoded as %+v", p)
	}
}

func TestLoadFileResolvesRulePaths(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "alerter.yml")
	if err := os.WriteFile(p, []byte("rule_files: [rules/*.yml, /abs/x.yml]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if c.RuleFiles[0] != filepath.Join(dir, "rules/*.yml") || c.RuleFiles[1] != "/abs/x.yml" {
		t.Fatalf("rule files: %v", c.RuleFiles)
	}
	if err := os.WriteFile(p, []byte("bogus: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadFile(p); err == nil || !strings.Contains(err.Error(), p+":1:1: ") {
		t.Fatalf("error does not name the file: %v", err)
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("global: {evaluation_interval: 1s}\n"))
	f.Add([]byte("datasource: {url: http://x, basic_auth: {username: a}}\nroute: {receiver: a}\nreceivers: [{name: a, webhook_configs: [{url: http://y}]}]\n"))
	f.Add([]byte("route: {receiver: a, routes: [{mute_time_intervals: [n], active_time_intervals: [m]}]}\nreceivers: [{name: a}]\n" +
		"time_intervals: [{name: n, time_intervals: [{times: [{start_time: '01:00', end_time: '02:00'}], weekdays: ['monday:friday'], days_of_month: ['-3:-1'], months: ['1:3'], years: ['2020:2030'], location: Europe/Berlin}]}]\n" +
		"mute_time_intervals: [{name: m, time_intervals: [{}]}]\n"))
	f.Add([]byte("global: {resolve_timeout: 1m, http_config: {proxy_url: http://p}}\nroute: {receiver: a, routes: [{match_re: {a: }}]}\nreceivers: [{name: a, sns_configs: [{}]}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := Parse(b)
		if err == nil && c == nil {
			t.Fatal("nil config without error")
		}
		var errs Errors
		if err != nil && errors.As(err, &errs) {
			for _, e := range errs {
				if e.Line <= 0 {
					t.Fatalf("error without a position: %v", e)
				}
			}
		}
	})
}

func TestAlertmanagerGlobalsApply(t *testing.T) {
	c, err := Parse([]byte(`
global:
  smtp_from: alerts@example.com
  smtp_smarthost: smtp.example.com:587
  smtp_auth_username: alerter
  smtp_auth_password: pw
  slack_api_url: https://hooks.slack.com/services/T/B/X
route: {receiver: r}
receivers:
  - name: r
    email_configs: [{to: oncall@example.com}]
    slack_configs: [{channel: "#a"}]
`))
	if err != nil {
		t.Fatal(err)
	}
	e := c.Receivers[0].EmailConfigs[0]
	if e.From != "alerts@example.com" || e.Smarthost != "smtp.example.com:587" || e.AuthUsername != "alerter" || string(e.AuthPassword) != "pw" {
		t.Fatalf("smtp globals not applied: %+v", e)
	}
	if c.Receivers[0].SlackConfigs[0].APIURL == nil {
		t.Fatal("slack_api_url not applied")
	}
}

func TestRemoteWriteAndResolveTimeout(t *testing.T) {
	c, err := Parse([]byte(`global:
  resolve_timeout: 2m
remote_write:
  - url: http://prometheus:9090/api/v1/write
    name: main
    remote_timeout: 10s
    headers: {X-Scope-OrgID: team}
    basic_auth: {username: u, password: p}
    write_relabel_configs:
      - source_labels: [__name__]
        regex: ALERTS_FOR_STATE
        action: drop
    queue_config: {capacity: 500, max_samples_per_send: 100, min_backoff: 50ms, max_backoff: 2s, retry_on_http_429: false}
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Global.ResolveTimeout != model.Duration(2*time.Minute) {
		t.Errorf("resolve_timeout = %v", c.Global.ResolveTimeout)
	}
	rw := c.RemoteWrite[0]
	if rw.URL.String() != "http://prometheus:9090/api/v1/write" || rw.QueueConfig.Capacity != 500 || len(rw.WriteRelabelConfigs) != 1 ||
		rw.HTTPClientConfig.BasicAuth == nil || *rw.QueueConfig.RetryOnRateLimit {
		t.Errorf("remote_write: %+v", rw)
	}
	if d, _ := Parse([]byte("{}")); d.Global.ResolveTimeout != model.Duration(5*time.Minute) {
		t.Errorf("default resolve_timeout = %v, want Alertmanager's 5m", d.Global.ResolveTimeout)
	}
	for _, bad := range []struct{ yaml, want string }{
		{"remote_write: [{name: x}]\n", "1:16: remote_write[0]: url: is required"},
		{"remote_write: [{url: 'http://a/', name: x}, {url: 'http://b/', name: x}]\n", `remote_write name "x" is used twice`},
		{"remote_write: [{url: 'http://a/', max_shards: 3}]\n", "max_shards"},
		{"global: {resolve_timeout: 0s}\n", "global.resolve_timeout: must be greater than 0"},
	} {
		_, err := Parse([]byte(bad.yaml))
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: %v, want %q", bad.yaml, err, bad.want)
		}
	}
}

// TestSecurityKeys: allowed origins, timeouts and limits decode; bad ones
// are reported at their line:col, all at once.
func TestSecurityKeys(t *testing.T) {
	c, err := Parse([]byte(`
web:
  allowed_origins: [https://grafana.example.com, "http://localhost:3000"]
  read_timeout: 5s
  idle_timeout: 1m
silences:
  max_silences: 10
  max_silence_size_bytes: 0
acknowledgements:
  max_acknowledgements: 7
`))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Web.AllowedOrigins) != 2 || time.Duration(c.Web.ReadTimeout) != 5*time.Second || time.Duration(c.Web.WriteTimeout) != 2*time.Minute {
		t.Fatalf("web: %+v", c.Web)
	}
	sl, al := c.Silences.Limits(), c.Acknowledgements.Limits()
	if sl.MaxSilences != 10 || sl.MaxSilenceSizeBytes != -1 || sl.MaxWindows != 1000 || al.MaxAcks != 7 || al.MaxAckSizeBytes != 4096 {
		t.Fatalf("limits: %+v %+v", sl, al)
	}
	d, _ := Parse(nil)
	if d.Silences.MaxSilences != 5000 || d.Silences.MaxSilenceSizeBytes != 16384 || d.Acknowledgements.MaxAcknowledgements != 5000 ||
		d.Delivery.ParallelGroups != 4 {
		t.Fatalf("default limits: %+v %+v", d.Silences, d.Acknowledgements)
	}

	_, err = Parse([]byte(`web:
  allowed_origins:
    - https://grafana.example.com/d/abc
    - grafana.example.com
  read_timeout: 0s
silences:
  max_silences: -1
acknowledgements:
  max_acknowledgement_size_bytes: -5
delivery:
  parallel_groups: 0
`))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{
		`3:7: web.allowed_origins[0]`, "without user, path",
		`4:7: web.allowed_origins[1]`, "http:// or https://",
		`5:17: web.read_timeout: must be greater than 0`,
		`7:17: silences.max_silences: must not be negative`,
		`9:35: acknowledgements.max_acknowledgement_size_bytes`,
		`11:20: delivery.parallel_groups: must be between 1 and 64, got 0`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

// TestReceiverHTTPConfigDefaults: an integration's own http_config gets
// prometheus/common's defaults (follow_redirects and enable_http2 true),
// as in Alertmanager, unless it says otherwise.
func TestReceiverHTTPConfigDefaults(t *testing.T) {
	c, err := Parse([]byte(`
route: {receiver: a}
receivers:
  - name: a
    webhook_configs:
      - {url: "http://h/1", http_config: {proxy_url: "http://proxy:3128"}}
      - {url: "http://h/2", http_config: {follow_redirects: false, enable_http2: false}}
`))
	if err != nil {
		t.Fatal(err)
	}
	got := c.Receivers[0].WebhookConfigs
	if hc := got[0].HTTPConfig; !hc.FollowRedirects || !hc.EnableHTTP2 || hc.ProxyURL.URL == nil {
		t.Errorf("defaults lost: %+v", hc)
	}
	if hc := got[1].HTTPConfig; hc.FollowRedirects || hc.EnableHTTP2 {
		t.Errorf("explicit false overridden: %+v", hc)
	}
}

// TestHTTPConfigFilesRelativeToConfigFile: the files of HTTP client
// settings are relative to the configuration file, as in Prometheus and
// Alertmanager, for the datasource, global.http_config and receivers.
func TestHTTPConfigFilesRelativeToConfigFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "alerter.yml")
	if err := os.WriteFile(p, []byte(`
datasource:
  url: http://prom:9090
  authorization: {credentials_file: secrets/prom}
global:
  http_config: {tls_config: {ca_file: ca.pem}}
route: {receiver: a}
receivers:
  - name: a
    webhook_configs: [{url: "http://h/1", http_config: {basic_auth: {username: u, password_file: /abs/pw}}}]
    slack_configs: [{api_url: "https://hooks.slack.com/services/x"}]
`), 0o600); err != nil {
		t.Fatal(err)
	}
	c, err := LoadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if got := c.Datasource.HTTPClientConfig.Authorization.CredentialsFile; got != filepath.Join(dir, "secrets/prom") {
		t.Errorf("datasource credentials_file %q", got)
	}
	if got := c.Receivers[0].SlackConfigs[0].HTTPConfig.TLSConfig.CAFile; got != filepath.Join(dir, "ca.pem") {
		t.Errorf("global http_config ca_file in slack %q", got)
	}
	if got := c.Receivers[0].WebhookConfigs[0].HTTPConfig.BasicAuth.PasswordFile; got != "/abs/pw" {
		t.Errorf("absolute password_file changed: %q", got)
	}
}
