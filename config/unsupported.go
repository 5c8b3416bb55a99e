package config

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Alertmanager keys that alerter does not support are refused, each with
// the reason and what to use instead, rather than reported as unknown or
// accepted and ignored. The keys are written as paths with "[]" for any
// list index; a key refused refuses everything below it.

// viaWebhook is the advice for receivers alerter has no integration for.
const viaWebhook = "send to it with webhook_configs (Alertmanager's webhook payload) through a small relay, or use another receiver"

// unsupportedReceivers are Alertmanager's receiver types alerter has no
// integration for, with their names.
var unsupportedReceivers = map[string]string{
	"sns_configs":        "Amazon SNS",
	"wechat_configs":     "WeChat",
	"webex_configs":      "Cisco Webex",
	"jira_configs":       "Jira",
	"rocketchat_configs": "Rocket.Chat",
	"incidentio_configs": "incident.io",
	"mattermost_configs": "Mattermost",
}

// unsupportedKeys are the other refused keys, with the reason.
var unsupportedKeys = map[string]string{
	"tracing": "alerter does not export traces; remove tracing",
}

// ---- Pending: keys another branch (wip/recv) implements. -------------
// Until it is merged they are refused like unsupported ones, saying "yet".
// When merging, delete the entries that became supported from the three
// maps below: TestEveryAlertmanagerKeyHonouredOrRefused fails for a key
// that is both decoded and refused, and TestAlertmanagerFixtures lists
// the expected verdicts that flip (see its pendingFixtures).

// pendingReceivers are receiver types that alerter is getting (they are
// being built on another branch); until then they are refused like the
// others. Remove an entry when its integration lands: the key walker test
// fails while a key is both supported and refused.
var pendingReceivers = map[string]string{
	"opsgenie_configs":  "Opsgenie",
	"msteams_configs":   "Microsoft Teams",
	"msteamsv2_configs": "Microsoft Teams (Workflows)",
	"telegram_configs":  "Telegram",
	"discord_configs":   "Discord",
	"victorops_configs": "VictorOps",
	"pushover_configs":  "Pushover",
}

// pendingKeys are Alertmanager keys of receivers and globals that are
// being added on another branch (see pendingReceivers), with the
// receiver they belong to.
var pendingKeys = map[string]refusal{
	"global.smtp_tls_config":                           {"a global smtp_tls_config", "set tls_config on each email_configs entry"},
	"receivers[].pagerduty_configs[].service_key":      {"PagerDuty's Events API v1 (service_key)", "use routing_key (Events API v2)"},
	"receivers[].pagerduty_configs[].service_key_file": {"PagerDuty's Events API v1 (service_key_file)", "use routing_key_file (Events API v2)"},
	"receivers[].slack_configs[].actions":              {"Slack message actions", "remove actions (bot-mode messages have Acknowledge and Silence buttons, see web.slack_interactions)"},
	"receivers[].slack_configs[].callback_id":          {"Slack callback_id", "remove it"},
	"receivers[].slack_configs[].fallback":             {"Slack fallback text", "remove it"},
	"receivers[].slack_configs[].fields":               {"Slack attachment fields", "put them in text"},
	"receivers[].slack_configs[].image_url":            {"Slack image_url", "remove it"},
	"receivers[].slack_configs[].link_names":           {"Slack link_names", "remove it"},
	"receivers[].slack_configs[].mrkdwn_in":            {"Slack mrkdwn_in", "remove it"},
	"receivers[].slack_configs[].pretext":              {"Slack pretext", "put it in text"},
	"receivers[].slack_configs[].short_fields":         {"Slack short_fields", "remove it"},
	"receivers[].slack_configs[].thumb_url":            {"Slack thumb_url", "remove it"},
}

// refusal is what alerter does not support, and what to do instead.
type refusal struct{ what, instead string }

// pendingGlobalPrefixes are the prefixes of the global keys of
// pendingReceivers.
var pendingGlobalPrefixes = map[string]string{
	"opsgenie_":  "Opsgenie",
	"victorops_": "VictorOps",
	"telegram_":  "Telegram",
}

// ---- End of pending. ---------------------------------------------------

// unsupported returns the message for a decoding error about a key
// alerter refuses on purpose.
func unsupported(e *Error) (string, bool) {
	key, ok := unknownField(e.Msg)
	if !ok {
		return "", false
	}
	path := normalizePath(e.Path)
	full := key
	if path != "" {
		full = path + "." + key
	}
	if path == "receivers[]" {
		if name, ok := unsupportedReceivers[key]; ok {
			return fmt.Sprintf("alerter does not support %s receivers (%s): %s", name, key, viaWebhook), true
		}
		if name, ok := pendingReceivers[key]; ok {
			return fmt.Sprintf("alerter does not support %s receivers (%s) yet: %s", name, key, viaWebhook), true
		}
		if strings.HasSuffix(key, "_configs") {
			// A receiver type of a later Alertmanager, or a typo.
			return fmt.Sprintf("alerter does not support %s receivers (it has webhook_configs, slack_configs, pagerduty_configs and email_configs): %s",
				strings.TrimSuffix(key, "_configs"), viaWebhook), true
		}
	}
	if msg, ok := unsupportedKeys[full]; ok {
		return msg, true
	}
	if r, ok := pendingKeys[full]; ok {
		return fmt.Sprintf("alerter does not support %s yet: %s", r.what, r.instead), true
	}
	if path == "global" {
		for prefix, name := range globalPrefixes {
			if strings.HasPrefix(key, prefix) {
				return fmt.Sprintf("alerter does not support %s receivers, so %s has no use: remove it (%s)", name, key, viaWebhook), true
			}
		}
		for prefix, name := range pendingGlobalPrefixes {
			if strings.HasPrefix(key, prefix) {
				return fmt.Sprintf("alerter does not support %s receivers yet, so %s has no use: remove it (%s)", name, key, viaWebhook), true
			}
		}
	}
	return "", false
}

// globalPrefixes maps the prefixes of receiver-specific global keys to
// the receivers they configure (pendingGlobalPrefixes has more).
var globalPrefixes = map[string]string{
	"wechat_":     "WeChat",
	"webex_":      "Cisco Webex",
	"jira_":       "Jira",
	"rocketchat_": "Rocket.Chat",
	"incidentio_": "incident.io",
}

var unknownFieldRE = regexp.MustCompile(`^unknown field (".*")$`)

// unknownField returns the key of a strictyaml "unknown field" message.
func unknownField(msg string) (string, bool) {
	m := unknownFieldRE.FindStringSubmatch(msg)
	if m == nil {
		return "", false
	}
	k, err := strconv.Unquote(m[1])
	return k, err == nil
}

func isUnknownField(msg string) bool {
	_, ok := unknownField(msg)
	return ok
}

var indexRE = regexp.MustCompile(`\[\d+\]`)

// normalizePath replaces list indexes by "[]".
func normalizePath(p string) string { return indexRE.ReplaceAllString(p, "[]") }

// regexpMaps are the keys whose values are maps of label names to regular
// expressions.
var regexpMaps = map[string]bool{"match_re": true, "source_match_re": true, "target_match_re": true}

// nullRegexps refuses a label with no value in match_re, source_match_re
// or target_match_re, as Alertmanager does (an empty string is a regular
// expression that matches only the empty value; null is not one). Without
// this the null would decode as "" and quietly match every alert without
// the label.
func nullRegexps(doc *yaml.Node) Errors {
	var errs Errors
	seen := map[*yaml.Node]bool{}
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n == nil || seen[n] {
			return
		}
		seen[n] = true
		if n.Kind == yaml.AliasNode {
			walk(n.Alias)
			return
		}
		for i, c := range n.Content {
			if n.Kind == yaml.MappingNode && i%2 == 1 && regexpMaps[n.Content[i-1].Value] && c.Kind == yaml.MappingNode {
				for j := 0; j+1 < len(c.Content); j += 2 {
					if v := c.Content[j+1]; v.Kind == yaml.ScalarNode && v.ShortTag() == "!!null" {
						k := c.Content[j]
						errs = append(errs, &Error{Line: k.Line, Column: k.Column, Path: n.Content[i-1].Value,
							Msg: fmt.Sprintf("invalid regexp value for %q: a label needs a regular expression (\"\" matches only the empty value)", k.Value)})
					}
				}
			}
			walk(c)
		}
	}
	walk(doc)
	return errs
}
