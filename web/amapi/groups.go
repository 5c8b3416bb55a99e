package amapi

import (
	"cmp"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// GroupRef is one aggregation group an alert belongs to, as the
// dispatcher forms it: the route's receiver and the alert's values of the
// route's group_by labels. Key identifies the group (the dispatcher's
// group key).
type GroupRef struct {
	Key      string
	Receiver string
	Labels   model.LabelSet
}

// Escalation is a group's escalation progress (see notifiers'
// GroupEscalation), shown on GET /api/v2/alerts/groups.
type Escalation struct {
	Policy        string
	Reached       int
	Levels        int
	Start         time.Time
	PausedAt      time.Time
	Next          time.Time
	NextLevel     int
	NextReceivers []string
}

// alertGroup is Alertmanager's alertGroup, plus alerter's escalation,
// present only for groups whose route has an escalation policy.
type alertGroup struct {
	Labels     model.LabelSet   `json:"labels"`
	Receiver   receiver         `json:"receiver"`
	Alerts     []gettableAlert  `json:"alerts"`
	Escalation *groupEscalation `json:"escalation,omitempty"`
}

type groupEscalation struct {
	Policy string `json:"policy"`
	// Level is how many levels have been notified.
	Level         int      `json:"level"`
	Levels        int      `json:"levels"`
	StartedAt     *apiTime `json:"startedAt,omitempty"`
	PausedAt      *apiTime `json:"pausedAt,omitempty"`
	NextAt        *apiTime `json:"nextAt,omitempty"`
	NextLevel     int      `json:"nextLevel,omitempty"`
	NextReceivers []string `json:"nextReceivers,omitempty"`
}

func optTime(t time.Time) *apiTime {
	if t.IsZero() {
		return nil
	}
	v := apiTime(t)
	return &v
}

func toGroupEscalation(e Escalation) *groupEscalation {
	return &groupEscalation{
		Policy: e.Policy, Level: e.Reached, Levels: e.Levels,
		StartedAt: optTime(e.Start), PausedAt: optTime(e.PausedAt), NextAt: optTime(e.Next),
		NextLevel: e.NextLevel, NextReceivers: e.NextReceivers,
	}
}

// getAlertGroups serves GET /api/v2/alerts/groups: the firing alerts in
// the groups the dispatcher forms (one group per route receiver and
// group_by values; an alert that several routes take is in several), with
// Alertmanager's parameters filter, receiver (a regular expression, fully
// anchored, on the group's receiver), active, silenced, inhibited and
// muted (each true by default; muted=false leaves out alerts that a
// maintenance window mutes). Groups are ordered by receiver, then labels;
// alerts by fingerprint. alerter adds "escalation" to groups whose route
// has an escalation policy.
func (a *API) getAlertGroups(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	filter, err := parseFilter(q["filter"])
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	var recv *regexp.Regexp
	if vs := q["receiver"]; len(vs) > 0 && vs[0] != "" {
		if recv, err = regexp.Compile("^(?:" + vs[0] + ")$"); err != nil {
			writeMessage(w, http.StatusBadRequest, fmt.Sprintf("failed to parse receiver param: %v", err))
			return
		}
	}
	active, silenced := queryBool(q, "active"), queryBool(q, "silenced")
	inhibited, muted := queryBool(q, "inhibited"), queryBool(q, "muted")

	now := a.o.Now()
	byKey := map[string]*alertGroup{}
	var order []string
	for _, al := range a.firing() {
		if !filter.Matches(al.Labels) {
			continue
		}
		var refs []GroupRef
		if a.o.GroupsOf != nil {
			refs = a.o.GroupsOf(al.Labels)
		}
		if len(refs) == 0 {
			continue
		}
		g := a.toGettableAlert(al, now)
		st := g.Status
		if (!active && st.State == stateActive) ||
			(!silenced && len(st.SilencedBy) > 0) ||
			(!muted && len(st.MutedBy) > 0) ||
			(!inhibited && len(st.InhibitedBy) > 0) {
			continue
		}
		for _, ref := range refs {
			if recv != nil && !recv.MatchString(ref.Receiver) {
				continue
			}
			ag := byKey[ref.Key]
			if ag == nil {
				ag = &alertGroup{Labels: ref.Labels, Receiver: receiver{Name: ref.Receiver}, Alerts: []gettableAlert{}}
				if ag.Labels == nil {
					ag.Labels = model.LabelSet{}
				}
				if a.o.Escalation != nil {
					if e, ok := a.o.Escalation(ref.Key); ok {
						ag.Escalation = toGroupEscalation(e)
					}
				}
				byKey[ref.Key] = ag
				order = append(order, ref.Key)
			}
			ag.Alerts = append(ag.Alerts, g)
		}
	}
	out := make([]*alertGroup, 0, len(order))
	for _, k := range order {
		sortAlerts(byKey[k].Alerts)
		out = append(out, byKey[k])
	}
	slices.SortFunc(out, func(x, y *alertGroup) int {
		return cmp.Or(strings.Compare(x.Receiver.Name, y.Receiver.Name), strings.Compare(x.Labels.String(), y.Labels.String()))
	})
	writeJSON(w, http.StatusOK, out)
}
