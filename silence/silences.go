package silence

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
)

// DefaultRetention is how long an expired silence is kept (to be seen and
// re-created from) before GC deletes it: Alertmanager's --data.retention
// default.
const DefaultRetention = 120 * time.Hour

// Store persists silences; *sqlite.Store implements it. Silences writes
// through it before changing its memory, so that what callers see is what
// a restart loads.
type Store interface {
	LoadSilences(ctx context.Context) ([]*Silence, error)
	// SaveSilence inserts or replaces the silence with s.ID.
	SaveSilence(ctx context.Context, s *Silence) error
	DeleteSilences(ctx context.Context, ids []string) error
}

// Options configure New.
type Options struct {
	// Store persists silences; nil keeps them in memory only.
	Store Store
	// Logger receives expiries and GC runs; nil discards them.
	Logger *slog.Logger
	// Registerer receives the metrics; nil registers none.
	Registerer prometheus.Registerer
	// Retention is how long expired silences are kept; 0 means
	// DefaultRetention.
	Retention time.Duration
	// Windows are the configured maintenance windows.
	Windows []Window
	// Limits bound the silences and the API's windows; zero fields take
	// their defaults (see SetLimits).
	Limits Limits
}

// Silences holds the silences and maintenance windows. Reads (Mutes,
// MutedBy, Get, Query) never block: they use an immutable snapshot that
// each change replaces. Changes are serialised, and each is persisted
// before it becomes visible.
type Silences struct {
	store     Store
	log       *slog.Logger
	retention time.Duration
	gcTotal   prometheus.Counter

	mu     sync.Mutex // held by changes, across their persistence
	cur    atomic.Pointer[snapshot]
	limits atomic.Pointer[Limits]
	// cfgWindows are the configuration's windows, apiWindows those
	// created through the API (guarded by mu).
	cfgWindows, apiWindows []Window
}

// snapshot is one immutable version of the state.
type snapshot struct {
	version uint64
	byID    map[string]*entry
	idx     index
	windows []*compiledWindow
}

// New loads the silences from o.Store and compiles o.Windows.
func New(ctx context.Context, o Options) (*Silences, error) {
	s := &Silences{
		store:     o.Store,
		log:       o.Logger,
		retention: o.Retention,
		gcTotal: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "alerter_silences_gc_total",
			Help: "Expired silences deleted after their retention.",
		}),
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.retention <= 0 {
		s.retention = DefaultRetention
	}
	s.SetLimits(o.Limits)
	api, err := s.loadAPIWindows(ctx)
	if err != nil {
		return nil, fmt.Errorf("loading maintenance windows: %w", err)
	}
	windows, err := s.allWindows(o.Windows, api)
	if err != nil {
		return nil, err
	}
	s.cfgWindows, s.apiWindows = slices.Clone(o.Windows), api
	byID := map[string]*entry{}
	if s.store != nil {
		loaded, err := s.store.LoadSilences(ctx)
		if err != nil {
			return nil, fmt.Errorf("loading silences: %w", err)
		}
		for _, sil := range loaded {
			e, err := loadedEntry(sil)
			if err != nil {
				return nil, fmt.Errorf("loading silence %s: %w", sil.ID, err)
			}
			byID[sil.ID] = e
		}
	}
	s.cur.Store(&snapshot{byID: byID, idx: buildIndex(byID), windows: windows})
	if o.Registerer != nil {
		if err := o.Registerer.Register(s.gcTotal); err != nil {
			return nil, fmt.Errorf("registering silence metrics: %w", err)
		}
		if err := o.Registerer.Register(stateCollector{s}); err != nil {
			return nil, fmt.Errorf("registering silence metrics: %w", err)
		}
	}
	return s, nil
}

// loadedEntry indexes a silence read from the store. Its matchers are
// rebuilt (compiling regular expressions) but not re-validated: rules may
// have tightened since it was stored, and dropping it would silently
// un-mute alerts.
func loadedEntry(sil *Silence) (*entry, error) {
	if sil == nil || sil.ID == "" {
		return nil, errors.New("silence without an ID")
	}
	c := sil.clone()
	for i, m := range c.Matchers {
		if m == nil {
			return nil, fmt.Errorf("matcher %d is missing", i)
		}
		nm, err := matcher.New(m.Type, m.Name, m.Value)
		if err != nil {
			return nil, fmt.Errorf("matcher %d: %w", i, err)
		}
		c.Matchers[i] = nm
	}
	return newEntry(c), nil
}

// Version counts changes: it increases with every change to the silences or
// the windows, so that callers can cache what they derived from them.
func (s *Silences) Version() uint64 { return s.cur.Load().version }

// commit publishes a new snapshot with put stored and del removed; windows
// replace the current ones unless nil. Callers hold s.mu.
func (s *Silences) commit(put []*Silence, del []string, windows []*compiledWindow) {
	cur := s.cur.Load()
	byID := maps.Clone(cur.byID)
	for _, sil := range put {
		byID[sil.ID] = newEntry(sil)
	}
	for _, id := range del {
		delete(byID, id)
	}
	if windows == nil {
		windows = cur.windows
	}
	s.cur.Store(&snapshot{version: cur.version + 1, byID: byID, idx: buildIndex(byID), windows: windows})
}

func (s *Silences) save(ctx context.Context, sil *Silence) error {
	if s.store == nil {
		return nil
	}
	if err := s.store.SaveSilence(ctx, sil); err != nil {
		return fmt.Errorf("saving silence %s: %w", sil.ID, err)
	}
	return nil
}

// Set creates a silence (empty ID) or updates one, with Alertmanager's
// rules, and returns its ID. A zero StartsAt means now. An update that
// would rewrite what the silence already muted (see canUpdate) is not made
// in place: the old silence is expired, unless it already is, and a new
// one with a new ID is created, starting no earlier than now. An unknown ID
// is ErrNotFound; an invalid silence is a *ValidationError. sil itself is
// not modified.
func (s *Silences) Set(ctx context.Context, sil *Silence, now time.Time) (string, error) {
	if sil == nil {
		return "", &ValidationError{Msg: "invalid silence: missing"}
	}
	now = now.UTC()
	in := sil.clone()
	in.StartsAt, in.EndsAt = in.StartsAt.UTC(), in.EndsAt.UTC()
	if in.StartsAt.IsZero() {
		in.StartsAt = now
	}
	ms, err := validate(in, now)
	if err != nil {
		return "", err
	}
	in.Matchers = ms
	in.MatchedOnce = false
	limits := s.currentLimits()
	if err := limits.checkSize(in); err != nil {
		return "", err
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	var prev *Silence
	if in.ID != "" {
		e, ok := s.cur.Load().byID[in.ID]
		if !ok {
			return "", ErrNotFound
		}
		prev = e.sil
	}
	if prev != nil && canUpdate(prev, in, now) {
		in.UpdatedAt = now
		// Still the same silence: what it matched still counts.
		in.MatchedOnce = prev.MatchedOnce && in.UntilResolved
		if err := s.save(ctx, in); err != nil {
			return "", err
		}
		s.commit([]*Silence{in}, nil, nil)
		return in.ID, nil
	}

	// A new silence, or one that replaces prev (which then expires): one
	// more to hold unless prev was counted.
	n := s.countUnexpired(now)
	if prev != nil && prev.State(now) != StateExpired {
		n--
	}
	if err := limits.checkCount(n); err != nil {
		return "", err
	}
	id, err := uuid.NewRandom()
	if err != nil {
		return "", fmt.Errorf("generating silence ID: %w", err)
	}
	in.ID = id.String()
	if in.StartsAt.Before(now) {
		in.StartsAt = now
	}
	in.UpdatedAt = now
	if prev != nil && prev.State(now) != StateExpired {
		// Keep the history: the old silence ends now, the new one takes
		// over. Alertmanager expires first, then creates.
		old := expiredAt(prev, now)
		if err := s.save(ctx, old); err != nil {
			return "", fmt.Errorf("expiring replaced silence: %w", err)
		}
		s.commit([]*Silence{old}, nil, nil)
	}
	if err := s.save(ctx, in); err != nil {
		return "", err
	}
	s.commit([]*Silence{in}, nil, nil)
	s.trimExpired(ctx, now)
	return in.ID, nil
}

// countUnexpired counts the active and pending silences at now.
func (s *Silences) countUnexpired(now time.Time) int {
	n := 0
	for _, e := range s.cur.Load().byID {
		if e.sil.State(now) != StateExpired {
			n++
		}
	}
	return n
}

// expiredAt returns a copy of sil expired at now, as Alertmanager's expire
// does: an active silence ends now; a pending one starts and ends now, so
// that it reads as expired rather than as a silence yet to come.
func expiredAt(sil *Silence, now time.Time) *Silence {
	c := sil.clone()
	if sil.State(now) == StatePending {
		c.StartsAt = now
	}
	c.EndsAt = now
	c.UpdatedAt = now
	return c
}

// Expire ends the silence now. Expiring an expired silence does nothing and
// succeeds, as in Alertmanager since 0.24 (DELETE is idempotent); an unknown
// ID is ErrNotFound.
func (s *Silences) Expire(ctx context.Context, id string, now time.Time) error {
	now = now.UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.cur.Load().byID[id]
	if !ok {
		return ErrNotFound
	}
	if e.sil.State(now) == StateExpired {
		return nil
	}
	c := expiredAt(e.sil, now)
	if err := s.save(ctx, c); err != nil {
		return err
	}
	s.commit([]*Silence{c}, nil, nil)
	s.trimExpired(ctx, now)
	return nil
}

// Get returns a copy of the silence with id, or ErrNotFound.
func (s *Silences) Get(id string) (*Silence, error) {
	e, ok := s.cur.Load().byID[id]
	if !ok {
		return nil, ErrNotFound
	}
	return e.sil.clone(), nil
}

// Query returns copies of the silences that filter selects, in every
// state, sorted as Alertmanager's GET /api/v2/silences sorts them: active
// first, soonest to end first; then pending, soonest to start first; then
// expired, most recently ended first (ties by ID, so the order is stable).
//
// The filter selects on the silence's matchers, not on labels, as
// Alertmanager does: a silence is selected when each filter matcher equals
// one of its matchers (same name, operator and value). No filter selects
// all silences.
func (s *Silences) Query(filter matcher.Matchers, now time.Time) []*Silence {
	snap := s.cur.Load()
	out := make([]*Silence, 0, len(snap.byID))
	for _, e := range snap.byID {
		if hasAllMatchers(e.sil.Matchers, filter) {
			out = append(out, e.sil.clone())
		}
	}
	slices.SortFunc(out, func(a, b *Silence) int { return compareForAPI(a, b, now) })
	return out
}

func hasAllMatchers(have, want matcher.Matchers) bool {
	for _, w := range want {
		if w == nil {
			continue
		}
		if !slices.ContainsFunc(have, func(h *matcher.Matcher) bool {
			return h.Name == w.Name && h.Type == w.Type && h.Value == w.Value
		}) {
			return false
		}
	}
	return true
}

var stateOrder = map[State]int{StateActive: 0, StatePending: 1, StateExpired: 2}

func compareForAPI(a, b *Silence, now time.Time) int {
	sa, sb := a.State(now), b.State(now)
	if sa != sb {
		return cmp.Compare(stateOrder[sa], stateOrder[sb])
	}
	var c int
	switch sa {
	case StateActive:
		c = a.EndsAt.Compare(b.EndsAt)
	case StatePending:
		c = a.StartsAt.Compare(b.StartsAt)
	default:
		c = b.EndsAt.Compare(a.EndsAt)
	}
	return cmp.Or(c, cmp.Compare(a.ID, b.ID))
}

// Mutes reports whether an active silence or an active maintenance window
// matches the label set at now. It implements notifiers.Muter.
func (s *Silences) Mutes(ls model.LabelSet, now time.Time) bool {
	snap := s.cur.Load()
	if snap.idx.match(ls, now, nil) {
		return true
	}
	for _, w := range snap.windows {
		if w.active(now) && w.ms.Matches(ls) {
			return true
		}
	}
	return false
}

// WindowPrefix marks a maintenance window's name among the IDs MutedBy
// returns.
const WindowPrefix = "window:"

// MutedBy returns what mutes the label set at now: the IDs of the active
// silences that match it, sorted, then "window:" and the name of each
// active maintenance window that matches it, in configuration order. It is
// empty when Mutes is false.
func (s *Silences) MutedBy(ls model.LabelSet, now time.Time) []string {
	snap := s.cur.Load()
	var ids []string
	snap.idx.match(ls, now, &ids)
	slices.Sort(ids)
	for _, w := range snap.windows {
		if w.active(now) && w.ms.Matches(ls) {
			ids = append(ids, WindowPrefix+w.w.Name)
		}
	}
	return ids
}

// Preview returns the indexes of the alerts that the draft's matchers
// select, whatever its times and whether or not it is valid otherwise, so
// that a UI can show what a silence would mute before it is created. A
// draft with a matcher that does not compile selects nothing.
func (s *Silences) Preview(draft *Silence, alerts []model.LabelSet, _ time.Time) []int {
	if draft == nil {
		return nil
	}
	ms := make(matcher.Matchers, 0, len(draft.Matchers))
	for _, m := range draft.Matchers {
		if m == nil {
			return nil
		}
		c, err := matcher.New(m.Type, m.Name, m.Value)
		if err != nil {
			return nil
		}
		ms = append(ms, c)
	}
	var out []int
	for i, ls := range alerts {
		if ms.Matches(ls) {
			out = append(out, i)
		}
	}
	return out
}

// HasUntilResolved reports whether an active UntilResolved silence exists:
// only then has ExpireResolved anything to do, and callers can skip
// gathering the firing alerts.
func (s *Silences) HasUntilResolved(now time.Time) bool {
	for _, e := range s.cur.Load().byID {
		if e.sil.UntilResolved && e.sil.State(now) == StateActive {
			return true
		}
	}
	return false
}

// ExpireResolved maintains the UntilResolved silences, to be called after
// each evaluation with the labels of every firing alert (muted or not). An
// active UntilResolved silence that matches one of them is marked as having
// matched; one that matches none after having matched is expired now. It
// returns the IDs of the silences it expired, sorted. A silence that never
// matched anything is left alone, so that a silence created before its
// alert fires waits for it.
func (s *Silences) ExpireResolved(ctx context.Context, firing []model.LabelSet, now time.Time) ([]string, error) {
	now = now.UTC()
	s.mu.Lock()
	defer s.mu.Unlock()
	var (
		put     []*Silence
		expired []string
		err     error
	)
	for _, e := range s.cur.Load().byID {
		sil := e.sil
		if !sil.UntilResolved || sil.State(now) != StateActive {
			continue
		}
		matches := slices.ContainsFunc(firing, sil.Matchers.Matches)
		var c *Silence
		expire := false
		switch {
		case matches && !sil.MatchedOnce:
			c = sil.clone()
			c.MatchedOnce = true
		case !matches && sil.MatchedOnce:
			c, expire = expiredAt(sil, now), true
		default:
			continue
		}
		if err = s.save(ctx, c); err != nil {
			break
		}
		put = append(put, c)
		if expire {
			expired = append(expired, c.ID)
			s.log.Info("expired silence: the alerts it matched have resolved", "silence", c.ID)
		}
	}
	if len(put) > 0 {
		s.commit(put, nil, nil)
	}
	slices.Sort(expired)
	return expired, err
}

// GC deletes the silences that ended longer than the retention ago, and
// returns how many.
func (s *Silences) GC(ctx context.Context, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var ids []string
	for id, e := range s.cur.Load().byID {
		// Alertmanager: a silence is kept until EndsAt+retention, and
		// deleted once that is not after now.
		if !e.sil.EndsAt.Add(s.retention).After(now) {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return 0, nil
	}
	slices.Sort(ids)
	if s.store != nil {
		if err := s.store.DeleteSilences(ctx, ids); err != nil {
			return 0, fmt.Errorf("deleting expired silences: %w", err)
		}
	}
	s.commit(nil, ids, nil)
	s.gcTotal.Add(float64(len(ids)))
	s.log.Debug("deleted expired silences", "count", len(ids))
	return len(ids), nil
}
