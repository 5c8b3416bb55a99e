package amapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/alerter/alerter/matcher"
	"github.com/alerter/alerter/silence"
	"github.com/alerter/alerter/web/internal/envelope"
)

// postableSilence is Alertmanager's postableSilence with alerter's
// untilResolved. Pointers tell an absent field from a zero one, as the
// OpenAPI schema requires them. Unknown fields are ignored, as
// Alertmanager's go-openapi decoder does: a gettableSilence (with status
// and updatedAt) posted back is accepted.
type postableSilence struct {
	ID            string        `json:"id"`
	Matchers      []postMatcher `json:"matchers"`
	StartsAt      *string       `json:"startsAt"`
	EndsAt        *string       `json:"endsAt"`
	CreatedBy     *string       `json:"createdBy"`
	Comment       *string       `json:"comment"`
	UntilResolved *bool         `json:"untilResolved"`
}

type postMatcher struct {
	Name    *string `json:"name"`
	Value   *string `json:"value"`
	IsRegex *bool   `json:"isRegex"`
	IsEqual *bool   `json:"isEqual"`
}

// requestError is a bad request: status is 400 (the body cannot be read
// as a silence), 413 (too large) or 422 (a required field is missing).
type requestError struct {
	status, code int
	msg          string
}

func (e *requestError) Error() string { return e.msg }

func (e *requestError) write(w http.ResponseWriter) {
	writeCodeError(w, e.status, e.code, e.msg)
}

func parseError(format string, args ...any) *requestError {
	return &requestError{status: http.StatusBadRequest, code: http.StatusBadRequest,
		msg: "parsing silence body failed, because " + fmt.Sprintf(format, args...)}
}

// readSilenceBody decodes a postableSilence from r's body, which is at
// most limit bytes.
func readSilenceBody(w http.ResponseWriter, r *http.Request, limit int64) (*postableSilence, *requestError) {
	b, rerr := readBody(w, r, limit)
	if rerr != nil {
		if rerr.status == http.StatusBadRequest {
			rerr = parseError("%s", rerr.msg)
		}
		return nil, rerr
	}
	return decodeSilence(b)
}

// readBody reads r's body, which is at most limit bytes.
func readBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, *requestError) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, &requestError{status: http.StatusRequestEntityTooLarge, code: http.StatusRequestEntityTooLarge,
				msg: fmt.Sprintf("request body is larger than %d bytes", limit)}
		}
		return nil, &requestError{status: http.StatusBadRequest, code: http.StatusBadRequest,
			msg: fmt.Sprintf("the body could not be read: %v", err)}
	}
	return b, nil
}

// decodeSilence decodes one JSON object. Alertmanager answers a missing
// body with 422 ("silence in body is required"), and so does this.
func decodeSilence(b []byte) (*postableSilence, *requestError) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, &requestError{status: http.StatusUnprocessableEntity, code: codeRequired, msg: "silence in body is required"}
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	var ps postableSilence
	if err := dec.Decode(&ps); err != nil {
		return nil, parseError("%s", envelope.DescribeJSONError(err))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, parseError("there is more data after the JSON object")
	}
	return &ps, nil
}

// required reports missing required fields as Alertmanager does: 422 with
// go-openapi's wording. Preview needs only matchers.
func (ps *postableSilence) required(all bool) *requestError {
	var missing []string
	if all {
		if ps.Comment == nil {
			missing = append(missing, "comment in body is required")
		}
		if ps.CreatedBy == nil {
			missing = append(missing, "createdBy in body is required")
		}
		if ps.EndsAt == nil {
			missing = append(missing, "endsAt in body is required")
		}
	}
	if ps.Matchers == nil {
		missing = append(missing, "matchers in body is required")
	}
	for i, m := range ps.Matchers {
		if m.IsRegex == nil {
			missing = append(missing, fmt.Sprintf("matchers.%d.isRegex in body is required", i))
		}
		if m.Name == nil {
			missing = append(missing, fmt.Sprintf("matchers.%d.name in body is required", i))
		}
		if m.Value == nil {
			missing = append(missing, fmt.Sprintf("matchers.%d.value in body is required", i))
		}
	}
	if all && ps.StartsAt == nil {
		missing = append(missing, "startsAt in body is required")
	}
	if len(missing) > 0 {
		return &requestError{status: http.StatusUnprocessableEntity, code: codeRequired, msg: strings.Join(missing, "; ")}
	}
	if len(ps.Matchers) == 0 {
		return &requestError{status: http.StatusUnprocessableEntity, code: codeTooShort, msg: "matchers in body should have at least 1 items"}
	}
	return nil
}

// toSilence builds the silence the store is asked to set. Matchers are
// compiled here so that an invalid one is reported with its index; the
// store validates the rest (times, matchers that match everything) and
// answers silence.ValidationError. Times are truncated to milliseconds,
// the precision the API writes them with, so that a silence read back and
// posted again (amtool silence update, import) has the very same times.
func (ps *postableSilence) toSilence() (*silence.Silence, error) {
	s := &silence.Silence{ID: ps.ID}
	for i, pm := range ps.Matchers {
		am := matcher.APIMatcher{IsEqual: pm.IsEqual}
		if pm.Name != nil {
			am.Name = *pm.Name
		}
		if pm.Value != nil {
			am.Value = *pm.Value
		}
		if pm.IsRegex != nil {
			am.IsRegex = *pm.IsRegex
		}
		m, err := am.ToMatcher()
		if err != nil {
			return nil, fmt.Errorf("invalid silence: invalid label matcher %d: %w", i, err)
		}
		s.Matchers = append(s.Matchers, m)
	}
	var err error
	if s.StartsAt, err = ps.time("startsAt", ps.StartsAt); err != nil {
		return nil, err
	}
	if s.EndsAt, err = ps.time("endsAt", ps.EndsAt); err != nil {
		return nil, err
	}
	if ps.CreatedBy != nil {
		s.CreatedBy = *ps.CreatedBy
	}
	if ps.Comment != nil {
		s.Comment = *ps.Comment
	}
	if ps.UntilResolved != nil {
		s.UntilResolved = *ps.UntilResolved
	}
	return s, nil
}

func (ps *postableSilence) time(field string, v *string) (time.Time, error) {
	if v == nil {
		return time.Time{}, nil
	}
	t, ok := parseTime(*v)
	if !ok {
		return time.Time{}, parseError("%s %q is not a date-time (RFC 3339, e.g. 2026-01-02T15:04:05Z)", field, *v)
	}
	return t.Truncate(time.Millisecond), nil
}
