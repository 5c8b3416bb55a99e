// Package rules knows the rule file format: Prometheus rule files plus
// alerter's extensions (query/condition/resolve/severities/schedule). It
// decodes strictly, validates, reports every problem with file:line:col,
// and compiles conditions and templates once at load. It imports no other
// package of the project except the leaf internal/strictyaml helper.
package rules

import (
	"time"

	"github.com/prometheus/prometheus/model/labels"
	"github.com/robfig/cron/v3"
)

// Group is one rule group, as loaded from a file.
type Group struct {
	// File is the path the group was loaded from.
	File string
	Name string
	// Interval is the evaluation interval; zero means the global default.
	Interval time.Duration
	// Schedule is the cron expression given instead of an interval, or "".
	Schedule string
	// Cron is Schedule parsed; nil when Schedule is "".
	Cron cron.Schedule
	// QueryOffset shifts the query time back; nil means the global default.
	QueryOffset *time.Duration
	// Limit caps the number of alerts of each rule (0: no limit).
	Limit int
	// Labels are added to every rule of the group (rule labels win).
	Labels map[string]string
	// FlapDetection is the group's flap_detection block, nil when absent.
	FlapDetection *FlapDetection
	Rules         []*Rule
	Line          int
	Column        int
}

// Key identifies the group across reloads: its file and its name.
func (g *Group) Key() string { return g.File + ";" + g.Name }

// Rule is one alerting or recording rule.
type Rule struct {
	// ID is the rule's stable identity within the whole rule set: group key,
	// rule name and static labels (with an ordinal when that repeats). State
	// is carried across reloads and restarts by ID.
	//
	// Its form is Key() of the group, "/", the name, then the rule's own
	// labels as written (not the group's), sorted, as {a="1", b="2"}:
	//
	//	rules/api.yml;api/HighErrorRate{team="api"}
	//
	// When rules of one group would share an ID, the later ones get "#2",
	// "#3", ... in file order. Editing a rule's expression, conditions,
	// annotations or severities keeps its ID; renaming it, changing its
	// own labels or moving it to another group or file gives a new one.
	ID string
	// Alert is the alert name; empty for recording rules.
	Alert string
	// Record is the recorded metric name; empty for alerting rules.
	Record string
	// Query is the PromQL (from `expr:` or `query:`), as written.
	Query string
	// QueryKey is Query in canonical form (the parsed expression printed
	// back): two rules with equal QueryKeys ask the same question, however
	// their whitespace, parentheses or label-matcher order differ.
	QueryKey string
	// QueryType is the query's PromQL type: "vector", "scalar", "matrix"
	// or "string" ("" for a rule not loaded from a file). alerter
	// evaluates vectors and scalars (one series with no labels).
	QueryType string
	// PushedQuery, when not empty, is what alerter sends the datasource
	// instead of Query: Query filtered in PromQL to the series that can
	// matter to the rule's condition, resolve and severities (condition
	// pushdown), so that the datasource ships only those. Evaluating the
	// rule on its answer gives the same alerts as on Query's. Rules of a
	// group that ask the same question (QueryKey) get the same
	// PushedQuery, so that they still share one answer.
	PushedQuery string
	// NoPushdown is `pushdown: false`: the rule's query is sent as
	// written.
	NoPushdown bool
	// Condition selects the active series; nil means every series is active.
	Condition *Condition
	// Resolve, when set, keeps an active alert active until it holds.
	Resolve *Condition
	// Severities are ordered (severity, condition) pairs: the first that
	// holds sets the severity label. Identity excludes that label.
	Severities    []Severity
	For           time.Duration
	KeepFiringFor time.Duration
	// Labels are the rule's own labels merged over the group's labels.
	Labels      map[string]string
	Annotations map[string]string
	// LabelTemplates and AnnotationTemplates are Labels and Annotations
	// parsed as templates, by key.
	LabelTemplates      map[string]*Template
	AnnotationTemplates map[string]*Template
	// FlapDetection is the rule's own flap_detection block, nil when
	// absent (the group's, then the global one, apply).
	FlapDetection *FlapDetection
	Line          int
	Column        int

	// reads holds the __name__ matchers of each selector of the query.
	reads [][]*labels.Matcher
}

// MayRead reports whether the rule's query may read series of the named
// metric: one of its selectors names it, matches it by regular
// expression, or names no metric at all. The evaluator uses it to make a
// rule see what an earlier recording rule of its group recorded in the
// same evaluation, as in Prometheus. A rule not loaded from a file reads
// nothing.
func (r *Rule) MayRead(metric string) bool {
	for _, ms := range r.reads {
		all := true
		for _, m := range ms {
			if !m.Matches(metric) {
				all = false
				break
			}
		}
		if all {
			return true
		}
	}
	return false
}

// SentQuery is the query alerter sends the datasource for the rule:
// PushedQuery when there is one, else Query.
func (r *Rule) SentQuery() string {
	if r.PushedQuery != "" {
		return r.PushedQuery
	}
	return r.Query
}

// IsAlerting reports whether the rule is an alerting rule.
func (r *Rule) IsAlerting() bool { return r.Alert != "" }

// Name is the alert name or the recorded metric name.
func (r *Rule) Name() string {
	if r.Alert != "" {
		return r.Alert
	}
	return r.Record
}

// Severity is one entry of Rule.Severities.
type Severity struct {
	Name      string
	Condition *Condition
}

// MaxFlapCycles bounds flap_detection's cycles, and so the history of
// resolutions kept per alert.
const MaxFlapCycles = 100

// FlapDetection is a flap_detection block (alerter's extension, on a
// group or a rule): an alert that fires again after Cycles fire/resolve
// cycles within Window is flapping, and its receivers hear nothing more
// about it until it has not changed state for StableFor. Nil fields were
// not given and inherit from the enclosing level (rule, group, the
// global default of alerter.yml, then built-in defaults). Cycles 0
// disables flap detection.
type FlapDetection struct {
	Cycles    *int
	Window    *time.Duration
	StableFor *time.Duration
}

// Over returns f with the fields o sets replacing f's; either may be nil.
func (f *FlapDetection) Over(o *FlapDetection) *FlapDetection {
	if o == nil {
		return f
	}
	var out FlapDetection
	if f != nil {
		out = *f
	}
	if o.Cycles != nil {
		out.Cycles = o.Cycles
	}
	if o.Window != nil {
		out.Window = o.Window
	}
	if o.StableFor != nil {
		out.StableFor = o.StableFor
	}
	return &out
}
