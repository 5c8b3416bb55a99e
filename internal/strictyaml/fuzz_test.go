package strictyaml

import (
	"bytes"
	"reflect"
	"testing"

	"go.yaml.in/yaml/v3"
)

// plainConfig has no custom unmarshalers, so yaml.v3 with KnownFields can
// serve as an oracle for it.
type plainConfig struct {
	Name   string            `yaml:"name"`
	Count  int               `yaml:"count"`
	Ratio  float64           `yaml:"ratio"`
	On     bool              `yaml:"on"`
	Labels map[string]string `yaml:"labels"`
	Items  []plainItem       `yaml:"items"`
	Next   *plainConfig      `yaml:"next"`
}

type plainItem struct {
	Key   string   `yaml:"key"`
	Value []string `yaml:"value"`
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"",
		"name: a\ncount: 3\nratio: 0.5\non: true\n",
		"labels: {a: b}\nitems: [{key: k, value: [x, y]}]\n",
		"next: {name: n, next: {count: 1}}\n",
		"base: &b {key: k}\nitems: [*b, {<<: *b, value: [v]}]\n",
		"name: a\nname: b\n",
		"datasources:\n  - name: p\n    tls_config: {ca_file: x}\n    basic_auth: {username: u}\n",
		"a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(src), &n); err != nil {
			return
		}
		var ds root
		checkPositions(t, Decode(&n, &ds))
		var anything map[string]any
		checkPositions(t, Decode(&n, &anything))

		var ours plainConfig
		errs := Decode(&n, &ours)
		checkPositions(t, errs)
		if errs != nil {
			return
		}
		// What strictyaml accepts, yaml.v3 in strict mode accepts too, with
		// the same result.
		var theirs plainConfig
		dec := yaml.NewDecoder(bytes.NewReader([]byte(src)))
		dec.KnownFields(true)
		if err := dec.Decode(&theirs); err != nil {
			if err.Error() == "EOF" {
				return
			}
			t.Fatalf("strictyaml accepted what yaml.v3 rejects: %v", err)
		}
		if !reflect.DeepEqual(ours, theirs) {
			t.Fatalf("results differ:\nstrictyaml %+v\n   yaml.v3 %+v", ours, theirs)
		}
	})
}

func checkPositions(t *testing.T, errs Errors) {
	t.Helper()
	for _, e := range errs {
		if e.Line <= 0 || e.Column <= 0 {
			t.Fatalf("error without a position: %v", e)
		}
	}
}
