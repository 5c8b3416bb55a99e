// Package envelope writes answers in the Prometheus HTTP API's envelope
// ({"status":"success","data":…} or {"status":"error","errorType":…,
// "error":…}), shared by alerter's /api/v1 handlers.
package envelope

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
)

// Body is the envelope.
type Body struct {
	Status    string `json:"status"`
	Data      any    `json:"data,omitempty"`
	ErrorType string `json:"errorType,omitempty"`
	Error     string `json:"error,omitempty"`
}

// JSON writes v as JSON with the status code.
func JSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

// Data writes a success with data.
func Data(w http.ResponseWriter, code int, data any) {
	JSON(w, code, Body{Status: "success", Data: data})
}

// Error writes an error of the given type ("bad_data", "not_found", …).
func Error(w http.ResponseWriter, code int, typ, msg string) {
	JSON(w, code, Body{Status: "error", ErrorType: typ, Error: msg})
}

// ReadBody reads a request body of at most limit bytes. On failure it
// returns the status to answer with (413 for a body too large, 400
// otherwise) and an error that says why.
func ReadBody(w http.ResponseWriter, r *http.Request, limit int64) ([]byte, int, error) {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body is larger than %d bytes", limit)
		}
		return nil, http.StatusBadRequest, fmt.Errorf("reading the body: %v", err)
	}
	return b, 0, nil
}
