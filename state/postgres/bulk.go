package postgres

import (
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/alerter/alerter/alert"
	"github.com/alerter/alerter/state/internal/codec"
)

// Large batches (a storm's thousands of new alerts and their events) are
// sent as a few statements over arrays, one row per array element
// (unnest), instead of one statement per row: the server parses, plans and
// executes each statement once per chunk, and the pipeline carries a few
// messages instead of hundreds of thousands.

// bulkMin is the smallest batch written through the array statements;
// smaller ones keep the one-statement-per-row form, which is as fast for
// them and keeps their plans simple.
const bulkMin = 64

// bulkRows bounds the rows of one array statement (its message size).
const bulkRows = 5000

// upsertAlertsSQL is upsertAlertSQL over arrays: its columns and ON
// CONFLICT clause, with one array parameter per column typed after the
// column's argument in alertArgs, so that the two cannot disagree.
var upsertAlertsSQL = func() string {
	args, err := alertArgs(&alert.Alert{})
	if err != nil {
		panic(err)
	}
	var params []string
	for i, a := range args {
		params = append(params, fmt.Sprintf("$%d::%s[]", i+1, sqlType(a)))
	}
	i := strings.Index(upsertAlertSQL, "VALUES (")
	j := i + strings.IndexByte(upsertAlertSQL[i:], ')') + 1
	return upsertAlertSQL[:i] + "SELECT * FROM unnest(" + strings.Join(params, ", ") + ")" + upsertAlertSQL[j:]
}()

// alertArity is the number of alertColumns (and of alertArgs' arguments).
var alertArity = strings.Count(alertColumns, ",") + 1

// sqlType names the PostgreSQL type of an alertArgs argument.
func sqlType(v any) string {
	switch v.(type) {
	case string:
		return "text"
	case int16:
		return "smallint"
	case int64:
		return "bigint"
	}
	panic(fmt.Sprintf("postgres state: no array type for %T", v))
}

const (
	deleteAlertsSQL = `DELETE FROM alerts WHERE (rule_id, fp) IN (SELECT * FROM unnest($1::text[], $2::bigint[]))`

	// The rows are inserted in the arrays' order, each taking the next
	// value of the id sequence; RETURNING may list them in any order, so
	// the ids are sorted before they are handed back.
	insertEventsSQL = `INSERT INTO outbox (kind, at, prev_severity, alert, created_at)
		SELECT * FROM unnest($1::smallint[], $2::bigint[], $3::text[], $4::text[], $5::bigint[]) RETURNING id`
)

// queueUpserts queues the alerts' upserts: row by row for a small batch,
// over arrays for a large one. An alert listed twice is written once, as
// its last listing (what row-by-row upserts would leave): one statement
// may not update a row twice.
func queueUpserts(b *pgx.Batch, as []*alert.Alert, bulkMin int) error {
	if len(as) < bulkMin {
		for _, a := range as {
			args, err := alertArgs(a)
			if err != nil {
				return fmt.Errorf("alert %s/%s: %w", a.Key.RuleID, a.Key.ID, err)
			}
			b.Queue(upsertAlertSQL, args...)
		}
		return nil
	}
	last := make(map[alert.Key]int, len(as))
	for i, a := range as {
		last[a.Key] = i
	}
	for start := 0; start < len(as); start += bulkRows {
		chunk := as[start:min(start+bulkRows, len(as))]
		cols := make([][]any, alertArity)
		for i := range cols {
			cols[i] = make([]any, 0, len(chunk))
		}
		for i, a := range chunk {
			if last[a.Key] != start+i {
				continue // listed again later
			}
			args, err := alertArgs(a)
			if err != nil {
				return fmt.Errorf("alert %s/%s: %w", a.Key.RuleID, a.Key.ID, err)
			}
			for c := range cols {
				cols[c] = append(cols[c], args[c])
			}
		}
		if len(cols[0]) == 0 {
			continue // every alert of the chunk is listed again later
		}
		b.Queue(upsertAlertsSQL, typedColumns(cols)...)
	}
	return nil
}

// typedColumns turns the columns of alertArgs into typed slices for the
// array parameters of upsertAlertsSQL.
func typedColumns(cols [][]any) []any {
	out := make([]any, len(cols))
	for c, col := range cols {
		switch col[0].(type) {
		case string:
			out[c] = convert[string](col)
		case int16:
			out[c] = convert[int16](col)
		default:
			out[c] = convert[int64](col)
		}
	}
	return out
}

func convert[T any](col []any) []T {
	out := make([]T, len(col))
	for i, v := range col {
		out[i] = v.(T)
	}
	return out
}

// queueDeletes queues the deletes: row by row for a few, over arrays for
// many.
func queueDeletes(b *pgx.Batch, keys []alert.Key, bulkMin int) {
	if len(keys) < bulkMin {
		for _, k := range keys {
			b.Queue(deleteAlertSQL, k.RuleID, codec.EncodeFingerprint(k.ID))
		}
		return
	}
	for start := 0; start < len(keys); start += bulkRows {
		chunk := keys[start:min(start+bulkRows, len(keys))]
		rules, fps := make([]string, len(chunk)), make([]int64, len(chunk))
		for i, k := range chunk {
			rules[i], fps[i] = k.RuleID, codec.EncodeFingerprint(k.ID)
		}
		b.Queue(deleteAlertsSQL, rules, fps)
	}
}

// queueEvents queues the events' inserts and fills ids, one slot per
// event, in the events' order once the batch has run.
func queueEvents(b *pgx.Batch, evs []*alert.Event, created int64, ids []int64, bulkMin int) error {
	type row struct {
		kind      int16
		at        int64
		prev, snp string
	}
	rows := make([]row, len(evs))
	for i, e := range evs {
		at, err := codec.EncodeTime(e.At)
		if err != nil {
			return fmt.Errorf("event %d: %w", i, err)
		}
		snap, err := codec.EncodeSnapshot(&e.Alert)
		if err != nil {
			return fmt.Errorf("event %d: alert: %w", i, err)
		}
		rows[i] = row{int16(e.Kind), at, e.PrevSeverity, snap}
	}
	if len(evs) < bulkMin {
		for i, r := range rows {
			b.Queue(insertEventSQL, r.kind, r.at, r.prev, r.snp, created).QueryRow(func(row pgx.Row) error {
				return row.Scan(&ids[i])
			})
		}
		return nil
	}
	for start := 0; start < len(rows); start += bulkRows {
		chunk := rows[start:min(start+bulkRows, len(rows))]
		kinds, ats, prevs, snaps, createds := make([]int16, len(chunk)), make([]int64, len(chunk)), make([]string, len(chunk)),
			make([]string, len(chunk)), make([]int64, len(chunk))
		for i, r := range chunk {
			kinds[i], ats[i], prevs[i], snaps[i], createds[i] = r.kind, r.at, r.prev, r.snp, created
		}
		out := ids[start : start+len(chunk)]
		b.Queue(insertEventsSQL, kinds, ats, prevs, snaps, createds).Query(func(rs pgx.Rows) error {
			n := 0
			for rs.Next() {
				if n == len(out) {
					return fmt.Errorf("more ids returned than the %d events inserted", len(out))
				}
				if err := rs.Scan(&out[n]); err != nil {
					return err
				}
				n++
			}
			if err := rs.Err(); err != nil {
				return err
			}
			if n != len(out) {
				return fmt.Errorf("%d ids returned for %d events", n, len(out))
			}
			slices.Sort(out)
			return nil
		})
	}
	return nil
}
