package telegram

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTruncateHTML(t *testing.T) {
	tests := []struct {
		in    string
		limit int
		want  string
	}{
		{"short", 10, "short"},
		{"<b>bold</b> text", 6, "<b>bold</b> …"},
		{"<b>bold text</b>", 6, "<b>bold …</b>"},
		{"a &amp; b &lt; c", 5, "a &amp; …"},
		{`<a href="x">link</a>`, 3, `<a href="x">li…</a>`},
		{"<pre><code>xyz</code></pre>", 2, "<pre><code>x…</code></pre>"},
		{"ééééé", 3, "éé…"},
	}
	for _, tt := range tests {
		got, cut := truncateHTML(tt.in, tt.limit)
		if got != tt.want || cut != (got != tt.in) {
			t.Errorf("truncateHTML(%q, %d) = %q, %v; want %q", tt.in, tt.limit, got, cut, tt.want)
		}
	}
}

// FuzzTruncateHTML checks that whatever html/template-escaped text with
// tags is cut to, it fits the limit, is valid UTF-8, and keeps tags
// balanced.
func FuzzTruncateHTML(f *testing.F) {
	f.Add("<b>bold &amp; text</b> tail", 5)
	f.Add("<i><b>x</b></i>", 2)
	f.Add("plain ééé", 4)
	f.Fuzz(func(t *testing.T, s string, limit int) {
		if limit < 1 || limit > 1000 || !utf8.ValidString(s) {
			t.Skip()
		}
		got, _ := truncateHTML(s, limit)
		if !utf8.ValidString(got) {
			t.Fatalf("invalid UTF-8: %q", got)
		}
		if visibleLen(s) <= limit {
			if got != s {
				t.Fatalf("cut text within the limit: %q -> %q", s, got)
			}
			return
		}
		if wellFormed(s) {
			if n := visibleLen(got); n > limit {
				t.Fatalf("%d visible characters, limit %d: %q", n, limit, got)
			}
			if !wellFormed(got) {
				t.Fatalf("unbalanced result %q from %q", got, s)
			}
		}
	})
}

// wellFormed reports whether s's tags are balanced and properly nested,
// every < opens a tag closed by >, and every & starts a short entity.
func wellFormed(s string) bool {
	var open []string
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				return false
			}
			tag := s[i+1 : i+end]
			if tag == "" || tag == "/" || strings.ContainsAny(tag, "<&") || strings.HasSuffix(tag, "/") {
				return false
			}
			name, _, _ := strings.Cut(strings.TrimPrefix(tag, "/"), " ")
			if name == "" {
				return false
			}
			if strings.HasPrefix(tag, "/") {
				if len(open) == 0 || open[len(open)-1] != name {
					return false
				}
				open = open[:len(open)-1]
			} else {
				open = append(open, name)
			}
			i += end
		case '>':
			return false
		case '&':
			end := strings.IndexByte(s[i:], ';')
			if end <= 1 || end > 10 || strings.ContainsAny(s[i+1:i+end], "<>& ") {
				return false
			}
			i += end
		}
	}
	return len(open) == 0
}
