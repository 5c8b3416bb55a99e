package route

import (
	"fmt"
	"testing"
	"time"

	"github.com/prometheus/alertmanager/timeinterval"
	"go.yaml.in/yaml/v3"
)

// FuzzSpecContains compares specContains with Alertmanager's own
// TimeInterval.ContainsTime on generated specs and instants: they agree
// everywhere except where Alertmanager miscounts the length of a month
// whose clocks go forward (see specContains).
func FuzzSpecContains(f *testing.F) {
	f.Add(uint8(0), uint8(9), uint8(17), int8(1), int8(31), int8(-3), int8(-1), uint8(1), uint8(5), uint8(2), uint8(3), int64(1711846800))
	f.Add(uint8(2), uint8(1), uint8(4), int8(-1), int8(-1), int8(28), int8(31), uint8(0), uint8(6), uint8(3), uint8(3), int64(1711846800))
	f.Add(uint8(1), uint8(22), uint8(24), int8(29), int8(31), int8(-7), int8(-7), uint8(6), uint8(6), uint8(2), uint8(2), int64(951782400))
	locations := []string{"", "Europe/Berlin", "America/New_York", "Australia/Sydney", "Asia/Kathmandu"}
	f.Fuzz(func(t *testing.T, loc, h1, h2 uint8, d1, d2, d3, d4 int8, w1, w2, m1, m2 uint8, unix int64) {
		day := func(d int8) string {
			d %= 32
			if d == 0 {
				d = 1
			}
			return fmt.Sprint(d)
		}
		src := fmt.Sprintf("times: [{start_time: '%02d:00', end_time: '%02d:00'}]\ndays_of_month: ['%s:%s', '%s:%s']\nweekdays: ['%d:%d']\nmonths: ['%d:%d']\n",
			h1%24, h2%24+1, day(d1), day(d2), day(d3), day(d4), w1%7, w2%7, m1%12+1, m2%12+1)
		if l := locations[int(loc)%len(locations)]; l != "" {
			src += "location: " + l + "\n"
		}
		var spec timeinterval.TimeInterval
		if err := yaml.Unmarshal([]byte(src), &spec); err != nil {
			return // a spec Alertmanager refuses
		}
		ts := time.Unix(unix%(4102444800), 0) // before 2100
		got, want := specContains(spec, ts), spec.ContainsTime(ts.UTC())
		if got == want {
			return
		}
		lt := ts.UTC()
		if spec.Location != nil {
			lt = ts.In(spec.Location.Location)
		}
		first := time.Date(lt.Year(), lt.Month(), 1, 0, 0, 0, 0, lt.Location())
		if int(first.AddDate(0, 1, 0).Sub(first).Hours()/24) != lastDayOfMonth(lt) {
			return // Alertmanager's month-length bug
		}
		t.Fatalf("%s at %s: alerter %v, Alertmanager %v", src, ts.UTC(), got, want)
	})
}

// TestLastDayOfMonthWhenClocksGoForward: -1 is March 31st in Berlin, the
// month clocks go forward (Alertmanager 0.34 and earlier say the 30th).
func TestLastDayOfMonthWhenClocksGoForward(t *testing.T) {
	var spec timeinterval.TimeInterval
	if err := yaml.Unmarshal([]byte("days_of_month: ['-1']\nlocation: Europe/Berlin\n"), &spec); err != nil {
		t.Fatal(err)
	}
	for day, want := range map[int]bool{29: false, 30: false, 31: true} {
		ts := time.Date(2024, 3, day, 12, 0, 0, 0, spec.Location.Location)
		if got := specContains(spec, ts); got != want {
			t.Errorf("March %d: %v, want %v", day, got, want)
		}
	}
}
