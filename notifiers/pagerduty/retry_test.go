package pagerduty

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers"
)

func TestRetry(t *testing.T) {
	tests := []struct {
		name       string
		code       int
		retryAfter string
		wantErr    bool
		wantRetry  bool
		wantWait   time.Duration
	}{
		{name: "accepted", code: 202},
		{name: "ok", code: 200},
		{name: "invalid event", code: 400, wantErr: true},
		{name: "forbidden", code: 403, wantErr: true},
		{name: "not found", code: 404, wantErr: true},
		{name: "rate limited", code: 429, wantErr: true, wantRetry: true},
		{name: "rate limited with Retry-After", code: 429, retryAfter: "30", wantErr: true, wantRetry: true, wantWait: 30 * time.Second},
		{name: "server error", code: 500, wantErr: true, wantRetry: true},
		{name: "bad gateway", code: 502, wantErr: true, wantRetry: true},
		{name: "unavailable with Retry-After", code: 503, retryAfter: "2", wantErr: true, wantRetry: true, wantWait: 2 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newPDServer(t)
			srv.setOverride(func(w http.ResponseWriter, r *http.Request) bool {
				if tt.retryAfter != "" {
					w.Header().Set("Retry-After", tt.retryAfter)
				}
				answer(w, tt.code, map[string]any{"status": http.StatusText(tt.code)})
				return true
			})
			retry, err := newNotifier(t, configFor(t, srv.URL)).Notify(context.Background(), message(latency(), firing(latency(), nil)))
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
			if wait, _ := notifiers.RetryAfter(err); wait != tt.wantWait {
				t.Errorf("RetryAfter %s, want %s", wait, tt.wantWait)
			}
		})
	}
}

func TestInvalidEventErrorQuotesPagerDuty(t *testing.T) {
	srv := newPDServer(t)
	cfg := configFor(t, srv.URL)
	cfg.RoutingKey = "too-short"
	retry, err := newNotifier(t, cfg).Notify(context.Background(), message(latency(), firing(latency(), nil)))
	if err == nil || retry {
		t.Fatalf("retry=%v err=%v", retry, err)
	}
	if !strings.Contains(err.Error(), "400 Bad Request") || !strings.Contains(err.Error(), "Length of 'routing_key' is incorrect") {
		t.Errorf("error %q does not say why", err)
	}
}

func TestNetworkErrorsRetry(t *testing.T) {
	srv := newPDServer(t)
	cfg := configFor(t, srv.URL)
	srv.Close()
	retry, err := newNotifier(t, cfg).Notify(context.Background(), message(latency(), firing(latency(), nil)))
	if err == nil || !retry {
		t.Errorf("closed server: retry=%v err=%v", retry, err)
	}
}

func TestTimeout(t *testing.T) {
	srv := newPDServer(t)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	srv.setOverride(func(w http.ResponseWriter, r *http.Request) bool {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		return true
	})
	cfg := configFor(t, srv.URL)
	cfg.Timeout = model.Duration(100 * time.Millisecond)
	retry, err := newNotifier(t, cfg).Notify(context.Background(), message(latency(), firing(latency(), nil)))
	if !retry || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("retry=%v err=%v, want a retryable deadline error", retry, err)
	}
}

// TestRoutingKeyNeverLeaks makes the server echo the event back in its
// error (as a proxy might) and checks errors and debug logs.
func TestRoutingKeyNeverLeaks(t *testing.T) {
	srv := newPDServer(t)
	srv.setOverride(func(w http.ResponseWriter, r *http.Request) bool {
		bodies := srv.received()
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write(bodies[len(bodies)-1])
		return true
	})
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	n, err := New(configFor(t, srv.URL), testTemplates(t), notifiers.IntegrationOptions{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	_, err = n.Notify(context.Background(), message(latency(), resolved(latency(), nil)))
	if err == nil {
		t.Fatal("no error")
	}
	if strings.Contains(err.Error(), testKey) || !strings.Contains(err.Error(), "<redacted>") {
		t.Errorf("error %q leaks the routing key or hides too much", err)
	}

	// Successful sends log at debug level, without the key.
	srv.setOverride(nil)
	if _, err := n.Notify(context.Background(), message(latency(), firing(latency(), nil))); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(logs.String(), "event sent") {
		t.Errorf("no debug log: %s", logs.String())
	}
	if strings.Contains(logs.String(), testKey) {
		t.Errorf("logs leak the routing key: %s", logs.String())
	}
}
