// Package windowapi serves recurring maintenance windows over HTTP, in
// the Prometheus API's envelope:
//
//	GET    /api/v1/maintenance_windows          every window, the file's and the API's
//	POST   /api/v1/maintenance_windows          create one
//	DELETE /api/v1/maintenance_windows/{name}   delete one created through the API
//
// Windows of the configuration file are listed (source "config") but only
// change with the file.
package windowapi

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/matcher"
	"github.com/alerter/alerter/silence"
	"github.com/alerter/alerter/web/internal/envelope"
)

// DefaultMaxBody bounds request bodies.
const DefaultMaxBody = 64 << 10

// Windows is what the API needs of the silence store.
type Windows interface {
	AddWindow(ctx context.Context, w silence.Window) error
	DeleteWindow(ctx context.Context, name string) error
	ListWindows() []silence.WindowInfo
}

// Options configure New.
type Options struct {
	Windows Windows
	// Now defaults to time.Now (for the "active" field).
	Now     func() time.Time
	MaxBody int64
	Logger  *slog.Logger
}

// API is the handler.
type API struct {
	o   Options
	log *slog.Logger
	mux *http.ServeMux
}

// New builds the API.
func New(o Options) (*API, error) {
	if o.Windows == nil {
		return nil, errors.New("windowapi: Windows is required")
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.MaxBody = cmp.Or(o.MaxBody, DefaultMaxBody)
	a := &API{o: o, log: cmp.Or(o.Logger, slog.New(slog.DiscardHandler)), mux: http.NewServeMux()}
	a.mux.HandleFunc("GET /api/v1/maintenance_windows", a.list)
	a.mux.HandleFunc("POST /api/v1/maintenance_windows", a.create)
	a.mux.HandleFunc("DELETE /api/v1/maintenance_windows/{name}", a.delete)
	return a, nil
}

// ServeHTTP implements http.Handler.
func (a *API) ServeHTTP(w http.ResponseWriter, r *http.Request) { a.mux.ServeHTTP(w, r) }

// gettableWindow is a window as the API shows it.
type gettableWindow struct {
	Name      string               `json:"name"`
	Schedule  string               `json:"schedule"`
	Duration  string               `json:"duration"`
	TimeZone  string               `json:"timeZone"`
	Matchers  []matcher.APIMatcher `json:"matchers"`
	CreatedBy string               `json:"createdBy,omitempty"`
	Comment   string               `json:"comment,omitempty"`
	Source    string               `json:"source"`
	Active    bool                 `json:"active"`
}

// postableWindow is the body of a POST: matchers in Alertmanager's API
// shape, or matcher strings in filter.
type postableWindow struct {
	Name      string               `json:"name"`
	Schedule  string               `json:"schedule"`
	Duration  string               `json:"duration"`
	TimeZone  string               `json:"timeZone"`
	Matchers  []matcher.APIMatcher `json:"matchers"`
	Filter    []string             `json:"filter"`
	CreatedBy string               `json:"createdBy"`
	Comment   string               `json:"comment"`
}

func (a *API) list(w http.ResponseWriter, _ *http.Request) {
	now := a.o.Now()
	out := []gettableWindow{}
	for _, wi := range a.o.Windows.ListWindows() {
		g := gettableWindow{Name: wi.Name, Schedule: wi.Schedule, Duration: wi.Duration.String(), TimeZone: cmp.Or(wi.TimeZone, "UTC"),
			Matchers: []matcher.APIMatcher{}, CreatedBy: wi.CreatedBy, Comment: wi.Comment, Source: "config", Active: wi.Active(now)}
		if wi.FromAPI {
			g.Source = "api"
		}
		for _, m := range wi.Matchers {
			g.Matchers = append(g.Matchers, matcher.FromMatcher(m))
		}
		out = append(out, g)
	}
	envelope.Data(w, http.StatusOK, out)
}

func (a *API) create(w http.ResponseWriter, r *http.Request) {
	b, status, err := envelope.ReadBody(w, r, a.o.MaxBody)
	if err != nil {
		writeError(w, status, err.Error())
		return
	}
	win, err := decodeWindow(b)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	err = a.o.Windows.AddWindow(r.Context(), win)
	var ve *silence.ValidationError
	switch {
	case errors.As(err, &ve) && strings.Contains(ve.Msg, "already exists"):
		writeError(w, http.StatusConflict, ve.Msg)
	case errors.As(err, &ve):
		writeError(w, http.StatusBadRequest, ve.Msg)
	case err != nil:
		a.log.Error("creating maintenance window", "err", err)
		writeError(w, http.StatusInternalServerError, "storing the maintenance window failed")
	default:
		a.log.Info("maintenance window created", "window", win.Name, "by", win.CreatedBy)
		envelope.Data(w, http.StatusOK, map[string]string{"name": win.Name})
	}
}

func (a *API) delete(w http.ResponseWriter, r *http.Request) {
	err := a.o.Windows.DeleteWindow(r.Context(), r.PathValue("name"))
	switch {
	case errors.Is(err, silence.ErrConfigWindow):
		writeError(w, http.StatusConflict, err.Error()+"; change the file and reload")
	case errors.Is(err, silence.ErrNotFound):
		writeError(w, http.StatusNotFound, "maintenance window not found")
	case err != nil:
		a.log.Error("deleting maintenance window", "err", err)
		writeError(w, http.StatusInternalServerError, "deleting the maintenance window failed")
	default:
		envelope.Data(w, http.StatusOK, nil)
	}
}

// decodeWindow parses a POST body; the window itself is validated by the
// store (schedule, time zone, matchers).
func decodeWindow(b []byte) (silence.Window, error) {
	var p postableWindow
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return silence.Window{}, fmt.Errorf("body is not a valid maintenance window: %s", envelope.DescribeJSONError(err))
	}
	if dec.More() {
		return silence.Window{}, errors.New("body has data after the maintenance window object")
	}
	w := silence.Window{Name: p.Name, Schedule: p.Schedule, TimeZone: p.TimeZone, CreatedBy: p.CreatedBy, Comment: p.Comment}
	if strings.TrimSpace(p.CreatedBy) == "" {
		return w, errors.New("createdBy: who creates the window is required")
	}
	d, err := model.ParseDuration(p.Duration)
	if err != nil {
		return w, fmt.Errorf("duration: not a duration: %q", p.Duration)
	}
	w.Duration = d
	if len(p.Matchers) > 0 && len(p.Filter) > 0 {
		return w, errors.New("matchers and filter: give the matchers one way")
	}
	for i, am := range p.Matchers {
		m, err := am.ToMatcher()
		if err != nil {
			return w, fmt.Errorf("matchers[%d]: %v", i, err)
		}
		w.Matchers = append(w.Matchers, m)
	}
	for i, f := range p.Filter {
		ms, err := matcher.Parse(f)
		if err != nil {
			return w, fmt.Errorf("filter[%d]: %v", i, err)
		}
		w.Matchers = append(w.Matchers, ms...)
	}
	return w, nil
}

func writeError(w http.ResponseWriter, status int, msg string) {
	typ := "bad_data"
	switch {
	case status == http.StatusNotFound:
		typ = "not_found"
	case status >= 500:
		typ = "internal"
	}
	envelope.Error(w, status, typ, msg)
}
