package route

import (
	"slices"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"
)

func intervals(t *testing.T, text string) Intervals {
	t.Helper()
	var iv Intervals
	if err := yaml.Unmarshal([]byte(text), &iv); err != nil {
		t.Fatal(err)
	}
	return iv
}

func at(t *testing.T, s string) time.Time {
	t.Helper()
	ts, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestMutedBy(t *testing.T) {
	iv := intervals(t, `
night: [{times: [{start_time: "22:00", end_time: "24:00"}]}, {times: [{start_time: "00:00", end_time: "06:00"}]}]
weekend: [{weekdays: [saturday, sunday]}]
business: [{weekdays: ["monday:friday"], times: [{start_time: "09:00", end_time: "17:00"}], location: America/New_York}]
`)
	root, err := NewWithIntervals(decode(t, `
receiver: r
routes:
  - receiver: muted
    mute_time_intervals: [night, weekend]
    routes: [{receiver: child}]
  - receiver: active
    active_time_intervals: [business]
    mute_time_intervals: [night]
`), iv)
	if err != nil {
		t.Fatal(err)
	}
	muted, child, active := root.Routes[0], root.Routes[0].Routes[0], root.Routes[1]
	tests := []struct {
		r    *Route
		at   string
		want []string
	}{
		{muted, "2024-01-08T12:00:00Z", nil},                          // Monday noon
		{muted, "2024-01-08T23:30:00Z", []string{"night"}},            // Monday night: second spec
		{muted, "2024-01-09T05:59:59Z", []string{"night"}},            // end is exclusive...
		{muted, "2024-01-09T06:00:00Z", nil},                          // ...to the minute
		{muted, "2024-01-13T23:00:00Z", []string{"night", "weekend"}}, // both
		{child, "2024-01-13T23:00:00Z", nil},                          // not inherited, as in Alertmanager
		{root, "2024-01-13T23:00:00Z", nil},                           // the root has none
		{active, "2024-01-08T13:59:00Z", []string{"business"}},        // 08:59 in New York: outside
		{active, "2024-01-08T14:00:00Z", nil},                         // 09:00 in New York
		{active, "2024-01-13T15:00:00Z", []string{"business"}},        // Saturday
		{active, "2024-01-08T21:59:00Z", nil},                         // 16:59 New York, not yet night (UTC 21:59)
		{active, "2024-01-08T22:00:00Z", []string{"night"}},           // 17:00 New York: outside business
	}
	tests[len(tests)-1].want = []string{"business"}
	for _, tc := range tests {
		if got := tc.r.MutedBy(at(t, tc.at)); !slices.Equal(got, tc.want) {
			t.Errorf("%s at %s: MutedBy = %v, want %v", tc.r.Receiver, tc.at, got, tc.want)
		}
	}
}

// TestMutedByDST: intervals are wall-clock times in their location. When
// clocks go back (Berlin, 2024-10-27 03:00 CEST -> 02:00 CET) 02:00-03:00
// happens twice, so the interval lasts two hours; when they go forward
// (2024-03-31 02:00 CET -> 03:00 CEST) 01:00-04:00 lasts two.
func TestMutedByDST(t *testing.T) {
	iv := intervals(t, `
back: [{location: Europe/Berlin, times: [{start_time: "02:00", end_time: "03:00"}], months: [october], days_of_month: ["-5"]}]
forward: [{location: Europe/Berlin, times: [{start_time: "01:00", end_time: "04:00"}], months: [march], days_of_month: ["-1"]}]
`)
	root, err := NewWithIntervals(decode(t, "receiver: r\nroutes: [{receiver: a, mute_time_intervals: [back, forward]}]\n"), iv)
	if err != nil {
		t.Fatal(err)
	}
	r := root.Routes[0]
	count := func(from, to string) time.Duration {
		var d time.Duration
		for ts := at(t, from); ts.Before(at(t, to)); ts = ts.Add(time.Minute) {
			if len(r.MutedBy(ts)) > 0 {
				d += time.Minute
			}
		}
		return d
	}
	if d := count("2024-10-26T12:00:00Z", "2024-10-27T12:00:00Z"); d != 2*time.Hour {
		t.Errorf("clocks going back: muted %v, want 2h", d)
	}
	if d := count("2024-03-30T12:00:00Z", "2024-03-31T12:00:00Z"); d != 2*time.Hour {
		t.Errorf("clocks going forward: muted %v, want 2h", d)
	}
}

func TestUndefinedIntervalIsAnError(t *testing.T) {
	_, err := NewWithIntervals(decode(t, "receiver: r\nroutes: [{receiver: a, active_time_intervals: [nope]}]\n"), Intervals{})
	if err == nil || !strings.Contains(err.Error(), `route.routes[0]: undefined time interval "nope"`) {
		t.Fatalf("got %v", err)
	}
}
