package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRedactedURL(t *testing.T) {
	for _, tc := range []struct{ in, redacted, stripped string }{
		{"http://prom:9090", "http://prom:9090", "http://prom:9090"},
		{"http://user:pw@prom:9090/x", "http://user:xxxxx@prom:9090/x", "http://prom:9090/x"},
		{"http://user@prom:9090", "http://user@prom:9090", "http://prom:9090"},
		{"https://u:p@h/p?token=abc", "https://u:xxxxx@h/p?token=abc", "https://h/p?token=abc"},
		{"", "", ""},
		{"://bad", "<invalid url>", ""},
		{"http://[::1", "<invalid url>", ""},
	} {
		if got := RedactedURL(tc.in); got != tc.redacted {
			t.Errorf("RedactedURL(%q) = %q, want %q", tc.in, got, tc.redacted)
		}
		if got := StripUserinfo(tc.in); got != tc.stripped {
			t.Errorf("StripUserinfo(%q) = %q, want %q", tc.in, got, tc.stripped)
		}
	}
}

// TestRedactedYAML checks each kind of redaction on one configuration:
// secret fields, URLs under receivers, other URLs' passwords and query
// values; everything else is shown as it is.
func TestRedactedYAML(t *testing.T) {
	c, err := Parse([]byte(`
global:
  external_url: https://alerter.example.com/
  smtp_auth_password: S3CRET-smtp
datasource:
  url: http://alerter:S3CRET-ds@prom.example.com:9090/?token=S3CRET-q&tenant=S3CRET-t
route: {receiver: hook}
receivers:
  - name: hook
    webhook_configs: [{url: "https://hooks.example.com/services/S3CRET-path"}]
`))
	if err != nil {
		t.Fatal(err)
	}
	out, err := RedactedYAML(c)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out, "S3CRET") {
		t.Fatalf("a secret is in the rendered configuration:\n%s", out)
	}
	for _, want := range []string{
		"smtp_auth_password: <secret>\n",
		"url: http://alerter:xxxxx@prom.example.com:9090/?tenant=xxxxx&token=xxxxx\n",
		"- url: <secret>\n",
		// Not a secret: shown as written.
		"external_url: https://alerter.example.com/\n",
		"receiver: hook\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	// Two-space indentation, as amtool shows Alertmanager's.
	if !strings.Contains(out, "\n  url: http://alerter:") {
		t.Errorf("datasource.url is not indented by two spaces:\n%s", out)
	}
}

// TestRedactedYAMLAnyURLUnderReceivers: a URL anywhere below receivers
// (a nested client setting, a URL with no credentials) is hidden whole;
// scalars that are not URLs are not.
func TestRedactedYAMLAnyURLUnderReceivers(t *testing.T) {
	c, err := Parse([]byte(`
route: {receiver: r}
receivers:
  - name: r
    webhook_configs:
      - url: http://127.0.0.1:5001/plain
        http_config: {proxy_url: "http://proxy.example.com:3128"}
        max_alerts: 7
`))
	if err != nil {
		t.Fatal(err)
	}
	out, err := RedactedYAML(c)
	if err != nil {
		t.Fatal(err)
	}
	for _, leak := range []string{"127.0.0.1:5001", "proxy.example.com"} {
		if strings.Contains(out, leak) {
			t.Errorf("%s shown under receivers:\n%s", leak, out)
		}
	}
	if n := strings.Count(out, "<secret>"); n < 2 {
		t.Errorf("%d <secret> placeholders, want at least 2:\n%s", n, out)
	}
	if !strings.Contains(out, "max_alerts: 7\n") {
		t.Errorf("max_alerts not shown:\n%s", out)
	}
}

// TestRedactedYAMLExamples renders the shipped example configurations,
// with secrets put where users put them, and finds none of them.
func TestRedactedYAMLExamples(t *testing.T) {
	for _, tc := range []struct {
		file    string
		secrets int // injected
		inject  *strings.Replacer
	}{
		{"../examples/alerter.yml", 6, strings.NewReplacer(
			"datasource:\n  url: http://localhost:9090\n", "datasource:\n  url: http://alerter:S3CRET-ds@localhost:9090/?key=S3CRET-dsq\n",
			"        smarthost: smtp.example.com:587\n", "        smarthost: smtp.example.com:587\n        auth_username: alerter\n        auth_password: S3CRET-smtp\n",
			"  - name: blackhole\n", "  - name: blackhole\n  - name: hook\n    webhook_configs: [{url: \"https://hooks.example.com/T0/S3CRET-hook\"}]\n",
			"  - url: http://localhost:9090/api/v1/write\n", "  - url: http://rw:S3CRET-rw@localhost:9090/api/v1/write?token=S3CRET-rwq\n",
		)},
		{"../examples/demo.yml", 2, strings.NewReplacer(
			"http://127.0.0.1:5001/pager", "http://127.0.0.1:5001/pager?token=S3CRET-pager",
			"http://127.0.0.1:5001/slack", "http://u:S3CRET-slack@127.0.0.1:5001/slack",
		)},
		{"../examples/ha/alerter.yml", 2, strings.NewReplacer(
			"http://oncall-bridge.example.com/alerts", "http://oncall-bridge.example.com/alerts/S3CRET-ha",
			"url: http://prometheus:9090\n", "url: http://prometheus:9090/?X-Scope-OrgID=S3CRET-org\n",
		)},
	} {
		t.Run(filepath.Base(filepath.Dir(tc.file))+"/"+filepath.Base(tc.file), func(t *testing.T) {
			b, err := os.ReadFile(tc.file)
			if err != nil {
				t.Fatal(err)
			}
			in := tc.inject.Replace(string(b))
			if n := strings.Count(in, "S3CRET") - strings.Count(string(b), "S3CRET"); n != tc.secrets {
				t.Fatalf("%d secrets injected into %s, want %d: has the example changed?", n, tc.file, tc.secrets)
			}
			path := filepath.Join(t.TempDir(), "alerter.yml")
			if err := os.WriteFile(path, []byte(in), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := LoadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			out, err := RedactedYAML(c)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(out, "S3CRET") {
				t.Errorf("a secret is in the rendered configuration:\n%s", out)
			}
			if !strings.Contains(out, "<secret>") {
				t.Errorf("no <secret> placeholder: is the test vacuous?\n%s", out)
			}
			if !strings.Contains(out, "receivers:") || !strings.Contains(out, "route:") {
				t.Errorf("the rendering lost the configuration:\n%s", out)
			}
		})
	}
}
