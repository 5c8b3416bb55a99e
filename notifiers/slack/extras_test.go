package slack

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// extrasConfig sets every Alertmanager attachment field alerter used to
// reject.
func extrasConfig(cfg *Config) *Config {
	yes, no := true, false
	cfg.Pretext = "@here {{ .CommonLabels.alertname }} in {{ .CommonLabels.env }}"
	cfg.Fields = []*Field{
		{Title: "Service", Value: "{{ .CommonLabels.job }}", Short: &yes},
		{Title: "Env", Value: "{{ .CommonLabels.env }}"},
		{Title: "Runbook", Value: "{{ .CommonAnnotations.runbook_url }}", Short: &no},
	}
	cfg.ShortFields = true
	cfg.Fallback = "{{ .Status }}: {{ .CommonLabels.alertname }}"
	cfg.CallbackID = "cb-{{ .CommonLabels.job }}"
	cfg.ImageURL = "https://grafana.example/render/{{ .CommonLabels.job }}.png"
	cfg.ThumbURL = "https://grafana.example/thumb.png"
	cfg.LinkNames = true
	cfg.MrkdwnIn = []string{"pretext", "fields"}
	cfg.Actions = []*Action{
		{Type: "button", Text: "Dashboard", URL: "https://grafana.example/d/{{ .CommonLabels.job }}", Style: "primary", Name: "ignored"},
		{Type: "button", Text: "Restart", Name: "restart", Value: "{{ .CommonLabels.job }}", Style: "danger",
			Confirm: &Confirmation{Title: "Restart?", Text: "Restart {{ .CommonLabels.job }}?", OkText: "Do it", DismissText: "Cancel"}},
	}
	return cfg
}

// TestExtrasGolden renders Alertmanager's attachment fields in bot and
// webhook mode and checks them against Block Kit's rules and the golden
// files.
func TestExtrasGolden(t *testing.T) {
	for _, mode := range []string{"bot", "webhook"} {
		t.Run(mode, func(t *testing.T) {
			f := newFakeSlack(t)
			cfg := botConfig(t, f)
			if mode == "webhook" {
				cfg = webhookConfig(t, f)
			}
			m := groupMessage(nil, firing("api-1", "critical", annotations("api-1")))
			for _, a := range m.Alerts {
				a.Labels["env"] = "prod"
			}
			notify(t, newNotifier(t, extrasConfig(cfg), nil, NotifierOptions{}), m)
			calls := checkCalls(t, f)
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			enc.SetIndent("", "  ")
			if err := enc.Encode(calls); err != nil {
				t.Fatal(err)
			}
			got := buf.Bytes()
			for _, want := range []string{`"callback_id": "cb-api"`, "<!here> HighLatency in prod", `"image_url": "https://grafana.example/render/api.png"`,
				`"action_id": "config_1_restart"`, `"fallback": "firing: HighLatency"`} {
				if !bytes.Contains(got, []byte(want)) {
					t.Errorf("the message lacks %s", want)
				}
			}
			if mode == "bot" && param(calls[0], "link_names") != "true" && param(calls[0], "link_names") != "1" {
				t.Errorf("link_names %q", param(calls[0], "link_names"))
			}
			golden := filepath.Join("testdata", "extras_"+mode+".golden")
			if *update {
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (go test -update creates it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("requests differ from %s (go test -update rewrites it)\ngot:\n%s", golden, got)
			}
		})
	}
}

func TestExtrasValidate(t *testing.T) {
	u, _ := ParseSecretURL("https://hooks.slack.com/services/x")
	cfg := &Config{APIURL: u,
		Fields:   []*Field{{Title: "t"}, nil},
		Actions:  []*Action{{Type: "select", Text: "x", URL: "u"}, {Type: "button"}, {Type: "button", Text: "x", Name: "n", Style: "green", Confirm: &Confirmation{}}},
		MrkdwnIn: []string{"title"},
	}
	err := cfg.Validate()
	for _, want := range []string{
		"fields[0]: title and value are required", "fields[1] is empty",
		`actions[0]: type "select" is not button`, "actions[1]: text is required", "actions[1]: url or name is required",
		`actions[2]: style "green"`, "actions[2].confirm: text is required", `mrkdwn_in: "title"`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, lacks %q", err, want)
		}
	}
	good := extrasConfig(&Config{APIURL: u})
	if err := good.Validate(); err != nil {
		t.Errorf("a valid config: %v", err)
	}
	keys := good.TemplateFields()
	for _, k := range []string{"pretext", "image_url", "fields[1].value", "actions[1].confirm.text"} {
		if keys[k] == "" {
			t.Errorf("TemplateFields lacks %s", k)
		}
	}
}

// TestPlainFields checks that fields are plain text unless mrkdwn_in
// lists them, as in Alertmanager, and that @here stays text there.
func TestPlainFields(t *testing.T) {
	f := newFakeSlack(t)
	cfg := botConfig(t, f)
	cfg.Fields = []*Field{{Title: "Owner", Value: "@here *bold*"}}
	cfg.LinkNames = true
	notify(t, newNotifier(t, cfg, nil, NotifierOptions{}), groupMessage(nil, firing("api-1", "critical", nil)))
	b := mustJSON(t, checkCalls(t, f)[0].Params)
	if !bytes.Contains(b, []byte(`"text":"Owner\n@here *bold*","type":"plain_text"`)) {
		t.Errorf("field not plain: %s", b)
	}
}
