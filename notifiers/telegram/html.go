package telegram

import (
	"strings"
	"unicode/utf8"

	"github.com/alerter/alerter/notifiers/internal/render"
)

// truncateHTML cuts a message in Telegram's HTML style to at most limit
// visible characters, an entity (&amp;) counting one, as Telegram counts
// them. It never cuts inside a tag or an entity, marks the cut with an
// ellipsis and closes the tags left open, so that Telegram can still
// parse the result. It reports whether it cut.
func truncateHTML(s string, limit int) (string, bool) {
	if visibleLen(s) <= limit {
		return s, false
	}
	var open []string
	n := 0
	i := 0
	for i < len(s) && n < limit-1 {
		switch s[i] {
		case '<':
			end := strings.IndexByte(s[i:], '>')
			if end < 0 {
				end = len(s) - i - 1
			}
			tag := s[i+1 : i+end]
			name, _, _ := strings.Cut(strings.TrimPrefix(tag, "/"), " ")
			if strings.HasPrefix(tag, "/") {
				if k := lastIndex(open, name); k >= 0 {
					open = open[:k]
				}
			} else if !strings.HasSuffix(tag, "/") {
				open = append(open, name)
			}
			i += end + 1
			continue
		case '&':
			if end := strings.IndexByte(s[i:], ';'); end > 0 && end <= 10 {
				i += end + 1
				n++
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	var b strings.Builder
	b.WriteString(s[:i])
	b.WriteString(render.Ellipsis)
	for k := len(open) - 1; k >= 0; k-- {
		b.WriteString("</" + open[k] + ">")
	}
	return b.String(), true
}

// visibleLen counts the characters of s outside tags, an entity counting
// one.
func visibleLen(s string) int {
	n := 0
	for i := 0; i < len(s); {
		switch s[i] {
		case '<':
			if end := strings.IndexByte(s[i:], '>'); end >= 0 {
				i += end + 1
				continue
			}
		case '&':
			if end := strings.IndexByte(s[i:], ';'); end > 0 && end <= 10 {
				i += end + 1
				n++
				continue
			}
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
		n++
	}
	return n
}

func lastIndex(ss []string, s string) int {
	for i := len(ss) - 1; i >= 0; i-- {
		if ss[i] == s {
			return i
		}
	}
	return -1
}
