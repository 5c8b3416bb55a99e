package replay

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/common/model"
)

// WriteJSON writes the report as indented JSON (see Report for the
// fields; ReportVersion versions the format).
func WriteJSON(w io.Writer, r *Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// alertsShown is how many alerts per rule the table lists.
const alertsShown = 5

// WriteTable writes the report for a terminal: one line per rule with its
// most active alerts under it, or, comparing two runs, each figure as
// "before → after".
func WriteTable(w io.Writer, r *Report) error {
	fmt.Fprintf(w, "Replay from %s to %s (%s), %s; a flap resolved within %d evaluations of firing.\n\n",
		r.From.Format("2006-01-02 15:04:05"), r.To.Format("2006-01-02 15:04:05 MST"), shortDur(r.To.Sub(r.From)),
		stepText(r), r.FlapEvaluations)
	if len(r.Runs) == 2 {
		writeComparison(w, r)
	} else {
		writeRun(w, r, r.Runs[0])
	}
	for _, run := range r.Runs {
		prefix := ""
		if len(r.Runs) == 2 {
			prefix = run.Name + ": "
		}
		for _, rr := range run.Rules {
			name := rr.Group + "/" + rr.Alert
			if rr.NoData {
				fmt.Fprintf(w, "note: %s%s: its query returned nothing in the range (no data, or outside Prometheus's retention)\n", prefix, name)
			}
			if rr.Errors > 0 {
				fmt.Fprintf(w, "note: %s%s: %d evaluations failed (state frozen), last: %s\n", prefix, name, rr.Errors, rr.LastError)
			}
			if rr.AlertsOmitted > 0 {
				fmt.Fprintf(w, "note: %s%s: %d more alerts counted in the rule's figures but not listed\n", prefix, name, rr.AlertsOmitted)
			}
		}
	}
	return nil
}

func stepText(r *Report) string {
	if r.StepSeconds > 0 {
		return "every group every " + shortDur(time.Duration(r.StepSeconds*float64(time.Second)))
	}
	return "each group on its own interval or schedule"
}

func writeRun(w io.Writer, r *Report, run *RunReport) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "RULE\tEVALS\tPENDING\tFIRED\tFLAPS\tOPEN\tTO FIRE min/med/max\tEPISODE min/med/max\tFIRING\t"
	if r.Notifications {
		head += "NOTIFIED\t"
	}
	fmt.Fprintln(tw, head)
	for _, rr := range run.Rules {
		fmt.Fprintf(tw, "%s\t%d\t%s", rr.Group+"/"+rr.Alert, rr.Evaluations, statsCells(&rr.Stats))
		if r.Notifications {
			fmt.Fprintf(tw, "\t%s", notifiedCell(rr.Notifications))
		}
		fmt.Fprintln(tw, "\t")
		for i, a := range rr.Alerts {
			if i == alertsShown {
				fmt.Fprintf(tw, "  … %d more alerts\t\t\t\t\t\t\t\t\t\n", len(rr.Alerts)-alertsShown)
				break
			}
			fmt.Fprintf(tw, "  %s\t\t%s", truncate(toLabelSet(a.Labels).String(), 60), statsCells(&a.Stats))
			if r.Notifications {
				fmt.Fprintf(tw, "\t%d", a.Notifications)
			}
			fmt.Fprintln(tw, "\t")
		}
	}
	t := run.Totals
	fmt.Fprintf(tw, "TOTAL\t\t%d\t%d\t%d\t\t\t\t\t", t.Pending, t.Fired, t.Flaps)
	if r.Notifications {
		fmt.Fprintf(tw, "%d\t", t.Notifications)
	}
	fmt.Fprintln(tw)
	_ = tw.Flush()
	if r.Notifications {
		fmt.Fprintf(w, "\nNotifications by receiver: %s\n", receiversText(run.Receivers))
	}
	fmt.Fprintln(w)
}

func statsCells(s *Stats) string {
	return fmt.Sprintf("%d\t%d\t%d\t%d\t%s\t%s\t%s", s.Pending, s.Fired, s.Flaps, s.Open,
		durationsText(s.TimeToFire), durationsText(s.EpisodeDuration), percent(s.FiringShare))
}

func durationsText(d Durations) string {
	if d.Count == 0 {
		return "-"
	}
	med := shortDur(seconds(d.Median))
	if d.Approximate {
		med = "~" + med
	}
	return shortDur(seconds(d.Min)) + "/" + med + "/" + shortDur(seconds(d.Max))
}

func notifiedCell(cs []Count) string {
	n := 0
	for _, c := range cs {
		n += c.Count
	}
	return strconv.Itoa(n)
}

func receiversText(cs []Count) string {
	if len(cs) == 0 {
		return "none"
	}
	var parts []string
	for _, c := range cs {
		parts = append(parts, fmt.Sprintf("%s %d", c.Receiver, c.Count))
	}
	return strings.Join(parts, ", ")
}

func writeComparison(w io.Writer, r *Report) {
	a, b := r.Runs[0], r.Runs[1]
	fmt.Fprintf(w, "before: %s\nafter:  %s\n\n", a.Name, b.Name)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	head := "RULE\tPENDING\tFIRED\tFLAPS\tEPISODE median\tTO FIRE median\tFIRING\t"
	if r.Notifications {
		head += "NOTIFIED\t"
	}
	fmt.Fprintln(tw, head)
	for _, c := range r.Comparison {
		name := c.Group + "/" + c.Alert
		switch {
		case c.A == nil:
			name += " (only after)"
		case c.B == nil:
			name += " (only before)"
		}
		var sa, sb *Stats
		if c.A != nil {
			sa = &c.A.Stats
		}
		if c.B != nil {
			sb = &c.B.Stats
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t", name,
			arrow(sa, sb, func(s *Stats) string { return strconv.Itoa(s.Pending) }),
			arrow(sa, sb, func(s *Stats) string { return strconv.Itoa(s.Fired) }),
			arrow(sa, sb, func(s *Stats) string { return strconv.Itoa(s.Flaps) }),
			arrow(sa, sb, func(s *Stats) string { return medianText(s.EpisodeDuration) }),
			arrow(sa, sb, func(s *Stats) string { return medianText(s.TimeToFire) }),
			arrow(sa, sb, func(s *Stats) string { return percent(s.FiringShare) }))
		if r.Notifications {
			na, nb := "-", "-"
			if c.A != nil {
				na = notifiedCell(c.A.Notifications)
			}
			if c.B != nil {
				nb = notifiedCell(c.B.Notifications)
			}
			fmt.Fprintf(tw, "%s → %s\t", na, nb)
		}
		fmt.Fprintln(tw)
	}
	fmt.Fprintf(tw, "TOTAL\t%d → %d\t%d → %d\t%d → %d\t\t\t\t", a.Totals.Pending, b.Totals.Pending,
		a.Totals.Fired, b.Totals.Fired, a.Totals.Flaps, b.Totals.Flaps)
	if r.Notifications {
		fmt.Fprintf(tw, "%d → %d\t", a.Totals.Notifications, b.Totals.Notifications)
	}
	fmt.Fprintln(tw)
	_ = tw.Flush()
	if r.Notifications {
		fmt.Fprintf(w, "\nNotifications by receiver, before: %s\n                           after:  %s\n",
			receiversText(a.Receivers), receiversText(b.Receivers))
	}
	fmt.Fprintln(w)
}

func arrow(a, b *Stats, f func(*Stats) string) string {
	sa, sb := "-", "-"
	if a != nil {
		sa = f(a)
	}
	if b != nil {
		sb = f(b)
	}
	return sa + " → " + sb
}

func medianText(d Durations) string {
	if d.Count == 0 {
		return "-"
	}
	return shortDur(seconds(d.Median))
}

func percent(f float64) string {
	switch {
	case f == 0:
		return "0%"
	case f < 0.001:
		return "<0.1%"
	}
	return strconv.FormatFloat(f*100, 'f', 1, 64) + "%"
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// shortDur prints a duration the way Prometheus writes them ("1h30m"),
// rounded to the second (to the millisecond below a second).
func shortDur(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	if d < time.Second {
		return d.Round(time.Millisecond).String()
	}
	return model.Duration(d.Round(time.Second)).String()
}
