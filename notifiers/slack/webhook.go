package slack

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/slack-go/slack"

	"github.com/alerter/alerter/notifiers"
)

// notifyWebhook posts msg to the incoming webhook. Webhooks cannot edit
// or thread, so every message is a new one showing the group's state.
// Slack answers 200 "ok", or a status with an error code as the body
// (400 invalid_payload, 403 action_prohibited, 404 channel_not_found, 410
// channel_is_archived), which the error carries.
func (n *Notifier) notifyWebhook(ctx context.Context, m *notifiers.Message, msg *message) (bool, error) {
	u, err := n.webhookURL()
	if err != nil {
		// The file was readable when the notifier was built: it is being
		// rotated, or was broken by hand. Either may be fixed by a retry.
		return true, err
	}
	payload := &slack.WebhookMessage{
		Channel:     msg.channel,
		Username:    msg.username,
		IconEmoji:   msg.iconEmoji,
		IconURL:     msg.iconURL,
		Text:        msg.text,
		Blocks:      &slack.Blocks{BlockSet: msg.blocks},
		Attachments: []slack.Attachment{msg.attachment},
	}
	body := &capturedBody{}
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, capturedBodyKey{}, body), n.timeout)
	defer cancel()
	// PostWebhookContext would use http.DefaultClient, ignoring
	// http_config (proxy, TLS) and the User-Agent.
	err = slack.PostWebhookCustomHTTPContext(ctx, u.String(), n.client, payload)
	if err == nil {
		n.logger.Debug("posted", "group_key", m.GroupKey, "alerts", len(m.Alerts))
		return false, nil
	}
	retry, err := classify("webhook", err, redactURL(u), u.String(), u.EscapedPath(), u.RawQuery)
	var ae *APIError
	if errors.As(err, &ae) && ae.Code == "" && body.text != "" {
		ae.Code = body.text
	}
	n.logger.Debug("post failed", "group_key", m.GroupKey, "retry", retry, "err", err)
	return retry, err
}

// captureTransport keeps the start of the body of a non-200 response for
// requests whose context asks for it, because slack-go's webhook client
// reports only the status while Slack puts the reason in the body.
type captureTransport struct {
	next http.RoundTripper
}

// capturedBody receives the body; capturedBodyKey is its context key.
type (
	capturedBody    struct{ text string }
	capturedBodyKey struct{}
)

// RoundTrip sends req and, for a non-200 answer to a request that asks,
// copies the start of the body, leaving the body readable in full.
func (t *captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.next.RoundTrip(req)
	if err != nil || resp.StatusCode == http.StatusOK {
		return resp, err
	}
	dst, ok := req.Context().Value(capturedBodyKey{}).(*capturedBody)
	if !ok {
		return resp, nil
	}
	b, rerr := io.ReadAll(io.LimitReader(resp.Body, maxSnippet+1))
	dst.text = sanitize(string(b))
	resp.Body = readCloser{io.MultiReader(bytes.NewReader(b), errReader{rerr}, resp.Body), resp.Body}
	return resp, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// errReader replays a read error after the bytes read before it.
type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) {
	if r.err != nil {
		return 0, r.err
	}
	return 0, io.EOF
}
