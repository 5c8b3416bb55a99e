package silence

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// WindowStore persists the maintenance windows created through the API.
// A Store that also implements it keeps them across restarts; the
// configuration's windows are never stored (the file is their source).
type WindowStore interface {
	LoadWindows(ctx context.Context) ([]Window, error)
	SaveWindow(ctx context.Context, w Window) error
	DeleteWindow(ctx context.Context, name string) error
}

// ErrConfigWindow is returned when the API tries to delete a window that
// the configuration file defines.
var ErrConfigWindow = errors.New("the maintenance window is defined in the configuration file")

// WindowInfo is a maintenance window with where it comes from.
type WindowInfo struct {
	Window
	// FromAPI is true for windows created through the API (false: the
	// configuration file).
	FromAPI bool
}

// loadAPIWindows reads the stored API windows, when the store keeps them.
func (s *Silences) loadAPIWindows(ctx context.Context) ([]Window, error) {
	ws, ok := s.store.(WindowStore)
	if !ok || s.store == nil {
		return nil, nil
	}
	return ws.LoadWindows(ctx)
}

// allWindows compiles the configuration's windows and the API's. An API
// window whose name the configuration now also uses is left out (the
// file wins) with a warning; it stays stored, and comes back if the file
// stops using the name. Callers hold s.mu (or own s exclusively).
func (s *Silences) allWindows(cfg, api []Window) ([]*compiledWindow, error) {
	compiled, err := compileWindows(cfg)
	if err != nil {
		return nil, err
	}
	names := map[string]bool{}
	for _, w := range cfg {
		names[w.Name] = true
	}
	for _, w := range api {
		if names[w.Name] {
			s.log.Warn("maintenance window created through the API is shadowed by the configuration's", "window", w.Name)
			continue
		}
		cw, err := compileWindow(w)
		if err != nil {
			// Stored while valid; rules may have tightened since.
			s.log.Warn("stored maintenance window is not valid any more; ignored", "window", w.Name, "err", err)
			continue
		}
		compiled = append(compiled, cw)
	}
	return compiled, nil
}

// AddWindow creates a maintenance window through the API. Its name must
// be new (among the configuration's windows too); it is stored before it
// takes effect. Invalid windows get a *ValidationError naming every
// problem.
func (s *Silences) AddWindow(ctx context.Context, w Window) error {
	if strings.TrimSpace(w.Name) == "" {
		return &ValidationError{Msg: "name: a maintenance window needs a name"}
	}
	if _, err := compileWindow(w); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.ContainsFunc(s.cfgWindows, func(c Window) bool { return c.Name == w.Name }) ||
		slices.ContainsFunc(s.apiWindows, func(c Window) bool { return c.Name == w.Name }) {
		return &ValidationError{Msg: fmt.Sprintf("name: a maintenance window named %q already exists", w.Name)}
	}
	if err := s.currentLimits().checkWindow(&w, len(s.apiWindows)); err != nil {
		return err
	}
	w.Matchers = (&Silence{Matchers: w.Matchers}).clone().Matchers
	if ws, ok := s.store.(WindowStore); ok && s.store != nil {
		if err := ws.SaveWindow(ctx, w); err != nil {
			return fmt.Errorf("saving maintenance window: %w", err)
		}
	}
	return s.setAPIWindows(append(slices.Clone(s.apiWindows), w))
}

// setAPIWindows puts api in effect with the configuration's windows.
// Callers hold s.mu.
func (s *Silences) setAPIWindows(api []Window) error {
	compiled, err := s.allWindows(s.cfgWindows, api)
	if err != nil {
		return err
	}
	s.apiWindows = api
	s.commit(nil, nil, compiled)
	return nil
}

// DeleteWindow deletes a window created through the API. Windows of the
// configuration file are ErrConfigWindow; unknown names ErrNotFound.
func (s *Silences) DeleteWindow(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.apiWindows, func(w Window) bool { return w.Name == name })
	if i < 0 {
		if slices.ContainsFunc(s.cfgWindows, func(w Window) bool { return w.Name == name }) {
			return ErrConfigWindow
		}
		return ErrNotFound
	}
	if ws, ok := s.store.(WindowStore); ok && s.store != nil {
		if err := ws.DeleteWindow(ctx, name); err != nil {
			return fmt.Errorf("deleting maintenance window: %w", err)
		}
	}
	return s.setAPIWindows(slices.Delete(slices.Clone(s.apiWindows), i, i+1))
}

// ListWindows returns every maintenance window, the configuration's first
// (in file order), then the API's (in creation order).
func (s *Silences) ListWindows() []WindowInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]WindowInfo, 0, len(s.cfgWindows)+len(s.apiWindows))
	for _, w := range s.cfgWindows {
		out = append(out, WindowInfo{Window: w})
	}
	for _, w := range s.apiWindows {
		out = append(out, WindowInfo{Window: w, FromAPI: true})
	}
	for i := range out {
		out[i].Matchers = (&Silence{Matchers: out[i].Matchers}).clone().Matchers
	}
	return out
}
