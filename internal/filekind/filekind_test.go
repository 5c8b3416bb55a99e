package filekind

import (
	"testing"

	"go.yaml.in/yaml/v3"
)

func describe(t testing.TB, src string) Description {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(src), &doc); err != nil {
		t.Fatal(err)
	}
	return Describe(&doc)
}

func TestDescribe(t *testing.T) {
	for src, want := range map[string]Kind{
		"":                              Empty,
		"# c\n":                         Empty,
		"{}\n":                          Empty,
		"groups: []\n":                  RuleFile,
		"route: {receiver: a}\n":        Config,
		"global: {smtp_from: a}\n":      Config,
		"datasource: {url: http://x}\n": Config,
		"apiVersion: x/v1\nkind: PrometheusRule\n": PrometheusRule,
		"apiVersion: v1\nkind: ConfigMap\n":        Kubernetes,
		"rule_files: [a]\ntests: []\n":             RuleTest,
		"scrape_configs: []\n":                     PrometheusConfig,
		"- a\n":                                    Unknown,
		"foo: 1\n":                                 Unknown,
	} {
		if got := describe(t, src); got.Kind != want {
			t.Errorf("%q: %v, want %v", src, got.Kind, want)
		}
	}
}

func FuzzDescribe(f *testing.F) {
	for _, s := range []string{"groups: []\n", "kind: PrometheusRule\napiVersion: v1\n", "tests: []\nrule_files: []\n", "route: {}\n", "&a [*a]"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var doc yaml.Node
		if yaml.Unmarshal([]byte(src), &doc) != nil {
			return
		}
		d := Describe(&doc)
		if d.Kind != Unknown && d.Hint == "" {
			t.Fatalf("%q: kind %v without a hint", src, d.Kind)
		}
		if d.Kind != Unknown && d.Kind != Empty && (d.Line < 1 || d.Column < 1) {
			t.Fatalf("%q: kind %v without a position", src, d.Kind)
		}
	})
}
