package notifiers

import (
	"slices"
	"testing"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

func TestGroupEvents(t *testing.T) {
	a1 := model.LabelSet{"alertname": "A", "i": "1"}
	a2 := model.LabelSet{"alertname": "A", "i": "2"}
	b1 := model.LabelSet{"alertname": "B", "i": "1"}
	nameless := model.LabelSet{"i": "1"}
	events := []*alert.Event{
		ev(alert.EventFiring, a1, nil),
		ev(alert.EventFiring, b1, nil),
		ev(alert.EventFiring, a2, nil),
		ev(alert.EventResolved, a1, nil), // a1 again: a second message.
		ev(alert.EventFiring, nameless, nil),
		ev(alert.EventResolved, a2, nil), // Joins the second message.
	}
	for i, e := range events {
		e.ID = int64(i + 1)
	}
	groups := groupEvents(events, "r", []model.LabelName{"alertname"})
	var got [][][]int64
	var keys []string
	for _, g := range groups {
		var msgs [][]int64
		for _, m := range g.messages {
			var ids []int64
			for _, e := range m.Events {
				ids = append(ids, e.ID)
			}
			msgs = append(msgs, ids)
			if m.Receiver != "r" || m.GroupKey != GroupKey(m.GroupLabels) {
				t.Errorf("message %+v", m)
			}
		}
		got = append(got, msgs)
		keys = append(keys, g.messages[0].GroupKey)
	}
	want := [][][]int64{{{1, 3}, {4, 6}}, {{2}}, {{5}}}
	wantKeys := []string{`{}:{alertname="A"}`, `{}:{alertname="B"}`, `{}:{}`}
	if len(got) != len(want) {
		t.Fatalf("groups %v, want %v", got, want)
	}
	for i := range want {
		if keys[i] != wantKeys[i] {
			t.Errorf("group %d key %s, want %s", i, keys[i], wantKeys[i])
		}
		if len(got[i]) != len(want[i]) {
			t.Errorf("group %d: %v, want %v", i, got[i], want[i])
			continue
		}
		for j := range want[i] {
			if !slices.Equal(got[i][j], want[i][j]) {
				t.Errorf("group %d message %d: %v, want %v", i, j, got[i][j], want[i][j])
			}
		}
	}
}
