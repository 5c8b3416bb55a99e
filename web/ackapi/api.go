// Package ackapi serves acknowledgements over HTTP under
// /api/v1/acknowledgements, in the Prometheus API's envelope
// ({"status":"success","data":...}):
//
//	GET    /api/v1/acknowledgements        list, newest first
//	POST   /api/v1/acknowledgements        acknowledge alerts
//	GET    /api/v1/acknowledgements/{id}   one acknowledgement
//	DELETE /api/v1/acknowledgements/{id}   withdraw it
//
// A POST names the alerts by fingerprint (as /api/v2/alerts shows them),
// or by matchers in Alertmanager's API shape, or by matcher strings as
// amtool writes them; only firing alerts are acknowledged.
package ackapi

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/web/internal/envelope"
)

// DefaultMaxBody bounds request bodies.
const DefaultMaxBody = 64 << 10

// Acks is what the API needs of the acknowledgement store.
type Acks interface {
	Create(ctx context.Context, r ack.Request, alerts []*alert.Alert, now time.Time) (*ack.Ack, error)
	Delete(ctx context.Context, id string) error
	Get(id string) (*ack.Ack, bool)
	List() []*ack.Ack
}

// Options configure New.
type Options struct {
	Acks Acks
	// Alerts returns the current alerts (the evaluator's).
	Alerts func() []*alert.Alert
	// Now defaults to time.Now.
	Now     func() time.Time
	MaxBody int64
	Logger  *slog.Logger
}

// API is the acknowledgements' HTTP handler.
type API struct {
	o   Options
	log *slog.Logger
	mux *http.ServeMux
}

// New builds the API.
func New(o Options) (*API, error) {
	if o.Acks == nil || o.Alerts == nil {
		return nil, errors.New("ackapi: Acks and Alerts are required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.MaxBody = cmp.Or(o.MaxBody, DefaultMaxBody)
	a := &API{o: o, log: cmp.Or(o.Logger, slog.New(slog.DiscardHandler)), mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /api/v1/acknowledgements", a.list)
	a.mux.HandleFunc("POST /api/v1/acknowledgements", a.create)
	a.mux.HandleFunc("GET /api/v1/acknowledgements/{id}", a.get)
	a.mux.HandleFunc("DELETE /api/v1/acknowledgements/{id}", a.delete)
	return a, nil
}

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

func (a *API) list(w http.ResponseWriter, _ *http.Request) {
	now, cur := a.o.Now(), a.o.Alerts()
	out := []gettableAck{}
	for _, k := range a.o.Acks.List() {
		out = append(out, toGettable(k, cur, now))
	}
	writeData(w, http.StatusOK, out)
}

func (a *API) get(w http.ResponseWriter, r *http.Request) {
	k, ok := a.o.Acks.Get(r.PathValue("id"))
	if !ok {
		writeError(w, http.StatusNotFound, "not_found", "acknowledgement not found")
		return
	}
	writeData(w, http.StatusOK, toGettable(k, a.o.Alerts(), a.o.Now()))
}

func (a *API) delete(w http.ResponseWriter, r *http.Request) {
	err := a.o.Acks.Delete(r.Context(), r.PathValue("id"))
	switch {
	case errors.Is(err, ack.ErrNotFound):
		writeError(w, http.StatusNotFound, "not_found", "acknowledgement not found")
	case err != nil:
		a.log.Error("deleting acknowledgement", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "deleting the acknowledgement failed")
	default:
		writeData(w, http.StatusOK, nil)
	}
}

func (a *API) create(w http.ResponseWriter, r *http.Request) {
	now := a.o.Now()
	body, status, err := envelope.ReadBody(w, r, a.o.MaxBody)
	if err != nil {
		writeError(w, status, "bad_data", err.Error())
		return
	}
	req, sel, err := decodeRequest(body, now)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_data", err.Error())
		return
	}
	targets := ack.Select(a.o.Alerts(), sel.fps, sel.matchers)
	k, err := a.o.Acks.Create(r.Context(), req, targets, now)
	var ve *ack.ValidationError
	switch {
	case errors.As(err, &ve):
		writeError(w, http.StatusBadRequest, "bad_data", ve.Msg)
		return
	case errors.Is(err, ack.ErrNoAlerts):
		writeError(w, http.StatusNotFound, "not_found", "no firing alert matches "+sel.describe())
		return
	case err != nil:
		a.log.Error("creating acknowledgement", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "storing the acknowledgement failed")
		return
	}
	a.log.Info("alerts acknowledged", "id", k.ID, "by", k.By, "alerts", len(k.Targets))
	writeData(w, http.StatusOK, toGettable(k, a.o.Alerts(), now))
}

func writeData(w http.ResponseWriter, status int, data any) { envelope.Data(w, status, data) }

func writeError(w http.ResponseWriter, status int, typ, msg string) {
	envelope.Error(w, status, typ, msg)
}
