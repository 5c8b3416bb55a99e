package webhook

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestURLFile(t *testing.T) {
	rc := newReceiver(t, func(r *http.Request) (int, string) {
		if r.URL.Path == "/bad/TOKEN" {
			return 400, "no"
		}
		return 200, ""
	})
	file := filepath.Join(t.TempDir(), "url")
	write := func(content string) {
		t.Helper()
		if err := os.WriteFile(file, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(rc.URL + "/first?token=QUERYTOKEN\n")
	n := newNotifier(t, &Config{URLFile: file})
	m := message(firing(testLabels, nil))
	if retry, err := n.Notify(context.Background(), m); err != nil || retry {
		t.Fatalf("retry=%v err=%v", retry, err)
	}
	// The file is read at every send.
	write(rc.URL + "/second")
	if _, err := n.Notify(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	reqs := rc.got()
	if reqs[0].Path != "/first" || reqs[0].Query.Get("token") != "QUERYTOKEN" || reqs[1].Path != "/second" {
		t.Errorf("posted to %s?%s then %s", reqs[0].Path, reqs[0].Query.Encode(), reqs[1].Path)
	}

	tests := []struct {
		name      string
		content   *string // nil removes the file
		wantRetry bool
		want      string
	}{
		{name: "status", content: ptr(rc.URL + "/bad/TOKEN"), want: "/<redacted> answered 400"},
		{name: "missing", wantRetry: true, want: "reading url_file"},
		{name: "not a URL", content: ptr("http://PATHTOKEN\x7f/"), wantRetry: true, want: "does not hold a valid URL"},
		{name: "bad scheme", content: ptr("ftp://PATHTOKEN.example/QUERYTOKEN"), wantRetry: true, want: "scheme must be http or https"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.content == nil {
				_ = os.Remove(file)
			} else {
				write(*tt.content)
			}
			retry, err := n.Notify(context.Background(), m)
			if err == nil || retry != tt.wantRetry || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("retry=%v err=%v, want retry=%v and %q", retry, err, tt.wantRetry, tt.want)
			}
			assertNoSecret(t, "error", strings.ReplaceAll(err.Error(), "/bad/TOKEN", ""))
			if strings.Contains(err.Error(), "TOKEN") {
				t.Errorf("error quotes the URL: %v", err)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
