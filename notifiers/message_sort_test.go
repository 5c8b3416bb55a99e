package notifiers

import (
	"math/rand/v2"
	"sort"
	"testing"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

// TestSortAlertsAsLabelSetBefore: SortAlerts orders exactly as a stable
// sort by state and model.LabelSet.Before, on label sets of different
// sizes, names and values.
func TestSortAlertsAsLabelSetBefore(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	names := []model.LabelName{"a", "b", "c", "alertname", "zz"}
	values := []model.LabelValue{"", "x", "y", "xx"}
	for round := range 200 {
		var as []*alert.Alert
		for i := range 2 + r.IntN(30) {
			ls := model.LabelSet{}
			for range r.IntN(4) {
				ls[names[r.IntN(len(names))]] = values[r.IntN(len(values))]
			}
			st := alert.StateFiring
			if r.IntN(3) == 0 {
				st = alert.StateInactive
			}
			as = append(as, &alert.Alert{Labels: ls, State: st, Value: float64(i)})
		}
		want := append([]*alert.Alert(nil), as...)
		sort.SliceStable(want, func(i, j int) bool {
			fi, fj := want[i].State == alert.StateFiring, want[j].State == alert.StateFiring
			if fi != fj {
				return fi
			}
			return want[i].Labels.Before(want[j].Labels)
		})
		SortAlerts(as)
		for i := range as {
			if as[i] != want[i] {
				t.Fatalf("round %d: position %d: %v (value %v), want %v (value %v)", round, i, as[i].Labels, as[i].Value, want[i].Labels, want[i].Value)
			}
		}
	}
}
