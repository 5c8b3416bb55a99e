package ack

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/matcher"
)

// DefaultRetention is how long an ended or expired acknowledgement stays
// listed before GC deletes it.
const DefaultRetention = 24 * time.Hour

// Store persists acknowledgements; *sqlite.Store implements it. Acks
// writes through it before changing its memory.
type Store interface {
	LoadAcks(ctx context.Context) ([]*Ack, error)
	SaveAck(ctx context.Context, a *Ack) error
	DeleteAcks(ctx context.Context, ids []string) error
}

// Options configure New.
type Options struct {
	// Store persists acknowledgements; nil keeps them in memory only.
	Store Store
	// Logger receives GC runs; nil discards them.
	Logger *slog.Logger
	// Retention is how long ended acknowledgements are kept; 0 means
	// DefaultRetention.
	Retention time.Duration
	// OnChange is called after an acknowledgement was created or deleted,
	// so that the dispatcher tells receivers at once.
	OnChange func()
	// Limits bound the acknowledgements; zero fields take their defaults.
	Limits Limits
}

// Acks holds the acknowledgements. Reads never block: they use an
// immutable snapshot that each change replaces.
type Acks struct {
	o   Options
	log *slog.Logger

	mu     sync.Mutex // held by changes, across their persistence
	cur    atomic.Pointer[snapshot]
	limits atomic.Pointer[Limits]
}

type snapshot struct {
	byID  map[string]*Ack
	byKey map[alert.Key][]*Ack
}

// New loads the acknowledgements from o.Store.
func New(ctx context.Context, o Options) (*Acks, error) {
	o.Retention = cmp.Or(o.Retention, DefaultRetention)
	k := &Acks{o: o, log: cmp.Or(o.Logger, slog.New(slog.DiscardHandler))}
	k.SetLimits(o.Limits)
	var all []*Ack
	if o.Store != nil {
		var err error
		if all, err = o.Store.LoadAcks(ctx); err != nil {
			return nil, fmt.Errorf("loading acknowledgements: %w", err)
		}
	}
	k.cur.Store(build(all))
	return k, nil
}

func build(all []*Ack) *snapshot {
	s := &snapshot{byID: make(map[string]*Ack, len(all)), byKey: map[alert.Key][]*Ack{}}
	for _, a := range all {
		s.byID[a.ID] = a
		for _, t := range a.Targets {
			s.byKey[t.Key] = append(s.byKey[t.Key], a)
		}
	}
	return s
}

func (k *Acks) all() []*Ack {
	s := k.cur.Load()
	out := make([]*Ack, 0, len(s.byID))
	for _, a := range s.byID {
		out = append(out, a)
	}
	return out
}

// Acknowledged returns the acknowledgement that covers a at now, the most
// recent if several do. It satisfies notifiers.Acknowledger.
func (k *Acks) Acknowledged(a *alert.Alert, now time.Time) (alert.Ack, bool) {
	var best *Ack
	for _, c := range k.cur.Load().byKey[a.Key] {
		if c.Covers(a, now) && (best == nil || c.At.After(best.At)) {
			best = c
		}
	}
	if best == nil {
		return alert.Ack{}, false
	}
	return best.Ack, true
}

// Request is what the API asks to acknowledge.
type Request struct {
	By      string
	Comment string
	// ExpiresAt is optional; when set it must be after now.
	ExpiresAt time.Time
	// Matchers select the firing alerts to acknowledge (when set). They
	// must not select every alert (matcher.Literal): {foo!="bar"} alone
	// is refused.
	Matchers matcher.Matchers
	// ReplayWindow, when positive, makes Create idempotent for that long:
	// if the same person acknowledged, with the same comment and expiry,
	// less than ReplayWindow ago, and that acknowledgement (still in
	// effect) covers every alert of this request, Create returns it
	// instead of making another. Slack clicks set it: a signed click can
	// be replayed for five minutes, and people double-click.
	ReplayWindow time.Duration
}

// Select returns the firing alerts to acknowledge (flapping ones
// included, whatever their state at the moment): those whose fingerprint
// is in fps when fps is not empty, otherwise those ms matches.
func Select(all []*alert.Alert, fps map[model.Fingerprint]bool, ms matcher.Matchers) []*alert.Alert {
	var out []*alert.Alert
	for _, a := range all {
		if !a.Ongoing() {
			continue
		}
		if len(fps) > 0 && fps[a.Fingerprint()] || len(fps) == 0 && ms.Matches(a.Labels) {
			out = append(out, a)
		}
	}
	return out
}

// Len is how many acknowledgements there are.
func (k *Acks) Len() int { return len(k.cur.Load().byID) }

// ErrNoAlerts is returned when a request selects no firing alert.
var ErrNoAlerts = errors.New("no firing alert matches")

// ValidationError is a request that cannot be accepted as it is.
type ValidationError struct{ Msg string }

func (e *ValidationError) Error() string { return e.Msg }

// Create acknowledges the given firing (or flapping) alerts (those
// selected by the caller: by fingerprint or by r.Matchers), persisting
// before it takes effect. Alerts that are neither are skipped; if none is
// left it returns ErrNoAlerts.
func (k *Acks) Create(ctx context.Context, r Request, alerts []*alert.Alert, now time.Time) (*Ack, error) {
	if err := k.validate(r, now); err != nil {
		return nil, err
	}
	a := &Ack{
		Ack:      alert.Ack{ID: uuid.NewString(), By: r.By, Comment: r.Comment, At: now.UTC(), ExpiresAt: r.ExpiresAt.UTC()},
		Matchers: r.Matchers,
	}
	if r.ExpiresAt.IsZero() {
		a.ExpiresAt = time.Time{}
	}
	for _, al := range alerts {
		if al.Ongoing() {
			a.Targets = append(a.Targets, Target{Key: al.Key, Fingerprint: al.Fingerprint(), FiredAt: al.IncidentStart().UTC()})
		}
	}
	if len(a.Targets) == 0 {
		return nil, ErrNoAlerts
	}
	slices.SortFunc(a.Targets, func(x, y Target) int { return cmp.Compare(x.Fingerprint, y.Fingerprint) })
	k.mu.Lock()
	defer k.mu.Unlock()
	if prev := k.replayOf(r, a, now); prev != nil {
		return prev, nil
	}
	if err := k.currentLimits().checkCount(k.countInEffect(now)); err != nil {
		return nil, err
	}
	if k.o.Store != nil {
		if err := k.o.Store.SaveAck(ctx, a); err != nil {
			return nil, fmt.Errorf("saving acknowledgement: %w", err)
		}
	}
	k.cur.Store(build(append(k.all(), a)))
	k.trimEnded(ctx, now)
	if k.o.OnChange != nil {
		k.o.OnChange()
	}
	return a, nil
}

// validate checks a request on its own: who, expiry, size and matchers.
func (k *Acks) validate(r Request, now time.Time) error {
	if strings.TrimSpace(r.By) == "" {
		return &ValidationError{"createdBy: who acknowledges is required"}
	}
	if !r.ExpiresAt.IsZero() && !r.ExpiresAt.After(now) {
		return &ValidationError{"expiresAt: must be in the future"}
	}
	if r.ExpiresAt.After(MaxExpiry) {
		return &ValidationError{"expiresAt: must not be after " + MaxExpiry.Format(time.RFC3339)}
	}
	if err := k.currentLimits().checkSize(r); err != nil {
		return err
	}
	if len(r.Matchers) > 0 {
		if err := r.Matchers.CheckLabelNames(); err != nil {
			return &ValidationError{"matchers: " + err.Error()}
		}
		if err := r.Matchers.CheckSelective(matcher.Literal); err != nil {
			return &ValidationError{fmt.Sprintf("matchers: %v: %s would acknowledge every firing alert without those labels; name the alerts (e.g. alertname=\"...\") or give their fingerprints", err, r.Matchers)}
		}
	}
	return nil
}

// replayOf returns the acknowledgement that makes a (built from r) a
// replay, or nil; see Request.ReplayWindow. Callers hold k.mu.
func (k *Acks) replayOf(r Request, a *Ack, now time.Time) *Ack {
	if r.ReplayWindow <= 0 {
		return nil
	}
	var best *Ack
	for _, c := range k.cur.Load().byID {
		if c.By != a.By || c.Comment != a.Comment || !c.ExpiresAt.Equal(a.ExpiresAt) ||
			!c.EndedAt.IsZero() || c.Expired(now) || now.Sub(c.At) >= r.ReplayWindow || now.Before(c.At) {
			continue
		}
		if !coversTargets(c, a.Targets) {
			continue
		}
		if best == nil || c.At.After(best.At) {
			best = c
		}
	}
	return best
}

// coversTargets reports whether every target is one of c's.
func coversTargets(c *Ack, targets []Target) bool {
	for _, t := range targets {
		if !slices.ContainsFunc(c.Targets, func(u Target) bool { return u.Key == t.Key && u.FiredAt.Equal(t.FiredAt) }) {
			return false
		}
	}
	return true
}

// ErrNotFound is returned for an unknown acknowledgement ID.
var ErrNotFound = errors.New("acknowledgement not found")

// Delete withdraws an acknowledgement: its alerts are unacknowledged again
// and resume repeating and escalating.
func (k *Acks) Delete(ctx context.Context, id string) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	if _, ok := k.cur.Load().byID[id]; !ok {
		return ErrNotFound
	}
	if k.o.Store != nil {
		if err := k.o.Store.DeleteAcks(ctx, []string{id}); err != nil {
			return fmt.Errorf("deleting acknowledgement: %w", err)
		}
	}
	k.cur.Store(build(slices.DeleteFunc(k.all(), func(a *Ack) bool { return a.ID == id })))
	if k.o.OnChange != nil {
		k.o.OnChange()
	}
	return nil
}

// Get returns one acknowledgement.
func (k *Acks) Get(id string) (*Ack, bool) {
	a, ok := k.cur.Load().byID[id]
	return a, ok
}

// List returns every acknowledgement, newest first.
func (k *Acks) List() []*Ack {
	out := k.all()
	slices.SortFunc(out, func(x, y *Ack) int {
		if c := y.At.Compare(x.At); c != 0 {
			return c
		}
		return strings.Compare(x.ID, y.ID)
	})
	return out
}

// GC marks acknowledgements that no longer cover any of the current alerts
// as ended, and deletes those ended for longer than the retention. It
// returns how many it deleted.
func (k *Acks) GC(ctx context.Context, current []*alert.Alert, now time.Time) (int, error) {
	k.mu.Lock()
	defer k.mu.Unlock()
	var changed, drop []*Ack
	var ids []string
	for _, a := range k.all() {
		if !a.EndedAt.IsZero() {
			if now.Sub(a.EndedAt) >= k.o.Retention {
				drop = append(drop, a)
				ids = append(ids, a.ID)
			}
			continue
		}
		if a.Status(current, now) != "active" {
			c := *a
			c.EndedAt = now.UTC()
			if a.Expired(now) {
				c.EndedAt = a.ExpiresAt
			}
			changed = append(changed, &c)
		}
	}
	if len(changed) == 0 && len(drop) == 0 {
		return 0, nil
	}
	if k.o.Store != nil {
		for _, c := range changed {
			if err := k.o.Store.SaveAck(ctx, c); err != nil {
				return 0, fmt.Errorf("saving acknowledgement: %w", err)
			}
		}
		if len(ids) > 0 {
			if err := k.o.Store.DeleteAcks(ctx, ids); err != nil {
				return 0, fmt.Errorf("deleting acknowledgements: %w", err)
			}
		}
	}
	repl := map[string]*Ack{}
	for _, c := range changed {
		repl[c.ID] = c
	}
	gone := map[string]bool{}
	for _, id := range ids {
		gone[id] = true
	}
	var next []*Ack
	for _, a := range k.all() {
		switch {
		case gone[a.ID]:
		case repl[a.ID] != nil:
			next = append(next, repl[a.ID])
		default:
			next = append(next, a)
		}
	}
	k.cur.Store(build(next))
	if len(ids) > 0 {
		k.log.Debug("deleted old acknowledgements", "count", len(ids))
	}
	return len(ids), nil
}
