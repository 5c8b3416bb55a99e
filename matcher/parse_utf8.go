package matcher

import (
	"strconv"
)

// This file holds the UTF-8 matcher grammar of Alertmanager 0.27+:
//
//	matchers = [ "{" ] [ matcher { "," matcher } [ "," ] ] [ "}" ]
//	matcher  = text op text
//	op       = "=" | "!=" | "=~" | "!~"
//	text     = bare | quoted
//
// with whitespace allowed between tokens, the braces either both present
// or both absent, bare text being one or more characters other than
// whitespace and {}!=~,\"'` and quoted text a Go double-quoted string.

// parseUTF8 parses s with the UTF-8 grammar.
func parseUTF8(s string) (Matchers, error) {
	l := &lexer{in: s}
	tok, err := l.next()
	if err != nil {
		return nil, err
	}
	open := tok.kind == tokOpenBrace
	if open {
		if tok, err = l.next(); err != nil {
			return nil, err
		}
	}
	ms := Matchers{}
	for {
		switch tok.kind {
		case tokEOF:
			if open {
				return nil, l.errorf(tok.start, `missing closing "}"`)
			}
			return ms, nil
		case tokCloseBrace:
			if !open {
				return nil, l.errorf(tok.start, `unexpected "}" without an opening "{"`)
			}
			end, err := l.next()
			if err != nil {
				return nil, err
			}
			if end.kind != tokEOF {
				return nil, l.errorf(end.start, `unexpected %s after closing "}"`, end.describe())
			}
			return ms, nil
		case tokText:
			m, err := parseOne(l, tok)
			if err != nil {
				return nil, err
			}
			ms = append(ms, m)
			written := s[tok.start:l.pos]
			if tok, err = l.next(); err != nil {
				return nil, err
			}
			switch tok.kind {
			case tokComma:
				if tok, err = l.next(); err != nil {
					return nil, err
				}
			case tokEOF, tokCloseBrace:
			default:
				return nil, l.errorf(tok.start, `expected "," or "}" after matcher %q, found %s`,
					written, tok.describe())
			}
		default:
			return nil, l.errorf(tok.start, "expected a label name, found %s", tok.describe())
		}
	}
}

// parseOne reads the operator and value that follow the label name.
func parseOne(l *lexer, name token) (*Matcher, error) {
	op, err := l.next()
	if err != nil {
		return nil, err
	}
	if op.kind != tokOp {
		return nil, l.errorf(op.start, `expected an operator "=", "!=", "=~" or "!~" after label name %s, found %s`,
			name.describe(), op.describe())
	}
	val, err := l.next()
	if err != nil {
		return nil, err
	}
	if val.kind != tokText {
		return nil, l.errorf(val.start, `expected a value after %s%s, found %s: write "" for the empty value`,
			name.raw, op.raw, val.describe())
	}
	m, err := New(op.op, name.text, val.text)
	if err != nil {
		return nil, &ParseError{Input: l.in, Offset: name.start, Msg: "invalid matcher " + strconv.Quote(l.in[name.start:l.pos]), Err: err}
	}
	return m, nil
}
