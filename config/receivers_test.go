package config

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// allReceivers uses every receiver kind alerter supports beyond the first
// four, with Alertmanager's keys, and the globals they inherit.
const allReceivers = `
global:
  opsgenie_api_key: ogkey
  opsgenie_api_url: https://api.eu.opsgenie.com/
  victorops_api_key_file: /etc/alerter/vo-key
  telegram_api_url: https://telegram.proxy.example
  smtp_tls_config:
    insecure_skip_verify: true
route: {receiver: all}
templates: []
receivers:
  - name: all
    email_configs:
      - {to: a@example.com, from: b@example.com, smarthost: "smtp:25"}
    opsgenie_configs:
      - priority: P2
        responders: [{name: sre, type: team}]
        tags: "a,b"
        update_alerts: true
        details: {x: "{{ .CommonLabels.x }}"}
      - api_key: own
        api_url: https://api.opsgenie.com/
    msteams_configs:
      - webhook_url: https://example.webhook.office.com/webhookb2/x/IncomingWebhook/y/z
        title: t
        summary: s
        text: x
    msteamsv2_configs:
      - webhook_url_file: /etc/alerter/teams-url
        title: t
        text: x
    telegram_configs:
      - bot_token: "123:abc"
        chat_id: -1001
        message_thread_id: 7
        parse_mode: ""
        disable_notifications: true
      - bot_token_file: /etc/alerter/tg
        chat_id: 5
        api_url: https://api.telegram.org
    discord_configs:
      - webhook_url: https://discord.com/api/webhooks/1/tok
        title: t
        message: m
        content: c
        username: alerter
        avatar_url: https://example.com/a.png
    victorops_configs:
      - routing_key: team
        message_type: WARNING
        entity_display_name: e
        state_message: s
        monitoring_tool: m
        custom_fields: {env: prod}
    pushover_configs:
      - user_key: u
        token: t
        title: x
        message: y
        url: https://example.com
        url_title: z
        device: phone
        sound: siren
        priority: "1"
        retry: 30s
        expire: 2h
        ttl: 1h
        monospace: true
`

func TestAllReceiversAndGlobals(t *testing.T) {
	c, err := Parse([]byte(allReceivers))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Receivers[0]
	if n := len(r.OpsgenieConfigs) + len(r.MSTeamsConfigs) + len(r.MSTeamsV2Configs) + len(r.TelegramConfigs) +
		len(r.DiscordConfigs) + len(r.VictorOpsConfigs) + len(r.PushoverConfigs); n != 9 {
		t.Fatalf("%d integrations decoded", n)
	}
	og := r.OpsgenieConfigs
	if string(og[0].APIKey) != "ogkey" || og[0].APIURL.String() != "https://api.eu.opsgenie.com/" {
		t.Errorf("opsgenie globals not applied: %+v", og[0])
	}
	if string(og[1].APIKey) != "own" || og[1].APIURL.String() != "https://api.opsgenie.com/" {
		t.Errorf("opsgenie's own settings overridden: %+v", og[1])
	}
	if vo := r.VictorOpsConfigs[0]; vo.APIKeyFile != "/etc/alerter/vo-key" || vo.APIKey != "" || vo.APIURL != nil {
		t.Errorf("victorops globals: %+v", vo)
	}
	if tg := r.TelegramConfigs; tg[0].APIURL.String() != "https://telegram.proxy.example" || tg[1].APIURL.String() != "https://api.telegram.org" ||
		tg[0].ParseMode == nil || *tg[0].ParseMode != "" || tg[0].MessageThreadID != 7 {
		t.Errorf("telegram: %+v %+v", tg[0], tg[1])
	}
	if !r.EmailConfigs[0].TLSConfig.InsecureSkipVerify {
		t.Error("smtp_tls_config not applied")
	}
	if s := r.MSTeamsConfigs[0].WebhookURL.String(); s != "<secret>" {
		t.Errorf("a webhook URL prints as %q", s)
	}
}

func TestReceiverErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"opsgenie without a key", "route: {receiver: a}\nreceivers:\n  - name: a\n    opsgenie_configs:\n      - priority: P1\n",
			[]string{"5:9", "receivers[0].opsgenie_configs[0]", "api_key or api_key_file is required", "global.opsgenie_api_key"}},
		{"opsgenie bad priority", "global: {opsgenie_api_key: k}\nroute: {receiver: a}\nreceivers:\n  - name: a\n    opsgenie_configs:\n      - priority: urgent\n",
			[]string{"6:9", `priority "urgent"`}},
		{"victorops without routing key", "global: {victorops_api_key: k}\nroute: {receiver: a}\nreceivers:\n  - name: a\n    victorops_configs:\n      - message_type: INFO\n",
			[]string{"6:9", "routing_key is required"}},
		{"telegram parse mode", "route: {receiver: a}\nreceivers:\n  - name: a\n    telegram_configs:\n      - {bot_token: x, chat_id: 1, parse_mode: markdown}\n",
			[]string{"5:9", `parse_mode "markdown"`}},
		{"telegram chat id not a number", "route: {receiver: a}\nreceivers:\n  - name: a\n    telegram_configs:\n      - {bot_token: x, chat_id: '@chan'}\n",
			[]string{"5:33", "chat_id"}},
		{"discord without url", "route: {receiver: a}\nreceivers:\n  - name: a\n    discord_configs:\n      - title: t\n",
			[]string{"5:9", "webhook_url or webhook_url_file is required"}},
		{"teams unknown key", "route: {receiver: a}\nreceivers:\n  - name: a\n    msteams_configs:\n      - webhook_url: https://x/y\n        colour: red\n",
			[]string{"6:9", `"colour"`}},
		{"teams v2 both urls", "route: {receiver: a}\nreceivers:\n  - name: a\n    msteamsv2_configs:\n      - {webhook_url: 'https://x/y', webhook_url_file: f}\n",
			[]string{"5:9", "at most one of webhook_url and webhook_url_file"}},
		{"pushover html and monospace", "route: {receiver: a}\nreceivers:\n  - name: a\n    pushover_configs:\n      - {user_key: u, token: t, html: true, monospace: true, retry: 5s}\n",
			[]string{"5:9", "at most one of html and monospace", "retry must be at least 30s"}},
		{"template syntax at the field", "route: {receiver: a}\nreceivers:\n  - name: a\n    discord_configs:\n      - webhook_url: https://x/y\n        title: '{{ .Status'\n",
			[]string{"6:16", "discord_configs[0].title", "template:"}},
		{"empty item", "route: {receiver: a}\nreceivers:\n  - name: a\n    pushover_configs:\n      -\n",
			[]string{"receivers[0].pushover_configs[0]", "is empty"}},
		{"global key twice", "global: {victorops_api_key: k, victorops_api_key_file: f}\n",
			[]string{"1:29", "at most one of victorops_api_key and victorops_api_key_file"}},
		{"global url", "global: {telegram_api_url: 'api.telegram.org'}\n",
			[]string{"global.telegram_api_url", "must be an absolute http(s) URL"}},
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

func TestReceiverSecretsNotInErrors(t *testing.T) {
	in := "global: {opsgenie_api_key: S3CRET-og}\nroute: {receiver: a}\nreceivers:\n  - name: a\n" +
		"    discord_configs:\n      - webhook_url: 'https://discord.com/api/webhooks/1/S3CRET-dc'\n        avatar_url: nope\n" +
		"    msteams_configs:\n      - webhook_url: 'ftp://S3CRET-teams.example/S3CRET-path'\n" +
		"    telegram_configs:\n      - {bot_token: S3CRET-tg, chat_id: 0}\n" +
		"    opsgenie_configs:\n      - priority: P9\n"
	_, err := Parse([]byte(in))
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), "S3CRET") {
		t.Errorf("a secret is in the error:\n%v", err)
	}
	for _, w := range []string{"avatar_url", "webhook_url scheme must be http or https", "chat_id is required", `priority "P9"`} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error lacks %q:\n%v", w, err)
		}
	}
}

// TestReceiverSecretsDoNotMarshal marshals a configuration with a secret
// in every receiver key that holds one, as an API showing the
// configuration would, and looks for them.
func TestReceiverSecretsDoNotMarshal(t *testing.T) {
	in := strings.NewReplacer(
		"opsgenie_api_key: ogkey", "opsgenie_api_key: S3CRET-og",
		"api_key: own", "api_key: S3CRET-og2",
		"webhookb2/x/IncomingWebhook/y/z", "webhookb2/S3CRET-teams",
		`bot_token: "123:abc"`, `bot_token: "123:S3CRET-tg"`,
		"webhooks/1/tok", "webhooks/1/S3CRET-dc",
		"user_key: u", "user_key: S3CRET-po-user",
		"token: t\n", "token: S3CRET-po-token\n",
		"routing_key: team", "routing_key: team\n        api_key: S3CRET-vo",
	).Replace(allReceivers)
	c, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(in, "S3CRET"); n != 8 {
		t.Fatalf("%d secrets in the test configuration, want 8", n)
	}
	y, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	j, err := json.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	for what, out := range map[string]string{"YAML": string(y), "JSON": string(j), "%+v": fmt.Sprintf("%+v", c.Receivers[0].MSTeamsConfigs[0])} {
		if strings.Contains(out, "S3CRET") {
			t.Errorf("a secret is in the %s of the configuration", what)
		}
	}
	if !strings.Contains(string(y), "<secret>") {
		t.Error("no <secret> placeholder in the YAML: is the test vacuous?")
	}
}
