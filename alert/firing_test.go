package alert

import (
	"reflect"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func TestFiringLabels(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ls := func(n string) model.LabelSet { return model.LabelSet{"alertname": model.LabelValue(n)} }
	flap := &Flap{Since: t0}
	for _, tc := range []struct {
		name   string
		alerts []*Alert
		want   []model.LabelSet
	}{
		{"none", nil, nil},
		{"firing", []*Alert{{Labels: ls("a"), State: StateFiring}}, []model.LabelSet{ls("a")}},
		{"pending and resolved are not", []*Alert{{Labels: ls("p"), State: StatePending}, {Labels: ls("r"), State: StateInactive}}, nil},
		{"flapping, whatever its state", []*Alert{
			{Labels: ls("p"), State: StatePending, Flap: flap},
			{Labels: ls("r"), State: StateInactive, Flap: flap},
			{Labels: ls("stable"), State: StateInactive, Flap: &Flap{Incident: t0}},
		}, []model.LabelSet{ls("p"), ls("r")}},
		{"order kept", []*Alert{{Labels: ls("b"), State: StateFiring}, {Labels: ls("x"), State: StatePending}, {Labels: ls("a"), State: StateFiring}},
			[]model.LabelSet{ls("b"), ls("a")}},
	} {
		if got := FiringLabels(tc.alerts); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
