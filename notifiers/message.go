package notifiers

import (
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

// Message is what one notification says: the events of one group, oldest
// first, for one receiver. A Message holds at most one event per alert
// instance, so that its status and labels describe a single moment of each
// alert; a later event of the same alert goes into the next Message of the
// group.
type Message struct {
	// Receiver names the receiver the message is for.
	Receiver string
	// GroupKey identifies the group across messages, in Alertmanager's
	// format (`{}:{alertname="X"}`), so that receivers can thread or
	// deduplicate notifications.
	GroupKey string
	// GroupLabels are the labels the events were grouped by.
	GroupLabels model.LabelSet
	// Events are the events in outbox order.
	Events []*alert.Event
}

// Status is "firing" when any event of the message is firing and
// "resolved" otherwise, as in Alertmanager's payloads.
func (m *Message) Status() string {
	for _, e := range m.Events {
		if e.Status() == "firing" {
			return "firing"
		}
	}
	return "resolved"
}

// CommonLabels returns the labels that every event's alert has, with the
// same value. It never returns nil.
func (m *Message) CommonLabels() model.LabelSet {
	return common(m.Events, func(e *alert.Event) model.LabelSet { return e.Alert.Labels })
}

// CommonAnnotations returns the annotations that every event's alert has,
// with the same value. It never returns nil.
func (m *Message) CommonAnnotations() model.LabelSet {
	return common(m.Events, func(e *alert.Event) model.LabelSet { return e.Alert.Annotations })
}

// common intersects the label sets that get returns for each event.
func common(events []*alert.Event, get func(*alert.Event) model.LabelSet) model.LabelSet {
	out := model.LabelSet{}
	if len(events) == 0 {
		return out
	}
	for name, value := range get(events[0]) {
		out[name] = value
	}
	for _, e := range events[1:] {
		ls := get(e)
		for name, value := range out {
			if v, ok := ls[name]; !ok || v != value {
				delete(out, name)
			}
		}
	}
	return out
}
