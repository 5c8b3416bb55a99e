package amapi

import "github.com/alerter/alerter/silence"

// The real store satisfies the interface the API declares.
var _ Silences = (*silence.Silences)(nil)
