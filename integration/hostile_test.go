package integration

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"
)

// internalText is what no answer may contain: storage and runtime
// internals.
var internalText = []string{"sqlite", "storable", "SQL", "panic", "goroutine", "runtime error", "Go struct", "Go value", "UnixNano", "int64"}

// hostileBodies returns bodies for each JSON endpoint: broken JSON, wrong
// types, and valid shapes with hostile values (far-future and impossible
// times, control characters, huge and nested values, matchers that match
// everything, bad regular expressions, bad schedules and zones).
func hostileBodies() map[string][]string {
	generic := []string{
		"", "null", "true", "0", "-1", "1e999", `"x"`, "[]", "{}", "[{}]", `{"a":`, "\x00", "\xff\xfe{}",
		strings.Repeat("[", 20000), strings.Repeat(`{"a":`, 5000) + "1" + strings.Repeat("}", 5000),
		`{"matchers":null}`, `{"matchers":[null]}`, `{"matchers":{}}`, `{"matchers":"a"}`, `{"matchers":[{"name":null}]}`,
		`{"createdBy":{"$gt":""}}`, `{"__proto__":{"x":1}}`,
	}
	times := []string{"", "x", "0000-01-01T00:00:00Z", "0001-01-01T00:00:00Z", "1677-09-21T00:00:00Z", "1970-01-01T00:00:00Z",
		"2262-04-11T23:47:16.854775808Z", "2262-04-12T00:00:00Z", "2400-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z",
		"9999-12-31T23:59:59-23:59", "+10000-01-01T00:00:00Z", "2026-13-45T99:99:99Z", "2026-01-01T00:00:00+99:99"}
	names := []string{"", "a\u0000b", " job", "job\n", "a b", "\u001b[31m", "host.name", strings.Repeat("n", 200000)}
	values := []string{"", ".*", "(", "a{1001}", `\`, strings.Repeat("(a|", 3000), "\u0000", strings.Repeat("v", 300000)}
	now := time.Now().UTC()
	soon := now.Add(time.Hour).Format(time.RFC3339)
	var sils, acks, wins []string
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	sil := func(name, value string, isRegex, isEqual bool, start, end, by, comment string) string {
		return fmt.Sprintf(`{"matchers":[{"name":%s,"value":%s,"isRegex":%v,"isEqual":%v}],"startsAt":%s,"endsAt":%s,"createdBy":%s,"comment":%s}`,
			q(name), q(value), isRegex, isEqual, q(start), q(end), q(by), q(comment))
	}
	for _, n := range names {
		sils = append(sils, sil(n, "x", false, true, now.Format(time.RFC3339), soon, "h", "c"), sil(n, "x", false, false, now.Format(time.RFC3339), soon, "h", "c"))
		acks = append(acks, fmt.Sprintf(`{"matchers":[{"name":%s,"value":"Hostile"}],"createdBy":"h"}`, q(n)))
		wins = append(wins, fmt.Sprintf(`{"name":%s,"schedule":"@daily","duration":"1h","filter":["alertname=\"Hostile\""],"createdBy":"h"}`, q(n)),
			fmt.Sprintf(`{"name":"w","schedule":"@daily","duration":"1h","matchers":[{"name":%s,"value":"x"}],"createdBy":"h"}`, q(n)))
	}
	for _, v := range values {
		for _, re := range []bool{false, true} {
			sils = append(sils, sil("alertname", v, re, true, now.Format(time.RFC3339), soon, "h", "c"), sil("alertname", v, re, false, now.Format(time.RFC3339), soon, "h", "c"))
			acks = append(acks, fmt.Sprintf(`{"matchers":[{"name":"alertname","value":%s,"isRegex":%v}],"createdBy":"h"}`, q(v), re))
		}
	}
	for _, a := range times {
		for _, b := range times {
			sils = append(sils, sil("alertname", "Hostile", false, true, a, b, "h", "c"))
		}
		acks = append(acks, fmt.Sprintf(`{"filter":["alertname=\"Hostile\""],"createdBy":"h","expiresAt":%s}`, q(a)))
		sils = append(sils, fmt.Sprintf(`{"id":"nope","matchers":[{"name":"a","value":"b","isRegex":false}],"startsAt":%s,"endsAt":%s,"createdBy":"h","comment":"c"}`, q(a), q(a)))
	}
	sils = append(sils, sil("alertname", "Hostile", false, true, now.Format(time.RFC3339), soon, strings.Repeat("b", 500000), strings.Repeat("c", 500000)))
	for _, d := range []string{"", "0", "0s", "-1s", "1ns", "292y", "293y", "300y", "9999999999999y", "1e9h", "1h1h", "5m\u0000"} {
		acks = append(acks, fmt.Sprintf(`{"filter":["alertname=\"Hostile\""],"createdBy":"h","duration":%s}`, q(d)))
		wins = append(wins, fmt.Sprintf(`{"name":"d","schedule":"@daily","duration":%s,"filter":["alertname=\"Hostile\""],"createdBy":"h"}`, q(d)))
	}
	for _, f := range []string{`foo!="bar"`, `x=~".*"`, `x=""`, `{`, `a=~"("`, `"a\u0000"="x"`, `alertname!~"Watchdog"`, strings.Repeat(`a="b",`, 10000)} {
		acks = append(acks, fmt.Sprintf(`{"filter":[%s],"createdBy":"h"}`, q(f)))
		wins = append(wins, fmt.Sprintf(`{"name":"f","schedule":"@daily","duration":"1h","filter":[%s],"createdBy":"h"}`, q(f)))
	}
	fps := make([]string, 20000)
	for i := range fps {
		fps[i] = fmt.Sprintf("%016x", i)
	}
	fpList, _ := json.Marshal(fps)
	acks = append(acks, `{"fingerprint":"zz","createdBy":"h"}`, `{"fingerprint":"ffffffffffffffffffff","createdBy":"h"}`,
		`{"fingerprints":`+string(fpList)+`,"createdBy":"h"}`, `{"fingerprint":"-1","createdBy":"h"}`,
		fmt.Sprintf(`{"filter":["alertname=\"Hostile\""],"createdBy":%s}`, q(strings.Repeat("b", 60000))))
	for _, sched := range []string{"", "@every 1s", "* * * * * * * *", "CRON_TZ=", "CRON_TZ=Mars/Base * * * * *", "0 0 30 2 *", "TZ=../../etc/passwd 0 0 * * *", "CRON_TZ=Europe/Berlin", "60 24 32 13 8"} {
		wins = append(wins, fmt.Sprintf(`{"name":"s","schedule":%s,"duration":"1h","filter":["alertname=\"Hostile\""],"createdBy":"h"}`, q(sched)))
	}
	for _, tz := range []string{"Local", "../../etc/passwd", "/etc/localtime", "\u0000", "Europe/Berlin", strings.Repeat("Z", 5000)} {
		wins = append(wins, fmt.Sprintf(`{"name":"z","schedule":"@daily","duration":"1h","timeZone":%s,"filter":["alertname=\"Hostile\""],"createdBy":"h"}`, q(tz)))
	}
	var pushed []string
	for _, n := range names {
		pushed = append(pushed, fmt.Sprintf(`[{"labels":{"alertname":"Hostile",%s:"x"}}]`, q(n)), fmt.Sprintf(`[{"labels":{"alertname":"Hostile"},"annotations":{%s:"x"}}]`, q(n)))
	}
	for _, v := range values {
		pushed = append(pushed, fmt.Sprintf(`[{"labels":{"alertname":%s}}]`, q(v)))
	}
	for _, a := range times {
		for _, b := range times {
			pushed = append(pushed, fmt.Sprintf(`[{"labels":{"alertname":"HostilePush"},"startsAt":%s,"endsAt":%s}]`, q(a), q(b)))
		}
	}
	pushed = append(pushed, `[{}]`, `[{"labels":{}}]`, `[{"labels":null}]`, `[{"labels":{"a":1}}]`, `[{"labels":{"alertname":"x"},"generatorURL":"javascript:alert(1)"}]`,
		`[`+strings.Repeat(`{"labels":{"alertname":"many"}},`, 5000)+`{"labels":{"alertname":"many"}}]`)
	return map[string][]string{
		"/api/v2/alerts":              append(generic, pushed...),
		"/api/v1/alerts":              append(generic, pushed...),
		"/api/v2/silences":            append(generic, sils...),
		"/api/v2/silences/preview":    append(generic, sils...),
		"/api/v1/acknowledgements":    append(generic, acks...),
		"/api/v1/maintenance_windows": append(generic, wins...),
	}
}

// checkAnswer fails the test for a 5xx or an answer with internal text.
func checkAnswer(t *testing.T, what string, code int, body string) {
	t.Helper()
	if code >= 500 {
		t.Errorf("%s: %d %.300s", what, code, body)
	}
	for _, s := range internalText {
		if strings.Contains(body, s) {
			t.Errorf("%s: answer shows %q: %.300s", what, s, body)
		}
	}
}

// TestHostileInputAndLimits runs the real binary against a real
// Prometheus with authentication off and throws hostile bodies at every
// API endpoint: nothing answers 5xx or shows internals. Far-future
// silences (amtool --duration=290y; amtool 0.25 itself refuses 300y) and
// acknowledgements are accepted and survive a restart; limits on
// silences, acknowledgements and windows answer 400 naming the limit and
// its value; a body announced and never sent does not hold a connection;
// and the log says that the API is open.
func TestHostileInputAndLimits(t *testing.T) {
	e := newEnvWith(t, `groups:
  - name: g
    interval: 1s
    rules:
      - alert: Hostile
        expr: test_value > 0.5
`, "300ms", `  read_timeout: 2s
silences:
  max_silences: 40
  max_silence_size_bytes: 4096
  max_windows: 20
acknowledgements:
  max_acknowledgements: 30
`+defaultNotify)
	e.src.Set("test_value", inst, 1)
	e.prom.WaitForSeries(t, "test_value", 30*time.Second)
	e.start()
	e.waitAlert("Hostile", "firing")

	// The posture: the log names the open address.
	if want := fmt.Sprintf("open to anyone who can reach 127.0.0.1:%d", e.port); !strings.Contains(e.proc.Log(), want) {
		t.Errorf("the log does not warn %q", want)
	}

	// Far-future times are accepted, not a 500: amtool as Alertmanager's
	// users run it, then the API up to the end of year 9999.
	am := newAmtool(t, e)
	longID := strings.TrimSpace(am.run("silence", "add", "alertname=Hostile", "--comment=forever", "--author=a", "--duration=290y"))
	now := time.Now().UTC()
	code, body := e.postJSON("/api/v2/silences", fmt.Sprintf(`{"matchers":[{"name":"alertname","value":"Hostile","isRegex":false}],"startsAt":%q,"endsAt":"9999-12-31T23:59:59.999Z","createdBy":"a","comment":"c"}`, now.Format(time.RFC3339)))
	if code != 200 {
		t.Fatalf("silence to 9999: %d %s", code, body)
	}
	code, body = e.postJSON("/api/v2/silences", fmt.Sprintf(`{"matchers":[{"name":"alertname","value":"Hostile","isRegex":false}],"startsAt":%q,"endsAt":"9999-12-31T23:59:59-10:00","createdBy":"a","comment":"c"}`, now.Format(time.RFC3339)))
	if code != 400 || !strings.Contains(body, "9999-12-31T23:59:59Z") {
		t.Fatalf("silence past 9999: %d %s", code, body)
	}
	code, body = e.postJSON("/api/v1/acknowledgements", `{"filter":["alertname=\"Hostile\""],"createdBy":"a","expiresAt":"2500-01-01T00:00:00Z"}`)
	if code != 200 {
		t.Fatalf("acknowledgement to 2500: %d %s", code, body)
	}

	for path, bodies := range hostileBodies() {
		for _, b := range bodies {
			code, resp := e.send("POST", path, b, map[string]string{"Content-Type": "application/json"})
			checkAnswer(t, fmt.Sprintf("POST %s %.120q", path, b), code, resp)
		}
	}
	for _, target := range []string{
		"/api/v2/silences?filter=" + strings.Repeat("(", 100), "/api/v2/silences?filter=%00", "/api/v2/alerts?filter=a%3D~%22(%22",
		"/api/v2/alerts?receiver=(", "/api/v2/silence/%00", "/api/v2/silence/" + strings.Repeat("x", 5000),
		"/api/v1/acknowledgements/%2e%2e", "/api/v1/rules?rule_name[]=%ff", "/api/v1/rules?exclude_alerts=maybe",
	} {
		for _, m := range []string{"GET", "DELETE"} {
			code, resp := e.send(m, target, "", nil)
			checkAnswer(t, m+" "+target, code, resp)
		}
	}
	for _, target := range []string{"/api/v1/maintenance_windows/%00", "/api/v1/acknowledgements/nope", "/-/reload"} {
		code, resp := e.send("DELETE", target, "", nil)
		checkAnswer(t, "DELETE "+target, code, resp)
	}

	// Limits: expire every silence, then fill up to max_silences; one
	// more is 400 naming the limit. An oversized one is 400 too.
	var sils []struct {
		ID     string
		Status struct{ State string }
	}
	if err := getRaw(e.apiURL("/api/v2/silences"), &sils); err != nil {
		t.Fatal(err)
	}
	for _, s := range sils {
		if s.Status.State != "expired" && s.ID != longID {
			if code, resp := e.send("DELETE", "/api/v2/silence/"+s.ID, "", nil); code != 200 {
				t.Fatalf("expire %s: %d %s", s.ID, code, resp)
			}
		}
	}
	for i := 1; i < 40; i++ { // the 290y silence is the 40th
		if code, body := e.postJSON("/api/v2/silences", silenceBody(fmt.Sprint("filler", i))); code != 200 {
			t.Fatalf("silence %d of 40: %d %s", i, code, body)
		}
	}
	code, body = e.postJSON("/api/v2/silences", silenceBody("one too many"))
	if code != 400 || !strings.Contains(body, "limit is 40") || !strings.Contains(body, "max-silences") {
		t.Fatalf("41st silence: %d %s", code, body)
	}
	big := strings.Replace(silenceBody("big"), `"comment":"c"`, `"comment":"`+strings.Repeat("x", 4097)+`"`, 1)
	if code, body := e.postJSON("/api/v2/silences", big); code != 400 || !strings.Contains(body, "limit of 4096 bytes") {
		t.Fatalf("oversized silence: %d %s", code, body)
	}
	var acks []struct{ ID, Status string }
	if err := e.getJSON("/api/v1/acknowledgements", &acks); err != nil {
		t.Fatal(err)
	}
	for _, k := range acks {
		if code, resp := e.send("DELETE", "/api/v1/acknowledgements/"+k.ID, "", nil); code != 200 {
			t.Fatalf("withdraw %s: %d %s", k.ID, code, resp)
		}
	}
	for i := range 30 {
		if code, body := e.postJSON("/api/v1/acknowledgements", fmt.Sprintf(`{"filter":["alertname=\"Hostile\""],"createdBy":"a%d"}`, i)); code != 200 {
			t.Fatalf("acknowledgement %d of 30: %d %s", i+1, code, body)
		}
	}
	if code, body := e.postJSON("/api/v1/acknowledgements", `{"filter":["alertname=\"Hostile\""],"createdBy":"late"}`); code != 400 || !strings.Contains(body, "limit is 30") {
		t.Fatalf("31st acknowledgement: %d %s", code, body)
	}
	_, _, wins := e.counts(t)
	for i := wins; i < 20; i++ {
		if code, body := e.postJSON("/api/v1/maintenance_windows", windowBody(fmt.Sprint("w", i))); code != 200 {
			t.Fatalf("window %d of 20: %d %s", i+1, code, body)
		}
	}
	if code, body := e.postJSON("/api/v1/maintenance_windows", windowBody("late")); code != 400 || !strings.Contains(body, "limit is 20") {
		t.Fatalf("21st window: %d %s", code, body)
	}

	// A body announced and never sent: the server gives up on it within
	// the read timeout (2s) instead of holding the connection.
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", e.port))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "POST /api/v2/silences HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	_ = conn.SetReadDeadline(time.Now().Add(60 * time.Second))
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err == nil {
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		checkAnswer(t, "silent body", resp.StatusCode, "")
		_, err = br.ReadByte()
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatal("a connection with an announced, unsent body was held for 60s")
	}

	// Everything stored loads again: the far-future silence keeps its
	// exact end.
	var before struct{ EndsAt time.Time }
	if err := getRaw(e.apiURL("/api/v2/silence/"+longID), &before); err != nil {
		t.Fatal(err)
	}
	e.restart()
	var after struct{ EndsAt time.Time }
	if err := getRaw(e.apiURL("/api/v2/silence/"+longID), &after); err != nil || !after.EndsAt.Equal(before.EndsAt) || after.EndsAt.Year() < 2300 {
		t.Fatalf("290y silence after restart: %+v %v (before %v)", after, err, before.EndsAt)
	}
	if log := e.proc.Log(); strings.Contains(log, "panic") {
		t.Fatalf("panic in the log:\n%s", log)
	}
}
