package email

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"strings"
	"time"

	"github.com/prometheus/common/config"
)

// envelope is what one SMTP session delivers.
type envelope struct {
	from string
	to   []string
	data []byte
	// password is the PLAIN/LOGIN password, read for this send.
	password string
}

// sendMail runs one SMTP session with the smarthost, bounded by ctx:
// connect (TLS at once on port 465), EHLO, STARTTLS when offered (an
// error when require_tls and not offered), AUTH when a user name is
// configured, then MAIL, RCPT and DATA. It returns whether a failure is
// worth retrying (see retryable).
func (n *Notifier) sendMail(ctx context.Context, env *envelope) (retry bool, err error) {
	host, port, _ := net.SplitHostPort(n.cfg.Smarthost)
	tlsConfig, err := config.NewTLSConfig(&n.cfg.TLSConfig)
	if err != nil {
		return false, fmt.Errorf("tls_config: %w", err)
	}
	if tlsConfig.ServerName == "" {
		tlsConfig.ServerName = host
	}

	conn, err := n.dial(ctx, "tcp", n.cfg.Smarthost)
	if err != nil {
		return true, fmt.Errorf("connecting: %w", err)
	}
	defer conn.Close()
	// Bound every read and write by the context, and abort them when it
	// is cancelled.
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	// Connection deadlines come from ctx only: say so in errors, for
	// errors.Is(err, context.DeadlineExceeded).
	defer func() {
		switch {
		case err == nil:
		case ctx.Err() != nil:
			err = fmt.Errorf("%w (%w)", err, context.Cause(ctx))
		case errors.Is(err, os.ErrDeadlineExceeded):
			err = fmt.Errorf("%w (%w)", err, context.DeadlineExceeded)
		}
	}()

	if port == "465" {
		tc := tls.Client(conn, tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return retryable(err), fmt.Errorf("TLS handshake: %w", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, host)
	if err != nil {
		return retryable(err), fmt.Errorf("greeting: %w", err)
	}
	defer c.Close()
	if err := c.Hello(n.cfg.Hello); err != nil {
		return retryable(err), fmt.Errorf("EHLO: %w", err)
	}
	if _, isTLS := c.TLSConnectionState(); !isTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConfig); err != nil {
				return retryable(err), fmt.Errorf("STARTTLS: %w", err)
			}
		} else if n.requireTLS {
			return false, errors.New("require_tls is true but the server does not offer STARTTLS")
		}
	}
	if retry, err := n.authenticate(c, host, env.password); err != nil {
		return retry, err
	}
	if err := c.Mail(env.from); err != nil {
		return retryable(err), fmt.Errorf("MAIL FROM: %w", err)
	}
	for _, rcpt := range env.to {
		if err := c.Rcpt(rcpt); err != nil {
			return retryable(err), fmt.Errorf("RCPT TO <%s>: %w", rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return retryable(err), fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(env.data); err != nil {
		return retryable(err), fmt.Errorf("sending the message: %w", err)
	}
	if err := w.Close(); err != nil {
		return retryable(err), fmt.Errorf("end of DATA: %w", err)
	}
	// The server has taken the message: a failed QUIT changes nothing.
	if err := c.Quit(); err != nil {
		n.logger.Debug("QUIT failed after the message was accepted", "err", err)
	}
	return false, nil
}

// authenticate runs AUTH when a user name is configured. A server that
// offers no AUTH then is an error rather than a silent unauthenticated
// send.
func (n *Notifier) authenticate(c *smtp.Client, host, password string) (retry bool, err error) {
	if n.cfg.AuthUsername == "" {
		return false, nil
	}
	ok, mechs := c.Extension("AUTH")
	if !ok || strings.TrimSpace(mechs) == "" {
		return false, errors.New("auth_username is set but the server offers no AUTH")
	}
	_, isTLS := c.TLSConnectionState()
	a, err := chooseAuth(mechs, n.cfg.AuthUsername, password, string(n.cfg.AuthSecret), n.cfg.AuthIdentity, host, isTLS)
	if err != nil {
		return false, err
	}
	if err := c.Auth(a); err != nil {
		return retryable(err), fmt.Errorf("AUTH: %w", err)
	}
	return false, nil
}

// retryable classifies an SMTP session failure: a 4xx reply is transient
// by definition (RFC 5321 section 4.2.1) and a 5xx permanent; a
// certificate that does not verify is a configuration problem; any other
// error (network, timeout, connection closed) may well pass.
func retryable(err error) bool {
	var reply *textproto.Error
	if errors.As(err, &reply) {
		return reply.Code/100 == 4
	}
	var (
		verify    *tls.CertificateVerificationError
		hostname  x509.HostnameError
		authority x509.UnknownAuthorityError
		invalid   x509.CertificateInvalidError
	)
	if errors.As(err, &verify) || errors.As(err, &hostname) || errors.As(err, &authority) || errors.As(err, &invalid) {
		return false
	}
	return true
}
