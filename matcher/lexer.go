package matcher

import (
	"fmt"
	"strconv"
	"unicode"
	"unicode/utf8"
)

// This file splits matcher text into the tokens of the UTF-8 grammar
// described in parse_utf8.go, with byte offsets for error messages.

type tokenKind uint8

const (
	tokEOF tokenKind = iota
	tokOpenBrace
	tokCloseBrace
	tokComma
	tokOp
	tokText
)

type token struct {
	kind  tokenKind
	op    Type   // for tokOp
	text  string // for tokText: the unquoted text
	raw   string // the token as written
	start int    // byte offset in the input
}

// describe names the token for an error message.
func (t token) describe() string {
	if t.kind == tokEOF {
		return "end of input"
	}
	return strconv.Quote(t.raw)
}

type lexer struct {
	in  string
	pos int
}

func (l *lexer) errorf(off int, format string, args ...any) error {
	return &ParseError{Input: l.in, Offset: off, Msg: fmt.Sprintf(format, args...)}
}

// next returns the next token, skipping whitespace.
func (l *lexer) next() (token, error) {
	for l.pos < len(l.in) {
		r, size := utf8.DecodeRuneInString(l.in[l.pos:])
		if !unicode.IsSpace(r) {
			break
		}
		l.pos += size
	}
	start := l.pos
	if start == len(l.in) {
		return token{kind: tokEOF, start: start}, nil
	}
	r, size := utf8.DecodeRuneInString(l.in[start:])
	if r == utf8.RuneError && size == 1 {
		return token{}, l.errorf(start, "invalid UTF-8")
	}
	l.pos += size
	switch r {
	case '{':
		return l.tok(tokOpenBrace, start), nil
	case '}':
		return l.tok(tokCloseBrace, start), nil
	case ',':
		return l.tok(tokComma, start), nil
	case '=':
		t := Equal
		if l.accept('~') {
			t = Regexp
		}
		tok := l.tok(tokOp, start)
		tok.op = t
		return tok, nil
	case '!':
		t := NotEqual
		switch {
		case l.accept('='):
		case l.accept('~'):
			t = NotRegexp
		default:
			return token{}, l.errorf(start, `expected "!=" or "!~", found %q`, l.in[start:l.pos])
		}
		tok := l.tok(tokOp, start)
		tok.op = t
		return tok, nil
	case '"':
		return l.quoted(start)
	}
	if isReserved(r) {
		return token{}, l.errorf(start, "unexpected %q: quote text that contains it", r)
	}
	for l.pos < len(l.in) {
		r, size := utf8.DecodeRuneInString(l.in[l.pos:])
		if isReserved(r) || (r == utf8.RuneError && size == 1) {
			break
		}
		l.pos += size
	}
	tok := l.tok(tokText, start)
	tok.text = tok.raw
	return tok, nil
}

func (l *lexer) tok(k tokenKind, start int) token {
	return token{kind: k, raw: l.in[start:l.pos], start: start}
}

func (l *lexer) accept(c byte) bool {
	if l.pos < len(l.in) && l.in[l.pos] == c {
		l.pos++
		return true
	}
	return false
}

// quoted scans a double-quoted string whose opening quote is at start and
// unquotes it with Go's rules.
func (l *lexer) quoted(start int) (token, error) {
	escaped := false
	for l.pos < len(l.in) {
		c := l.in[l.pos]
		l.pos++
		switch {
		case escaped:
			escaped = false
		case c == '\\':
			escaped = true
		case c == '"':
			tok := l.tok(tokText, start)
			s, err := strconv.Unquote(tok.raw)
			if err != nil {
				return token{}, l.unquoteError(tok)
			}
			if !utf8.ValidString(s) {
				return token{}, l.errorf(start, "quoted text %s is not valid UTF-8 once unescaped", tok.raw)
			}
			tok.text = s
			return tok, nil
		}
	}
	return token{}, l.errorf(start, "unterminated quoted text %q", l.in[start:])
}

// unquoteError finds the part of a quoted token that Go's unquoting
// rejects, to say where it is.
func (l *lexer) unquoteError(tok token) error {
	body := tok.raw[1 : len(tok.raw)-1]
	for i := 0; i < len(body); {
		if body[i] == '\n' {
			return l.errorf(tok.start+1+i, `line break in quoted text %s: write \n`, tok.raw)
		}
		_, _, tail, err := strconv.UnquoteChar(body[i:], '"')
		if err != nil {
			end := min(i+2, len(body))
			return l.errorf(tok.start+1+i, "invalid escape %q in quoted text %s", body[i:end], tok.raw)
		}
		i = len(body) - len(tail)
	}
	return l.errorf(tok.start, "invalid quoted text %s", tok.raw)
}
