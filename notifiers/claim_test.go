package notifiers

import (
	"context"
	"testing"
	"testing/synctest"
	"time"

	"github.com/alerter/alerter/state"
)

// TestSenderClaimsBeforeSending: a sender whose replica lost its
// leadership sends nothing more, and a notification another replica
// delivered meanwhile is skipped, not sent twice.
func TestSenderClaimsBeforeSending(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		fake := &senderFake{}
		var e *senderEnv
		var term int64
		e = newSenderEnv(t, fake, func(o *SenderOptions) {
			o.Claim = func(ctx context.Context, n *state.Notification) error {
				m, err := DecodeMessage(n.Message)
				if err != nil {
					return err
				}
				if m.GroupLabels["msg"] == "m3" {
					// Another replica delivered it a moment ago.
					if err := e.store.CompleteNotification(ctx, n, time.Now(), nil); err != nil {
						return err
					}
				}
				return e.store.Fenced(term).ClaimNotification(ctx, n)
			}
		})
		l, err := e.store.AcquireLease(ctx, "me", time.Hour)
		if err != nil || !l.Held {
			t.Fatal(l, err)
		}
		term = l.Epoch
		e.queue(time.Now(), "g1:m1", "g2:m2", "g1:m3", "g2:m4")
		e.run()
		synctest.Wait()
		if got, want := attemptIDs(fake.snapshot()), "m1 m2 m4"; got != want {
			t.Fatalf("attempts %q, want %q (m3 was delivered elsewhere)", got, want)
		}

		// Another replica takes over; this one's sender must stop sending.
		if err := e.store.ReleaseLease(ctx, "me", term); err != nil {
			t.Fatal(err)
		}
		if l, err := e.store.AcquireLease(ctx, "other", time.Hour); err != nil || !l.Held {
			t.Fatal(l, err)
		}
		e.queue(time.Now(), "g1:m5")
		synctest.Wait()
		time.Sleep(time.Minute) // several back-offs pass
		synctest.Wait()
		if got, want := attemptIDs(fake.snapshot()), "m1 m2 m4"; got != want {
			t.Fatalf("attempts %q after losing the lease, want %q", got, want)
		}
		if e.pending() != 1 {
			t.Fatalf("%d pending, want m5 left for the new leader", e.pending())
		}
		e.wantCounts(3, 0, 0, 0)
	})
}
