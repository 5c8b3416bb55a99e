package rules

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzParse checks that no rule file makes Parse panic and that every
// error about the content points at a line.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"good", "bad"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.yml"))
		for _, file := range files {
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	f.Add([]byte("groups:\n- name: g\n  schedule: 'TZ=UTC'\n"))
	f.Add([]byte("groups:\n- name: g\n  rules:\n  - alert: A\n    query: up\n    condition: value > 1\n    severities: [{severity: x, condition: 'true'}]\n"))
	f.Fuzz(func(t *testing.T, content []byte) {
		groups, warnings, err := Parse("f.yml", content)
		if err != nil && groups != nil {
			t.Fatal("groups returned with an error")
		}
		var list ErrorList
		if err != nil {
			var ok bool
			if list, ok = err.(ErrorList); !ok || len(list) == 0 {
				t.Fatalf("error is %T %v, not a non-empty ErrorList", err, err)
			}
		}
		for _, e := range append(list, warnings...) {
			if e.Line <= 0 || e.File != "f.yml" || e.Msg == "" {
				t.Fatalf("error without a position: %#v", e)
			}
			if strings.Contains(e.Error(), "\n") && !strings.Contains(e.Msg, "\n") {
				t.Fatalf("stray newline: %q", e.Error())
			}
		}
		for _, g := range groups {
			for _, r := range g.Rules {
				if r.ID == "" || !strings.HasPrefix(r.ID, g.Key()+"/") {
					t.Fatalf("bad ID %q", r.ID)
				}
				for _, tm := range r.AnnotationTemplates {
					_, _ = tm.Expand(&TemplateData{Query: fakeQuery})
				}
			}
		}
	})
}
