package replay

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"maps"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/alerter/alerter/evaluator"
	"github.com/alerter/alerter/rules"
)

// PlotOptions ask for an SVG plot of one rule: its query's series over the
// range (for a comparison with a constant, the compared expression), its
// thresholds, and the times it was pending or firing shaded.
type PlotOptions struct {
	// Rule is "group/alert" or an alert name (the first rule with it).
	Rule string
	Out  io.Writer
}

func (p *PlotOptions) matches(group, alertName string) bool {
	return p.Rule == alertName || p.Rule == group+"/"+alertName
}

// The plot's size and limits. Each series keeps a min and a max per
// column, whatever the range: memory is fixed.
const (
	plotWidth     = 1200
	plotHeight    = 460
	plotLeft      = 70
	plotRight     = 20
	plotTop       = 30
	plotBottom    = 100
	plotColumns   = plotWidth - plotLeft - plotRight
	maxPlotSeries = 10
)

var plotColors = []string{"#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#ff7f0e", "#393b79"}

type threshold struct {
	value  float64
	label  string
	dashed bool
}

type plotSeries struct {
	label    string
	min, max []float64
}

type plotAcc struct {
	name, ruleID string
	query        string
	offset, step time.Duration
	from, to     time.Time
	thresholds   []threshold
	series       []*plotSeries
	index        map[string]*plotSeries
	omitted      map[string]bool
	firing       []bool
	pending      []bool
}

func newPlotAcc(o *PlotOptions, r *rules.Rule, g evaluator.DriverGroup, from, to time.Time, step time.Duration) *plotAcc {
	q, th := thresholdsOf(r)
	return &plotAcc{
		name: g.Group.Name + "/" + r.Alert, ruleID: r.ID, query: q, offset: g.QueryOffset, step: step,
		from: from, to: to, thresholds: th, index: map[string]*plotSeries{}, omitted: map[string]bool{},
		firing: make([]bool, plotColumns), pending: make([]bool, plotColumns),
	}
}

// column maps a time to its column, clamped.
func (p *plotAcc) column(t time.Time) int {
	c := int(float64(t.Sub(p.from)) / float64(p.to.Sub(p.from)) * plotColumns)
	return min(max(c, 0), plotColumns-1)
}

// addChunk takes in the plotted query's samples of one chunk.
func (p *plotAcc) addChunk(fs []*fetched) {
	for _, f := range fs {
		if f.key.query != p.query || f.key.step != p.step {
			continue
		}
		for i := range f.series {
			s := &f.series[i]
			label := labelString(s.labels)
			ps := p.index[label]
			if ps == nil {
				if len(p.series) >= maxPlotSeries {
					if len(p.omitted) < 1000 {
						p.omitted[label] = true
					}
					continue
				}
				ps = &plotSeries{label: label, min: nanSlice(), max: nanSlice()}
				p.series = append(p.series, ps)
				p.index[label] = ps
			}
			for j, mt := range s.times {
				v := s.values[j]
				if math.IsNaN(v) || math.IsInf(v, 0) {
					continue
				}
				c := p.column(mt.Time().Add(p.offset))
				if math.IsNaN(ps.min[c]) || v < ps.min[c] {
					ps.min[c] = v
				}
				if math.IsNaN(ps.max[c]) || v > ps.max[c] {
					ps.max[c] = v
				}
			}
		}
	}
}

// observe marks the columns from ts to the next evaluation.
func (p *plotAcc) observe(ts time.Time, firing, pending bool) {
	if !firing && !pending {
		return
	}
	for c := p.column(ts); c <= p.column(ts.Add(p.step-1)); c++ {
		if firing {
			p.firing[c] = true
		} else {
			p.pending[c] = true
		}
	}
}

func nanSlice() []float64 {
	s := make([]float64, plotColumns)
	for i := range s {
		s[i] = math.NaN()
	}
	return s
}

func labelString(ls []evaluator.Label) string {
	m := model.LabelSet{}
	for _, l := range ls {
		m[model.LabelName(l.Name)] = model.LabelValue(l.Value)
	}
	return m.String()
}

// render writes the SVG.
func (p *plotAcc) render(w io.Writer) error {
	bw := bufio.NewWriter(w)
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, s := range p.series {
		for c := range plotColumns {
			if !math.IsNaN(s.min[c]) {
				lo, hi = math.Min(lo, s.min[c]), math.Max(hi, s.max[c])
			}
		}
	}
	for _, t := range p.thresholds {
		lo, hi = math.Min(lo, t.value), math.Max(hi, t.value)
	}
	if math.IsInf(lo, 1) {
		lo, hi = 0, 1
	}
	if hi == lo {
		lo, hi = lo-1, hi+1
	}
	pad := (hi - lo) * 0.05
	lo, hi = lo-pad, hi+pad
	h := float64(plotHeight - plotTop - plotBottom)
	y := func(v float64) float64 { return plotTop + h - (v-lo)/(hi-lo)*h }

	fmt.Fprintf(bw, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		plotWidth, plotHeight, plotWidth, plotHeight)
	fmt.Fprintf(bw, `<rect width="%d" height="%d" fill="white"/>`+"\n", plotWidth, plotHeight)
	fmt.Fprintf(bw, `<text x="%d" y="18" font-size="14" font-weight="bold">%s</text>`+"\n", plotLeft, esc(p.name+": "+p.query))
	shade := func(cols []bool, color string) {
		for c := 0; c < plotColumns; {
			if !cols[c] {
				c++
				continue
			}
			start := c
			for c < plotColumns && cols[c] {
				c++
			}
			fmt.Fprintf(bw, `<rect x="%d" y="%d" width="%d" height="%.0f" fill="%s" fill-opacity="0.25"/>`+"\n", plotLeft+start, plotTop, c-start, h, color)
		}
	}
	shade(p.pending, "#ffbf00")
	shade(p.firing, "#d62728")
	// Axes and ticks.
	fmt.Fprintf(bw, `<rect x="%d" y="%d" width="%d" height="%.0f" fill="none" stroke="#444"/>`+"\n", plotLeft, plotTop, plotColumns, h)
	for i := 0; i <= 5; i++ {
		v := lo + (hi-lo)*float64(i)/5
		fmt.Fprintf(bw, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#ddd"/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			plotLeft, plotLeft+plotColumns, y(v), y(v), plotLeft-4, y(v)+4, esc(formatValue(v)))
	}
	for i := 0; i <= 6; i++ {
		t := p.from.Add(time.Duration(float64(p.to.Sub(p.from)) * float64(i) / 6))
		x := plotLeft + plotColumns*i/6
		anchor := "middle"
		switch i {
		case 0:
			anchor = "start"
		case 6:
			anchor = "end"
		}
		fmt.Fprintf(bw, `<line x1="%d" x2="%d" y1="%.0f" y2="%.0f" stroke="#444"/><text x="%d" y="%.0f" text-anchor="%s">%s</text>`+"\n",
			x, x, plotTop+h, plotTop+h+4, x, plotTop+h+16, anchor, esc(t.UTC().Format("01-02 15:04")))
	}
	// Series: a min-max band drawn as one polyline per series, broken
	// where the series was absent for longer than Prometheus's lookback
	// (5m).
	colDur := p.to.Sub(p.from) / plotColumns
	maxGap := 1
	if colDur > 0 {
		maxGap = max(1, int(5*time.Minute/colDur))
	}
	for i, s := range p.series {
		color := plotColors[i%len(plotColors)]
		var pts strings.Builder
		flush := func() {
			if pts.Len() > 0 {
				fmt.Fprintf(bw, `<polyline fill="none" stroke="%s" stroke-width="1.2" points="%s"/>`+"\n", color, pts.String())
				pts.Reset()
			}
		}
		gap := 0
		for c := range plotColumns {
			if math.IsNaN(s.min[c]) {
				if gap++; gap > maxGap {
					flush()
				}
				continue
			}
			gap = 0
			fmt.Fprintf(&pts, "%d,%.1f %d,%.1f ", plotLeft+c, y(s.min[c]), plotLeft+c, y(s.max[c]))
		}
		flush()
		fmt.Fprintf(bw, `<text x="%d" y="%.0f" fill="%s">%s</text>`+"\n", plotLeft+(i%2)*(plotColumns/2), plotTop+h+34+12*float64(i/2), color, esc(truncate(s.label, 90)))
	}
	for _, t := range p.thresholds {
		dash := ""
		if t.dashed {
			dash = ` stroke-dasharray="6,4"`
		}
		fmt.Fprintf(bw, `<line x1="%d" x2="%d" y1="%.1f" y2="%.1f" stroke="#000"%s/><text x="%d" y="%.1f" text-anchor="end">%s</text>`+"\n",
			plotLeft, plotLeft+plotColumns, y(t.value), y(t.value), dash, plotLeft+plotColumns-4, y(t.value)-3, esc(t.label))
	}
	if len(p.omitted) > 0 {
		fmt.Fprintf(bw, `<text x="%d" y="%d">%s</text>`+"\n", plotLeft, plotHeight-4, esc(fmt.Sprintf("%d more series not drawn", len(p.omitted))))
	}
	fmt.Fprintf(bw, `<text x="%d" y="18" text-anchor="end"><tspan fill="#d62728">■ firing</tspan> <tspan fill="#ffbf00">■ pending</tspan></text>`+"\n", plotWidth-plotRight)
	bw.WriteString("</svg>\n")
	return bw.Flush()
}

func esc(s string) string { return html.EscapeString(s) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

func formatValue(v float64) string { return strconv.FormatFloat(v, 'g', 4, 64) }

// comparisonOps are PromQL's comparison operators.
var comparisonOps = map[parser.ItemType]string{
	parser.GTR: ">", parser.LSS: "<", parser.GTE: ">=", parser.LTE: "<=", parser.EQLC: "==", parser.NEQ: "!=",
}

// conditionThreshold finds "value OP number" (or "number OP value") in an
// expr-lang condition.
var conditionThreshold = regexp.MustCompile(`\bvalue\s*(>=|<=|>|<|==|!=)\s*(-?[0-9][0-9_]*(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)|(-?[0-9][0-9_]*(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)\s*(>=|<=|>|<|==|!=)\s*value\b`)

// thresholdsOf returns what to plot for a rule and its constant
// thresholds: for a PromQL comparison with a number (`x > 0.9`), the
// compared side and the number; for query + condition, the query and the
// numbers its condition, resolve and severities compare value with.
func thresholdsOf(r *rules.Rule) (string, []threshold) {
	var out []threshold
	fromCondition := func(c *rules.Condition, name string, dashed bool) {
		if c == nil {
			return
		}
		for _, m := range conditionThreshold.FindAllStringSubmatch(c.Source, -1) {
			num, op := m[2], m[1]
			if num == "" {
				num, op = m[3], m[4]
			}
			v, err := strconv.ParseFloat(strings.ReplaceAll(num, "_", ""), 64)
			if err == nil {
				out = append(out, threshold{value: v, label: name + ": value " + op + " " + num, dashed: dashed})
			}
		}
	}
	fromCondition(r.Condition, "condition", false)
	for _, s := range r.Severities {
		fromCondition(s.Condition, s.Name, false)
	}
	fromCondition(r.Resolve, "resolve", true)
	if r.Condition != nil || len(r.Severities) > 0 {
		return r.Query, out
	}
	expr, err := promqlParser().ParseExpr(r.Query)
	if err != nil {
		return r.Query, out
	}
	for {
		pe, ok := expr.(*parser.ParenExpr)
		if !ok {
			break
		}
		expr = pe.Expr
	}
	be, ok := expr.(*parser.BinaryExpr)
	if !ok || be.ReturnBool {
		return r.Query, out
	}
	op, ok := comparisonOps[be.Op]
	if !ok {
		return r.Query, out
	}
	if n, ok := unparen(be.RHS).(*parser.NumberLiteral); ok {
		return be.LHS.String(), append(out, threshold{value: n.Val, label: op + " " + formatValue(n.Val)})
	}
	if n, ok := unparen(be.LHS).(*parser.NumberLiteral); ok {
		return be.RHS.String(), append(out, threshold{value: n.Val, label: formatValue(n.Val) + " " + op})
	}
	return r.Query, out
}

func unparen(e parser.Expr) parser.Expr {
	for {
		pe, ok := e.(*parser.ParenExpr)
		if !ok {
			return e
		}
		e = pe.Expr
	}
}

// promqlParser parses rule queries as package rules does (experimental
// functions, and holt_winters).
func promqlParser() parser.Parser {
	fns := maps.Clone(parser.Functions)
	if _, ok := fns["holt_winters"]; !ok {
		fns["holt_winters"] = &parser.Function{
			Name:       "holt_winters",
			ArgTypes:   []parser.ValueType{parser.ValueTypeMatrix, parser.ValueTypeScalar, parser.ValueTypeScalar},
			ReturnType: parser.ValueTypeVector,
		}
	}
	return parser.NewParser(parser.Options{EnableExperimentalFunctions: true, Functions: fns})
}
