package datasource

import (
	"encoding/json"
	"io"
	"unicode/utf8"
)

// maxDepth is encoding/json's nesting limit; a deeper document is a syntax
// error there, so it is one here too.
const maxDepth = 10000

// snippetLen is how much of a body that is not JSON an error quotes.
const snippetLen = 200

// scanner reads JSON from a stream through a window that it refills, with
// exactly encoding/json's grammar (the decoder must accept and reject the
// same bodies as encoding/json). Its methods report failure by returning
// false and leave it to the caller to decide whether that is a syntax error
// (bad) or, for a speculative fast path, a reason to rewind to mark.
type scanner struct {
	r        io.Reader
	buf      []byte
	pos, end int // buf[pos:end] is read but not consumed
	// mark, when not -1, is a position whose bytes onwards fill keeps, so
	// that a value can be read again or handed on raw.
	mark  int
	depth int
	eof   bool
	rerr  error // a read error other than EOF
	bad   bool  // the body is not valid JSON
	head  []byte
	// tmp is scratch for strings and numbers that callers need whole.
	tmp []byte
}

func (s *scanner) reset(r io.Reader) {
	s.r, s.pos, s.end, s.mark, s.depth = r, 0, 0, -1, 0
	s.eof, s.rerr, s.bad = false, nil, false
	s.head = s.head[:0]
	if s.buf == nil {
		s.buf = make([]byte, 32<<10)
	}
}

// fill reads more bytes, keeping the unconsumed ones and those from mark.
// It returns false when nothing more can be read.
func (s *scanner) fill() bool {
	keep := s.pos
	if s.mark >= 0 && s.mark < keep {
		keep = s.mark
	}
	if keep > 0 {
		s.end = copy(s.buf, s.buf[keep:s.end])
		s.pos -= keep
		if s.mark >= 0 {
			s.mark -= keep
		}
	}
	if s.end == len(s.buf) {
		nb := make([]byte, 2*len(s.buf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	for !s.eof && s.rerr == nil {
		n, err := s.r.Read(s.buf[s.end:])
		if n > 0 && len(s.head) <= snippetLen {
			s.head = append(s.head, s.buf[s.end:s.end+min(n, snippetLen+1-len(s.head))]...)
		}
		s.end += n
		switch {
		case err == io.EOF:
			s.eof = true
		case err != nil:
			s.rerr = err
		}
		if n > 0 {
			return true
		}
	}
	return false
}

// drain reads the rest of the body, so that a read error anywhere is
// noticed (it takes precedence over what the bytes say) and the
// connection can be reused.
func (s *scanner) drain() {
	for s.fill() {
		s.pos = s.end
	}
}

// peek skips whitespace and returns the next byte without consuming it.
func (s *scanner) peek() (byte, bool) {
	if s.pos < s.end {
		if c := s.buf[s.pos]; c > ' ' {
			return c, true
		}
	}
	return s.peekSlow()
}

func (s *scanner) peekSlow() (byte, bool) {
	for {
		for s.pos < s.end {
			switch c := s.buf[s.pos]; c {
			case ' ', '\t', '\n', '\r':
				s.pos++
			default:
				return c, true
			}
		}
		if !s.fill() {
			return 0, false
		}
	}
}

// consume skips whitespace and consumes c if it is next.
func (s *scanner) consume(c byte) bool {
	if b, ok := s.peek(); !ok || b != c {
		return false
	}
	s.pos++
	return true
}

// enter counts one level of nesting.
func (s *scanner) enter() bool {
	s.depth++
	return s.depth <= maxDepth
}

// literal consumes true, false or null (the caller peeked its first byte).
func (s *scanner) literal(lit string) bool {
	for i := 0; i < len(lit); i++ {
		if s.pos == s.end && !s.fill() {
			return false
		}
		if s.buf[s.pos] != lit[i] {
			return false
		}
		s.pos++
	}
	return true
}

// beginObject consumes '{'. Members are then read with key.
func (s *scanner) beginObject() bool { return s.consume('{') && s.enter() }

// key reads the next member's key into tmp (decoded as encoding/json
// decodes it) and the colon after it. more is false at the object's end;
// ok is false on a syntax error.
func (s *scanner) key(first bool) (key []byte, more, ok bool) {
	s.tmp, more, ok = s.keyInto(s.tmp[:0], first)
	return s.tmp, more, ok
}

// keyInto is key appending the key to dst.
func (s *scanner) keyInto(dst []byte, first bool) (_ []byte, more, ok bool) {
	c, ok := s.peek()
	if !ok {
		return dst, false, false
	}
	if c == '}' && first {
		s.pos++
		s.depth--
		return dst, false, true
	}
	if !first {
		switch c {
		case '}':
			s.pos++
			s.depth--
			return dst, false, true
		case ',':
			s.pos++
			if c, ok = s.peek(); !ok {
				return dst, false, false
			}
		default:
			return dst, false, false
		}
	}
	if c != '"' {
		return dst, false, false
	}
	dst, ok = s.str(dst)
	if !ok || !s.consume(':') {
		return dst, false, false
	}
	return dst, true, true
}

// beginArray consumes '['. Elements are then announced with elem.
func (s *scanner) beginArray() bool { return s.consume('[') && s.enter() }

// elem reports whether another element follows, consuming the comma
// before it or the closing bracket; ok is false on a syntax error.
func (s *scanner) elem(first bool) (more, ok bool) {
	c, ok := s.peek()
	switch {
	case !ok:
		return false, false
	case c == ']':
		s.pos++
		s.depth--
		return false, true
	case first:
		return true, true
	case c != ',':
		return false, false
	}
	s.pos++
	return true, true // the caller checks that a value follows
}

// str reads a string (at its opening quote), appending its decoded value
// to dst. Strings without escapes and with valid UTF-8, which is nearly
// all of them, are copied as they are; others are decoded by
// encoding/json itself so that the result is byte for byte the same.
func (s *scanner) str(dst []byte) ([]byte, bool) {
	start := len(dst)
	dst, simple, ok := s.scanStr(dst, true)
	if !ok {
		return dst, false
	}
	if !simple {
		dst = append(dst[:start], unquote(dst[start:])...)
	}
	return dst, true
}

// skipStr skips a string (at its opening quote).
func (s *scanner) skipStr() bool {
	_, _, ok := s.scanStr(nil, false)
	return ok
}

// scanStr checks a string's syntax as encoding/json's scanner does and,
// when keep is set, appends its raw contents (between the quotes) to dst.
// simple means no escapes and valid UTF-8: the raw bytes are the value.
func (s *scanner) scanStr(dst []byte, keep bool) (_ []byte, simple, ok bool) {
	s.pos++ // opening quote
	escaped, ascii := false, true
	for {
		i := s.pos
		for i < s.end && plain[s.buf[i]] {
			i++
		}
		if keep {
			dst = append(dst, s.buf[s.pos:i]...)
		}
		s.pos = i
		if i == s.end {
			if !s.fill() {
				return dst, false, false
			}
			continue
		}
		switch c := s.buf[i]; {
		case c == '"':
			s.pos++
			simple = !escaped && (ascii || (keep && utf8.Valid(dst)))
			return dst, simple, true
		case c < 0x20:
			return dst, false, false
		case c >= utf8.RuneSelf:
			ascii = false
			if keep {
				dst = append(dst, c)
			}
			s.pos++
		default: // backslash
			escaped = true
			if !s.avail(2) {
				return dst, false, false
			}
			n := 2
			switch s.buf[s.pos+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				n = 6
				if !s.avail(6) {
					return dst, false, false
				}
				for _, h := range s.buf[s.pos+2 : s.pos+6] {
					if !isHex(h) {
						return dst, false, false
					}
				}
			default:
				return dst, false, false
			}
			if keep {
				dst = append(dst, s.buf[s.pos:s.pos+n]...)
			}
			s.pos += n
		}
	}
}

// avail makes at least n unconsumed bytes available, if the body has them.
func (s *scanner) avail(n int) bool {
	for s.end-s.pos < n {
		if !s.fill() {
			return false
		}
	}
	return true
}

// plain marks the bytes a string holds as they are: not the quote, the
// backslash, control characters or the start of a multi-byte rune.
var plain = func() (t [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// unquote decodes a string's raw contents with encoding/json (escapes,
// surrogates, invalid UTF-8 replaced), for the rare strings that need it.
func unquote(raw []byte) string {
	q := make([]byte, 0, len(raw)+2)
	q = append(append(append(q, '"'), raw...), '"')
	var out string
	_ = json.Unmarshal(q, &out) // raw was checked by scanStr
	return out
}

// number reads a number (at its first byte) with JSON's grammar,
// appending its text to dst. It takes every byte that can occur in a
// number and then checks the grammar: where encoding/json would end the
// number early, the byte after it would be a syntax error there anyway.
func (s *scanner) number(dst []byte) ([]byte, bool) {
	start := len(dst)
	for {
		i := s.pos
		for i < s.end && numChar[s.buf[i]] {
			i++
		}
		dst = append(dst, s.buf[s.pos:i]...)
		s.pos = i
		if i < s.end || !s.fill() {
			break
		}
	}
	return dst, validNumber(dst[start:])
}

// numChar marks the bytes a number can hold.
var numChar = func() (t [256]bool) {
	for _, c := range []byte("0123456789+-.eE") {
		t[c] = true
	}
	return t
}()

// validNumber checks JSON's number grammar:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(b []byte) bool {
	i := 0
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	default:
		return false
	}
	if i < len(b) && b[i] == '.' {
		i++
		if i == len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		if i == len(b) || b[i] < '0' || b[i] > '9' {
			return false
		}
		for i < len(b) && '0' <= b[i] && b[i] <= '9' {
			i++
		}
	}
	return i == len(b)
}

// skip consumes any value, checking its syntax.
func (s *scanner) skip() bool {
	c, ok := s.peek()
	if !ok {
		return false
	}
	switch {
	case c == '"':
		return s.skipStr()
	case c == '{':
		if !s.beginObject() {
			return false
		}
		for first := true; ; first = false {
			_, more, ok := s.keyRaw(first)
			if !ok {
				return false
			}
			if !more {
				return true
			}
			if !s.skip() {
				return false
			}
		}
	case c == '[':
		if !s.beginArray() {
			return false
		}
		for first := true; ; first = false {
			more, ok := s.elem(first)
			if !ok {
				return false
			}
			if !more {
				return true
			}
			if !s.skip() {
				return false
			}
		}
	case c == 't':
		return s.literal("true")
	case c == 'f':
		return s.literal("false")
	case c == 'n':
		return s.literal("null")
	case c == '-' || '0' <= c && c <= '9':
		var ok bool
		s.tmp, ok = s.number(s.tmp[:0])
		return ok
	}
	return false
}

// keyRaw is key for members whose key does not matter: it checks the
// key's syntax without decoding it.
func (s *scanner) keyRaw(first bool) (_ []byte, more, ok bool) {
	c, ok := s.peek()
	if !ok {
		return nil, false, false
	}
	if c == '}' {
		s.pos++
		s.depth--
		return nil, false, true
	}
	if !first {
		if c != ',' {
			return nil, false, false
		}
		s.pos++
		if c, ok = s.peek(); !ok {
			return nil, false, false
		}
	}
	if c != '"' || !s.skipStr() || !s.consume(':') {
		return nil, false, false
	}
	return nil, true, true
}

// capture skips the value at the current position and returns its raw
// bytes (valid until the next read), for handing to a type's own
// UnmarshalJSON. Depth is restored to what it was at the value's start.
func (s *scanner) capture() ([]byte, bool) {
	if _, ok := s.peek(); !ok {
		return nil, false
	}
	s.mark = s.pos
	ok := s.skip()
	raw := s.buf[s.mark:s.pos]
	s.mark = -1
	return raw, ok
}
