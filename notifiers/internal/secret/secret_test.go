package secret

import (
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "key")
	if got, err := Read("api_key", "inline", ""); got != "inline" || err != nil {
		t.Errorf("inline: %q %v", got, err)
	}
	if _, err := Read("api_key", "", file); err == nil || !strings.Contains(err.Error(), "reading api_key_file") {
		t.Errorf("missing file: %v", err)
	}
	_ = os.WriteFile(file, []byte("  \n"), 0o600)
	if _, err := Read("api_key", "", file); err == nil || !strings.Contains(err.Error(), "is empty") {
		t.Errorf("empty file: %v", err)
	}
	_ = os.WriteFile(file, []byte(" FROMFILE\n"), 0o600)
	if got, err := Read("api_key", "ignored", file); got != "FROMFILE" || err != nil {
		t.Errorf("file: %q %v", got, err)
	}
}

func TestReadURL(t *testing.T) {
	file := filepath.Join(t.TempDir(), "url")
	u, _ := url.Parse("https://x/TOKEN")
	if got, err := ReadURL("webhook_url", u, ""); got != u || err != nil {
		t.Errorf("inline: %v %v", got, err)
	}
	for content, want := range map[string]string{
		"https://h/TOKEN\n":  "",
		"ftp://h/TOKEN":      "scheme must be http or https",
		"https:///TOKEN":     "has no host",
		"http://TOKEN\x7f/x": "does not hold a valid URL",
	} {
		_ = os.WriteFile(file, []byte(content), 0o600)
		got, err := ReadURL("webhook_url", nil, file)
		if want == "" {
			if err != nil || got.Path != "/TOKEN" {
				t.Errorf("%q: %v %v", content, got, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) || strings.Contains(err.Error(), "TOKEN") {
			t.Errorf("%q: %v", content, err)
		}
	}
}

func TestExclusive(t *testing.T) {
	if err := Exclusive("token", true, "f", false); err == nil || err.Error() != "at most one of token and token_file may be set" {
		t.Error(err)
	}
	if err := Exclusive("token", false, "", true); err == nil || err.Error() != "token or token_file is required" {
		t.Error(err)
	}
	if err := Exclusive("token", false, "", false); err != nil {
		t.Error(err)
	}
}
