package slack

import (
	"fmt"
	"slices"
	"unicode/utf8"
)

// This file checks Block Kit the way Slack does before accepting a
// message, from Slack's reference (docs.slack.dev/reference/block-kit),
// independently of slack-go's types: known block types and properties,
// text objects, and the length and count limits.

// blockKit accumulates the problems of one message's blocks.
type blockKit struct {
	problems []string
	blocks   int
	ids      map[string]bool
}

func newBlockKit() *blockKit { return &blockKit{ids: map[string]bool{}} }

func (v *blockKit) fail(where, format string, args ...any) {
	v.problems = append(v.problems, where+": "+fmt.Sprintf(format, args...))
}

// done returns the problems, including the message-wide block count.
func (v *blockKit) done() []string {
	if v.blocks > 50 {
		v.fail("message", "%d blocks, Slack allows 50", v.blocks)
	}
	return v.problems
}

// blockKeys are the properties a block type may have; false for unknown
// types.
func blockKeys(typ string) ([]string, bool) {
	switch typ {
	case "header":
		return []string{"type", "block_id", "text"}, true
	case "section":
		return []string{"type", "block_id", "text", "fields", "accessory", "expand"}, true
	case "context", "actions":
		return []string{"type", "block_id", "elements"}, true
	case "divider":
		return []string{"type", "block_id"}, true
	case "image":
		return []string{"type", "block_id", "image_url", "alt_text", "title"}, true
	}
	return nil, false
}

// checkBlocks checks a "blocks" value.
func (v *blockKit) checkBlocks(where string, raw any) {
	list, ok := raw.([]any)
	if !ok {
		v.fail(where, "blocks is %T, not an array", raw)
		return
	}
	v.blocks += len(list)
	for i, b := range list {
		v.checkBlock(fmt.Sprintf("%s[%d]", where, i), b)
	}
}

func (v *blockKit) checkBlock(where string, raw any) {
	b, ok := raw.(map[string]any)
	if !ok {
		v.fail(where, "block is %T", raw)
		return
	}
	typ, _ := b["type"].(string)
	keys, known := blockKeys(typ)
	if !known {
		v.fail(where, "unknown block type %q", typ)
		return
	}
	for k := range b {
		if !slices.Contains(keys, k) {
			v.fail(where, "%s block has no property %q", typ, k)
		}
	}
	if id, ok := b["block_id"]; ok {
		s, _ := id.(string)
		switch {
		case s == "" || utf8.RuneCountInString(s) > 255:
			v.fail(where, "block_id %q must have 1 to 255 characters", s)
		case v.ids[s]:
			v.fail(where, "block_id %q is not unique in the message", s)
		}
		v.ids[s] = true
	}
	switch typ {
	case "header":
		v.checkText(where+".text", b["text"], "plain_text", 150)
	case "section":
		_, hasText := b["text"]
		fields, hasFields := b["fields"].([]any)
		if !hasText && !hasFields {
			v.fail(where, "section needs text or fields")
		}
		if hasText {
			v.checkText(where+".text", b["text"], "", 3000)
		}
		if len(fields) > 10 {
			v.fail(where, "%d fields, at most 10", len(fields))
		}
		for i, f := range fields {
			v.checkText(fmt.Sprintf("%s.fields[%d]", where, i), f, "", 2000)
		}
		if acc, ok := b["accessory"]; ok {
			v.checkElement(where+".accessory", acc, map[string]bool{})
		}
	case "image":
		v.checkImage(where, b)
	case "context":
		els, _ := b["elements"].([]any)
		if len(els) == 0 || len(els) > 10 {
			v.fail(where, "context has %d elements, needs 1 to 10", len(els))
		}
		for i, e := range els {
			w := fmt.Sprintf("%s.elements[%d]", where, i)
			if m, ok := e.(map[string]any); ok && m["type"] == "image" {
				if m["image_url"] == nil || m["alt_text"] == nil {
					v.fail(w, "image needs image_url and alt_text")
				}
				continue
			}
			v.checkText(w, e, "", 3000)
		}
	case "actions":
		els, _ := b["elements"].([]any)
		if len(els) == 0 || len(els) > 25 {
			v.fail(where, "actions has %d elements, needs 1 to 25", len(els))
		}
		actionIDs := map[string]bool{}
		for i, e := range els {
			v.checkElement(fmt.Sprintf("%s.elements[%d]", where, i), e, actionIDs)
		}
	}
}

// checkElement checks an interactive element; only buttons are used.
func (v *blockKit) checkElement(where string, raw any, actionIDs map[string]bool) {
	e, ok := raw.(map[string]any)
	if !ok {
		v.fail(where, "element is %T", raw)
		return
	}
	if e["type"] == "image" {
		for k := range e {
			if !slices.Contains([]string{"type", "image_url", "alt_text"}, k) {
				v.fail(where, "image element has no property %q", k)
			}
		}
		v.checkImage(where, e)
		return
	}
	if e["type"] != "button" {
		v.fail(where, "unexpected element type %v", e["type"])
		return
	}
	for k := range e {
		if !slices.Contains([]string{"type", "text", "action_id", "url", "value", "style", "confirm", "accessibility_label"}, k) {
			v.fail(where, "button has no property %q", k)
		}
	}
	v.checkText(where+".text", e["text"], "plain_text", 75)
	if id, ok := e["action_id"].(string); ok {
		if id == "" || len(id) > 255 {
			v.fail(where, "action_id %q must have 1 to 255 characters", id)
		}
		if actionIDs[id] {
			v.fail(where, "action_id %q is not unique in its block", id)
		}
		actionIDs[id] = true
	}
	if u, ok := e["url"].(string); ok && (u == "" || len(u) > 3000) {
		v.fail(where, "url must have 1 to 3000 characters")
	}
	if s, ok := e["style"]; ok && s != "primary" && s != "danger" {
		v.fail(where, "style %v", s)
	}
	if val, ok := e["value"]; ok {
		if s, _ := val.(string); s == "" || utf8.RuneCountInString(s) > 2000 {
			v.fail(where, "value must have 1 to 2000 characters")
		}
	}
	if c, ok := e["confirm"]; ok {
		v.checkConfirm(where+".confirm", c)
	}
}

// checkImage checks an image block or element: an absolute http(s)
// image_url of at most 3000 characters and an alt_text of 1 to 2000.
func (v *blockKit) checkImage(where string, m map[string]any) {
	u, _ := m["image_url"].(string)
	if !linkable(u) {
		v.fail(where, "image_url %q is not an absolute http(s) URL", u)
	}
	if alt, _ := m["alt_text"].(string); alt == "" || utf8.RuneCountInString(alt) > 2000 {
		v.fail(where, "alt_text must have 1 to 2000 characters")
	}
}

// checkConfirm checks a confirmation dialog object.
func (v *blockKit) checkConfirm(where string, raw any) {
	c, ok := raw.(map[string]any)
	if !ok {
		v.fail(where, "confirm is %T", raw)
		return
	}
	for k := range c {
		if !slices.Contains([]string{"title", "text", "confirm", "deny", "style"}, k) {
			v.fail(where, "confirm has no property %q", k)
		}
	}
	v.checkText(where+".title", c["title"], "plain_text", 100)
	v.checkText(where+".text", c["text"], "plain_text", 300)
	v.checkText(where+".confirm", c["confirm"], "plain_text", 30)
	if d, ok := c["deny"]; ok {
		v.checkText(where+".deny", d, "plain_text", 30)
	}
	if s, ok := c["style"]; ok && s != "primary" && s != "danger" {
		v.fail(where, "style %v", s)
	}
}

// checkText checks a text object; typ "" allows plain_text and mrkdwn.
func (v *blockKit) checkText(where string, raw any, typ string, maxLen int) {
	t, ok := raw.(map[string]any)
	if !ok {
		v.fail(where, "text object is %T", raw)
		return
	}
	got, _ := t["type"].(string)
	if got != "plain_text" && got != "mrkdwn" || typ != "" && got != typ {
		v.fail(where, "text type %q", got)
	}
	for k := range t {
		switch k {
		case "type", "text":
		case "emoji":
			if got != "plain_text" {
				v.fail(where, "emoji is only for plain_text")
			}
		case "verbatim":
			if got != "mrkdwn" {
				v.fail(where, "verbatim is only for mrkdwn")
			}
		default:
			v.fail(where, "text object has no property %q", k)
		}
	}
	s, _ := t["text"].(string)
	if n := utf8.RuneCountInString(s); n == 0 || n > maxLen {
		v.fail(where, "text has %d characters, needs 1 to %d", n, maxLen)
	}
}

// checkAttachments checks an "attachments" value: secondary attachments
// whose content is blocks.
func (v *blockKit) checkAttachments(where string, raw any) {
	list, ok := raw.([]any)
	if !ok {
		v.fail(where, "attachments is %T, not an array", raw)
		return
	}
	if len(list) > 100 {
		v.fail(where, "%d attachments", len(list))
	}
	for i, a := range list {
		w := fmt.Sprintf("%s[%d]", where, i)
		m, ok := a.(map[string]any)
		if !ok {
			v.fail(w, "attachment is %T", a)
			continue
		}
		for k := range m {
			if !slices.Contains([]string{"color", "fallback", "blocks", "callback_id", "mrkdwn_in"}, k) {
				v.fail(w, "unexpected attachment property %q", k)
			}
		}
		if c, ok := m["color"].(string); ok && c == "" {
			v.fail(w, "empty color")
		}
		if b, ok := m["blocks"]; ok {
			v.checkBlocks(w+".blocks", b)
		}
	}
}
