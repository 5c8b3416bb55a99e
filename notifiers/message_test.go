package notifiers

import (
	"testing"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

func ev(kind alert.EventKind, labels, annotations model.LabelSet) *alert.Event {
	return &alert.Event{Kind: kind, Alert: alert.Alert{Key: alert.Key{ID: labels.Fingerprint()}, Labels: labels, Annotations: annotations}}
}

func TestMessageHelpers(t *testing.T) {
	tests := []struct {
		name       string
		events     []*alert.Event
		status     string
		labels     model.LabelSet
		annotation model.LabelSet
	}{
		{name: "empty", status: "resolved", labels: model.LabelSet{}, annotation: model.LabelSet{}},
		{
			name:       "one",
			events:     []*alert.Event{ev(alert.EventFiring, model.LabelSet{"a": "1"}, model.LabelSet{"s": "x"})},
			status:     "firing",
			labels:     model.LabelSet{"a": "1"},
			annotation: model.LabelSet{"s": "x"},
		},
		{
			name: "intersection",
			events: []*alert.Event{
				ev(alert.EventResolved, model.LabelSet{"a": "1", "b": "2", "c": "3"}, nil),
				ev(alert.EventSeverityRaised, model.LabelSet{"a": "1", "b": "other"}, model.LabelSet{"s": "x"}),
			},
			status:     "firing",
			labels:     model.LabelSet{"a": "1"},
			annotation: model.LabelSet{},
		},
		{
			name: "all resolved",
			events: []*alert.Event{
				ev(alert.EventResolved, model.LabelSet{"a": "1"}, nil),
				ev(alert.EventResolved, model.LabelSet{"a": "2"}, nil),
			},
			status:     "resolved",
			labels:     model.LabelSet{},
			annotation: model.LabelSet{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := &Message{Events: tt.events}
			if got := m.Status(); got != tt.status {
				t.Errorf("Status %q, want %q", got, tt.status)
			}
			if got := m.CommonLabels(); !got.Equal(tt.labels) || got == nil {
				t.Errorf("CommonLabels %v, want %v", got, tt.labels)
			}
			if got := m.CommonAnnotations(); !got.Equal(tt.annotation) || got == nil {
				t.Errorf("CommonAnnotations %v, want %v", got, tt.annotation)
			}
		})
	}
}
