// Package escalationapi serves the configured escalation policies,
// read-only, in the Prometheus API's envelope:
//
//	GET /api/v1/escalation_policies
//
// Each policy lists its levels (the delay and the receivers paged), its
// repeat, and the routes that use it, so that a person or a script can
// tell who is paged at which level. Policies change with the
// configuration file; receivers are listed by name only (their URLs and
// keys are secrets).
package escalationapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/alerter/alerter/notifiers/escalation"
	"github.com/alerter/alerter/notifiers/route"
	"github.com/alerter/alerter/web/internal/envelope"
)

// Options configure New.
type Options struct {
	// Policies returns the configured policies, in configuration order.
	Policies func() []*escalation.Policy
	// Routes returns the routing tree's root (nil: no routing).
	Routes func() *route.Route
}

// API is the handler.
type API struct {
	o   Options
	mux *http.ServeMux
}

// New builds the API; Policies is required.
func New(o Options) (*API, error) {
	if o.Policies == nil {
		return nil, errors.New("escalationapi: Policies is required")
	}
	a := &API{o: o, mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /api/v1/escalation_policies", a.list)
	return a, nil
}

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

type gettablePolicy struct {
	Name   string          `json:"name"`
	Levels []gettableLevel `json:"levels"`
	// RepeatEvery is "" when the last level is notified once.
	RepeatEvery string `json:"repeatEvery,omitempty"`
	// Routes are the routes whose alert groups escalate by the policy.
	Routes []policyRoute `json:"routes"`
}

type gettableLevel struct {
	Level int `json:"level"`
	// After is the delay since the group's unacknowledged alerts fired.
	After        string   `json:"after"`
	AfterSeconds float64  `json:"afterSeconds"`
	Receivers    []string `json:"receivers"`
}

// policyRoute is a route that escalates: its receiver (paged at once, as
// level 0) and the matchers on the path from the root that select it.
type policyRoute struct {
	Receiver string   `json:"receiver"`
	Matchers []string `json:"matchers"`
}

func (a *API) list(w http.ResponseWriter, _ *http.Request) {
	var root *route.Route
	if a.o.Routes != nil {
		root = a.o.Routes()
	}
	out := []gettablePolicy{}
	for _, p := range a.o.Policies() {
		g := gettablePolicy{Name: p.Name, Levels: []gettableLevel{}, Routes: routesUsing(root, p.Name, nil)}
		if p.RepeatEvery > 0 {
			g.RepeatEvery = p.RepeatEvery.String()
		}
		for i, l := range p.Levels {
			g.Levels = append(g.Levels, gettableLevel{Level: i + 1, After: l.After.String(),
				AfterSeconds: time.Duration(l.After).Seconds(), Receivers: append([]string{}, l.Receivers...)})
		}
		out = append(out, g)
	}
	envelope.Data(w, http.StatusOK, out)
}

// routesUsing walks the tree depth-first, in configuration order, and
// returns every route that escalates by the named policy.
func routesUsing(r *route.Route, policy string, path []string) []policyRoute {
	out := []policyRoute{}
	if r == nil {
		return out
	}
	for _, m := range r.Matchers {
		path = append(path[:len(path):len(path)], m.String())
	}
	if r.Escalation == policy {
		out = append(out, policyRoute{Receiver: r.Receiver, Matchers: append([]string{}, path...)})
	}
	for _, c := range r.Routes {
		out = append(out, routesUsing(c, policy, path)...)
	}
	return out
}
