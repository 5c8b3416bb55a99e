package rules

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// wantErr is one expected error: its position, field and a substring of
// its message.
type wantErr struct {
	pos   string // "line:col", or "line" when the column is unknown
	field string
	msg   string
}

// badFixtures lists every file of testdata/bad with all the errors it
// must produce, in order.
var badFixtures = map[string][]wantErr{
	"prometheus-unknown-field.yml": {
		{"4:9", "expr", "field 'expr' must be set in rule"},
		{"5:9", "", `unknown field "exprr"`},
	},
	"prometheus-unknown-group-field.yml": {{"3:5", "", `unknown field "intervall"`}},
	"prometheus-unknown-top-field.yml":   {{"1:1", "", `unknown field "group"`}},
	"prometheus-no-group-name.yml":       {{"2:5", "name", "group name must not be empty"}},
	"prometheus-repeated-group.yml":      {{"4:11", "name", `group name "g" is repeated in the same file (first at line 2)`}},
	"prometheus-alert-and-record.yml":    {{"5:17", "record", "only one of 'record' and 'alert' must be set"}},
	"prometheus-no-name.yml":             {{"4:9", "", "one of 'record' or 'alert' must be set"}},
	"prometheus-no-expr.yml": {
		{"4:9", "expr", "field 'expr' must be set in rule"},
		{"7:15", "expr", "field 'expr' must be set in rule"},
	},
	"expr-and-query.yml": {{"6:16", "query", "only one of 'expr' and 'query' must be set"}},
	"prometheus-promql-plain.yml": {
		{"5:58", "expr", `could not parse expression: unexpected <op:>> in grouping opts`},
		{"5:61", "expr", "could not parse expression: unclosed left parenthesis"},
	},
	"prometheus-promql-block.yml": {{"7:38", "expr", `could not parse expression: bad number or duration syntax: "5"`}},
	"prometheus-promql-quoted.yml": {
		{"5:22", "expr", "could not parse expression: unexpected <op:==>"},
		{"9:13", "expr", `could not parse expression: unknown function with name "bogus_func"`},
	},
	"prometheus-record-name.yml": {{"4:17", "record", "braces present in the recording rule name; should it be in expr?"}},
	"prometheus-recording-fields.yml": {
		{"6:14", "for", "invalid field 'for' in recording rule"},
		{"7:26", "keep_firing_for", "invalid field 'keep_firing_for' in recording rule"},
		{"9:11", "annotations", "invalid field 'annotations' in recording rule"},
	},
	"recording-extensions.yml": {
		{"6:20", "condition", "invalid field 'condition' in recording rule"},
		{"7:18", "resolve", "invalid field 'resolve' in recording rule"},
		{"9:13", "severities", "invalid field 'severities' in recording rule"},
	},
	"prometheus-label-names.yml": {
		{"4:17", "labels.__name__", `invalid label name: "__name__"`},
		{"9:21", "labels.__name__", `invalid label name: "__name__"`},
		{"10:15", "labels", `invalid label name: ""`},
		{"12:15", "annotations", `invalid annotation name: ""`},
	},
	"prometheus-templates.yml": {
		{"7:18", "labels.team", "invalid template: unclosed action"},
		{"9:24", "annotations.summary", `invalid template: function "humanise" not defined`},
		{"13:13", "annotations.description", "invalid template: unexpected {{end}}"},
	},
	"prometheus-durations.yml": {
		{"3:15", "interval", `unknown unit "x" in duration "1x"`},
		{"7:14", "for", `unknown unit " minutes" in duration "5 minutes"`},
		{"8:26", "keep_firing_for", `not a valid duration string: "-1m"`},
	},
	"schedule-and-interval.yml": {{"4:15", "schedule", "schedule and interval are mutually exclusive"}},
	"bad-cron.yml": {
		{"3:15", "schedule", "invalid cron schedule: end of range (61) above maximum (59)"},
		{"5:15", "schedule", "invalid cron schedule: provided bad location Nowhere/City"},
		{"7:15", "schedule", "a time zone must be followed by a schedule"},
		{"9:15", "schedule", "unrecognized descriptor: @fortnightly"},
	},
	"bad-conditions.yml": {
		{"6:26", "condition", "invalid operation: > (mismatched types float64 and string)"},
		{"7:24", "resolve", "unexpected token EOF"},
		{"10:20", "condition", "expected bool, but got float64"},
		{"15:24", "condition", "invalid operation: == (mismatched types string and int)"},
	},
	"bad-severities.yml": {
		{"7:21", "labels.severity", "a static 'severity' label conflicts with 'severities'"},
		{"11:13", "severities[1].severity", "severity must be set and not empty"},
		{"12:23", "severities[2].severity", `severity "critical" is repeated in the rule (first at line 9)`},
		{"14:13", "severities[3].condition", "condition must be set and not empty"},
		{"16:30", "severities[4].condition", "unexpected token EOF"},
		{"19:13", "severities[5]", `unknown field "when"`},
	},
	"bad-flap-detection.yml": {
		{"3:30", "flap_detection.cycles", "must be between 0 (off) and 100, got -1"},
		{"3:42", "flap_detection.window", "must be greater than 0"},
		{"3:58", "flap_detection.stable_for", `not a valid duration string: "soon"`},
		{"7:34", "flap_detection.cycles", "must be between 0 (off) and 100, got 101"},
		{"7:39", "flap_detection", `unknown field "windows"`},
		{"10:25", "flap_detection", "expected a mapping, got a sequence"},
		{"13:25", "flap_detection", "invalid field 'flap_detection' in recording rule"},
		{"16:34", "flap_detection.cycles", "cannot unmarshal !!str `many` into int"},
	},
	"prometheus-limit.yml":       {{"3:12", "limit", "cannot unmarshal !!str `many` into int"}},
	"bad-query-offset.yml":       {{"3:19", "query_offset", `not a valid duration string: "soon"`}},
	"prometheus-yaml-syntax.yml": {{"3", "", "yaml: did not find expected '-' indicator"}},
	"prometheus-duplicate-keys.yml": {
		{"6:9", "", `duplicate key "expr" (first defined at line 5)`},
		{"9:11", "labels", `duplicate key "team" (first defined at line 8)`},
	},
	"prometheus-shapes.yml": {
		{"3:12", "rules", "expected a sequence, got a mapping"},
		{"8:17", "labels", "expected a mapping, got a sequence"},
		{"10:20", "annotations.summary", "expected a string, got a mapping"},
		{"11:5", "", `expected a mapping, got the scalar "just a string"`},
	},
	"many-errors.yml": {
		{"4:15", "interval", `unknown unit "z" in duration "5z"`},
		{"7:20", "expr", "could not parse expression: unexpected end of input"},
		{"8:27", "condition", `unexpected token Operator(">")`},
		{"12:21", "annotations.summary", "invalid template: unclosed action"},
		{"13:11", "name", `group name "first" is repeated`},
		{"14:15", "schedule", "invalid cron schedule: expected 5 to 6 fields"},
		{"16:17", "record", "braces present in the recording rule name"},
		{"18:9", "", `unknown field "bogus"`},
	},
}

func TestBadFixtures(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "bad", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(badFixtures) {
		t.Errorf("%d files in testdata/bad but %d in the table", len(files), len(badFixtures))
	}
	for _, f := range files {
		name := filepath.Base(f)
		t.Run(name, func(t *testing.T) {
			want, ok := badFixtures[name]
			if !ok {
				t.Fatalf("no expectations for %s", name)
			}
			set, err := LoadFiles([]string{f})
			if err == nil {
				t.Fatal("loaded without error")
			}
			if set == nil || set.Groups != nil {
				t.Errorf("set = %+v, want non-nil with no groups", set)
			}
			var list ErrorList
			if !errors.As(err, &list) {
				t.Fatalf("error is %T, not ErrorList", err)
			}
			checkErrors(t, f, list, want)
		})
	}
}

// checkErrors compares an ErrorList with the expected errors, in order.
func checkErrors(t *testing.T, file string, got ErrorList, want []wantErr) {
	t.Helper()
	for i := range max(len(got), len(want)) {
		switch {
		case i >= len(got):
			t.Errorf("missing error %d: %+v", i, want[i])
			continue
		case i >= len(want):
			t.Errorf("unexpected error: %v", got[i])
			continue
		}
		g, w := got[i], want[i]
		pos := fmt.Sprintf("%d:%d", g.Line, g.Column)
		if g.Column == 0 {
			pos = fmt.Sprint(g.Line)
		}
		if g.File != file || pos != w.pos || g.Field != w.field || !strings.Contains(g.Msg, w.msg) {
			t.Errorf("error %d:\n got: %v\nwant: %s:%s: %s: ...%s...", i, g, file, w.pos, w.field, w.msg)
		}
	}
	if t.Failed() {
		t.Logf("all errors:\n%v", got)
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "r.yml", Line: 12, Column: 15, Field: "condition", Msg: "bad"}, "r.yml:12:15: condition: bad"},
		{Error{File: "r.yml", Line: 3, Msg: "yaml: oops"}, "r.yml:3: yaml: oops"},
		{Error{File: "r.yml", Msg: "no such file or directory"}, "r.yml: no such file or directory"},
		{Error{Msg: "alone"}, "alone"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	l := ErrorList{{File: "a", Line: 1, Column: 1, Msg: "x"}, {File: "b", Msg: "y"}}
	if got, want := l.Error(), "a:1:1: x\nb: y"; got != want {
		t.Errorf("list: got %q, want %q", got, want)
	}
	if ErrorList(nil).Err() != nil {
		t.Error("empty ErrorList.Err() is not nil")
	}
}
