package cluster

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/alerter/alerter/internal/condlog"
	"github.com/alerter/alerter/state"
)

// ReplicaStore keeps the list of replicas sharing a store
// (state/postgres implements it).
type ReplicaStore interface {
	Heartbeat(ctx context.Context, r state.Replica) error
	Replicas(ctx context.Context, within time.Duration) ([]state.Replica, error)
	RemoveReplica(ctx context.Context, id string) error
}

// Heartbeat reports this replica alive every Every, so that every replica
// can list the others (GET /api/v2/status), and removes it when it stops.
type Heartbeat struct {
	Store ReplicaStore
	Self  state.Replica
	Every time.Duration
	Log   *slog.Logger
	cond  condlog.Condition
}

// Run reports until ctx ends, then removes this replica from the list.
func (h *Heartbeat) Run(ctx context.Context) {
	log := h.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(h.Every)
	defer t.Stop()
	for {
		hctx, cancel := context.WithTimeout(ctx, h.Every)
		err := h.Store.Heartbeat(hctx, h.Self)
		cancel()
		if err != nil && ctx.Err() == nil {
			h.cond.Fail(log, slog.LevelDebug, "recording this replica's heartbeat failed", "err", err)
		} else if err == nil {
			h.cond.OK(log, "recording this replica's heartbeat works again")
		}
		select {
		case <-ctx.Done():
			rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			_ = h.Store.RemoveReplica(rctx, h.Self.ID)
			cancel()
			return
		case <-t.C:
		}
	}
}

// Peers lists the replicas seen within the last three heartbeats.
func (h *Heartbeat) Peers(ctx context.Context) ([]state.Replica, error) {
	return h.Store.Replicas(ctx, 3*h.Every)
}

// LeaderAddress returns the API address of the replica that leads, as
// the replicas reported it (an error when none leads now, or none that
// reported an address).
func (h *Heartbeat) LeaderAddress(ctx context.Context) (string, error) {
	peers, err := h.Peers(ctx)
	if err != nil {
		return "", err
	}
	for _, p := range peers {
		if p.Leader && p.Address != "" {
			return p.Address, nil
		}
	}
	return "", errors.New("no replica leads now")
}
