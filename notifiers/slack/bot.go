package slack

import (
	"context"
	"fmt"

	"github.com/slack-go/slack"

	"github.com/alerter/alerter/notifiers"
)

// Keys of Message.State in bot mode with update_in_place.
const (
	// StateChannel is the ID of the channel of the group's message.
	StateChannel = "channel"
	// StateTS is the group's message's timestamp, its ID in the channel.
	StateTS = "ts"
	// StateStatus is the status ("firing" or "resolved") the message
	// shows. A group that fires again after resolving gets a new
	// message: an edit far up the channel would go unseen.
	StateStatus = "status"
)

// bot is one notification's calls to the Web API.
type bot struct {
	n     *Notifier
	api   *slack.Client
	token string
	m     *notifiers.Message
	msg   *message
}

// notifyBot sends msg with chat.postMessage, or, for a group that already
// has a message, edits it with chat.update and threads a reply under it
// that says what changed.
func (n *Notifier) notifyBot(ctx context.Context, m *notifiers.Message, msg *message) (bool, error) {
	token, err := n.token()
	if err != nil {
		// Readable when the notifier was built: being rotated, probably.
		return true, err
	}
	if msg.channel == "" {
		return false, fmt.Errorf("slack: channel %q renders empty", n.cfg.Channel)
	}
	b := &bot{
		n:     n,
		api:   slack.New(token, slack.OptionHTTPClient(n.client), slack.OptionAPIURL(n.appURL)),
		token: token,
		m:     m,
		msg:   msg,
	}
	if m.State == nil { // never, by Notify's contract; but do not panic
		m.State = map[string]string{}
	}
	inPlace := n.updateInPlace && m.Digest == nil
	channel, ts := m.State[StateChannel], m.State[StateTS]
	if !inPlace || channel == "" || ts == "" ||
		(m.State[StateStatus] == "resolved" && m.Status() == "firing") {
		return b.postNew(ctx, inPlace)
	}

	err = b.call(ctx, func(ctx context.Context) error {
		_, _, _, err := b.api.UpdateMessageContext(ctx, channel, ts, b.contentOptions()...)
		return err
	})
	retry, err := classify("chat.update", err, n.appURL, token)
	if err != nil {
		if code := errorCode(err); goneCode(code) {
			n.logger.Warn("message to update is gone, posting a new one", "group_key", m.GroupKey, "code", code)
			return b.postNew(ctx, true)
		}
		return retry, err
	}
	m.State[StateStatus] = m.Status()
	n.logger.Debug("updated", "group_key", m.GroupKey, "channel", channel, "ts", ts)

	reply := threadText(m)
	if reply == "" {
		return false, nil
	}
	err = b.call(ctx, func(ctx context.Context) error {
		_, _, err := b.api.PostMessageContext(ctx, channel,
			append(b.identityOptions(), slack.MsgOptionText(reply, false), slack.MsgOptionTS(ts))...)
		return err
	})
	// A failed reply fails the notification: the retry edits the message
	// again, which changes nothing, and replies again.
	return classify("chat.postMessage", err, n.appURL, token)
}

// postNew posts the message to the configured channel and, for
// update-in-place, remembers it in the group's state at once, so that
// even a retry of this very message edits it rather than posting twice.
func (b *bot) postNew(ctx context.Context, remember bool) (bool, error) {
	var channel, ts string
	err := b.call(ctx, func(ctx context.Context) (err error) {
		channel, ts, err = b.api.PostMessageContext(ctx, b.msg.channel,
			append(b.identityOptions(), b.contentOptions()...)...)
		return err
	})
	if err != nil {
		return classify("chat.postMessage", err, b.n.appURL, b.token)
	}
	if remember && channel != "" && ts != "" {
		b.m.State[StateChannel] = channel
		b.m.State[StateTS] = ts
		b.m.State[StateStatus] = b.m.Status()
	}
	b.n.logger.Debug("posted", "group_key", b.m.GroupKey, "channel", channel, "ts", ts)
	return false, nil
}

// call runs one Web API call within the configured timeout.
func (b *bot) call(ctx context.Context, f func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, b.n.timeout)
	defer cancel()
	return f(ctx)
}

// contentOptions are the message itself, for chat.postMessage and
// chat.update alike. Blocks and attachments are always sent, since
// chat.update keeps those it is not given.
func (b *bot) contentOptions() []slack.MsgOption {
	opts := []slack.MsgOption{
		slack.MsgOptionText(b.msg.text, false),
		slack.MsgOptionBlocks(b.msg.blocks...),
		slack.MsgOptionAttachments(b.msg.attachment),
	}
	if b.msg.linkNames {
		opts = append(opts, slack.MsgOptionLinkNames(true))
	}
	return opts
}

// identityOptions override the poster's name and icon (chat.postMessage
// only: chat.update has no such arguments).
func (b *bot) identityOptions() []slack.MsgOption {
	var opts []slack.MsgOption
	if b.msg.username != "" {
		opts = append(opts, slack.MsgOptionUsername(b.msg.username))
	}
	if b.msg.iconEmoji != "" {
		opts = append(opts, slack.MsgOptionIconEmoji(b.msg.iconEmoji))
	}
	if b.msg.iconURL != "" {
		opts = append(opts, slack.MsgOptionIconURL(b.msg.iconURL))
	}
	return opts
}
