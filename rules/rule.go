package rules

import (
	"fmt"
	"maps"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// rule decodes and validates one rule of group g. groupLabels are the
// group's labels and groupTmpl collects their parsed templates, shared by
// the group's alerting rules. It returns the rule's own labels too, for its
// identity; nil when n is not a mapping.
func (p *fileParser) rule(g *Group, n *yaml.Node, groupLabels stringMap, groupTmpl map[string]*Template) (*Rule, map[string]string) {
	var rr rawRule
	p.decode(n, &rr, "")
	if n.Kind != yaml.MappingNode {
		return nil, nil
	}
	r := &Rule{Line: n.Line, Column: n.Column}
	r.Alert = p.str(&rr.Alert, "alert")
	r.Record = p.str(&rr.Record, "record")
	switch {
	case r.Alert != "" && r.Record != "":
		p.errorf(&rr.Record, "record", "only one of 'record' and 'alert' must be set")
	case r.Alert == "" && r.Record == "":
		p.errorf(n, "", "one of 'record' or 'alert' must be set")
	}
	p.query(r, &rr, n)
	r.For = p.duration(&rr.For, "for")
	r.KeepFiringFor = p.duration(&rr.KeepFiringFor, "keep_firing_for")
	if present(&rr.Pushdown) {
		push := true
		p.decode(&rr.Pushdown, &push, "pushdown")
		r.NoPushdown = !push
	}

	labels := p.stringMap(&rr.Labels, "labels")
	p.checkLabels(labels, "labels")
	annotations := p.stringMap(&rr.Annotations, "annotations")
	for k, v := range annotations.values {
		if !validName(k) {
			p.errorf(annotations.nodes[k], joinField("annotations", k), "invalid annotation name: %q", k)
		}
		if !utf8.ValidString(v) {
			p.errorf(annotations.nodes[k], joinField("annotations", k), "invalid annotation value: %q", v)
		}
	}
	r.Annotations = annotations.values
	r.Labels = mergeLabels(g.Labels, labels.values)

	if r.Record != "" {
		p.recording(r, &rr, annotations)
	}
	if r.Alert != "" {
		p.alerting(r, &rr, labels, annotations, groupLabels, groupTmpl)
		r.FlapDetection = p.flapDetection(&rr.FlapDetection, "flap_detection")
	}
	return r, labels.values
}

// query takes the PromQL from expr or its synonym query, and parses it.
func (p *fileParser) query(r *Rule, rr *rawRule, n *yaml.Node) {
	expr := p.str(&rr.Expr, "expr")
	query := p.str(&rr.Query, "query")
	switch {
	case expr != "" && query != "":
		p.errorf(&rr.Query, "query", "only one of 'expr' and 'query' must be set")
	case expr != "":
		r.Query = expr
		r.QueryKey, r.reads, r.QueryType = p.parsePromQL(&rr.Expr, "expr", expr)
	case query != "":
		r.Query = query
		r.QueryKey, r.reads, r.QueryType = p.parsePromQL(&rr.Query, "query", query)
	default:
		p.errorf(nodeOr(&rr.Expr, nodeOr(&rr.Query, n)), "expr", "field 'expr' must be set in rule")
	}
}

// recording applies the checks specific to recording rules.
func (p *fileParser) recording(r *Rule, rr *rawRule, annotations stringMap) {
	if !validName(r.Record) {
		p.errorf(&rr.Record, "record", "invalid recording rule name: %s", r.Record)
	}
	if strings.ContainsAny(r.Record, "{}") {
		p.errorf(&rr.Record, "record", "braces present in the recording rule name; should it be in expr?: %s", r.Record)
	}
	if len(annotations.values) > 0 {
		p.errorf(&rr.Annotations, "annotations", "invalid field 'annotations' in recording rule")
	}
	if r.For != 0 {
		p.errorf(&rr.For, "for", "invalid field 'for' in recording rule")
	}
	if r.KeepFiringFor != 0 {
		p.errorf(&rr.KeepFiringFor, "keep_firing_for", "invalid field 'keep_firing_for' in recording rule")
	}
	for _, ext := range []struct {
		name string
		set  bool
		node *yaml.Node
	}{
		{"condition", p.str(&rr.Condition, "condition") != "", &rr.Condition},
		{"resolve", p.str(&rr.Resolve, "resolve") != "", &rr.Resolve},
		{"severities", len(rr.Severities) > 0, nil},
		{"pushdown", present(&rr.Pushdown), &rr.Pushdown},
		{"flap_detection", present(&rr.FlapDetection), &rr.FlapDetection},
	} {
		if ext.set {
			n := ext.node
			if n == nil {
				n = &rr.Severities[0]
			}
			p.errorf(n, ext.name, "invalid field '%s' in recording rule", ext.name)
		}
	}
}

// alerting compiles the conditions, severities and templates of an
// alerting rule.
func (p *fileParser) alerting(r *Rule, rr *rawRule, labels, annotations, groupLabels stringMap, groupTmpl map[string]*Template) {
	r.Condition = p.condition(&rr.Condition, "condition")
	r.Resolve = p.condition(&rr.Resolve, "resolve")
	r.Severities = p.severities(rr.Severities)
	if len(rr.Severities) > 0 {
		if n, ok := labels.nodes["severity"]; ok {
			p.errorf(n, "labels.severity", "a static 'severity' label conflicts with 'severities', which set it")
		}
		// The severity picked at evaluation wins over a group default.
		delete(r.Labels, "severity")
	}

	r.LabelTemplates = make(map[string]*Template, len(r.Labels))
	for k, v := range r.Labels {
		if n, own := labels.nodes[k]; own {
			r.LabelTemplates[k] = p.template(n, joinField("labels", k), k, v)
			continue
		}
		t, done := groupTmpl[k]
		if !done {
			t = p.template(groupLabels.nodes[k], joinField("labels", k), k, v)
			groupTmpl[k] = t
		}
		r.LabelTemplates[k] = t
	}
	r.AnnotationTemplates = make(map[string]*Template, len(r.Annotations))
	for k, v := range r.Annotations {
		r.AnnotationTemplates[k] = p.template(annotations.nodes[k], joinField("annotations", k), k, v)
	}
}

// severities decodes the ordered severity levels of a rule.
func (p *fileParser) severities(nodes []yaml.Node) []Severity {
	var out []Severity
	seen := map[string]*yaml.Node{}
	for i := range nodes {
		n := &nodes[i]
		field := fmt.Sprintf("severities[%d]", i)
		var rs rawSeverity
		p.decode(n, &rs, field)
		if n.Kind != yaml.MappingNode {
			continue
		}
		name := p.str(&rs.Severity, field+".severity")
		switch first := seen[name]; {
		case name == "":
			p.errorf(nodeOr(&rs.Severity, n), field+".severity", "severity must be set and not empty")
		case first != nil:
			p.errorf(&rs.Severity, field+".severity", "severity %q is repeated in the rule (first at line %d)", name, first.Line)
		case !utf8.ValidString(name):
			p.errorf(&rs.Severity, field+".severity", "invalid severity: %s", name)
		default:
			seen[name] = &rs.Severity
		}
		if p.str(&rs.Condition, field+".condition") == "" {
			p.errorf(nodeOr(&rs.Condition, n), field+".condition", "condition must be set and not empty")
			continue
		}
		if c := p.condition(&rs.Condition, field+".condition"); c != nil {
			out = append(out, Severity{Name: name, Condition: c})
		}
	}
	return out
}

// mergeLabels returns the group's labels overridden by the rule's.
func mergeLabels(group, own map[string]string) map[string]string {
	if len(group) == 0 && len(own) == 0 {
		return nil
	}
	out := make(map[string]string, len(group)+len(own))
	maps.Copy(out, group)
	maps.Copy(out, own)
	return out
}
