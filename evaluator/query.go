package evaluator

import (
	"context"
	"errors"
	"time"
)

// Querier runs an instant query. It is satisfied by the Prometheus HTTP
// client in package datasource, and by fakes in tests.
type Querier interface {
	// Query runs query at ts and puts its result in into, which it resets
	// first. Handing the same Vector back every evaluation lets the
	// steady state decode without allocating per series.
	Query(ctx context.Context, query string, ts time.Time, into *Vector) error
}

// Unavailable marks a query error as the datasource's fault (unreachable,
// timing out, answering 5xx) rather than the rule's (bad PromQL). Only such
// errors count towards the datasource-down alert.
type Unavailable interface {
	Unavailable() bool
}

// IsUnavailable reports whether err says the datasource itself failed.
// Errors that do not say either way count as unavailable: it is the safer
// reading, since it can only raise the datasource alert, never resolve one.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	var u Unavailable
	if errors.As(err, &u) {
		return u.Unavailable()
	}
	return true
}
