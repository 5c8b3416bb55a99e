package webhooksink

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"sync"
	"time"
)

// maxBodyBytes bounds a request body.
const maxBodyBytes = 16 << 20

// Options configures a Sink.
type Options struct {
	// Lenient accepts unknown JSON fields and payloads that break the
	// version 4 rules. By default such a request is answered 400 and
	// recorded in Errors, so a malformed notification fails a test loudly.
	Lenient bool
	// MaxPayloads bounds how many accepted payloads are kept, dropping the
	// oldest; 0 keeps all. Long-running receivers such as the demo set it.
	MaxPayloads int
	// OnPayload, if set, is called with each accepted payload after it is
	// stored. Calls may overlap when requests do.
	OnPayload func(Payload)
}

// Sink is an http.Handler that receives webhook notifications and keeps
// them for inspection. It is safe for concurrent use.
type Sink struct {
	opts Options

	mu         sync.Mutex
	payloads   []Payload          // the kept payloads, oldest first
	seq        int                // payloads accepted since New
	errs       []error            // rejected requests since New or Reset
	requests   int                // requests served, whatever the answer
	failN      int                // the next failN requests are answered failStatus
	failStatus int                //
	down       bool               // connections are dropped unanswered
	changed    chan struct{}      // closed and replaced on every change
	holdN      int                // the next holdN valid requests wait for Release
	held       int                // requests waiting now
	aborted    int                // held requests whose client went away
	release    chan struct{}      // closed by Release
	failWhen   func(Payload) bool // valid payloads it matches are refused
	failWhenSt int
}

// New returns a Sink; serve it with an http.Server or httptest.NewServer.
func New(opts Options) *Sink {
	return &Sink{opts: opts, changed: make(chan struct{}), release: make(chan struct{})}
}

// Hold makes the next n valid requests wait, read but unanswered, until
// Release, as a receiver that is slow to answer: a notification stays in
// flight. A held request whose client goes away meanwhile (it was killed)
// is not stored: its sender never learnt it was delivered, so it counts as
// not delivered (see Aborted).
func (s *Sink) Hold(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holdN = n
}

// Held counts the requests waiting for Release now.
func (s *Sink) Held() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.held
}

// Aborted counts the held requests whose client went away before Release.
func (s *Sink) Aborted() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.aborted
}

// Release answers the held requests (storing their payloads) and stops
// holding.
func (s *Sink) Release() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.holdN = 0
	close(s.release)
	s.release = make(chan struct{})
}

// hold waits, for a held request, until Release or the client goes away;
// it reports whether to answer.
func (s *Sink) hold(r *http.Request) bool {
	s.mu.Lock()
	if s.holdN == 0 {
		s.mu.Unlock()
		return true
	}
	s.holdN--
	s.held++
	release := s.release
	s.notify()
	s.mu.Unlock()
	answer := true
	select {
	case <-release:
	case <-r.Context().Done():
		answer = false
	}
	s.mu.Lock()
	s.held--
	if !answer {
		s.aborted++
	}
	s.notify()
	s.mu.Unlock()
	return answer
}

// Fail makes the next n requests fail with the HTTP status (503 if status
// is 0), without storing their payloads, as a receiver that answers errors
// would. Fail(0, 0) cancels what is left of an earlier call.
func (s *Sink) Fail(n, status int) {
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failN, s.failStatus = n, status
}

// FailWhen makes every valid request whose payload pred matches fail with
// the HTTP status (503 if status is 0), without storing it, until called
// with a nil pred: a receiver that refuses one alert group's messages (a
// payload it chokes on, a channel that was archived) and takes the others.
func (s *Sink) FailWhen(pred func(Payload) bool, status int) {
	if status == 0 {
		status = http.StatusServiceUnavailable
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failWhen, s.failWhenSt = pred, status
}

// SetDown makes the sink drop every connection unanswered until called with
// false, as a receiver that is unreachable would. A client sees a
// connection reset or EOF.
func (s *Sink) SetDown(down bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.down = down
}

// Payloads returns the kept payloads, oldest first. They share their maps
// and slices with the sink: read them, don't modify them.
func (s *Sink) Payloads() []Payload {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.payloads)
}

// Requests counts every request served, including failed, dropped and
// rejected ones: the delivery attempts a sender made.
func (s *Sink) Requests() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests
}

// Errors returns why requests were rejected as malformed.
func (s *Sink) Errors() []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.errs)
}

// Reset forgets the kept payloads and errors, so that a later WaitFor sees
// only what arrives after it.
func (s *Sink) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.payloads = nil
	s.errs = nil
}

// WaitFor returns the first kept payload, oldest first, for which pred is
// true, waiting for new ones until ctx ends. pred runs without the sink's
// lock held.
func (s *Sink) WaitFor(ctx context.Context, pred func(Payload) bool) (Payload, error) {
	next := 0
	for {
		s.mu.Lock()
		first := s.seq - len(s.payloads)
		start := max(next, first)
		batch := slices.Clone(s.payloads[start-first:])
		next = s.seq
		kept, errs, ch := len(s.payloads), len(s.errs), s.changed
		var lastErr error
		if errs > 0 {
			lastErr = s.errs[errs-1]
		}
		s.mu.Unlock()

		for _, p := range batch {
			if pred(p) {
				return p, nil
			}
		}
		select {
		case <-ch:
		case <-ctx.Done():
			err := fmt.Errorf("webhooksink: no matching payload among %d kept: %w", kept, ctx.Err())
			if lastErr != nil {
				err = fmt.Errorf("%w (%d rejected, last: %v)", err, errs, lastErr)
			}
			return Payload{}, err
		}
	}
}

// ServeHTTP accepts a POSTed webhook payload, answering 200 when it is
// stored.
func (s *Sink) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	down := s.down
	failStatus := 0
	if !down && s.failN > 0 {
		s.failN--
		failStatus = s.failStatus
	}
	s.mu.Unlock()

	switch {
	case down:
		dropConn(w)
		return
	case failStatus != 0:
		_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, maxBodyBytes))
		http.Error(w, "webhooksink: failing on purpose", failStatus)
		return
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "webhooksink: POST a webhook payload", http.StatusMethodNotAllowed)
		return
	}

	p, err := s.decode(w, r)
	if err != nil {
		s.reject(err)
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	failWhen, failWhenSt := s.failWhen, s.failWhenSt
	s.mu.Unlock()
	if failWhen != nil && failWhen(p) {
		http.Error(w, "webhooksink: failing this payload on purpose", failWhenSt)
		return
	}
	// Held after the body was read, so that the server notices when the
	// client goes away.
	if !s.hold(r) {
		return
	}
	s.store(p)
	if s.opts.OnPayload != nil {
		s.opts.OnPayload(p)
	}
	w.WriteHeader(http.StatusOK)
}

func (s *Sink) decode(w http.ResponseWriter, r *http.Request) (Payload, error) {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if !s.opts.Lenient {
		dec.DisallowUnknownFields()
	}
	var p Payload
	if err := dec.Decode(&p); err != nil {
		return Payload{}, fmt.Errorf("decoding payload: %w", err)
	}
	if dec.More() {
		return Payload{}, errors.New("decoding payload: data after the JSON object")
	}
	if !s.opts.Lenient {
		if err := p.Validate(); err != nil {
			return Payload{}, fmt.Errorf("invalid payload: %w", err)
		}
	}
	p.Header = r.Header.Clone()
	p.ReceivedAt = time.Now()
	return p, nil
}

func (s *Sink) store(p Payload) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.payloads = append(s.payloads, p)
	s.seq++
	if n := s.opts.MaxPayloads; n > 0 && len(s.payloads) > n {
		s.payloads = slices.Delete(s.payloads, 0, len(s.payloads)-n)
	}
	s.notify()
}

func (s *Sink) reject(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.errs = append(s.errs, err)
	s.notify()
}

// notify wakes the WaitFor calls; s.mu must be held.
func (s *Sink) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// dropConn closes the connection without an answer; where the server does
// not allow that (HTTP/2), it answers 503.
func dropConn(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	http.Error(w, "webhooksink: down", http.StatusServiceUnavailable)
}
