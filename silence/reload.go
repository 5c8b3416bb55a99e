package silence

import (
	"context"
	"fmt"
)

// Reload replaces the silences with the store's. Replicas sharing a store
// call it when another replica changed the silences: what that replica
// created, updated, expired or deleted takes effect here too. It holds the
// lock of changes while it reads, so that it never puts back an older
// version of a change made here meanwhile.
func (s *Silences) Reload(ctx context.Context) error {
	if s.store == nil {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	loaded, err := s.store.LoadSilences(ctx)
	if err != nil {
		return fmt.Errorf("reloading silences: %w", err)
	}
	byID := make(map[string]*entry, len(loaded))
	for _, sil := range loaded {
		e, err := loadedEntry(sil)
		if err != nil {
			return fmt.Errorf("reloading silence %s: %w", sil.ID, err)
		}
		byID[sil.ID] = e
	}
	cur := s.cur.Load()
	s.cur.Store(&snapshot{version: cur.version + 1, byID: byID, idx: buildIndex(byID), windows: cur.windows})
	return nil
}

// ReloadWindows replaces the maintenance windows created through the API
// with the store's, as Reload does for silences.
func (s *Silences) ReloadWindows(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	api, err := s.loadAPIWindows(ctx)
	if err != nil {
		return fmt.Errorf("reloading maintenance windows: %w", err)
	}
	return s.setAPIWindows(api)
}
