package promtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"
)

// pollInterval is how often readiness waits poll.
const pollInterval = 100 * time.Millisecond

// errExited reports that a process exited while it was being waited for.
var errExited = errors.New("process exited")

// newClient returns the HTTP client used against test processes: loopback
// only, so a short timeout is plenty.
func newClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second}
}

// WaitHTTP waits until GET url answers 200 OK, e.g. a /-/ready endpoint,
// failing the test after timeout or as soon as the process exits. Call it
// from the test's goroutine.
func (p *Proc) WaitHTTP(t testing.TB, url string, timeout time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := waitHTTP(ctx, newClient(), url, p.done); err != nil {
		if errors.Is(err, errExited) {
			err = fmt.Errorf("%w (%v)", err, p.err)
		}
		t.Fatalf("promtest: waiting for %s to answer %s: %v", p.name, url, err)
	}
}

// waitHTTP polls url until it answers 200, ctx ends or done is closed.
func waitHTTP(ctx context.Context, client *http.Client, url string, done <-chan struct{}) error {
	tick := time.NewTicker(pollInterval)
	defer tick.Stop()
	var last error
	for {
		last = getOK(ctx, client, url)
		if last == nil {
			return nil
		}
		select {
		case <-done:
			return errExited
		case <-ctx.Done():
			return fmt.Errorf("%w (last attempt: %v)", ctx.Err(), last)
		case <-tick.C:
		}
	}
}

func getOK(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %s", resp.Status)
	}
	return nil
}
