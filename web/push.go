package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/alerter/alerter/ingest"
	"github.com/alerter/alerter/web/internal/envelope"
)

// AlertReceiver takes in pushed alerts; *ingest.Ingester satisfies it.
type AlertReceiver interface {
	Push(ctx context.Context, alerts []ingest.Alert, now time.Time) error
}

// maxAlertsBodyBytes bounds a POST /api/v1/alerts body.
const maxAlertsBodyBytes = 16 << 20

// postAlerts serves POST /api/v1/alerts, Alertmanager's API v1 for pushed
// alerts (the body is the same array as API v2's), answering in the
// Prometheus envelope as Alertmanager's v1 did: {"status":"success"}, or
// status "error" with errorType "bad_data" and the refused alerts by index
// (the valid ones of the request are accepted all the same).
func (a *API) postAlerts(w http.ResponseWriter, r *http.Request) {
	b, code, err := envelope.ReadBody(w, r, maxAlertsBodyBytes)
	if err != nil {
		writeError(w, code, "bad_data", err.Error())
		return
	}
	alerts, err := ingest.Decode(b)
	if err == nil {
		err = a.opts.Push.Push(r.Context(), alerts, time.Now())
	}
	var (
		reqErr *ingest.RequestError
		valErr *ingest.ValidationError
	)
	switch {
	case err == nil:
		envelope.JSON(w, http.StatusOK, envelope.Body{Status: "success"})
	case errors.As(err, &reqErr), errors.As(err, &valErr):
		writeError(w, http.StatusBadRequest, "bad_data", err.Error())
	case errors.Is(err, ingest.ErrUnavailable):
		writeError(w, http.StatusServiceUnavailable, "unavailable", err.Error())
	default:
		a.opts.Logger.Error("storing pushed alerts failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "storing the alerts failed")
	}
}
