package ingest

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/prometheus/common/model"
)

// Times the state store can hold (Unix nanoseconds, 0 reserved for
// "unset"): a pushed time outside this range is refused rather than
// stored wrong.
var (
	minTime = time.Unix(0, 1)
	maxTime = time.Date(2262, 1, 1, 0, 0, 0, 0, time.UTC)
)

// Validate applies Alertmanager's rules to one decoded alert, after its
// defaults: labels with an empty value are removed (Alertmanager does the
// same), at least one label must remain, label and annotation names must
// be non-empty UTF-8 (Alertmanager 0.27+'s default) and values valid
// UTF-8, and endsAt, when set, must not be before startsAt. The error
// names the field.
func (a *Alert) Validate() error {
	for k, v := range a.Labels {
		if v == "" {
			delete(a.Labels, k)
		}
	}
	if len(a.Labels) == 0 {
		return &fieldError{".labels", "at least one label pair required"}
	}
	if err := validateSet(a.Labels, "labels"); err != nil {
		return err
	}
	if err := validateSet(a.Annotations, "annotations"); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		t    time.Time
	}{{"startsAt", a.StartsAt}, {"endsAt", a.EndsAt}} {
		if !f.t.IsZero() && (f.t.Before(minTime) || f.t.After(maxTime)) {
			return &fieldError{"." + f.name, fmt.Sprintf("%s is outside the supported range %s to %s",
				f.t.UTC().Format(time.RFC3339Nano), minTime.UTC().Format(time.RFC3339Nano), maxTime.Format(time.RFC3339))}
		}
	}
	if !a.EndsAt.IsZero() && a.EndsAt.Before(a.StartsAt) {
		return &fieldError{".endsAt", fmt.Sprintf("start time must be before end time (startsAt %s, endsAt %s)",
			a.StartsAt.UTC().Format(time.RFC3339Nano), a.EndsAt.UTC().Format(time.RFC3339Nano))}
	}
	return nil
}

// validateSet checks names and values in a stable order, so that the
// message does not change from one request to the next.
func validateSet(ls model.LabelSet, field string) error {
	names := make([]string, 0, len(ls))
	for k := range ls {
		names = append(names, string(k))
	}
	sort.Strings(names)
	for _, k := range names {
		if k == "" || !utf8.ValidString(k) {
			return &fieldError{"." + field, fmt.Sprintf("invalid name %q", k)}
		}
		if v := ls[model.LabelName(k)]; !utf8.ValidString(string(v)) {
			return &fieldError{"." + field + "." + k, fmt.Sprintf("invalid value %q", v)}
		}
	}
	return nil
}

// ValidationError lists the alerts of a request that were refused, by
// index, while the others were accepted: Alertmanager's best effort,
// answered with HTTP 400.
type ValidationError struct {
	// Accepted counts the alerts that were taken in.
	Accepted int
	// Total counts the alerts of the request.
	Total int
	// Errors holds one line per refused alert: "alerts[3].labels: ...".
	Errors []string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("%d of %d alerts are invalid and were not accepted (the other %d were): %s",
		e.Total-e.Accepted, e.Total, e.Accepted, strings.Join(e.Errors, "; "))
}
