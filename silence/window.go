package silence

import (
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/prometheus/common/model"
	"github.com/robfig/cron/v3"

	"github.com/alerter/alerter/matcher"
)

// Window is a recurring maintenance window: from each activation of
// Schedule, read in TimeZone, it mutes the alerts its matchers select for
// Duration. Windows come from the configuration file, or from the API
// (stored, see WindowStore, and kept across restarts).
//
// Schedule is a cron expression as github.com/robfig/cron/v3 reads it: five
// fields (minute hour day-of-month month day-of-week), or six with seconds
// first, or a descriptor such as @daily; "@every" is refused, since it has
// no fixed activations. The time zone is TimeZone, or a "CRON_TZ=Zone "
// prefix of Schedule (not both); UTC when neither is given.
//
// An activation is an instant whose wall-clock reading in the time zone
// matches the schedule. Around daylight-saving changes that means (tested
// in window_test.go with Europe/Berlin, and the same as robfig/cron's own
// scheduler does there):
//   - An activation at a wall-clock time that does not exist on the day the
//     clocks go forward (02:30 on the last Sunday of March in Berlin) does
//     not happen that day. The window is skipped, not moved to 03:30.
//   - An activation at a wall-clock time that happens twice on the day the
//     clocks go back (02:30 on the last Sunday of October) happens twice, an
//     hour apart; with a Duration of an hour or more the two runs overlap
//     into one window that ends Duration after the second.
//   - Duration is elapsed time, not wall-clock time: a window at 01:00 for
//     2h on the day the clocks go forward ends at 04:00 local time, and on
//     the day they go back at (the second) 02:00 local time.
//
// Zones whose clocks shift by half an hour (Australia/Lord_Howe) follow the
// same rule; robfig/cron's own search loses activations there, so it is
// only ever asked about UTC (see firstAfter).
type Window struct {
	Name     string           `yaml:"name"`
	Schedule string           `yaml:"schedule"`
	Duration model.Duration   `yaml:"duration"`
	TimeZone string           `yaml:"time_zone"`
	Matchers matcher.Matchers `yaml:"matchers"`
	// CreatedBy and Comment say who made the window and why.
	CreatedBy string `yaml:"created_by,omitempty"`
	Comment   string `yaml:"comment,omitempty"`
}

// Validate reports every problem of the window at once, as a
// *ValidationError. Its matchers follow the rules of a silence's.
func (w *Window) Validate() error {
	_, err := compileWindow(*w)
	return err
}

// Active reports whether the window mutes at now: whether the latest
// activation at or before now is less than Duration ago. An invalid window
// is never active. Silences keeps its windows compiled; this method parses
// the schedule on every call.
func (w *Window) Active(now time.Time) bool {
	cw, err := compileWindow(*w)
	if err != nil {
		return false
	}
	return cw.span(now).active
}

// scheduleParser reads the five- and six-field forms and the descriptors;
// the time-zone prefix is handled by parseSchedule.
var scheduleParser = cron.NewParser(cron.SecondOptional | cron.Minute | cron.Hour |
	cron.Dom | cron.Month | cron.Dow | cron.Descriptor)

// neverBefore is where Validate looks for a first activation; a schedule
// with none in the five years robfig/cron searches never fires ("30 Feb").
var neverBefore = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// compiledWindow is a validated window ready to be asked whether it is
// active. It remembers the last answer with the interval in which the
// answer holds, so that Mutes does not run the cron search per alert.
type compiledWindow struct {
	w     Window
	sched *cron.SpecSchedule
	loc   *time.Location
	dur   time.Duration
	ms    matcher.Matchers
	cache atomic.Pointer[windowSpan]
}

// windowSpan says the window is (or is not) active for every instant in
// [from, until).
type windowSpan struct {
	from, until time.Time
	active      bool
}

func compileWindow(w Window) (*compiledWindow, error) {
	var probs []string
	if w.Name == "" {
		probs = append(probs, "name is required")
	} else if p := checkWindowName(w.Name); p != "" {
		probs = append(probs, p)
	}
	cw := &compiledWindow{w: w, dur: time.Duration(w.Duration)}
	if cw.dur <= 0 {
		probs = append(probs, "duration must be positive")
	}
	sched, cronTZ, err := parseSchedule(w.Schedule)
	if err != nil {
		probs = append(probs, err.Error())
	}
	cw.sched = sched
	tz := w.TimeZone
	switch {
	case cronTZ != "" && tz != "" && cronTZ != tz:
		probs = append(probs, fmt.Sprintf("time zone given twice, as CRON_TZ=%s in the schedule and as time_zone %q", cronTZ, tz))
	case tz == "":
		tz = cronTZ
	}
	switch tz {
	case "", "UTC":
		cw.loc = time.UTC
	case "Local":
		probs = append(probs, `time zone "Local" depends on the host; give an IANA name such as "Europe/Berlin"`)
	default:
		loc, err := time.LoadLocation(tz)
		if err != nil {
			probs = append(probs, fmt.Sprintf("unknown time zone %q: %v", tz, err))
		}
		cw.loc = loc
	}
	ms, err := compileMatchers(w.Matchers)
	if err != nil {
		probs = append(probs, err.Error())
	}
	cw.ms = ms
	if len(probs) > 0 {
		return nil, &ValidationError{Msg: fmt.Sprintf("window %q: %s", w.Name, strings.Join(probs, "; "))}
	}
	cw.w.Matchers = ms
	return cw, nil
}

// parseSchedule parses a cron expression with an optional CRON_TZ= (or
// TZ=) prefix, returning the zone name separately.
func parseSchedule(spec string) (sched *cron.SpecSchedule, tz string, err error) {
	orig := spec
	spec = strings.TrimSpace(spec)
	if spec == "" {
		return nil, "", fmt.Errorf("schedule is required")
	}
	for _, p := range []string{"CRON_TZ=", "TZ="} {
		if rest, ok := strings.CutPrefix(spec, p); ok {
			// robfig/cron would panic on a prefix without fields.
			tz, rest, _ = strings.Cut(rest, " ")
			spec = strings.TrimSpace(rest)
			if tz == "" || spec == "" {
				return nil, "", fmt.Errorf("schedule %q: a %s prefix must be followed by a zone name and the cron fields", orig, p)
			}
			break
		}
	}
	if strings.HasPrefix(spec, "@every") {
		return nil, "", fmt.Errorf("schedule %q: @every has no fixed activations; use a cron expression", spec)
	}
	defer func() {
		if r := recover(); r != nil {
			sched, err = nil, fmt.Errorf("schedule %q: %v", spec, r)
		}
	}()
	s, err := scheduleParser.Parse(spec)
	if err != nil {
		return nil, "", fmt.Errorf("schedule %q: %w", spec, err)
	}
	ss, ok := s.(*cron.SpecSchedule)
	if !ok {
		return nil, "", fmt.Errorf("schedule %q: not a calendar schedule", spec)
	}
	if ss.Next(neverBefore).IsZero() {
		return nil, "", fmt.Errorf("schedule %q never fires", spec)
	}
	return ss, tz, nil
}

// active is span(now).active, remembered while it holds.
func (cw *compiledWindow) active(now time.Time) bool {
	if sp := cw.cache.Load(); sp != nil && !now.Before(sp.from) && now.Before(sp.until) {
		return sp.active
	}
	sp := cw.span(now)
	cw.cache.Store(sp)
	return sp.active
}

// span finds whether the window is active at now, and for how long that
// stays so. An activation a covers [a, a+Duration), so the window is
// active exactly when some activation lies in (now-Duration, now]: the
// first activation after now-Duration decides. If it is not after now the
// window is active until it ends; otherwise the window is inactive until it
// starts. Only activations within Duration of now matter, so no lookback
// beyond that is needed.
func (cw *compiledWindow) span(now time.Time) *windowSpan {
	a := cw.firstAfter(now.Add(-cw.dur))
	switch {
	case a.IsZero():
		// No activation within the years searched.
		return &windowSpan{from: now, until: now.Add(24 * time.Hour)}
	case !a.After(now):
		return &windowSpan{from: a, until: a.Add(cw.dur), active: true}
	default:
		return &windowSpan{from: now, until: a}
	}
}

// maxZonePeriods bounds firstAfter's walk through UTC-offset periods (two a
// year where daylight saving time is observed).
const maxZonePeriods = 64

// firstAfter returns the first activation strictly after x, or the zero
// time. It asks robfig/cron only about UTC, where wall clocks do not jump,
// one UTC-offset period of the window's zone at a time: within a period an
// instant's wall-clock reading is the instant plus the period's offset, so
// an activation at wall time w there is the instant w - offset, if that
// lies in the period. (robfig/cron's own DST handling loses activations in
// zones whose clocks shift by half an hour, such as Australia/Lord_Howe.)
// A wall time in a spring-forward gap belongs to no period and never
// happens; one repeated at a fall-back happens in both periods.
func (cw *compiledWindow) firstAfter(x time.Time) time.Time {
	lower, probe := x, x // activations after lower, in probe's period
	for range maxZonePeriods {
		local := probe.In(cw.loc)
		_, offset := local.Zone()
		_, end := local.ZoneBounds()
		off := time.Duration(offset) * time.Second
		w := cw.sched.Next(lower.Add(off).UTC())
		if w.IsZero() {
			return time.Time{}
		}
		a := w.Add(-off)
		if end.IsZero() || a.Before(end) {
			return a
		}
		// Next period: activations from its start on.
		lower, probe = end.Add(-time.Nanosecond), end
	}
	return time.Time{}
}

func compileWindows(ws []Window) ([]*compiledWindow, error) {
	out := make([]*compiledWindow, 0, len(ws))
	var probs []string
	seen := map[string]bool{}
	for i, w := range ws {
		cw, err := compileWindow(w)
		if err != nil {
			probs = append(probs, fmt.Sprintf("windows[%d]: %v", i, err))
			continue
		}
		if seen[w.Name] {
			probs = append(probs, fmt.Sprintf("windows[%d]: duplicate window name %q", i, w.Name))
			continue
		}
		seen[w.Name] = true
		out = append(out, cw)
	}
	if len(probs) > 0 {
		return nil, &ValidationError{Msg: strings.Join(probs, "\n")}
	}
	return out, nil
}

// SetWindows replaces the maintenance windows, on configuration reload.
// Nothing changes unless every window is valid; the error, a
// *ValidationError, lists every problem.
func (s *Silences) SetWindows(ws []Window) error {
	p, err := PrepareWindows(ws)
	if err != nil {
		return err
	}
	s.ApplyWindows(p)
	return nil
}

// PreparedWindows are a configuration's maintenance windows, checked and
// compiled, ready to be applied with ApplyWindows, which cannot fail: a
// reload prepares everything before it changes anything.
type PreparedWindows struct {
	ws       []Window
	compiled []*compiledWindow
}

// PrepareWindows checks and compiles a configuration's windows; the
// error, a *ValidationError, lists every problem.
func PrepareWindows(ws []Window) (*PreparedWindows, error) {
	compiled, err := compileWindows(ws)
	if err != nil {
		return nil, err
	}
	return &PreparedWindows{ws: slices.Clone(ws), compiled: compiled}, nil
}

// ApplyWindows puts prepared configuration windows in effect, with the
// windows created through the API.
func (s *Silences) ApplyWindows(p *PreparedWindows) {
	s.mu.Lock()
	defer s.mu.Unlock()
	compiled, err := s.allWindows(p.ws, s.apiWindows)
	if err != nil {
		// PrepareWindows compiled the same windows: cannot happen.
		compiled = p.compiled
	}
	s.cfgWindows = slices.Clone(p.ws)
	s.commit(nil, nil, compiled)
}

// Windows returns copies of the maintenance windows in effect: the
// configuration's in file order, then the API's.
func (s *Silences) Windows() []Window {
	snap := s.cur.Load()
	out := make([]Window, len(snap.windows))
	for i, cw := range snap.windows {
		w := cw.w
		w.Matchers = (&Silence{Matchers: w.Matchers}).clone().Matchers
		out[i] = w
	}
	return out
}
