package cluster

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/internal/condlog"
	"github.com/alerter/alerter/state"
)

// AlertStore is where the leader stores alerts and group status.
type AlertStore interface {
	LoadAlerts(ctx context.Context) ([]*alert.Alert, error)
	LoadGroupStatus(ctx context.Context) ([]state.GroupStatus, error)
}

// loadTimeout bounds one refresh, which an API request waits for.
const loadTimeout = 5 * time.Second

// View is a replica's cached copy of the alerts and group status the
// leader stored, which the replicas that do not evaluate serve. It is
// loaded on demand: when a change was notified (Invalidate), or when it is
// older than MaxAge. While the store is unreachable it keeps serving the
// last copy it had.
type View struct {
	src    AlertStore
	maxAge time.Duration
	log    *slog.Logger
	cond   condlog.Condition

	mu     sync.Mutex
	at     time.Time // when loaded; zero: never, or invalidated
	alerts []*alert.Alert
	status []state.GroupStatus
}

// NewView builds a View of src, refreshed at most every maxAge (1s when 0)
// unless invalidated.
func NewView(src AlertStore, maxAge time.Duration, log *slog.Logger) *View {
	if maxAge <= 0 {
		maxAge = time.Second
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &View{src: src, maxAge: maxAge, log: log.With("component", "view")}
}

// Invalidate makes the next read load again (another replica changed the
// alerts).
func (v *View) Invalidate() {
	v.mu.Lock()
	v.at = time.Time{}
	v.mu.Unlock()
}

// Refresh loads the stored alerts now, so that the copy is recent should
// the store become unreachable; replicas call it when another replica
// changed the alerts. On error the last copy stays.
func (v *View) Refresh(ctx context.Context) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.loadLocked(ctx)
}

// Seed replaces the copy with alerts this replica held in memory: a leader
// that steps down (its store may be unreachable) keeps serving them.
func (v *View) Seed(alerts []*alert.Alert) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.alerts, v.at = alerts, time.Now()
}

// Stored returns the stored alerts (every state) and group status, loading
// them first if the copy is stale. The slices are shared: do not modify.
func (v *View) Stored() ([]*alert.Alert, []state.GroupStatus) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if !v.at.IsZero() && time.Since(v.at) < v.maxAge {
		return v.alerts, v.status
	}
	_ = v.loadLocked(context.Background())
	return v.alerts, v.status
}

// loadLocked loads a new copy; on error it keeps the last one, and, if it
// has one, serves it for another maxAge before asking the store again.
func (v *View) loadLocked(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, loadTimeout)
	defer cancel()
	alerts, err := v.src.LoadAlerts(ctx)
	var status []state.GroupStatus
	if err == nil {
		status, err = v.src.LoadGroupStatus(ctx)
	}
	if err != nil {
		v.cond.Fail(v.log, slog.LevelWarn, "reading the stored alerts failed; serving the last copy", "err", err)
		if v.alerts != nil || v.status != nil {
			v.at = time.Now() // do not hammer an unreachable store
		}
		return err
	}
	v.cond.OK(v.log, "reading the stored alerts works again")
	v.alerts, v.status, v.at = alerts, status, time.Now()
	return nil
}

// Alerts returns copies of the stored pending and firing alerts, and of
// the flapping ones held as firing, as the evaluator's Alerts does for
// the leader.
func (v *View) Alerts() []*alert.Alert {
	all, _ := v.Stored()
	out := make([]*alert.Alert, 0, len(all))
	for _, a := range all {
		if a.State != alert.StateInactive || a.Flapping() {
			out = append(out, a.Clone())
		}
	}
	return out
}
