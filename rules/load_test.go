package rules

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// writeFiles creates files under a temporary directory and returns it.
func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const okFile = "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up == 0\n"

func TestLoadFiles(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"a.yml":        okFile,
		"b.yml":        strings.Replace(okFile, "name: g", "name: h", 1),
		"sub/c.yaml":   okFile,
		"rec.yml":      "groups:\n  - name: r\n    rules:\n      - record: x:y\n        expr: up\n",
		"empty.yml":    "",
		"ignored.json": "{",
	})
	set, err := LoadFiles([]string{
		filepath.Join(dir, "*.yml"),
		filepath.Join(dir, "a.yml"),              // again: read once
		filepath.Join(dir, "sub", "..", "b.yml"), // same file, other spelling
		filepath.Join(dir, "sub", "*.yaml"),
		filepath.Join(dir, "none-*.yml"), // a glob may match nothing
	})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range set.Files {
		rel, _ := filepath.Rel(dir, f)
		names = append(names, rel)
	}
	if want := []string{"a.yml", "b.yml", "empty.yml", "rec.yml", filepath.Join("sub", "c.yaml")}; !slices.Equal(names, want) {
		t.Errorf("files = %q, want %q", names, want)
	}
	if len(set.Groups) != 4 {
		t.Errorf("got %d groups", len(set.Groups))
	}
	// The same group name in two files is fine, and IDs differ by file.
	if set.Groups[0].Rules[0].ID == set.Groups[3].Rules[0].ID {
		t.Errorf("IDs collide across files: %s", set.Groups[0].Rules[0].ID)
	}
	// Recording rules are evaluated (no warning); an empty file is one.
	if len(set.Warnings) != 1 || set.Warnings[0].File != filepath.Join(dir, "empty.yml") {
		t.Errorf("warnings = %v", set.Warnings)
	}
}

func TestLoadFilesAllErrors(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"good.yml": okFile,
		"bad1.yml": "groups:\n  - name: g\n    rules:\n      - alert: A\n        expr: up ==\n",
		"bad2.yml": "groups:\n  - name: g\n    bogus: 1\n",
		"rec.yml":  "groups:\n  - name: r\n    rules:\n      - record: x:y\n        expr: up\n",
	})
	missing := filepath.Join(dir, "missing.yml")
	set, err := LoadFiles([]string{filepath.Join(dir, "*.yml"), missing, "[bad"})
	var list ErrorList
	if !errors.As(err, &list) {
		t.Fatalf("err = %v", err)
	}
	got := make([]string, len(list))
	for i, e := range list {
		got[i] = strings.TrimPrefix(e.Error(), dir+string(filepath.Separator))
	}
	want := []string{
		"bad1.yml:5:20: expr: could not parse expression: unexpected end of input",
		`bad2.yml:3:5: unknown field "bogus"`,
		"missing.yml: no such file or directory",
		"[bad: syntax error in pattern", // sorted by file name: after the absolute paths
	}
	if !slices.Equal(got, want) {
		t.Errorf("errors:\n got %q\nwant %q", got, want)
	}
	if set == nil || set.Groups != nil || len(set.Warnings) != 0 || len(set.Files) != 4 {
		t.Errorf("set = %+v", set)
	}
}

func TestLoadFilesDirectory(t *testing.T) {
	dir := writeFiles(t, map[string]string{"d/x.yml": okFile})
	_, err := LoadFiles([]string{filepath.Join(dir, "d")})
	if err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Errorf("err = %v", err)
	}
}
