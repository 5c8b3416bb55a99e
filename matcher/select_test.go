package matcher

import (
	"errors"
	"strings"
	"testing"
)

func TestCheckSelective(t *testing.T) {
	for _, tc := range []struct {
		ms            string
		literal, amOK bool
	}{
		{`{alertname="Disk"}`, true, true},
		{`{foo!="bar"}`, false, true},
		{`{foo!~"a|b"}`, false, true},
		{`{x=~".*"}`, false, false},
		{`{x=""}`, false, false},
		{`{x=~"a|"}`, false, false},
		{`{foo!="bar", alertname="Disk"}`, true, true},
		{`{foo!="", x=~".+"}`, true, true},
		{`{foo!=""}`, true, true}, // does not match a missing label
	} {
		ms, err := Parse(tc.ms)
		if err != nil {
			t.Fatal(err)
		}
		if err := ms.CheckSelective(Literal); (err == nil) != tc.literal || (err != nil && !errors.Is(err, ErrNotSelective)) {
			t.Errorf("%s Literal: %v, want ok=%v", tc.ms, err, tc.literal)
		}
		if err := ms.CheckSelective(AlertmanagerSilence); (err == nil) != tc.amOK {
			t.Errorf("%s AlertmanagerSilence: %v, want ok=%v", tc.ms, err, tc.amOK)
		}
	}
	if err := (Matchers{}).CheckSelective(Literal); err == nil || !strings.Contains(err.Error(), "required") {
		t.Errorf("no matchers: %v", err)
	}
}

func TestCheckLabelName(t *testing.T) {
	for _, tc := range []struct {
		name, wantErr string
	}{
		{"job", ""},
		{"host.name", ""},
		{"my label", ""}, // a Prometheus 3 UTF-8 name
		{"名前", ""},
		{"", "empty"},
		{"a\x00b", "control character"},
		{"a\nb", "control character"},
		{"a\tb", "control character"},
		{"a\u0085b", "control character"},
		{"\x7f", "control character"},
		{" job", "white space"},
		{"job ", "white space"},
		{"job\u00a0", "white space"},
		{"a\xffb", "UTF-8"},
	} {
		err := CheckLabelName(tc.name)
		if tc.wantErr == "" && err != nil || tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
			t.Errorf("CheckLabelName(%q) = %v, want %q", tc.name, err, tc.wantErr)
		}
	}
	ms := Matchers{mustNew(t, Equal, "ok", "v"), mustNew(t, Equal, "bad\x00", "v")}
	if err := ms.CheckLabelNames(); err == nil || !strings.Contains(err.Error(), "matcher 1") {
		t.Errorf("CheckLabelNames = %v", err)
	}
}
