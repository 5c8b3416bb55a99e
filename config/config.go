// Package config is alerter's main configuration file (alerter.yml): the
// datasource, rule files, storage, web and receivers. It decodes strictly
// and reports every problem with file:line:col.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/internal/strictyaml"
	"github.com/alerter/alerter/notifiers/email"
	"github.com/alerter/alerter/notifiers/escalation"
	"github.com/alerter/alerter/notifiers/inhibit"
	"github.com/alerter/alerter/notifiers/pagerduty"
	"github.com/alerter/alerter/notifiers/route"
	"github.com/alerter/alerter/notifiers/slack"
	"github.com/alerter/alerter/notifiers/template"
	"github.com/alerter/alerter/notifiers/webhook"
	"github.com/alerter/alerter/remotewrite"
	"github.com/alerter/alerter/silence"
)

// Config is the whole main configuration.
type Config struct {
	Global     Global     `yaml:"global,omitempty"`
	Datasource Datasource `yaml:"datasource,omitempty"`
	RuleFiles  []string   `yaml:"rule_files,omitempty"`
	Storage    Storage    `yaml:"storage,omitempty"`
	Web        Web        `yaml:"web,omitempty"`
	// Route is the root of the routing tree, as in Alertmanager.
	Route *route.Config `yaml:"route,omitempty"`
	// Receivers are named sets of integrations.
	Receivers []*Receiver `yaml:"receivers,omitempty"`
	// InhibitRules mute alerts while others fire, as in Alertmanager.
	InhibitRules []inhibit.RuleConfig `yaml:"inhibit_rules,omitempty"`
	// Templates are globs of notification template files.
	Templates []string `yaml:"templates,omitempty"`
	// StormControl sends one digest instead of many messages in a storm.
	StormControl StormControl `yaml:"storm_control,omitempty"`
	// Delivery bounds the notification outbox.
	Delivery Delivery `yaml:"delivery,omitempty"`
	// MaintenanceWindows mute the alerts they select on a recurring
	// schedule, like a silence that comes back.
	MaintenanceWindows []silence.Window `yaml:"maintenance_windows,omitempty"`
	// Silences configures the silences created through the API.
	Silences Silences `yaml:"silences,omitempty"`
	// EscalationPolicies are named; routes select one with escalation:.
	EscalationPolicies []*escalation.Policy `yaml:"escalation_policies,omitempty"`
	// RemoteWrite are the Prometheus remote-write endpoints that recording
	// rules' samples and the ALERTS series are written to, as in
	// Prometheus's remote_write.
	RemoteWrite []*remotewrite.Config `yaml:"remote_write,omitempty"`

	// File is the path the configuration was loaded from ("" for defaults).
	File string `yaml:"-"`
}

// Global holds settings that apply to every rule group.
type Global struct {
	// EvaluationInterval applies to groups with neither interval nor schedule.
	EvaluationInterval model.Duration `yaml:"evaluation_interval,omitempty"`
	// QueryOffset applies to groups without their own query_offset.
	QueryOffset model.Duration `yaml:"query_offset,omitempty"`
	// ExternalLabels are added to every notified alert.
	ExternalLabels map[string]string `yaml:"external_labels,omitempty"`
	// ExternalURL is where users reach alerter; used in links.
	ExternalURL string `yaml:"external_url,omitempty"`
	// OutageTolerance: pending alerts keep their start time across a
	// restart only if alerter was down for less than this.
	OutageTolerance model.Duration `yaml:"outage_tolerance,omitempty"`
	// ResolvedRetention is how long resolved alerts are kept.
	ResolvedRetention model.Duration `yaml:"resolved_retention,omitempty"`
	// ResolveTimeout is Alertmanager's: a pushed alert without endsAt
	// resolves this long after it was last received.
	ResolveTimeout model.Duration `yaml:"resolve_timeout,omitempty"`

	NotificationGlobals `yaml:",inline"`
}

// Datasource is the Prometheus to query.
type Datasource struct {
	URL string `yaml:"url,omitempty"`
	// Timeout bounds each query.
	Timeout model.Duration `yaml:"timeout,omitempty"`
	// DownAlertAfter is how long queries must fail before the
	// AlerterDatasourceDown alert goes active; "0s" disables it.
	DownAlertAfter *model.Duration `yaml:"down_alert_after,omitempty"`
	// GeneratorURL is the base of alerts' generator links (default: URL).
	GeneratorURL string `yaml:"generator_url,omitempty"`
	// RewriteQueries lets alerter send rules' queries in equivalent,
	// cheaper forms (default true): conditions pushed down into the
	// PromQL, and a group's queries united in one request. false sends
	// each rule's query as written, for a datasource that speaks PromQL
	// differently from Prometheus.
	RewriteQueries *bool `yaml:"rewrite_queries,omitempty"`

	HTTPClientConfig config.HTTPClientConfig `yaml:",inline"`
}

// Storage is where state is kept.
type Storage struct {
	Path string `yaml:"path,omitempty"`
}

// Web is the HTTP server.
type Web struct {
	ListenAddress string `yaml:"listen_address,omitempty"`
	// RuleFileCheckInterval is how often rule files are checked for
	// changes, which trigger a reload ("0s" disables watching).
	RuleFileCheckInterval *model.Duration `yaml:"rule_file_check_interval,omitempty"`
	// Auth protects the API with bearer tokens read from files.
	Auth WebAuth `yaml:"auth,omitempty"`
	// SlackInteractions enables the Acknowledge and Silence 1h buttons on
	// Slack bot-mode messages, served at POST /slack/interactions.
	SlackInteractions SlackInteractions `yaml:"slack_interactions,omitempty"`
}

// SlackInteractions configures the endpoint Slack posts button clicks to
// (the Slack app's Interactivity Request URL). Requests are checked
// against the app's signing secret instead of a bearer token.
type SlackInteractions struct {
	// SigningSecretFile holds the Slack app's signing secret; set, it
	// enables the buttons.
	SigningSecretFile string `yaml:"signing_secret_file,omitempty"`
}

// SigningSecret reads the signing secret file; "" when not configured.
func (s SlackInteractions) SigningSecret() (string, error) {
	if s.SigningSecretFile == "" {
		return "", nil
	}
	b, err := os.ReadFile(s.SigningSecretFile)
	if err != nil {
		return "", fmt.Errorf("web.slack_interactions: %w", err)
	}
	secret := strings.TrimSpace(string(b))
	if secret == "" {
		return "", fmt.Errorf("web.slack_interactions: signing secret file %s is empty", s.SigningSecretFile)
	}
	return secret, nil
}

// WebAuth names the files holding the API's bearer tokens. With
// token_file set, mutating requests (silences, acknowledgements, reload)
// need that token; with read_token_file set, reads need the read token or
// the write token. /-/healthy and /-/ready stay open.
type WebAuth struct {
	TokenFile     string `yaml:"token_file,omitempty"`
	ReadTokenFile string `yaml:"read_token_file,omitempty"`
}

// Tokens reads the token files; "" for a file not configured.
func (a WebAuth) Tokens() (write, read string, err error) {
	readFile := func(p string) (string, error) {
		if p == "" {
			return "", nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return "", fmt.Errorf("web.auth: %w", err)
		}
		t := strings.TrimSpace(string(b))
		if t == "" {
			return "", fmt.Errorf("web.auth: token file %s is empty", p)
		}
		return t, nil
	}
	if write, err = readFile(a.TokenFile); err != nil {
		return "", "", err
	}
	if read, err = readFile(a.ReadTokenFile); err != nil {
		return "", "", err
	}
	return write, read, nil
}

// Receiver is a named set of integrations, as in Alertmanager.
type Receiver struct {
	Name             string              `yaml:"name"`
	WebhookConfigs   []*webhook.Config   `yaml:"webhook_configs,omitempty"`
	SlackConfigs     []*slack.Config     `yaml:"slack_configs,omitempty"`
	PagerdutyConfigs []*pagerduty.Config `yaml:"pagerduty_configs,omitempty"`
	EmailConfigs     []*email.Config     `yaml:"email_configs,omitempty"`
}

// StormControl: when more than MaxAlerts alert changes would reach one
// receiver within Window, they go out as one digest message.
type StormControl struct {
	// MaxAlerts is the threshold; 0 disables storm control.
	MaxAlerts int            `yaml:"max_alerts,omitempty"`
	Window    model.Duration `yaml:"window,omitempty"`
}

// Delivery bounds notification delivery.
type Delivery struct {
	// MaxOutbox bounds each integration's undelivered notifications
	// (10000); superseded messages are dropped first.
	MaxOutbox int `yaml:"max_outbox,omitempty"`
	// MaxAge gives up on a notification undelivered for this long (24h).
	MaxAge model.Duration `yaml:"max_age,omitempty"`
}

// Silences configures silences.
type Silences struct {
	// Retention is how long an expired silence is kept, to be seen and
	// re-created from, before it is deleted (120h, Alertmanager's
	// --data.retention default). It takes effect after a restart.
	Retention model.Duration `yaml:"retention,omitempty"`
}

// Defaults used when neither the file nor flags say otherwise.
const (
	DefaultDatasourceURL      = "http://localhost:9090"
	DefaultStoragePath        = "data"
	DefaultListenAddress      = ":9095"
	DefaultEvaluationInterval = time.Minute
	// DefaultResolveTimeout is Alertmanager's default resolve_timeout.
	DefaultResolveTimeout = 5 * time.Minute
)

// Default returns the configuration alerter runs with when there is no
// file: Prometheus on localhost, state in ./data, no receivers.
func Default() *Config {
	c := &Config{}
	c.Global.EvaluationInterval = model.Duration(DefaultEvaluationInterval)
	c.Global.OutageTolerance = model.Duration(time.Hour)
	c.Global.ResolvedRetention = model.Duration(15 * time.Minute)
	c.Global.ResolveTimeout = model.Duration(DefaultResolveTimeout)
	c.Datasource.URL = DefaultDatasourceURL
	c.Datasource.Timeout = model.Duration(30 * time.Second)
	c.Datasource.HTTPClientConfig = config.DefaultHTTPClientConfig
	c.Storage.Path = DefaultStoragePath
	c.Web.ListenAddress = DefaultListenAddress
	c.StormControl.Window = model.Duration(time.Minute)
	c.Delivery.MaxOutbox = 10000
	c.Delivery.MaxAge = model.Duration(24 * time.Hour)
	c.Silences.Retention = model.Duration(silence.DefaultRetention)
	return c
}

// Error is one problem of the configuration file.
type Error = strictyaml.Error

// LoadFile reads and validates a configuration file. Relative rule file
// patterns are resolved against the file's directory, as in Prometheus.
func LoadFile(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	c.File = path
	dir := filepath.Dir(path)
	for _, p := range []*string{&c.Web.Auth.TokenFile, &c.Web.Auth.ReadTokenFile, &c.Web.SlackInteractions.SigningSecretFile} {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	for i, p := range c.RuleFiles {
		if !filepath.IsAbs(p) {
			c.RuleFiles[i] = filepath.Join(dir, p)
		}
	}
	return c, nil
}

// Parse decodes and validates configuration text over the defaults.
func Parse(b []byte) (*Config, error) {
	c := Default()
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		return nil, err
	}
	if errs := strictyaml.Decode(&doc, c); len(errs) > 0 {
		return nil, errs
	}
	c.applyGlobals()
	if errs := c.validate(&doc); len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// validate checks what decoding cannot, pointing at the offending node.
func (c *Config) validate(doc *yaml.Node) strictyaml.Errors {
	var errs strictyaml.Errors
	add := func(path, msg string) {
		line, col := position(doc, path)
		errs = append(errs, &strictyaml.Error{Line: line, Column: col, Path: path, Msg: msg})
	}
	if u, err := url.Parse(c.Datasource.URL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		add("datasource.url", fmt.Sprintf("must be an http(s) URL with a host, got %q", strictyaml.RedactURLs(c.Datasource.URL, c.Datasource.URL)))
	}
	if c.Global.EvaluationInterval <= 0 {
		add("global.evaluation_interval", "must be greater than 0")
	}
	if c.Global.ResolveTimeout <= 0 {
		add("global.resolve_timeout", "must be greater than 0")
	}
	if c.Datasource.Timeout <= 0 {
		add("datasource.timeout", "must be greater than 0")
	}
	for k := range c.Global.ExternalLabels {
		if !model.LabelName(k).IsValid() {
			add("global.external_labels", fmt.Sprintf("invalid label name %q", k))
		}
	}
	if c.Global.ExternalURL != "" {
		if u, err := url.Parse(c.Global.ExternalURL); err != nil || u.Scheme == "" || u.Host == "" {
			add("global.external_url", fmt.Sprintf("must be an absolute URL, got %q", strictyaml.RedactURLs(c.Global.ExternalURL, c.Global.ExternalURL)))
		}
	}
	names := map[string]bool{}
	for i, r := range c.Receivers {
		p := fmt.Sprintf("receivers[%d]", i)
		if r.Name == "" {
			add(p+".name", "is required")
			continue
		}
		if names[r.Name] {
			add(p+".name", fmt.Sprintf("receiver %q is defined twice", r.Name))
		}
		names[r.Name] = true
		for j, w := range r.WebhookConfigs {
			if err := w.Validate(); err != nil {
				add(fmt.Sprintf("%s.webhook_configs[%d]", p, j), err.Error())
			}
		}
		for j, sc := range r.SlackConfigs {
			if err := sc.Validate(); err != nil {
				add(fmt.Sprintf("%s.slack_configs[%d]", p, j), err.Error())
			}
		}
		for j, pd := range r.PagerdutyConfigs {
			if err := pd.Validate(); err != nil {
				add(fmt.Sprintf("%s.pagerduty_configs[%d]", p, j), err.Error())
			}
		}
		for j, ec := range r.EmailConfigs {
			if err := ec.Validate(); err != nil {
				add(fmt.Sprintf("%s.email_configs[%d]", p, j), err.Error())
			}
		}
	}
	switch {
	case c.Route == nil && len(c.Receivers) > 0:
		add("route", "is required when receivers are defined")
	case c.Route != nil:
		for _, err := range route.Validate(c.Route, names) {
			// Errors start with the route's path ("route.routes[1]: ...");
			// point at that route, at its receiver when that is the issue.
			msg := err.Error()
			path, rest, ok := strings.Cut(msg, ": ")
			if !ok || !strings.HasPrefix(path, "route") {
				add("route", msg)
				continue
			}
			if strings.Contains(rest, "receiver") {
				path += ".receiver"
			}
			add(path, rest)
		}
	}
	if len(c.InhibitRules) > 0 {
		if _, err := inhibit.New(c.InhibitRules); err != nil {
			add("inhibit_rules", err.Error())
		}
	}
	if _, err := template.New(c.Templates...); err != nil {
		add("templates", err.Error())
	}
	if c.StormControl.MaxAlerts < 0 {
		add("storm_control.max_alerts", "must not be negative")
	}
	if c.StormControl.MaxAlerts > 0 && c.StormControl.Window <= 0 {
		add("storm_control.window", "must be greater than 0")
	}
	windows := map[string]bool{}
	for i, w := range c.MaintenanceWindows {
		p := fmt.Sprintf("maintenance_windows[%d]", i)
		if err := w.Validate(); err != nil {
			add(p, err.Error())
		}
		if w.Name != "" && windows[w.Name] {
			add(p+".name", fmt.Sprintf("maintenance window %q is defined twice", w.Name))
		}
		windows[w.Name] = true
	}
	policies := map[string]bool{}
	for i, p := range c.EscalationPolicies {
		path := fmt.Sprintf("escalation_policies[%d]", i)
		for _, err := range p.Validate(names) {
			field, msg, _ := strings.Cut(err.Error(), ": ")
			add(path+"."+field, msg)
		}
		if p.Name != "" && policies[p.Name] {
			add(path+".name", fmt.Sprintf("escalation policy %q is defined twice", p.Name))
		}
		policies[p.Name] = true
	}
	if c.Route != nil {
		walkRoutes(c.Route, "route", func(r *route.Config, path string) {
			if r.Escalation != "" && !policies[r.Escalation] {
				add(path+".escalation", fmt.Sprintf("undefined escalation policy %q", r.Escalation))
			}
		})
	}
	if c.Silences.Retention <= 0 {
		add("silences.retention", "must be greater than 0")
	}
	rwNames := map[string]bool{}
	for i, rw := range c.RemoteWrite {
		p := fmt.Sprintf("remote_write[%d]", i)
		if rw == nil {
			add(p, "must be a mapping")
			continue
		}
		if err := rw.Validate(); err != nil {
			add(p, err.Error())
			continue
		}
		if name := rw.RemoteName(); rwNames[name] {
			add(p+".name", fmt.Sprintf("remote_write name %q is used twice", name))
		} else {
			rwNames[name] = true
		}
	}
	return errs
}

// walkRoutes calls fn for every route of the tree, with its path.
func walkRoutes(r *route.Config, path string, fn func(*route.Config, string)) {
	fn(r, path)
	for i, c := range r.Routes {
		if c != nil {
			walkRoutes(c, fmt.Sprintf("%s.routes[%d]", path, i), fn)
		}
	}
}

// Policies returns the escalation policies by name.
func (c *Config) Policies() map[string]*escalation.Policy {
	out := make(map[string]*escalation.Policy, len(c.EscalationPolicies))
	for _, p := range c.EscalationPolicies {
		out[p.Name] = p
	}
	return out
}

// position finds the line:col of a dotted path like "receivers[0].name" in
// the document, or of the nearest existing parent.
func position(doc *yaml.Node, path string) (int, int) {
	n := doc
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	best := n
	for _, part := range splitPath(path) {
		next := child(n, part)
		if next == nil {
			break
		}
		n, best = next, next
	}
	return best.Line, best.Column
}

func splitPath(p string) []string {
	var out []string
	cur := ""
	for _, r := range p {
		switch r {
		case '.':
			if cur != "" {
				out = append(out, cur)
			}
			cur = ""
		case '[':
			if cur != "" {
				out = append(out, cur)
			}
			cur = "["
		case ']':
			out = append(out, cur+"]")
			cur = ""
		default:
			cur += string(r)
		}
	}
	if cur != "" {
		out = append(out, cur)
	}
	return out
}

func child(n *yaml.Node, part string) *yaml.Node {
	if len(part) > 1 && part[0] == '[' {
		var i int
		if _, err := fmt.Sscanf(part, "[%d]", &i); err != nil || n.Kind != yaml.SequenceNode || i >= len(n.Content) {
			return nil
		}
		return n.Content[i]
	}
	if n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == part {
			return n.Content[i+1]
		}
	}
	return nil
}
