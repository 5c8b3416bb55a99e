package webhook

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestSignedRequestsVerify(t *testing.T) {
	tests := []struct {
		name   string
		header string // hmac_header; "" for the default
	}{
		{name: "default header"},
		{name: "custom header", header: "X-Hub-Signature-256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, nil)
			rc.secret = []byte("s3cret-ключ")
			if tt.header != "" {
				rc.header = tt.header
			}
			cfg := configFor(t, rc.URL, "/hook")
			cfg.HMACSecret = "s3cret-ключ"
			cfg.HMACHeader = tt.header
			retry, err := newNotifier(t, cfg).Notify(context.Background(), message(firing(testLabels, nil)))
			if err != nil || retry {
				t.Fatalf("retry=%v err=%v", retry, err)
			}
			r := rc.got()[0]
			if r.SignatureErr != nil {
				t.Fatalf("receiver rejected the signature: %v", r.SignatureErr)
			}
			if tt.header != "" && r.Header.Get(DefaultSignatureHeader) != "" {
				t.Errorf("signature also sent in %s", DefaultSignatureHeader)
			}
			// The package's own Verify agrees with the receiver.
			if err := Verify([]byte("s3cret-ключ"), r.Header.Get(TimestampHeader), r.Header.Get(rc.header), r.Body, time.Now(), 0); err != nil {
				t.Errorf("Verify: %v", err)
			}
		})
	}
}

func TestSignatureRejectedWithWrongSecretOrStaleClock(t *testing.T) {
	tests := []struct {
		name  string
		skew  time.Duration
		wrong bool
	}{
		{name: "wrong secret", wrong: true},
		{name: "stale", skew: -10 * time.Minute},
		{name: "future", skew: 10 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, nil)
			rc.secret = []byte("right")
			cfg := configFor(t, rc.URL, "/hook")
			cfg.HMACSecret = "right"
			if tt.wrong {
				cfg.HMACSecret = "wrong"
			}
			n := newNotifier(t, cfg)
			n.now = func() time.Time { return time.Now().Add(tt.skew) }
			retry, err := n.Notify(context.Background(), message(firing(testLabels, nil)))
			var serr *StatusError
			if !errors.As(err, &serr) || serr.StatusCode != 401 || retry {
				t.Fatalf("retry=%v err=%v, want a permanent 401", retry, err)
			}
			if rc.got()[0].SignatureErr == nil {
				t.Error("receiver accepted the request")
			}
			if strings.Contains(err.Error(), string(cfg.HMACSecret)) {
				t.Errorf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestEveryAttemptIsSignedAfresh(t *testing.T) {
	rc := newReceiver(t, nil)
	rc.secret = []byte("k")
	cfg := configFor(t, rc.URL, "/")
	cfg.HMACSecret = "k"
	n := newNotifier(t, cfg)
	now := time.Now()
	m := message(firing(testLabels, nil))
	for i := range 2 {
		n.now = func() time.Time { return now.Add(time.Duration(i) * time.Minute) }
		if _, err := n.Notify(context.Background(), m); err != nil {
			t.Fatal(err)
		}
	}
	reqs := rc.got()
	a, b := reqs[0].Header, reqs[1].Header
	if string(reqs[0].Body) != string(reqs[1].Body) {
		t.Fatal("bodies of the same message differ")
	}
	if a.Get(TimestampHeader) == b.Get(TimestampHeader) || a.Get(DefaultSignatureHeader) == b.Get(DefaultSignatureHeader) {
		t.Errorf("two attempts share timestamp or signature: %v / %v", a, b)
	}
	if want := strconv.FormatInt(now.Unix(), 10); a.Get(TimestampHeader) != want {
		t.Errorf("timestamp %q, want %q", a.Get(TimestampHeader), want)
	}
}

func TestSecretFile(t *testing.T) {
	rc := newReceiver(t, nil)
	rc.secret = []byte("from-file")
	file := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(file, []byte("  from-file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := configFor(t, rc.URL, "/")
	cfg.HMACSecretFile = file
	n := newNotifier(t, cfg)
	m := message(firing(testLabels, nil))
	if retry, err := n.Notify(context.Background(), m); err != nil || retry {
		t.Fatalf("retry=%v err=%v", retry, err)
	}

	// The file is read at every send: a rotated secret applies at once.
	if err := os.WriteFile(file, []byte("rotated"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := n.Notify(context.Background(), m); err == nil {
		t.Fatal("receiver accepted a signature with the rotated secret it does not know")
	}
	rc.mu.Lock()
	rc.secret = []byte("rotated")
	rc.mu.Unlock()
	if _, err := n.Notify(context.Background(), m); err != nil {
		t.Fatalf("after rotation: %v", err)
	}

	// A missing or empty file fails the attempt, to be retried.
	for _, content := range []*string{nil, new(string)} {
		if content == nil {
			_ = os.Remove(file)
		} else if err := os.WriteFile(file, []byte(*content), 0o600); err != nil {
			t.Fatal(err)
		}
		before := len(rc.got())
		retry, err := n.Notify(context.Background(), m)
		if err == nil || !retry || !strings.Contains(err.Error(), "hmac_secret_file") {
			t.Errorf("retry=%v err=%v, want a retryable hmac_secret_file error", retry, err)
		}
		if len(rc.got()) != before {
			t.Error("an unsigned request went out")
		}
	}
}

func TestVerify(t *testing.T) {
	secret := []byte("k")
	body := []byte(`{"status":"firing"}` + "\n")
	now := time.Unix(1_773_500_966, 0)
	ts := strconv.FormatInt(now.Unix(), 10)
	good := sign(secret, ts, body)
	tests := []struct {
		name      string
		secret    []byte
		ts, sig   string
		body      []byte
		tolerance time.Duration
		ok        bool
	}{
		{name: "good", secret: secret, ts: ts, sig: good, body: body, ok: true},
		{name: "tampered body", secret: secret, ts: ts, sig: good, body: []byte(`{"status":"resolved"}` + "\n")},
		{name: "body re-encoded without newline", secret: secret, ts: ts, sig: good, body: body[:len(body)-1]},
		{name: "wrong secret", secret: []byte("K"), ts: ts, sig: good, body: body},
		{name: "timestamp changed", secret: secret, ts: strconv.FormatInt(now.Unix()+1, 10), sig: good, body: body},
		{name: "no prefix", secret: secret, ts: ts, sig: strings.TrimPrefix(good, "sha256="), body: body},
		{name: "upper-case hex", secret: secret, ts: ts, sig: "sha256=" + strings.ToUpper(strings.TrimPrefix(good, "sha256=")), body: body},
		{name: "empty", secret: secret, body: body},
		{name: "stale", secret: secret, ts: strconv.FormatInt(now.Unix()-301, 10), body: body},
		{name: "within custom tolerance", secret: secret, ts: strconv.FormatInt(now.Unix()-301, 10), body: body, tolerance: time.Hour, ok: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig := tt.sig
			if sig == "" && tt.ts != "" {
				sig = sign(tt.secret, tt.ts, tt.body) // Signed correctly, but stale or fresh.
			}
			err := Verify(tt.secret, tt.ts, sig, tt.body, now, tt.tolerance)
			if (err == nil) != tt.ok {
				t.Fatalf("Verify = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrBadSignature) {
				t.Errorf("error %v is not ErrBadSignature", err)
			}
		})
	}
}

// FuzzVerify checks that Verify never panics and accepts only the
// signature of the exact timestamp, body and secret.
func FuzzVerify(f *testing.F) {
	f.Add([]byte("k"), "1773500966", "sha256=00", []byte("{}\n"))
	f.Add([]byte(""), "-1", "", []byte(nil))
	now := time.Unix(1_773_500_966, 0)
	f.Fuzz(func(t *testing.T, secret []byte, ts, sig string, body []byte) {
		err := Verify(secret, ts, sig, body, now, time.Hour)
		if err == nil && sig != sign(secret, ts, body) {
			t.Fatalf("accepted %q for %q.%q", sig, ts, body)
		}
		if _, perr := strconv.ParseInt(ts, 10, 64); perr == nil && sig == sign(secret, ts, body) {
			secs, _ := strconv.ParseInt(ts, 10, 64)
			if d := now.Sub(time.Unix(secs, 0)).Abs(); d <= time.Hour && err != nil {
				t.Fatalf("rejected a good signature: %v", err)
			}
		}
	})
}
