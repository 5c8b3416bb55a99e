package rules

import (
	"path/filepath"
	"testing"
)

// loadGood loads one good fixture and fails on any error.
func loadGood(t *testing.T, name string) *Set {
	t.Helper()
	set, err := LoadFiles([]string{filepath.Join("testdata", "good", name)})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return set
}

func TestGoodFixturesLoad(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "good", "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no fixtures: %v", err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			set := loadGood(t, filepath.Base(f))
			for _, w := range set.Warnings {
				t.Logf("warning: %v", w)
			}
			for _, g := range set.Groups {
				for _, r := range g.Rules {
					if r.ID == "" || r.Query == "" || r.Line == 0 {
						t.Errorf("rule %+v: missing ID, query or position", r)
					}
					for k, tm := range r.LabelTemplates {
						if tm == nil {
							t.Errorf("%s: nil label template %s", r.ID, k)
						}
					}
				}
			}
		})
	}
}
