package render

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers/internal/notifytest"
)

func TestRenderer(t *testing.T) {
	tmpl := notifytest.Templates(t)
	m := notifytest.Message(notifytest.Latency(), notifytest.Firing(model.LabelSet{"alertname": "HighLatency", "x": "<&>"}, nil))
	r := New(tmpl, m)
	if got := r.Text("a", "  {{ .CommonLabels.x }}\n"); got != "<&>" {
		t.Errorf("Text = %q", got)
	}
	if got := r.HTML("b", "<b>{{ .CommonLabels.x }}</b>"); got != "<b>&lt;&amp;&gt;</b>" {
		t.Errorf("HTML = %q", got)
	}
	_ = r.Text("c", "{{ index .Alerts 9 }}")
	_ = r.Text("d", "{{ template \"nope\" . }}")
	err := r.Err()
	if err == nil || !strings.Contains(err.Error(), "c: ") || !strings.Contains(err.Error(), "d: ") {
		t.Errorf("Err = %v", err)
	}
	if err := Check(tmpl, map[string]string{"z": "{{ .Oops", "a": "{{ end }}", "ok": "{{ .Status }}", "empty": ""}); err == nil ||
		!strings.HasPrefix(err.Error(), "a: ") || !strings.Contains(err.Error(), "\nz: ") {
		t.Errorf("Check = %v", err)
	}
}

func TestTruncate(t *testing.T) {
	if s, cut := Truncate("héllo", 5); s != "héllo" || cut {
		t.Errorf("%q %v", s, cut)
	}
	if s, cut := Truncate("héllo world", 5); s != "héll…" || !cut {
		t.Errorf("%q %v", s, cut)
	}
	if s, cut := TruncateBytes("ééé", 6); s != "ééé" || cut {
		t.Errorf("%q %v", s, cut)
	}
	if s, cut := TruncateBytes("ééé", 5); s != "é…" || !cut || !utf8.ValidString(s) {
		t.Errorf("%q %v", s, cut)
	}
	if s, _ := TruncateBytes("abc", 2); s != "" {
		t.Errorf("%q", s)
	}
}
