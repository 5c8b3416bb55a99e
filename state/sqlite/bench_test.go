package sqlite

import (
	"fmt"
	"testing"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
)

// BenchmarkCommit measures one group evaluation's write: n alerts updated
// in place (the steady state), each Commit one fsynced transaction.
func BenchmarkCommit(b *testing.B) {
	for _, n := range []int{1, 100} {
		b.Run(fmt.Sprintf("upserts=%d", n), func(b *testing.B) {
			s := openTest(b, "")
			batch := &state.Batch{Group: "g"}
			for i := range n {
				batch.Upserts = append(batch.Upserts, sampleAlert("r", i))
			}
			commit(b, s, batch)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				batch.EvaluatedAt = t0.Add(time.Duration(i+1) * time.Second)
				for _, a := range batch.Upserts {
					a.LastEvalAt = batch.EvaluatedAt
				}
				commit(b, s, batch)
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/alert")
		})
	}
}

// BenchmarkCommitWithEvent adds one outbox event to a one-alert batch, the
// write of a firing transition.
func BenchmarkCommitWithEvent(b *testing.B) {
	s := openTest(b, "")
	a := sampleAlert("r", 0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a.LastEvalAt = t0.Add(time.Duration(i+1) * time.Second)
		commit(b, s, &state.Batch{
			Group: "g", EvaluatedAt: a.LastEvalAt,
			Upserts: []*alert.Alert{a},
			Events:  []*alert.Event{sampleEvent(alert.EventFiring, a)},
		})
	}
}

// BenchmarkCommitSteady is a group evaluation where nothing changed: the
// group mark, with (status=true) or without the group's status (10 rules),
// which every evaluation stores for the replicas that do not evaluate.
func BenchmarkCommitSteady(b *testing.B) {
	for _, withStatus := range []bool{false, true} {
		b.Run(fmt.Sprintf("status=%v", withStatus), func(b *testing.B) {
			s := openTest(b, "")
			st := &state.GroupStatus{Group: "g"}
			for i := range 10 {
				st.Rules = append(st.Rules, state.RuleStatus{RuleID: fmt.Sprintf("f.yml;g/R%d", i), Health: "ok"})
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				at := t0.Add(time.Duration(i+1) * time.Second)
				batch := &state.Batch{Group: "g", EvaluatedAt: at}
				if withStatus {
					st.LastEval = at
					for j := range st.Rules {
						st.Rules[j].LastEval = at
					}
					batch.Status = st
				}
				commit(b, s, batch)
			}
		})
	}
}

// BenchmarkCommitStorm is one evaluation in which n new alerts fire at
// once: n inserts and n outbox events in one transaction, into a table
// that already holds the n alerts of the iteration before (another rule).
// Building the batch is not timed.
func BenchmarkCommitStorm(b *testing.B) {
	for _, n := range []int{10_000, 100_000} {
		for _, episodes := range []bool{false, true} {
			b.Run(fmt.Sprintf("alerts=%d/episodes=%v", n, episodes), func(b *testing.B) {
				benchmarkCommitStorm(b, n, episodes)
			})
		}
	}
}

// benchmarkCommitStorm commits n new firing alerts, their events and,
// with episodes, their episode rows, as the evaluation of a storm does.
func benchmarkCommitStorm(b *testing.B, n int, episodes bool) {
	s := openTest(b, "")
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		batch := &state.Batch{Group: "g", EvaluatedAt: t0.Add(time.Duration(i+1) * time.Second)}
		for j := range n {
			a := sampleAlert(fmt.Sprintf("r%d", i), j)
			batch.Upserts = append(batch.Upserts, a)
			batch.Events = append(batch.Events, sampleEvent(alert.EventFiring, a))
			if episodes {
				batch.Episodes = append(batch.Episodes, state.Episode{RuleID: a.Key.RuleID, Group: "g", Alertname: "A",
					ID: a.Key.ID, Labels: a.Labels, FiredAt: t0.Add(time.Duration(i+1) * time.Second)})
			}
		}
		b.StartTimer()
		commit(b, s, batch)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/alert")
}
