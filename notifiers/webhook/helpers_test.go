package webhook

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
)

// t0 is the time the test alerts started.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

// firing returns a firing alert with the given labels.
func firing(labels, annotations model.LabelSet) *alert.Alert {
	return &alert.Alert{
		Key:          alert.Key{RuleID: "rules.yml;api;0", ID: labels.Fingerprint()},
		Labels:       labels,
		Annotations:  annotations,
		State:        alert.StateFiring,
		GeneratorURL: "http://prometheus.example/graph?g0.expr=up",
		ActiveAt:     t0,
		FiredAt:      t0.Add(time.Minute),
		LastEvalAt:   t0.Add(9 * time.Minute),
	}
}

// resolved returns the alert of firing(...) after it resolved.
func resolved(labels, annotations model.LabelSet) *alert.Alert {
	a := firing(labels, annotations)
	a.State = alert.StateInactive
	a.ResolvedAt = t0.Add(10 * time.Minute)
	return a
}

// groupKey is the key of a group of the root route, in Alertmanager's
// format.
func groupKey(gl model.LabelSet) string { return "{}:" + gl.String() }

// message puts alerts into a message of the HighLatency group, ordered
// as the pipeline orders them (firing first).
func message(alerts ...*alert.Alert) *notifiers.Message {
	gl := model.LabelSet{"alertname": "HighLatency"}
	as := append([]*alert.Alert(nil), alerts...)
	notifiers.SortAlerts(as)
	return &notifiers.Message{
		Receiver:    "team-api",
		GroupKey:    groupKey(gl),
		GroupLabels: gl,
		Alerts:      as,
		At:          t0.Add(10 * time.Minute),
		State:       map[string]string{},
	}
}

// amMessage is Alertmanager's webhook payload, written out independently
// of Payload so that a change of Payload cannot go unnoticed.
type amMessage struct {
	Receiver          string            `json:"receiver"`
	Status            string            `json:"status"`
	Alerts            []amAlert         `json:"alerts"`
	GroupLabels       map[string]string `json:"groupLabels"`
	CommonLabels      map[string]string `json:"commonLabels"`
	CommonAnnotations map[string]string `json:"commonAnnotations"`
	ExternalURL       string            `json:"externalURL"`
	Version           string            `json:"version"`
	GroupKey          string            `json:"groupKey"`
	TruncatedAlerts   uint64            `json:"truncatedAlerts"`
}

type amAlert struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
	Fingerprint  string            `json:"fingerprint"`
}

var (
	messageKeys = []string{"receiver", "status", "alerts", "groupLabels", "commonLabels",
		"commonAnnotations", "externalURL", "version", "groupKey", "truncatedAlerts"}
	alertKeys = []string{"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"}
)

// decodeStrict decodes an Alertmanager webhook body, failing on unknown
// and on missing fields.
func decodeStrict(t *testing.T, body []byte) amMessage {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	var m amMessage
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("payload does not decode strictly: %v\n%s", err, body)
	}
	var raw struct {
		Alerts []map[string]json.RawMessage `json:"alerts"`
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(body, &top); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	checkKeys(t, "message", top, messageKeys)
	for i, a := range raw.Alerts {
		checkKeys(t, fmt.Sprintf("alert %d", i), a, alertKeys)
	}
	return m
}

func checkKeys(t *testing.T, what string, got map[string]json.RawMessage, want []string) {
	t.Helper()
	for _, k := range want {
		v, ok := got[k]
		if !ok {
			t.Errorf("%s: missing %q", what, k)
		} else if string(v) == "null" {
			t.Errorf("%s: %q is null", what, k)
		}
	}
	if len(got) != len(want) {
		t.Errorf("%s: %d keys, want %d", what, len(got), len(want))
	}
}

// request is what the test receiver saw of one request.
type request struct {
	Method string
	Path   string
	Query  url.Values
	Header http.Header
	Body   []byte
	// SignatureErr is why the signature did not verify, when the
	// receiver checks signatures.
	SignatureErr error
}

// receiver is a local webhook endpoint that records requests and answers
// with the status (and body) that respond returns. With a secret, it
// verifies signatures as a consumer would and answers 401 to bad ones.
type receiver struct {
	*httptest.Server
	mu       sync.Mutex
	requests []request
	respond  func(r *http.Request) (int, string)
	// secret and header enable signature checks; now is the
	// receiver's clock.
	secret []byte
	header string
	now    func() time.Time
}

func newReceiver(t *testing.T, respond func(r *http.Request) (int, string)) *receiver {
	t.Helper()
	rc := &receiver{respond: respond, header: DefaultSignatureHeader, now: time.Now}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		var sigErr error
		if rc.secret != nil {
			sigErr = checkSignature(r.Header, body, rc.secret, rc.header, rc.now())
		}
		rc.requests = append(rc.requests, request{r.Method, r.URL.Path, r.URL.Query(), r.Header.Clone(), body, sigErr})
		rc.mu.Unlock()
		if sigErr != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		code, text := http.StatusOK, ""
		if rc.respond != nil {
			code, text = rc.respond(r)
		}
		w.WriteHeader(code)
		_, _ = io.WriteString(w, text)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// checkSignature verifies a request the way the package documentation
// tells consumers to, written independently of Verify: HMAC-SHA256 over
// "<timestamp>.<raw body>", hex, "sha256=" prefix, constant-time
// comparison, five minutes of tolerance.
func checkSignature(h http.Header, body, secret []byte, header string, now time.Time) error {
	ts := h.Get("X-Alerter-Timestamp")
	secs, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return fmt.Errorf("timestamp %q: %v", ts, err)
	}
	if d := now.Sub(time.Unix(secs, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return fmt.Errorf("timestamp %s off by %s", ts, d)
	}
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts + "."))
	mac.Write(body)
	want := "sha256=" + hex.EncodeToString(mac.Sum(nil))
	if got := h.Get(header); !hmac.Equal([]byte(got), []byte(want)) {
		return fmt.Errorf("signature %q, want %q", got, want)
	}
	return nil
}

func (rc *receiver) got() []request {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]request(nil), rc.requests...)
}

// configFor returns a config posting to the receiver's path.
func configFor(t *testing.T, base, path string) *Config {
	t.Helper()
	u, err := url.Parse(base + path)
	if err != nil {
		t.Fatal(err)
	}
	return &Config{URL: &config.URL{URL: u}}
}

// testOptions are the options of newNotifier.
func testOptions() notifiers.IntegrationOptions {
	return notifiers.IntegrationOptions{Receiver: "team-api", ExternalURL: "http://alerter.example:9099", UserAgent: "alerter/test"}
}

func newNotifier(t *testing.T, cfg *Config) *Notifier {
	t.Helper()
	n, err := New(cfg, testOptions())
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return n
}
