package notifiers

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	b := backoff{initial: 500 * time.Millisecond, max: 30 * time.Second}
	want := []time.Duration{500 * time.Millisecond, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 16 * time.Second, 30 * time.Second, 30 * time.Second}
	for range 100 { // Jitter is random: try it often.
		b.reset()
		for i, w := range want {
			if got := b.next(); got < w/2 || got > w {
				t.Fatalf("wait %d: %v, want within [%v, %v]", i, got, w/2, w)
			}
		}
	}
	for range 200 { // Many failures neither overflow nor pass max.
		if got := b.next(); got > b.max || got < b.max/2 {
			t.Fatalf("after many failures: %v", got)
		}
	}
	huge := backoff{initial: time.Second, max: time.Duration(1<<63 - 1)}
	for range 100 {
		if got := huge.next(); got <= 0 {
			t.Fatalf("overflow: %v", got)
		}
	}
}
