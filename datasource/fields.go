package datasource

import (
	"bytes"
	"unicode"
	"unicode/utf8"
)

// Field names of the objects the decoder reads, in declaration order as
// encoding/json matches them.
var (
	topFields    = [...]string{"status", "data", "errorType", "error", "warnings"}
	dataFields   = [...]string{"resultType", "result"}
	sampleFields = [...]string{"metric", "value", "histogram"}
)

// field returns the index of the field key names, matching as
// encoding/json does: exactly, else case-insensitively (Unicode simple
// folding); -1 for none.
func (d *decoder) field(key []byte, names []string) int {
	for i, n := range names {
		if string(key) == n {
			return i
		}
	}
	d.fold = appendFolded(d.fold[:0], key)
	for i, n := range names {
		if foldEqual(d.fold, n) {
			return i
		}
	}
	return -1
}

// appendFolded is encoding/json's foldName: ASCII upper case, and every
// other rune mapped to the smallest rune of its fold set.
func appendFolded(out, in []byte) []byte {
	for i := 0; i < len(in); {
		if c := in[i]; c < utf8.RuneSelf {
			if 'a' <= c && c <= 'z' {
				c -= 'a' - 'A'
			}
			out = append(out, c)
			i++
			continue
		}
		r, n := utf8.DecodeRune(in[i:])
		out = utf8.AppendRune(out, foldRune(r))
		i += n
	}
	return out
}

func foldRune(r rune) rune {
	for {
		r2 := unicode.SimpleFold(r)
		if r2 <= r {
			return r2
		}
		r = r2
	}
}

// foldEqual compares a folded key with an ASCII field name.
func foldEqual(folded []byte, name string) bool {
	var buf [16]byte
	return bytes.Equal(folded, appendFolded(buf[:0], []byte(name)))
}
