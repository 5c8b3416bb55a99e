// Package secret reads the credentials of receiver integrations: a value
// from the configuration, or a file read at every send so that a rotated
// credential takes effect without a reload. Errors name the configuration
// key and the file, never the content.
package secret

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"

	"github.com/prometheus/common/config"
)

// Read returns value, or the content of file (surrounding white space
// trimmed) when file is set. key names the value's configuration key
// (api_key); the file's key is key+"_file". An empty result is an error.
func Read(key string, value config.Secret, file string) (string, error) {
	if file == "" {
		if value == "" {
			return "", fmt.Errorf("%s is empty", key)
		}
		return string(value), nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("reading %s_file: %w", key, err)
	}
	s := strings.TrimSpace(string(b))
	if s == "" {
		return "", fmt.Errorf("%s_file %s is empty", key, file)
	}
	return s, nil
}

// ReadURL returns u, or the URL in file when file is set, checked to be an
// absolute http(s) URL. key names the URL's configuration key
// (webhook_url); the file's key is key+"_file". Errors never quote the
// URL, which is a credential.
func ReadURL(key string, u *url.URL, file string) (*url.URL, error) {
	if file == "" {
		if u == nil {
			return nil, fmt.Errorf("%s is empty", key)
		}
		return u, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("reading %s_file: %w", key, err)
	}
	parsed, err := url.Parse(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, fmt.Errorf("%s_file %s does not hold a valid URL", key, file)
	}
	if err := CheckURL(parsed); err != nil {
		return nil, fmt.Errorf("the URL in %s_file %s %w", key, file, err)
	}
	return parsed, nil
}

// CheckURL says what is wrong with a service URL, without quoting it.
func CheckURL(u *url.URL) error {
	switch {
	case u == nil:
		return errors.New("is empty")
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("scheme must be http or https, not %q", u.Scheme)
	case u.Host == "":
		return errors.New("has no host")
	}
	return nil
}

// Exclusive checks that at most one of a value and its file is set, and,
// when required, that one is. key is the value's configuration key.
func Exclusive(key string, hasValue bool, file string, required bool) error {
	switch {
	case hasValue && file != "":
		return fmt.Errorf("at most one of %s and %s_file may be set", key, key)
	case required && !hasValue && file == "":
		return fmt.Errorf("%s or %s_file is required", key, key)
	}
	return nil
}
