package integration

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/promtest"
)

// Every secret of secretsConfig: each is unique, so that a leak names its
// source. The map is from a description to the secret.
var configSecrets = map[string]string{
	"datasource basic_auth password": "S3CRET-PROM-PASS-4c1e",
	"datasource url password":        "S3CRET-PROM-URLPASS-8a3d",
	"webhook url userinfo password":  "S3CRET-WEBHOOK-PASS-9d2b",
	"webhook url path token":         "S3CRET-WEBHOOK-PATH-7f3a",
	"webhook url query key":          "S3CRET-WEBHOOK-KEY-2e8c",
	"webhook hmac_secret":            "S3CRET-WEBHOOK-HMAC-5a0f",
	"slack app_token":                "xoxb-S3CRET-SLACKTOKEN-3b6d",
	"slack api_url path":             "S3CRET-SLACK-HOOKPATH-0c4e",
	"pagerduty routing_key":          "PDR0UTINGKEYS3CRETq8w2e6r4t1y9uZ", // 32 characters
	"email auth_password":            "S3CRET-SMTP-PASS-6e7a",
	"opsgenie api_key":               "S3CRET-OPSGENIE-KEY-1d2f",
	"victorops api_key":              "S3CRET-VICTOROPS-KEY-3e4a",
	"telegram bot_token":             "123456:S3CRET-TELEGRAM-5b6c",
	"discord webhook token":          "S3CRET-DISCORD-TOKEN-7d8e",
	"teams webhook path":             "S3CRET-TEAMS-PATH-9f0a",
	"teams workflow signature":       "S3CRET-TEAMS-SIG-2b3c",
	"pushover token":                 "S3CRETPUSHOVERTOKEN01234567890", // 30 characters
	"pushover user_key":              "S3CRETPUSHOVERUSERKEY012345678",
}

// Usernames are not secrets, but with the passwords they form the basic
// auth headers checked below.
const (
	secretPromUser    = "promuser"
	secretWebhookUser = "hookuser"
)

// secretForm is one way a secret can show: the secret itself, escaped,
// or inside Basic credentials.
type secretForm struct {
	secret string // the configSecrets key it derives from
	what   string
	value  string
}

// secretForms returns every string whose presence means a leak: each
// secret, its URL-escaped form, and the Basic authorization credentials
// built from the passwords.
func secretForms() []secretForm {
	var forms []secretForm
	for what, s := range configSecrets {
		forms = append(forms, secretForm{what, what, s})
		if q := url.QueryEscape(s); q != s {
			forms = append(forms, secretForm{what, what + " (URL-escaped)", q})
		}
	}
	basic := func(what, user string) secretForm {
		return secretForm{what, what + " (in a Basic authorization)", base64.StdEncoding.EncodeToString([]byte(user + ":" + configSecrets[what]))}
	}
	return append(forms,
		basic("datasource basic_auth password", secretPromUser),
		basic("datasource url password", secretPromUser),
		basic("webhook url userinfo password", secretWebhookUser))
}

// secretsConfig is an alerter.yml with a secret in every place that can
// hold one; secretsEnv.config fills in the ${…} placeholders.
const secretsConfig = `global:
  evaluation_interval: 1s
  opsgenie_api_key: ${OG_KEY}
datasource:
  url: ${PROM_URL}
  timeout: 5s
  basic_auth:
    username: ` + secretPromUser + `
    password: ${PROM_PASS}
rule_files: [rules.yml]
storage:
  path: ${STORAGE}
web:
  listen_address: ${LISTEN}
  rule_file_check_interval: 0s
route:
  receiver: leaky
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: leaky
    webhook_configs:
      - url: ${WEBHOOK_URL}
        hmac_secret: ${WEBHOOK_HMAC}
        timeout: 5s
    slack_configs:
      - app_token: ${SLACK_TOKEN}
        app_url: ${SLACK_APP_URL}
        channel: '#alerts'
        timeout: 5s
      - api_url: ${SLACK_WEBHOOK_URL}
    pagerduty_configs:
      - routing_key: ${PD_KEY}
        url: ${PD_URL}
        timeout: 5s
    email_configs:
      - to: oncall@example.com
        from: alerter@example.com
        smarthost: ${SMTP}
        auth_username: mailuser
        auth_password: ${SMTP_PASS}
        timeout: 5s
    opsgenie_configs:
      - api_url: ${OG_URL}
        timeout: 5s
    victorops_configs:
      - api_key: ${VO_KEY}
        api_url: ${VO_URL}
        routing_key: ops
    telegram_configs:
      - bot_token: ${TG_TOKEN}
        api_url: ${TG_URL}
        chat_id: -100
    discord_configs:
      - webhook_url: ${DC_URL}
    msteams_configs:
      - webhook_url: ${TEAMS_URL}
    msteamsv2_configs:
      - webhook_url: ${FLOW_URL}
    pushover_configs:
      - token: ${PO_TOKEN}
        user_key: ${PO_USER}
        api_url: ${PO_URL}
`

const secretsRules = `groups:
  - name: secrets
    interval: 1s
    rules:
      - alert: SecretsTest
        expr: secrets_test_value > 0
        annotations:
          summary: value is {{ $value }}
`

// secretSink is an HTTP endpoint that always answers the same failure and
// remembers what it was sent, so the test can check that the secrets did
// reach their destination (the configuration is really in use).
type secretSink struct {
	status int
	body   string

	mu       sync.Mutex
	requests []string // method, URL, headers and body of each request
}

func newSecretSink(t *testing.T, status int, body string) (*secretSink, *httptest.Server) {
	t.Helper()
	s := &secretSink{status: status, body: body}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		var dump strings.Builder
		fmt.Fprintf(&dump, "%s %s\n", r.Method, r.URL.String())
		for k, vs := range r.Header {
			fmt.Fprintf(&dump, "%s: %s\n", k, strings.Join(vs, ","))
		}
		dump.Write(b)
		s.mu.Lock()
		s.requests = append(s.requests, dump.String())
		s.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(s.status)
		_, _ = io.WriteString(w, s.body)
	}))
	t.Cleanup(srv.Close)
	return s, srv
}

// all returns every request received, one after the other.
func (s *secretSink) all() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Join(s.requests, "\n")
}

// received reports whether some request contained every one of subs.
func (s *secretSink) received(subs ...string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.requests {
		all := true
		for _, sub := range subs {
			all = all && strings.Contains(r, sub)
		}
		if all {
			return true
		}
	}
	return false
}

// secretsEnv is the scenario's files and endpoints.
type secretsEnv struct {
	cfgPath string
	port    int
	vars    map[string]string // secretsConfig's placeholders
}

func (e *secretsEnv) config(edit func(string) string) string {
	cfg := os.Expand(secretsConfig, func(k string) string {
		v, ok := e.vars[k]
		if !ok {
			panic("no value for ${" + k + "}")
		}
		return v
	})
	if edit != nil {
		cfg = edit(cfg)
	}
	return cfg
}

func (e *secretsEnv) apiURL(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", e.port, path)
}

// replaceOnce replaces old, which must occur exactly once, by new.
func replaceOnce(t *testing.T, s, old, new string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("%q occurs %d times in the configuration, want once", old, n)
	}
	return strings.Replace(s, old, new, 1)
}

// assertNoSecret fails the test for every secret (in any form) found in
// text, showing the line it is on. The secrets named in allowed (keys of
// configSecrets) are not looked for.
func assertNoSecret(t *testing.T, where, text string, allowed ...string) {
	t.Helper()
	for _, f := range secretForms() {
		i := strings.Index(text, f.value)
		if i < 0 || slices.Contains(allowed, f.secret) {
			continue
		}
		start := strings.LastIndexByte(text[:i], '\n') + 1
		end := len(text)
		if j := strings.IndexByte(text[i:], '\n'); j >= 0 {
			end = i + j
		}
		t.Errorf("LEAK: %s (%s) appears in %s:\n  %s", f.what, f.value, where, text[start:end])
	}
}

func httpGetBody(t *testing.T, u string) (int, string) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second}
	resp, err := c.Get(u)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return resp.StatusCode, string(b)
}

// failedAttempts sums alerter_notifications_failed_total over the reasons,
// by integration, from a /metrics exposition.
func failedAttempts(exposition string) map[string]float64 {
	out := map[string]float64{}
	for _, line := range strings.Split(exposition, "\n") {
		if !strings.HasPrefix(line, "alerter_notifications_failed_total{") {
			continue
		}
		labels, value, ok := strings.Cut(strings.TrimPrefix(line, "alerter_notifications_failed_total{"), "} ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			continue
		}
		for _, kv := range strings.Split(labels, ",") {
			if name, val, ok := strings.Cut(kv, "="); ok && name == "integration" {
				out[strings.Trim(val, `"`)] += v
			}
		}
	}
	return out
}

// runCheck runs `alerter check file` and returns its exit code, stdout and
// stderr.
func runCheck(t *testing.T, bin, file string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "check", file)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("alerter check %s: %v", file, err)
		}
		code = ee.ExitCode()
	}
	return code, stdout.String(), stderr.String()
}

// TestSecretsNeverLeak runs alerter with a secret in every place of the
// configuration that can hold one, lets every integration fail, and looks
// for the secrets in everything alerter shows: its log at debug level,
// the HTTP API, /metrics, `alerter check` and a failed reload.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	if n := len(configSecrets["pagerduty routing_key"]); n != 32 {
		t.Fatalf("the routing key has %d characters, want 32 like a real one", n)
	}
	bin := promtest.BuildAlerter(t)
	src := promtest.NewSource(t)
	prom := promtest.Start(t, promtest.Options{Targets: []string{src.Addr()}})
	src.Set("secrets_test_value", map[string]string{"instance": "a"}, 1)
	prom.WaitForSeries(t, "secrets_test_value", 30*time.Second)

	// Every endpoint fails, so that errors get logged: a webhook and
	// PagerDuty answering 500 (retried), Slack rejecting the token and
	// the incoming webhook, and an SMTP port where nothing listens.
	hook, hookSrv := newSecretSink(t, http.StatusInternalServerError, `{"error":"boom"}`)
	slk, slackSrv := newSecretSink(t, http.StatusOK, `{"ok":false,"error":"invalid_auth"}`)
	slkHook, slackHookSrv := newSecretSink(t, http.StatusInternalServerError, `internal_error`)
	pd, pdSrv := newSecretSink(t, http.StatusInternalServerError, `{"status":"error"}`)
	og, ogSrv := newSecretSink(t, http.StatusUnprocessableEntity, `{"message":"invalid"}`)
	vo, voSrv := newSecretSink(t, http.StatusInternalServerError, `{"result":"failure"}`)
	tg, tgSrv := newSecretSink(t, http.StatusTooManyRequests, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 1","parameters":{"retry_after":1}}`)
	dc, dcSrv := newSecretSink(t, http.StatusBadGateway, `{"message":"bad gateway"}`)
	teams, teamsSrv := newSecretSink(t, http.StatusOK, `Webhook message delivery failed with error: Microsoft Teams endpoint returned HTTP error 503`)
	po, poSrv := newSecretSink(t, http.StatusBadRequest, `{"status":0,"errors":["user identifier is invalid"]}`)

	// Prometheus does not ask for credentials and ignores them.
	promURL, err := url.Parse(prom.URL())
	if err != nil {
		t.Fatal(err)
	}
	promURL.User = url.UserPassword(secretPromUser, configSecrets["datasource url password"])
	hookURL, err := url.Parse(hookSrv.URL)
	if err != nil {
		t.Fatal(err)
	}
	hookURL.User = url.UserPassword(secretWebhookUser, configSecrets["webhook url userinfo password"])
	hookURL.Path = "/hook/" + configSecrets["webhook url path token"]
	hookURL.RawQuery = "key=" + configSecrets["webhook url query key"]

	dir := t.TempDir()
	e := &secretsEnv{cfgPath: filepath.Join(dir, "alerter.yml"), port: promtest.FreePort(t)}
	e.vars = map[string]string{
		"PROM_URL":          promURL.String(),
		"PROM_PASS":         configSecrets["datasource basic_auth password"],
		"STORAGE":           filepath.Join(dir, "data"),
		"LISTEN":            fmt.Sprintf("127.0.0.1:%d", e.port),
		"WEBHOOK_URL":       hookURL.String(),
		"WEBHOOK_HMAC":      configSecrets["webhook hmac_secret"],
		"SLACK_TOKEN":       configSecrets["slack app_token"],
		"SLACK_APP_URL":     slackSrv.URL + "/api/",
		"SLACK_WEBHOOK_URL": slackHookSrv.URL + "/services/" + configSecrets["slack api_url path"],
		"PD_KEY":            configSecrets["pagerduty routing_key"],
		"PD_URL":            pdSrv.URL + "/v2/enqueue",
		"SMTP":              fmt.Sprintf("127.0.0.1:%d", promtest.FreePort(t)), // closed
		"SMTP_PASS":         configSecrets["email auth_password"],
		"OG_KEY":            configSecrets["opsgenie api_key"],
		"OG_URL":            ogSrv.URL + "/",
		"VO_KEY":            configSecrets["victorops api_key"],
		"VO_URL":            voSrv.URL + "/integrations/generic/20131114/alert/",
		"TG_TOKEN":          strconv.Quote(configSecrets["telegram bot_token"]),
		"TG_URL":            tgSrv.URL,
		"DC_URL":            dcSrv.URL + "/api/webhooks/42/" + configSecrets["discord webhook token"],
		"TEAMS_URL":         teamsSrv.URL + "/webhookb2/" + configSecrets["teams webhook path"] + "/IncomingWebhook/x",
		"FLOW_URL":          teamsSrv.URL + "/workflows/1/triggers/manual/paths/invoke?sig=" + configSecrets["teams workflow signature"],
		"PO_TOKEN":          configSecrets["pushover token"],
		"PO_USER":           configSecrets["pushover user_key"],
		"PO_URL":            poSrv.URL + "/1/messages.json",
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), []byte(secretsRules), 0o644); err != nil {
		t.Fatal(err)
	}
	writeConfig := func(cfg string) {
		t.Helper()
		tmp := e.cfgPath + ".tmp"
		if err := os.WriteFile(tmp, []byte(cfg), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, e.cfgPath); err != nil {
			t.Fatal(err)
		}
	}
	goodConfig := e.config(nil)
	for what, s := range configSecrets {
		if !strings.Contains(goodConfig, s) {
			t.Fatalf("the configuration lacks the %s", what)
		}
	}
	writeConfig(goodConfig)

	proc := promtest.StartBinary(t, bin, []string{"run", "--config", e.cfgPath, "--log.level", "debug"}, nil)
	proc.WaitHTTP(t, e.apiURL("/-/ready"), 30*time.Second)

	// Readiness, not timing: every integration has failed at least once.
	integrations := []string{"webhook/0", "slack/0", "slack/1", "pagerduty/0", "email/0",
		"opsgenie/0", "victorops/0", "telegram/0", "discord/0", "msteams/0", "msteamsv2/0", "pushover/0"}
	var failed map[string]float64
	waitUntil(t, 120*time.Second, "a failed attempt of every integration", func() bool {
		_, body := httpGetBody(t, e.apiURL("/metrics"))
		failed = failedAttempts(body)
		for _, in := range integrations {
			if failed[in] == 0 {
				return false
			}
		}
		return true
	})
	t.Logf("failed attempts by integration: %v", failed)

	// The secrets did reach the endpoints: the scenario is not vacuous.
	webhookBasic := base64.StdEncoding.EncodeToString([]byte(secretWebhookUser + ":" + configSecrets["webhook url userinfo password"]))
	if !hook.received("/hook/"+configSecrets["webhook url path token"], "key="+configSecrets["webhook url query key"],
		"Basic "+webhookBasic, "X-Alerter-Signature") {
		t.Error("the webhook never received its URL's token, key, credentials and a signature")
	}
	if !slk.received(configSecrets["slack app_token"]) { // a form field of chat.postMessage
		t.Error("Slack never received the app token")
	}
	if !slkHook.received("/services/" + configSecrets["slack api_url path"]) {
		t.Error("the Slack incoming webhook was never called")
	}
	if !pd.received(configSecrets["pagerduty routing_key"]) {
		t.Error("PagerDuty never received the routing key")
	}
	for _, r := range []struct {
		what string
		sink *secretSink
		subs []string
	}{
		{"Opsgenie the API key", og, []string{"GenieKey " + configSecrets["opsgenie api_key"]}},
		{"VictorOps the API key", vo, []string{"/" + configSecrets["victorops api_key"] + "/ops"}},
		{"Telegram the bot token", tg, []string{"/bot" + configSecrets["telegram bot_token"] + "/sendMessage"}},
		{"Discord the webhook token", dc, []string{"/api/webhooks/42/" + configSecrets["discord webhook token"]}},
		{"Teams the connector's path", teams, []string{configSecrets["teams webhook path"], "MessageCard"}},
		{"Teams the workflow's signature", teams, []string{configSecrets["teams workflow signature"], "AdaptiveCard"}},
		{"Pushover the token and user key", po, []string{"token=" + configSecrets["pushover token"], "user=" + configSecrets["pushover user_key"]}},
	} {
		if !r.sink.received(r.subs...) {
			t.Errorf("%s never received", r.what)
		}
	}

	// What each endpoint was sent holds its own credentials only: not the
	// datasource's, not another integration's, not the HMAC key.
	t.Run("sent to receivers", func(t *testing.T) {
		for _, r := range []struct {
			name string
			sink *secretSink
			own  []string
		}{
			{"the webhook", hook, []string{"webhook url userinfo password", "webhook url path token", "webhook url query key"}},
			{"Slack's Web API", slk, []string{"slack app_token"}},
			{"the Slack incoming webhook", slkHook, []string{"slack api_url path"}},
			{"PagerDuty", pd, []string{"pagerduty routing_key"}},
			{"Opsgenie", og, []string{"opsgenie api_key"}},
			{"VictorOps", vo, []string{"victorops api_key"}},
			{"Telegram", tg, []string{"telegram bot_token"}},
			{"Discord", dc, []string{"discord webhook token"}},
			{"Teams", teams, []string{"teams webhook path", "teams workflow signature"}},
			{"Pushover", po, []string{"pushover token", "pushover user_key"}},
		} {
			assertNoSecret(t, "what "+r.name+" was sent", r.sink.all(), r.own...)
		}
	})

	t.Run("api", func(t *testing.T) {
		for _, path := range []string{"/api/v1/rules", "/api/v1/alerts", "/api/v1/status/runtimeinfo", "/metrics"} {
			code, body := httpGetBody(t, e.apiURL(path))
			if code != http.StatusOK {
				t.Errorf("GET %s: %d", path, code)
			}
			assertNoSecret(t, "GET "+path, body)
		}
	})

	t.Run("check", func(t *testing.T) {
		badDatasource := strings.Replace(promURL.String(), "http://", "ftp://", 1)
		cases := []struct {
			name     string
			edit     func(string) string
			wantCode int
		}{
			{"valid", nil, 0},
			{"bad duration beside the webhook secrets", func(c string) string {
				return replaceOnce(t, c, "        timeout: 5s\n    slack_configs:", "        timeout: 5 parsecs\n    slack_configs:")
			}, 1},
			{"bad duration beside the Slack token", func(c string) string {
				return replaceOnce(t, c, "        channel: '#alerts'\n        timeout: 5s", "        channel: '#alerts'\n        timeout: soon")
			}, 1},
			{"unknown key beside the routing key", func(c string) string {
				return replaceOnce(t, c, "      - routing_key: ", "      - routing_keey: oops\n        routing_key: ")
			}, 1},
			{"bad parse mode beside the Telegram token", func(c string) string {
				return replaceOnce(t, c, "        chat_id: -100\n", "        chat_id: -100\n        parse_mode: bogus\n")
			}, 1},
			{"Discord webhook URL with a bad scheme", func(c string) string {
				return replaceOnce(t, c, "      - webhook_url: "+e.vars["DC_URL"], "      - webhook_url: "+strings.Replace(e.vars["DC_URL"], "http://", "ftp://", 1))
			}, 1},
			{"Pushover without user key, beside the token", func(c string) string {
				return replaceOnce(t, c, "        user_key: "+e.vars["PO_USER"]+"\n", "")
			}, 1},
			{"email password without username", func(c string) string {
				return replaceOnce(t, c, "        auth_username: mailuser\n", "")
			}, 1},
			{"invalid webhook url holding secrets", func(c string) string {
				return replaceOnce(t, c, "      - url: "+hookURL.String(), "      - url: "+brokenURL(hookURL))
			}, 1},
			{"datasource url with credentials and a wrong scheme", func(c string) string {
				return replaceOnce(t, c, "  url: "+promURL.String(), "  url: "+badDatasource)
			}, 1},
		}
		for i, tc := range cases {
			t.Run(strings.ReplaceAll(tc.name, " ", "_"), func(t *testing.T) {
				f := filepath.Join(dir, "check-"+strconv.Itoa(i)+".yml")
				if err := os.WriteFile(f, []byte(e.config(tc.edit)), 0o644); err != nil {
					t.Fatal(err)
				}
				code, stdout, stderr := runCheck(t, bin, f)
				if code != tc.wantCode {
					t.Errorf("alerter check exited %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tc.wantCode, stdout, stderr)
				}
				t.Logf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
				assertNoSecret(t, "alerter check stdout", stdout)
				assertNoSecret(t, "alerter check stderr", stderr)
			})
		}
	})

	t.Run("broken reload", func(t *testing.T) {
		writeConfig(e.config(func(c string) string {
			return replaceOnce(t, c, "      - url: "+hookURL.String(), "      - url: "+brokenURL(hookURL))
		}))
		resp, err := http.Post(e.apiURL("/-/reload"), "", nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("POST /-/reload of a broken config: %s, want 500", resp.Status)
		}
		assertNoSecret(t, "the POST /-/reload response", string(b))
		_, info := httpGetBody(t, e.apiURL("/api/v1/status/runtimeinfo"))
		if !strings.Contains(info, `"reloadConfigSuccess":false`) {
			t.Errorf("runtimeinfo after a failed reload: %s", info)
		}
		assertNoSecret(t, "GET /api/v1/status/runtimeinfo after a failed reload", info)
		writeConfig(goodConfig)
	})

	// Last, so that it covers the failed reload and every retry so far.
	t.Run("log", func(t *testing.T) {
		log := proc.Log()
		for _, want := range []string{"notification failed", "reload failed"} {
			if !strings.Contains(log, want) {
				t.Errorf("the log lacks %q: is it the log of this run?", want)
			}
		}
		assertNoSecret(t, "the alerter log", log)
	})
}

// brokenURL is u with its port replaced by one that does not parse, so the
// URL is invalid but still holds u's credentials, path and query.
func brokenURL(u *url.URL) string {
	return strings.Replace(u.String(), ":"+u.Port()+"/", ":port/", 1)
}
