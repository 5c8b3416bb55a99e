package notifiers

import (
	"encoding/json"
	"errors"
	"net/url"
	"strings"

	"github.com/prometheus/common/config"
)

// SecretURL is a URL that is itself a credential, such as a Slack, Teams
// or Discord webhook URL. It marshals as "<secret>" (unless
// prometheus/common's config.MarshalSecretValue is set, as for
// config.Secret), prints as "<secret>", and its parse errors do not quote
// it.
type SecretURL struct {
	*url.URL
}

const secretToken = "<secret>"

// ParseSecretURL parses s without quoting it in errors.
func ParseSecretURL(s string) (*SecretURL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return nil, errors.New("invalid URL (not quoted: it is a secret)")
	}
	return &SecretURL{URL: u}, nil
}

// UnmarshalYAML parses the URL (yaml.v2 and yaml.v3 call this form).
func (s *SecretURL) UnmarshalYAML(unmarshal func(any) error) error {
	var str string
	if err := unmarshal(&str); err != nil {
		return err
	}
	u, err := ParseSecretURL(str)
	if err != nil {
		return err
	}
	*s = *u
	return nil
}

// MarshalYAML hides the URL.
func (s SecretURL) MarshalYAML() (any, error) {
	if s.URL == nil {
		return nil, nil
	}
	if config.MarshalSecretValue {
		return s.URL.String(), nil
	}
	return secretToken, nil
}

// UnmarshalJSON parses the URL.
func (s *SecretURL) UnmarshalJSON(b []byte) error {
	var str string
	if err := json.Unmarshal(b, &str); err != nil {
		return err
	}
	u, err := ParseSecretURL(str)
	if err != nil {
		return err
	}
	*s = *u
	return nil
}

// MarshalJSON hides the URL.
func (s SecretURL) MarshalJSON() ([]byte, error) {
	if s.URL == nil {
		return []byte("null"), nil
	}
	if config.MarshalSecretValue {
		return json.Marshal(s.URL.String())
	}
	return json.Marshal(secretToken)
}

// String hides the URL, so that printing a Config cannot leak it.
func (s SecretURL) String() string { return secretToken }

// Get returns the URL, nil for a nil SecretURL.
func (s *SecretURL) Get() *url.URL {
	if s == nil {
		return nil
	}
	return s.URL
}
