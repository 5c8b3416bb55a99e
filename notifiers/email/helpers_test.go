package email

import (
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/template"
)

// t0 is the time the test alerts started.
var t0 = time.Date(2026, 3, 14, 15, 9, 26, 0, time.UTC)

func firing(labels, annotations model.LabelSet) *alert.Alert {
	return &alert.Alert{
		Key:          alert.Key{RuleID: "rules.yml;api;0", ID: labels.Fingerprint()},
		Labels:       labels,
		Annotations:  annotations,
		State:        alert.StateFiring,
		GeneratorURL: "http://prometheus.example/graph?g0.expr=up",
		ActiveAt:     t0,
		FiredAt:      t0.Add(time.Minute),
	}
}

func resolved(labels, annotations model.LabelSet) *alert.Alert {
	a := firing(labels, annotations)
	a.State = alert.StateInactive
	a.ResolvedAt = t0.Add(10 * time.Minute)
	return a
}

// message puts alerts into a message of the HighLatency group, ordered
// as the pipeline orders them.
func message(alerts ...*alert.Alert) *notifiers.Message {
	gl := model.LabelSet{"alertname": "HighLatency"}
	as := append([]*alert.Alert(nil), alerts...)
	notifiers.SortAlerts(as)
	return &notifiers.Message{
		Receiver:    "team-api",
		GroupKey:    "{}:" + gl.String(),
		GroupLabels: gl,
		Alerts:      as,
		At:          t0.Add(10 * time.Minute),
		State:       map[string]string{},
	}
}

func digestMessage() *notifiers.Message {
	return &notifiers.Message{
		Receiver: "team-api",
		Digest: &notifiers.Digest{
			Alerts: 120, Groups: 14, Window: 5 * time.Minute,
			ByRule: []notifiers.Count{{Name: "HighLatency", Count: 80}, {Name: "DiskFull", Count: 40}},
			APIURL: "http://alerter.example:9099/api/v1/alerts?receiver=team-api",
		},
		At:    t0.Add(10 * time.Minute),
		State: map[string]string{},
	}
}

func testTemplates(t *testing.T) *template.Template {
	t.Helper()
	tmpl, err := template.New()
	if err != nil {
		t.Fatal(err)
	}
	return tmpl
}

func newNotifier(t *testing.T, cfg *Config) *Notifier {
	t.Helper()
	n, err := New(cfg, testTemplates(t), notifiers.IntegrationOptions{Receiver: "team-api", ExternalURL: "http://alerter.example:9099"})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	n.now = func() time.Time { return t0.Add(10 * time.Minute) }
	return n
}

// part is one decoded body part of a received message.
type part struct {
	ContentType string
	Encoding    string
	Body        string
}

// parseMail reads a message as a mail client would: headers, then the
// parts of a multipart body (or the single body), decoded.
func parseMail(t *testing.T, raw []byte) (mail.Header, []part) {
	t.Helper()
	for i, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 998 {
			t.Errorf("line %d is %d characters long", i+1, len(line))
		}
	}
	msg, err := mail.ReadMessage(strings.NewReader(string(raw)))
	if err != nil {
		t.Fatalf("not a message: %v\n%s", err, raw)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type %q: %v", msg.Header.Get("Content-Type"), err)
	}
	if !strings.HasPrefix(mt, "multipart/") {
		return msg.Header, []part{decodePart(t, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)}
	}
	if mt != "multipart/alternative" {
		t.Errorf("Content-Type %s, want multipart/alternative", mt)
	}
	var parts []part
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("multipart: %v", err)
		}
		parts = append(parts, decodePart(t, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p))
	}
	return msg.Header, parts
}

func decodePart(t *testing.T, contentType, encoding string, r io.Reader) part {
	t.Helper()
	raw, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	p := part{ContentType: contentType, Encoding: encoding}
	if encoding != "quoted-printable" {
		t.Errorf("%s part is %q-encoded", contentType, encoding)
		p.Body = string(raw)
		return p
	}
	for _, line := range strings.Split(string(raw), "\r\n") {
		if len(line) > 76 {
			t.Errorf("quoted-printable line of %d characters", len(line))
		}
	}
	body, err := io.ReadAll(quotedprintable.NewReader(strings.NewReader(string(raw))))
	if err != nil {
		t.Fatalf("quoted-printable: %v", err)
	}
	p.Body = string(body)
	return p
}

// decodeHeader decodes RFC 2047 encoded words.
func decodeHeader(t *testing.T, v string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		t.Fatalf("header %q: %v", v, err)
	}
	return s
}
