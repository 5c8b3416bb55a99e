package replay

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
)

// timelineHeader is the first row of the timeline CSV.
var timelineHeader = []string{"run", "time", "group", "alert", "labels", "event", "value"}

// timelineWriter streams every alert transition as one CSV row: run (the
// rule files), time (RFC 3339), group, alert, labels ({k="v", …}, without
// alertname), event (pending, pending_cancelled, firing, resolved,
// severity_raised) and the query's value then. Nothing is kept in memory.
type timelineWriter struct {
	w   *csv.Writer
	err error
}

func newTimelineWriter(w io.Writer) *timelineWriter {
	t := &timelineWriter{w: csv.NewWriter(w)}
	t.err = t.w.Write(timelineHeader)
	return t
}

func (t *timelineWriter) write(run string, ts time.Time, ra *ruleAcc, ls model.LabelSet, event string, value float64) {
	if t == nil || t.err != nil {
		return
	}
	var b strings.Builder
	if len(ls) > 0 {
		c := ls.Clone()
		delete(c, model.AlertNameLabel)
		b.WriteString(c.String())
	}
	v := ""
	if event != "pending_cancelled" {
		v = strconv.FormatFloat(value, 'g', -1, 64)
	}
	t.err = t.w.Write([]string{run, ts.UTC().Format(time.RFC3339Nano), ra.rep.Group, ra.rep.Alert, b.String(), event, v})
}

// flush writes out what is buffered and returns the first error.
func (t *timelineWriter) flush() error {
	if t == nil {
		return nil
	}
	t.w.Flush()
	if t.err == nil {
		t.err = t.w.Error()
	}
	return t.err
}
