package ingest

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"
)

func TestValidate(t *testing.T) {
	ok := func() Alert { return pa("A", "x", t0, t0.Add(time.Hour)) }
	tests := []struct {
		name string
		mod  func(*Alert)
		want string // "" = valid; else a substring of the error
	}{
		{"valid", func(*Alert) {}, ""},
		{"no times", func(a *Alert) { a.StartsAt, a.EndsAt = time.Time{}, time.Time{} }, ""},
		{"utf-8 label name", func(a *Alert) { a.Labels["ünïcode name"] = "v" }, ""},
		{"no labels", func(a *Alert) { a.Labels = nil }, ".labels: at least one label pair required"},
		{"only empty values", func(a *Alert) { a.Labels = model.LabelSet{"a": "", "b": ""} }, ".labels: at least one label pair required"},
		{"empty label name", func(a *Alert) { a.Labels[""] = "v" }, `.labels: invalid name ""`},
		{"invalid utf-8 name", func(a *Alert) { a.Labels["\xff"] = "v" }, `.labels: invalid name "\xff"`},
		{"invalid utf-8 value", func(a *Alert) { a.Labels["job"] = "\xfe" }, `.labels.job: invalid value "\xfe"`},
		{"invalid annotation name", func(a *Alert) { a.Annotations[""] = "v" }, `.annotations: invalid name ""`},
		{"invalid annotation value", func(a *Alert) { a.Annotations["summary"] = "\xc3" }, `.annotations.summary: invalid value`},
		{"ends before start", func(a *Alert) { a.EndsAt = t0.Add(-time.Second) }, ".endsAt: start time must be before end time"},
		{"start beyond the storable range", func(a *Alert) { a.StartsAt = time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC); a.EndsAt = time.Time{} }, ".startsAt: 3000-01-01T00:00:00Z is outside the supported range"},
		{"end before 1970", func(a *Alert) { a.StartsAt = time.Time{}; a.EndsAt = time.Date(1969, 1, 1, 0, 0, 0, 0, time.UTC) }, ".endsAt: 1969-01-01T00:00:00Z is outside"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := ok()
			tt.mod(&a)
			err := a.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate = %v, want valid", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate = %v, want an error containing %q", err, tt.want)
			}
		})
	}
}

func TestValidateDropsEmptyLabelValues(t *testing.T) {
	a := pa("A", "x", t0, time.Time{})
	a.Labels["empty"] = ""
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	if _, ok := a.Labels["empty"]; ok {
		t.Fatal("a label with an empty value was kept; Alertmanager removes it")
	}
}

// Alertmanager's best effort: the valid alerts of a request are accepted,
// the invalid ones reported by index.
func TestPushAcceptsValidAndReportsInvalidByIndex(t *testing.T) {
	st := newMemStore()
	in := restored(t, st, t0)
	bad1 := pa("Bad", "1", t0, t0.Add(-time.Minute))
	bad2 := Alert{Labels: model.LabelSet{"a": ""}}
	err := in.Push(context.Background(), []Alert{pa("Good", "0", t0, time.Time{}), bad1, bad2, pa("Good", "3", time.Time{}, time.Time{})}, t0)
	var verr *ValidationError
	if !errors.As(err, &verr) {
		t.Fatalf("Push = %v, want a *ValidationError", err)
	}
	if verr.Accepted != 2 || verr.Total != 4 || len(verr.Errors) != 2 ||
		!strings.HasPrefix(verr.Errors[0], "alerts[1].endsAt: start time must be before end time") ||
		verr.Errors[1] != "alerts[2].labels: at least one label pair required" {
		t.Fatalf("validation error: %+v", verr)
	}
	if !strings.Contains(err.Error(), "2 of 4 alerts are invalid") {
		t.Errorf("message %q does not say how many were refused", err)
	}
	if got := firingNames(in); got != "Good/0,Good/3" {
		t.Fatalf("firing = %q, want the two valid alerts", got)
	}
	if got := st.takeEvents(); got != "firing:Good,firing:Good" {
		t.Fatalf("events = %q", got)
	}
}

func TestPushDoesNotModifyTheCallersAlerts(t *testing.T) {
	in := restored(t, newMemStore(), t0)
	a := pa("A", "x", t0, time.Time{})
	a.Labels["empty"] = ""
	push(t, in, t0, a)
	if _, ok := a.Labels["empty"]; !ok {
		t.Fatal("Push changed the caller's label set")
	}
}
