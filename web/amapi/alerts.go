package amapi

import (
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/silence"
)

// gettableAlert is Alertmanager's gettableAlert with status.mutedBy
// (Alertmanager 0.27+): the time intervals muting the routes the alert
// takes, as in Alertmanager, and alerter's maintenance windows muting it.
type gettableAlert struct {
	Labels       model.LabelSet `json:"labels"`
	Annotations  model.LabelSet `json:"annotations"`
	StartsAt     apiTime        `json:"startsAt"`
	EndsAt       apiTime        `json:"endsAt"`
	UpdatedAt    apiTime        `json:"updatedAt"`
	GeneratorURL string         `json:"generatorURL,omitempty"`
	Fingerprint  string         `json:"fingerprint"`
	Receivers    []receiver     `json:"receivers"`
	Status       alertStatus    `json:"status"`
	// Flapping and FlappingSince are alerter's additions: the alert fires
	// and resolves too often; it is listed (as active) while it flaps,
	// whatever its state at the moment, as its receivers hold it.
	Flapping      bool     `json:"flapping,omitempty"`
	FlappingSince *apiTime `json:"flappingSince,omitempty"`
}

type receiver struct {
	Name string `json:"name"`
}

type alertStatus struct {
	State       string   `json:"state"`
	SilencedBy  []string `json:"silencedBy"`
	InhibitedBy []string `json:"inhibitedBy"`
	MutedBy     []string `json:"mutedBy"`
}

// Alertmanager's alert states. alerter evaluates silences and inhibition
// when asked, so an alert is never "unprocessed".
const (
	stateActive      = "active"
	stateSuppressed  = "suppressed"
	stateUnprocessed = "unprocessed"
)

// firing returns the alerts Alertmanager would know: alerter's pending
// alerts have not fired, and Prometheus would not have sent them. Flapping
// alerts are listed whatever their state at the moment, as the
// notification side holds them as firing.
func (a *API) firing() []*alert.Alert {
	var out []*alert.Alert
	for _, al := range a.o.Alerts() {
		if al.Ongoing() {
			out = append(out, al.Held())
		}
	}
	return out
}

func (a *API) toGettableAlert(al *alert.Alert, now time.Time) gettableAlert {
	g := gettableAlert{
		Labels:       al.Labels,
		Annotations:  al.Annotations,
		StartsAt:     apiTime(firstNonZero(al.FiredAt, al.ActiveAt)),
		EndsAt:       apiTime(al.EndsAt),
		UpdatedAt:    apiTime(firstNonZero(al.LastEvalAt, al.FiredAt, al.ActiveAt)),
		GeneratorURL: al.GeneratorURL,
		Fingerprint:  al.Fingerprint().String(),
		Receivers:    []receiver{},
		Status:       alertStatus{State: stateActive, SilencedBy: []string{}, InhibitedBy: []string{}, MutedBy: []string{}},
	}
	if g.Labels == nil {
		g.Labels = model.LabelSet{}
	}
	if g.Annotations == nil {
		g.Annotations = model.LabelSet{}
	}
	if a.o.Receivers != nil {
		for _, r := range a.o.Receivers(al.Labels) {
			g.Receivers = append(g.Receivers, receiver{Name: r})
		}
	}
	for _, id := range a.o.Silences.MutedBy(al.Labels, now) {
		if name, ok := strings.CutPrefix(id, silence.WindowPrefix); ok {
			g.Status.MutedBy = append(g.Status.MutedBy, name)
		} else {
			g.Status.SilencedBy = append(g.Status.SilencedBy, id)
		}
	}
	if a.o.TimeMutedBy != nil {
		g.Status.MutedBy = append(g.Status.MutedBy, a.o.TimeMutedBy(al.Labels, now)...)
	}
	if a.o.InhibitedBy != nil {
		g.Status.InhibitedBy = append(g.Status.InhibitedBy, a.o.InhibitedBy(al.Labels)...)
	}
	if len(g.Status.SilencedBy)+len(g.Status.InhibitedBy)+len(g.Status.MutedBy) > 0 {
		g.Status.State = stateSuppressed
	}
	if al.Flapping() {
		since := apiTime(al.FlappingSince())
		g.Flapping, g.FlappingSince = true, &since
	}
	return g
}

func firstNonZero(ts ...time.Time) time.Time {
	for _, t := range ts {
		if !t.IsZero() {
			return t
		}
	}
	return time.Time{}
}

// sortAlerts orders alerts by fingerprint, as Alertmanager does.
func sortAlerts(as []gettableAlert) {
	slices.SortFunc(as, func(a, b gettableAlert) int { return strings.Compare(a.Fingerprint, b.Fingerprint) })
}

// getAlerts serves GET /api/v2/alerts with Alertmanager's parameters:
// filter (matchers, repeatable), receiver (a regular expression, fully
// anchored, that one of the alert's receivers must match), and active,
// silenced, inhibited, unprocessed (each true by default: false leaves out
// the alerts in that state; an alert muted by a maintenance window counts
// as silenced). Booleans are read as go-openapi reads them: true, 1, yes,
// ok, y, on, t, enabled, selected and checked are true, anything else
// false. Firing alerts only: alerter's pending alerts are not
// Alertmanager alerts.
func (a *API) getAlerts(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	filter, err := parseFilter(q["filter"])
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	var recv *regexp.Regexp
	if vs, ok := q["receiver"]; ok && len(vs) > 0 {
		if recv, err = regexp.Compile("^(?:" + vs[0] + ")$"); err != nil {
			writeMessage(w, http.StatusBadRequest, fmt.Sprintf("failed to parse receiver param: %v", err))
			return
		}
	}
	active, silenced := queryBool(q, "active"), queryBool(q, "silenced")
	inhibited, unprocessed := queryBool(q, "inhibited"), queryBool(q, "unprocessed")

	now := a.o.Now()
	out := []gettableAlert{}
	for _, al := range a.firing() {
		if !filter.Matches(al.Labels) {
			continue
		}
		g := a.toGettableAlert(al, now)
		if recv != nil && !slices.ContainsFunc(g.Receivers, func(r receiver) bool { return recv.MatchString(r.Name) }) {
			continue
		}
		st := g.Status
		if (!active && st.State == stateActive) ||
			(!unprocessed && st.State == stateUnprocessed) ||
			(!silenced && len(st.SilencedBy)+len(st.MutedBy) > 0) ||
			(!inhibited && len(st.InhibitedBy) > 0) {
			continue
		}
		out = append(out, g)
	}
	sortAlerts(out)
	writeJSON(w, http.StatusOK, out)
}

// queryBool reads a boolean parameter that defaults to true.
func queryBool(q map[string][]string, name string) bool {
	vs := q[name]
	if len(vs) == 0 || vs[0] == "" {
		return true
	}
	switch strings.ToLower(vs[0]) {
	case "true", "1", "yes", "ok", "y", "on", "selected", "checked", "t", "enabled":
		return true
	default:
		return false
	}
}
