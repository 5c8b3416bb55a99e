package email

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers"
)

const (
	testUser     = "alerter"
	testPassword = "pa55-wörd"
	testSecret   = "cram-s3cret"
)

// configFor returns a config sending to s, trusting its certificate.
func configFor(s *smtpServer) *Config {
	return &Config{
		To:        `"Team API" <team-api@example.com>, oncall@example.com`,
		From:      `"Alerter ✓" <alerter@example.com>`,
		Smarthost: s.Addr,
		TLSConfig: config.TLSConfig{CAFile: s.CAFile},
	}
}

func withAuth(c *Config) *Config {
	c.AuthUsername, c.AuthPassword = testUser, testPassword
	return c
}

func notify(t *testing.T, n *Notifier, m *notifiers.Message) {
	t.Helper()
	if retry, err := n.Notify(context.Background(), m); err != nil || retry {
		t.Fatalf("Notify: retry=%v err=%v", retry, err)
	}
}

func TestSendOverSTARTTLSWithAuth(t *testing.T) {
	s := startSMTP(t, serverOptions{STARTTLS: true, User: testUser, Password: testPassword, Mechanisms: []string{"PLAIN", "LOGIN"}})
	cfg := withAuth(configFor(s))
	on := true
	cfg.SendResolved = &on
	cfg.Headers = map[string]string{"X-Team": "{{ .CommonLabels.team }}"}
	n := newNotifier(t, cfg)

	api := model.LabelSet{"alertname": "HighLatency", "service": "api", "severity": "critical", "team": "api"}
	web := model.LabelSet{"alertname": "HighLatency", "service": "web", "severity": "warning", "team": "api"}
	ann := model.LabelSet{"summary": "p99 latency above 2s ünïcode", "runbook_url": "https://runbooks.example/latency?a=1&b=2"}
	notify(t, n, message(firing(api, ann), firing(web, nil)))
	notify(t, n, message(resolved(api, ann), resolved(web, nil)))

	got := s.messages(t)
	if len(got) != 2 {
		t.Fatalf("server received %d messages, want 2", len(got))
	}
	ids := map[string]bool{}
	for i, r := range got {
		m := r.Meta
		if !m.TLS || !m.Authenticated || m.Auth == nil || !m.Auth.TLS || m.Auth.Login != testUser {
			t.Errorf("message %d: session %+v, auth %+v: want TLS and AUTH over TLS", i, m, m.Auth)
		}
		if m.MailFrom != "alerter@example.com" || !slices.Equal(m.RcptTos, []string{"team-api@example.com", "oncall@example.com"}) || m.Helo != DefaultHello {
			t.Errorf("message %d: envelope from %q to %v, EHLO %q", i, m.MailFrom, m.RcptTos, m.Helo)
		}
		h, parts := parseMail(t, r.Raw)
		checkMailHeaders(t, h)
		ids[h.Get("Message-Id")] = true
		if len(parts) != 2 || !strings.HasPrefix(parts[0].ContentType, "text/plain; charset=UTF-8") || !strings.HasPrefix(parts[1].ContentType, "text/html; charset=UTF-8") {
			t.Fatalf("message %d parts: %+v", i, parts)
		}
		text, html := parts[0].Body, parts[1].Body
		subject := decodeHeader(t, h.Get("Subject"))
		if i == 0 {
			if subject != "[FIRING:2] HighLatency (api)" {
				t.Errorf("subject %q", subject)
			}
			for _, want := range []string{"Firing:", "- p99 latency above 2s ünïcode", "Runbook: https://runbooks.example/latency?a=1&b=2", "Since: 2026-03-14 15:10:26 UTC"} {
				if !strings.Contains(text, want) {
					t.Errorf("text body lacks %q:\n%s", want, text)
				}
			}
			for _, want := range []string{"<h3>Firing</h3>", "p99 latency above 2s ünïcode", `href="https://runbooks.example/latency?a=1&amp;b=2"`} {
				if !strings.Contains(html, want) {
					t.Errorf("HTML body lacks %q:\n%s", want, html)
				}
			}
		} else {
			if subject != "[RESOLVED] HighLatency (api)" {
				t.Errorf("subject %q", subject)
			}
			if !strings.Contains(text, "Resolved:") || strings.Contains(text, "Firing:") || !strings.Contains(html, "<h3>Resolved</h3>") {
				t.Errorf("resolved bodies:\n%s\n%s", text, html)
			}
		}
		if h.Get("X-Team") != "api" {
			t.Errorf("X-Team %q", h.Get("X-Team"))
		}
	}
	if len(ids) != 2 {
		t.Errorf("Message-Ids repeat: %v", ids)
	}
}

// checkMailHeaders checks the headers every message must have.
func checkMailHeaders(t *testing.T, h mail.Header) {
	t.Helper()
	from, err := h.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Alerter ✓" || from[0].Address != "alerter@example.com" {
		t.Errorf("From %q: %v %v", h.Get("From"), from, err)
	}
	if !strings.Contains(h.Get("From"), "=?utf-8?q?") {
		t.Errorf("From %q: non-ASCII name not Q-encoded", h.Get("From"))
	}
	to, err := h.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "Team API" || to[1].Address != "oncall@example.com" {
		t.Errorf("To %q: %v %v", h.Get("To"), to, err)
	}
	if d, err := h.Date(); err != nil || !d.Equal(t0.Add(10*time.Minute)) {
		t.Errorf("Date %q: %v %v", h.Get("Date"), d, err)
	}
	if id := h.Get("Message-Id"); !regexp.MustCompile(`^<[0-9]+\.[A-Z2-7]+@example\.com>$`).MatchString(id) {
		t.Errorf("Message-Id %q", id)
	}
	if h.Get("Mime-Version") != "1.0" || h.Get("Auto-Submitted") != "auto-generated" {
		t.Errorf("MIME-Version %q, Auto-Submitted %q", h.Get("Mime-Version"), h.Get("Auto-Submitted"))
	}
}

func TestAuthMechanisms(t *testing.T) {
	passwordFile := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(passwordFile, []byte(testPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		offered []string
		secret  bool
		file    bool
		want    string // mechanism used; "" when the send must fail
		wantErr string
	}{
		{name: "PLAIN", offered: []string{"PLAIN"}, want: "PLAIN"},
		{name: "LOGIN", offered: []string{"LOGIN"}, want: "LOGIN"},
		{name: "CRAM-MD5", offered: []string{"CRAM-MD5"}, secret: true, want: "CRAM-MD5"},
		{name: "first offered that is configured", offered: []string{"CRAM-MD5", "LOGIN", "PLAIN"}, secret: true, want: "CRAM-MD5"},
		{name: "CRAM-MD5 without secret is skipped", offered: []string{"CRAM-MD5", "LOGIN", "PLAIN"}, want: "LOGIN"},
		{name: "password file", offered: []string{"PLAIN"}, file: true, want: "PLAIN"},
		{name: "CRAM-MD5 only, no secret", offered: []string{"CRAM-MD5"}, wantErr: "CRAM-MD5 needs auth_secret"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startSMTP(t, serverOptions{STARTTLS: true, User: testUser, Password: testPassword, CRAMSecret: testSecret, Mechanisms: tt.offered})
			cfg := withAuth(configFor(s))
			if tt.secret {
				cfg.AuthSecret = testSecret
			}
			if tt.file {
				cfg.AuthPassword, cfg.AuthPasswordFile = "", passwordFile
			}
			retry, err := newNotifier(t, cfg).Notify(context.Background(), message(firing(model.LabelSet{"alertname": "HighLatency"}, nil)))
			if tt.wantErr != "" {
				if err == nil || retry || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("retry=%v err=%v, want a permanent %q", retry, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("Notify: %v", err)
			}
			got := s.messages(t)
			if len(got) != 1 || got[0].Meta.Auth == nil || got[0].Meta.Auth.Mechanism != tt.want || !got[0].Meta.Auth.TLS {
				t.Fatalf("received %+v, want AUTH %s over TLS", got, tt.want)
			}
		})
	}
}

func TestWrongCredentialsAreNotRetriedNorLeaked(t *testing.T) {
	for _, mech := range []string{"PLAIN", "LOGIN", "CRAM-MD5"} {
		t.Run(mech, func(t *testing.T) {
			s := startSMTP(t, serverOptions{STARTTLS: true, User: testUser, Password: "other", CRAMSecret: "other", Mechanisms: []string{mech}})
			cfg := withAuth(configFor(s))
			cfg.AuthSecret = testSecret
			var logs bytes.Buffer
			n, err := New(cfg, testTemplates(t), notifiers.IntegrationOptions{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			if err != nil {
				t.Fatal(err)
			}
			retry, err := n.Notify(context.Background(), message(firing(model.LabelSet{"alertname": "X"}, nil)))
			if err == nil || retry || !strings.Contains(err.Error(), "535") {
				t.Fatalf("retry=%v err=%v, want a permanent 535", retry, err)
			}
			for what, s := range map[string]string{"error": err.Error(), "logs": logs.String()} {
				if strings.Contains(s, testPassword) || strings.Contains(s, testSecret) {
					t.Errorf("%s leaks a credential: %s", what, s)
				}
			}
			if len(s.messages(t)) != 0 {
				t.Error("message accepted")
			}
		})
	}
}

func TestRequireTLS(t *testing.T) {
	s := startSMTP(t, serverOptions{})
	m := message(firing(model.LabelSet{"alertname": "X"}, nil))

	retry, err := newNotifier(t, configFor(s)).Notify(context.Background(), m)
	if err == nil || retry || !strings.Contains(err.Error(), "does not offer STARTTLS") {
		t.Fatalf("require_tls by default: retry=%v err=%v, want a permanent STARTTLS error", retry, err)
	}
	if n := len(s.messages(t)); n != 0 {
		t.Fatalf("%d messages sent in clear", n)
	}

	off := false
	cfg := configFor(s)
	cfg.RequireTLS = &off
	notify(t, newNotifier(t, cfg), m)
	if got := s.messages(t); len(got) != 1 || got[0].Meta.TLS {
		t.Errorf("require_tls false: %+v", got)
	}

	// A server without AUTH fails a send configured with credentials,
	// rather than sending unauthenticated.
	cfg = withAuth(configFor(s))
	cfg.RequireTLS = &off
	retry, err = newNotifier(t, cfg).Notify(context.Background(), m)
	if err == nil || retry || !strings.Contains(err.Error(), "offers no AUTH") {
		t.Errorf("AUTH configured, not offered: retry=%v err=%v", retry, err)
	}
}

func TestImplicitTLS(t *testing.T) {
	s := startSMTP(t, serverOptions{ImplicitTLS: true, User: testUser, Password: testPassword, Mechanisms: []string{"PLAIN"}})
	cfg := withAuth(configFor(s))
	cfg.Smarthost = "127.0.0.1:465"
	n := newNotifier(t, cfg)
	// Port 465 selects implicit TLS; the test server listens elsewhere.
	n.dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		if addr != "127.0.0.1:465" {
			t.Errorf("dialled %s", addr)
		}
		return new(net.Dialer).DialContext(ctx, network, s.Addr)
	}
	notify(t, n, message(firing(model.LabelSet{"alertname": "X"}, nil)))
	if got := s.messages(t); len(got) != 1 || !got[0].Meta.TLS || got[0].Meta.Auth == nil || got[0].Meta.Auth.Mechanism != "PLAIN" {
		t.Errorf("received %+v", got)
	}
}

func TestUntrustedCertificateIsNotRetried(t *testing.T) {
	s := startSMTP(t, serverOptions{STARTTLS: true})
	cfg := configFor(s)
	cfg.TLSConfig = config.TLSConfig{}
	retry, err := newNotifier(t, cfg).Notify(context.Background(), message(firing(model.LabelSet{"alertname": "X"}, nil)))
	if err == nil || retry || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("retry=%v err=%v, want a permanent certificate error", retry, err)
	}
}

func TestSMTPReplies(t *testing.T) {
	tests := []struct {
		name      string
		opts      serverOptions
		wantRetry bool
		want      string
	}{
		{name: "550 at RCPT", opts: serverOptions{RcptReply: "550 5.1.1 No such user here"}, want: "550"},
		{name: "450 at RCPT", opts: serverOptions{RcptReply: "450 4.2.1 Mailbox busy"}, wantRetry: true, want: "450"},
		{name: "451 at DATA", opts: serverOptions{DataReply: "451 4.3.0 Try again later"}, wantRetry: true, want: "Try again later"},
		{name: "554 at DATA", opts: serverOptions{DataReply: "554 5.7.1 Message rejected"}, want: "554"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.opts.STARTTLS = true
			s := startSMTP(t, tt.opts)
			retry, err := newNotifier(t, configFor(s)).Notify(context.Background(), message(firing(model.LabelSet{"alertname": "X"}, nil)))
			if err == nil || retry != tt.wantRetry || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("retry=%v err=%v, want retry=%v and %q", retry, err, tt.wantRetry, tt.want)
			}
		})
	}
}

// TestNetworkFailuresAreRetried uses no SMTP server: a port nobody
// listens on, and one that accepts connections but never greets.
func TestNetworkFailuresAreRetried(t *testing.T) {
	silent, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	go func() {
		for {
			c, err := silent.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	refused, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refusedAddr := refused.Addr().String()
	refused.Close()

	tests := []struct {
		name, addr string
		wantIs     error
	}{
		{name: "refused", addr: refusedAddr},
		{name: "no greeting", addr: silent.Addr().String(), wantIs: context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &Config{To: "a@example.com", From: "b@example.com", Smarthost: tt.addr, Timeout: model.Duration(300 * time.Millisecond)}
			start := time.Now()
			retry, err := newNotifier(t, cfg).Notify(context.Background(), message(firing(model.LabelSet{"alertname": "X"}, nil)))
			if err == nil || !retry {
				t.Fatalf("retry=%v err=%v, want a retryable error", retry, err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %s despite the 300ms timeout", d)
			}
		})
	}
}
