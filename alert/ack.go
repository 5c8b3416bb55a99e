package alert

import "time"

// Ack is an acknowledgement of a firing alert: someone said they are on
// it. While it holds, the alert stops repeating and escalating; receivers
// are told who acknowledged it. It ends when the alert resolves, when the
// alert's severity rises, or at ExpiresAt.
type Ack struct {
	// ID names the acknowledgement in the API (one ID may cover several
	// alerts acknowledged together).
	ID string `json:"id"`
	// By is who acknowledged, as they gave it.
	By      string    `json:"by"`
	Comment string    `json:"comment,omitempty"`
	At      time.Time `json:"at"`
	// ExpiresAt is when the acknowledgement lapses; zero means it lasts
	// until the alert resolves or its severity rises.
	ExpiresAt time.Time `json:"expires_at,omitzero"`
}
