package rules

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Set is every group of a set of rule files, as loaded together.
type Set struct {
	// Files are the files read, deduplicated, in the order of the patterns
	// and, within a pattern, sorted.
	Files []string
	// Groups are the groups of all files, in file order.
	Groups []*Group
	// Warnings are problems that do not stop loading, sorted.
	Warnings []*Error
}

// LoadFiles reads and validates every file matched by patterns, which are
// filepath.Glob patterns. A pattern without glob characters must name an
// existing file; a pattern with some may match nothing. A file matched
// twice is read once.
//
// It returns every problem of every file at once: err is an ErrorList.
// The Set is never nil, so that its Files and Warnings can be shown
// alongside the errors, but its Groups are nil when err is not.
func LoadFiles(patterns []string) (*Set, error) {
	set := &Set{}
	var errs []*Error
	seen := map[string]bool{}
	for _, pat := range patterns {
		files, err := expand(pat)
		if err != nil {
			errs = append(errs, &Error{File: pat, Msg: err.Error()})
			continue
		}
		for _, f := range files {
			if !seen[f] {
				seen[f] = true
				set.Files = append(set.Files, f)
			}
		}
	}
	var groups []*Group
	for _, f := range set.Files {
		content, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, &Error{File: f, Msg: pathErrorMsg(err)})
			continue
		}
		g, warns, err := Parse(f, content)
		set.Warnings = append(set.Warnings, warns...)
		var list ErrorList
		switch {
		case errors.As(err, &list):
			errs = append(errs, list...)
		case err != nil:
			errs = append(errs, &Error{File: f, Msg: err.Error()})
		}
		groups = append(groups, g...)
	}
	set.Warnings = sortErrors(set.Warnings)
	if len(errs) > 0 {
		return set, ErrorList(sortErrors(errs))
	}
	set.Groups = groups
	return set, nil
}

// expand returns the cleaned files matched by one pattern.
func expand(pat string) ([]string, error) {
	if !hasMeta(pat) {
		if _, err := os.Stat(pat); err != nil {
			return nil, errors.New(pathErrorMsg(err))
		}
		return []string{filepath.Clean(pat)}, nil
	}
	matches, err := filepath.Glob(pat)
	if err != nil {
		return nil, err
	}
	for i, m := range matches {
		matches[i] = filepath.Clean(m)
	}
	return matches, nil
}

// hasMeta reports whether pat has characters special to filepath.Match.
func hasMeta(pat string) bool { return strings.ContainsAny(pat, `*?[\`) }

// pathErrorMsg drops the operation and path from an *fs.PathError, since
// Error.File already names the file.
func pathErrorMsg(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}
