package webhook

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers"
)

var testLabels = model.LabelSet{"alertname": "HighLatency", "service": "api"}

func TestNotifyRequest(t *testing.T) {
	rc := newReceiver(t, nil)
	cfg := configFor(t, rc.URL, "/hooks/alerts?team=api")
	if retry, err := newNotifier(t, cfg).Notify(context.Background(), message(firing(testLabels, nil))); err != nil || retry {
		t.Fatalf("Notify: retry=%v err=%v", retry, err)
	}
	reqs := rc.got()
	if len(reqs) != 1 {
		t.Fatalf("got %d requests, want 1", len(reqs))
	}
	r := reqs[0]
	if r.Method != http.MethodPost || r.Path != "/hooks/alerts" || r.Query.Get("team") != "api" {
		t.Errorf("request %s %s?%s, want POST /hooks/alerts?team=api", r.Method, r.Path, r.Query.Encode())
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type %q", ct)
	}
	if ua := r.Header.Get("User-Agent"); ua != "alerter/test" {
		t.Errorf("User-Agent %q", ua)
	}
	m := decodeStrict(t, r.Body)
	if m.Receiver != "team-api" || m.ExternalURL != "http://alerter.example:9099" || len(m.Alerts) != 1 {
		t.Errorf("payload %+v", m)
	}
	for _, h := range []string{TimestampHeader, DefaultSignatureHeader} {
		if v := r.Header.Get(h); v != "" {
			t.Errorf("unsigned request has %s: %q", h, v)
		}
	}
}

func TestNotifyExternalURLOfMessageWins(t *testing.T) {
	rc := newReceiver(t, nil)
	m := message(firing(testLabels, nil))
	m.ExternalURL = "https://alerter.prod.example"
	if _, err := newNotifier(t, configFor(t, rc.URL, "/")).Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got := decodeStrict(t, rc.got()[0].Body).ExternalURL; got != m.ExternalURL {
		t.Errorf("externalURL %q, want the message's %q", got, m.ExternalURL)
	}
}

func TestNotifyEmptyMessageSendsNothing(t *testing.T) {
	rc := newReceiver(t, nil)
	if _, err := newNotifier(t, configFor(t, rc.URL, "/")).Notify(context.Background(), message()); err != nil {
		t.Fatal(err)
	}
	if n := len(rc.got()); n != 0 {
		t.Errorf("%d requests for an empty message", n)
	}
}

func TestNotifyAuth(t *testing.T) {
	tests := []struct {
		name       string
		httpConfig *config.HTTPClientConfig
		want       string // Authorization header
	}{
		{name: "none", want: ""},
		{
			name:       "basic",
			httpConfig: &config.HTTPClientConfig{BasicAuth: &config.BasicAuth{Username: "alice", Password: "s3cret"}},
			want:       "Basic YWxpY2U6czNjcmV0",
		},
		{
			name:       "authorization",
			httpConfig: &config.HTTPClientConfig{Authorization: &config.Authorization{Type: "Bearer", Credentials: "tok3n"}},
			want:       "Bearer tok3n",
		},
		{
			name:       "legacy bearer_token",
			httpConfig: &config.HTTPClientConfig{BearerToken: "tok3n"},
			want:       "Bearer tok3n",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, nil)
			cfg := configFor(t, rc.URL, "/hook")
			cfg.HTTPConfig = tt.httpConfig
			if _, err := newNotifier(t, cfg).Notify(context.Background(), message(firing(testLabels, nil))); err != nil {
				t.Fatal(err)
			}
			if got := rc.got()[0].Header.Get("Authorization"); got != tt.want {
				t.Errorf("Authorization %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNotifyStatus(t *testing.T) {
	tests := []struct {
		code      int
		wantErr   bool
		wantRetry bool
	}{
		{code: 200},
		{code: 202},
		{code: 204},
		{code: 301, wantErr: true}, // Not followed: follow_redirects is off.
		{code: 400, wantErr: true},
		{code: 401, wantErr: true},
		{code: 404, wantErr: true},
		{code: 413, wantErr: true},
		{code: 429, wantErr: true, wantRetry: true},
		{code: 500, wantErr: true, wantRetry: true},
		{code: 502, wantErr: true, wantRetry: true},
		{code: 503, wantErr: true, wantRetry: true},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.code), func(t *testing.T) {
			rc := newReceiver(t, func(*http.Request) (int, string) { return tt.code, "nope: bad alert" })
			cfg := configFor(t, rc.URL, "/hook")
			cfg.HTTPConfig = &config.HTTPClientConfig{FollowRedirects: false}
			retry, err := newNotifier(t, cfg).Notify(context.Background(), message(firing(testLabels, nil)))
			if (err != nil) != tt.wantErr || retry != tt.wantRetry {
				t.Fatalf("retry=%v err=%v, want retry=%v err=%v", retry, err, tt.wantRetry, tt.wantErr)
			}
			if err == nil {
				return
			}
			var serr *StatusError
			if !errors.As(err, &serr) || serr.StatusCode != tt.code {
				t.Fatalf("error %v is not a StatusError with %d", err, tt.code)
			}
			if !strings.Contains(err.Error(), "nope: bad alert") {
				t.Errorf("error %q lacks the response body", err)
			}
		})
	}
}

func TestNotifyBodySnippetIsBounded(t *testing.T) {
	huge := strings.Repeat("é", 10_000) + "\x00\x1b[31m"
	rc := newReceiver(t, func(*http.Request) (int, string) { return 400, huge })
	_, err := newNotifier(t, configFor(t, rc.URL, "/")).Notify(context.Background(), message(firing(testLabels, nil)))
	if err == nil {
		t.Fatal("no error")
	}
	if n := len(err.Error()); n > 700 {
		t.Errorf("error is %d bytes long", n)
	}
	if !strings.HasSuffix(err.Error(), "…") {
		t.Errorf("truncation is not marked: %q", err.Error()[len(err.Error())-20:])
	}
}

// secrets are in every part of the URL that can hold one.
var secrets = []string{"pa55word", "PATHTOKEN", "QUERYTOKEN", "HMACSECRET"}

func secretURL(t *testing.T, base string) *Config {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("user", "pa55word")
	u.Path = "/services/T000/PATHTOKEN"
	u.RawQuery = "token=QUERYTOKEN"
	return &Config{URL: &config.URL{URL: u}, Timeout: model.Duration(200 * time.Millisecond)}
}

func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, secret := range secrets {
		if strings.Contains(s, secret) {
			t.Errorf("%s leaks %q: %s", what, secret, s)
		}
	}
}

func TestErrorsAndLogsHideURLSecrets(t *testing.T) {
	blocked := make(chan struct{})
	t.Cleanup(func() { close(blocked) })
	rc := newReceiver(t, func(r *http.Request) (int, string) {
		switch r.URL.Query().Get("mode") {
		case "hang":
			select {
			case <-blocked:
			case <-r.Context().Done():
			}
		}
		return 400, "bad request"
	})
	closed := newReceiver(t, nil)
	closed.Close()

	tests := []struct {
		name      string
		base      string
		query     string
		wantRetry bool
		wantIs    error
	}{
		{name: "status", base: rc.URL},
		{name: "timeout", base: rc.URL, query: "&mode=hang", wantRetry: true, wantIs: context.DeadlineExceeded},
		{name: "connection refused", base: closed.URL, wantRetry: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logs bytes.Buffer
			cfg := secretURL(t, tt.base)
			cfg.URL.RawQuery += tt.query
			cfg.HMACSecret = "HMACSECRET"
			n, err := New(cfg, notifiers.IntegrationOptions{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
			if err != nil {
				t.Fatal(err)
			}
			retry, err := n.Notify(context.Background(), message(firing(testLabels, nil)))
			if err == nil || retry != tt.wantRetry {
				t.Fatalf("retry=%v err=%v, want an error with retry=%v", retry, err, tt.wantRetry)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), "/<redacted>") {
				t.Errorf("error does not say where: %v", err)
			}
			assertNoSecret(t, "error", err.Error())
			assertNoSecret(t, "logs", logs.String())
		})
	}
}

func TestNotifyHonoursCallerContext(t *testing.T) {
	rc := newReceiver(t, func(r *http.Request) (int, string) {
		<-r.Context().Done()
		return 200, ""
	})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	retry, err := newNotifier(t, configFor(t, rc.URL, "/")).Notify(ctx, message(firing(testLabels, nil)))
	if !errors.Is(err, context.Canceled) || !retry {
		t.Errorf("retry=%v err=%v, want a retryable context.Canceled", retry, err)
	}
}

func TestNotifyReceiverFallback(t *testing.T) {
	rc := newReceiver(t, nil)
	m := message(firing(testLabels, nil))
	m.Receiver = ""
	if _, err := newNotifier(t, configFor(t, rc.URL, "/")).Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	if got := decodeStrict(t, rc.got()[0].Body).Receiver; got != "team-api" {
		t.Errorf("receiver %q, want the Notifier's", got)
	}
}

func TestNotifyRetryAfter(t *testing.T) {
	tests := []struct {
		name   string
		header string
		code   int
		want   time.Duration
	}{
		{name: "seconds", header: "7", code: 429, want: 7 * time.Second},
		{name: "date", header: time.Now().Add(time.Hour).UTC().Format(http.TimeFormat), code: 503, want: time.Hour},
		{name: "past date", header: "Mon, 02 Jan 2006 15:04:05 GMT", code: 429},
		{name: "garbage", header: "soon", code: 429},
		{name: "absent", code: 429},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.header != "" {
					w.Header().Set("Retry-After", tt.header)
				}
				w.WriteHeader(tt.code)
			}))
			defer srv.Close()
			retry, err := newNotifier(t, configFor(t, srv.URL, "/")).Notify(context.Background(), message(firing(testLabels, nil)))
			if !retry || err == nil {
				t.Fatalf("retry=%v err=%v", retry, err)
			}
			got, ok := notifiers.RetryAfter(err)
			if ok != (tt.want > 0) || got > tt.want || got < tt.want-2*time.Second {
				t.Errorf("RetryAfter = %s, %v; want %s", got, ok, tt.want)
			}
		})
	}
}
