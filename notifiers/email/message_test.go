package email

import (
	"context"
	"net/mail"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
)

func TestEncodeHeader(t *testing.T) {
	tests := []struct {
		name, header, value string
		want                string // decoded value; "" to skip
		wantErr             bool
	}{
		{name: "ascii", header: "Subject", value: "[FIRING:1] HighLatency", want: "[FIRING:1] HighLatency"},
		{name: "non-ASCII", header: "Subject", value: "Überlast ✓", want: "Überlast ✓"},
		{name: "injection", header: "Subject", value: "hi\r\nBcc: victim@example.com\nX: y", want: "hi Bcc: victim@example.com X: y"},
		{name: "long", header: "X-Long", value: strings.Repeat("word ", 60), want: strings.TrimSpace(strings.Repeat("word ", 60))},
		{name: "long non-ASCII", header: "Subject", value: strings.Repeat("é", 200), want: strings.Repeat("é", 200)},
		{name: "address", header: "To", value: `Zoë <zoe@example.com>, b@example.com`},
		{name: "bad address", header: "From", value: "not an address", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			line, err := encodeHeader(tt.header, tt.value)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v", err)
			}
			if err != nil {
				return
			}
			lines := strings.Split(line, "\r\n")
			for i, l := range lines {
				if len(l) > maxLine {
					t.Errorf("line %d is %d long: %q", i, len(l), l)
				}
				if i > 0 && !strings.HasPrefix(l, " ") {
					t.Errorf("continuation line %q does not start with a space", l)
				}
				if strings.ContainsAny(l, "\r\n") {
					t.Errorf("line %q keeps a line break", l)
				}
			}
			msg, err := mail.ReadMessage(strings.NewReader(line + "\r\n\r\n"))
			if err != nil {
				t.Fatalf("%q does not parse: %v", line, err)
			}
			if len(msg.Header) != 1 {
				t.Errorf("%q parses into %d headers", line, len(msg.Header))
			}
			if tt.want != "" {
				if got := decodeHeader(t, msg.Header.Get(tt.header)); got != tt.want {
					t.Errorf("decoded %q, want %q", got, tt.want)
				}
			}
			if tt.header == "To" {
				list, err := msg.Header.AddressList("To")
				if err != nil || len(list) != 2 || list[0].Name != "Zoë" || list[1].Address != "b@example.com" {
					t.Errorf("To %q: %v %v", line, list, err)
				}
			}
		})
	}
}

func TestEncodeMessageParts(t *testing.T) {
	hs := []header{{"Subject", "s"}}
	for _, tt := range []struct {
		text, html, want string
	}{
		{text: "only text", want: "text/plain; charset=UTF-8"},
		{html: "<p>only html</p>", want: "text/html; charset=UTF-8"},
	} {
		raw, err := encodeMessage(hs, tt.text, tt.html)
		if err != nil {
			t.Fatal(err)
		}
		h, parts := parseMail(t, raw)
		if len(parts) != 1 || parts[0].ContentType != tt.want || parts[0].Body != tt.text+tt.html || h.Get("Mime-Version") != "1.0" {
			t.Errorf("single part: %+v", parts)
		}
	}
	if _, err := encodeMessage(hs, "", ""); err == nil {
		t.Error("a message without bodies encoded")
	}
	long := strings.Repeat("x", 300) + "\n" + strings.Repeat("ü", 100) + "\n=.\n"
	raw, err := encodeMessage(hs, long, "<p>"+long+"</p>")
	if err != nil {
		t.Fatal(err)
	}
	_, parts := parseMail(t, raw)
	if len(parts) != 2 || parts[0].Body != strings.ReplaceAll(long, "\n", "\r\n") {
		t.Errorf("long lines do not survive: %q", parts[0].Body)
	}
}

func TestSendResolvedDefaultsToFalse(t *testing.T) {
	// No server: a send would fail.
	cfg := &Config{To: "a@example.com", From: "b@example.com", Smarthost: "127.0.0.1:1"}
	n := newNotifier(t, cfg)
	if n.SendResolved() {
		t.Fatal("send_resolved defaults to true")
	}
	api := model.LabelSet{"alertname": "HighLatency", "service": "api"}
	web := model.LabelSet{"alertname": "HighLatency", "service": "web"}
	if retry, err := n.Notify(context.Background(), message(resolved(api, nil))); err != nil || retry {
		t.Errorf("resolved-only message: retry=%v err=%v, want nothing sent", retry, err)
	}
	env, err := n.compose(n.prepare(message(firing(api, nil), resolved(web, nil))))
	if err != nil {
		t.Fatal(err)
	}
	_, parts := parseMail(t, env.data)
	if strings.Contains(parts[0].Body, "Resolved") || strings.Contains(parts[0].Body, "service=web") {
		t.Errorf("resolved alert mailed with send_resolved off:\n%s", parts[0].Body)
	}
}

func TestComposeDigest(t *testing.T) {
	n := newNotifier(t, &Config{To: "a@example.com", From: "b@example.com", Smarthost: "127.0.0.1:1"})
	env, err := n.compose(n.prepare(digestMessage()))
	if err != nil {
		t.Fatal(err)
	}
	h, parts := parseMail(t, env.data)
	if got := h.Get("Subject"); got != "[STORM] 120 alerts" {
		t.Errorf("subject %q", got)
	}
	if len(parts) != 2 || !strings.Contains(parts[0].Body, "Alert storm: 120 alerts in 14 groups") || !strings.Contains(parts[1].Body, "HighLatency: 80") {
		t.Errorf("digest bodies %+v", parts)
	}
}

func TestComposeErrorsArePermanent(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{name: "to renders badly", cfg: Config{To: "{{ .CommonLabels.team }}", From: "b@example.com"}, want: "to"},
		{name: "template fails", cfg: Config{To: "a@example.com", From: "b@example.com", Text: "{{ index .Alerts 9 }}"}, want: "text"},
		{name: "header fails", cfg: Config{To: "a@example.com", From: "b@example.com", Headers: map[string]string{"X-A": "{{ index .Alerts 9 }}"}}, want: "headers.X-A"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.cfg.Smarthost = "127.0.0.1:1"
			retry, err := newNotifier(t, &tt.cfg).Notify(context.Background(), message(firing(model.LabelSet{"alertname": "X"}, nil)))
			if err == nil || retry || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("retry=%v err=%v, want a permanent error about %s", retry, err, tt.want)
			}
		})
	}
}

func TestHeadersOverrideDefaults(t *testing.T) {
	cfg := &Config{To: "a@example.com", From: "b@example.com", Smarthost: "127.0.0.1:1",
		Headers: map[string]string{"subject": "custom {{ .Status }}", "to": "Team <team@example.com>", "Auto-Submitted": "auto-replied"}}
	n := newNotifier(t, cfg)
	env, err := n.compose(n.prepare(message(firing(model.LabelSet{"alertname": "X"}, nil))))
	if err != nil {
		t.Fatal(err)
	}
	h, _ := parseMail(t, env.data)
	if h.Get("Subject") != "custom firing" || h.Get("To") != `"Team" <team@example.com>` || h.Get("Auto-Submitted") != "auto-replied" {
		t.Errorf("headers %v", h)
	}
	if len(h["Auto-Submitted"]) != 1 || len(h["Subject"]) != 1 {
		t.Errorf("duplicated headers: %v", h)
	}
	if len(env.to) != 1 || env.to[0] != "a@example.com" {
		t.Errorf("envelope recipients %v, want the to setting's", env.to)
	}
}

// FuzzEncodeHeader checks that no value, however rendered, can add a
// header or break the message's structure.
func FuzzEncodeHeader(f *testing.F) {
	f.Add("Subject", "[FIRING:1] x\r\nBcc: a@example.com")
	f.Add("X-Team", strings.Repeat("ü ", 100))
	f.Add("To", `Zoë <zoe@example.com>`)
	f.Fuzz(func(t *testing.T, name, value string) {
		if !isFieldName(name) {
			return
		}
		line, err := encodeHeader(name, value)
		if err != nil {
			return // Address headers reject what does not parse.
		}
		msg, err := mail.ReadMessage(strings.NewReader(line + "\r\n\r\nbody"))
		if err != nil {
			t.Fatalf("%q does not parse: %v", line, err)
		}
		if len(msg.Header) != 1 {
			t.Fatalf("%q parses into %d headers", line, len(msg.Header))
		}
		for _, l := range strings.Split(line, "\r\n") {
			if strings.ContainsAny(l, "\r\n") {
				t.Fatalf("bare line break in %q", line)
			}
		}
	})
}
