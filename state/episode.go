package state

import (
	"context"
	"time"

	"github.com/prometheus/common/model"
)

// Episode is one firing of one evaluated alert, from the evaluation that
// fired it to the one that resolved it, kept for the alert-quality report
// (alerter report, /api/v1/report). It is keyed by rule, alert and firing
// time. The evaluator writes what it knows (Batch.Episodes) and the
// notification side what it did about it (Flush.EpisodeNotes).
type Episode struct {
	RuleID string
	// Group is the rule's group key (file;name), Alertname its alert name.
	Group     string
	Alertname string
	// ID is the alert's identity (alert.Key.ID).
	ID     model.Fingerprint
	Labels model.LabelSet
	// FiredAt identifies the episode within its alert.
	FiredAt time.Time
	// ResolvedAt is zero while the episode is open.
	ResolvedAt time.Time
	// Evaluations is how many evaluations of the rule after the one that
	// fired it it took to resolve (see package episode); 0 while open, -1
	// when unknown.
	Evaluations int64
	// Flapping: the alert was flapping during the episode.
	Flapping bool
	// AckedAt and AckedBy are the first acknowledgement that covered the
	// episode; zero and "" when none did.
	AckedAt time.Time
	AckedBy string
	// Notifications counts the notifications queued that carried the
	// alert during the episode, one per integration.
	Notifications int
}

// EpisodeNote is what the notification side adds to a stored episode: more
// notifications, and its first acknowledgement. Notes of episodes that
// are not stored (pushed alerts, pruned episodes) are ignored.
type EpisodeNote struct {
	RuleID  string
	ID      model.Fingerprint
	FiredAt time.Time
	// Notifications are added to the episode's count.
	Notifications int
	// AckedAt and AckedBy are stored unless the episode has an
	// acknowledgement already; zero AckedAt: none.
	AckedAt time.Time
	AckedBy string
}

// EpisodeStore reads and bounds the stored episodes. Episodes are written
// with an evaluation's Batch (the evaluator's part: an upsert by rule,
// alert and firing time that never clears the resolution, the flapping
// mark, the notifications or the acknowledgement) and with a Flush (the
// notification side's notes), so only the leader writes them, fenced.
type EpisodeStore interface {
	// LoadEpisodes returns up to limit episodes that fired at or after
	// since, oldest first.
	LoadEpisodes(ctx context.Context, since time.Time, limit int) ([]Episode, error)
	// LastFired returns, per rule ID, when the latest stored episode fired.
	LastFired(ctx context.Context) (map[string]time.Time, error)
	// PruneEpisodes deletes the resolved episodes that fired before
	// olderThan, then the oldest ones beyond max; it returns how many it
	// deleted.
	PruneEpisodes(ctx context.Context, olderThan time.Time, max int) (int64, error)
}
