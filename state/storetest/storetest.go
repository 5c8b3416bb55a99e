// Package storetest is the contract every state store keeps: one test suite
// that state/sqlite and state/postgres both run (Run), so that the code
// above state/ cannot tell which store it has. It covers every method the
// server uses: alert state and the event outbox, the notification log and
// outboxes, silences, acknowledgements, escalations, maintenance windows,
// group status, the leadership lease and its fencing, and, for stores that
// several replicas share, change notifications and the replica list.
package storetest

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/silence"
	"github.com/alerter/alerter/state"
)

// Store is what the contract covers: everything the server uses of a state
// store.
type Store interface {
	state.Store
	state.NotifyStore
	silence.Store
	silence.WindowStore
	ack.Store
	state.EpisodeStore

	LoadGroupStatus(ctx context.Context) ([]state.GroupStatus, error)
	OutboxDepth(ctx context.Context) (int, error)
	PruneDelivered(ctx context.Context, olderThan time.Time) (int64, error)
	PruneNotifications(ctx context.Context, olderThan time.Time) (int64, error)

	AcquireLease(ctx context.Context, holder string, ttl time.Duration) (state.Lease, error)
	RenewLease(ctx context.Context, holder string, epoch int64, ttl time.Duration) (state.Lease, error)
	ReleaseLease(ctx context.Context, holder string, epoch int64) error
	ReadLease(ctx context.Context) (state.Lease, error)
}

// Fenced is a store's view of one leadership term: the writes that can lead
// to a notification, refused with state.ErrFenced once a newer term began.
type Fenced interface {
	state.Store
	state.NotifyStore
	ClaimNotification(ctx context.Context, n *state.Notification) error
}

// Shared is what a store that several replicas share adds: change
// notifications and the list of replicas.
type Shared interface {
	ChangeVersions(ctx context.Context) (map[string]int64, error)
	ListenChanges(ctx context.Context, fn func(topic string)) error
	Heartbeat(ctx context.Context, r state.Replica) error
	Replicas(ctx context.Context, within time.Duration) ([]state.Replica, error)
	RemoveReplica(ctx context.Context, id string) error
}

// Harness opens stores of one implementation for the suite.
type Harness struct {
	// NewDB returns a new, empty database: a directory, a DSN.
	NewDB func(t *testing.T) string
	// Open opens a store on db; the suite closes it. Opening db again
	// after Close is a restart; while another store on it is open, it is
	// a second replica (only for Shared stores).
	Open func(t *testing.T, db string) Store
	// Fence returns s's view of the leadership term with epoch.
	Fence func(s Store, epoch int64) Fenced
	// Shared stores implement Shared, and can be opened by several
	// processes at once.
	Shared bool
}

// T0 is a base time with nanoseconds, so that truncation would show.
var T0 = time.Date(2026, 3, 14, 15, 9, 26, 535897932, time.UTC)

// Run runs the whole contract against h's stores.
func Run(t *testing.T, h Harness) {
	tests := []struct {
		name string
		fn   func(t *testing.T, h Harness)
	}{
		{"AlertRoundTrip", testAlertRoundTrip},
		{"UpsertUpdateDelete", testUpsertUpdateDelete},
		{"EventIDsInOrder", testEventIDsInOrder},
		{"CommitAtomic", testCommitAtomic},
		{"LargeBatch", testLargeBatch},
		{"CommitCanceledMidway", testCommitCanceledMidway},
		{"CommitEmptyAndNil", testCommitEmptyAndNil},
		{"Restart", testRestart},
		{"CanceledContext", testCanceledContext},
		{"ConcurrentUse", testConcurrentUse},
		{"PendingEventsLimit", testPendingEventsLimit},
		{"MarkDelivered", testMarkDelivered},
		{"PruneDelivered", testPruneDelivered},
		{"GroupStatus", testGroupStatus},
		{"NotifyRoundTrip", testNotifyRoundTrip},
		{"PendingNotificationsSkipGroups", testPendingSkipGroups},
		{"TrimNotificationsDropsSupersededFirst", testTrimNotifications},
		{"PruneNotificationsKeepsUndelivered", testPruneNotifications},
		{"Escalations", testEscalations},
		{"SilenceRoundTrip", testSilenceRoundTrip},
		{"SilencesSurviveRestart", testSilencesSurviveRestart},
		{"FarFutureSilences", testFarFutureSilences},
		{"Acks", testAcks},
		{"Windows", testWindows},
		{"Lease", testLease},
		{"LeaseExpires", testLeaseExpires},
		{"Fencing", testFencing},
		{"ClaimNotification", testClaimNotification},
		{"FlapRoundTrip", testFlapRoundTrip},
		{"Episodes", testEpisodes},
		{"EpisodesFenced", testEpisodesFenced},
		{"PruneEpisodes", testPruneEpisodes},
		{"LargeEpisodeBatch", testLargeEpisodeBatch},
	}
	if h.Shared {
		tests = append(tests, []struct {
			name string
			fn   func(t *testing.T, h Harness)
		}{
			{"SharedLease", testSharedLease},
			{"ChangeVersions", testChangeVersions},
			{"ListenChanges", testListenChanges},
			{"Replicas", testReplicas},
		}...)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, h)
		})
	}
}

// open opens a store on db (a new database when db is "") and closes it at
// the end of the test; it returns the database too, for restarts.
func open(t *testing.T, h Harness, db string) (Store, string) {
	t.Helper()
	if db == "" {
		db = h.NewDB(t)
	}
	s := h.Open(t, db)
	t.Cleanup(func() { _ = s.Close() })
	return s, db
}

// SampleAlert returns a distinct, fully populated alert.
func SampleAlert(rule string, i int) *alert.Alert {
	ls := model.LabelSet{
		"alertname": model.LabelValue(rule),
		"instance":  model.LabelValue(fmt.Sprintf("host-%d:9100", i)),
		"severity":  "warning",
	}
	return &alert.Alert{
		Key:              alert.Key{RuleID: rule, ID: ls.Fingerprint()},
		Labels:           ls,
		Annotations:      model.LabelSet{"summary": model.LabelValue(fmt.Sprintf("disk %d is full", i))},
		State:            alert.StateFiring,
		Value:            float64(i) + 0.5,
		GeneratorURL:     "http://prometheus:9090/graph?g0.expr=up+%3D%3D+0",
		ActiveAt:         T0.Add(time.Duration(i) * time.Second),
		FiredAt:          T0.Add(time.Duration(i)*time.Second + time.Minute),
		LastEvalAt:       T0.Add(time.Hour),
		SeverityRaisedAt: T0.Add(time.Duration(i) * time.Nanosecond),
		EndsAt:           T0.Add(2*time.Hour + time.Duration(i)*time.Millisecond),
	}
}

// SampleEvent returns an event about a.
func SampleEvent(kind alert.EventKind, a *alert.Alert) *alert.Event {
	return &alert.Event{Kind: kind, At: a.LastEvalAt, Alert: *a.Clone()}
}

// EqualAlert reports whether a and b are equal field by field, comparing
// values by their bits so that NaN equals NaN, and times with ==, so that
// a location or monotonic reading that did not round-trip shows.
func EqualAlert(a, b *alert.Alert) bool {
	if math.Float64bits(a.Value) != math.Float64bits(b.Value) {
		return false
	}
	x, y := *a, *b
	x.Value, y.Value = 0, 0
	return reflect.DeepEqual(x, y)
}

// CheckAlerts fails the test unless s holds exactly want.
func CheckAlerts(t *testing.T, s state.Store, want ...*alert.Alert) {
	t.Helper()
	got, err := s.LoadAlerts(context.Background())
	if err != nil {
		t.Fatalf("LoadAlerts: %v", err)
	}
	byKey := make(map[alert.Key]*alert.Alert, len(got))
	for _, a := range got {
		byKey[a.Key] = a
	}
	if len(got) != len(want) || len(byKey) != len(got) {
		t.Fatalf("LoadAlerts returned %d alerts (%d keys), want %d", len(got), len(byKey), len(want))
	}
	for _, w := range want {
		g, ok := byKey[w.Key]
		if !ok {
			t.Errorf("alert %v missing", w.Key)
			continue
		}
		if !EqualAlert(g, w) {
			t.Errorf("alert %v:\n got %+v\nwant %+v", w.Key, *g, *w)
		}
	}
}

// CheckEvent fails the test unless got equals want in every field.
func CheckEvent(t *testing.T, got, want *alert.Event) {
	t.Helper()
	if got.ID != want.ID || got.Kind != want.Kind || got.At != want.At || got.PrevSeverity != want.PrevSeverity {
		t.Errorf("event = {ID:%d Kind:%s At:%v Prev:%q}, want {ID:%d Kind:%s At:%v Prev:%q}",
			got.ID, got.Kind, got.At, got.PrevSeverity, want.ID, want.Kind, want.At, want.PrevSeverity)
	}
	if !EqualAlert(&got.Alert, &want.Alert) {
		t.Errorf("event %d alert:\n got %+v\nwant %+v", want.ID, got.Alert, want.Alert)
	}
}

func checkDepth(t *testing.T, s Store, want int) {
	t.Helper()
	got, err := s.OutboxDepth(context.Background())
	if err != nil {
		t.Fatalf("OutboxDepth: %v", err)
	}
	if got != want {
		t.Fatalf("OutboxDepth = %d, want %d", got, want)
	}
}

func checkMarks(t *testing.T, s state.Store, want ...state.GroupMark) {
	t.Helper()
	got, err := s.LoadGroupMarks(context.Background())
	if err != nil {
		t.Fatalf("LoadGroupMarks: %v", err)
	}
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("LoadGroupMarks = %v, want %v", got, want)
	}
}

func commit(t testing.TB, s state.Store, b *state.Batch) {
	t.Helper()
	if err := s.Commit(context.Background(), b); err != nil {
		t.Fatalf("Commit: %v", err)
	}
}

// waitFor polls cond until it holds or a generous deadline passes.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
