package rules

import (
	"path/filepath"
	"testing"
	"time"
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

func TestFlapDetectionLevels(t *testing.T) {
	set := loadGood(t, "flap-detection.yml")
	g := set.Groups[0]
	f := g.FlapDetection
	if f == nil || *f.Cycles != 4 || *f.Window != time.Hour || *f.StableFor != 30*time.Minute {
		t.Fatalf("group flap_detection = %+v", f)
	}
	if g.Rules[0].FlapDetection != nil {
		t.Errorf("Inherits has its own block: %+v", g.Rules[0].FlapDetection)
	}
	own := g.Rules[1].FlapDetection
	if own == nil || *own.Cycles != 2 || own.Window != nil || own.StableFor != nil {
		t.Fatalf("OwnCycles = %+v", own)
	}
	merged := f.Over(own)
	if *merged.Cycles != 2 || *merged.Window != time.Hour || *merged.StableFor != 30*time.Minute {
		t.Errorf("group over rule = %+v", merged)
	}
	if off := g.Rules[2].FlapDetection; off == nil || *off.Cycles != 0 {
		t.Errorf("Off = %+v", off)
	}
	if d := set.Groups[1].FlapDetection; d == nil || d.Cycles != nil || d.Window != nil || d.StableFor != nil {
		t.Errorf("an empty block = %+v, want a block with nothing set", d)
	}
	var none *FlapDetection
	if none.Over(nil) != nil {
		t.Error("nil over nil is not nil")
	}
}
