package slack

import (
	"context"
	"log/slog"
	"net/url"
	"slices"
	"strings"

	"github.com/slack-go/slack"
)

// respond posts msg to a click's response_url, which Slack gives with
// every click to edit the clicked message or to answer the clicking user
// for half an hour. The URL is a credential for that: it is neither
// logged nor put into errors. A failure is logged only: the click has
// been carried out.
func (h *InteractionHandler) respond(ctx context.Context, logger *slog.Logger, responseURL string, msg *slack.WebhookMessage) {
	if responseURL == "" {
		logger.Warn("no response_url to report the outcome to")
		return
	}
	u, err := url.Parse(responseURL)
	if err == nil {
		err = checkURL(u)
	}
	if err != nil {
		logger.Warn("unusable response_url", "err", "URL "+err.Error())
		return
	}
	ctx, cancel := context.WithTimeout(ctx, respondTimeout)
	defer cancel()
	err = slack.PostWebhookCustomHTTPContext(ctx, u.String(), h.client, msg)
	if _, err = classify("response_url", err, redactURL(u), u.String(), u.EscapedPath(), u.RawQuery); err != nil {
		logger.Warn("reporting to Slack failed", "err", err)
	}
}

// ephemeral is a note only the clicking user sees, leaving the message
// as it is.
func ephemeral(text string) *slack.WebhookMessage {
	return &slack.WebhookMessage{ResponseType: slack.ResponseTypeEphemeral, ReplaceOriginal: false, Text: truncate(text, maxText)}
}

// actedMessage is the clicked message as it was, with a context block
// saying who did what (note) in place of alerter's buttons. After
// Acknowledge, the Silence 1h button stays, since acknowledging and then
// silencing is common; after Silence 1h, neither stays: acknowledging
// silenced alerts changes nothing anyone sees. Other elements of the
// actions block stay. A second click of the same kind (by someone else,
// before the message changed) replaces the first's note.
//
// Blocks and attachments are re-sent as slack-go decoded them, which
// keeps what Block Kit defines; attachments lose the ID Slack gave them,
// which it does not accept back, and get the '#' of their colour back.
func actedMessage(orig slack.Message, action, blockID, note string) *slack.WebhookMessage {
	remove := []string{action}
	if action == ActionSilence1h {
		remove = append(remove, ActionAcknowledge)
	}
	noteBlock := slack.NewContextBlock(blockID, mrkdwn(truncate(note, maxSectionText)))
	done := false
	edit := func(blocks []slack.Block) []slack.Block {
		if done {
			return blocks
		}
		var ok bool
		blocks, ok = replaceButtons(blocks, remove, noteBlock)
		done = ok
		return blocks
	}
	blocks := edit(slices.Clone(orig.Blocks.BlockSet))
	atts := make([]slack.Attachment, len(orig.Attachments))
	for i, a := range orig.Attachments {
		a.ID = 0
		a.Color = hashColor(a.Color)
		a.Blocks = slack.Blocks{BlockSet: edit(slices.Clone(a.Blocks.BlockSet))}
		atts[i] = a
	}
	if !done {
		// The buttons are gone (the message changed since): add the note
		// where the alerts are.
		if n := len(atts); n > 0 {
			atts[n-1].Blocks.BlockSet = putNote(atts[n-1].Blocks.BlockSet, noteBlock)
		} else {
			blocks = putNote(blocks, noteBlock)
		}
	}
	out := &slack.WebhookMessage{ReplaceOriginal: true, Text: orig.Text, Attachments: atts}
	if len(blocks) > 0 {
		out.Blocks = &slack.Blocks{BlockSet: blocks}
	}
	return out
}

// replaceButtons finds the actions block of alerter's buttons, puts note
// before it (or in place of an earlier note with its block ID) and takes
// the buttons of remove out of it, dropping it when it is left empty.
func replaceButtons(blocks []slack.Block, remove []string, note *slack.ContextBlock) ([]slack.Block, bool) {
	i := slices.IndexFunc(blocks, func(b slack.Block) bool {
		ab, ok := b.(*slack.ActionBlock)
		return ok && ab.BlockID == blockActions
	})
	if i < 0 {
		return blocks, false
	}
	ab := blocks[i].(*slack.ActionBlock)
	var kept []slack.BlockElement
	if ab.Elements != nil {
		kept = slices.DeleteFunc(slices.Clone(ab.Elements.ElementSet), func(e slack.BlockElement) bool {
			b, ok := e.(*slack.ButtonBlockElement)
			return ok && slices.Contains(remove, b.ActionID)
		})
	}
	if len(kept) > 0 {
		blocks[i] = slack.NewActionBlock(blockActions, kept...)
	} else {
		blocks = slices.Delete(blocks, i, i+1)
	}
	if j := slices.IndexFunc(blocks, func(b slack.Block) bool { return b.ID() == note.BlockID }); j >= 0 {
		blocks[j] = note
		return blocks, true
	}
	return slices.Insert(blocks, i, slack.Block(note)), true
}

// putNote appends note, or replaces an earlier note with its block ID.
func putNote(blocks []slack.Block, note *slack.ContextBlock) []slack.Block {
	if j := slices.IndexFunc(blocks, func(b slack.Block) bool { return b.ID() == note.BlockID }); j >= 0 {
		blocks[j] = note
		return blocks
	}
	return append(blocks, note)
}

// hashColor puts back the '#' that Slack leaves out of hex colours in
// the messages it sends; names ("danger") and other values stay as they
// are.
func hashColor(c string) string {
	if len(c) == 6 && strings.Trim(c, "0123456789abcdefABCDEF") == "" {
		return "#" + c
	}
	return c
}
