package ack

import (
	"context"
	"fmt"
)

// Reload replaces the acknowledgements with the store's. Replicas sharing
// a store call it when another replica changed them; OnChange then runs,
// so that the leader tells receivers who acknowledged, as for its own.
func (k *Acks) Reload(ctx context.Context) error {
	if k.o.Store == nil {
		return nil
	}
	k.mu.Lock()
	all, err := k.o.Store.LoadAcks(ctx)
	if err != nil {
		k.mu.Unlock()
		return fmt.Errorf("reloading acknowledgements: %w", err)
	}
	k.cur.Store(build(all))
	k.mu.Unlock()
	if k.o.OnChange != nil {
		k.o.OnChange()
	}
	return nil
}
