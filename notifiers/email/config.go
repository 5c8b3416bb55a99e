// Package email sends notifications by SMTP, as Alertmanager's
// email_config does: a MIME multipart/alternative message with a text and
// an HTML body rendered from templates, over STARTTLS (required by
// default) or implicit TLS (port 465), with AUTH PLAIN, LOGIN or CRAM-MD5
// as the server offers. It uses net/smtp from the standard library.
package email

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/mail"
	"net/textproto"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
)

// Defaults applied by New when the configuration leaves a field empty.
const (
	// DefaultHello is the name sent with EHLO.
	DefaultHello = "localhost"
	// DefaultSubject is the Subject header's template.
	DefaultSubject = `{{ template "email.default.subject" . }}`
	// DefaultHTML is the HTML body's template.
	DefaultHTML = `{{ template "email.default.html" . }}`
	// DefaultText is the text body's template.
	DefaultText = `{{ template "email.default.text" . }}`
	// DefaultTimeout bounds a whole SMTP session.
	DefaultTimeout = 30 * time.Second
)

// Config is an email_config, with Alertmanager's names and meaning.
// Fields documented as templates are rendered with the message's
// template data.
type Config struct {
	// To (template) lists the recipients, as in an RFC 5322 To header.
	To string `yaml:"to,omitempty"`
	// From (template) is the sender, the envelope's and the header's.
	From string `yaml:"from,omitempty"`
	// Hello is the name sent with EHLO; default DefaultHello.
	Hello string `yaml:"hello,omitempty"`
	// Smarthost is the SMTP server, host:port. Port 465 means implicit
	// TLS; other ports start in plain text and upgrade with STARTTLS.
	Smarthost string `yaml:"smarthost,omitempty"`
	// AuthUsername enables authentication; without it none is tried.
	AuthUsername string `yaml:"auth_username,omitempty"`
	// AuthPassword is used by PLAIN and LOGIN.
	AuthPassword config.Secret `yaml:"auth_password,omitempty"`
	// AuthPasswordFile names a file holding the password, read at every
	// send (a trailing newline is dropped). Exclusive with AuthPassword.
	AuthPasswordFile string `yaml:"auth_password_file,omitempty"`
	// AuthSecret is used by CRAM-MD5.
	AuthSecret config.Secret `yaml:"auth_secret,omitempty"`
	// AuthIdentity is PLAIN's authorization identity; usually empty.
	AuthIdentity string `yaml:"auth_identity,omitempty"`
	// RequireTLS, true by default, fails the send when the server does not
	// offer STARTTLS. STARTTLS is used whenever offered either way.
	RequireTLS *bool `yaml:"require_tls,omitempty"`
	// TLSConfig configures TLS as in Prometheus; server_name defaults to
	// the smarthost's host.
	TLSConfig config.TLSConfig `yaml:"tls_config,omitempty"`
	// Headers (templates) are added to the message; they may replace
	// From, To and Subject (default DefaultSubject), but not the MIME
	// structure's headers.
	Headers map[string]string `yaml:"headers,omitempty"`
	// HTML and Text (templates) are the bodies; default DefaultHTML and
	// DefaultText. A body that renders empty is left out.
	HTML string `yaml:"html,omitempty"`
	Text string `yaml:"text,omitempty"`
	// SendResolved says whether resolved alerts are sent; default false,
	// as in Alertmanager.
	SendResolved *bool `yaml:"send_resolved,omitempty"`
	// Timeout bounds a whole SMTP session; 0 means DefaultTimeout.
	Timeout model.Duration `yaml:"timeout,omitempty"`
}

// Validate reports every problem of the configuration at once. Template
// syntax is checked by New, which has the templates.
func (c *Config) Validate() error {
	var errs []error
	if c.To == "" {
		errs = append(errs, errors.New("to is required"))
	} else if !isTemplate(c.To) {
		if _, err := mail.ParseAddressList(c.To); err != nil {
			errs = append(errs, fmt.Errorf("to: %w", err))
		}
	}
	if c.From == "" {
		errs = append(errs, errors.New("from is required"))
	} else if !isTemplate(c.From) {
		if _, err := mail.ParseAddress(c.From); err != nil {
			errs = append(errs, fmt.Errorf("from: %w", err))
		}
	}
	if c.Smarthost == "" {
		errs = append(errs, errors.New("smarthost is required"))
	} else if host, port, err := net.SplitHostPort(c.Smarthost); err != nil || host == "" || port == "" {
		errs = append(errs, fmt.Errorf("smarthost %q is not host:port", c.Smarthost))
	}
	if c.AuthPassword != "" && c.AuthPasswordFile != "" {
		errs = append(errs, errors.New("at most one of auth_password and auth_password_file may be set"))
	}
	if c.AuthUsername == "" && (c.AuthPassword != "" || c.AuthPasswordFile != "" || c.AuthSecret != "") {
		errs = append(errs, errors.New("auth_password, auth_password_file and auth_secret need auth_username"))
	}
	if err := c.TLSConfig.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("tls_config: %w", err))
	}
	errs = append(errs, checkHeaders(c.Headers)...)
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout must not be negative, got %s", time.Duration(c.Timeout)))
	}
	return errors.Join(errs...)
}

// checkHeaders rejects header names that are invalid, duplicated (names
// are case-insensitive) or reserved for the MIME structure.
func checkHeaders(h map[string]string) []error {
	var errs []error
	seen := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(h)) {
		canonical := textproto.CanonicalMIMEHeaderKey(name)
		switch {
		case !isFieldName(name):
			errs = append(errs, fmt.Errorf("headers: %q is not a valid header name", name))
		case seen[canonical] != "":
			errs = append(errs, fmt.Errorf("headers: %q and %q are the same header", seen[canonical], name))
		case isStructural(canonical):
			errs = append(errs, fmt.Errorf("headers: %s is set by alerter and cannot be configured", canonical))
		}
		seen[canonical] = name
	}
	return errs
}

// isStructural reports whether a canonical header name is one the
// notifier writes to shape the MIME message.
func isStructural(canonical string) bool {
	switch canonical {
	case "Mime-Version", "Content-Type", "Content-Transfer-Encoding":
		return true
	}
	return false
}

// isFieldName reports whether s is a valid header field name (RFC 5322
// section 3.6.8: printable ASCII except colon).
func isFieldName(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < 33 || r > 126 || r == ':' {
			return false
		}
	}
	return true
}

func isTemplate(s string) bool { return strings.Contains(s, "{{") }
