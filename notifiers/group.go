package notifiers

import (
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

// group is the pending events of one group, split into the Messages that
// carry them, in outbox order.
type group struct {
	messages []*Message
	// seen holds the alert instances of the last message.
	seen map[alert.Key]bool
}

// add appends e to the last message, or to a new one when the last
// message already has an event of the same alert instance.
func (g *group) add(e *alert.Event, proto Message) {
	if len(g.messages) == 0 || g.seen[e.Alert.Key] {
		m := proto
		g.messages = append(g.messages, &m)
		g.seen = map[alert.Key]bool{}
	}
	last := g.messages[len(g.messages)-1]
	last.Events = append(last.Events, e)
	g.seen[e.Alert.Key] = true
}

// groupEvents splits events (oldest first) into groups by the values of
// the groupBy labels. Groups come in the order of their oldest event and
// keep the order of their events. A label an alert lacks is left out of
// its group labels, as Alertmanager does.
func groupEvents(events []*alert.Event, receiver string, groupBy []model.LabelName) []*group {
	var order []*group
	byKey := map[string]*group{}
	for _, e := range events {
		labels := model.LabelSet{}
		for _, name := range groupBy {
			if v, ok := e.Alert.Labels[name]; ok {
				labels[name] = v
			}
		}
		key := GroupKey(labels)
		g, ok := byKey[key]
		if !ok {
			g = &group{}
			byKey[key] = g
			order = append(order, g)
		}
		g.add(e, Message{Receiver: receiver, GroupKey: key, GroupLabels: labels})
	}
	return order
}

// GroupKey formats a group's key as Alertmanager does for a group of its
// root route: the route's matchers ("{}"), a colon, the group labels.
func GroupKey(groupLabels model.LabelSet) string {
	return "{}:" + groupLabels.String()
}
