package evaluator

import (
	"context"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// EvaluatedBefore is the earliest slot a group has not finished: it moves
// past a slot only once that evaluation is stored, and OnEvaluated says
// when it moved.
func TestEvaluatedBefore(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		block := make(chan struct{})
		q := &fakeQuerier{block: block}
		var notified atomic.Int32
		m := newTestManager(t, q, openStore(t, t.TempDir()), func(o *Options) {
			o.Registerer = prometheus.NewRegistry()
			o.DefaultInterval = 10 * time.Second
			o.QueryTimeout = time.Hour
			o.DatasourceDownAfter = -1
			o.OnEvaluated = func() { notified.Add(1) }
		})
		if _, ok := m.EvaluatedBefore(); ok {
			t.Fatal("progress known before Start")
		}
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		first := newIntervalSchedule("rules.yml;g", 10*time.Second).first(time.Now())
		if err := m.Start(ctx, mustParse(t, oneRule)); err != nil {
			t.Fatal(err)
		}
		w, ok := m.EvaluatedBefore()
		if !ok || w.After(first) {
			t.Fatalf("before the first slot: %v %v, want at most %v", w, ok, first)
		}
		time.Sleep(time.Until(first) + time.Second) // the evaluation runs, blocked on its query
		synctest.Wait()
		if w, _ := m.EvaluatedBefore(); w.After(first) {
			t.Fatalf("during the evaluation of %v: %v", first, w)
		}
		if notified.Load() != 0 {
			t.Fatal("OnEvaluated before the evaluation ended")
		}
		close(block)
		synctest.Wait()
		if w, _ := m.EvaluatedBefore(); !w.After(first) {
			t.Fatalf("after the evaluation of %v: %v", first, w)
		}
		if notified.Load() == 0 {
			t.Fatal("OnEvaluated not called")
		}
		m.Stop()
		if _, ok := m.EvaluatedBefore(); ok {
			t.Fatal("progress known after Stop")
		}
	})
}
