package route

import (
	"time"

	"github.com/prometheus/alertmanager/timeinterval"
)

// specContains reports whether spec contains t, with Alertmanager's
// semantics: t is taken in the spec's location (UTC without one); each
// field that is set (times, weekdays, days_of_month, months, years) must
// have one range that holds t; times are minutes of the day, start
// included, end excluded; the other ranges include both ends; a negative
// day of the month counts from its last day (-1 is the last), and a range
// reaching past the month's end stops there.
//
// It is Alertmanager's TimeInterval.ContainsTime except for the length of
// the month, which Alertmanager up to 0.34 derived from elapsed hours, so
// that in a month whose clocks go forward -1 was the day before the last
// (fixed upstream, prometheus/alertmanager#5447): here it is the calendar's.
func specContains(spec timeinterval.TimeInterval, t time.Time) bool {
	if spec.Location != nil && spec.Location.Location != nil {
		t = t.In(spec.Location.Location)
	} else {
		t = t.UTC()
	}
	if spec.Times != nil {
		minute := t.Hour()*60 + t.Minute()
		if !anyRange(len(spec.Times), func(i int) bool {
			return minute >= spec.Times[i].StartMinute && minute < spec.Times[i].EndMinute
		}) {
			return false
		}
	}
	if spec.DaysOfMonth != nil {
		days := lastDayOfMonth(t)
		if !anyRange(len(spec.DaysOfMonth), func(i int) bool {
			begin, end := spec.DaysOfMonth[i].Begin, spec.DaysOfMonth[i].End
			if begin < 0 {
				begin += days + 1
			}
			if end < 0 {
				end += days + 1
			}
			if begin > days {
				return false // the month is shorter than the range's start
			}
			end = min(end, days)
			return t.Day() >= begin && t.Day() <= end
		}) {
			return false
		}
	}
	if spec.Months != nil && !anyRange(len(spec.Months), func(i int) bool {
		return int(t.Month()) >= spec.Months[i].Begin && int(t.Month()) <= spec.Months[i].End
	}) {
		return false
	}
	if spec.Weekdays != nil && !anyRange(len(spec.Weekdays), func(i int) bool {
		return int(t.Weekday()) >= spec.Weekdays[i].Begin && int(t.Weekday()) <= spec.Weekdays[i].End
	}) {
		return false
	}
	if spec.Years != nil && !anyRange(len(spec.Years), func(i int) bool {
		return t.Year() >= spec.Years[i].Begin && t.Year() <= spec.Years[i].End
	}) {
		return false
	}
	return true
}

// lastDayOfMonth is the number of days in t's month: day 0 of the next
// month is this month's last day.
func lastDayOfMonth(t time.Time) int {
	return time.Date(t.Year(), t.Month()+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

func anyRange(n int, holds func(int) bool) bool {
	for i := range n {
		if holds(i) {
			return true
		}
	}
	return false
}
