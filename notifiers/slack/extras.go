package slack

import (
	"fmt"
	"slices"
	"strings"

	"github.com/slack-go/slack"
)

// Block IDs of Alertmanager's attachment fields.
const (
	blockPretext       = "alerter_pretext"
	blockFields        = "alerter_fields_" // + index
	blockImage         = "alerter_image"
	blockConfigActions = "alerter_config_actions"
	// configActionPrefix starts the action_id of configured buttons, so
	// that they never pass for alerter's own (see ActionButtons).
	configActionPrefix = "config_"
)

// Block Kit's limits for the extras.
const (
	maxFieldText   = 2000
	maxFieldsInRow = 10
	maxAltText     = 2000
	maxActionID    = 255
)

// extras are Alertmanager's attachment fields (pretext, fields, image,
// thumbnail, buttons, fallback, callback_id), rendered.
type extras struct {
	pretext    string
	fields     []renderedField
	fallback   string
	callbackID string
	image      string
	thumb      string
	actions    []renderedAction
	linkNames  bool
	mrkdwnIn   []string
}

type renderedField struct {
	title, value string
	short        bool
}

type renderedAction struct {
	i                int
	text, url, style string
	name, value      string
	confirm          *Confirmation
}

// renderExtras executes the templates of the extras with exec, which
// collects errors.
func (n *Notifier) renderExtras(exec func(field, text string) string) *extras {
	c := n.cfg
	ex := &extras{
		pretext:    exec("pretext", c.Pretext),
		fallback:   exec("fallback", c.Fallback),
		callbackID: exec("callback_id", c.CallbackID),
		image:      exec("image_url", c.ImageURL),
		thumb:      exec("thumb_url", c.ThumbURL),
		linkNames:  c.LinkNames,
		mrkdwnIn:   c.MrkdwnIn,
	}
	if len(ex.mrkdwnIn) == 0 {
		ex.mrkdwnIn = []string{"fallback", "pretext", "text"} // Alertmanager's default
	}
	for i, f := range c.Fields {
		short := c.ShortFields
		if f.Short != nil {
			short = *f.Short
		}
		ex.fields = append(ex.fields, renderedField{
			title: exec(fmt.Sprintf("fields[%d].title", i), f.Title),
			value: exec(fmt.Sprintf("fields[%d].value", i), f.Value),
			short: short,
		})
	}
	for i, a := range c.Actions {
		p := fmt.Sprintf("actions[%d].", i)
		ra := renderedAction{i: i, text: exec(p+"text", a.Text), url: exec(p+"url", a.URL), style: exec(p+"style", a.Style)}
		if ra.url == "" {
			// A message button; a link button carries no name or value,
			// as in Alertmanager.
			ra.name, ra.value = exec(p+"name", a.Name), exec(p+"value", a.Value)
			if cf := a.Confirm; cf != nil {
				ra.confirm = &Confirmation{
					Text: exec(p+"confirm.text", cf.Text), Title: exec(p+"confirm.title", cf.Title),
					OkText: exec(p+"confirm.ok_text", cf.OkText), DismissText: exec(p+"confirm.dismiss_text", cf.DismissText),
				}
			}
		}
		ex.actions = append(ex.actions, ra)
	}
	return ex
}

// mrkdwn reports whether a part is formatted as mrkdwn.
func (ex *extras) mrkdwn(part string) bool { return slices.Contains(ex.mrkdwnIn, part) }

// text is a text object of a part, mrkdwn or plain as mrkdwn_in says,
// with @here, @channel and @everyone turned into mentions when
// link_names is set.
func (ex *extras) text(part, s string, limit int) *slack.TextBlockObject {
	s = truncate(s, limit)
	if !ex.mrkdwn(part) {
		return plain(s)
	}
	if ex.linkNames {
		s = strings.NewReplacer("@here", "<!here>", "@channel", "<!channel>", "@everyone", "<!everyone>").Replace(s)
	}
	return mrkdwn(s)
}

// pretextBlock is the pretext, shown under the title; nil when empty.
func (ex *extras) pretextBlock() slack.Block {
	if ex.pretext == "" {
		return nil
	}
	return slack.NewSectionBlock(ex.text("pretext", ex.pretext, maxSectionText), nil, nil, slack.SectionBlockOptionBlockID(blockPretext))
}

// addContent appends the fields, the image and the configured buttons to
// the attachment's blocks, and puts the thumbnail beside the first
// section that has nothing beside it.
func (ex *extras) addContent(content []slack.Block, title string) []slack.Block {
	var row []*slack.TextBlockObject
	flush := func() {
		if len(row) > 0 {
			content = append(content, slack.NewSectionBlock(nil, row, nil, slack.SectionBlockOptionBlockID(fmt.Sprintf("%s%d", blockFields, len(content)))))
			row = nil
		}
	}
	for _, f := range ex.fields {
		text := f.title + "\n" + f.value
		if ex.mrkdwn("fields") {
			text = "*" + f.title + "*\n" + f.value
		}
		obj := ex.text("fields", text, maxFieldText)
		if !f.short {
			flush()
			content = append(content, slack.NewSectionBlock(obj, nil, nil, slack.SectionBlockOptionBlockID(fmt.Sprintf("%s%d", blockFields, len(content)))))
			continue
		}
		if row = append(row, obj); len(row) == maxFieldsInRow {
			flush()
		}
	}
	flush()
	if linkable(ex.image) {
		content = append(content, slack.NewImageBlock(ex.image, truncate(cmpOr(title, "image"), maxAltText), blockImage, nil))
	}
	if linkable(ex.thumb) {
		for _, b := range content {
			if s, ok := b.(*slack.SectionBlock); ok && s.Accessory == nil && s.Text != nil {
				s.Accessory = slack.NewAccessory(slack.NewImageBlockElement(ex.thumb, "thumbnail"))
				break
			}
		}
	}
	var buttons []slack.BlockElement
	for _, a := range ex.actions {
		if a.text == "" || (a.url != "" && !linkable(a.url)) {
			continue
		}
		id := truncate(fmt.Sprintf("%s%d_%s", configActionPrefix, a.i, a.name), maxActionID)
		b := slack.NewButtonBlockElement(strings.TrimSuffix(id, "_"), truncate(a.value, maxValue), plain(truncate(a.text, maxButtonText)))
		if a.url != "" {
			b = b.WithURL(a.url)
		}
		switch a.style {
		case "primary":
			b = b.WithStyle(slack.StylePrimary)
		case "danger":
			b = b.WithStyle(slack.StyleDanger)
		}
		if cf := a.confirm; cf != nil && cf.Text != "" {
			b = b.WithConfirm(slack.NewConfirmationBlockObject(
				plain(truncate(cmpOr(cf.Title, "Are you sure?"), 100)), plain(truncate(cf.Text, 300)),
				plain(truncate(cmpOr(cf.OkText, "Yes"), 30)), plain(truncate(cmpOr(cf.DismissText, "No"), 30))))
		}
		buttons = append(buttons, b)
	}
	if len(buttons) > 0 {
		content = append(content, slack.NewActionBlock(blockConfigActions, buttons[:min(len(buttons), maxElements)]...))
	}
	return content
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
