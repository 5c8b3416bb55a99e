package quality

import (
	"cmp"
	"slices"
	"strings"
	"time"

	"github.com/alerter/alerter/episode"
	"github.com/alerter/alerter/state"
)

// DefaultQuietAfter is how long a rule must not have fired to be listed
// as quiet: a rule that never fires may be broken, or no longer needed.
const DefaultQuietAfter = 30 * 24 * time.Hour

// ReportOptions select and shape a Report.
type ReportOptions struct {
	// Since and Until bound the period: episodes that fired within it.
	Since, Until time.Time
	// FlapEvaluations: an episode that resolved within this many
	// evaluations of firing is a flap (episode.DefaultFlapEvaluations
	// when 0).
	FlapEvaluations int
	// Top keeps the noisiest Top rules (0: all).
	Top int
	// QuietAfter lists the rules that have not fired for that long
	// (DefaultQuietAfter when 0).
	QuietAfter time.Duration
}

// RuleInfo describes one alerting rule of the current rule set.
type RuleInfo struct {
	ID        string
	Group     string // group key: file;name
	GroupName string
	File      string
	Alertname string
}

// RuleReport is one rule's figures over the period. Times are seconds.
type RuleReport struct {
	RuleID    string `json:"ruleId"`
	RuleGroup string `json:"ruleGroup"`
	Group     string `json:"group"`
	File      string `json:"file"`
	Alertname string `json:"alertname"`
	// Notifications queued that carried the rule's alerts, one per
	// integration.
	Notifications int `json:"notifications"`
	// Episodes are firings; Alerts the distinct alerts that fired.
	Episodes int `json:"episodes"`
	Alerts   int `json:"alerts"`
	Resolved int `json:"resolved"`
	// Flaps resolved within FlapEvaluations evaluations of firing.
	Flaps int `json:"flaps"`
	// FlappingEpisodes happened while the alert was flapping (flap
	// detection held their notifications).
	FlappingEpisodes int `json:"flappingEpisodes"`
	Acknowledged     int `json:"acknowledged"`
	// MedianTimeToAcknowledge is over the acknowledged episodes.
	MedianTimeToAcknowledge *float64 `json:"medianTimeToAcknowledgeSeconds,omitempty"`
	// FiringSeconds is the episodes' firing time within the period (open
	// episodes up to Until).
	FiringSeconds float64 `json:"firingSeconds"`
	// MedianDuration is over the resolved episodes.
	MedianDuration *float64  `json:"medianDurationSeconds,omitempty"`
	LastFiredAt    time.Time `json:"lastFiredAt"`
}

// QuietRule is an alerting rule that has not fired for QuietAfter.
type QuietRule struct {
	RuleID    string `json:"ruleId"`
	RuleGroup string `json:"ruleGroup"`
	Group     string `json:"group"`
	File      string `json:"file"`
	Alertname string `json:"alertname"`
	// LastFiredAt is nil when no stored episode of it exists (it has not
	// fired within the episode retention).
	LastFiredAt *time.Time `json:"lastFiredAt"`
}

// Report is the noisiest rules of a period, computed from the stored
// episodes (see state.Episode).
type Report struct {
	Since           time.Time `json:"since"`
	Until           time.Time `json:"until"`
	FlapEvaluations int       `json:"flapEvaluations"`
	// Episodes is how many stored episodes the period has; Truncated says
	// there were more than could be read (the oldest were counted).
	Episodes  int  `json:"episodes"`
	Truncated bool `json:"truncated,omitempty"`
	// Rules are the rules that fired in the period, noisiest first: most
	// notifications, then most episodes, then most flaps.
	Rules []RuleReport `json:"rules"`
	// QuietAfterSeconds and Quiet: the current alerting rules that have
	// not fired for that long, by the stored history.
	QuietAfterSeconds float64     `json:"quietAfterSeconds"`
	Quiet             []QuietRule `json:"quiet"`
}

// NewReport aggregates episodes (those of the period) per rule. rules are
// the current alerting rules (their names; episodes of rules removed
// since are reported from what the episodes recorded) and lastFired the
// last stored firing of each rule, for the quiet list.
func NewReport(episodes []state.Episode, rules []RuleInfo, lastFired map[string]time.Time, o ReportOptions) *Report {
	if o.FlapEvaluations <= 0 {
		o.FlapEvaluations = episode.DefaultFlapEvaluations
	}
	if o.QuietAfter <= 0 {
		o.QuietAfter = DefaultQuietAfter
	}
	info := make(map[string]RuleInfo, len(rules))
	for _, r := range rules {
		info[r.ID] = r
	}
	type acc struct {
		RuleReport
		alerts    map[uint64]bool
		ackDelays []float64
		durations []float64
	}
	byRule := map[string]*acc{}
	var order []*acc
	n := 0
	for i := range episodes {
		e := &episodes[i]
		if e.FiredAt.Before(o.Since) || !e.FiredAt.Before(o.Until) {
			continue
		}
		n++
		a := byRule[e.RuleID]
		if a == nil {
			ri, ok := info[e.RuleID]
			if !ok {
				file, name := splitGroup(e.Group)
				ri = RuleInfo{ID: e.RuleID, Group: e.Group, File: file, GroupName: name, Alertname: e.Alertname}
			}
			a = &acc{RuleReport: RuleReport{RuleID: e.RuleID, RuleGroup: ri.Group, Group: ri.GroupName, File: ri.File,
				Alertname: ri.Alertname}, alerts: map[uint64]bool{}}
			byRule[e.RuleID] = a
			order = append(order, a)
		}
		a.Episodes++
		a.Notifications += e.Notifications
		a.alerts[uint64(e.ID)] = true
		if e.FiredAt.After(a.LastFiredAt) {
			a.LastFiredAt = e.FiredAt
		}
		if e.Flapping {
			a.FlappingEpisodes++
		}
		end := e.ResolvedAt
		if end.IsZero() || end.After(o.Until) {
			end = o.Until
		}
		a.FiringSeconds += max(end.Sub(e.FiredAt), 0).Seconds()
		if !e.ResolvedAt.IsZero() {
			a.Resolved++
			a.durations = append(a.durations, e.ResolvedAt.Sub(e.FiredAt).Seconds())
			if e.Evaluations >= 0 && episode.IsFlap(e.Evaluations, true, o.FlapEvaluations) {
				a.Flaps++
			}
		}
		if !e.AckedAt.IsZero() {
			a.Acknowledged++
			a.ackDelays = append(a.ackDelays, max(e.AckedAt.Sub(e.FiredAt), 0).Seconds())
		}
	}
	r := &Report{Since: o.Since, Until: o.Until, FlapEvaluations: o.FlapEvaluations, Episodes: n,
		Rules: make([]RuleReport, 0, len(order)), QuietAfterSeconds: o.QuietAfter.Seconds(), Quiet: []QuietRule{}}
	for _, a := range order {
		a.Alerts = len(a.alerts)
		a.MedianTimeToAcknowledge = median(a.ackDelays)
		a.MedianDuration = median(a.durations)
		r.Rules = append(r.Rules, a.RuleReport)
	}
	slices.SortFunc(r.Rules, func(x, y RuleReport) int {
		return cmp.Or(cmp.Compare(y.Notifications, x.Notifications), cmp.Compare(y.Episodes, x.Episodes),
			cmp.Compare(y.Flaps, x.Flaps), cmp.Compare(x.RuleGroup, y.RuleGroup), cmp.Compare(x.Alertname, y.Alertname),
			cmp.Compare(x.RuleID, y.RuleID))
	})
	if o.Top > 0 && len(r.Rules) > o.Top {
		r.Rules = r.Rules[:o.Top]
	}
	quietSince := o.Until.Add(-o.QuietAfter)
	for _, ri := range rules {
		q := QuietRule{RuleID: ri.ID, RuleGroup: ri.Group, Group: ri.GroupName, File: ri.File, Alertname: ri.Alertname}
		if at, ok := lastFired[ri.ID]; ok && !at.IsZero() {
			if !at.Before(quietSince) {
				continue
			}
			q.LastFiredAt = &at
		}
		r.Quiet = append(r.Quiet, q)
	}
	return r
}

// splitGroup splits a group key (file;name) at its first ";".
func splitGroup(key string) (file, name string) {
	file, name, _ = strings.Cut(key, ";")
	return file, name
}

// median of xs, nil when empty.
func median(xs []float64) *float64 {
	if len(xs) == 0 {
		return nil
	}
	slices.Sort(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + xs[len(xs)/2]) / 2
	}
	return &m
}
