package route

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/internal/strictyaml"
)

func TestValidateReportsEverything(t *testing.T) {
	c := loadConfig(t, filepath.Join("bad", "all.yml"))
	errs := Validate(c, map[string]bool{"a": true})
	want := []string{
		"route: root route must specify a default receiver",
		"route: root route must not have any matchers",
		"route: cannot have continue in root route",
		"route: root route must not have any mute time intervals",
		`route: duplicated label "alertname" in group_by`,
		"route: cannot have wildcard group_by (`...`) and other labels at the same time",
		"route.routes[0]: group_interval cannot be zero",
		`route.routes[0]: undefined receiver "unknown"`,
		"route.routes[1]: repeat_interval cannot be zero",
		`route.routes[1]: duplicated label "x" in group_by`,
		"route.routes[1].routes[0]: match: empty label name",
		`route.routes[1].routes[0]: match_re: invalid regular expression "(crit" for label "sev"`,
		"route.routes[1].routes[1]: empty route",
	}
	text := joinErrors(errs)
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("missing %q in:\n%s", w, text)
		}
	}
	if len(errs) != len(want) {
		t.Errorf("got %d errors, want %d:\n%s", len(errs), len(want), text)
	}
	// New reports the same problems, receivers aside, as one error.
	_, err := New(c)
	if err == nil || strings.Contains(err.Error(), "undefined receiver") || !strings.Contains(err.Error(), "empty route") {
		t.Errorf("New: %v", err)
	}
}

func TestValidate(t *testing.T) {
	known := map[string]bool{"r": true, "a": true}
	tests := []struct {
		name string
		doc  string
		want []string // empty: valid
	}{
		{"minimal", "receiver: r\n", nil},
		{"children inherit the receiver", "receiver: r\nroutes: [{matchers: ['a=1']}]\n", nil},
		{"unknown root receiver", "receiver: x\n", []string{`route: undefined receiver "x"`}},
		{"unknown deep receiver", "receiver: r\nroutes:\n  - routes:\n      - receiver: a\n      - receiver: nope\n",
			[]string{`route.routes[0].routes[1]: undefined receiver "nope"`}},
		{"group_by all alone", "receiver: r\ngroup_by: ['...']\n", nil},
		{"group_by utf-8 name", "receiver: r\ngroup_by: [service.name, \"host name\"]\n", nil},
		{"group_by empty name", "receiver: r\ngroup_by: ['']\n", []string{`route: invalid label name "" in group_by list`}},
		{"group_by mixed in child", "receiver: r\nroutes: [{group_by: [a, '...']}]\n",
			[]string{"route.routes[0]: cannot have wildcard group_by"}},
		{"zero group_wait is fine", "receiver: r\ngroup_wait: 0s\n", nil},
		{"root match", "receiver: r\nmatch: {a: b}\n", []string{"route: root route must not have any matchers"}},
		{"root match_re", "receiver: r\nmatch_re: {a: b}\n", []string{"route: root route must not have any matchers"}},
		{"root active intervals", "receiver: r\nactive_time_intervals: [x]\n",
			[]string{"route: root route must not have any active time intervals"}},
		{"child intervals are fine", "receiver: r\nroutes: [{mute_time_intervals: [x], active_time_intervals: [y]}]\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			errs := Validate(decode(t, tt.doc), known)
			text := joinErrors(errs)
			if len(errs) != len(tt.want) {
				t.Fatalf("errors:\n%s\nwant %d: %q", text, len(tt.want), tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(text, w) {
					t.Errorf("missing %q in:\n%s", w, text)
				}
			}
		})
	}
	if errs := Validate(nil, known); len(errs) != 1 || !strings.Contains(errs[0].Error(), "no route") {
		t.Errorf("nil config: %v", errs)
	}
	if _, err := New(nil); err == nil {
		t.Error("New(nil) succeeded")
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		doc  string
		want string
	}{
		{"receiver: r\nroutes:\n  - matchers: ['a=~\"(\"']\n", `line 3:16: matchers "a=~\"(\""`},
		{"receiver: r\nroutes:\n  - matcher: ['a=1']\n", "field matcher not found"},
		{"receiver: r\ngroup_wait: 5 minutes\n", `unknown unit " minutes"`},
	}
	for _, tt := range tests {
		dec := yaml.NewDecoder(strings.NewReader(tt.doc))
		dec.KnownFields(true)
		var c Config
		err := dec.Decode(&c)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.doc, err, tt.want)
		}
	}
}

// TestStrictYAML checks that the project's strict loader decodes a route
// tree and reports matcher and unknown-key errors at their positions.
func TestStrictYAML(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "teams.yml"))
	if err != nil {
		t.Fatal(err)
	}
	var n yaml.Node
	if err := yaml.Unmarshal(b, &n); err != nil {
		t.Fatal(err)
	}
	var c Config
	if errs := strictyaml.Decode(&n, &c); errs != nil {
		t.Fatal(errs)
	}
	if got := receivers(mustNew(t, &c).Match(ls("service=files"))); len(got) != 1 || got[0] != "team-Y-mails" {
		t.Errorf("match = %v", got)
	}

	bad := "receiver: r\nroutes:\n  - recevier: x\n    matchers:\n      - ok=1\n      - 'a=~\"(\"'\n"
	if err := yaml.Unmarshal([]byte(bad), &n); err != nil {
		t.Fatal(err)
	}
	var c2 Config
	errs := strictyaml.Decode(&n, &c2)
	text := errs.Error()
	for _, w := range []string{`3:5: routes[0]: unknown field "recevier"`, `line 6:9: matchers "a=~\"(\""`} {
		if !strings.Contains(text, w) {
			t.Errorf("missing %q in:\n%s", w, text)
		}
	}
}

func joinErrors(errs []error) string {
	if len(errs) == 0 {
		return ""
	}
	return errors.Join(errs...).Error()
}
