// Package config is alerter's main configuration file (alerter.yml): the
// datasource, rule files, storage, web and receivers. It decodes strictly
// and reports every problem with file:line:col.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"
	"go.yaml.in/yaml/v3"

	"github.com/alerter/alerter/ack"
	"github.com/alerter/alerter/internal/strictyaml"
	"github.com/alerter/alerter/notifiers/discord"
	"github.com/alerter/alerter/notifiers/email"
	"github.com/alerter/alerter/notifiers/escalation"
	"github.com/alerter/alerter/notifiers/inhibit"
	"github.com/alerter/alerter/notifiers/msteams"
	"github.com/alerter/alerter/notifiers/opsgenie"
	"github.com/alerter/alerter/notifiers/pagerduty"
	"github.com/alerter/alerter/notifiers/pushover"
	"github.com/alerter/alerter/notifiers/route"
	"github.com/alerter/alerter/notifiers/slack"
	"github.com/alerter/alerter/notifiers/telegram"
	"github.com/alerter/alerter/notifiers/template"
	"github.com/alerter/alerter/notifiers/victorops"
	"github.com/alerter/alerter/notifiers/webhook"
	"github.com/alerter/alerter/remotewrite"
	"github.com/alerter/alerter/silence"
	"github.com/alerter/alerter/web"
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
	// Acknowledgements bounds the acknowledgements.
	Acknowledgements Acknowledgements `yaml:"acknowledgements,omitempty"`
	// EscalationPolicies are named; routes select one with escalation:.
	EscalationPolicies []*escalation.Policy `yaml:"escalation_policies,omitempty"`
	// RemoteWrite are the Prometheus remote-write endpoints that recording
	// rules' samples and the ALERTS series are written to, as in
	// Prometheus's remote_write.
	RemoteWrite []*remotewrite.Config `yaml:"remote_write,omitempty"`
	// TimeIntervals are named times when routes are muted
	// (mute_time_intervals on a route) or active (active_time_intervals).
	TimeIntervals []*TimeInterval `yaml:"time_intervals,omitempty"`
	// MuteTimeIntervals is the name of time_intervals before Alertmanager
	// 0.24, still accepted; both lists share one namespace.
	MuteTimeIntervals []*TimeInterval `yaml:"mute_time_intervals,omitempty"`
	// AlertQuality configures the per-rule alert-quality figures and the
	// history of episodes they are computed from.
	AlertQuality AlertQuality `yaml:"alert_quality,omitempty"`

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
	// ResolveTimeout is Alertmanager's: how long after its last update an
	// alert pushed without endsAt is taken as resolved (5m). Evaluated
	// alerts resolve by evaluation and do not use it.
	ResolveTimeout model.Duration `yaml:"resolve_timeout,omitempty"`
	// HTTPConfig is Alertmanager's default HTTP client configuration for
	// every receiver integration that has no http_config of its own.
	HTTPConfig *config.HTTPClientConfig `yaml:"http_config,omitempty"`
	// FlapDetection is the default flap detection of every rule group
	// (alerter's extension); nil: off unless a group or rule sets it.
	FlapDetection *FlapDetection `yaml:"flap_detection,omitempty"`

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

// Storage is where state is kept: SQLite in Path by default, or
// PostgreSQL, which several replicas share (see Postgres).
type Storage struct {
	Path string `yaml:"path,omitempty"`
	// Postgres, when set, keeps the state in PostgreSQL instead of SQLite,
	// so that several replicas can run: one leads (evaluates and
	// notifies), the others serve the API and take over if it dies.
	Postgres *Postgres `yaml:"postgres,omitempty"`
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
	// AllowedOrigins are web origins (scheme://host[:port]) whose pages
	// may change things through the API from a browser, besides the
	// origin the API is served on and global.external_url's.
	AllowedOrigins []string `yaml:"allowed_origins,omitempty"`
	// ReadTimeout bounds reading a whole request, body included (30s).
	ReadTimeout model.Duration `yaml:"read_timeout,omitempty"`
	// WriteTimeout bounds writing a response (2m).
	WriteTimeout model.Duration `yaml:"write_timeout,omitempty"`
	// IdleTimeout bounds how long a kept-alive connection waits for its
	// next request (2m).
	IdleTimeout model.Duration `yaml:"idle_timeout,omitempty"`
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
	OpsgenieConfigs  []*opsgenie.Config  `yaml:"opsgenie_configs,omitempty"`
	MSTeamsConfigs   []*msteams.Config   `yaml:"msteams_configs,omitempty"`
	MSTeamsV2Configs []*msteams.V2Config `yaml:"msteamsv2_configs,omitempty"`
	TelegramConfigs  []*telegram.Config  `yaml:"telegram_configs,omitempty"`
	DiscordConfigs   []*discord.Config   `yaml:"discord_configs,omitempty"`
	VictorOpsConfigs []*victorops.Config `yaml:"victorops_configs,omitempty"`
	PushoverConfigs  []*pushover.Config  `yaml:"pushover_configs,omitempty"`
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
	// ParallelGroups is how many alert groups one integration delivers
	// at once (4), each group's messages in order.
	ParallelGroups int `yaml:"parallel_groups,omitempty"`
}

// Silences configures silences.
type Silences struct {
	// Retention is how long an expired silence is kept, to be seen and
	// re-created from, before it is deleted (120h, Alertmanager's
	// --data.retention default). It takes effect after a restart.
	Retention model.Duration `yaml:"retention,omitempty"`
	// MaxSilences bounds the active and pending silences, as
	// Alertmanager's --silences.max-silences; 0 means no limit.
	MaxSilences int `yaml:"max_silences"`
	// MaxSilenceSizeBytes bounds a silence's creator, comment and
	// matchers, as Alertmanager's --silences.max-silence-size-bytes; 0
	// means no limit.
	MaxSilenceSizeBytes int `yaml:"max_silence_size_bytes"`
	// MaxWindows bounds the maintenance windows created through the API;
	// 0 means no limit.
	MaxWindows int `yaml:"max_windows"`
	// MaxWindowSizeBytes bounds the text of a maintenance window created
	// through the API; 0 means no limit.
	MaxWindowSizeBytes int `yaml:"max_window_size_bytes"`
}

// Limits returns the limits for the silence store.
func (s Silences) Limits() silence.Limits {
	return silence.Limits{
		MaxSilences:         orUnlimited(s.MaxSilences),
		MaxSilenceSizeBytes: orUnlimited(s.MaxSilenceSizeBytes),
		MaxWindows:          orUnlimited(s.MaxWindows),
		MaxWindowSizeBytes:  orUnlimited(s.MaxWindowSizeBytes),
	}
}

// Acknowledgements configures acknowledgements.
type Acknowledgements struct {
	// MaxAcknowledgements bounds the acknowledgements in effect (neither
	// ended nor expired); 0 means no limit.
	MaxAcknowledgements int `yaml:"max_acknowledgements"`
	// MaxAcknowledgementSizeBytes bounds an acknowledgement's createdBy,
	// comment and matchers; 0 means no limit.
	MaxAcknowledgementSizeBytes int `yaml:"max_acknowledgement_size_bytes"`
}

// Limits returns the limits for the acknowledgement store.
func (a Acknowledgements) Limits() ack.Limits {
	return ack.Limits{MaxAcks: orUnlimited(a.MaxAcknowledgements), MaxAckSizeBytes: orUnlimited(a.MaxAcknowledgementSizeBytes)}
}

// orUnlimited maps the configuration's 0 (no limit, as Alertmanager's
// flags) to the stores' negative limit; their 0 means "the default",
// which the configuration has already filled in.
func orUnlimited(n int) int {
	if n == 0 {
		return -1
	}
	return n
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
	httpDefault := config.DefaultHTTPClientConfig
	c.Global.HTTPConfig = &httpDefault
	c.Storage.Path = DefaultStoragePath
	c.Web.ListenAddress = DefaultListenAddress
	c.StormControl.Window = model.Duration(time.Minute)
	c.Delivery.MaxOutbox = 10000
	c.Delivery.MaxAge = model.Duration(24 * time.Hour)
	c.Delivery.ParallelGroups = 4
	c.Silences.Retention = model.Duration(silence.DefaultRetention)
	c.Silences.MaxSilences = silence.DefaultMaxSilences
	c.Silences.MaxSilenceSizeBytes = silence.DefaultMaxSilenceSizeBytes
	c.Silences.MaxWindows = silence.DefaultMaxWindows
	c.Silences.MaxWindowSizeBytes = silence.DefaultMaxWindowSizeBytes
	c.Acknowledgements.MaxAcknowledgements = ack.DefaultMaxAcks
	c.Acknowledgements.MaxAcknowledgementSizeBytes = ack.DefaultMaxAckSizeBytes
	c.Web.ReadTimeout = model.Duration(web.DefaultReadTimeout)
	c.Web.WriteTimeout = model.Duration(web.DefaultWriteTimeout)
	c.Web.IdleTimeout = model.Duration(web.DefaultIdleTimeout)
	c.AlertQuality = AlertQuality{FlapEvaluations: DefaultFlapEvaluations,
		Retention: model.Duration(DefaultEpisodeRetention), MaxEpisodes: DefaultMaxEpisodes}
	return c
}

// LoadFile reads and validates a configuration file. Every problem is
// reported at once, each as "file:line:col: path: message" (the error is
// an Errors). Relative paths (rule_files, templates and the token and
// secret files) are resolved against the file's directory, as in
// Prometheus and Alertmanager.
func LoadFile(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c, errs := parse(b, filepath.Dir(path))
	if len(errs) > 0 {
		return nil, errs.withFile(path)
	}
	c.File = path
	return c, nil
}

// Parse decodes and validates configuration text over the defaults. Its
// error is an Errors: every problem, each with line:col. Relative paths
// are taken as they are (relative to the working directory).
func Parse(b []byte) (*Config, error) {
	c, errs := parse(b, "")
	if len(errs) > 0 {
		return nil, errs
	}
	return c, nil
}

// parse decodes and validates b, resolving relative paths against dir
// (unless ""). Validation runs even when decoding found problems, so that
// all of them are reported at once; checks of a value that did not decode
// are left out, so that one mistake is reported once.
func parse(b []byte, dir string) (*Config, Errors) {
	c := Default()
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return c, nil
		}
		return nil, Errors{syntaxError(err)}
	}
	if e := notAConfig(&doc); e != nil {
		return nil, Errors{e}
	}
	decodeErrs := fromStrict(strictyaml.Decode(&doc, c))
	v := &validation{doc: &doc}
	for _, e := range decodeErrs {
		if reason, ok := unsupported(e); ok {
			// What alerter refuses on purpose leaves the rest of that
			// entry unchecked: a receiver's "routing_key is required"
			// after "service_key is not supported" would only confuse.
			key, _ := unknownField(e.Msg)
			e.Msg, e.Path = reason, joinPath(e.Path, key)
			v.decodeErrs = append(v.decodeErrs, e.Path)
		} else if !isUnknownField(e.Msg) {
			v.decodeErrs = append(v.decodeErrs, e.Path)
		}
	}
	if dir != "" {
		c.resolvePaths(dir)
	}
	c.applyGlobals()
	if c.Storage.Postgres != nil {
		c.Storage.Postgres.Default()
	}
	c.validate(v)
	errs := append(decodeErrs, v.errs...)
	errs = append(errs, nullRegexps(&doc)...)
	if len(errs) > 0 {
		return nil, errs.sorted()
	}
	return c, nil
}

// resolvePaths makes the relative paths of the configuration relative to
// dir, the configuration file's directory.
func (c *Config) resolvePaths(dir string) {
	paths := []*string{&c.Web.Auth.TokenFile, &c.Web.Auth.ReadTokenFile, &c.Web.SlackInteractions.SigningSecretFile}
	if c.Storage.Postgres != nil {
		paths = append(paths, &c.Storage.Postgres.DSNFile)
	}
	for _, p := range paths {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(dir, *p)
		}
	}
	for _, list := range [][]string{c.RuleFiles, c.Templates} {
		for i, p := range list {
			if !filepath.IsAbs(p) {
				list[i] = filepath.Join(dir, p)
			}
		}
	}
	// The files of HTTP client settings (credentials_file, tls_config's
	// ca_file, ...), as Prometheus and Alertmanager resolve them.
	c.Datasource.HTTPClientConfig.SetDirectory(dir)
	if c.Global.HTTPConfig != nil {
		c.Global.HTTPConfig.SetDirectory(dir)
	}
	for _, rw := range c.RemoteWrite {
		if rw != nil {
			rw.HTTPClientConfig.SetDirectory(dir)
		}
	}
	for _, r := range c.Receivers {
		if r != nil {
			r.eachHTTPConfig(func(hc **config.HTTPClientConfig) {
				if *hc != nil {
					(*hc).SetDirectory(dir)
				}
			})
		}
	}
}

// validation collects the problems validation finds, leaving out those
// about values that failed to decode.
type validation struct {
	doc        *yaml.Node
	errs       Errors
	decodeErrs []string // paths of the values that failed to decode
}

// add reports msg at the node of path (or its nearest parent).
func (v *validation) add(path, msg string) {
	for _, p := range v.decodeErrs {
		if p != "" && (p == path || under(p, path) || under(path, p)) {
			return
		}
	}
	line, col := position(v.doc, path)
	v.errs = append(v.errs, &Error{Line: line, Column: col, Path: path, Msg: msg})
}

// failed reports whether the value at path itself failed to decode.
func (v *validation) failed(path string) bool {
	for _, p := range v.decodeErrs {
		if p == path {
			return true
		}
	}
	return false
}

// joinPath adds a key to a path.
func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// under reports whether path p is below parent.
func under(p, parent string) bool {
	return parent != "" && (strings.HasPrefix(p, parent+".") || strings.HasPrefix(p, parent+"["))
}

// validate checks what decoding cannot, pointing at the offending node.
func (c *Config) validate(v *validation) {
	add := v.add
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
	c.Global.validateGlobals(add)
	c.Global.FlapDetection.validate(add)
	c.AlertQuality.validate(add)
	tmpl, err := template.New(c.Templates...)
	if err != nil {
		add("templates", err.Error())
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
		validateEach(add, tmpl, p+".webhook_configs", r.WebhookConfigs)
		validateEach(add, tmpl, p+".slack_configs", r.SlackConfigs)
		validateEach(add, tmpl, p+".pagerduty_configs", r.PagerdutyConfigs)
		validateEach(add, tmpl, p+".email_configs", r.EmailConfigs)
		validateEach(add, tmpl, p+".opsgenie_configs", r.OpsgenieConfigs)
		validateEach(add, tmpl, p+".msteams_configs", r.MSTeamsConfigs)
		validateEach(add, tmpl, p+".msteamsv2_configs", r.MSTeamsV2Configs)
		validateEach(add, tmpl, p+".telegram_configs", r.TelegramConfigs)
		validateEach(add, tmpl, p+".discord_configs", r.DiscordConfigs)
		validateEach(add, tmpl, p+".victorops_configs", r.VictorOpsConfigs)
		validateEach(add, tmpl, p+".pushover_configs", r.PushoverConfigs)
	}
	switch {
	case c.Route == nil && len(c.Receivers) > 0:
		add("route", "is required when receivers are defined")
	case c.Route != nil:
		if v.failed("receivers") {
			// Their names are unknown: do not call every use undefined.
			names = nil
		}
		for _, err := range route.Validate(c.Route, names) {
			if names == nil && strings.Contains(err.Error(), "undefined receiver") {
				continue
			}
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
	c.validateTimeIntervals(v.doc, v)
	for _, l := range []struct {
		path string
		n    int
	}{
		{"silences.max_silences", c.Silences.MaxSilences},
		{"silences.max_silence_size_bytes", c.Silences.MaxSilenceSizeBytes},
		{"silences.max_windows", c.Silences.MaxWindows},
		{"silences.max_window_size_bytes", c.Silences.MaxWindowSizeBytes},
		{"acknowledgements.max_acknowledgements", c.Acknowledgements.MaxAcknowledgements},
		{"acknowledgements.max_acknowledgement_size_bytes", c.Acknowledgements.MaxAcknowledgementSizeBytes},
	} {
		if l.n < 0 {
			add(l.path, fmt.Sprintf("must not be negative (0 means no limit), got %d", l.n))
		}
	}
	if n := c.Delivery.ParallelGroups; n < 1 || n > 64 {
		add("delivery.parallel_groups", fmt.Sprintf("must be between 1 and 64, got %d", n))
	}
	c.validateWeb(add)
	if pg := c.Storage.Postgres; pg != nil {
		if pg.LeaseTTL < model.Duration(MinLeaseTTL) {
			add("storage.postgres.lease_ttl", fmt.Sprintf("must be at least %s", model.Duration(MinLeaseTTL)))
		}
		if pg.AdvertiseURL != "" {
			if u, err := url.Parse(pg.AdvertiseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				add("storage.postgres.advertise_url", fmt.Sprintf("must be an http(s) URL with a host, got %q", strictyaml.RedactURLs(pg.AdvertiseURL, pg.AdvertiseURL)))
			}
		}
	}
}

// validateEach reports the problems of each integration configuration of
// one kind at path[i]: an empty list item, its Validate errors, and the
// syntax errors of the templated fields it lists (TemplateFields, by
// key), checked against tmpl (nil when the template files are broken).
func validateEach[C interface{ Validate() error }](add func(path, msg string), tmpl *template.Template, path string, cs []C) {
	for i, c := range cs {
		p := fmt.Sprintf("%s[%d]", path, i)
		if v := reflect.ValueOf(c); v.Kind() == reflect.Pointer && v.IsNil() {
			add(p, "is empty")
			continue
		}
		if err := c.Validate(); err != nil {
			add(p, err.Error())
		}
		tf, ok := any(c).(interface{ TemplateFields() map[string]string })
		if !ok || tmpl == nil {
			continue
		}
		fields := tf.TemplateFields()
		for _, key := range slices.Sorted(maps.Keys(fields)) {
			if err := tmpl.Check(fields[key]); err != nil {
				add(p+"."+key, "template: "+err.Error())
			}
		}
	}
}

// validateWeb checks the HTTP server's timeouts and allowed origins.
func (c *Config) validateWeb(add func(path, msg string)) {
	for _, t := range []struct {
		path string
		d    model.Duration
	}{
		{"web.read_timeout", c.Web.ReadTimeout},
		{"web.write_timeout", c.Web.WriteTimeout},
		{"web.idle_timeout", c.Web.IdleTimeout},
	} {
		if t.d <= 0 {
			add(t.path, "must be greater than 0")
		}
	}
	for i, o := range c.Web.AllowedOrigins {
		if _, err := web.ParseOrigin(o); err != nil {
			add(fmt.Sprintf("web.allowed_origins[%d]", i), err.Error())
		}
	}
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

// top returns the root node of a document.
func top(doc *yaml.Node) *yaml.Node {
	if doc != nil && doc.Kind == yaml.DocumentNode && len(doc.Content) > 0 {
		return doc.Content[0]
	}
	return doc
}

// position finds the line:col of a dotted path like "receivers[0].name" in
// the document, or of the nearest existing parent.
func position(doc *yaml.Node, path string) (int, int) {
	n := top(doc)
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
	if n == nil {
		return nil
	}
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
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
