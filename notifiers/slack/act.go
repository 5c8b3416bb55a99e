package slack

import (
	"cmp"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/slack-go/slack"
)

// silenceFor is how long the Silence 1h button silences.
const silenceFor = time.Hour

// handle carries out a click through the Actor and reports the outcome
// through the click's response_url: the message edited to say who acted,
// or, when acting failed, a note only the clicking user sees.
func (h *InteractionHandler) handle(ctx context.Context, cb *slack.InteractionCallback, c *click) {
	logger := h.logger.With("action", c.action, "user", userLabel(cb.User), "channel", cb.Channel.ID)
	fps, ms, err := decodeValue(c.value)
	switch {
	case err != nil:
		logger.Warn("button value refused", "err", err)
		h.respond(ctx, logger, cb.ResponseURL, ephemeral(
			":warning: This button cannot be used: it was made by another version of alerter. It works again on the next notification."))
		return
	case c.action == ActionSilence1h && len(ms) == 0,
		c.action == ActionAcknowledge && len(ms) == 0 && len(fps) == 0:
		logger.Warn("button value names nothing to act on")
		h.respond(ctx, logger, cb.ResponseURL, ephemeral(":warning: This button names no alerts to act on."))
		return
	}
	req := ActionRequest{User: userLabel(cb.User), Fingerprints: fps, Matchers: ms, Comment: comment(cb)}
	actx, cancel := context.WithTimeout(ctx, actTimeout)
	defer cancel()

	var note, blockID string
	switch c.action {
	case ActionAcknowledge:
		n, err := h.actor.Acknowledge(actx, req)
		if err != nil {
			logger.Error("acknowledging failed", "matchers", ms.String(), "alerts", len(fps), "err", err)
			h.respond(ctx, logger, cb.ResponseURL, ephemeral(":warning: Could not acknowledge the alerts: "+escape(sanitize(err.Error()))))
			return
		}
		logger.Info("acknowledged from Slack", "matchers", ms.String(), "acknowledged", n)
		blockID = blockAcked
		note = fmt.Sprintf(":white_check_mark: Acknowledged by %s at %s", mention(cb.User), slackDate(h.now()))
	case ActionSilence1h:
		id, err := h.actor.Silence(actx, req, silenceFor)
		if err != nil {
			logger.Error("silencing failed", "matchers", ms.String(), "err", err)
			h.respond(ctx, logger, cb.ResponseURL, ephemeral(":warning: Could not silence the alerts: "+escape(sanitize(err.Error()))))
			return
		}
		logger.Info("silenced from Slack", "matchers", ms.String(), "silence", id)
		blockID = blockSilenced
		note = fmt.Sprintf(":no_bell: Silenced for 1h by %s until %s (silence %s)",
			mention(cb.User), slackDate(h.now().Add(silenceFor)), code(truncate(id, 100)))
	}
	if len(cb.Message.Blocks.BlockSet) == 0 && len(cb.Message.Attachments) == 0 {
		// Not a message alerter can edit (an ephemeral one, say): tell
		// the user at least.
		h.respond(ctx, logger, cb.ResponseURL, ephemeral(note))
		return
	}
	h.respond(ctx, logger, cb.ResponseURL, actedMessage(cb.Message, c.action, blockID, note))
}

// userLabel names a Slack user as "name (ID)" for logs and the Actor.
func userLabel(u slack.User) string {
	name := truncate(sanitize(cmp.Or(u.Username, u.Name)), 80)
	id := truncate(sanitize(u.ID), 40)
	if name == "" {
		return id
	}
	return name + " (" + id + ")"
}

// mention is mrkdwn that shows the user by their current display name,
// or their name as Slack sent it when the ID does not look like one.
func mention(u slack.User) string {
	if isSlackID(u.ID) {
		return "<@" + u.ID + ">"
	}
	return escape(userLabel(u))
}

// isSlackID accepts user IDs (U… or W…, upper-case letters and digits).
func isSlackID(s string) bool {
	return len(s) >= 2 && len(s) <= 40 && (s[0] == 'U' || s[0] == 'W') &&
		strings.Trim(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == ""
}

// comment says where a request came from, for the acknowledgement or the
// silence.
func comment(cb *slack.InteractionCallback) string {
	switch {
	case cb.Channel.Name != "":
		return "from Slack, channel #" + truncate(sanitize(cb.Channel.Name), 80)
	case cb.Channel.ID != "":
		return "from Slack, channel " + truncate(sanitize(cb.Channel.ID), 40)
	}
	return "from Slack"
}
