package silence

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
)

func TestMutesOperators(t *testing.T) {
	for _, tc := range []struct {
		matchers string
		mutes    []model.LabelSet
		notMutes []model.LabelSet
	}{
		{`{job="api"}`,
			[]model.LabelSet{{"job": "api"}, {"job": "api", "x": "y"}},
			[]model.LabelSet{{"job": "api2"}, {"job": "ap"}, {}, {"x": "api"}}},
		{`{job="api", env!="prod"}`,
			[]model.LabelSet{{"job": "api", "env": "dev"}, {"job": "api"}}, // missing env is ""
			[]model.LabelSet{{"job": "api", "env": "prod"}, {"env": "dev"}}},
		{`{env!="prod"}`,
			[]model.LabelSet{{"env": "dev"}, {}},
			[]model.LabelSet{{"env": "prod"}}},
		{`{job=~"api|web"}`,
			[]model.LabelSet{{"job": "api"}, {"job": "web"}},
			[]model.LabelSet{{"job": "apiweb"}, {"job": "xapi"}, {"job": ""}, {}}}, // anchored
		{`{instance=~"host-[0-9]+:9100"}`,
			[]model.LabelSet{{"instance": "host-12:9100"}},
			[]model.LabelSet{{"instance": "host-x:9100"}, {"instance": "a.host-1:9100"}}},
		{`{job=~"api", team=~".*"}`,
			[]model.LabelSet{{"job": "api"}, {"job": "api", "team": "x"}},
			[]model.LabelSet{{"team": "x"}}},
		{`{job="api", severity!~"info|debug"}`,
			[]model.LabelSet{{"job": "api", "severity": "critical"}, {"job": "api"}},
			[]model.LabelSet{{"job": "api", "severity": "info"}, {"job": "api", "severity": "debug"}}},
		{`{env!~"prod.*"}`,
			[]model.LabelSet{{"env": "dev"}, {}},
			[]model.LabelSet{{"env": "prod"}, {"env": "production"}}},
		{`{job="", team="db"}`, // = "" matches a missing label
			[]model.LabelSet{{"team": "db"}, {"team": "db", "job": ""}},
			[]model.LabelSet{{"team": "db", "job": "x"}}},
	} {
		t.Run(tc.matchers, func(t *testing.T) {
			s, _ := newTest(t, Options{})
			id := mustSet(t, s, sil(t, tc.matchers, t0, t0.Add(time.Hour)), t0)
			for _, ls := range tc.mutes {
				if !s.Mutes(ls, t0) {
					t.Errorf("Mutes(%v) = false, want true", ls)
				}
				if got := s.MutedBy(ls, t0); !slices.Equal(got, []string{id}) {
					t.Errorf("MutedBy(%v) = %v, want [%s]", ls, got, id)
				}
			}
			for _, ls := range tc.notMutes {
				if s.Mutes(ls, t0) {
					t.Errorf("Mutes(%v) = true, want false", ls)
				}
				if got := s.MutedBy(ls, t0); len(got) != 0 {
					t.Errorf("MutedBy(%v) = %v, want none", ls, got)
				}
			}
		})
	}
}

func TestMutesOnlyWhileActive(t *testing.T) {
	s, _ := newTest(t, Options{})
	start, end := t0.Add(time.Hour), t0.Add(2*time.Hour)
	mustSet(t, s, sil(t, `{job="a"}`, start, end), t0)
	ls := model.LabelSet{"job": "a"}
	for _, tc := range []struct {
		at   time.Time
		want bool
	}{
		{t0, false},
		{start.Add(-time.Nanosecond), false},
		{start, true},
		{end.Add(-time.Nanosecond), true},
		{end, false},
	} {
		if got := s.Mutes(ls, tc.at); got != tc.want {
			t.Errorf("Mutes at %v = %v, want %v", tc.at, got, tc.want)
		}
	}
}

func TestMutedBySortedWithWindows(t *testing.T) {
	s, _ := newTest(t, Options{Windows: []Window{
		{Name: "nightly", Schedule: "0 0 * * *", Duration: model.Duration(2 * time.Hour), Matchers: ms(t, `{job="a"}`)},
		{Name: "other", Schedule: "0 0 * * *", Duration: model.Duration(2 * time.Hour), Matchers: ms(t, `{job="b"}`)},
	}})
	at := time.Date(2026, 3, 15, 1, 0, 0, 0, time.UTC)
	var want []string
	for _, m := range []string{`{job="a"}`, `{job=~"a|b"}`, `{job!="c"}`, `{team="", job="a"}`} {
		want = append(want, mustSet(t, s, sil(t, m, t0, at.Add(time.Hour)), t0))
	}
	mustSet(t, s, sil(t, `{job="b"}`, t0, at.Add(time.Hour)), t0)
	slices.Sort(want)
	want = append(want, WindowPrefix+"nightly")
	ls := model.LabelSet{"job": "a"}
	if got := s.MutedBy(ls, at); !slices.Equal(got, want) {
		t.Errorf("MutedBy = %v, want %v", got, want)
	}
	if !s.Mutes(ls, at) {
		t.Errorf("Mutes = false")
	}
	// Outside the window only the silences remain.
	late := at.Add(2 * time.Hour)
	if got := s.MutedBy(model.LabelSet{"job": "c"}, late); len(got) != 0 {
		t.Errorf("MutedBy(job=c) = %v, want none", got)
	}
}

// TestIndexAgreesWithScan checks the index against matching every silence,
// over random silences and label sets.
func TestIndexAgreesWithScan(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	vals := []string{"a", "b", "c", "ab", ""}
	names := []string{"job", "team", "env"}
	pick := func(xs []string) string { return xs[r.IntN(len(xs))] }
	randMatcher := func() *matcher.Matcher {
		tp := matcher.Type(r.IntN(4))
		v := pick(vals)
		if tp.IsRegex() {
			v = []string{"a|b", "a.*", "ab?", "[ab]", "(a|b)c?", "a", ".*", "a|"}[r.IntN(8)]
		}
		m, err := matcher.New(tp, pick(names), v)
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	s, _ := newTest(t, Options{})
	var all []*Silence
	for len(all) < 300 {
		in := &Silence{StartsAt: t0.Add(time.Duration(r.IntN(3)-1) * time.Hour), EndsAt: t0.Add(time.Duration(r.IntN(3)+1) * time.Hour)}
		for n := 1 + r.IntN(3); n > 0; n-- {
			in.Matchers = append(in.Matchers, randMatcher())
		}
		id, err := s.Set(t.Context(), in, t0.Add(-2*time.Hour))
		if err != nil {
			continue // e.g. all matchers match the empty string
		}
		all = append(all, mustGet(t, s, id))
	}
	for i := 0; i < 2000; i++ {
		ls := model.LabelSet{}
		for _, n := range names {
			if v := pick(vals); v != "" || r.IntN(2) == 0 {
				ls[model.LabelName(n)] = model.LabelValue(v + []string{"", "c"}[r.IntN(2)])
			}
		}
		at := t0.Add(time.Duration(r.IntN(5)-2) * time.Hour)
		var want []string
		for _, sil := range all {
			if sil.State(at) == StateActive && sil.Matchers.Matches(ls) {
				want = append(want, sil.ID)
			}
		}
		slices.Sort(want)
		if got := s.MutedBy(ls, at); !slices.Equal(got, want) {
			t.Fatalf("MutedBy(%v, %v) = %v, want %v", ls, at, got, want)
		}
		if got := s.Mutes(ls, at); got != (len(want) > 0) {
			t.Fatalf("Mutes(%v, %v) = %v, want %v", ls, at, got, len(want) > 0)
		}
	}
}

func TestLiteralSet(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want []string // nil: not a small literal set
	}{
		{"abc", []string{"abc"}},
		{"a|b", []string{"a", "b"}},
		{"web-1|web-2|db", []string{"db", "web-1", "web-2"}}, // the parser factors "web-"
		{"(a|b)(c|d)", []string{"ac", "ad", "bc", "bd"}},
		{"host-[0-3]", []string{"host-0", "host-1", "host-2", "host-3"}},
		{"a|", []string{"", "a"}},
		{"a.*", nil},
		{"a+", nil},
		{"(?i)abc", nil},
		{"[^a]", nil},
		{"[0-9][0-9][0-9]", nil}, // 1000 strings
		{"(", nil},
	} {
		got, ok := literalSet(tc.expr)
		if (tc.want == nil) != !ok || (ok && !slices.Equal(got, tc.want)) {
			t.Errorf("literalSet(%q) = %q, %v; want %q", tc.expr, got, ok, tc.want)
		}
	}
}

func TestAnchorsOf(t *testing.T) {
	for _, tc := range []struct {
		matchers string
		want     []anchor
	}{
		{`{job="a", team=~"x|y"}`, []anchor{{"job", []string{"a"}}, {"team", []string{"x", "y"}}}},
		{`{job="", team=~"x"}`, []anchor{{"team", []string{"x"}}}},
		{`{job=~"a|", team!="x"}`, nil},
		{`{job=~"a.*"}`, nil},
		{`{job!="a", env!~"b"}`, nil},
	} {
		got := anchorsOf(ms(t, tc.matchers))
		if !slices.EqualFunc(got, tc.want, func(a, b anchor) bool { return a.name == b.name && slices.Equal(a.values, b.values) }) {
			t.Errorf("anchorsOf(%s) = %v, want %v", tc.matchers, got, tc.want)
		}
	}
}

func TestIndexPicksSelectiveAnchor(t *testing.T) {
	s, _ := newTest(t, Options{})
	for i := 0; i < 20; i++ {
		mustSet(t, s, sil(t, fmt.Sprintf(`{severity="critical", instance="host-%d"}`, i), t0, t0.Add(time.Hour)), t0)
	}
	mustSet(t, s, sil(t, `{job!="x"}`, t0, t0.Add(time.Hour)), t0)
	ix := s.cur.Load().idx
	if len(ix.names) != 1 || ix.names[0] != "instance" || len(ix.scan) != 1 {
		t.Errorf("index names %v with %d to scan, want [instance] and 1", ix.names, len(ix.scan))
	}
}

func TestQueryFilterAndOrder(t *testing.T) {
	s, _ := newTest(t, Options{})
	created := t0.Add(-10 * time.Hour)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	// name -> silence; states at t0 in the comments.
	set := func(m string, start, end int) string {
		return mustSet(t, s, sil(t, m, at(start), at(end)), created)
	}
	active2 := set(`{job="a", env="prod"}`, -1, 2)
	active1 := set(`{job="a"}`, -1, 1)
	pending5 := set(`{job="a", env="prod"}`, 5, 9)
	pending3 := set(`{job=~"a"}`, 3, 9)
	expiredOld := set(`{job="a"}`, -9, -8)
	expiredNew := set(`{job="a", env!="prod"}`, -9, -2)

	all := s.Query(nil, t0)
	if want := []string{active1, active2, pending3, pending5, expiredNew, expiredOld}; !slices.Equal(ids(all), want) {
		t.Errorf("Query(nil) order = %v, want %v (active by end, pending by start, expired by end desc)", ids(all), want)
	}
	for _, tc := range []struct {
		filter string
		want   []string
	}{
		{`{job="a"}`, []string{active1, active2, pending5, expiredNew, expiredOld}}, // not job=~"a"
		{`{job=~"a"}`, []string{pending3}},
		{`{job="a", env="prod"}`, []string{active2, pending5}},
		{`{env!="prod"}`, []string{expiredNew}},
		{`{env="dev"}`, nil},
	} {
		got := s.Query(ms(t, tc.filter), t0)
		if !slices.Equal(ids(got), tc.want) {
			t.Errorf("Query(%s) = %v, want %v", tc.filter, ids(got), tc.want)
		}
	}
	// Copies: changing a result changes nothing stored.
	all[0].Comment = "changed"
	all[0].Matchers[0].Value = "changed"
	if g := mustGet(t, s, all[0].ID); g.Comment == "changed" || g.Matchers[0].Value == "changed" {
		t.Errorf("Query returned shared silences")
	}
}

func TestPreview(t *testing.T) {
	s, _ := newTest(t, Options{})
	alerts := []model.LabelSet{
		{"job": "api", "env": "prod"},
		{"job": "web", "env": "prod"},
		{"job": "api"},
		{"job": "db", "env": "dev"},
	}
	for _, tc := range []struct {
		matchers matcher.Matchers
		want     []int
	}{
		{ms(t, `{job="api"}`), []int{0, 2}},
		{ms(t, `{env!="prod"}`), []int{2, 3}},
		{ms(t, `{job=~"api|web", env=~"prod"}`), []int{0, 1}},
		{ms(t, `{job!~"api|web"}`), []int{3}},
		{ms(t, `{job="none"}`), nil},
		// Not a valid silence, but previewable.
		{ms(t, `{env=""}`), []int{2}},
		// Built as a literal, regexp compiled by Preview.
		{matcher.Matchers{{Type: matcher.Regexp, Name: "job", Value: "a.i"}}, []int{0, 2}},
		// Does not compile: selects nothing.
		{matcher.Matchers{{Type: matcher.Regexp, Name: "job", Value: "("}}, nil},
	} {
		draft := &Silence{Matchers: tc.matchers}
		if got := s.Preview(draft, alerts, t0); !slices.Equal(got, tc.want) {
			t.Errorf("Preview(%s) = %v, want %v", tc.matchers, got, tc.want)
		}
	}
	if s.Preview(nil, alerts, t0) != nil {
		t.Errorf("Preview(nil) selected alerts")
	}
}

func TestGetReturnsCopy(t *testing.T) {
	s, _ := newTest(t, Options{})
	id := mustSet(t, s, sil(t, `{job="a"}`, t0, t0.Add(time.Hour)), t0)
	g := mustGet(t, s, id)
	g.Matchers[0].Value = "b"
	g.EndsAt = t0
	if !s.Mutes(model.LabelSet{"job": "a"}, t0) || s.Mutes(model.LabelSet{"job": "b"}, t0) {
		t.Errorf("changing Get's result changed the silence")
	}
	if _, err := s.Get("nope"); err != ErrNotFound {
		t.Errorf("Get(unknown) = %v, want ErrNotFound", err)
	}
}

func ExampleSilences_MutedBy() {
	s, _ := New(context.Background(), Options{Windows: []Window{{
		Name: "backups", Schedule: "CRON_TZ=Europe/Berlin 0 0 2 * * *",
		Duration: model.Duration(time.Hour), Matchers: matcher.Matchers{mustMatcher(matcher.Equal, "job", "db")},
	}}})
	at := time.Date(2026, 7, 1, 0, 30, 0, 0, time.UTC) // 02:30 in Berlin
	fmt.Println(s.MutedBy(model.LabelSet{"job": "db"}, at))
	// Output: [window:backups]
}

func mustMatcher(t matcher.Type, n, v string) *matcher.Matcher {
	m, err := matcher.New(t, n, v)
	if err != nil {
		panic(err)
	}
	return m
}
