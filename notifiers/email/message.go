package email

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"strings"
)

// maxLine is the length after which header lines are folded (RFC 5322
// section 2.1.1 recommends 78 characters).
const maxLine = 78

// header is one header field of a message, its value not yet encoded.
type header struct{ name, value string }

// encodeMessage writes a message in RFC 5322 and MIME form, with CRLF
// line ends: the headers, then the text and HTML bodies in quoted-
// printable, as multipart/alternative when both are set (the HTML last,
// as the preferred alternative) and as a single part otherwise.
func encodeMessage(headers []header, text, html string) ([]byte, error) {
	var b bytes.Buffer
	for _, h := range headers {
		line, err := encodeHeader(h.name, h.value)
		if err != nil {
			return nil, err
		}
		b.WriteString(line + "\r\n")
	}
	b.WriteString("MIME-Version: 1.0\r\n")
	type part struct{ mediaType, body string }
	var parts []part
	if text != "" {
		parts = append(parts, part{"text/plain", text})
	}
	if html != "" {
		parts = append(parts, part{"text/html", html})
	}
	switch len(parts) {
	case 0:
		return nil, errors.New("both bodies are empty")
	case 1:
		fmt.Fprintf(&b, "Content-Type: %s; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n", parts[0].mediaType)
		if err := writeQP(&b, parts[0].body); err != nil {
			return nil, err
		}
		return b.Bytes(), nil
	}
	mw := multipart.NewWriter(&b)
	ct := mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": mw.Boundary()})
	b.WriteString("Content-Type: " + ct + "\r\n\r\n")
	for _, p := range parts {
		pw, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {p.mediaType + "; charset=UTF-8"},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, err
		}
		if err := writeQP(pw, p.body); err != nil {
			return nil, err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// writeQP writes body quoted-printable, which keeps lines short and
// 7-bit whatever the templates produce.
func writeQP(w io.Writer, body string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := qp.Write([]byte(body)); err != nil {
		return err
	}
	return qp.Close()
}

// encodeHeader renders one header line, folded. Values lose line breaks
// (a template must not be able to inject headers). Address headers are
// parsed and re-formatted, so that only display names get encoded;
// other values are Q-encoded when not plain ASCII (RFC 2047).
func encodeHeader(name, value string) (string, error) {
	value = strings.Join(strings.FieldsFunc(value, func(r rune) bool { return r == '\r' || r == '\n' }), " ")
	if isAddressHeader(name) {
		list, err := mail.ParseAddressList(value)
		if err != nil {
			return "", fmt.Errorf("header %s: %w", name, err)
		}
		formatted := make([]string, len(list))
		for i, a := range list {
			formatted[i] = a.String()
		}
		value = strings.Join(formatted, ", ")
	} else {
		value = mime.QEncoding.Encode("utf-8", value)
	}
	return fold(name, value), nil
}

// isAddressHeader reports whether a canonical header name holds an
// address list (RFC 5322 section 3.6.2 and 3.6.3).
func isAddressHeader(name string) bool {
	switch name {
	case "From", "To", "Cc", "Bcc", "Reply-To", "Sender":
		return true
	}
	return false
}

// fold writes "name: value", breaking it at spaces after the colon into
// continuation lines of at most maxLine characters where possible. An
// encoded word (75 characters at most) thus always fits a line, if need
// be alone after the name's line, as RFC 2047 section 2 asks.
func fold(name, value string) string {
	line := name + ": " + value
	var b strings.Builder
	for lo := len(name) + 1; len(line) > maxLine; lo = 1 {
		i := strings.LastIndexByte(line[:maxLine+1], ' ')
		if i < lo {
			j := strings.IndexByte(line[maxLine:], ' ')
			if j < 0 {
				break
			}
			i = maxLine + j
		}
		b.WriteString(line[:i] + "\r\n")
		line = line[i:] // Keeps the space: it starts the continuation.
	}
	b.WriteString(line)
	return b.String()
}
