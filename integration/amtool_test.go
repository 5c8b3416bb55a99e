package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/promtest"
)

// These tests drive alerter's Alertmanager API v2 with the real amtool, as
// an operator would: the JSON shapes, status codes and query parameters
// must be the ones amtool's generated client sends and reads.

// debianAmtoolPath is where Debian's prometheus-alertmanager package
// installs amtool.
const debianAmtoolPath = "/usr/bin/amtool"

// amtoolBinary finds amtool as promtest.Binary finds prometheus: $AMTOOL_BIN,
// else amtool on $PATH, else Debian's. Missing, the test is skipped, or
// fails when $CI is set.
func amtoolBinary(t *testing.T) string {
	t.Helper()
	missing := func(why string) {
		t.Helper()
		msg := why + "; install Debian's \"prometheus-alertmanager\" package " +
			"(apt-get install prometheus-alertmanager, or run scripts/ensure-deps.sh)"
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	if p := os.Getenv("AMTOOL_BIN"); p != "" {
		if !isExecutable(p) {
			missing("AMTOOL_BIN=" + p + " is not an executable file")
		}
		return p
	}
	if p, err := exec.LookPath("amtool"); err == nil {
		return p
	}
	if isExecutable(debianAmtoolPath) {
		return debianAmtoolPath
	}
	missing("amtool not found (set AMTOOL_BIN or put it on PATH)")
	return ""
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

// amtool runs amtool against one alerter.
type amtool struct {
	t    *testing.T
	bin  string
	url  string
	home string
}

func newAmtool(t *testing.T, e *env) *amtool {
	t.Helper()
	// HOME is a fresh directory, so no amtool configuration of the user's
	// changes the output.
	return &amtool{t: t, bin: amtoolBinary(t), url: fmt.Sprintf("http://127.0.0.1:%d", e.port), home: t.TempDir()}
}

// try runs amtool with stdin and returns its stdout, stderr and error.
func (a *amtool) try(stdin string, args ...string) (string, string, error) {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, a.bin, append([]string{"--alertmanager.url=" + a.url}, args...)...)
	cmd.Env = append(os.Environ(), "HOME="+a.home)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	return out.String(), errb.String(), err
}

// run runs amtool and fails the test if it fails.
func (a *amtool) run(args ...string) string {
	a.t.Helper()
	return a.runIn("", args...)
}

func (a *amtool) runIn(stdin string, args ...string) string {
	a.t.Helper()
	out, errOut, err := a.try(stdin, args...)
	if err != nil {
		a.t.Fatalf("amtool %s: %v\nstdout: %s\nstderr: %s", strings.Join(args, " "), err, out, errOut)
	}
	return out
}

// lines splits output into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

type amMatcher struct {
	Name    string `json:"name"`
	Value   string `json:"value"`
	IsRegex bool   `json:"isRegex"`
	IsEqual bool   `json:"isEqual"`
}

type amSilence struct {
	ID     string `json:"id"`
	Status struct {
		State string `json:"state"`
	} `json:"status"`
	Matchers  []amMatcher `json:"matchers"`
	StartsAt  time.Time   `json:"startsAt"`
	EndsAt    time.Time   `json:"endsAt"`
	UpdatedAt time.Time   `json:"updatedAt"`
	CreatedBy string      `json:"createdBy"`
	Comment   string      `json:"comment"`
}

type amAlert struct {
	Labels      map[string]string `json:"labels"`
	Fingerprint string            `json:"fingerprint"`
	Receivers   []struct {
		Name string `json:"name"`
	} `json:"receivers"`
	Status struct {
		State       string   `json:"state"`
		SilencedBy  []string `json:"silencedBy"`
		InhibitedBy []string `json:"inhibitedBy"`
		MutedBy     []string `json:"mutedBy"`
	} `json:"status"`
}

// silences returns `amtool silence query -o json` plus args.
func (a *amtool) silences(args ...string) []amSilence {
	a.t.Helper()
	out := a.run(append([]string{"-o", "json", "silence", "query"}, args...)...)
	var ss []amSilence
	if err := json.Unmarshal([]byte(out), &ss); err != nil {
		a.t.Fatalf("silence query -o json: %v\n%s", err, out)
	}
	return ss
}

// alerts returns `amtool alert query -o json` plus args.
func (a *amtool) alerts(args ...string) []amAlert {
	a.t.Helper()
	out := a.run(append([]string{"-o", "json", "alert", "query"}, args...)...)
	var as []amAlert
	if err := json.Unmarshal([]byte(out), &as); err != nil {
		a.t.Fatalf("alert query -o json: %v\n%s", err, out)
	}
	return as
}

func findSilence(t *testing.T, ss []amSilence, id string) amSilence {
	t.Helper()
	for _, s := range ss {
		if s.ID == id {
			return s
		}
	}
	t.Fatalf("silence %s not in %+v", id, ss)
	return amSilence{}
}

const amtoolRules = `groups:
  - name: amtool
    interval: 1s
    rules:
      - alert: AmtoolFiring
        expr: amtool_value > 0
        labels:
          severity: warning
        annotations:
          summary: amtool test alert
`

// sinkToken is in the sink's URL: amtool config show must not print it.
const sinkToken = "AMTOOL-SINK-TOKEN-5e1f"

func TestAmtoolSilences(t *testing.T) {
	t.Parallel()
	e := newEnvWith(t, amtoolRules, "300ms", strings.ReplaceAll(defaultNotify, "{{sink}}", "{{sink}}/hook?token="+sinkToken))
	am := newAmtool(t, e)
	e.src.Set("amtool_value", inst, 1)
	e.prom.WaitForSeries(t, "amtool_value", 30*time.Second)
	e.start()
	e.waitAlert("AmtoolFiring", "firing")

	// The firing alert, as Alertmanager would list it.
	if out := am.run("alert", "query"); !strings.Contains(out, "AmtoolFiring") || !strings.Contains(out, "amtool test alert") {
		t.Fatalf("alert query does not list the firing alert:\n%s", out)
	}
	as := am.alerts()
	if len(as) != 1 || as[0].Status.State != "active" || len(as[0].Receivers) != 1 || as[0].Receivers[0].Name != "sink" ||
		as[0].Labels["severity"] != "warning" || as[0].Fingerprint == "" {
		t.Fatalf("alert query -o json: %+v", as)
	}
	if out := am.run("config", "show"); !strings.Contains(out, "receivers:") || strings.Contains(out, sinkToken) {
		t.Fatalf("config show must print the configuration without the sink's URL:\n%s", out)
	}

	// silence add prints the new silence's ID.
	id := strings.TrimSpace(am.run("silence", "add", "alertname=AmtoolFiring", "--comment=disk swap", "--author=tester", "--duration=1h"))
	if len(id) != 36 {
		t.Fatalf("silence add printed %q, want a UUID", id)
	}
	if out := am.run("silence", "query"); !strings.Contains(out, id) || !strings.Contains(out, "tester") || !strings.Contains(out, "disk swap") {
		t.Fatalf("silence query does not list %s:\n%s", id, out)
	}
	s := findSilence(t, am.silences(), id)
	if s.Status.State != "active" || s.CreatedBy != "tester" || s.Comment != "disk swap" ||
		!slices.Equal(s.Matchers, []amMatcher{{Name: "alertname", Value: "AmtoolFiring", IsEqual: true}}) {
		t.Fatalf("silence query -o json: %+v", s)
	}
	if d := s.EndsAt.Sub(s.StartsAt); d < time.Hour-time.Minute || d > time.Hour {
		t.Fatalf("silence lasts %v, want 1h", d)
	}
	if got := lines(am.run("silence", "query", "-q", "alertname=AmtoolFiring")); !slices.Equal(got, []string{id}) {
		t.Fatalf("silence query alertname=AmtoolFiring: %q", got)
	}
	if got := lines(am.run("silence", "query", "-q", "alertname=Other")); len(got) != 0 {
		t.Fatalf("silence query alertname=Other: %q", got)
	}

	// Silenced, the alert leaves the default listing and shows with
	// --silenced, suppressed by the silence.
	if as := am.alerts(); len(as) != 0 {
		t.Fatalf("alert query lists a silenced alert: %+v", as)
	}
	as = am.alerts("--silenced")
	if len(as) != 1 || as[0].Status.State != "suppressed" || !slices.Equal(as[0].Status.SilencedBy, []string{id}) {
		t.Fatalf("alert query --silenced: %+v", as)
	}
	if out := am.run("alert", "query", "--silenced"); !strings.Contains(out, "AmtoolFiring") || !strings.Contains(out, "suppressed") {
		t.Fatalf("alert query --silenced:\n%s", out)
	}

	// silence update --duration=2h: amtool reads the silence, moves its
	// end to two hours after its start and posts it back with its ID. An
	// active silence whose start is unchanged keeps its ID. (amtool 0.25's
	// update -q prints a pointer, not the ID: read the table.)
	if out := am.run("silence", "update", id, "--duration=2h"); !strings.Contains(out, id) {
		t.Fatalf("silence update does not show %s:\n%s", id, out)
	}
	if got := lines(am.run("silence", "query", "-q")); !slices.Equal(got, []string{id}) {
		t.Fatalf("after update: silences %q, want the same ID %s", got, id)
	}
	u := findSilence(t, am.silences(), id)
	if !u.StartsAt.Equal(s.StartsAt) || !u.EndsAt.Equal(s.StartsAt.Add(2*time.Hour)) || u.Comment != "disk swap" {
		t.Fatalf("after update: %+v, want the end 2h after the start %v", u, s.StartsAt)
	}

	// silence expire: gone from the default query, listed with --expired;
	// expiring again succeeds, an unknown ID fails.
	am.run("silence", "expire", id)
	if got := lines(am.run("silence", "query", "-q")); slices.Contains(got, id) {
		t.Fatalf("expired silence still listed: %q", got)
	}
	if got := lines(am.run("silence", "query", "-q", "--expired")); !slices.Contains(got, id) {
		t.Fatalf("silence query --expired does not list %s: %q", id, got)
	}
	if s := findSilence(t, am.silences("--expired"), id); s.Status.State != "expired" {
		t.Fatalf("expired silence: %+v", s)
	}
	am.run("silence", "expire", id)
	if _, _, err := am.try("", "silence", "expire", "00000000-0000-4000-8000-000000000000"); err == nil {
		t.Fatal("expiring an unknown silence succeeded")
	}
	if as := am.alerts(); len(as) != 1 || as[0].Status.State != "active" {
		t.Fatalf("alert query after expire: %+v", as)
	}

	// silence import: export two silences, expire them, import the
	// export. Each comes back as a new silence (an expired silence cannot
	// be changed, so alerter, as Alertmanager, creates a new one).
	a1 := strings.TrimSpace(am.run("silence", "add", "alertname=AmtoolFiring", "instance=~a|b", "--comment=first", "--author=tester", "--duration=3h"))
	a2 := strings.TrimSpace(am.run("silence", "add", "alertname=Other", "--comment=second", "--author=tester", "--duration=4h"))
	export := am.run("-o", "json", "silence", "query")
	var exported []amSilence
	if err := json.Unmarshal([]byte(export), &exported); err != nil || len(exported) != 2 {
		t.Fatalf("export: %v %s", err, export)
	}
	am.run("silence", "expire", a1, a2)
	imported := lines(am.runIn(export, "silence", "import"))
	if len(imported) != 2 || slices.Contains(imported, a1) || slices.Contains(imported, a2) {
		t.Fatalf("silence import printed %q, want two new IDs", imported)
	}
	active := am.silences()
	if len(active) != 2 {
		t.Fatalf("after import: %+v", active)
	}
	for _, want := range exported {
		var got *amSilence
		for i := range active {
			if active[i].Comment == want.Comment {
				got = &active[i]
			}
		}
		if got == nil || !slices.Contains(imported, got.ID) || !slices.Equal(got.Matchers, want.Matchers) ||
			!got.EndsAt.Equal(want.EndsAt) || got.CreatedBy != "tester" || got.Status.State != "active" {
			t.Fatalf("imported %+v as %+v", want, got)
		}
	}

	// Silences survive a restart, active and expired alike.
	e.restart()
	if got := lines(am.run("silence", "query", "-q")); !sameSet(got, imported) {
		t.Fatalf("after restart: active silences %q, want %q", got, imported)
	}
	if got := lines(am.run("silence", "query", "-q", "--expired")); !sameSet(got, []string{id, a1, a2}) {
		t.Fatalf("after restart: expired silences %q, want %q", got, []string{id, a1, a2})
	}
	e.waitAlert("AmtoolFiring", "firing")
	as = am.alerts("--silenced")
	if len(as) != 1 || len(as[0].Status.SilencedBy) != 1 || !slices.Contains(imported, as[0].Status.SilencedBy[0]) {
		t.Fatalf("after restart the imported silence must still mute: %+v", as)
	}
}

// getAMJSON reads an Alertmanager API answer (no Prometheus envelope).
func (e *env) getAMJSON(path string, out any) error {
	resp, err := http.Get(e.apiURL(path))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, b)
	}
	return json.Unmarshal(b, out)
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

const mutedRules = `groups:
  - name: amtool
    interval: 1s
    rules:
      - alert: AmtoolMuted
        expr: amtool_muted > 0
`

// TestAmtoolSilenceMutes: an alert that starts firing under a silence made
// with amtool is not notified; once the silence is expired, it is.
func TestAmtoolSilenceMutes(t *testing.T) {
	t.Parallel()
	e := newEnv(t, mutedRules)
	am := newAmtool(t, e)
	e.src.Set("amtool_muted", inst, 0)
	e.prom.WaitForSeries(t, "amtool_muted", 30*time.Second)
	e.start()
	id := strings.TrimSpace(am.run("silence", "add", "alertname=AmtoolMuted", "--comment=muted", "--author=tester", "--duration=1h"))

	e.src.Set("amtool_muted", inst, 1)
	e.waitAlert("AmtoolMuted", "firing")
	// group_wait is 0s and group_interval 1s: several flushes happen
	// during these evaluations, none may notify.
	e.waitEvals("AmtoolMuted", 4)
	if n := e.notified("AmtoolMuted", "firing"); n != 0 {
		t.Fatalf("a silenced alert was notified %d time(s)", n)
	}
	as := am.alerts("--silenced")
	if len(as) != 1 || !slices.Equal(as[0].Status.SilencedBy, []string{id}) {
		t.Fatalf("alert query --silenced: %+v", as)
	}

	am.run("silence", "expire", id)
	e.waitNotified("AmtoolMuted", "firing", 1)
}

// TestAmtoolMaintenanceWindow: a maintenance window from the configuration
// mutes (amtool shows the alert suppressed, muted by the window), and a
// reload that removes it unmutes.
func TestAmtoolMaintenanceWindow(t *testing.T) {
	t.Parallel()
	// Active at every minute for an hour: always active.
	const window = `maintenance_windows:
  - name: always
    schedule: "* * * * *"
    duration: 1h
    matchers: ['alertname="AmtoolMuted"']
`
	e := newEnvWith(t, mutedRules, "300ms", defaultNotify+window)
	am := newAmtool(t, e)
	e.src.Set("amtool_muted", inst, 1)
	e.prom.WaitForSeries(t, "amtool_muted", 30*time.Second)
	e.start()
	e.waitAlert("AmtoolMuted", "firing")
	e.waitEvals("AmtoolMuted", 3)
	if n := e.notified("AmtoolMuted", "firing"); n != 0 {
		t.Fatalf("an alert in a maintenance window was notified %d time(s)", n)
	}
	as := am.alerts("--silenced")
	if len(as) != 1 || as[0].Status.State != "suppressed" || len(as[0].Status.SilencedBy) != 0 {
		t.Fatalf("alert query --silenced: %+v", as)
	}
	// amtool 0.25 does not know status.mutedBy (newer Alertmanagers
	// write it) and drops it; read it from the API.
	var raw []amAlert
	if err := e.getAMJSON("/api/v2/alerts?silenced=true&active=false", &raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) != 1 || !slices.Equal(raw[0].Status.MutedBy, []string{"always"}) {
		t.Fatalf("GET /api/v2/alerts: %+v", raw)
	}

	b, err := os.ReadFile(e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(e.cfgPath, bytes.Replace(b, []byte(window), nil, 1), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, body := e.post("/-/reload"); code != 200 {
		t.Fatalf("reload: %d %s", code, body)
	}
	e.waitNotified("AmtoolMuted", "firing", 1)
}

// TestMaintenanceWindowConfigErrors: alerter check reports every bad
// window with its place in the file.
func TestMaintenanceWindowConfigErrors(t *testing.T) {
	bin := promtest.BuildAlerter(t)
	cfg := filepath.Join(t.TempDir(), "alerter.yml")
	if err := os.WriteFile(cfg, []byte(`maintenance_windows:
  - name: nightly
    schedule: "0 2 * * *"
    duration: 1h
    matchers: ['env="staging"']
  - name: nightly
    schedule: "0 3 * * *"
    duration: 0s
    time_zone: Mars/Olympus
    matchers: ['env="staging"']
silences:
  retention: 0s
`), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "check", cfg).CombinedOutput()
	if err == nil {
		t.Fatalf("check accepted bad windows:\n%s", out)
	}
	for _, want := range []string{
		`6:5: maintenance_windows[1]: `, "duration must be positive", `unknown time zone "Mars/Olympus"`,
		`maintenance_windows[1].name: maintenance window "nightly" is defined twice`,
		"12:14: silences.retention: must be greater than 0",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
}
