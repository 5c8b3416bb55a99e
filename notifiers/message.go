package notifiers

import (
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

// Message is one notification: the current state of one alert group, for
// one receiver. Every message carries the whole group (as Alertmanager's
// do), so a receiver that missed one loses nothing; Changes says what is
// new since the previous message of the group, for integrations that post
// deltas (Slack threads).
type Message struct {
	// Receiver names the receiver the message is for.
	Receiver string
	// GroupKey identifies the group across messages, in Alertmanager's
	// format (`{}/{severity="critical"}:{alertname="X"}`), so receivers
	// can thread or deduplicate notifications.
	GroupKey string
	// GroupLabels are the labels the alerts were grouped by.
	GroupLabels model.LabelSet
	// Alerts are the group's firing alerts (State firing) followed by its
	// resolved ones (State inactive, ResolvedAt set), each sorted by
	// labels. Labels include external labels.
	Alerts []*alert.Alert
	// Changes since the previous message of this group to this receiver.
	Changes Changes
	// Digest is set when storm control replaced per-group messages with one
	// summary for the receiver; Alerts is then empty.
	Digest *Digest
	// ExternalURL is alerter's own URL, for links back to the API.
	ExternalURL string
	// At is when the message was composed.
	At time.Time
	// Acks are the acknowledgements of the message's firing alerts that
	// are acknowledged, by alert fingerprint.
	Acks map[model.Fingerprint]alert.Ack
	// Escalation is set on the notifications an escalation policy sends
	// (a level reached, or the last level repeated).
	Escalation *Escalation
	// State is integration-private state for this group (for example the
	// Slack message to update), kept across messages and restarts. An
	// integration reads it and updates it in place; it is saved after a
	// successful Notify. Never nil when passed to Notify.
	State map[string]string
}

// Changes lists what changed in a group since its previous message.
type Changes struct {
	// Firing are alerts that were not firing in the previous message.
	Firing []*alert.Alert
	// Resolved are alerts that resolved since the previous message.
	Resolved []*alert.Alert
	// Raised are alerts whose severity rose since the previous message.
	Raised []*alert.Alert
	// Acked are alerts acknowledged since the previous message.
	Acked []*alert.Alert
	// Flapping are alerts that began flapping since the previous message
	// (or fired, flapping, since): firing on and off too often. They stay
	// in the message's firing alerts, and receivers hear nothing more
	// about them until they are stable.
	Flapping []*alert.Alert
	// Stable are alerts that were flapping in the previous message and
	// are stable now: firing (also in the message's firing alerts), or
	// resolved (also in Resolved).
	Stable []*alert.Alert
	// Repeat is true when nothing changed and the message repeats the
	// group's state after repeat_interval (or an escalation repeat).
	Repeat bool
}

// Escalation says which level of which escalation policy a notification
// is sent for.
type Escalation struct {
	Policy string `json:"policy"`
	// Level is 1-based; Levels is how many the policy has.
	Level  int  `json:"level"`
	Levels int  `json:"levels"`
	Repeat bool `json:"repeat,omitempty"`
}

// Ack returns the acknowledgement of a, if the message says it is
// acknowledged.
func (m *Message) Ack(a *alert.Alert) (alert.Ack, bool) {
	if len(m.Acks) == 0 {
		return alert.Ack{}, false
	}
	k, ok := m.Acks[a.Fingerprint()]
	return k, ok
}

// AllAcknowledged reports whether every firing alert of the message is
// acknowledged (and at least one is firing).
func (m *Message) AllAcknowledged() bool {
	n := 0
	for _, a := range m.Alerts {
		if a.State != alert.StateFiring {
			continue
		}
		if _, ok := m.Ack(a); !ok {
			return false
		}
		n++
	}
	return n > 0
}

// Digest summarises an alert storm for one receiver.
type Digest struct {
	// Alerts is how many alerts started firing for the receiver in the
	// window; Resolved how many resolved.
	Alerts   int
	Resolved int
	// Groups is how many groups they were in.
	Groups int
	// Window is the storm-control window.
	Window time.Duration
	// ByRule counts alerts by alertname, largest first.
	ByRule []Count
	// TopLabels counts the most frequent label values, largest first.
	TopLabels []LabelCount
	// APIURL lists the alerts in alerter's API.
	APIURL string
}

// Count is a name and how often it occurred.
type Count struct {
	Name  string
	Count int
}

// LabelCount is a label value and how often it occurred.
type LabelCount struct {
	Name  model.LabelName
	Value model.LabelValue
	Count int
}

// Status is "firing" when any alert of the message is firing and
// "resolved" otherwise, as in Alertmanager's payloads.
func (m *Message) Status() string {
	if m.Digest != nil {
		return "firing"
	}
	for _, a := range m.Alerts {
		if a.State == alert.StateFiring {
			return "firing"
		}
	}
	return "resolved"
}

// Firing returns the message's firing alerts.
func (m *Message) Firing() []*alert.Alert { return filter(m.Alerts, true) }

// Resolved returns the message's resolved alerts.
func (m *Message) Resolved() []*alert.Alert { return filter(m.Alerts, false) }

func filter(as []*alert.Alert, firing bool) []*alert.Alert {
	var out []*alert.Alert
	for _, a := range as {
		if (a.State == alert.StateFiring) == firing {
			out = append(out, a)
		}
	}
	return out
}

// HighestSeverity returns the most severe severity label among the firing
// alerts, by the order critical, error, warning, info, none; "" if none.
func (m *Message) HighestSeverity() string {
	best, rank := "", len(severityOrder)+1
	for _, a := range m.Firing() {
		s := a.Severity()
		r, ok := severityOrder[s]
		if !ok {
			r = len(severityOrder)
		}
		if r < rank {
			best, rank = s, r
		}
	}
	return best
}

var severityOrder = map[string]int{"critical": 0, "page": 0, "error": 1, "warning": 2, "info": 3, "none": 4}

// CommonLabels returns the labels that every alert has, with the same
// value. It never returns nil.
func (m *Message) CommonLabels() model.LabelSet {
	return common(m.Alerts, func(a *alert.Alert) model.LabelSet { return a.Labels })
}

// CommonAnnotations returns the annotations that every alert has, with
// the same value. It never returns nil.
func (m *Message) CommonAnnotations() model.LabelSet {
	return common(m.Alerts, func(a *alert.Alert) model.LabelSet { return a.Annotations })
}

// common intersects the label sets that get returns for each alert.
func common(as []*alert.Alert, get func(*alert.Alert) model.LabelSet) model.LabelSet {
	out := model.LabelSet{}
	if len(as) == 0 {
		return out
	}
	for name, value := range get(as[0]) {
		out[name] = value
	}
	for _, a := range as[1:] {
		ls := get(a)
		for name, value := range out {
			if v, ok := ls[name]; !ok || v != value {
				delete(out, name)
			}
		}
	}
	return out
}

// SortAlerts orders alerts firing first, then by labels as
// model.LabelSet.Before does (fewer labels first, then by the first label
// name or value that differs), for stable messages and golden files. Each
// alert's labels are sorted once, not at every comparison: a storm's group
// holds thousands.
func SortAlerts(as []*alert.Alert) {
	keys := make([]sortKey, len(as))
	for i, a := range as {
		keys[i] = sortKey{a: a, firing: a.State == alert.StateFiring, labels: sortedPairs(a.Labels)}
	}
	sort.SliceStable(keys, func(i, j int) bool { return keys[i].before(&keys[j]) })
	for i := range keys {
		as[i] = keys[i].a
	}
}

// sortKey is an alert with its labels sorted by name.
type sortKey struct {
	a      *alert.Alert
	firing bool
	labels []model.LabelPair
}

func sortedPairs(ls model.LabelSet) []model.LabelPair {
	out := make([]model.LabelPair, 0, len(ls))
	for n, v := range ls {
		out = append(out, model.LabelPair{Name: n, Value: v})
	}
	slices.SortFunc(out, func(x, y model.LabelPair) int { return strings.Compare(string(x.Name), string(y.Name)) })
	return out
}

// before is model.LabelSet.Before on sorted labels: at the first position
// where the names differ, the set with the smaller name lacks it in the
// other and sorts after it.
func (k *sortKey) before(o *sortKey) bool {
	if k.firing != o.firing {
		return k.firing
	}
	if len(k.labels) != len(o.labels) {
		return len(k.labels) < len(o.labels)
	}
	for i := range k.labels {
		x, y := &k.labels[i], &o.labels[i]
		if x.Name != y.Name {
			return x.Name > y.Name
		}
		if x.Value != y.Value {
			return x.Value < y.Value
		}
	}
	return false
}
