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

// refusal is what alerter does not support, and what to do instead.
type refusal struct{ what, instead string }

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
		if strings.HasSuffix(key, "_configs") {
			// A receiver type of a later Alertmanager, or a typo.
			return fmt.Sprintf("alerter does not support %s receivers (it has webhook, slack, pagerduty, email, opsgenie, msteams, msteamsv2, telegram, discord, victorops and pushover configs): %s",
				strings.TrimSuffix(key, "_configs"), viaWebhook), true
		}
	}
	if msg, ok := unsupportedKeys[full]; ok {
		return msg, true
	}
	if path == "global" {
		for prefix, name := range globalPrefixes {
			if strings.HasPrefix(key, prefix) {
				return fmt.Sprintf("alerter does not support %s receivers, so %s has no use: remove it (%s)", name, key, viaWebhook), true
			}
		}
	}
	return "", false
}

// globalPrefixes maps the prefixes of receiver-specific global keys to
// the receivers they configure.
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
