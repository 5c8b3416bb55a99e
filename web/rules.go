package web

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/evaluator"
)

// The JSON shapes below are Prometheus's /api/v1/rules and /api/v1/alerts
// shapes, so that Grafana and scripts written for Prometheus read alerter.
// Fields after the Prometheus ones are alerter's additions.

type apiAlert struct {
	Labels          model.LabelSet `json:"labels"`
	Annotations     model.LabelSet `json:"annotations"`
	State           string         `json:"state"`
	ActiveAt        *time.Time     `json:"activeAt,omitempty"`
	KeepFiringSince *time.Time     `json:"keepFiringSince,omitempty"`
	Value           string         `json:"value"`
	Fingerprint     string         `json:"fingerprint"`
	// Flapping and FlappingSince are alerter's additions: the alert fires
	// and resolves too often, and its receivers are held until it is
	// stable (see flap detection).
	Flapping      bool       `json:"flapping,omitempty"`
	FlappingSince *time.Time `json:"flappingSince,omitempty"`
}

type apiSeverity struct {
	Severity  string `json:"severity"`
	Condition string `json:"condition"`
}

// apiEvaluation is one of a rule's recent evaluations (alerter's
// addition, read with updates=N).
type apiEvaluation struct {
	Time     time.Time `json:"time"`
	Duration float64   `json:"duration"`
	Samples  *int      `json:"samples,omitempty"`
	Active   *int      `json:"active,omitempty"`
	Error    string    `json:"error,omitempty"`
}

type apiRule struct {
	ID             string          `json:"id"`
	State          string          `json:"state,omitempty"`
	Name           string          `json:"name"`
	Query          string          `json:"query"`
	PushedQuery    string          `json:"pushedQuery,omitempty"`
	Duration       float64         `json:"duration,omitempty"`
	KeepFiringFor  float64         `json:"keepFiringFor,omitempty"`
	Labels         model.LabelSet  `json:"labels"`
	Annotations    model.LabelSet  `json:"annotations,omitempty"`
	Alerts         []apiAlert      `json:"alerts,omitempty"`
	Health         string          `json:"health"`
	LastError      string          `json:"lastError,omitempty"`
	EvaluationTime float64         `json:"evaluationTime"`
	LastEvaluation time.Time       `json:"lastEvaluation"`
	Type           string          `json:"type"`
	Condition      string          `json:"condition,omitempty"`
	Resolve        string          `json:"resolve,omitempty"`
	Severities     []apiSeverity   `json:"severities,omitempty"`
	Updates        []apiEvaluation `json:"updates,omitempty"`
}

type apiGroup struct {
	Name           string    `json:"name"`
	File           string    `json:"file"`
	Rules          []apiRule `json:"rules"`
	Interval       float64   `json:"interval"`
	Schedule       string    `json:"schedule,omitempty"`
	Limit          int       `json:"limit"`
	EvaluationTime float64   `json:"evaluationTime"`
	LastEvaluation time.Time `json:"lastEvaluation"`
}

func toAPIAlert(a *alert.Alert) apiAlert {
	out := apiAlert{
		Labels:      a.Labels,
		Annotations: a.Annotations,
		State:       a.State.String(),
		Value:       strconv.FormatFloat(a.Value, 'e', -1, 64),
		Fingerprint: a.Fingerprint().String(),
	}
	if out.Labels == nil {
		out.Labels = model.LabelSet{}
	}
	if out.Annotations == nil {
		out.Annotations = model.LabelSet{}
	}
	if !a.ActiveAt.IsZero() {
		t := a.ActiveAt
		out.ActiveAt = &t
	}
	if !a.KeepFiringSince.IsZero() {
		t := a.KeepFiringSince
		out.KeepFiringSince = &t
	}
	if a.Flapping() {
		t := a.FlappingSince()
		out.Flapping, out.FlappingSince = true, &t
	}
	return out
}

func labelSet(m map[string]string) model.LabelSet {
	ls := make(model.LabelSet, len(m))
	for k, v := range m {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls
}

func toAPIRule(rs evaluator.RuleStatus, withAlerts bool) apiRule {
	r := rs.Rule
	out := apiRule{
		ID:             r.ID,
		Name:           r.Name(),
		Query:          r.Query,
		Labels:         labelSet(r.Labels),
		Health:         string(rs.Health),
		LastError:      rs.LastError,
		EvaluationTime: rs.EvalDuration.Seconds(),
		LastEvaluation: rs.LastEval,
	}
	if !r.IsAlerting() {
		out.Type = "recording"
		return out
	}
	out.Type = "alerting"
	out.State = rs.State.String()
	out.Duration = r.For.Seconds()
	out.KeepFiringFor = r.KeepFiringFor.Seconds()
	out.Annotations = labelSet(r.Annotations)
	out.PushedQuery = rs.PushedQuery
	if r.Condition != nil {
		out.Condition = r.Condition.Source
	}
	if r.Resolve != nil {
		out.Resolve = r.Resolve.Source
	}
	for _, s := range r.Severities {
		out.Severities = append(out.Severities, apiSeverity{Severity: s.Name, Condition: s.Condition.Source})
	}
	if withAlerts {
		out.Alerts = make([]apiAlert, 0, len(rs.Alerts))
		for _, a := range rs.Alerts {
			out.Alerts = append(out.Alerts, toAPIAlert(a))
		}
	}
	return out
}

func toAPIEvaluations(evs []evaluator.Evaluation) []apiEvaluation {
	out := make([]apiEvaluation, 0, len(evs))
	for _, e := range evs {
		ae := apiEvaluation{Time: e.At, Duration: e.Duration.Seconds(), Error: e.Error}
		if e.Samples >= 0 {
			n := e.Samples
			ae.Samples = &n
		}
		if e.Active >= 0 {
			n := e.Active
			ae.Active = &n
		}
		out = append(out, ae)
	}
	return out
}

// rules serves GET /api/v1/rules with Prometheus's filters: type
// (alert|record), rule_name[], rule_group[], file[] and exclude_alerts,
// plus alerter's rule_id[] (a rule's id field) and updates=N, which adds
// each rule's last N evaluations, newest first, as "updates" (at most as
// many as alerter keeps per rule).
func (a *API) rules(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		writeError(w, http.StatusBadRequest, "bad_data", err.Error())
		return
	}
	typ := r.Form.Get("type")
	if typ != "" && typ != "alert" && typ != "record" {
		writeError(w, http.StatusBadRequest, "bad_data", `invalid type parameter: must be "alert" or "record"`)
		return
	}
	excludeAlerts := false
	if v := r.Form.Get("exclude_alerts"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			writeError(w, http.StatusBadRequest, "bad_data", "invalid exclude_alerts parameter: "+err.Error())
			return
		}
		excludeAlerts = b
	}
	updates := 0
	if v := r.Form.Get("updates"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			writeError(w, http.StatusBadRequest, "bad_data", "invalid updates parameter: must be a non-negative integer")
			return
		}
		updates = n
	}
	ids := set(r.Form["rule_id[]"])
	names := set(r.Form["rule_name[]"])
	groupsF := set(r.Form["rule_group[]"])
	files := set(r.Form["file[]"])

	groups := []apiGroup{}
	for _, g := range a.opts.Rules.Groups() {
		if !match(groupsF, g.Name) || !match(files, g.File) {
			continue
		}
		ag := apiGroup{
			Name:           g.Name,
			File:           g.File,
			Interval:       g.Interval.Seconds(),
			Schedule:       g.Schedule,
			Limit:          g.Limit,
			EvaluationTime: g.EvalDuration.Seconds(),
			LastEvaluation: g.LastEval,
			Rules:          []apiRule{},
		}
		for _, rs := range g.Rules {
			if !match(names, rs.Rule.Name()) || !match(ids, rs.Rule.ID) {
				continue
			}
			if (typ == "alert" && !rs.Rule.IsAlerting()) || (typ == "record" && rs.Rule.IsAlerting()) {
				continue
			}
			ar := toAPIRule(rs, !excludeAlerts)
			if updates > 0 {
				evs, _ := a.opts.Rules.Evaluations(rs.Rule.ID, updates)
				ar.Updates = toAPIEvaluations(evs)
			}
			ag.Rules = append(ag.Rules, ar)
		}
		if (len(names) > 0 || len(ids) > 0 || typ != "") && len(ag.Rules) == 0 {
			continue
		}
		groups = append(groups, ag)
	}
	writeData(w, map[string]any{"groups": groups})
}

// alerts serves GET /api/v1/alerts: every pending and firing alert,
// evaluated ones then pushed ones.
func (a *API) alerts(w http.ResponseWriter, _ *http.Request) {
	out := []apiAlert{}
	for _, g := range a.opts.Rules.Groups() {
		for _, rs := range g.Rules {
			for _, al := range rs.Alerts {
				out = append(out, toAPIAlert(al))
			}
		}
	}
	if a.opts.PushedAlerts != nil {
		for _, al := range a.opts.PushedAlerts() {
			out = append(out, toAPIAlert(al))
		}
	}
	writeData(w, map[string]any{"alerts": out})
}

func set(vals []string) map[string]bool {
	if len(vals) == 0 {
		return nil
	}
	m := make(map[string]bool, len(vals))
	for _, v := range vals {
		m[v] = true
	}
	return m
}

func match(s map[string]bool, v string) bool { return s == nil || s[v] }
