package slack

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers"
)

// TestErrors checks, for each way a call can fail, whether the error is
// worth retrying, the wait it asks for, and that neither it nor the logs
// contain the token or the webhook URL's secret path.
func TestErrors(t *testing.T) {
	const wrongToken = "xoxb-0000000000-1111111111-SECRETwrongTOKEN"
	tests := []struct {
		name    string
		webhook bool
		answer  *answer
		token   string // bot token other than the right one
		down    bool   // nothing listens: a network error
		slow    bool   // never answers: the timeout hits
		// want
		retry bool
		after time.Duration
		text  string // in the error
	}{
		{name: "bot 429", answer: &answer{status: 429, header: map[string]string{"Retry-After": "7"}},
			retry: true, after: 7 * time.Second, text: "retry after 7s"},
		{name: "bot 429 with a date", answer: &answer{status: 429, header: map[string]string{"Retry-After": "Wed, 21 Oct 2026 07:28:00 GMT"}},
			retry: true, text: "HTTP 429"},
		{name: "bot invalid_auth", token: wrongToken, text: "invalid_auth"},
		{name: "bot 500", answer: &answer{status: 500, header: map[string]string{"Content-Type": "text/html"}, body: "<html>oops</html>"},
			retry: true, text: "HTTP 500"},
		{name: "bot ratelimited", answer: apiError("ratelimited"), retry: true, text: "ratelimited"},
		{name: "bot service_unavailable", answer: apiError("service_unavailable"), retry: true, text: "service_unavailable"},
		{name: "bot fatal_error", answer: apiError("fatal_error"), retry: true, text: "fatal_error"},
		{name: "bot channel_not_found", answer: apiError("channel_not_found"), text: "channel_not_found"},
		{name: "bot not_in_channel", answer: apiError("not_in_channel"), text: "not_in_channel"},
		{name: "bot invalid_blocks", answer: apiError("invalid_blocks"), text: "invalid_blocks"},
		{name: "bot not JSON", answer: &answer{status: 200, header: map[string]string{"Content-Type": "text/html"}, body: "<html>proxy</html>"},
			retry: true, text: "chat.postMessage"},
		{name: "bot down", down: true, retry: true, text: "chat.postMessage"},
		{name: "bot timeout", slow: true, retry: true, text: "deadline exceeded"},

		{name: "webhook 429", webhook: true, answer: &answer{status: 429, header: map[string]string{"Retry-After": "3"}},
			retry: true, after: 3 * time.Second, text: "retry after 3s"},
		{name: "webhook 500", webhook: true, answer: &answer{status: 500, header: map[string]string{"Content-Type": "text/html"}, body: "rollup_error"},
			retry: true, text: "HTTP 500 Internal Server Error: rollup_error"},
		{name: "webhook invalid_payload", webhook: true, answer: &answer{status: 400, header: map[string]string{"Content-Type": "text/html"}, body: "invalid_payload"},
			text: "HTTP 400 Bad Request: invalid_payload"},
		{name: "webhook action_prohibited", webhook: true, answer: &answer{status: 403, header: map[string]string{"Content-Type": "text/html"}, body: "action_prohibited"},
			text: "action_prohibited"},
		{name: "webhook channel_not_found", webhook: true, answer: &answer{status: 404, header: map[string]string{"Content-Type": "text/html"}, body: "channel_not_found"},
			text: "HTTP 404 Not Found: channel_not_found"},
		{name: "webhook channel_is_archived", webhook: true, answer: &answer{status: 410, header: map[string]string{"Content-Type": "text/html"}, body: "channel_is_archived"},
			text: "channel_is_archived"},
		{name: "webhook down", webhook: true, down: true, retry: true, text: "<redacted>"},
		{name: "webhook timeout", webhook: true, slow: true, retry: true, text: "deadline exceeded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFakeSlack(t)
			if tt.answer != nil {
				f.setScript(func(string, int) *answer { return tt.answer })
			}
			base := f.URL
			if tt.slow {
				release := make(chan struct{})
				slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					// Reading the body lets the server notice the client
					// hanging up, which cancels r.Context().
					_, _ = io.Copy(io.Discard, r.Body)
					select {
					case <-r.Context().Done():
					case <-release:
					}
				}))
				t.Cleanup(slow.Close)
				t.Cleanup(func() { close(release) }) // runs first
				base = slow.URL
			}
			cfg := botConfig(t, f)
			if tt.webhook {
				cfg = webhookConfig(t, f)
			}
			retarget(t, cfg, base)
			if tt.token != "" {
				cfg.AppToken = config.Secret(tt.token)
			}
			if tt.slow {
				cfg.Timeout = model.Duration(50 * time.Millisecond)
			}
			logs := &logBuffer{}
			n := newNotifier(t, cfg, logs, NotifierOptions{})
			if tt.down {
				f.Close()
			}
			retry, err := n.Notify(context.Background(), groupMessage(nil, firing("api-1", "critical", annotations("api-1"))))
			if err == nil {
				t.Fatal("no error")
			}
			if retry != tt.retry {
				t.Errorf("retry = %v, want %v (%v)", retry, tt.retry, err)
			}
			after, ok := notifiers.RetryAfter(err)
			if after != tt.after || ok != (tt.after > 0) {
				t.Errorf("RetryAfter = %v, %v; want %v", after, ok, tt.after)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q lacks %q", err, tt.text)
			}
			if tt.slow && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v is not DeadlineExceeded", err)
			}
			checkNoSecrets(t, err, logs.String(), testToken, wrongToken, "SECRETwebhookPATHvalue", testWebhookPath)
		})
	}
}

// retarget points cfg at another server, keeping the path.
func retarget(t *testing.T, cfg *Config, base string) {
	t.Helper()
	if cfg.APIURL != nil {
		u, err := ParseSecretURL(base + testWebhookPath)
		if err != nil {
			t.Fatal(err)
		}
		cfg.APIURL = u
		return
	}
	u := *cfg.AppURL.URL
	b, err := ParseSecretURL(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = b.Host
	cfg.AppURL.URL = &u
}

// checkNoSecrets fails if a secret shows in any form of err, in any error
// it wraps, or in the logs.
func checkNoSecrets(t *testing.T, err error, logs string, secrets ...string) {
	t.Helper()
	texts := []string{logs}
	for e := err; e != nil; e = errors.Unwrap(e) {
		texts = append(texts, e.Error(), fmt.Sprintf("%+v", e), fmt.Sprintf("%#v", e))
	}
	for _, text := range texts {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("secret %q in %q", s, text)
			}
		}
	}
}
