package ingest

import (
	"context"
	"fmt"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

// Sweep resolves the firing pushed alerts whose endsAt is not after now
// (one resolved event each) and forgets resolved ones kept longer than the
// retention, in one commit. It returns when the next alert falls due (zero:
// none held). On a store error nothing changes and the sweep is due again.
func (in *Ingester) Sweep(ctx context.Context, now time.Time) (time.Time, error) {
	in.mu.Lock()
	defer in.mu.Unlock()
	if !in.ready {
		return time.Time{}, nil
	}
	batch := &state.Batch{Group: batchGroup}
	resolved := map[model.Fingerprint]*alert.Alert{}
	var deleted []model.Fingerprint
	var next time.Time
	due := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for fp, a := range in.alerts {
		if done := expire(a, now); done != nil {
			resolved[fp] = done
			batch.Upserts = append(batch.Upserts, done)
			batch.Events = append(batch.Events, event(alert.EventResolved, done, now))
			due(now.Add(in.opts.ResolvedRetention))
			continue
		}
		if expired(a, now, in.opts.ResolvedRetention) {
			deleted = append(deleted, fp)
			batch.Deletes = append(batch.Deletes, a.Key)
			continue
		}
		if a.State == alert.StateFiring {
			due(a.EndsAt)
		} else {
			due(latest(a.ResolvedAt, a.LastEvalAt).Add(in.opts.ResolvedRetention + time.Nanosecond))
		}
	}
	if batch.Empty() {
		return next, nil
	}
	if err := in.store.Commit(ctx, batch); err != nil {
		return now, fmt.Errorf("storing swept pushed alerts: %w", err)
	}
	for fp, a := range resolved {
		in.alerts[fp] = a
	}
	for _, fp := range deleted {
		delete(in.alerts, fp)
		delete(in.timeout, fp)
	}
	if len(batch.Events) > 0 && in.opts.OnEvents != nil {
		in.opts.OnEvents()
	}
	return next, nil
}

// Sweep back-off after a store error.
const (
	minRetry = time.Second
	maxRetry = 30 * time.Second
)

// Run sweeps when the next pushed alert falls due, and again after every
// push (which may bring an earlier end), until ctx ends. A failed sweep is
// retried with exponential back-off.
func (in *Ingester) Run(ctx context.Context) {
	retry := minRetry
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		now := time.Now()
		next, err := in.Sweep(ctx, now)
		wait := time.Hour
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return
			}
			in.log.Error("resolving expired pushed alerts failed; will retry", "err", err, "retry_in", retry)
			wait = retry
			retry = min(2*retry, maxRetry)
		case !next.IsZero():
			retry = minRetry
			wait = max(next.Sub(now), 0)
		default:
			retry = minRetry
		}
		timer.Reset(wait)
		select {
		case <-ctx.Done():
			return
		case <-in.wake:
		case <-timer.C:
		}
	}
}
