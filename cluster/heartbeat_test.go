package cluster

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/alerter/alerter/state"
)

// fakeReplicas is a ReplicaStore that lists a fixed set of replicas (or
// fails), and records the window it was asked for.
type fakeReplicas struct {
	list   []state.Replica
	err    error
	within time.Duration
}

func (f *fakeReplicas) Heartbeat(context.Context, state.Replica) error { return nil }
func (f *fakeReplicas) RemoveReplica(context.Context, string) error    { return nil }
func (f *fakeReplicas) Replicas(_ context.Context, within time.Duration) ([]state.Replica, error) {
	f.within = within
	return f.list, f.err
}

func TestHeartbeatLeaderAddress(t *testing.T) {
	follower := state.Replica{Name: "a", Address: "http://a:9095"}
	leader := state.Replica{Name: "b", Address: "http://b:9095", Leader: true}
	noAddress := state.Replica{Name: "c", Leader: true}
	for _, tc := range []struct {
		name    string
		list    []state.Replica
		err     error
		want    string
		wantErr string
	}{
		{name: "the leader", list: []state.Replica{follower, leader}, want: "http://b:9095"},
		{name: "a leader without an address is skipped", list: []state.Replica{noAddress, follower, leader}, want: "http://b:9095"},
		{name: "no leader", list: []state.Replica{follower}, wantErr: "no replica leads now"},
		{name: "only a leader without an address", list: []state.Replica{noAddress}, wantErr: "no replica leads now"},
		{name: "no replicas", wantErr: "no replica leads now"},
		{name: "the store fails", err: errors.New("connection refused"), wantErr: "connection refused"},
	} {
		store := &fakeReplicas{list: tc.list, err: tc.err}
		h := &Heartbeat{Store: store, Every: 5 * time.Second}
		got, err := h.LeaderAddress(t.Context())
		if got != tc.want || (err == nil) != (tc.wantErr == "") || (err != nil && err.Error() != tc.wantErr) {
			t.Errorf("%s: LeaderAddress = %q, %v; want %q, %q", tc.name, got, err, tc.want, tc.wantErr)
		}
		if store.within != 15*time.Second {
			t.Errorf("%s: replicas seen within %v, want three heartbeats (15s)", tc.name, store.within)
		}
	}
}
