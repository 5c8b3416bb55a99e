package ruletest

import (
	"fmt"
	"strconv"
	"time"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/internal/strictyaml"
)

// validate checks what decoding cannot, pointing at the offending node,
// and applies promtool's defaults: evaluation_interval 1m, a test's
// interval the evaluation interval.
func (f *File) validate() strictyaml.Errors {
	var errs strictyaml.Errors
	add := func(msg string, path ...any) {
		n := nodeAt(f.root, path...)
		errs = append(errs, &strictyaml.Error{Line: n.Line, Column: n.Column, Path: pathString(path), Msg: msg})
	}
	if f.EvaluationInterval <= 0 {
		f.EvaluationInterval = defaultInterval
	}
	seen := map[string]bool{}
	for i, g := range f.GroupEvalOrder {
		if seen[g] {
			add("group name repeated in evaluation order: "+g, "group_eval_order", i)
		}
		seen[g] = true
	}
	if f.ConfigFile != "" && f.Config != nil {
		add("config_file and config are mutually exclusive", "config")
	}
	hasConfig := f.ConfigFile != "" || f.Config != nil
	for i := range f.Tests {
		tg := &f.Tests[i]
		if tg.Interval <= 0 {
			tg.Interval = f.EvaluationInterval
		}
		for j, a := range tg.AlertRuleTests {
			if a.Alertname == "" {
				add(fmt.Sprintf("an item under alert_rule_test misses required attribute alertname at eval_time %v", a.EvalTime), "tests", i, "alert_rule_test", j)
			}
		}
		if len(tg.NotifTests) > 0 && !hasConfig {
			add("notification tests need the alerter configuration: set config_file or config at the top of the file", "tests", i, "notification_test")
		}
		for j, nt := range tg.NotifTests {
			for k, n := range nt.ExpNotifications {
				at := []any{"tests", i, "notification_test", j, "exp_notifications", k}
				if n.Receiver == "" {
					add("receiver is required", at...)
				}
				switch n.Status {
				case "", "firing", "resolved":
				default:
					add(fmt.Sprintf("must be firing or resolved, not %q", n.Status), append(at, "status")...)
				}
				for l, a := range n.Alerts {
					switch a.Status {
					case "", "firing", "resolved":
					default:
						add(fmt.Sprintf("must be firing or resolved, not %q", a.Status), append(at, "alerts", l, "status")...)
					}
				}
			}
		}
		for j, s := range tg.Silences {
			at := []any{"tests", i, "silences", j}
			if len(s.Matchers) == 0 {
				add("a silence needs at least one matcher", at...)
			}
			if s.EndsAt <= s.StartsAt {
				add("ends_at must be after starts_at", append(at, "ends_at")...)
			}
		}
		for j, a := range tg.Acks {
			at := []any{"tests", i, "acknowledgements", j}
			if len(a.Matchers) == 0 {
				add("an acknowledgement needs at least one matcher", at...)
			}
		}
		if (len(tg.Silences) > 0 || len(tg.Acks) > 0) && !hasConfig {
			add("silences and acknowledgements only affect notification tests: set config_file or config at the top of the file", "tests", i)
		}
	}
	return errs
}

// defaultInterval is promtool's evaluation interval and series interval.
const defaultInterval = model.Duration(time.Minute)

// nodeAt finds the node at path (mapping keys and sequence indexes) from
// the document root, or the nearest existing parent.
func nodeAt(root *yaml.Node, path ...any) *yaml.Node {
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	for _, p := range path {
		var next *yaml.Node
		switch k := p.(type) {
		case string:
			if n.Kind == yaml.MappingNode {
				for i := 0; i+1 < len(n.Content); i += 2 {
					if n.Content[i].Value == k {
						next = n.Content[i+1]
					}
				}
			}
		case int:
			if n.Kind == yaml.SequenceNode && k < len(n.Content) {
				next = n.Content[k]
			}
		}
		if next == nil {
			return n
		}
		n = next
	}
	return n
}

// pathString renders a node path as "tests[0].alert_rule_test[1]".
func pathString(path []any) string {
	s := ""
	for _, p := range path {
		switch k := p.(type) {
		case string:
			if s != "" {
				s += "."
			}
			s += k
		case int:
			s += "[" + strconv.Itoa(k) + "]"
		}
	}
	return s
}
