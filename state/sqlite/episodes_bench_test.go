package sqlite

import (
	"fmt"
	"testing"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

// BenchmarkCommitFiring is the write of an evaluation in which n alerts
// fire: their records and firing events, with (episodes=true) or without
// the episode rows the alert-quality report keeps, one per firing.
func BenchmarkCommitFiring(b *testing.B) {
	for _, n := range []int{1, 100} {
		for _, withEpisodes := range []bool{false, true} {
			b.Run(fmt.Sprintf("alerts=%d/episodes=%v", n, withEpisodes), func(b *testing.B) {
				s := openTest(b, "")
				alerts := make([]*alert.Alert, n)
				for i := range alerts {
					alerts[i] = sampleAlert("r", i)
				}
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					at := t0.Add(time.Duration(i+1) * time.Second)
					batch := &state.Batch{Group: "g", EvaluatedAt: at}
					for _, a := range alerts {
						a.FiredAt, a.LastEvalAt = at, at
						batch.Upserts = append(batch.Upserts, a)
						batch.Events = append(batch.Events, sampleEvent(alert.EventFiring, a))
						if withEpisodes {
							batch.Episodes = append(batch.Episodes, state.Episode{RuleID: a.Key.RuleID, Group: "f.yml;g",
								Alertname: "A", ID: a.Key.ID, Labels: a.Labels, FiredAt: at})
						}
					}
					commit(b, s, batch)
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/alert")
			})
		}
	}
}
