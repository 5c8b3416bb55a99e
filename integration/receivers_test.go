package integration

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/fakeapi"
)

// vendorAPI is a fake third-party API the test routes an alert to.
type vendorAPI interface {
	http.Handler
	Events() []fakeapi.Event
	Problems() []string
	Requests() []fakeapi.Request
}

// TestAllNewReceivers fires one alert, routed to a receiver with an
// Opsgenie, Teams (connector and Workflows), Telegram, Discord, VictorOps
// and Pushover integration, each pointed at a local stand-in that checks
// requests as the real API does, then resolves it. Every API must get
// exactly one well-formed firing notification, then one resolved.
func TestAllNewReceivers(t *testing.T) {
	t.Parallel()
	const (
		ogKey      = "S3CRET-og-4b5a-9687-a1b2c3d4e5f6"
		voKey      = "S3CRET-vo-key"
		tgToken    = "123456:S3CRET-tg"
		tgChat     = -1001234567890
		dcToken    = "S3CRET-discord"
		poToken    = "azGDORePK8gMaC0QOYAMyEEuzJnyUi"
		poUser     = "uQiRzpo4DXghDmr9QzzfQu27cmVRsG"
		teamsPath  = "/webhookb2/S3CRET/IncomingWebhook/x/y"
		flowPath   = "/workflows/S3CRET/triggers/manual/paths/invoke"
		victorBase = "/integrations/generic/20131114/alert/"
	)
	apis := map[string]vendorAPI{
		"opsgenie":  fakeapi.NewOpsgenie(ogKey),
		"msteams":   fakeapi.NewTeams(teamsPath, false),
		"msteamsv2": fakeapi.NewTeams(flowPath, true),
		"telegram":  fakeapi.NewTelegram(tgToken, tgChat),
		"discord":   fakeapi.NewDiscord("42", dcToken),
		"victorops": fakeapi.NewVictorOps(voKey, "ops"),
		"pushover":  fakeapi.NewPushover(poToken, poUser),
	}
	url := map[string]string{}
	for name, api := range apis {
		srv := httptest.NewServer(api)
		t.Cleanup(srv.Close)
		url[name] = srv.URL
	}
	globals := fmt.Sprintf(`global:
  opsgenie_api_key: %s
  opsgenie_api_url: %s/
  victorops_api_key: %s
  victorops_api_url: %s%s
  telegram_api_url: %s
`, ogKey, url["opsgenie"], voKey, url["victorops"], victorBase, url["telegram"])
	notify := fmt.Sprintf(`route:
  receiver: everyone
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: everyone
    opsgenie_configs:
      - priority: P2
        responders: [{name: sre, type: team}]
        tags: "{{ .CommonLabels.severity }},alerter"
    msteams_configs:
      - webhook_url: %s%s?sig=S3CRET
    msteamsv2_configs:
      - webhook_url: %s%s?sig=S3CRET
    telegram_configs:
      - bot_token: %q
        chat_id: %d
    discord_configs:
      - webhook_url: %s/api/webhooks/42/%s
    victorops_configs:
      - routing_key: ops
    pushover_configs:
      - token: %s
        user_key: %s
        api_url: %s/1/messages.json
`, url["msteams"], teamsPath, url["msteamsv2"], flowPath, tgToken, tgChat,
		url["discord"], dcToken, poToken, poUser, url["pushover"])
	e := newEnvWith(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Everywhere
        expr: test_value > 0.5
        labels:
          severity: critical
        annotations:
          summary: value is {{ $value }}
          description: 'check <b>this</b> & that'
`, "300ms", notify)
	// The receivers inherit the API keys and URLs from the globals.
	cfg, err := os.ReadFile(e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.cfgPath, []byte(strings.Replace(string(cfg), "global:\n", globals, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	e.src.Set("test_value", inst, 0)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()

	e.src.Set("test_value", inst, 1)
	waitUntil(t, 90*time.Second, "a firing notification at every API", func() bool {
		for _, api := range apis {
			if len(kinds(api, "firing")) == 0 {
				return false
			}
		}
		return true
	})
	e.src.Set("test_value", inst, 0)
	waitUntil(t, 90*time.Second, "a resolved notification at every API", func() bool {
		for _, api := range apis {
			if len(kinds(api, "resolved")) == 0 {
				return false
			}
		}
		return true
	})
	// Nothing more comes: a few evaluations later, still one of each.
	e.waitEvals("Everywhere", 3)
	for name, api := range apis {
		var seq []string
		for _, ev := range api.Events() {
			seq = append(seq, ev.Kind)
		}
		if strings.Join(seq, ",") != "firing,resolved" {
			t.Errorf("%s got %v, want one firing then one resolved notification", name, seq)
		}
		if p := api.Problems(); len(p) > 0 {
			t.Errorf("%s rejected requests: %v", name, p)
		}
		for _, r := range api.Requests() {
			if ua := r.Header.Get("User-Agent"); !strings.HasPrefix(ua, "alerter/") {
				t.Errorf("%s: User-Agent %q", name, ua)
			}
		}
	}
	// The incident services see the same key for firing and resolved, so
	// the resolved notification closes what the firing one opened.
	for _, name := range []string{"opsgenie", "victorops"} {
		ev := apis[name].Events()
		if len(ev) == 2 && (ev[0].Key == "" || ev[0].Key != ev[1].Key) {
			t.Errorf("%s: keys %q and %q", name, ev[0].Key, ev[1].Key)
		}
	}
	tg := apis["telegram"].(*fakeapi.Telegram).Messages()
	if len(tg) > 0 && !strings.Contains(tg[0].Text, "check &lt;b&gt;this&lt;/b&gt; &amp; that") {
		t.Errorf("Telegram HTML message does not escape the description: %q", tg[0].Text)
	}
	og := apis["opsgenie"].(*fakeapi.Opsgenie).Alerts()
	if len(og) > 0 && (og[0].Priority != "P2" || strings.Join(og[0].Tags, ",") != "critical,alerter" || og[0].Details["severity"] != "critical") {
		t.Errorf("Opsgenie alert: %+v", og[0])
	}
	if log := e.proc.Log(); strings.Contains(log, "S3CRET") {
		t.Error("a credential is in alerter's log")
	}
}

// kinds returns the events of a kind an API got.
func kinds(api vendorAPI, kind string) []fakeapi.Event {
	var out []fakeapi.Event
	for _, ev := range api.Events() {
		if ev.Kind == kind {
			out = append(out, ev)
		}
	}
	return out
}
