package sqlite

import (
	"context"
	"fmt"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state"
	"github.com/alerter/alerter/state/internal/codec"
)

const (
	alertColumns = `rule_id, fp, labels, annotations, state, value_bits, generator_url,
		active_at, fired_at, resolved_at, keep_firing_since, last_eval_at, severity_raised_at, ends_at, flap`

	upsertAlertSQL = `INSERT INTO alerts (` + alertColumns + `)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (rule_id, fp) DO UPDATE SET
			labels = excluded.labels,
			annotations = excluded.annotations,
			state = excluded.state,
			value_bits = excluded.value_bits,
			generator_url = excluded.generator_url,
			active_at = excluded.active_at,
			fired_at = excluded.fired_at,
			resolved_at = excluded.resolved_at,
			keep_firing_since = excluded.keep_firing_since,
			last_eval_at = excluded.last_eval_at,
			severity_raised_at = excluded.severity_raised_at,
			ends_at = excluded.ends_at,
			flap = excluded.flap`

	deleteAlertSQL = `DELETE FROM alerts WHERE rule_id = ? AND fp = ?`

	loadAlertsSQL = `SELECT ` + alertColumns + ` FROM alerts ORDER BY rule_id, fp`

	upsertMarkSQL = `INSERT INTO group_marks (grp, last_eval_at) VALUES (?, ?)
		ON CONFLICT (grp) DO UPDATE SET last_eval_at = excluded.last_eval_at`

	loadMarksSQL = `SELECT grp, last_eval_at FROM group_marks ORDER BY grp`
)

// alertArgs returns a's bind arguments in alertColumns order.
func alertArgs(a *alert.Alert) ([]any, error) {
	labels, err := codec.EncodeLabels(a.Labels)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	annotations, err := codec.EncodeLabels(a.Annotations)
	if err != nil {
		return nil, fmt.Errorf("annotations: %w", err)
	}
	ts, err := codec.EncodeAlertTimes(a)
	if err != nil {
		return nil, err
	}
	flap, err := codec.EncodeFlap(a.Flap)
	if err != nil {
		return nil, fmt.Errorf("flap history: %w", err)
	}
	return []any{
		a.Key.RuleID, codec.EncodeFingerprint(a.Key.ID), labels, annotations,
		int64(a.State), codec.EncodeValue(a.Value), a.GeneratorURL,
		ts[0], ts[1], ts[2], ts[3], ts[4], ts[5], ts[6], flap,
	}, nil
}

// LoadAlerts returns every stored alert, ordered by rule and fingerprint.
func (s *Store) LoadAlerts(ctx context.Context) ([]*alert.Alert, error) {
	rows, err := s.db.QueryContext(ctx, loadAlertsSQL)
	if err != nil {
		return nil, fmt.Errorf("sqlite state: loading alerts: %w", err)
	}
	defer rows.Close()
	var out []*alert.Alert
	for rows.Next() {
		var (
			a                   alert.Alert
			fp, st, value       int64
			labels, annotations []byte
			flap                []byte
			ts                  [7]int64
		)
		if err := rows.Scan(&a.Key.RuleID, &fp, &labels, &annotations, &st, &value, &a.GeneratorURL,
			&ts[0], &ts[1], &ts[2], &ts[3], &ts[4], &ts[5], &ts[6], &flap); err != nil {
			return nil, fmt.Errorf("sqlite state: loading alerts: %w", err)
		}
		a.Key.ID = codec.DecodeFingerprint(fp)
		if a.Labels, err = codec.DecodeLabels(labels); err != nil {
			return nil, fmt.Errorf("sqlite state: alert %s/%s: labels: %w", a.Key.RuleID, a.Key.ID, err)
		}
		if a.Annotations, err = codec.DecodeLabels(annotations); err != nil {
			return nil, fmt.Errorf("sqlite state: alert %s/%s: annotations: %w", a.Key.RuleID, a.Key.ID, err)
		}
		if a.State, err = codec.DecodeState(st); err != nil {
			return nil, fmt.Errorf("sqlite state: alert %s/%s: %w", a.Key.RuleID, a.Key.ID, err)
		}
		a.Value = codec.DecodeValue(value)
		codec.DecodeAlertTimes(&a, ts)
		if a.Flap, err = codec.DecodeFlap(flap); err != nil {
			return nil, fmt.Errorf("sqlite state: alert %s/%s: flap history: %w", a.Key.RuleID, a.Key.ID, err)
		}
		out = append(out, &a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite state: loading alerts: %w", err)
	}
	return out, nil
}

// LoadGroupMarks returns every group's last evaluation, ordered by group.
func (s *Store) LoadGroupMarks(ctx context.Context) ([]state.GroupMark, error) {
	rows, err := s.db.QueryContext(ctx, loadMarksSQL)
	if err != nil {
		return nil, fmt.Errorf("sqlite state: loading group marks: %w", err)
	}
	defer rows.Close()
	var out []state.GroupMark
	for rows.Next() {
		var (
			m  state.GroupMark
			ts int64
		)
		if err := rows.Scan(&m.Group, &ts); err != nil {
			return nil, fmt.Errorf("sqlite state: loading group marks: %w", err)
		}
		m.LastEvalAt = codec.DecodeTime(ts)
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("sqlite state: loading group marks: %w", err)
	}
	return out, nil
}
