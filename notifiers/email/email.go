package email

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/textproto"
	"slices"
	"time"

	"github.com/prometheus/common/config"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/template"
)

// Notifier mails messages through one SMTP smarthost. It is safe for
// concurrent use; every Notify runs its own SMTP session.
type Notifier struct {
	// cfg is the configuration with defaults filled in.
	cfg          Config
	tmpl         *template.Template
	receiver     string
	externalURL  string
	requireTLS   bool
	sendResolved bool
	timeout      time.Duration
	logger       *slog.Logger
	// dial opens the TCP connection; tests redirect it.
	dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// now dates messages.
	now func() time.Time
}

var (
	_ notifiers.Integration    = (*Notifier)(nil)
	_ notifiers.Named          = (*Notifier)(nil)
	_ notifiers.ResolvedSender = (*Notifier)(nil)
)

// New validates the configuration, checks its templates against tmpl and
// loads its TLS files.
func New(cfg *Config, tmpl *template.Template, opts notifiers.IntegrationOptions) (*Notifier, error) {
	if cfg == nil {
		return nil, errors.New("email: no config")
	}
	if tmpl == nil {
		return nil, errors.New("email: no templates")
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("email: %w", err)
	}
	c := *cfg
	c.Hello = cmp.Or(c.Hello, DefaultHello)
	c.HTML = cmp.Or(c.HTML, DefaultHTML)
	c.Text = cmp.Or(c.Text, DefaultText)
	c.Headers = make(map[string]string, len(cfg.Headers)+1)
	for k, v := range cfg.Headers {
		c.Headers[textproto.CanonicalMIMEHeaderKey(k)] = v
	}
	if _, ok := c.Headers["Subject"]; !ok {
		c.Headers["Subject"] = DefaultSubject
	}
	if err := checkTemplates(&c, tmpl); err != nil {
		return nil, fmt.Errorf("email: %w", err)
	}
	// Fail early on unreadable CA or client certificate files; they are
	// read again at every send, so that renewed files are picked up.
	if _, err := config.NewTLSConfig(&c.TLSConfig); err != nil {
		return nil, fmt.Errorf("email: tls_config: %w", err)
	}
	dialer := &net.Dialer{}
	n := &Notifier{
		cfg:          c,
		tmpl:         tmpl,
		receiver:     opts.Receiver,
		externalURL:  opts.ExternalURL,
		requireTLS:   c.RequireTLS == nil || *c.RequireTLS,
		sendResolved: c.SendResolved != nil && *c.SendResolved,
		timeout:      cmp.Or(time.Duration(c.Timeout), DefaultTimeout),
		logger:       opts.Logger,
		dial:         dialer.DialContext,
		now:          time.Now,
	}
	if n.logger == nil {
		n.logger = slog.New(slog.DiscardHandler)
	}
	n.logger = n.logger.With("receiver", n.receiver, "integration", "email", "smarthost", c.Smarthost)
	return n, nil
}

// checkTemplates parses every templated field, reporting all errors.
func checkTemplates(c *Config, tmpl *template.Template) error {
	fields := map[string]string{"to": c.To, "from": c.From, "html": c.HTML, "text": c.Text}
	for k, v := range c.Headers {
		fields["headers."+k] = v
	}
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(fields)) {
		if err := tmpl.Check(fields[name]); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", name, err))
		}
	}
	return errors.Join(errs...)
}

// Name is the integration's name in metrics and logs.
func (n *Notifier) Name() string { return "email" }

// SendResolved reports the send_resolved setting (default false).
func (n *Notifier) SendResolved() bool { return n.sendResolved }

// Notify renders m and mails it. Network errors, timeouts and 4xx SMTP
// replies are worth retrying, and so is an unreadable
// auth_password_file; 5xx replies, certificates that do not verify, a
// missing STARTTLS with require_tls, and template or address errors are
// not. Errors and logs never contain the password or secret.
func (n *Notifier) Notify(ctx context.Context, m *notifiers.Message) (retry bool, err error) {
	if m = n.prepare(m); m == nil {
		return false, nil
	}
	env, err := n.compose(m)
	if err != nil {
		return false, fmt.Errorf("email: %w", err)
	}
	if env.password, err = n.password(); err != nil {
		return true, fmt.Errorf("email: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, n.timeout)
	defer cancel()
	retry, err = n.sendMail(ctx, env)
	if err != nil {
		return retry, redact(fmt.Errorf("email: %s: %w", n.cfg.Smarthost, err), env.password, string(n.cfg.AuthSecret))
	}
	n.logger.Debug("email sent", "group_key", m.GroupKey, "recipients", len(env.to), "bytes", len(env.data), "digest", m.Digest != nil)
	return false, nil
}

// prepare returns the message to send, or nil when there is nothing to
// send: no alerts, or only resolved ones with send_resolved off. It fills
// in the receiver and external URL from the options when m lacks them.
func (n *Notifier) prepare(m *notifiers.Message) *notifiers.Message {
	if m == nil {
		return nil
	}
	c := *m
	if c.Digest == nil {
		if !n.sendResolved {
			c.Alerts = m.Firing()
		}
		if len(c.Alerts) == 0 {
			return nil
		}
	}
	c.Receiver = cmp.Or(c.Receiver, n.receiver)
	c.ExternalURL = cmp.Or(c.ExternalURL, n.externalURL)
	return &c
}
