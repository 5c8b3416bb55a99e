package rules

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/helpers/templates"
)

// fakeQuery answers every query with the same three series.
func fakeQuery(q string) ([]Sample, error) {
	if q == "fail" {
		return nil, errors.New("boom")
	}
	if q == "empty" {
		return nil, nil
	}
	return []Sample{
		{Labels: map[string]string{"job": "c", "instance": "c:1", "__value__": "3"}, Value: 3},
		{Labels: map[string]string{"job": "a", "instance": "a:1", "__value__": "1"}, Value: 1},
		{Labels: map[string]string{"job": "b", "instance": "b:1", "__value__": "2"}, Value: 2},
	}, nil
}

func expandText(t *testing.T, text string, data *TemplateData) (string, error) {
	t.Helper()
	tm, err := ParseTemplate("test", text)
	if err != nil {
		t.Fatalf("ParseTemplate(%q): %v", text, err)
	}
	return tm.Expand(data)
}

func TestTemplateFunctions(t *testing.T) {
	data := &TemplateData{
		Labels:         map[string]string{"instance": "web-1.example.com:9100", "job": "node"},
		ExternalLabels: map[string]string{"cluster": "eu1"},
		ExternalURL:    "https://alerter.example.com/prefix/",
		Value:          1234567.0,
		Query:          fakeQuery,
		Time:           time.Unix(1435065584, 128e6),
	}
	tests := []struct {
		text string
		want string
	}{
		// Variables and data.
		{`{{ $labels.instance }} {{ .Labels.job }}`, "web-1.example.com:9100 node"},
		{`{{ $value }} {{ .Value }}`, "1.234567e+06 1.234567e+06"},
		{`{{ $externalLabels.cluster }} {{ $externalURL }}`, "eu1 https://alerter.example.com/prefix/"},
		{`[{{ $labels.missing }}]`, "[]"},
		// humanize and friends.
		{`{{ humanize $value }}`, "1.235M"},
		{`{{ humanize 0.001234 }}`, "1.234m"},
		{`{{ humanize 0 }} {{ humanize 5 }} {{ humanize "12345" }} {{ humanize -2500.0 }}`, "0 5 12.35k -2.5k"},
		{`{{ humanize 1e30 }} {{ humanize 1e-30 }}`, "1e+06Y 1e-06y"},
		{`{{ humanize1024 1048576 }} {{ humanize1024 1536 }} {{ humanize1024 1 }} {{ humanize1024 0.5 }}`, "1Mi 1.5ki 1 0.5"},
		{`{{ humanizeDuration 0 }} {{ humanizeDuration 1 }} {{ humanizeDuration 1.5 }} {{ humanizeDuration 0.1 }}`, "0s 1s 1.5s 100ms"},
		{`{{ humanizeDuration 90 }} {{ humanizeDuration 3661 }} {{ humanizeDuration 172805 }} {{ humanizeDuration -90 }}`, "1m 30s 1h 1m 1s 2d 0h 0m 5s -1m 30s"},
		{`{{ humanizeDuration 0.0001234 }} {{ humanizeDuration "60" }}`, "123.4us 1m 0s"},
		{`{{ humanizePercentage 0.1234 }} {{ humanizePercentage "1" }}`, "12.34% 100%"},
		{`{{ humanizeTimestamp 1435065584.128 }}`, "2015-06-23 13:19:44.128 +0000 UTC"},
		{`{{ toTime 0 }} {{ (toTime 1435065584).Year }}`, "1970-01-01 00:00:00 +0000 UTC 2015"},
		{`{{ toDuration 90 }} {{ toDuration 0.5 }}`, "1m30s 500ms"},
		{`{{ now }} {{ now | humanizeTimestamp }}`, "1.435065584128e+09 2015-06-23 13:19:44.128 +0000 UTC"},
		{`{{ parseDuration "1h30m" }} {{ parseDuration "-1m" }}`, "5400 -60"},
		// Strings.
		{`{{ title "hello wide world" }} {{ toUpper "abc" }} {{ toLower "ABC" }}`, "Hello Wide World ABC abc"},
		{`{{ match "^web-[0-9]+" $labels.instance }} {{ match "^db" $labels.instance }}`, "true false"},
		{`{{ reReplaceAll "(a+)" "<$1>" "caat" }}`, "c<aa>t"},
		{`{{ safeHtml "<b>bold</b>" }}`, "<b>bold</b>"},
		{`{{ $labels.instance | stripPort }} {{ stripPort "[::1]:80" }} {{ stripPort "plain" }}`, "web-1.example.com ::1 plain"},
		{`{{ $labels.instance | stripDomain }} {{ stripDomain "10.0.0.1:80" }} {{ stripDomain "a.b" }} {{ stripDomain "[::1]:80" }}`, "web-1:9100 10.0.0.1:80 a [::1]:80"},
		{`{{ urlQueryEscape "a b&c" }}`, "a+b%26c"},
		{`{{ graphLink "rate(x[5m]) > 1" }}`, "/graph?g0.expr=rate%28x%5B5m%5D%29+%3E+1&g0.tab=0"},
		{`{{ tableLink "up" }}`, "/graph?g0.expr=up&g0.tab=1"},
		{`{{ externalURL }} {{ pathPrefix }}`, "https://alerter.example.com/prefix/ /prefix/"},
		{`{{ define "pair" }}{{ .arg0 }}={{ .arg1 }}{{ end }}{{ template "pair" (args "k" 2) }}`, "k=2"},
		// Queries.
		{`{{ range query "up" }}{{ .Labels.job }}{{ end }}`, "cab"},
		{`{{ range sortByLabel "job" (query "up") }}{{ label "job" . }}:{{ value . }}:{{ strvalue . }} {{ end }}`, "a:1:1 b:2:2 c:3:3 "},
		{`{{ with query "up" }}{{ with first . }}{{ .Value }} {{ .Labels.instance }}{{ end }}{{ end }}`, "3 c:1"},
		{`{{ query "up" | first | value | humanize }}`, "3"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := expandText(t, tt.text, data)
			if err != nil {
				t.Fatalf("Expand: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTemplateExpansionErrors(t *testing.T) {
	tests := []struct {
		text string
		data *TemplateData
		want string
	}{
		{`{{ query "up" }}`, &TemplateData{}, "no query function"},
		{`{{ query "fail" }}`, &TemplateData{Query: fakeQuery}, "boom"},
		{`{{ query "empty" | first }}`, &TemplateData{Query: fakeQuery}, "first() called on vector with no elements"},
		{`{{ humanize "abc" }}`, nil, "invalid syntax"},
		{`{{ humanize .Labels }}`, nil, "can't convert map[string]string to float"},
		{`{{ reReplaceAll "(" "" "x" }}`, nil, "missing closing )"},
		{`{{ match "(" "x" }}`, nil, "missing closing )"},
		{`{{ parseDuration "soon" }}`, nil, "not a valid duration string"},
		{`{{ toTime 1e300 }}`, nil, "overflows int64"},
		{`{{ query "panic" }}`, &TemplateData{Query: func(string) ([]Sample, error) { panic("kaboom") }}, "kaboom"},
	}
	for _, tt := range tests {
		t.Run(tt.text, func(t *testing.T) {
			got, err := expandText(t, tt.text, tt.data)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %q, %v; want an error with %q", got, err, tt.want)
			}
		})
	}
}

func TestTemplateNonFinite(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1)} {
		got, err := expandText(t, `{{ humanize $value }} {{ humanize1024 $value }} {{ humanizeDuration $value }} {{ humanizeTimestamp $value }}`, &TemplateData{Value: v})
		want := strings.Repeat(fmt.Sprintf("%.4g ", v), 4)
		if err != nil || got != strings.TrimSpace(want) {
			t.Errorf("%v: got %q, %v", v, got, err)
		}
	}
}

// TestHumanizeMatchesPrometheus compares with prometheus/common's own
// implementation of the time helpers, which Prometheus's templates use.
func TestHumanizeMatchesPrometheus(t *testing.T) {
	values := []any{0.0, 1.0, -1.0, 0.5, 1.5, 59.9, 60.0, 61.0, 3599.0, 3600.0, 86399.0, 86400.0, 1e6, 1e12,
		-1e6, 0.001, 1e-9, 1e-30, -0.25, 1435065584.128, 1.5e9, -1.5e9, math.NaN(), math.Inf(1),
		0, 42, int64(1e10), uint(7), uint64(9), "3.25", "-120", time.Duration(90) * time.Second}
	for _, v := range values {
		for name, pair := range map[string][2]func(any) (string, error){
			"humanizeDuration":  {humanizeDuration, templates.HumanizeDuration},
			"humanizeTimestamp": {humanizeTimestamp, templates.HumanizeTimestamp},
		} {
			got, gotErr := pair[0](v)
			want, wantErr := pair[1](v)
			if got != want || (gotErr == nil) != (wantErr == nil) {
				t.Errorf("%s(%v): got %q, %v; Prometheus %q, %v", name, v, got, gotErr, want, wantErr)
			}
		}
		got, gotErr := toFloat(v)
		want, wantErr := templates.ConvertToFloat(v)
		if (gotErr == nil) != (wantErr == nil) || gotErr == nil && got != want && !math.IsNaN(got) {
			t.Errorf("toFloat(%v): got %v, %v; Prometheus %v, %v", v, got, gotErr, want, wantErr)
		}
	}
}

func TestTemplateParse(t *testing.T) {
	static, err := ParseTemplate("s", "no actions here { } }}")
	if err != nil || !static.Static() {
		t.Fatalf("static: %v %v", static, err)
	}
	if got, err := static.Expand(nil); err != nil || got != "no actions here { } }}" {
		t.Errorf("static Expand = %q, %v", got, err)
	}
	dyn, err := ParseTemplate("d", "{{ $value }}")
	if err != nil || dyn.Static() {
		t.Fatalf("dynamic: %v", err)
	}
	if got, err := dyn.Expand(nil); err != nil || got != "0" {
		t.Errorf("Expand(nil) = %q, %v", got, err)
	}
	for text, wantLine := range map[string]int{
		"{{ nope }}":           1,
		"a\nb\n{{ end }}":      3,
		"{{ $labels.x":         1,
		"x\n{{ humanise 1 }}}": 2,
	} {
		_, err := ParseTemplate("summary", text)
		var te *TemplateError
		if !errors.As(err, &te) || te.Line != wantLine || te.Name != "summary" || strings.HasPrefix(te.Msg, "template:") {
			t.Errorf("%q: got %#v, want a TemplateError at line %d", text, err, wantLine)
		}
	}
}

func TestTemplateConcurrentExpand(t *testing.T) {
	tm, err := ParseTemplate("c", `{{ $labels.i }}:{{ query "up" | len }}:{{ externalURL }}`)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 50 {
				d := &TemplateData{
					Labels:      map[string]string{"i": fmt.Sprintf("%d%d", i, j)},
					ExternalURL: fmt.Sprint("u", i),
					Query:       fakeQuery,
				}
				got, err := tm.Expand(d)
				if want := fmt.Sprintf("%d%d:3:u%d", i, j, i); err != nil || got != want {
					t.Errorf("got %q, %v; want %q", got, err, want)
				}
			}
		})
	}
	wg.Wait()
}

// TestTemplateDataFunctionsDetected: templates that call a function
// reading the expansion's data are bound per expansion; the others run as
// parsed. Both give the same results, also concurrently (run with -race).
func TestTemplateDataFunctionsDetected(t *testing.T) {
	tests := []struct {
		text     string
		usesData bool
	}{
		{`{{ $labels.instance }} is at {{ $value | humanize }}`, false},
		{`{{ if gt $value 1.0 }}{{ range $k, $v := $labels }}{{ $k }}{{ end }}{{ end }}`, false},
		{`{{ externalURL }}/alerts`, true},
		{`{{ with query "up" }}{{ . | first | value }}{{ end }}`, true},
		{`{{ if true }}{{ now | humanizeTimestamp }}{{ end }}`, true},
		{`{{ range $labels }}{{ pathPrefix }}{{ end }}`, true},
	}
	for _, tc := range tests {
		tm, err := ParseTemplate("x", tc.text)
		if err != nil {
			t.Fatalf("%s: %v", tc.text, err)
		}
		if tm.usesData != tc.usesData {
			t.Errorf("%s: usesData %v, want %v", tc.text, tm.usesData, tc.usesData)
		}
	}
	plain, _ := ParseTemplate("a", `{{ $labels.instance }}={{ $value }}`)
	withData, _ := ParseTemplate("b", `{{ externalURL }}/{{ $labels.instance }}`)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inst := fmt.Sprintf("h%d", i)
			d := &TemplateData{Labels: map[string]string{"instance": inst}, Value: float64(i), ExternalURL: "http://x"}
			for range 50 {
				if got, err := plain.Expand(d); err != nil || got != fmt.Sprintf("%s=%d", inst, i) {
					t.Errorf("plain: %q %v", got, err)
					return
				}
				if got, err := withData.Expand(d); err != nil || got != "http://x/"+inst {
					t.Errorf("with data: %q %v", got, err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func BenchmarkTemplateExpand(b *testing.B) {
	tm, err := ParseTemplate("summary", `{{ $labels.instance }} latency is {{ $value | humanize }}s`)
	if err != nil {
		b.Fatal(err)
	}
	d := &TemplateData{Labels: map[string]string{"instance": "host-1:9100"}, Value: 0.73}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := tm.Expand(d); err != nil {
			b.Fatal(err)
		}
	}
}
