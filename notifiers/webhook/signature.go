package webhook

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Header names, prefix and default tolerance of request signing (see the
// package documentation for the scheme).
const (
	// TimestampHeader carries the signing time in Unix seconds.
	TimestampHeader = "X-Alerter-Timestamp"
	// SignaturePrefix starts the signature header's value.
	SignaturePrefix = "sha256="
	// DefaultTolerance is the clock difference Verify accepts.
	DefaultTolerance = 5 * time.Minute
)

// ErrBadSignature is returned by Verify for a missing or wrong signature
// or timestamp, and for a timestamp outside the tolerance.
var ErrBadSignature = errors.New("webhook: bad signature")

// sign returns the signature header's value for body signed at ts.
func sign(secret []byte, ts string, body []byte) string {
	mac := hmac.New(sha256.New, secret)
	mac.Write([]byte(ts))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return SignaturePrefix + hex.EncodeToString(mac.Sum(nil))
}

// Verify checks a signed request as a receiver should: timestamp is the
// X-Alerter-Timestamp header, signature the signature header, body the
// raw request body. It fails with ErrBadSignature when the signature does
// not match or the timestamp is further than tolerance (0:
// DefaultTolerance) from now. It does not remember signatures; see the
// package's signing notes for replays within the tolerance.
func Verify(secret []byte, timestamp, signature string, body []byte, now time.Time, tolerance time.Duration) error {
	if tolerance <= 0 {
		tolerance = DefaultTolerance
	}
	secs, err := strconv.ParseInt(timestamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: timestamp %q is not Unix seconds", ErrBadSignature, timestamp)
	}
	if d := now.Sub(time.Unix(secs, 0)).Abs(); d > tolerance {
		return fmt.Errorf("%w: timestamp is %s away from now, more than %s", ErrBadSignature, d, tolerance)
	}
	if !strings.HasPrefix(signature, SignaturePrefix) {
		return fmt.Errorf("%w: signature does not start with %q", ErrBadSignature, SignaturePrefix)
	}
	if !hmac.Equal([]byte(signature), []byte(sign(secret, timestamp, body))) {
		return fmt.Errorf("%w: signature does not match the body", ErrBadSignature)
	}
	return nil
}
