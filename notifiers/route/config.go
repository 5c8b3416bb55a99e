// Package route builds Alertmanager's routing tree: which receiver, with
// which grouping and timings, handles an alert. Configuration, inheritance,
// defaults, matching order and route and group keys follow Alertmanager,
// so an Alertmanager `route:` block behaves the same here.
package route

import (
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
)

// Config is one node of the `route:` block, with Alertmanager's keys. Unset
// fields of a child are inherited from its parent (see New).
type Config struct {
	// Receiver names the receiver; required at the root.
	Receiver string `yaml:"receiver,omitempty"`
	// GroupBy lists the labels that split alerts into groups; "..." alone
	// groups by all labels. An empty list inherits the parent's, as in
	// Alertmanager.
	GroupBy []string `yaml:"group_by,omitempty"`
	// Continue lets an alert that matched this route go on to the next
	// sibling routes.
	Continue bool `yaml:"continue,omitempty"`
	// Matchers select the alerts of this route, e.g. [`severity="critical"`].
	Matchers matcher.Matchers `yaml:"matchers,omitempty"`
	// Match is the deprecated equality form: label name to exact value.
	Match map[string]string `yaml:"match,omitempty"`
	// MatchRE is the deprecated regex form: label name to an anchored
	// regular expression.
	MatchRE map[string]string `yaml:"match_re,omitempty"`

	// GroupWait is how long a new group waits before its first
	// notification, GroupInterval how long before notifying of changes,
	// RepeatInterval how long before repeating an unchanged notification.
	GroupWait      *model.Duration `yaml:"group_wait,omitempty"`
	GroupInterval  *model.Duration `yaml:"group_interval,omitempty"`
	RepeatInterval *model.Duration `yaml:"repeat_interval,omitempty"`
	// GroupWaitEarly is alerter's own key: a new group's first
	// notification goes out as soon as every rule evaluation of alerter's
	// that was due when the group formed has been stored, instead of
	// after the whole group_wait (which still bounds it). Inherited.
	GroupWaitEarly *bool `yaml:"group_wait_early,omitempty"`

	// Routes are the children, tried in order.
	Routes []*Config `yaml:"routes,omitempty"`

	// Escalation names an escalation policy; alerter's own key, inherited
	// like the receiver.
	Escalation string `yaml:"escalation,omitempty"`

	// ActiveTimeIntervals and MuteTimeIntervals name time intervals, as in
	// Alertmanager: the route notifies only inside one of its active
	// intervals (when it has any) and never inside one of its mute
	// intervals. Not inherited by child routes, as in Alertmanager.
	ActiveTimeIntervals []string `yaml:"active_time_intervals,omitempty"`
	MuteTimeIntervals   []string `yaml:"mute_time_intervals,omitempty"`
}

// groupByAll is the group_by entry that means "every label".
const groupByAll = "..."
