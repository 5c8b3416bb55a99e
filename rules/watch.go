package rules

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"time"
)

// HashFiles hashes the names and contents of the files the patterns
// match, so that a file that appears, disappears or changes changes the
// hash. A file that cannot be read counts with no content.
func HashFiles(patterns []string) string {
	var files []string
	for _, p := range patterns {
		m, _ := filepath.Glob(p)
		files = append(files, m...)
	}
	sort.Strings(files)
	h := sha256.New()
	for _, f := range files {
		b, err := os.ReadFile(f)
		_, _ = fmt.Fprintf(h, "%s\x00%d\x00", f, len(b))
		if err == nil {
			_, _ = h.Write(b)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// Watcher notices when the rule files in effect change, by polling their
// hash: that keeps it free of platform file-event quirks (editors that
// replace files, Kubernetes ConfigMap symlink swaps). Its zero value
// watches nothing until Loaded is called. It is safe for concurrent use.
type Watcher struct {
	mu       sync.Mutex
	patterns []string
	hash     string
}

// Loaded records the rule file patterns now in effect and hashes their
// files as they are now: Run reports a difference from that. Call it
// after every load of the rules, whatever started it.
func (w *Watcher) Loaded(patterns []string) {
	h := HashFiles(patterns)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.patterns, w.hash = patterns, h
}

// Run hashes the files every interval (never when every <= 0) until ctx
// ends, and calls onChange when the hash differs from the last one
// recorded. onChange is expected to load the rules and call Loaded; when
// it fails, the changed files are taken as seen, so that the same broken
// content is not tried again every interval, only once it changes again.
func (w *Watcher) Run(ctx context.Context, every time.Duration, onChange func(context.Context) error) {
	if every <= 0 {
		return
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		w.mu.Lock()
		patterns, prev := w.patterns, w.hash
		w.mu.Unlock()
		h := HashFiles(patterns)
		if h == prev {
			continue
		}
		if err := onChange(ctx); err != nil {
			w.mu.Lock()
			w.hash = h
			w.mu.Unlock()
		}
	}
}
