package windowapi

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/matcher"
	"github.com/alerter/alerter/silence"
)

func newAPI(t *testing.T) (*API, *silence.Silences) {
	t.Helper()
	ms, _ := matcher.Parse(`job="batch"`)
	s, err := silence.New(context.Background(), silence.Options{Windows: []silence.Window{
		{Name: "nightly", Schedule: "0 2 * * *", Duration: 3600e9, Matchers: ms},
	}})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 11, 22, 2, 30, 0, 0, time.UTC)
	api, err := New(Options{Windows: s, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	return api, s
}

func do(t *testing.T, api *API, method, path, body string) (int, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	api.ServeHTTP(rec, httptest.NewRequest(method, path, strings.NewReader(body)))
	var m map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
		t.Fatalf("%s %s: %q: %v", method, path, rec.Body, err)
	}
	return rec.Code, m
}

func TestCreateListDelete(t *testing.T) {
	api, s := newAPI(t)
	code, m := do(t, api, "POST", "/api/v1/maintenance_windows",
		`{"name":"backups","schedule":"30 3 * * SUN","duration":"2h","timeZone":"Europe/Berlin","filter":["service=\"db\""],"createdBy":"ops","comment":"weekly backup"}`)
	if code != 200 {
		t.Fatalf("create: %d %v", code, m)
	}
	if len(s.Windows()) != 2 {
		t.Fatal("not in effect")
	}
	code, m = do(t, api, "GET", "/api/v1/maintenance_windows", "")
	list := m["data"].([]any)
	if code != 200 || len(list) != 2 {
		t.Fatalf("list: %d %v", code, m)
	}
	cfg, created := list[0].(map[string]any), list[1].(map[string]any)
	if cfg["source"] != "config" || cfg["active"] != true || cfg["timeZone"] != "UTC" {
		t.Fatalf("configuration window %v", cfg)
	}
	if created["source"] != "api" || created["duration"] != "2h" || created["createdBy"] != "ops" || created["active"] != true { // 03:30 Sunday in Berlin
		t.Fatalf("created window %v", created)
	}
	if code, m = do(t, api, "DELETE", "/api/v1/maintenance_windows/nightly", ""); code != 409 || !strings.Contains(m["error"].(string), "configuration file") {
		t.Fatalf("deleting the file's window: %d %v", code, m)
	}
	if code, _ = do(t, api, "DELETE", "/api/v1/maintenance_windows/backups", ""); code != 200 || len(s.Windows()) != 1 {
		t.Fatalf("delete: %d", code)
	}
	if code, _ = do(t, api, "DELETE", "/api/v1/maintenance_windows/backups", ""); code != 404 {
		t.Fatalf("delete again: %d", code)
	}
}

func TestBadWindows(t *testing.T) {
	api, s := newAPI(t)
	tests := []struct {
		name, body string
		code       int
		want       string
	}{
		{"not JSON", `{`, 400, "not a valid maintenance window"},
		{"unknown field", `{"name":"x","cron":"@daily"}`, 400, `unknown field "cron"`},
		{"no author", `{"name":"x","schedule":"@daily","duration":"1h","filter":["a=b"]}`, 400, "createdBy"},
		{"bad duration", `{"name":"x","schedule":"@daily","duration":"an hour","filter":["a=b"],"createdBy":"o"}`, 400, "duration"},
		{"bad schedule", `{"name":"x","schedule":"61 * * * *","duration":"1h","filter":["a=b"],"createdBy":"o"}`, 400, "schedule"},
		{"bad zone", `{"name":"x","schedule":"@daily","duration":"1h","timeZone":"Mars/Olympus","filter":["a=b"],"createdBy":"o"}`, 400, "Mars/Olympus"},
		{"no matchers", `{"name":"x","schedule":"@daily","duration":"1h","createdBy":"o"}`, 400, "matcher"},
		{"bad filter", `{"name":"x","schedule":"@daily","duration":"1h","filter":["a=~\"(\""],"createdBy":"o"}`, 400, "filter[0]"},
		{"name with NUL", `{"name":"a\u0000b","schedule":"@daily","duration":"1h","filter":["a=b"],"createdBy":"o"}`, 400, "control character"},
		{"name with an escape sequence", `{"name":"\u001b[31mred","schedule":"@daily","duration":"1h","filter":["a=b"],"createdBy":"o"}`, 400, "control character"},
		{"label name with newline", `{"name":"x","schedule":"@daily","duration":"1h","matchers":[{"name":"a\nb","value":"c"}],"createdBy":"o"}`, 400, "control character"},
		{"wrong type, no Go names", `{"name":1}`, 400, "name must be a string, not a JSON number"},
		{"taken name", `{"name":"nightly","schedule":"@daily","duration":"1h","filter":["a=b"],"createdBy":"o"}`, 409, "already exists"},
		{"too large", `{"comment":"` + strings.Repeat("x", DefaultMaxBody) + `"}`, 413, "larger than"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, m := do(t, api, "POST", "/api/v1/maintenance_windows", tc.body)
			msg, _ := m["error"].(string)
			if code != tc.code || !strings.Contains(msg, tc.want) {
				t.Fatalf("got %d %q, want %d %q", code, msg, tc.code, tc.want)
			}
		})
	}
	if len(s.Windows()) != 1 {
		t.Fatal("a bad request changed the windows")
	}
}

// FuzzDecodeWindow: any body decodes to a window or fails with a message;
// nothing panics.
func FuzzDecodeWindow(f *testing.F) {
	f.Add([]byte(`{"name":"b","schedule":"30 3 * * SUN","duration":"2h","timeZone":"Europe/Berlin","filter":["a=\"b\""],"createdBy":"o"}`))
	f.Add([]byte(`{"name":"b","matchers":[{"name":"a","value":"b","isRegex":false}],"duration":"1h","createdBy":"o"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, b []byte) {
		w, err := decodeWindow(b)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty message")
			}
			return
		}
		if strings.TrimSpace(w.CreatedBy) == "" {
			t.Fatal("accepted without author")
		}
		_ = w.Validate()
	})
}
