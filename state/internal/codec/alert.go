// Package codec is how the state stores (state/sqlite, state/postgres) encode
// what they keep, so that both store the same values the same way: times as
// Unix nanoseconds, alert values as their IEEE-754 bits, label sets and
// outbox snapshots as JSON, silences, acknowledgements and maintenance
// windows as JSON records.
package codec

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/alert"
)

// EncodeTime returns t as Unix nanoseconds, 0 for the zero time. Times that
// would not decode to an equal instant are refused rather than stored wrong:
// those outside 1677-09-21..2262-04-11, and the Unix epoch itself, whose 0 is
// taken by the zero time.
func EncodeTime(t time.Time) (int64, error) {
	if t.IsZero() {
		return 0, nil
	}
	minTime, maxTime := time.Unix(0, math.MinInt64), time.Unix(0, math.MaxInt64)
	if t.Before(minTime) || t.After(maxTime) {
		return 0, fmt.Errorf("time %s is outside the storable range %s..%s", t, minTime.UTC(), maxTime.UTC())
	}
	n := t.UnixNano()
	if n == 0 {
		return 0, fmt.Errorf("time %s is the Unix epoch, which is reserved for the zero time", t)
	}
	return n, nil
}

// EncodeTimeClamped is EncodeTime for columns that only order and bound
// rows (silences.ends_at): a time after 2262-04-11, the last instant Unix
// nanoseconds in an int64 can hold, is stored as that instant
// (math.MaxInt64), and one before 1677-09-21 as math.MinInt64. The row's
// JSON keeps the exact time; a silence that ends in the year 3000 is, for a
// query on ends_at, one that has not ended yet, which is all the column is
// for.
func EncodeTimeClamped(t time.Time) (int64, error) {
	switch {
	case t.IsZero():
		return 0, nil
	case t.After(time.Unix(0, math.MaxInt64)):
		return math.MaxInt64, nil
	case t.Before(time.Unix(0, math.MinInt64)):
		return math.MinInt64, nil
	}
	return EncodeTime(t)
}

// DecodeTime is the inverse of EncodeTime; instants come back in UTC.
func DecodeTime(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// EncodeValue returns v's IEEE-754 bits, so that NaN (with its payload),
// ±Inf and -0 survive every store (SQLite turns a NaN REAL into NULL).
func EncodeValue(v float64) int64 { return int64(math.Float64bits(v)) }

// DecodeValue is the inverse of EncodeValue.
func DecodeValue(n int64) float64 { return math.Float64frombits(uint64(n)) }

// EncodeFingerprint stores the uint64 fingerprint's bits in a signed 64-bit
// column (SQLite's INTEGER, PostgreSQL's bigint).
func EncodeFingerprint(fp model.Fingerprint) int64 { return int64(fp) }

// DecodeFingerprint is the inverse of EncodeFingerprint.
func DecodeFingerprint(n int64) model.Fingerprint { return model.Fingerprint(uint64(n)) }

// labelMap has LabelSet's layout without its UnmarshalJSON, which validates
// names: what was stored must load again whatever the validation scheme.
type labelMap = map[model.LabelName]model.LabelValue

// EncodeLabels returns ls as a JSON object; a nil set is "null", so nil and
// empty sets stay distinct. Invalid UTF-8 (which Prometheus never returns)
// is stored as U+FFFD, as encoding/json does, rather than failing the batch.
func EncodeLabels(ls model.LabelSet) (string, error) {
	return string(appendLabels(make([]byte, 0, 64*len(ls)+2), ls)), nil
}

// DecodeLabels is the inverse of EncodeLabels.
func DecodeLabels(b []byte) (model.LabelSet, error) {
	var m labelMap
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return model.LabelSet(m), nil
}

// DecodeState converts the stored state, refusing values alert.State cannot
// hold instead of wrapping them.
func DecodeState(n int64) (alert.State, error) {
	if n < 0 || n > math.MaxUint8 {
		return 0, fmt.Errorf("state %d out of range", n)
	}
	return alert.State(n), nil
}

// alertSnapshot is the outbox's JSON form of an alert. It is a format of its
// own, not alert.Alert's default encoding, so that a field added to
// alert.Alert cannot silently change what old rows decode to. The value is
// strconv's shortest round-tripping text ("NaN", "+Inf", "-0" included)
// because JSON numbers cannot hold NaN or infinities; times are Unix
// nanoseconds as in the tables.
type alertSnapshot struct {
	RuleID           string   `json:"rule_id"`
	Fingerprint      string   `json:"fp"`
	Labels           labelObj `json:"labels"`
	Annotations      labelObj `json:"annotations"`
	State            uint8    `json:"state"`
	Value            string   `json:"value"`
	GeneratorURL     string   `json:"generator_url"`
	ActiveAt         int64    `json:"active_at"`
	FiredAt          int64    `json:"fired_at"`
	ResolvedAt       int64    `json:"resolved_at"`
	KeepFiringSince  int64    `json:"keep_firing_since"`
	LastEvalAt       int64    `json:"last_eval_at"`
	SeverityRaisedAt int64    `json:"severity_raised_at"`
	EndsAt           int64    `json:"ends_at,omitempty"`
	// Flap is the alert's flap history (added with flap detection).
	Flap *flapRecord `json:"flap,omitempty"`
}

// alertTimes lists an alert's times in one fixed order, shared by the
// snapshot and the alerts table so neither can forget one.
func alertTimes(a *alert.Alert) [7]*time.Time {
	return [7]*time.Time{
		&a.ActiveAt, &a.FiredAt, &a.ResolvedAt,
		&a.KeepFiringSince, &a.LastEvalAt, &a.SeverityRaisedAt, &a.EndsAt,
	}
}

// EncodeAlertTimes encodes alertTimes(a) in order.
func EncodeAlertTimes(a *alert.Alert) ([7]int64, error) {
	var out [7]int64
	for i, t := range alertTimes(a) {
		n, err := EncodeTime(*t)
		if err != nil {
			return out, err
		}
		out[i] = n
	}
	return out, nil
}

// DecodeAlertTimes sets a's times from EncodeAlertTimes' output.
func DecodeAlertTimes(a *alert.Alert, ns [7]int64) {
	for i, t := range alertTimes(a) {
		*t = DecodeTime(ns[i])
	}
}

// EncodeSnapshot returns the outbox's JSON for a.
func EncodeSnapshot(a *alert.Alert) (string, error) {
	ts, err := EncodeAlertTimes(a)
	if err != nil {
		return "", err
	}
	flap, err := toFlapRecord(a.Flap)
	if err != nil {
		return "", fmt.Errorf("flap history: %w", err)
	}
	b, err := json.Marshal(alertSnapshot{
		RuleID:           a.Key.RuleID,
		Fingerprint:      a.Key.ID.String(),
		Labels:           labelObj(a.Labels),
		Annotations:      labelObj(a.Annotations),
		State:            uint8(a.State),
		Value:            strconv.FormatFloat(a.Value, 'g', -1, 64),
		GeneratorURL:     a.GeneratorURL,
		ActiveAt:         ts[0],
		FiredAt:          ts[1],
		ResolvedAt:       ts[2],
		KeepFiringSince:  ts[3],
		LastEvalAt:       ts[4],
		SeverityRaisedAt: ts[5],
		EndsAt:           ts[6],
		Flap:             flap,
	})
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// DecodeSnapshot is the inverse of EncodeSnapshot.
func DecodeSnapshot(b []byte) (alert.Alert, error) {
	var s alertSnapshot
	if err := json.Unmarshal(b, &s); err != nil {
		return alert.Alert{}, err
	}
	fp, err := model.ParseFingerprint(s.Fingerprint)
	if err != nil {
		return alert.Alert{}, fmt.Errorf("fingerprint: %w", err)
	}
	v, err := strconv.ParseFloat(s.Value, 64)
	if err != nil {
		return alert.Alert{}, fmt.Errorf("value: %w", err)
	}
	a := alert.Alert{
		Key:          alert.Key{RuleID: s.RuleID, ID: fp},
		Labels:       model.LabelSet(s.Labels),
		Annotations:  model.LabelSet(s.Annotations),
		State:        alert.State(s.State),
		Value:        v,
		GeneratorURL: s.GeneratorURL,
		Flap:         fromFlapRecord(s.Flap),
	}
	DecodeAlertTimes(&a, [7]int64{
		s.ActiveAt, s.FiredAt, s.ResolvedAt,
		s.KeepFiringSince, s.LastEvalAt, s.SeverityRaisedAt, s.EndsAt,
	})
	return a, nil
}
