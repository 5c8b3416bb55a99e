package ruletest

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/internal/sim"
)

// notified is one notification as tests compare it: what one receiver was
// told at one time. The integrations of a receiver that were told the
// same thing count once.
type notified struct {
	at           time.Time
	receiver     string
	integrations []string
	status       string
	groupLabels  labels.Labels
	escalation   int
	repeat       bool
	digest       bool
	alerts       []notifiedAlert
}

type notifiedAlert struct {
	labels, annotations labels.Labels
	status              string
}

func (a notifiedAlert) String() string {
	return a.status + " " + a.labels.String()
}

func (n *notified) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "to %s at %s: %s", n.receiver, formatOffset(n.at), n.status)
	if n.digest {
		b.WriteString(" (storm digest)")
	}
	fmt.Fprintf(&b, ", group %s", n.groupLabels)
	if n.escalation > 0 {
		fmt.Fprintf(&b, ", escalation level %d", n.escalation)
	}
	if n.repeat {
		b.WriteString(", repeat")
	}
	if len(n.integrations) > 1 {
		fmt.Fprintf(&b, " (%s)", strings.Join(n.integrations, ", "))
	}
	for _, a := range n.alerts {
		b.WriteString("\n    " + a.String())
	}
	return b.String()
}

// toNotified turns the dispatcher's queued messages into notifications,
// merging those of one receiver's integrations that say the same.
func toNotified(ns []sim.Notification) []*notified {
	var out []*notified
	for _, n := range ns {
		m := n.Message
		x := &notified{
			at: n.At, receiver: n.Receiver, integrations: []string{n.Integration},
			status: "resolved", groupLabels: fromLabelSet(m.GroupLabels), repeat: m.Changes.Repeat, digest: m.Digest != nil,
		}
		if m.Escalation != nil {
			x.escalation = m.Escalation.Level
		}
		for _, a := range m.Alerts {
			st := "resolved"
			if a.State == alert.StateFiring {
				st, x.status = "firing", "firing"
			}
			x.alerts = append(x.alerts, notifiedAlert{fromLabelSet(a.Labels), fromLabelSet(a.Annotations), st})
		}
		if x.digest {
			x.status = "firing"
		}
		slices.SortFunc(x.alerts, func(a, b notifiedAlert) int { return labels.Compare(a.labels, b.labels) })
		merged := false
		for _, prev := range out {
			if prev.sameAs(x) {
				prev.integrations = append(prev.integrations, n.Integration)
				merged = true
				break
			}
		}
		if !merged {
			out = append(out, x)
		}
	}
	return out
}

func (n *notified) sameAs(o *notified) bool {
	return n.at.Equal(o.at) && n.receiver == o.receiver && n.status == o.status && n.escalation == o.escalation &&
		n.repeat == o.repeat && n.digest == o.digest && labels.Equal(n.groupLabels, o.groupLabels) &&
		slices.EqualFunc(n.alerts, o.alerts, func(a, b notifiedAlert) bool {
			return a.status == b.status && labels.Equal(a.labels, b.labels) && labels.Equal(a.annotations, b.annotations)
		})
}

// matches reports whether a notification is what e expects: the fields e
// sets, and exactly the alerts it lists.
func (e *ExpNotification) matches(n *notified) bool {
	if e.Receiver != n.receiver || e.Status != "" && e.Status != n.status {
		return false
	}
	if e.At != nil && !epoch.Add(time.Duration(*e.At)).Equal(n.at) {
		return false
	}
	if e.GroupLabels != nil && !labels.Equal(labels.FromMap(e.GroupLabels), n.groupLabels) {
		return false
	}
	if e.EscalationLevel != nil && *e.EscalationLevel != n.escalation {
		return false
	}
	if e.Repeat != nil && *e.Repeat != n.repeat {
		return false
	}
	if len(e.Alerts) != len(n.alerts) {
		return false
	}
	used := make([]bool, len(n.alerts))
	for _, ea := range e.Alerts {
		want := labels.FromMap(ea.ExpLabels)
		st := ea.Status
		if st == "" {
			st = "firing"
		}
		found := false
		for i, a := range n.alerts {
			if used[i] || a.status != st || !labels.Equal(want, a.labels) {
				continue
			}
			if ea.ExpAnnotations != nil && !labels.Equal(labels.FromMap(ea.ExpAnnotations), a.annotations) {
				continue
			}
			used[i], found = true, true
			break
		}
		if !found {
			return false
		}
	}
	return true
}

func (e *ExpNotification) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "to %s", e.Receiver)
	if e.At != nil {
		fmt.Fprintf(&b, " at %s", *e.At)
	}
	if e.Status != "" {
		b.WriteString(": " + e.Status)
	}
	if e.GroupLabels != nil {
		fmt.Fprintf(&b, ", group %s", labels.FromMap(e.GroupLabels))
	}
	if e.EscalationLevel != nil {
		fmt.Fprintf(&b, ", escalation level %d", *e.EscalationLevel)
	}
	if e.Repeat != nil && *e.Repeat {
		b.WriteString(", repeat")
	}
	for _, a := range e.Alerts {
		st := a.Status
		if st == "" {
			st = "firing"
		}
		fmt.Fprintf(&b, "\n    %s %s", st, labels.FromMap(a.ExpLabels))
		if a.ExpAnnotations != nil {
			fmt.Fprintf(&b, " annotations %s", labels.FromMap(a.ExpAnnotations))
		}
	}
	return b.String()
}

// checkNotifications compares the notifications sent since the previous
// notification test (or the start) with notification test i.
func (r *groupRun) checkNotifications(i int) {
	tc := r.tg.NotifTests[i]
	window := r.notifs[r.notifFrom:]
	from, checked := r.notifCheckedAt, r.notifChecked
	r.notifFrom, r.notifCheckedAt, r.notifChecked = len(r.notifs), tc.EvalTime, true
	got := toNotified(window)
	used := make([]bool, len(got))
	var missing []*ExpNotification
	for k := range tc.ExpNotifications {
		e := &tc.ExpNotifications[k]
		found := false
		for j, n := range got {
			if !used[j] && e.matches(n) {
				used[j], found = true, true
				break
			}
		}
		if !found {
			missing = append(missing, e)
		}
	}
	var unexpected []*notified
	for j, n := range got {
		if !used[j] {
			unexpected = append(unexpected, n)
		}
	}
	if len(missing) == 0 && len(unexpected) == 0 {
		return
	}
	var b strings.Builder
	since := "the start"
	if checked {
		since = from.String()
	}
	fmt.Fprintf(&b, "notifications, time: %s (sent after %s),\n", tc.EvalTime, since)
	fmt.Fprintf(&b, "    expected %s, got %s", plural(len(tc.ExpNotifications), "notification"), plural(len(got), ""))
	for _, m := range missing {
		b.WriteString("\n    missing:    " + indentRest(m.String(), "                "))
	}
	for _, u := range unexpected {
		b.WriteString("\n    unexpected: " + indentRest(u.String(), "                "))
	}
	r.fail("%s", b.String())
}

// indentRest indents every line of s but the first.
func indentRest(s, prefix string) string {
	return strings.ReplaceAll(s, "\n", "\n"+prefix)
}
