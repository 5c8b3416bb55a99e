package email

import (
	"fmt"
	"os"
	"strings"
)

// password returns the configured password, or reads
// auth_password_file.
func (n *Notifier) password() (string, error) {
	if n.cfg.AuthPasswordFile == "" {
		return string(n.cfg.AuthPassword), nil
	}
	b, err := os.ReadFile(n.cfg.AuthPasswordFile)
	if err != nil {
		return "", fmt.Errorf("reading auth_password_file: %w", err)
	}
	return strings.TrimRight(string(b), "\r\n"), nil
}

// redactedError hides secrets that a server may have echoed into an
// error, keeping the chain for errors.Is and errors.As.
type redactedError struct {
	msg string
	err error
}

// Error is the message with the secrets replaced.
func (e *redactedError) Error() string { return e.msg }

// Unwrap returns the original error, for errors.Is and errors.As.
func (e *redactedError) Unwrap() error { return e.err }

// redact replaces the non-empty secrets in err's message.
func redact(err error, secrets ...string) error {
	msg, changed := err.Error(), false
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			msg, changed = strings.ReplaceAll(msg, s, "<redacted>"), true
		}
	}
	if !changed {
		return err
	}
	return &redactedError{msg: msg, err: err}
}
