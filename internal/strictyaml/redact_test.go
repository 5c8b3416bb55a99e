package strictyaml

import (
	"strings"
	"testing"
)

func TestRedactURLs(t *testing.T) {
	raw := "http://u:PASS@host.example:port/hook/TOKEN?key=KEY"
	msg := `parse "` + raw + `": invalid port ":port" after host`
	got := RedactURLs(msg, raw)
	for _, secret := range []string{"PASS", "TOKEN", "KEY"} {
		if strings.Contains(got, secret) {
			t.Fatalf("%q still holds %s", got, secret)
		}
	}
	if !strings.Contains(got, "host.example") || !strings.Contains(got, "invalid port") {
		t.Fatalf("redacted too much: %q", got)
	}
	if RedactURLs("not a duration", "5 minutes") != "not a duration" {
		t.Fatal("non-URL values must be left alone")
	}
}
