package route

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"
)

// loadConfig decodes a fixture strictly, as alerter's config loader does.
func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, string(b))
}

func decode(t *testing.T, doc string) *Config {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader([]byte(doc)))
	dec.KnownFields(true)
	var c Config
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return &c
}

func mustNew(t *testing.T, c *Config) *Route {
	t.Helper()
	// Every interval the tree names is defined, as the configuration's
	// validation ensures; empty, it contains no instant.
	iv := Intervals{}
	walkConfig(c, rootPath, func(c *Config, _ string) {
		for _, n := range slices.Concat(c.MuteTimeIntervals, c.ActiveTimeIntervals) {
			iv[n] = nil
		}
	})
	r, err := NewWithIntervals(c, iv)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return r
}

// ls builds a label set from "k=v" pairs.
func ls(pairs ...string) model.LabelSet {
	out := model.LabelSet{}
	for _, p := range pairs {
		k, v, _ := strings.Cut(p, "=")
		out[model.LabelName(k)] = model.LabelValue(v)
	}
	return out
}

func receivers(rs []*Route) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Receiver
	}
	return out
}

func groupBy(r *Route) []string {
	if r.GroupByAll {
		return []string{"..."}
	}
	var out []string
	for l := range r.GroupBy {
		out = append(out, string(l))
	}
	slices.Sort(out)
	return out
}
