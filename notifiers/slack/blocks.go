package slack

import (
	"cmp"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/common/model"
	"github.com/slack-go/slack"
	"github.com/slack-go/slack/slackutilsx"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
	"github.com/alerter/alerter/notifiers/template"
)

// Default templates of the title and the notification text.
const (
	defaultTitle = `{{ template "slack.default.title" . }}`
	defaultText  = `{{ template "slack.default.text" . }}`
)

// Block Kit's limits (docs.slack.dev/reference/block-kit) that rendering
// stays within, and this package's own caps.
const (
	maxHeaderText  = 150  // header block text
	maxSectionText = 3000 // section and context text
	maxButtonText  = 75
	maxURL         = 3000 // button url
	maxElements    = 25   // elements of an actions block
	maxText        = 4000 // top-level text Slack shows in full
	// maxAlerts firing alerts get a section each; the rest are counted.
	maxAlerts = 10
	// maxListed alerts are named in a resolved list or a thread reply.
	maxListed = 10
)

// Block IDs. They are stable across messages and updates of a group, so
// that interaction payloads (the Acknowledge and Silence 1h buttons, see
// interactions.go) can tell which part of a message was clicked. Per-alert blocks end with
// the alert's fingerprint, which keeps them unique within a message.
const (
	blockTitle        = "alerter_title"
	blockAlert        = "alerter_alert_"  // + fingerprint
	blockLabels       = "alerter_labels_" // + fingerprint
	blockLinks        = "alerter_links_"  // + fingerprint
	blockMore         = "alerter_more"
	blockResolved     = "alerter_resolved"
	blockDigest       = "alerter_digest"
	blockDigestRules  = "alerter_digest_rules"
	blockDigestLabels = "alerter_digest_labels"
	blockDigestLinks  = "alerter_digest_links"
	blockEscalation   = "alerter_escalation"
	blockAck          = "alerter_ack_"      // + fingerprint
	blockFlapping     = "alerter_flapping_" // + fingerprint
	blockActions      = "alerter_actions"
	blockFooter       = "alerter_footer"
)

// message is one notification rendered for Slack: the title on its own at
// the top (so that the text is only the notification fallback and is not
// shown twice), the content in one attachment for the colour bar.
type message struct {
	text, title                           string
	channel, username, iconEmoji, iconURL string
	blocks                                []slack.Block
	attachment                            slack.Attachment
	// linkNames asks Slack to link @names in the text (bot mode).
	linkNames bool
}

// render executes the configured templates and lays out the blocks.
// Template errors make the message impossible to send, so the caller
// does not retry them.
func (n *Notifier) render(m *notifiers.Message) (*message, error) {
	data := template.NewData(m)
	var errs []error
	exec := func(field, text string) string {
		if text == "" {
			return ""
		}
		s, err := n.tmpl.ExecuteText(text, data)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", field, err))
		}
		return strings.TrimSpace(s)
	}
	c := n.cfg
	out := &message{
		text:      exec("text", cmp.Or(c.Text, defaultText)),
		title:     exec("title", cmp.Or(c.Title, defaultTitle)),
		channel:   exec("channel", c.Channel),
		username:  exec("username", c.Username),
		iconEmoji: exec("icon_emoji", c.IconEmoji),
		iconURL:   exec("icon_url", c.IconURL),
	}
	titleLink := exec("title_link", c.TitleLink)
	color := exec("color", c.Color)
	footer := exec("footer", c.Footer)
	ex := n.renderExtras(exec)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if out.title == "" {
		out.title = strings.ToUpper(m.Status())
	}
	out.text = truncate(cmp.Or(out.text, out.title), maxText)

	var content []slack.Block
	if m.Digest != nil {
		content = digestBlocks(m.Digest)
	} else {
		content = alertBlocks(m)
	}
	content = ex.addContent(content, out.title)
	if n.actions != nil {
		if els := n.actions(m); len(els) > 0 {
			content = append(content, slack.NewActionBlock(blockActions, els[:min(len(els), maxElements)]...))
		}
	}
	if footer != "" {
		content = append(content, slack.NewContextBlock(blockFooter, mrkdwn(truncate(footer, maxSectionText))))
	}
	out.blocks = []slack.Block{titleBlock(out.title, titleLink)}
	if b := ex.pretextBlock(); b != nil {
		out.blocks = append(out.blocks, b)
	}
	out.linkNames = ex.linkNames
	out.attachment = slack.Attachment{
		Color:      cmp.Or(color, defaultColor(m)),
		Fallback:   truncate(cmp.Or(ex.fallback, out.title), maxHeaderText),
		CallbackID: ex.callbackID,
		Blocks:     slack.Blocks{BlockSet: content},
	}
	if len(c.MrkdwnIn) > 0 {
		out.attachment.MarkdownIn = c.MrkdwnIn
	}
	return out, nil
}

// defaultColor is the colour bar by status and highest severity:
// critical, page and error red, warning orange, info blue, resolved green.
// An unknown severity is red, as every firing alert is in Alertmanager.
func defaultColor(m *notifiers.Message) string {
	if m.Digest != nil {
		return "danger"
	}
	if m.Status() == "resolved" {
		return "good"
	}
	switch m.HighestSeverity() {
	case "warning":
		return "warning"
	case "info":
		return "#439FE0"
	case "none":
		return "#9E9E9E"
	}
	return "danger"
}

// titleBlock is a header, or a bold link when the title has one (a
// header cannot link).
func titleBlock(title, link string) slack.Block {
	if linkable(link) {
		text := "*" + mrkdwnLink(link, truncate(title, maxHeaderText)) + "*"
		return slack.NewSectionBlock(mrkdwn(text), nil, nil, slack.SectionBlockOptionBlockID(blockTitle))
	}
	return slack.NewHeaderBlock(plain(truncate(title, maxHeaderText)), slack.HeaderBlockOptionBlockID(blockTitle))
}

// alertBlocks shows the first maxAlerts firing alerts in full, the most
// severe first, counts the others and lists the resolved ones compactly.
func alertBlocks(m *notifiers.Message) []slack.Block {
	var blocks []slack.Block
	if e := m.Escalation; e != nil {
		again := ""
		if e.Repeat {
			again = " again"
		}
		blocks = append(blocks, slack.NewContextBlock(blockEscalation, mrkdwn(fmt.Sprintf(
			":rotating_light: Escalated%s: level %d of %d (%s), not acknowledged", again, e.Level, e.Levels, escape(truncate(e.Policy, 100))))))
	}
	firing, resolved := m.Firing(), m.Resolved()
	slices.SortStableFunc(firing, func(a, b *alert.Alert) int {
		return severityRank(a.Severity()) - severityRank(b.Severity())
	})
	for _, a := range firing[:min(len(firing), maxAlerts)] {
		blocks = append(blocks, firingBlocks(a, m.GroupLabels)...)
		if a.Flapping() {
			blocks = append(blocks, slack.NewContextBlock(blockFlapping+a.Fingerprint().String(), mrkdwn(
				":repeat: *Flapping* since "+slackDate(a.FlappingSince())+": it fires and resolves too often. No more notifications about it until it is stable.")))
		}
		if k, ok := m.Ack(a); ok {
			note := ":white_check_mark: Acknowledged by " + escape(truncate(k.By, 100)) + " " + slackDate(k.At)
			if c := strings.TrimSpace(k.Comment); c != "" {
				note += ": " + escape(truncate(c, 500))
			}
			blocks = append(blocks, slack.NewContextBlock(blockAck+a.Fingerprint().String(), mrkdwn(note)))
		}
	}
	if more := len(firing) - maxAlerts; more > 0 {
		blocks = append(blocks, slack.NewSectionBlock(
			mrkdwn(fmt.Sprintf("_…and %d more firing %s_", more, plural(more, "alert"))),
			nil, nil, slack.SectionBlockOptionBlockID(blockMore)))
	}
	if len(resolved) > 0 {
		blocks = append(blocks, resolvedBlock(resolved, m.CommonLabels()))
	}
	return blocks
}

// firingBlocks is one firing alert: a section with its severity, summary,
// description, value and start; its labels; links to its runbook and
// source.
func firingBlocks(a *alert.Alert, group model.LabelSet) []slack.Block {
	fp := a.Fingerprint().String()
	var b strings.Builder
	b.WriteString(severityEmoji(a.Severity()))
	if sev := a.Severity(); sev != "" {
		b.WriteString(" *" + escape(strings.ToUpper(sev)) + "*")
	}
	b.WriteString(" *" + escape(truncate(alertName(a), 300)) + "*")
	if d := strings.TrimSpace(string(a.Annotations["description"])); d != "" {
		b.WriteString("\n" + escape(truncate(d, 1500)))
	}
	b.WriteString("\n*Value:* `" + strconv.FormatFloat(a.Value, 'g', -1, 64) + "`")
	if since := cmp.Or(a.FiredAt, a.ActiveAt); !since.IsZero() {
		b.WriteString("  ·  *Since:* " + slackDate(since))
	}
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(truncate(b.String(), maxSectionText)), nil, nil,
		slack.SectionBlockOptionBlockID(blockAlert+fp))}
	if labels := labelList(a.Labels, group); labels != "" {
		blocks = append(blocks, slack.NewContextBlock(blockLabels+fp, mrkdwn(truncate(labels, maxSectionText))))
	}
	var buttons []slack.BlockElement
	if u := string(a.Annotations["runbook_url"]); linkable(u) {
		buttons = append(buttons, linkButton("alerter_runbook", "Runbook", u))
	}
	if linkable(a.GeneratorURL) {
		buttons = append(buttons, linkButton("alerter_source", "Source", a.GeneratorURL))
	}
	if len(buttons) > 0 {
		blocks = append(blocks, slack.NewActionBlock(blockLinks+fp, buttons...))
	}
	return blocks
}

// resolvedBlock lists resolved alerts, one line each with the labels that
// tell them apart (those not common to the whole message), within a
// section's limit.
func resolvedBlock(as []*alert.Alert, common model.LabelSet) slack.Block {
	text := fmt.Sprintf(":white_check_mark: *Resolved* (%d)", len(as))
	for i, a := range as {
		line := "\n• " + escape(truncate(alertName(a), 200))
		if labels := labelList(a.Labels, common); labels != "" {
			line += " " + truncate(labels, 500)
		}
		if !a.ResolvedAt.IsZero() {
			line += " · " + slackDate(a.ResolvedAt)
		}
		if i == maxListed || utf8.RuneCountInString(text+line) > maxSectionText-50 {
			text += fmt.Sprintf("\n_…and %d more_", len(as)-i)
			break
		}
		text += line
	}
	return slack.NewSectionBlock(mrkdwn(text), nil, nil, slack.SectionBlockOptionBlockID(blockResolved))
}

// digestBlocks summarises an alert storm: counts, the rules and labels
// that dominate it, and a link to the full list.
func digestBlocks(d *notifiers.Digest) []slack.Block {
	blocks := []slack.Block{slack.NewSectionBlock(mrkdwn(fmt.Sprintf(
		":rotating_light: *Alert storm:* %d %s in %d %s within %s",
		d.Alerts, plural(d.Alerts, "alert"), d.Groups, plural(d.Groups, "group"), model.Duration(d.Window))),
		nil, nil, slack.SectionBlockOptionBlockID(blockDigest))}
	if len(d.ByRule) > 0 {
		text := "*By rule*"
		for i, c := range d.ByRule {
			line := fmt.Sprintf("\n• %s: %d", escape(truncate(c.Name, 200)), c.Count)
			if i == 2*maxListed || utf8.RuneCountInString(text+line) > maxSectionText-50 {
				text += fmt.Sprintf("\n_…and %d more rules_", len(d.ByRule)-i)
				break
			}
			text += line
		}
		blocks = append(blocks, slack.NewSectionBlock(mrkdwn(text), nil, nil, slack.SectionBlockOptionBlockID(blockDigestRules)))
	}
	if len(d.TopLabels) > 0 {
		parts := make([]string, 0, len(d.TopLabels))
		for _, l := range d.TopLabels[:min(len(d.TopLabels), maxListed)] {
			parts = append(parts, fmt.Sprintf("%s (%d)", code(string(l.Name)+"="+string(l.Value)), l.Count))
		}
		blocks = append(blocks, slack.NewContextBlock(blockDigestLabels,
			mrkdwn(truncate("*Top labels:* "+strings.Join(parts, " · "), maxSectionText))))
	}
	if linkable(d.APIURL) {
		blocks = append(blocks, slack.NewActionBlock(blockDigestLinks, linkButton("alerter_digest_all", "All alerts", d.APIURL)))
	}
	return blocks
}

// alertName is how an alert is called in a message: its summary, or its
// alertname.
func alertName(a *alert.Alert) string {
	if s := strings.TrimSpace(string(a.Annotations["summary"])); s != "" {
		return s
	}
	return string(a.Labels[model.AlertNameLabel])
}

// labelList renders the labels that are not in omit, nor in skip, as code
// spans, sorted by name.
func labelList(ls, omit model.LabelSet, skip ...model.LabelName) string {
	names := make([]string, 0, len(ls))
	for name := range ls {
		if _, ok := omit[name]; !ok && !slices.Contains(skip, name) {
			names = append(names, string(name))
		}
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, name := range names {
		parts[i] = code(name + "=" + string(ls[model.LabelName(name)]))
	}
	return strings.Join(parts, " ")
}

// severityEmoji marks an alert's severity as the default templates do.
func severityEmoji(s string) string {
	switch s {
	case "critical", "page", "error":
		return ":red_circle:"
	case "warning":
		return ":large_orange_circle:"
	case "info":
		return ":large_blue_circle:"
	}
	return ":white_circle:"
}

// slackDate shows t in each reader's time zone, with a UTC fallback.
func slackDate(t time.Time) string {
	return fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", t.Unix(), t.UTC().Format("2006-01-02 15:04 UTC"))
}

// linkButton is a button that opens u.
func linkButton(actionID, text, u string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, "", plain(truncate(text, maxButtonText))).WithURL(u)
}

// linkable accepts absolute http(s) URLs that fit in a button.
func linkable(s string) bool {
	if s == "" || len(s) > maxURL {
		return false
	}
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// mrkdwnLink is <url|text> with both parts escaped.
func mrkdwnLink(u, text string) string {
	return "<" + strings.ReplaceAll(escape(u), "|", "%7C") + "|" + escape(text) + ">"
}

// escape makes data safe in mrkdwn: &, < and > become entities, so that
// an annotation cannot mention @channel or forge a link.
func escape(s string) string { return slackutilsx.EscapeMessage(s) }

// code is s escaped in a code span.
func code(s string) string { return "`" + escape(strings.ReplaceAll(s, "`", "'")) + "`" }

func mrkdwn(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.MarkdownType, s, false, false)
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, true, false)
}

// truncate shortens s to at most n runes, marking the cut with "…".
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
