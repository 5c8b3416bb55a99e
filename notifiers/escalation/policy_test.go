package escalation

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func oncall() *Policy {
	return &Policy{
		Name: "oncall",
		Levels: []Level{
			{After: 0, Receivers: []string{"slack", "primary"}},
			{After: model.Duration(15 * time.Minute), Receivers: []string{"secondary"}},
			{After: model.Duration(30 * time.Minute), Receivers: []string{"lead"}},
		},
		RepeatEvery: model.Duration(30 * time.Minute),
	}
}

var t0 = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

func at(d time.Duration) time.Time { return t0.Add(d) }

// step is one call of Step in a timeline.
type step struct {
	now          time.Duration
	unacked      bool // the group has unacknowledged alerts since unackedFrom
	unackedFrom  time.Duration
	wantLevels   []int
	wantRepeat   bool
	wantDue      time.Duration // -1: nothing due
	wantReached  int
	restartAfter bool // carry the state through an encode/decode, as a restart would
}

func TestStepTimelines(t *testing.T) {
	tests := []struct {
		name  string
		steps []step
	}{{
		name: "levels then repeats of the last",
		steps: []step{
			{now: 0, unacked: true, wantLevels: []int{0}, wantDue: 15 * time.Minute, wantReached: 1},
			{now: 10 * time.Minute, unacked: true, wantDue: 15 * time.Minute, wantReached: 1},
			{now: 15 * time.Minute, unacked: true, wantLevels: []int{1}, wantDue: 30 * time.Minute, wantReached: 2},
			{now: 30 * time.Minute, unacked: true, wantLevels: []int{2}, wantDue: 60 * time.Minute, wantReached: 3},
			{now: 59 * time.Minute, unacked: true, wantDue: 60 * time.Minute, wantReached: 3},
			{now: 60 * time.Minute, unacked: true, wantLevels: []int{2}, wantRepeat: true, wantDue: 90 * time.Minute, wantReached: 3},
		},
	}, {
		name: "acknowledged: pauses, keeps the level, resumes from a new start",
		steps: []step{
			{now: 0, unacked: true, wantLevels: []int{0}, wantDue: 15 * time.Minute, wantReached: 1},
			{now: 5 * time.Minute, unacked: false, wantDue: -1, wantReached: 1},
			{now: 20 * time.Minute, unacked: false, wantDue: -1, wantReached: 1},
			// A new alert fires at 40m: level 2 is due 15m after it.
			{now: 40 * time.Minute, unacked: true, unackedFrom: 40 * time.Minute, wantDue: 55 * time.Minute, wantReached: 1},
			{now: 55 * time.Minute, unacked: true, unackedFrom: 40 * time.Minute, wantLevels: []int{1}, wantDue: 70 * time.Minute, wantReached: 2},
		},
	}, {
		name: "an acknowledgement that expires: the clock resumes where it stopped",
		steps: []step{
			{now: 0, unacked: true, wantLevels: []int{0}, wantDue: 15 * time.Minute, wantReached: 1},
			{now: 5 * time.Minute, unacked: false, wantDue: -1, wantReached: 1, restartAfter: true},
			// Paused for an hour: level 2 is 10 minutes away, as it was.
			{now: 65 * time.Minute, unacked: true, wantDue: 75 * time.Minute, wantReached: 1},
			{now: 75 * time.Minute, unacked: true, wantLevels: []int{1}, wantDue: 90 * time.Minute, wantReached: 2},
		},
	}, {
		name: "restart in the middle: overdue levels are all notified, none skipped",
		steps: []step{
			{now: 0, unacked: true, wantLevels: []int{0}, wantDue: 15 * time.Minute, wantReached: 1, restartAfter: true},
			// Down from 1m to 45m: levels 2 and 3 fell due meanwhile.
			{now: 45 * time.Minute, unacked: true, wantLevels: []int{1, 2}, wantDue: 75 * time.Minute, wantReached: 3, restartAfter: true},
			{now: 75 * time.Minute, unacked: true, wantLevels: []int{2}, wantRepeat: true, wantDue: 105 * time.Minute, wantReached: 3},
		},
	}, {
		name: "a long outage at the top level repeats once, not once per missed period",
		steps: []step{
			{now: 0, unacked: true, wantLevels: []int{0}, wantDue: 15 * time.Minute, wantReached: 1},
			{now: 30 * time.Minute, unacked: true, wantLevels: []int{1, 2}, wantDue: 60 * time.Minute, wantReached: 3},
			{now: 5 * time.Hour, unacked: true, wantLevels: []int{2}, wantRepeat: true, wantDue: 5*time.Hour + 30*time.Minute, wantReached: 3},
		},
	}, {
		name: "a new alert in a group at the top level repeats 30m after it fired",
		steps: []step{
			{now: 0, unacked: true, wantLevels: []int{0}, wantDue: 15 * time.Minute, wantReached: 1},
			{now: 30 * time.Minute, unacked: true, wantLevels: []int{1, 2}, wantDue: 60 * time.Minute, wantReached: 3},
			{now: 35 * time.Minute, unacked: false, wantDue: -1, wantReached: 3},
			{now: 2 * time.Hour, unacked: true, unackedFrom: 2 * time.Hour, wantDue: 2*time.Hour + 30*time.Minute, wantReached: 3},
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := oncall()
			var s State
			for i, st := range tc.steps {
				var since time.Time
				if st.unacked {
					since = at(st.unackedFrom)
				}
				var levels []int
				var repeat bool
				s, levels, repeat = p.Step(s, since, at(st.now))
				if !slices.Equal(levels, st.wantLevels) || repeat != st.wantRepeat {
					t.Fatalf("step %d (t+%v): levels %v repeat %v, want %v %v", i, st.now, levels, repeat, st.wantLevels, st.wantRepeat)
				}
				if s.Reached != st.wantReached {
					t.Fatalf("step %d: reached %d, want %d", i, s.Reached, st.wantReached)
				}
				due := p.Due(s)
				if st.wantDue < 0 {
					if !due.IsZero() {
						t.Fatalf("step %d: due %v, want nothing", i, due.Sub(t0))
					}
				} else if !due.Equal(at(st.wantDue)) {
					t.Fatalf("step %d: due t+%v, want t+%v", i, due.Sub(t0), st.wantDue)
				}
				if st.restartAfter {
					s = State{Reached: s.Reached, Start: s.Start.UTC(), LastAt: s.LastAt.UTC(), PausedAt: s.PausedAt.UTC()}
				}
			}
		})
	}
}

func TestNoRepeatWithoutRepeatEvery(t *testing.T) {
	p := oncall()
	p.RepeatEvery = 0
	s, lv, _ := p.Step(State{}, t0, at(time.Hour))
	if !slices.Equal(lv, []int{0, 1, 2}) || !p.Due(s).IsZero() {
		t.Fatalf("levels %v due %v", lv, p.Due(s))
	}
	if _, lv, _ := p.Step(s, t0, at(10*time.Hour)); len(lv) != 0 {
		t.Fatalf("repeated without repeat_every: %v", lv)
	}
}

func TestPolicyShrunkByReload(t *testing.T) {
	p := oncall()
	s := State{Reached: 3, Start: t0, LastAt: t0}
	p.Levels = p.Levels[:1]
	s, lv, rep := p.Step(s, t0, at(31*time.Minute))
	if s.Reached != 1 || !rep || !slices.Equal(lv, []int{0}) {
		t.Fatalf("state %+v levels %v repeat %v", s, lv, rep)
	}
}

func TestReceivers(t *testing.T) {
	p := oncall()
	p.Levels[2].Receivers = []string{"lead", "primary"}
	if got := strings.Join(p.Receivers(3), ","); got != "slack,primary,secondary,lead" {
		t.Fatal(got)
	}
	if got := p.Receivers(0); len(got) != 0 {
		t.Fatal(got)
	}
}

func TestValidate(t *testing.T) {
	recv := map[string]bool{"slack": true, "primary": true, "secondary": true, "lead": true}
	if errs := oncall().Validate(recv); len(errs) != 0 {
		t.Fatal(errs)
	}
	bad := &Policy{Levels: []Level{
		{After: model.Duration(time.Minute), Receivers: []string{"slack"}},
		{After: model.Duration(time.Minute), Receivers: []string{"nobody"}},
		{After: -1},
	}, RepeatEvery: -1}
	var msgs []string
	for _, e := range bad.Validate(recv) {
		msgs = append(msgs, e.Error())
	}
	want := []string{
		"name: is required",
		"levels[1].after: must be later than the previous level's (1m)",
		`levels[1].receivers[0]: undefined receiver "nobody"`,
		"levels[2].after: must not be negative",
		"levels[2].receivers: at least one receiver is required",
		"repeat_every: must not be negative",
	}
	if strings.Join(msgs, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}
