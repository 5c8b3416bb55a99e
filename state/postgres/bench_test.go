package postgres

import (
	"context"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/internal/pgtest"
	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/storetest"
)

// benchStore opens a store on a PostgreSQL of the benchmark's own with
// production durability (fsync and synchronous commit on), over TCP on
// 127.0.0.1.
func benchStore(b *testing.B) *Store {
	b.Helper()
	srv := pgtest.New(b, pgtest.Options{Durable: true})
	dsn, err := srv.CreateDB(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return openTest(b, dsn)
}

// BenchmarkCommit measures one group evaluation's write, as
// state/sqlite's BenchmarkCommit does: n alerts updated in place (the
// steady state), each Commit one durable transaction; fenced is the
// leader's path, which checks the lease's epoch in the same transaction.
func BenchmarkCommit(b *testing.B) {
	for _, fenced := range []bool{false, true} {
		for _, n := range []int{1, 100} {
			b.Run(fmt.Sprintf("fenced=%v/upserts=%d", fenced, n), func(b *testing.B) {
				s := benchStore(b)
				var st state.Store = s
				if fenced {
					l, err := s.AcquireLease(context.Background(), "bench", time.Hour)
					if err != nil {
						b.Fatal(err)
					}
					st = s.Fenced(l.Epoch)
				}
				batch := &state.Batch{Group: "g"}
				for i := range n {
					batch.Upserts = append(batch.Upserts, storetest.SampleAlert("r", i))
				}
				if err := st.Commit(context.Background(), batch); err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					batch.EvaluatedAt = storetest.T0.Add(time.Duration(i+1) * time.Second)
					for _, a := range batch.Upserts {
						a.LastEvalAt = batch.EvaluatedAt
					}
					if err := st.Commit(context.Background(), batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/alert")
			})
		}
	}
}

// BenchmarkCommitWithEvent adds one outbox event to a one-alert batch, the
// write of a firing transition.
func BenchmarkCommitWithEvent(b *testing.B) {
	s := benchStore(b)
	a := storetest.SampleAlert("r", 0)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		a.LastEvalAt = storetest.T0.Add(time.Duration(i+1) * time.Second)
		if err := s.Commit(context.Background(), &state.Batch{
			Group: "g", EvaluatedAt: a.LastEvalAt,
			Upserts: []*alert.Alert{a},
			Events:  []*alert.Event{storetest.SampleEvent(alert.EventFiring, a)},
		}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCommitSteady is a group evaluation where nothing changed, as
// the leader writes it (fenced): the group mark and the group's status
// (10 rules).
func BenchmarkCommitSteady(b *testing.B) {
	s := benchStore(b)
	l, err := s.AcquireLease(context.Background(), "bench", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	f := s.Fenced(l.Epoch)
	st := &state.GroupStatus{Group: "g"}
	for i := range 10 {
		st.Rules = append(st.Rules, state.RuleStatus{RuleID: fmt.Sprintf("f.yml;g/R%d", i), Health: "ok"})
	}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		at := storetest.T0.Add(time.Duration(i+1) * time.Second)
		st.LastEval = at
		for j := range st.Rules {
			st.Rules[j].LastEval = at
		}
		if err := f.Commit(context.Background(), &state.Batch{Group: "g", EvaluatedAt: at, Status: st}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCommitStorm is state/sqlite's BenchmarkCommitStorm on
// PostgreSQL: n new alerts and their n outbox events in one transaction,
// into a table that holds the previous iteration's n alerts. Building the
// batch is not timed.
func BenchmarkCommitStorm(b *testing.B) {
	for _, form := range []string{"arrays", "rows"} {
		for _, n := range []int{10_000, 100_000} {
			b.Run(fmt.Sprintf("form=%s/alerts=%d", form, n), func(b *testing.B) {
				s := benchStore(b)
				if form == "rows" {
					s.bulkMin = math.MaxInt // one statement per row, as before
				}
				b.ReportAllocs()
				for i := 0; i < b.N; i++ {
					b.StopTimer()
					batch := &state.Batch{Group: "g", EvaluatedAt: storetest.T0.Add(time.Duration(i+1) * time.Second)}
					for j := range n {
						a := storetest.SampleAlert(fmt.Sprintf("r%d", i), j)
						batch.Upserts = append(batch.Upserts, a)
						batch.Events = append(batch.Events, storetest.SampleEvent(alert.EventFiring, a))
					}
					b.StartTimer()
					if err := s.Commit(context.Background(), batch); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/alert")
			})
		}
	}
}
