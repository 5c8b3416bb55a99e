package notifiers

import (
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/notifiers/route"
	"github.com/alerter/alerter/state/sqlite"
)

// fakeSets is the evaluator's side of SetSource.
type fakeSets map[alert.Key][2]model.LabelSet

func (f fakeSets) AlertSets(k alert.Key) (model.LabelSet, model.LabelSet, bool) {
	s, ok := f[k]
	return s[0], s[1], ok
}

// sameMap reports whether two label sets are the very same map.
func sameMap(a, b model.LabelSet) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// TestIngestSharesTheEvaluatorsSets: an alert decoded from the outbox
// holds the evaluator's own label and annotation maps when their contents
// are equal, its own copies when they differ (external labels added) or
// when the evaluator does not hold the alert.
func TestIngestSharesTheEvaluatorsSets(t *testing.T) {
	st, err := sqlite.Open(sqlite.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	r, err := route.New(&route.Config{Receiver: "team", GroupBy: []string{"alertname"}})
	if err != nil {
		t.Fatal(err)
	}
	sets := fakeSets{}
	d, err := NewDispatcher(DispatcherOptions{Route: r, Events: newFakeEvents(), Store: st, Sets: sets,
		Consume: newFakeEvents().consume, Receivers: map[string][]ReceiverIntegration{"team": nil}})
	if err != nil {
		t.Fatal(err)
	}
	mk := func(inst string) (*alert.Alert, model.LabelSet, model.LabelSet) {
		ls := model.LabelSet{"alertname": "A", "instance": model.LabelValue(inst)}
		as := model.LabelSet{"summary": model.LabelValue("on " + inst)}
		k := alert.Key{RuleID: "f;g;A", ID: ls.Fingerprint()}
		// The decoded copy: equal contents, other maps.
		return &alert.Alert{Key: k, Labels: ls.Clone(), Annotations: as.Clone(), State: alert.StateFiring}, ls, as
	}
	now := time.Now()

	shared, ls, as := mk("a")
	sets[shared.Key] = [2]model.LabelSet{ls, as}
	d.ingest(shared, false, now)
	if !sameMap(shared.Labels, ls) || !sameMap(shared.Annotations, as) {
		t.Errorf("equal sets not shared with the evaluator")
	}

	ext, ls2, as2 := mk("b")
	sets[ext.Key] = [2]model.LabelSet{ls2, as2}
	ext.Labels["cluster"] = "eu" // an external label
	d.ingest(ext, false, now)
	if sameMap(ext.Labels, ls2) || ext.Labels["cluster"] != "eu" || !sameMap(ext.Annotations, as2) {
		t.Errorf("labels with an external label: shared=%v %v; annotations shared=%v", sameMap(ext.Labels, ls2), ext.Labels, sameMap(ext.Annotations, as2))
	}

	gone, ls3, _ := mk("c") // not held by the evaluator (resolved and dropped)
	d.ingest(gone, false, now)
	if sameMap(gone.Labels, ls3) || !gone.Labels.Equal(ls3) {
		t.Errorf("an alert the evaluator does not hold: %v", gone.Labels)
	}
	if g := d.groups[r.GroupKey(shared.Labels)]; g == nil || len(g.alerts) != 3 {
		t.Fatalf("group holds %v, want the three alerts", g)
	}
}
