package amapi

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
	"github.com/alerter/alerter/silence"
)

// gettableSilence is Alertmanager's gettableSilence, plus alerter's
// untilResolved, written only when true so that other silences have
// exactly Alertmanager's shape.
type gettableSilence struct {
	ID            string               `json:"id"`
	Status        silenceStatus        `json:"status"`
	UpdatedAt     apiTime              `json:"updatedAt"`
	Matchers      []matcher.APIMatcher `json:"matchers"`
	StartsAt      apiTime              `json:"startsAt"`
	EndsAt        apiTime              `json:"endsAt"`
	CreatedBy     string               `json:"createdBy"`
	Comment       string               `json:"comment"`
	UntilResolved bool                 `json:"untilResolved,omitempty"`
}

type silenceStatus struct {
	State silence.State `json:"state"`
}

func toGettable(s *silence.Silence, now time.Time) gettableSilence {
	g := gettableSilence{
		ID:            s.ID,
		Status:        silenceStatus{State: s.State(now)},
		UpdatedAt:     apiTime(s.UpdatedAt),
		Matchers:      make([]matcher.APIMatcher, 0, len(s.Matchers)),
		StartsAt:      apiTime(s.StartsAt),
		EndsAt:        apiTime(s.EndsAt),
		CreatedBy:     s.CreatedBy,
		Comment:       s.Comment,
		UntilResolved: s.UntilResolved,
	}
	for _, m := range s.Matchers {
		g.Matchers = append(g.Matchers, matcher.FromMatcher(m))
	}
	return g
}

// getSilences serves GET /api/v2/silences. The store applies the filter
// and the order as Alertmanager does: a silence passes when each filter
// matcher equals one of its matchers (amtool silence query alertname=X
// lists the silences written for alertname=X, not every silence that would
// mute such an alert); active silences come first, soonest to end first,
// then pending ones, soonest to start first, then expired ones, most
// recently ended first.
func (a *API) getSilences(w http.ResponseWriter, r *http.Request) {
	filter, err := parseFilter(r.URL.Query()["filter"])
	if err != nil {
		writeMessage(w, http.StatusBadRequest, err.Error())
		return
	}
	now := a.o.Now()
	out := []gettableSilence{}
	for _, s := range a.o.Silences.Query(filter, now) {
		out = append(out, toGettable(s, now))
	}
	writeJSON(w, http.StatusOK, out)
}

func parseFilter(vals []string) (matcher.Matchers, error) {
	var ms matcher.Matchers
	for _, v := range vals {
		m, err := matcher.ParseMatcher(v)
		if err != nil {
			return nil, fmt.Errorf("bad matcher format: %w", err)
		}
		ms = append(ms, m)
	}
	return ms, nil
}

// getSilence serves GET /api/v2/silence/{id}: 404 without a body for an
// unknown ID, as Alertmanager.
func (a *API) getSilence(w http.ResponseWriter, r *http.Request) {
	s, err := a.o.Silences.Get(r.PathValue("id"))
	if err != nil {
		a.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, toGettable(s, a.o.Now()))
}

// deleteSilence serves DELETE /api/v2/silence/{id}: it expires the
// silence and answers 200 with no body, 404 for an unknown ID. Expiring an
// expired silence succeeds, as in Alertmanager since 0.24 (DELETE is
// idempotent; 0.23 answered 500 "already expired").
func (a *API) deleteSilence(w http.ResponseWriter, r *http.Request) {
	if err := a.o.Silences.Expire(r.Context(), r.PathValue("id"), a.o.Now().Truncate(time.Millisecond)); err != nil {
		a.storeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusOK)
}

// postSilence serves POST /api/v2/silences: a body without an id creates a
// silence, one with an id updates it under Alertmanager's rules (which may
// replace it with a new one); the answer is {"silenceID": …}. A silence
// the store refuses is a 400 with its reason, an unknown id a 404 whose
// message says "not found" (amtool silence import looks for that text to
// retry without the id). untilResolved left out of an update keeps the
// silence's value, so that amtool, which does not know the field, does
// not clear it.
func (a *API) postSilence(w http.ResponseWriter, r *http.Request) {
	ps, rerr := readSilenceBody(w, r, a.o.MaxBodyBytes)
	if rerr == nil {
		rerr = ps.required(true)
	}
	if rerr != nil {
		rerr.write(w)
		return
	}
	s, err := ps.toSilence()
	if err != nil {
		a.badSilence(w, err)
		return
	}
	if ps.UntilResolved == nil && s.ID != "" {
		if prev, err := a.o.Silences.Get(s.ID); err == nil {
			s.UntilResolved = prev.UntilResolved
		}
	}
	id, err := a.o.Silences.Set(r.Context(), s, a.o.Now().Truncate(time.Millisecond))
	if err != nil {
		a.storeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"silenceID": id})
}

// badSilence answers a body that decoded but does not make a silence.
func (a *API) badSilence(w http.ResponseWriter, err error) {
	var re *requestError
	if errors.As(err, &re) {
		re.write(w)
		return
	}
	writeMessage(w, http.StatusBadRequest, err.Error())
}

// storeError answers an error of the silence store: 404 for an unknown ID
// (with a body only on POST, as Alertmanager), 400 for a silence the
// store refuses (invalid, or over a limit), and otherwise 500 with a
// message that says nothing of the cause, which is logged: storage errors
// name files, tables and internal values.
func (a *API) storeError(w http.ResponseWriter, r *http.Request, err error) {
	var ve *silence.ValidationError
	switch {
	case errors.Is(err, silence.ErrNotFound):
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		msg := err.Error()
		if !strings.Contains(msg, "not found") {
			msg = "silence not found: " + msg
		}
		writeMessage(w, http.StatusNotFound, msg)
	case errors.As(err, &ve):
		writeMessage(w, http.StatusBadRequest, ve.Error())
	default:
		a.log.Error("silence store failed", "method", r.Method, "path", r.URL.Path, "err", err)
		writeMessage(w, http.StatusInternalServerError, "the silence could not be stored; the cause is in alerter's log")
	}
}

// previewSilence serves POST /api/v2/silences/preview, an alerter
// addition: given a postableSilence, it answers {"alerts": […]}, the
// firing alerts the silence would mute, in GET /api/v2/alerts's shape.
// Only the matchers are required; nothing is stored, and the silence is
// not otherwise validated (POST /api/v2/silences does that).
func (a *API) previewSilence(w http.ResponseWriter, r *http.Request) {
	ps, rerr := readSilenceBody(w, r, a.o.MaxBodyBytes)
	if rerr == nil {
		rerr = ps.required(false)
	}
	if rerr != nil {
		rerr.write(w)
		return
	}
	draft, err := ps.toSilence()
	if err != nil {
		a.badSilence(w, err)
		return
	}
	now := a.o.Now()
	firing := a.firing()
	labels := make([]model.LabelSet, len(firing))
	for i, al := range firing {
		labels[i] = al.Labels
	}
	out := []gettableAlert{}
	for _, i := range a.o.Silences.Preview(draft, labels, now) {
		if i >= 0 && i < len(firing) {
			out = append(out, a.toGettableAlert(firing[i], now))
		}
	}
	sortAlerts(out)
	writeJSON(w, http.StatusOK, map[string]any{"alerts": out})
}
