package slack

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/config"
	"github.com/prometheus/common/model"

	"github.com/alerter/alerter/notifiers"
)

// Defaults applied by New when the configuration leaves a field unset.
const (
	// DefaultTimeout bounds each call to Slack.
	DefaultTimeout = 10 * time.Second
	// DefaultAppURL is the base of Slack's Web API.
	DefaultAppURL = "https://slack.com/api/"
)

// Config is one slack_configs entry. Field names follow Alertmanager's
// slack_config where it has them, so existing configurations carry over.
// Exactly one of APIURL, APIURLFile (incoming-webhook mode), AppToken or
// AppTokenFile (bot-token mode) is set.
type Config struct {
	// APIURL is an incoming-webhook URL. Its path is a credential: it is
	// never logged, returned in errors or marshalled.
	APIURL *SecretURL `yaml:"api_url,omitempty" json:"api_url,omitempty"`
	// APIURLFile holds the incoming-webhook URL; it is read on every
	// notification, so the URL can be rotated without a reload.
	APIURLFile string `yaml:"api_url_file,omitempty" json:"api_url_file,omitempty"`
	// AppToken is a bot token ("xoxb-…") with the chat:write scope.
	AppToken config.Secret `yaml:"app_token,omitempty" json:"app_token,omitempty"`
	// AppTokenFile holds the bot token; it is read on every notification.
	AppTokenFile string `yaml:"app_token_file,omitempty" json:"app_token_file,omitempty"`
	// AppURL is the base URL of Slack's Web API; default DefaultAppURL.
	// Alertmanager's form, ending in /chat.postMessage, is accepted too.
	AppURL *config.URL `yaml:"app_url,omitempty" json:"app_url,omitempty"`

	// Channel to post to (template). Required in bot mode; in webhook mode
	// it overrides the webhook's channel where Slack still allows that.
	Channel string `yaml:"channel,omitempty" json:"channel,omitempty"`
	// Username, IconEmoji and IconURL override the poster's name and
	// icon (templates); in bot mode they need chat:write.customize.
	Username  string `yaml:"username,omitempty" json:"username,omitempty"`
	IconEmoji string `yaml:"icon_emoji,omitempty" json:"icon_emoji,omitempty"`
	IconURL   string `yaml:"icon_url,omitempty" json:"icon_url,omitempty"`

	// Title is the message's heading (template); default
	// `{{ template "slack.default.title" . }}`.
	Title string `yaml:"title,omitempty" json:"title,omitempty"`
	// TitleLink makes the title a link (template).
	TitleLink string `yaml:"title_link,omitempty" json:"title_link,omitempty"`
	// Text is the notification and fallback text (template); default
	// `{{ template "slack.default.text" . }}`.
	Text string `yaml:"text,omitempty" json:"text,omitempty"`
	// Color is the colour bar (template): "good", "warning", "danger" or
	// a hex colour. Empty means by status and severity: critical, page
	// and error red, warning orange, info blue, resolved green.
	Color string `yaml:"color,omitempty" json:"color,omitempty"`
	// Footer is a small line under the message (template).
	Footer string `yaml:"footer,omitempty" json:"footer,omitempty"`

	// Pretext (template) is shown between the title and the alerts.
	Pretext string `yaml:"pretext,omitempty" json:"pretext,omitempty"`
	// Fields are titled values (templates) shown after the alerts, two
	// to a row when short.
	Fields []*Field `yaml:"fields,omitempty" json:"fields,omitempty"`
	// ShortFields is the default of the fields' short.
	ShortFields bool `yaml:"short_fields,omitempty" json:"short_fields,omitempty"`
	// Fallback (template) is the attachment's plain-text summary, for
	// clients that cannot show blocks; default the title.
	Fallback string `yaml:"fallback,omitempty" json:"fallback,omitempty"`
	// CallbackID (template) is the attachment's callback_id.
	CallbackID string `yaml:"callback_id,omitempty" json:"callback_id,omitempty"`
	// ImageURL (template) is an image shown after the alerts.
	ImageURL string `yaml:"image_url,omitempty" json:"image_url,omitempty"`
	// ThumbURL (template) is a thumbnail beside the first alert.
	ThumbURL string `yaml:"thumb_url,omitempty" json:"thumb_url,omitempty"`
	// LinkNames makes @here, @channel and @everyone in the pretext and
	// fields notify, and (bot mode) asks Slack to link names in the text.
	LinkNames bool `yaml:"link_names,omitempty" json:"link_names,omitempty"`
	// MrkdwnIn lists what is formatted as mrkdwn: "pretext", "text",
	// "fields" (and "fallback", accepted and ignored); default pretext
	// and text, as in Alertmanager.
	MrkdwnIn []string `yaml:"mrkdwn_in,omitempty" json:"mrkdwn_in,omitempty"`
	// Actions are link or message buttons (templates) shown after the
	// alerts. Message buttons send their name and value to the Slack
	// app's interactivity URL.
	Actions []*Action `yaml:"actions,omitempty" json:"actions,omitempty"`

	// SendResolved says whether resolved alerts are notified; default true.
	SendResolved *bool `yaml:"send_resolved,omitempty" json:"send_resolved,omitempty"`
	// UpdateInPlace (bot mode only; default true) edits a group's first
	// message as the group changes and threads the changes under it,
	// instead of posting a new message each time.
	UpdateInPlace *bool `yaml:"update_in_place,omitempty" json:"update_in_place,omitempty"`

	// HTTPConfig configures proxies and TLS as in Prometheus.
	HTTPConfig *config.HTTPClientConfig `yaml:"http_config,omitempty" json:"http_config,omitempty"`
	// Timeout bounds each call to Slack; 0 means DefaultTimeout.
	Timeout model.Duration `yaml:"timeout,omitempty" json:"timeout,omitempty"`
}

// Field is a titled value of slack_config.fields.
type Field struct {
	Title string `yaml:"title,omitempty" json:"title,omitempty"`
	Value string `yaml:"value,omitempty" json:"value,omitempty"`
	// Short lets two fields share a row; default short_fields.
	Short *bool `yaml:"short,omitempty" json:"short,omitempty"`
}

// Action is a button of slack_config.actions: a link (URL set) or a
// message button (Name and Value sent to the app).
type Action struct {
	Type    string        `yaml:"type,omitempty" json:"type,omitempty"`
	Text    string        `yaml:"text,omitempty" json:"text,omitempty"`
	URL     string        `yaml:"url,omitempty" json:"url,omitempty"`
	Style   string        `yaml:"style,omitempty" json:"style,omitempty"`
	Name    string        `yaml:"name,omitempty" json:"name,omitempty"`
	Value   string        `yaml:"value,omitempty" json:"value,omitempty"`
	Confirm *Confirmation `yaml:"confirm,omitempty" json:"confirm,omitempty"`
}

// Confirmation asks the user to confirm a click.
type Confirmation struct {
	Text        string `yaml:"text,omitempty" json:"text,omitempty"`
	Title       string `yaml:"title,omitempty" json:"title,omitempty"`
	OkText      string `yaml:"ok_text,omitempty" json:"ok_text,omitempty"`
	DismissText string `yaml:"dismiss_text,omitempty" json:"dismiss_text,omitempty"`
}

// mrkdwnTargets are the values mrkdwn_in accepts.
var mrkdwnTargets = []string{"pretext", "text", "fields", "fallback"}

// validateExtras checks Alertmanager's attachment fields.
func (c *Config) validateExtras() []error {
	var errs []error
	for i, f := range c.Fields {
		switch {
		case f == nil:
			errs = append(errs, fmt.Errorf("fields[%d] is empty", i))
		case f.Title == "" || f.Value == "":
			errs = append(errs, fmt.Errorf("fields[%d]: title and value are required", i))
		}
	}
	for i, a := range c.Actions {
		p := fmt.Sprintf("actions[%d]", i)
		switch {
		case a == nil:
			errs = append(errs, fmt.Errorf("%s is empty", p))
			continue
		case a.Type == "":
			errs = append(errs, fmt.Errorf("%s: type is required", p))
		case a.Type != "button" && !strings.Contains(a.Type, "{{"):
			errs = append(errs, fmt.Errorf("%s: type %q is not button, the only type of action", p, a.Type))
		}
		if a.Text == "" {
			errs = append(errs, fmt.Errorf("%s: text is required", p))
		}
		if a.URL == "" && a.Name == "" {
			errs = append(errs, fmt.Errorf("%s: url or name is required", p))
		}
		switch a.Style {
		case "", "default", "primary", "danger":
		default:
			if !strings.Contains(a.Style, "{{") {
				errs = append(errs, fmt.Errorf("%s: style %q is not default, primary or danger", p, a.Style))
			}
		}
		if a.Confirm != nil && a.Confirm.Text == "" {
			errs = append(errs, fmt.Errorf("%s.confirm: text is required", p))
		}
	}
	for _, m := range c.MrkdwnIn {
		if !slices.Contains(mrkdwnTargets, m) {
			errs = append(errs, fmt.Errorf("mrkdwn_in: %q is not one of %s", m, strings.Join(mrkdwnTargets, ", ")))
		}
	}
	return errs
}

// Validate reports every problem of the configuration at once. Templates
// are not parsed here: TemplateFields lists them for the caller, which
// knows the template files.
func (c *Config) Validate() error {
	var errs []error
	var set []string
	if c.APIURL != nil {
		set = append(set, "api_url")
	}
	if c.APIURLFile != "" {
		set = append(set, "api_url_file")
	}
	if c.AppToken != "" {
		set = append(set, "app_token")
	}
	if c.AppTokenFile != "" {
		set = append(set, "app_token_file")
	}
	if len(set) != 1 {
		msg := "exactly one of api_url, api_url_file, app_token or app_token_file must be set"
		if len(set) > 1 {
			msg += ", got " + strings.Join(set, " and ")
		}
		errs = append(errs, errors.New(msg))
	}
	if c.APIURL != nil {
		if err := checkURL(c.APIURL.URL); err != nil {
			errs = append(errs, fmt.Errorf("api_url: %w", err))
		}
	}
	bot := c.AppToken != "" || c.AppTokenFile != ""
	webhook := c.APIURL != nil || c.APIURLFile != ""
	if bot && strings.TrimSpace(c.Channel) == "" {
		errs = append(errs, errors.New("channel is required with app_token or app_token_file"))
	}
	if c.AppURL != nil {
		if err := checkURL(c.AppURL.URL); err != nil {
			errs = append(errs, fmt.Errorf("app_url: %w", err))
		}
		if webhook {
			errs = append(errs, errors.New("app_url is only used with app_token or app_token_file"))
		}
	}
	if webhook && c.UpdateInPlace != nil && *c.UpdateInPlace {
		errs = append(errs, errors.New("update_in_place needs app_token or app_token_file: incoming webhooks cannot edit messages"))
	}
	errs = append(errs, c.validateExtras()...)
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout must not be negative, got %s", time.Duration(c.Timeout)))
	}
	if c.HTTPConfig != nil {
		if err := c.HTTPConfig.Validate(); err != nil {
			errs = append(errs, fmt.Errorf("http_config: %w", err))
		}
	}
	return errors.Join(errs...)
}

// TemplateFields returns the templated fields that are set, by YAML key,
// so that the configuration loader can check them against the template
// files and report errors at their position.
func (c *Config) TemplateFields() map[string]string {
	out := map[string]string{}
	for key, text := range map[string]string{
		"channel": c.Channel, "username": c.Username, "icon_emoji": c.IconEmoji,
		"icon_url": c.IconURL, "title": c.Title, "title_link": c.TitleLink,
		"text": c.Text, "color": c.Color, "footer": c.Footer,
		"pretext": c.Pretext, "fallback": c.Fallback, "callback_id": c.CallbackID,
		"image_url": c.ImageURL, "thumb_url": c.ThumbURL,
	} {
		if text != "" {
			out[key] = text
		}
	}
	for i, f := range c.Fields {
		if f != nil {
			out[fmt.Sprintf("fields[%d].title", i)] = f.Title
			out[fmt.Sprintf("fields[%d].value", i)] = f.Value
		}
	}
	for i, a := range c.Actions {
		if a == nil {
			continue
		}
		p := fmt.Sprintf("actions[%d].", i)
		out[p+"type"], out[p+"text"], out[p+"url"], out[p+"style"], out[p+"name"], out[p+"value"] = a.Type, a.Text, a.URL, a.Style, a.Name, a.Value
		if cf := a.Confirm; cf != nil {
			out[p+"confirm.text"], out[p+"confirm.title"], out[p+"confirm.ok_text"], out[p+"confirm.dismiss_text"] = cf.Text, cf.Title, cf.OkText, cf.DismissText
		}
	}
	return out
}

// SetDirectory resolves relative file paths against the configuration
// file's directory, as Prometheus does.
func (c *Config) SetDirectory(dir string) {
	c.APIURLFile = config.JoinDir(dir, c.APIURLFile)
	c.AppTokenFile = config.JoinDir(dir, c.AppTokenFile)
	if c.HTTPConfig != nil {
		c.HTTPConfig.SetDirectory(dir)
	}
}

// checkURL accepts absolute http(s) URLs. Its errors never quote the URL.
func checkURL(u *url.URL) error {
	switch {
	case u == nil:
		return errors.New("is empty")
	case u.Scheme != "http" && u.Scheme != "https":
		return errors.New("scheme must be http or https")
	case u.Host == "":
		return errors.New("has no host")
	}
	return nil
}

// SecretURL is a URL that is itself a credential (see
// notifiers.SecretURL): it never prints, marshals or fails to parse with
// its value.
type SecretURL = notifiers.SecretURL

// ParseSecretURL parses s without quoting it in errors.
func ParseSecretURL(s string) (*SecretURL, error) { return notifiers.ParseSecretURL(s) }
