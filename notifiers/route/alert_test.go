package route

import (
	"slices"
	"testing"

	"github.com/prometheus/common/model"
)

// TestReceiversAndTimeMutedBy: an alert's receivers and the intervals
// muting its routes, across continue and nested routes.
func TestReceiversAndTimeMutedBy(t *testing.T) {
	iv := intervals(t, `
night: [{times: [{start_time: "22:00", end_time: "24:00"}]}]
weekend: [{weekdays: [saturday, sunday]}]
`)
	root, err := NewWithIntervals(decode(t, `
receiver: default
routes:
  - receiver: pager
    matchers: ['severity="critical"']
    mute_time_intervals: [night]
    continue: true
  - receiver: team
    matchers: ['team="db"']
    mute_time_intervals: [night, weekend]
    routes:
      - {receiver: team-pager, matchers: ['severity="critical"'], mute_time_intervals: [weekend]}
  - receiver: chat
    matchers: ['severity=~"critical|warning"']
    mute_time_intervals: [weekend]
`), iv)
	if err != nil {
		t.Fatal(err)
	}
	const (
		mondayNoon      = "2024-01-08T12:00:00Z"
		mondayNight     = "2024-01-08T23:00:00Z"
		saturdayNight   = "2024-01-13T23:00:00Z"
		saturdayMorning = "2024-01-13T09:00:00Z"
	)
	for _, tc := range []struct {
		name      string
		ls        model.LabelSet
		receivers []string
		at        string
		muted     []string
	}{
		{"no route matches", model.LabelSet{"severity": "info"}, []string{"default"}, saturdayNight, nil},
		{"continue, then the next match", model.LabelSet{"severity": "critical"}, []string{"pager", "chat"}, mondayNoon, nil},
		{"one of two routes muted", model.LabelSet{"severity": "critical"}, []string{"pager", "chat"}, mondayNight, []string{"night"}},
		{"both muted, in routing order", model.LabelSet{"severity": "critical"}, []string{"pager", "chat"}, saturdayNight, []string{"night", "weekend"}},
		{"a nested route: its own intervals only", model.LabelSet{"severity": "critical", "team": "db"}, []string{"pager", "team-pager"}, saturdayMorning, []string{"weekend"}},
		{"each name once", model.LabelSet{"severity": "critical", "team": "db"}, []string{"pager", "team-pager"}, saturdayNight, []string{"night", "weekend"}},
		{"the parent when no child matches", model.LabelSet{"team": "db"}, []string{"team"}, saturdayNight, []string{"night", "weekend"}},
	} {
		if got := root.Receivers(tc.ls); !slices.Equal(got, tc.receivers) {
			t.Errorf("%s: Receivers = %v, want %v", tc.name, got, tc.receivers)
		}
		if got := root.TimeMutedBy(tc.ls, at(t, tc.at)); !slices.Equal(got, tc.muted) {
			t.Errorf("%s at %s: TimeMutedBy = %v, want %v", tc.name, tc.at, got, tc.muted)
		}
	}
}
