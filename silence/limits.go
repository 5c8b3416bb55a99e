package silence

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"
	"unicode"
	"unicode/utf8"
)

// Default limits, used when Limits leaves a field at 0. Alertmanager
// 0.26+ has the first two as flags, unlimited by default; here they are on
// by default so that no client can make alerter hold an unbounded amount:
// with every silence at the size limit, the defaults bound the silences to
// about 80 MB.
const (
	DefaultMaxSilences         = 5000
	DefaultMaxSilenceSizeBytes = 16 << 10
	DefaultMaxWindows          = 1000
	DefaultMaxWindowSizeBytes  = 16 << 10
)

// Limits bound what clients can make Silences hold. A zero field takes
// its default; a negative one means no limit.
type Limits struct {
	// MaxSilences bounds the active and pending silences (expired ones
	// do not count, as in Alertmanager): one more is refused.
	MaxSilences int
	// MaxSilenceSizeBytes bounds a silence's Size.
	MaxSilenceSizeBytes int
	// MaxWindows bounds the maintenance windows created through the API
	// (the configuration file's do not count).
	MaxWindows int
	// MaxWindowSizeBytes bounds a window's Size, for windows created
	// through the API.
	MaxWindowSizeBytes int
}

// withDefaults fills zero fields.
func (l Limits) withDefaults() Limits {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&l.MaxSilences, DefaultMaxSilences)
	def(&l.MaxSilenceSizeBytes, DefaultMaxSilenceSizeBytes)
	def(&l.MaxWindows, DefaultMaxWindows)
	def(&l.MaxWindowSizeBytes, DefaultMaxWindowSizeBytes)
	return l
}

// SetLimits replaces the limits (on start and reload). What is already
// stored stays; only new silences and windows, and changes, are checked.
func (s *Silences) SetLimits(l Limits) {
	l = l.withDefaults()
	s.limits.Store(&l)
}

func (s *Silences) currentLimits() Limits {
	if l := s.limits.Load(); l != nil {
		return *l
	}
	return Limits{}.withDefaults()
}

// Size is what a silence counts against Limits.MaxSilenceSizeBytes: the
// bytes of its text, that is its creator, comment, and each matcher's name
// and value. Its times and ID are of fixed size and not counted.
func (s *Silence) Size() int {
	n := len(s.CreatedBy) + len(s.Comment)
	for _, m := range s.Matchers {
		if m != nil {
			n += len(m.Name) + len(m.Value)
		}
	}
	return n
}

// Size is what a window counts against Limits.MaxWindowSizeBytes: the bytes
// of its text (name, schedule, time zone, creator, comment, and each
// matcher's name and value).
func (w *Window) Size() int {
	n := len(w.Name) + len(w.Schedule) + len(w.TimeZone) + len(w.CreatedBy) + len(w.Comment)
	for _, m := range w.Matchers {
		if m != nil {
			n += len(m.Name) + len(m.Value)
		}
	}
	return n
}

// checkSize refuses a silence larger than the limit.
func (l Limits) checkSize(sil *Silence) error {
	if l.MaxSilenceSizeBytes > 0 && sil.Size() > l.MaxSilenceSizeBytes {
		return &ValidationError{Msg: fmt.Sprintf(
			"silence is too large: %d bytes of creator, comment and matchers, over the limit of %d bytes (silences.max_silence_size_bytes, --silences.max-silence-size-bytes)",
			sil.Size(), l.MaxSilenceSizeBytes)}
	}
	return nil
}

// checkCount refuses one more active or pending silence when there are
// already n.
func (l Limits) checkCount(n int) error {
	if l.MaxSilences > 0 && n+1 > l.MaxSilences {
		return &ValidationError{Msg: fmt.Sprintf(
			"too many silences: %d are active or pending, the limit is %d (silences.max_silences, --silences.max-silences); expire some first",
			n, l.MaxSilences)}
	}
	return nil
}

// trimExpired deletes the expired silences that ended longest ago while
// there are more than MaxSilences of them. Expired silences are kept for
// the retention (120h) to be seen and re-created from; without this, a
// client that creates and expires silences in a loop would make alerter
// hold any number of them until then. Callers hold s.mu; a store failure
// is logged and leaves them for GC.
func (s *Silences) trimExpired(ctx context.Context, now time.Time) {
	max := s.currentLimits().MaxSilences
	if max <= 0 {
		return
	}
	var expired []*Silence
	for _, e := range s.cur.Load().byID {
		if e.sil.State(now) == StateExpired {
			expired = append(expired, e.sil)
		}
	}
	if len(expired) <= max {
		return
	}
	slices.SortFunc(expired, func(a, b *Silence) int { return cmp.Or(a.EndsAt.Compare(b.EndsAt), cmp.Compare(a.ID, b.ID)) })
	ids := make([]string, 0, len(expired)-max)
	for _, sil := range expired[:len(expired)-max] {
		ids = append(ids, sil.ID)
	}
	if s.store != nil {
		if err := s.store.DeleteSilences(ctx, ids); err != nil {
			s.log.Warn("deleting expired silences over the limit failed; GC will", "err", err)
			return
		}
	}
	s.commit(nil, ids, nil)
	s.log.Info("deleted expired silences before their retention: more expired silences than silences.max_silences", "count", len(ids), "limit", max)
}

// checkWindow refuses a window created through the API over the limits,
// when there are already n such windows.
func (l Limits) checkWindow(w *Window, n int) error {
	if l.MaxWindowSizeBytes > 0 && w.Size() > l.MaxWindowSizeBytes {
		return &ValidationError{Msg: fmt.Sprintf(
			"maintenance window is too large: %d bytes of text, over the limit of %d bytes (silences.max_window_size_bytes)",
			w.Size(), l.MaxWindowSizeBytes)}
	}
	if l.MaxWindows > 0 && n+1 > l.MaxWindows {
		return &ValidationError{Msg: fmt.Sprintf(
			"too many maintenance windows: %d were created through the API, the limit is %d (silences.max_windows); delete some first",
			n, l.MaxWindows)}
	}
	return nil
}

// checkWindowName says what is wrong with a window's name, or "". Names
// with control characters (a NUL, a newline or an escape sequence would end
// up in logs, Slack messages and the status.mutedBy of alerts), invalid
// UTF-8, or leading or trailing white space are refused.
func checkWindowName(name string) string {
	if !utf8.ValidString(name) {
		return fmt.Sprintf("name %q is not valid UTF-8", name)
	}
	for i, r := range name {
		if unicode.IsControl(r) {
			return fmt.Sprintf("name %q has a control character (%U) at byte %d", name, r, i)
		}
	}
	first, _ := utf8.DecodeRuneInString(name)
	last, _ := utf8.DecodeLastRuneInString(name)
	if name != "" && (unicode.IsSpace(first) || unicode.IsSpace(last)) {
		return fmt.Sprintf("name %q starts or ends with white space", name)
	}
	return ""
}
