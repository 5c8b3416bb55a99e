package ruletest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/internal/strictyaml"
	"github.com/alerter/alerter/matcher"
)

// File is one test file. The keys are promtool's; ConfigFile, Config and,
// in each test group, NotificationTests, Silences and Acknowledgements are
// alerter's additions (promtool rejects a file that uses them).
type File struct {
	RuleFiles          []string       `yaml:"rule_files"`
	EvaluationInterval model.Duration `yaml:"evaluation_interval,omitempty"`
	GroupEvalOrder     []string       `yaml:"group_eval_order,omitempty"`
	Tests              []TestGroup    `yaml:"tests"`

	// ConfigFile is an alerter.yml whose routing tree, receivers,
	// inhibition rules, escalation policies and maintenance windows the
	// notification tests run through; relative to the test file.
	ConfigFile string `yaml:"config_file,omitempty"`
	// Config is the same, written inline.
	Config *yaml.Node `yaml:"config,omitempty"`

	// path is where the file was read from.
	path string
	root *yaml.Node
}

// TestGroup is one test: input series and what to expect of them.
type TestGroup struct {
	Interval        model.Duration     `yaml:"interval,omitempty"`
	InputSeries     []InputSeries      `yaml:"input_series"`
	AlertRuleTests  []AlertTestCase    `yaml:"alert_rule_test,omitempty"`
	PromQLExprTests []PromQLTestCase   `yaml:"promql_expr_test,omitempty"`
	ExternalLabels  map[string]string  `yaml:"external_labels,omitempty"`
	ExternalURL     string             `yaml:"external_url,omitempty"`
	Name            string             `yaml:"name,omitempty"`
	NotifTests      []NotificationTest `yaml:"notification_test,omitempty"`
	Silences        []TestSilence      `yaml:"silences,omitempty"`
	Acks            []TestAck          `yaml:"acknowledgements,omitempty"`
}

// InputSeries is one series in PromQL's series notation and its values in
// the expanding notation ("0+10x100", "1 _ stale _x3").
type InputSeries struct {
	Series yaml.Node `yaml:"series"`
	Values yaml.Node `yaml:"values"`
}

// AlertTestCase expects the firing alerts of one alert name at a time.
type AlertTestCase struct {
	EvalTime  model.Duration `yaml:"eval_time"`
	Alertname string         `yaml:"alertname"`
	ExpAlerts []ExpAlert     `yaml:"exp_alerts"`
}

// ExpAlert is one expected alert. exp_labels need not repeat alertname.
type ExpAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations"`
}

// PromQLTestCase expects the result of an expression at a time.
type PromQLTestCase struct {
	Expr       string         `yaml:"expr"`
	EvalTime   model.Duration `yaml:"eval_time"`
	ExpSamples []ExpSample    `yaml:"exp_samples"`
}

// ExpSample is one expected sample: its labels in series notation
// ('up{job="x"}' or '{job="x"}') and its value.
type ExpSample struct {
	Labels string  `yaml:"labels"`
	Value  float64 `yaml:"value"`
}

// NotificationTest expects the notifications sent after the previous
// notification test's eval_time (the start, for the first) and up to
// this one's, inclusive.
type NotificationTest struct {
	EvalTime         model.Duration    `yaml:"eval_time"`
	ExpNotifications []ExpNotification `yaml:"exp_notifications"`
}

// ExpNotification is one expected notification to one receiver. Fields
// left out are not checked, except Alerts.
type ExpNotification struct {
	Receiver string `yaml:"receiver"`
	// Status is "firing" (some alert is firing) or "resolved".
	Status string `yaml:"status,omitempty"`
	// At is the exact time it was sent.
	At *model.Duration `yaml:"at,omitempty"`
	// GroupLabels are the labels the alerts were grouped by.
	GroupLabels map[string]string `yaml:"group_labels,omitempty"`
	// EscalationLevel is the escalation level it was sent for (0: none).
	EscalationLevel *int `yaml:"escalation_level,omitempty"`
	// Repeat: nothing changed; a repeat_interval (or escalation) repeat.
	Repeat *bool `yaml:"repeat,omitempty"`
	// Alerts are every alert of the message, compared by labels and
	// status (and annotations where given).
	Alerts []ExpNotifiedAlert `yaml:"alerts"`
}

// ExpNotifiedAlert is one alert of an expected notification. Labels are
// the alert's full labels as notified (external labels included).
type ExpNotifiedAlert struct {
	ExpLabels      map[string]string `yaml:"exp_labels"`
	ExpAnnotations map[string]string `yaml:"exp_annotations,omitempty"`
	// Status is "firing" (the default) or "resolved".
	Status string `yaml:"status,omitempty"`
}

// TestSilence mutes the alerts its matchers select from StartsAt to EndsAt
// (offsets from the start of the test).
type TestSilence struct {
	Matchers matcher.Matchers `yaml:"matchers"`
	StartsAt model.Duration   `yaml:"starts_at,omitempty"`
	EndsAt   model.Duration   `yaml:"ends_at"`
	Comment  string           `yaml:"comment,omitempty"`
}

// TestAck acknowledges, at At, the firing alerts its matchers
// select, for Duration (0: until they resolve).
type TestAck struct {
	At       model.Duration   `yaml:"at"`
	Matchers matcher.Matchers `yaml:"matchers"`
	By       string           `yaml:"by,omitempty"`
	Duration model.Duration   `yaml:"duration,omitempty"`
}

// Error is a problem of a test file, at its line and column.
type Error = strictyaml.Error

// ParseFile reads and decodes a test file strictly: unknown keys, repeated
// keys and values of the wrong type are errors, every one reported with
// "file:line:col".
func ParseFile(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, err := Parse(b)
	if err != nil {
		return nil, prefixErrors(path, err)
	}
	f.path = path
	return f, nil
}

// Parse decodes test file content; errors are strictyaml.Errors.
func Parse(b []byte) (*File, error) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(b)).Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, strictyaml.Errors{{Line: 1, Column: 1, Msg: "empty test file"}}
		}
		return nil, err
	}
	f := &File{root: &doc}
	if errs := strictyaml.Decode(&doc, f); len(errs) > 0 {
		return nil, errs
	}
	if errs := f.validate(); len(errs) > 0 {
		return nil, errs
	}
	return f, nil
}

// prefixErrors puts the file name in front of each positioned error.
func prefixErrors(path string, err error) error {
	var list strictyaml.Errors
	if errors.As(err, &list) {
		var b bytes.Buffer
		for i, e := range list {
			if i > 0 {
				b.WriteByte('\n')
			}
			fmt.Fprintf(&b, "%s:%s", path, e.Error())
		}
		return &FileError{Path: path, Errs: list, msg: b.String()}
	}
	return fmt.Errorf("%s: %w", path, err)
}

// FileError is every problem of one test file.
type FileError struct {
	Path string
	Errs strictyaml.Errors
	msg  string
}

func (e *FileError) Error() string { return e.msg }
