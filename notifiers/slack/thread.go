package slack

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers"
)

// threadText is the reply threaded under a group's message when the
// message is edited: what changed since the previous notification, one
// line per kind of change, or a reminder when nothing did. "" means no
// reply.
func threadText(m *notifiers.Message) string {
	c, common := m.Changes, m.CommonLabels()
	if m.Status() == "resolved" {
		if stable := filterFiring(c.Stable, false); len(stable) > 0 {
			return ":white_check_mark: *resolved*, stable again after flapping: " + names(stable, common) +
				" — all alerts of this group have resolved"
		}
		if len(c.Resolved) == 0 {
			return ":white_check_mark: *resolved*: all alerts of this group have resolved"
		}
		return ":white_check_mark: *resolved*: " + names(c.Resolved, common) +
			" — all alerts of this group have resolved"
	}
	var lines []string
	// Raised alerts by their new severity, the most severe first.
	bySeverity := map[string][]*alert.Alert{}
	var severities []string
	for _, a := range c.Raised {
		s := a.Severity()
		if _, ok := bySeverity[s]; !ok {
			severities = append(severities, s)
		}
		bySeverity[s] = append(bySeverity[s], a)
	}
	slices.SortStableFunc(severities, func(a, b string) int { return severityRank(a) - severityRank(b) })
	for _, s := range severities {
		lines = append(lines, fmt.Sprintf(":arrow_up: severity raised to *%s*: %s",
			escape(cmp.Or(s, "none")), names(bySeverity[s], common)))
	}
	if len(c.Firing) > 0 {
		lines = append(lines, ":fire: new: "+names(c.Firing, common))
	}
	if len(c.Flapping) > 0 {
		lines = append(lines, ":repeat: flapping, held until stable: "+names(c.Flapping, common))
	}
	if firing := filterFiring(c.Stable, true); len(firing) > 0 {
		lines = append(lines, ":ok: stable again, still firing: "+names(firing, common))
	}
	if len(c.Resolved) > 0 {
		lines = append(lines, ":white_check_mark: resolved: "+names(c.Resolved, common))
	}
	// Acknowledgements, grouped by who acknowledged.
	var ackers []string
	byAcker := map[string][]*alert.Alert{}
	for _, a := range c.Acked {
		k, _ := m.Ack(a)
		if _, ok := byAcker[k.By]; !ok {
			ackers = append(ackers, k.By)
		}
		byAcker[k.By] = append(byAcker[k.By], a)
	}
	for _, by := range ackers {
		lines = append(lines, ":eyes: acknowledged by *"+escape(truncate(by, 100))+"*: "+names(byAcker[by], common))
	}
	if e := m.Escalation; e != nil {
		lines = append(lines, fmt.Sprintf(":rotating_light: escalated to level %d of %d (%s): not acknowledged",
			e.Level, e.Levels, escape(truncate(e.Policy, 100))))
	}
	if len(lines) == 0 && c.Repeat {
		n := len(m.Firing())
		lines = append(lines, fmt.Sprintf(":repeat: still firing: %d %s", n, plural(n, "alert")))
	}
	return truncate(strings.Join(lines, "\n"), maxText)
}

// names lists alerts by name and the labels that tell them apart (those
// not common to the message), up to maxListed.
func names(as []*alert.Alert, common model.LabelSet) string {
	parts := make([]string, 0, min(len(as), maxListed)+1)
	for _, a := range as[:min(len(as), maxListed)] {
		p := "*" + escape(truncate(alertName(a), 200)) + "*"
		if labels := labelList(a.Labels, common, "severity"); labels != "" {
			p += " " + truncate(labels, 300)
		}
		parts = append(parts, p)
	}
	if more := len(as) - maxListed; more > 0 {
		parts = append(parts, fmt.Sprintf("and %d more", more))
	}
	return strings.Join(parts, ", ")
}

// severityRank orders severities as notifiers.Message.HighestSeverity
// does: critical and page, error, warning, info, none, then unknown ones.
func severityRank(s string) int {
	switch s {
	case "critical", "page":
		return 0
	case "error":
		return 1
	case "warning":
		return 2
	case "info":
		return 3
	case "none":
		return 4
	}
	return 5
}

// filterFiring returns the alerts of as that are firing (or not).
func filterFiring(as []*alert.Alert, firing bool) []*alert.Alert {
	var out []*alert.Alert
	for _, a := range as {
		if (a.State == alert.StateFiring) == firing {
			out = append(out, a)
		}
	}
	return out
}
