package httpsend

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestDo(t *testing.T) {
	var got *http.Request
	var body string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r
		b, _ := io.ReadAll(r.Body)
		body = string(b)
		switch r.URL.Path {
		case "/ok/TOKEN":
			_, _ = io.WriteString(w, `{"ok":true}`)
		case "/limited":
			w.Header().Set("Retry-After", "9")
			w.WriteHeader(http.StatusTooManyRequests)
		case "/bad":
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, "key TOKEN is invalid")
		case "/slow":
			time.Sleep(2 * time.Second)
		}
	}))
	defer srv.Close()
	c, err := NewClient("svc", nil, "alerter/test", time.Second)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.Do(context.Background(), Request{
		URL: srv.URL + "/ok/TOKEN", Body: []byte("x=1"), ContentType: "text/plain",
		Header: http.Header{"Authorization": {"Key k"}},
	})
	if err != nil || string(resp.Body) != `{"ok":true}` {
		t.Fatalf("resp=%+v err=%v", resp, err)
	}
	if got.Method != http.MethodPost || got.Header.Get("User-Agent") != "alerter/test" ||
		got.Header.Get("Content-Type") != "text/plain" || got.Header.Get("Authorization") != "Key k" || body != "x=1" {
		t.Errorf("request %s %v %q", got.Method, got.Header, body)
	}

	_, err = c.Do(context.Background(), Request{URL: srv.URL + "/limited"})
	var se *StatusError
	if !errors.As(err, &se) || !Retryable(err) || se.RetryAfter() != 9*time.Second {
		t.Errorf("429: %v", err)
	}
	_, err = c.Do(context.Background(), Request{URL: srv.URL + "/bad", Secrets: []string{"TOKEN", "/"}})
	if Retryable(err) || !strings.Contains(err.Error(), "400 Bad Request: key <redacted> is invalid") || !strings.Contains(err.Error(), "svc: "+srv.URL+"/<redacted>") {
		t.Errorf("400: %v", err)
	}
	_, err = c.Do(context.Background(), Request{URL: srv.URL + "/slow?token=TOKEN"})
	if !Retryable(err) || !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), "TOKEN") {
		t.Errorf("timeout: %v", err)
	}
	_, err = c.Do(context.Background(), Request{URL: "http://TOKEN\x7f/"})
	if err == nil || Retryable(err) || strings.Contains(err.Error(), "TOKEN") {
		t.Errorf("bad URL: %v", err)
	}
	_, err = c.Do(context.Background(), Request{URL: "http://127.0.0.1:1/TOKEN"})
	if !Retryable(err) || strings.Contains(err.Error(), "TOKEN") {
		t.Errorf("connection refused: %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	for in, want := range map[string]string{
		"https://u:p@hooks.example.com/services/T/B/X?k=v": "https://hooks.example.com/<redacted>",
		"https://api.example.com/":                         "https://api.example.com",
		"https://api.example.com":                          "https://api.example.com",
		"not a url":                                        "<invalid URL>",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJSON(t *testing.T) {
	b, err := JSON(map[string]string{"text": "<b>&</b>"})
	if err != nil || string(b) != `{"text":"<b>&</b>"}` {
		t.Errorf("JSON = %s, %v", b, err)
	}
}
