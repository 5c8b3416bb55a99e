package notifiers

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/internal/condlog"
	"github.com/alerter/alerter/internal/intern"
	"github.com/alerter/alerter/notifiers/escalation"
	"github.com/alerter/alerter/notifiers/inhibit"
	"github.com/alerter/alerter/notifiers/route"
	"github.com/alerter/alerter/state"
)

// EventSource is where the dispatcher reads the evaluator's alert events
// (the state store's event outbox).
type EventSource interface {
	PendingEvents(ctx context.Context, limit int) ([]*alert.Event, error)
	LoadAlerts(ctx context.Context) ([]*alert.Alert, error)
}

// Muter says whether an alert must not be notified now (silences,
// acknowledgements). The silence store satisfies it.
type Muter interface {
	Mutes(labels model.LabelSet, now time.Time) bool
}

// SetSource gives the label and annotation maps that the evaluator of the
// same process holds for a live alert, which the dispatcher then shares
// rather than keep copies of its own (evaluator.Manager satisfies it).
// The maps must never change once handed out.
type SetSource interface {
	AlertSets(k alert.Key) (labels, annotations model.LabelSet, ok bool)
}

// Acknowledger says whether a firing alert is acknowledged now, and by
// whom. The acknowledgement store (package ack) satisfies it.
type Acknowledger interface {
	Acknowledged(a *alert.Alert, now time.Time) (alert.Ack, bool)
}

// ReceiverIntegration is one configured integration of a receiver.
type ReceiverIntegration struct {
	// Name is unique within the receiver, e.g. "slack/0".
	Name         string
	Integration  Integration
	SendResolved bool
}

// StormOptions configure storm control: when more than MaxAlerts alert
// changes (firing or resolved) would reach one receiver within Window,
// they go out as one digest per receiver instead of one message per group.
type StormOptions struct {
	MaxAlerts int // 0 disables storm control
	Window    time.Duration
}

// DispatcherOptions configure a Dispatcher.
type DispatcherOptions struct {
	Route     *route.Route
	Receivers map[string][]ReceiverIntegration
	Inhibitor *inhibit.Inhibitor
	Muter     Muter
	// Acks stops acknowledged alerts from repeating and escalating; nil
	// means nothing is ever acknowledged.
	Acks Acknowledger
	// Escalations are the escalation policies routes name, by name.
	Escalations map[string]*escalation.Policy
	Events      EventSource
	// Sets, when set, lets alerts share their label and annotation maps
	// with the evaluator's copy of the same alert when they are equal.
	Sets  SetSource
	Store state.NotifyStore
	// Consume marks alert events as taken in by the dispatcher.
	Consume     func(ctx context.Context, ids []int64, at time.Time) error
	Logger      *slog.Logger
	Registerer  prometheus.Registerer
	ExternalURL string
	Storm       StormOptions
	// MaxOutbox bounds each integration's undelivered notifications.
	MaxOutbox int
	// OnQueued is called after notifications were queued, to wake senders.
	OnQueued     func()
	PollInterval time.Duration
	// Evaluations tells how far alerter's rule evaluations have got, for
	// routes with group_wait_early; nil: such routes wait group_wait.
	Evaluations EvaluationProgress
	// Quality, when set, receives per-rule figures: notifications queued
	// and acknowledgements.
	Quality RuleRecorder
}

// RuleRecorder takes the per-rule alert-quality figures the notification
// side knows about (package quality's Recorder satisfies it).
type RuleRecorder interface {
	// Notified: count notifications carried the rule's alerts.
	Notified(ruleID string, count int)
	// Acknowledged: an incident of the rule was acknowledged after it had
	// fired for after.
	Acknowledged(ruleID string, after time.Duration)
}

// Dispatcher routes alerts to receivers, groups them, and decides from the
// notification log what each integration must be told and when, with
// Alertmanager's group_wait / group_interval / repeat_interval semantics.
// It queues its decisions in the durable outbox that Senders drain. One
// goroutine (Run) owns all of its state: there are no per-group goroutines
// or timers.
type Dispatcher struct {
	o       DispatcherOptions
	log     *slog.Logger
	metrics *dispatchMetrics

	alerts map[alert.Key]*entry
	groups map[string]*aggGroup
	nflog  map[nflogKey]*state.NflogEntry
	storms map[string]*storm
	// escalations are the stored escalation states not yet claimed by a
	// group (after a restart, until the group forms again).
	escalations map[string]escalation.State
	// byGroup indexes the notification log by group key.
	byGroup     map[string]map[nflogKey]bool
	strs        *intern.Table
	annots      map[model.Fingerprint]model.LabelSet
	acksChanged atomic.Bool
	wake        chan struct{}
	// escSnap is the escalation progress the API reads (Escalations);
	// escDirty says a round changed groups since it was built.
	escSnap  atomic.Pointer[map[string]GroupEscalation]
	escDirty bool
	// readCond and storeCond log failures to read events and to store
	// flushes once per episode, not once per attempt.
	readCond, storeCond condlog.Condition
	// earlyWaiting counts new groups waiting for evaluations to end
	// their group_wait early (early.go).
	earlyWaiting atomic.Int64
	// loadedAt is when the dispatcher loaded: acknowledgements made
	// before were counted by whoever ran then.
	loadedAt time.Time
	// ackObs are the acknowledgements a flush round found new, counted
	// once the round is stored.
	ackObs []ackObservation
}

// ackObservation is an incident found acknowledged, for the quality
// figures.
type ackObservation struct {
	ruleID string
	after  time.Duration
}

// entry is one alert the dispatcher holds, and the groups it is in (one
// or two, usually: a slice costs a fraction of a map per alert).
type entry struct {
	a      *alert.Alert
	groups []*aggGroup
}

// leave removes g from the entry's groups.
func (e *entry) leave(g *aggGroup) {
	e.groups = slices.DeleteFunc(e.groups, func(x *aggGroup) bool { return x == g })
}

type aggGroup struct {
	key       string
	route     *route.Route
	labels    model.LabelSet
	alerts    map[alert.Key]*alert.Alert
	nextFlush time.Time
	flushed   bool
	// formed is when the group formed, for group_wait_early.
	formed time.Time
	// esc is the group's escalation progress (when its route has a
	// policy); acked the fingerprints acknowledged at the last flush.
	esc   escalation.State
	acked []uint64
	// timeMuted says the last flush found the route muted by its time
	// intervals; unmutedAt is when a flush last found it unmuted again.
	timeMuted bool
	unmutedAt time.Time
}

type nflogKey struct{ receiver, integration, group string }

// NewDispatcher builds a Dispatcher.
func NewDispatcher(o DispatcherOptions) (*Dispatcher, error) {
	if o.Route == nil || o.Events == nil || o.Store == nil || o.Consume == nil {
		return nil, errors.New("notifiers: dispatcher needs a route, events, a store and Consume")
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.PollInterval <= 0 {
		o.PollInterval = time.Second
	}
	if o.MaxOutbox <= 0 {
		o.MaxOutbox = 10000
	}
	if o.Storm.Window <= 0 {
		o.Storm.Window = time.Minute
	}
	return &Dispatcher{
		o:       o,
		log:     o.Logger,
		metrics: newDispatchMetrics(o.Registerer),
		alerts:  map[alert.Key]*entry{},
		groups:  map[string]*aggGroup{},
		nflog:   map[nflogKey]*state.NflogEntry{},
		storms:  map[string]*storm{},
		byGroup: map[string]map[nflogKey]bool{},
		strs:    intern.New(internLimit),
		annots:  map[model.Fingerprint]model.LabelSet{},
		wake:    make(chan struct{}, 1),
	}, nil
}

// Wake asks the dispatcher to read new events now. It never blocks.
func (d *Dispatcher) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

// AcksChanged tells the dispatcher that acknowledgements were created or
// withdrawn: groups whose alerts changed status notify at once. It never
// blocks.
func (d *Dispatcher) AcksChanged() {
	d.acksChanged.Store(true)
	d.Wake()
}

// Run loads the notification log and the current alerts, then dispatches
// until ctx ends. After a restart, groups form again from the stored
// alerts and the notification log decides what is still owed: nothing is
// re-sent inside repeat_interval, and what was not yet sent is.
func (d *Dispatcher) Run(ctx context.Context) error {
	if err := d.load(ctx, time.Now()); err != nil {
		return err
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		wait := d.o.PollInterval
		if next, ok := d.Step(ctx, time.Now()); ok {
			if w := time.Until(next); w < wait {
				wait = max(w, 0)
			}
		}
		timer.Reset(wait) // Go 1.23+ timers: no draining needed
		select {
		case <-ctx.Done():
			return nil
		case <-d.wake:
		case <-timer.C:
		}
	}
}

// Load prepares the dispatcher at now as Run does before its loop (the
// notification log, escalation states and stored alerts), for callers that
// then step it through simulated time with Step instead of running it.
func (d *Dispatcher) Load(ctx context.Context, now time.Time) error {
	return d.load(ctx, now)
}

// Step is one round of Run's loop at now: it takes in the events recorded
// since the last round, applies acknowledgement changes and flushes the
// groups (and digests) due at now. It returns when the next round is due,
// false when nothing is scheduled. Run calls it on the wall clock; alerter
// test and alerter replay call it at the simulated times it returns.
func (d *Dispatcher) Step(ctx context.Context, now time.Time) (next time.Time, ok bool) {
	// Read before the events: the evaluations it counts as stored have
	// their events among those read next.
	evaluated, known := d.evaluatedBefore()
	if err := d.ingestPending(ctx, now); err != nil {
		if ctx.Err() == nil {
			d.readCond.Fail(d.log, slog.LevelError, "reading alert events failed; retrying", "err", err)
		}
	} else {
		d.readCond.OK(d.log, "reading alert events works again")
	}
	d.releaseEarly(evaluated, known, now)
	if d.acksChanged.Swap(false) {
		d.ackNews(now)
	}
	d.flushDue(ctx, now)
	d.publishEscalations()
	return d.nextDue()
}

func (d *Dispatcher) load(ctx context.Context, now time.Time) error {
	log, err := d.o.Store.LoadNflog(ctx)
	if err != nil {
		return err
	}
	for i := range log {
		d.setNflog(&log[i])
	}
	escs, err := d.o.Store.LoadEscalations(ctx)
	if err != nil {
		return err
	}
	d.escalations = make(map[string]escalation.State, len(escs))
	for _, e := range escs {
		d.escalations[e.GroupKey] = escalation.State{Reached: e.Reached, Start: e.Start, LastAt: e.LastAt, PausedAt: e.PausedAt}
	}
	alerts, err := d.o.Events.LoadAlerts(ctx)
	if err != nil {
		return err
	}
	d.loadedAt = now
	for _, a := range alerts {
		// A flapping alert is held as firing, whatever its state.
		a = a.Held()
		switch a.State {
		case alert.StateFiring:
			d.ingest(a, false, now)
		case alert.StateInactive:
			// A resolution that may not have been told yet: route it as
			// if firing, then let the notification log decide.
			f := *a
			f.State = alert.StateFiring
			d.ingest(&f, false, now)
			d.ingest(a, false, now)
		}
	}
	if err := d.pruneOrphans(ctx, now); err != nil {
		// Harmless to keep: they are tried again at the next start.
		d.log.Warn("forgetting the notification log of groups that no longer exist failed", "err", err)
	}
	return nil
}

// pruneOrphans deletes the notification log entries and escalation states
// of groups that did not form again from the stored alerts (their alerts
// are gone, or a new routing tree groups them differently): nothing would
// ever end them otherwise.
func (d *Dispatcher) pruneOrphans(ctx context.Context, now time.Time) error {
	f := &state.Flush{At: now}
	for gk, keys := range d.byGroup {
		if d.groups[gk] != nil {
			continue
		}
		for k := range keys {
			f.DeleteNflog = append(f.DeleteNflog, state.NflogEntry{Receiver: k.receiver, Integration: k.integration, GroupKey: gk})
		}
	}
	for gk := range d.escalations {
		f.DeleteEscalations = append(f.DeleteEscalations, gk)
	}
	if len(f.DeleteNflog) == 0 && len(f.DeleteEscalations) == 0 {
		return nil
	}
	if err := d.o.Store.ApplyFlush(ctx, f); err != nil {
		return err
	}
	for _, e := range f.DeleteNflog {
		d.forgetGroupNflog(e.GroupKey)
	}
	d.escalations = nil
	d.log.Info("forgot the notification log of groups that no longer exist", "entries", len(f.DeleteNflog), "escalations", len(f.DeleteEscalations))
	return nil
}

// ingestBatch is how many events one read of the outbox takes in, each
// read followed by one durable write that marks them consumed: a storm's
// 100,000 events cost 20 such writes, and at most this many decoded events
// are held at once beyond the alerts themselves.
const ingestBatch = 5000

// ingestPending takes in the events the evaluator recorded since the last
// call, and marks them consumed: the alerts table plus the notification log
// are enough to rebuild the dispatcher after a restart.
func (d *Dispatcher) ingestPending(ctx context.Context, now time.Time) error {
	for {
		evs, err := d.o.Events.PendingEvents(ctx, ingestBatch)
		if err != nil || len(evs) == 0 {
			return err
		}
		ids := make([]int64, 0, len(evs))
		for _, e := range evs {
			a := e.Alert
			d.ingest(&a, e.Kind == alert.EventSeverityRaised, now)
			ids = append(ids, e.ID)
		}
		if err := d.o.Consume(ctx, ids, now); err != nil {
			return err
		}
		if len(evs) < ingestBatch {
			return nil
		}
	}
}

// ingest records an alert's latest state and routes it. An alert whose
// labels changed (a severity rise) is re-routed: it leaves groups it no
// longer matches and joins the new ones, which flush at once when raised.
// A flapping alert is held as firing (alert.Alert.Held), whatever its
// state, until it is stable: its receivers hear of the flap once, and of
// its state once it is over.
func (d *Dispatcher) ingest(a *alert.Alert, raised bool, now time.Time) {
	a = a.Held()
	d.internAlert(a)
	e := d.alerts[a.Key]
	if e == nil {
		if a.State != alert.StateFiring {
			return // resolved before we ever saw it firing: nothing to tell
		}
		e = &entry{}
		d.alerts[a.Key] = e
	}
	e.a = a
	if a.State != alert.StateFiring {
		for _, g := range e.groups {
			g.alerts[a.Key] = a
		}
		return
	}
	var matched []*aggGroup
	for _, r := range d.o.Route.Match(a.Labels) {
		gk := r.GroupKey(a.Labels)
		g := d.groups[gk]
		if g == nil {
			g = &aggGroup{key: gk, route: r, labels: r.GroupLabels(a.Labels), alerts: map[alert.Key]*alert.Alert{}, nextFlush: now.Add(r.GroupWait), formed: now}
			if st, ok := d.escalations[gk]; ok {
				g.esc = st
				delete(d.escalations, gk)
			}
			d.groups[gk] = g
			d.metrics.groups.Inc()
			d.escDirty = true
		}
		g.alerts[a.Key] = a
		matched = append(matched, g)
		if raised {
			g.nextFlush = now
		}
	}
	for _, g := range e.groups {
		if !slices.Contains(matched, g) {
			delete(g.alerts, a.Key)
		}
	}
	e.groups = slices.Clip(matched)
}

func (d *Dispatcher) nextDue() (time.Time, bool) {
	var next time.Time
	for _, g := range d.groups {
		if next.IsZero() || g.nextFlush.Before(next) {
			next = g.nextFlush
		}
		if due := d.escalationDue(g); !due.IsZero() && due.Before(next) {
			next = due
		}
	}
	for _, s := range d.storms {
		if !s.digestDue.IsZero() && (next.IsZero() || s.digestDue.Before(next)) {
			next = s.digestDue
		}
	}
	return next, !next.IsZero()
}
