package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/quality"
)

// ReportQuery is what GET /api/v1/report asks for.
type ReportQuery struct {
	Since, Until time.Time
	// Top keeps the noisiest rules (0: all).
	Top int
	// FlapEvaluations overrides alert_quality.flap_evaluations when > 0.
	FlapEvaluations int
	// QuietAfter: rules that have not fired for that long are listed.
	QuietAfter time.Duration
}

// DefaultReportPeriod is the period of a report that names none.
const DefaultReportPeriod = 7 * 24 * time.Hour

// maxReportTop bounds top, so that a typo cannot ask for a huge answer
// for nothing (there are never more rules than that in the answer anyway).
const maxReportTop = 100000

// report serves GET /api/v1/report: the noisiest rules of a period from
// the stored episodes (see package quality). Parameters: since (a
// duration back from now such as 7d, or an RFC 3339 or Unix time; 7d by
// default), top (the number of rules, 0 for all, the default),
// flap_evaluations (alert_quality.flap_evaluations by default) and
// quiet_after (30d).
func (a *API) report(w http.ResponseWriter, r *http.Request) {
	now := time.Now()
	q := ReportQuery{Until: now, Since: now.Add(-DefaultReportPeriod), QuietAfter: quality.DefaultQuietAfter}
	bad := func(msg string) { writeError(w, http.StatusBadRequest, "bad_data", msg) }
	if err := r.ParseForm(); err != nil {
		bad(err.Error())
		return
	}
	if v := r.Form.Get("since"); v != "" {
		t, err := parseSince(v, now)
		if err != nil {
			bad("invalid since parameter: " + err.Error())
			return
		}
		q.Since = t
	}
	for _, p := range []struct {
		name string
		dst  *int
		min  int
	}{{"top", &q.Top, 0}, {"flap_evaluations", &q.FlapEvaluations, 1}} {
		v := r.Form.Get(p.name)
		if v == "" {
			continue
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < p.min || n > maxReportTop {
			bad("invalid " + p.name + " parameter: must be an integer from " + strconv.Itoa(p.min) + " to " + strconv.Itoa(maxReportTop))
			return
		}
		*p.dst = n
	}
	if v := r.Form.Get("quiet_after"); v != "" {
		d, err := model.ParseDuration(v)
		if err != nil || d <= 0 {
			bad("invalid quiet_after parameter: must be a positive duration such as 30d")
			return
		}
		q.QuietAfter = time.Duration(d)
	}
	rep, err := a.opts.Report(r.Context(), q)
	if err != nil {
		a.opts.Logger.Error("computing the report failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "reading the stored episodes failed")
		return
	}
	writeData(w, rep)
}

// parseSince reads since: a duration back from now ("7d", "12h"), an RFC
// 3339 time, or Unix seconds. It must be in the past.
func parseSince(v string, now time.Time) (time.Time, error) {
	var t time.Time
	if d, err := model.ParseDuration(v); err == nil {
		if d <= 0 {
			return t, errPositive
		}
		t = now.Add(-time.Duration(d))
	} else if p, err := time.Parse(time.RFC3339Nano, v); err == nil {
		t = p
	} else if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 && f < 1e11 {
		t = time.Unix(0, int64(f*1e9))
	} else {
		return t, errSince
	}
	if !t.Before(now) {
		return t, errPast
	}
	return t, nil
}

type reportError string

func (e reportError) Error() string { return string(e) }

const (
	errPositive reportError = "the duration must be positive"
	errSince    reportError = "must be a duration such as 7d, an RFC 3339 time or a Unix time"
	errPast     reportError = "must be in the past"
)

// Reporter computes a report; the server's reads the stored episodes.
type Reporter func(ctx context.Context, q ReportQuery) (*quality.Report, error)
