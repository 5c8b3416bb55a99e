package sqlite

import (
	"testing"

	"github.com/alerter/alerter/state/storetest"
)

// TestContract runs the contract every state store keeps.
func TestContract(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		NewDB: func(t *testing.T) string { return t.TempDir() },
		Open:  func(t *testing.T, dir string) storetest.Store { return openTest(t, dir) },
		Fence: func(s storetest.Store, epoch int64) storetest.Fenced { return s.(*Store).Fenced(epoch) },
	})
}
