package amapi

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/alerter/alerter/ingest"
)

// AlertReceiver takes in pushed alerts; *ingest.Ingester satisfies it.
type AlertReceiver interface {
	Push(ctx context.Context, alerts []ingest.Alert, now time.Time) error
}

// DefaultMaxAlertsBodyBytes bounds a POST /api/v2/alerts body when
// Options.MaxAlertsBodyBytes is 0: Prometheus sends at most 64 alerts a
// request, far below it.
const DefaultMaxAlertsBodyBytes = 16 << 20

// postAlerts serves POST /api/v2/alerts as Alertmanager does: a JSON array
// of postable alerts; 200 with no body when every alert was accepted; 400
// with a JSON string naming each refused alert by index and field (the
// valid ones of the request are accepted all the same); 400 for a body
// that is not an array of alerts, accepting none. Without a receiver the
// method is refused with 405.
func (a *API) postAlerts(w http.ResponseWriter, r *http.Request) {
	if a.o.Push == nil {
		w.Header().Set("Allow", "GET")
		writeCodeError(w, http.StatusMethodNotAllowed, http.StatusMethodNotAllowed,
			"this alerter does not accept pushed alerts; method POST is not allowed, but [GET] are")
		return
	}
	b, rerr := readBody(w, r, a.o.MaxAlertsBodyBytes)
	if rerr != nil {
		writeMessage(w, rerr.status, rerr.msg)
		return
	}
	alerts, err := ingest.Decode(b)
	if err == nil {
		err = a.o.Push.Push(r.Context(), alerts, a.o.Now())
	}
	var (
		reqErr *ingest.RequestError
		valErr *ingest.ValidationError
	)
	switch {
	case err == nil:
		w.WriteHeader(http.StatusOK)
	case errors.As(err, &reqErr), errors.As(err, &valErr):
		a.log.Debug("refused pushed alerts", "err", err)
		writeMessage(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, ingest.ErrUnavailable):
		writeMessage(w, http.StatusServiceUnavailable, err.Error())
	default:
		a.log.Error("storing pushed alerts failed", "err", err)
		writeMessage(w, http.StatusInternalServerError, "storing the alerts failed")
	}
}
