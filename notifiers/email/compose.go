package email

import (
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/template"
)

// compose renders the addresses, headers and bodies of m and encodes
// the message.
func (n *Notifier) compose(m *notifiers.Message) (*envelope, error) {
	data := template.NewData(m)
	var errs []error
	render := func(field, text string) string {
		s, err := n.tmpl.ExecuteText(text, data)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
		return s
	}
	to := render("to", n.cfg.To)
	from := render("from", n.cfg.From)
	text := render("text", n.cfg.Text)
	html, err := n.tmpl.ExecuteHTML(n.cfg.HTML, data)
	if err != nil {
		errs = append(errs, fmt.Errorf("html: %w", err))
	}
	values := map[string]string{"From": from, "To": to}
	for name, text := range n.cfg.Headers {
		values[name] = strings.TrimSpace(render("headers."+name, text))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("templates: %w", err)
	}

	sender, err := mail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("from %q: %w", from, err)
	}
	rcpts, err := mail.ParseAddressList(to)
	if err != nil {
		return nil, fmt.Errorf("to %q: %w", to, err)
	}
	env := &envelope{from: sender.Address}
	for _, a := range rcpts {
		env.to = append(env.to, a.Address)
	}
	now := n.now()
	headers := []header{
		{"Date", now.Format(time.RFC1123Z)},
		{"Message-Id", messageID(now, sender.Address)},
		{"Auto-Submitted", "auto-generated"},
	}
	// Configured headers replace the generated ones of the same name.
	headers = slices.DeleteFunc(headers, func(h header) bool { _, ok := values[h.name]; return ok })
	for _, name := range slices.Sorted(maps.Keys(values)) {
		headers = append(headers, header{name, values[name]})
	}
	if strings.TrimSpace(text) == "" {
		text = ""
	}
	if strings.TrimSpace(html) == "" {
		html = ""
	}
	if env.data, err = encodeMessage(headers, text, html); err != nil {
		return nil, err
	}
	return env, nil
}

// messageID returns a unique Message-Id in the sender's domain.
func messageID(now time.Time, sender string) string {
	domain := "alerter.localdomain"
	if i := strings.LastIndexByte(sender, '@'); i >= 0 && i < len(sender)-1 {
		domain = sender[i+1:]
	}
	return fmt.Sprintf("<%d.%s@%s>", now.UnixNano(), rand.Text(), domain)
}
