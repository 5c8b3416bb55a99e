package matcher

import (
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

type yamlDoc struct {
	Matchers Matchers `yaml:"matchers"`
}

func TestUnmarshalYAML(t *testing.T) {
	in := `
matchers:
  - severity="critical"
  - 'service=~"foo1|foo2", team!=ops'
  - alertname = Watchdog
`
	var d yamlDoc
	if err := yaml.Unmarshal([]byte(in), &d); err != nil {
		t.Fatal(err)
	}
	// Collected from every entry and sorted, as Alertmanager does.
	want := `{alertname="Watchdog",service=~"foo1|foo2",severity="critical",team!="ops"}`
	if got := d.Matchers.String(); got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	out, err := yaml.Marshal(d)
	if err != nil {
		t.Fatal(err)
	}
	var back yamlDoc
	if err := yaml.Unmarshal(out, &back); err != nil {
		t.Fatalf("re-read %s: %v", out, err)
	}
	if back.Matchers.String() != want {
		t.Errorf("round trip through %s gave %s", out, back.Matchers)
	}
}

func TestUnmarshalYAMLEmptyAndAlias(t *testing.T) {
	var d yamlDoc
	if err := yaml.Unmarshal([]byte("matchers: []\n"), &d); err != nil || len(d.Matchers) != 0 {
		t.Errorf("empty list: %v, %v", d.Matchers, err)
	}
	var n yamlDoc
	if err := yaml.Unmarshal([]byte("matchers:\n"), &n); err != nil || n.Matchers != nil {
		t.Errorf("null: %v, %v", n.Matchers, err)
	}
	var a struct {
		A []string `yaml:"a"`
		B Matchers `yaml:"b"`
	}
	if err := yaml.Unmarshal([]byte("a: &x ['x=\"1\"']\nb: *x\n"), &a); err != nil || a.B.String() != `{x="1"}` {
		t.Errorf("alias: %v, %v", a.B, err)
	}
}

func TestUnmarshalYAMLErrors(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"matchers: severity=critical\n", []string{"line 1:11: matchers must be a list of strings"}},
		{"matchers: {a: b}\n", []string{"line 1:11: matchers must be a list of strings"}},
		{"matchers:\n  - [a]\n", []string{"line 2:5: a matcher must be a string"}},
		{"matchers:\n  - ~\n", []string{"line 2:5: a matcher must be a string"}},
		{
			"matchers:\n  - ok=1\n  - 'foo=~\"(\"'\n  - \"x=1,,y=2\"\n",
			[]string{
				`line 3:5: matchers "foo=~\"(\"": offset 0: invalid matcher`,
				`line 4:5: matchers "x=1,,y=2": offset 4: expected a label name, found ","`,
			},
		},
	}
	for _, tt := range tests {
		var d yamlDoc
		err := yaml.Unmarshal([]byte(tt.in), &d)
		if err == nil {
			t.Errorf("%q: no error", tt.in)
			continue
		}
		for _, w := range tt.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%q: error %q does not contain %q", tt.in, err, w)
			}
		}
	}
}
