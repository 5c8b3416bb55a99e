package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/alerter/alerter/internal/pgtest"
	"github.com/alerter/alerter/internal/promtest"
	"github.com/alerter/alerter/internal/webhooksink"
)

func TestMain(m *testing.M) { os.Exit(pgtest.Main(m)) }

// haLeaseTTL is the drills' lease: short, so that failovers are quick, but
// not so short that a replica starved of CPU on a busy machine loses it.
const haLeaseTTL = "3s"

// haConfig is one replica's configuration; the replicas differ only in
// where their webhooks report from ({{from}}), so the sink can tell which
// replica sent what.
const haConfig = `global:
  evaluation_interval: 1s
datasource:
  url: %s
  timeout: 5s
rule_files: [rules.yml]
storage:
  postgres:
    dsn_file: pg.dsn
    lease_ttl: ` + haLeaseTTL + `
web:
  rule_file_check_interval: 0s
%s`

// haEnv is a drill: a real Prometheus scraping a source the test
// controls, a webhook sink counting deliveries per replica, one
// PostgreSQL, and three alerter replicas (the real binary) sharing it.
type haEnv struct {
	t        *testing.T
	dir      string
	src      *promtest.Source
	prom     *promtest.Prometheus
	sink     *webhooksink.Sink
	sinkSrv  *httptest.Server
	dsn      string
	pg       *pgtest.Server // when the drill has a server of its own
	bin      string
	replicas []*haReplica

	mu   sync.Mutex
	from map[string]int // requests per replica ("r0", "r1", ...)
}

// haReplica is one alerter process of a drill.
type haReplica struct {
	name string
	port int
	cfg  string
	proc *promtest.Proc
}

// newHAEnv prepares a drill; notify is the notification part of the
// configuration, "{{sink}}" standing for the sink's URL. With ownPG, the
// drill gets a PostgreSQL of its own, which it may stop.
func newHAEnv(t *testing.T, rules, notify string, ownPG bool) *haEnv {
	t.Helper()
	e := &haEnv{t: t, dir: t.TempDir(), from: map[string]int{}}
	if ownPG {
		e.pg = pgtest.New(t, pgtest.Options{})
		dsn, err := e.pg.CreateDB(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		e.dsn = dsn
	} else {
		e.dsn = pgtest.DSN(t)
	}
	e.bin = promtest.BuildAlerter(t)
	e.src = promtest.NewSource(t)
	e.prom = promtest.Start(t, promtest.Options{Targets: []string{e.src.Addr()}})
	e.sink = webhooksink.New(webhooksink.Options{})
	e.sinkSrv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.from[r.URL.Query().Get("from")]++
		e.mu.Unlock()
		e.sink.ServeHTTP(w, r)
	}))
	t.Cleanup(e.sinkSrv.Close)
	if err := os.WriteFile(filepath.Join(e.dir, "pg.dsn"), []byte(e.dsn+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(e.dir, "rules.yml"), []byte(rules), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		r := &haReplica{name: fmt.Sprintf("r%d", i), port: promtest.FreePort(t)}
		r.cfg = filepath.Join(e.dir, r.name+".yml")
		n := strings.ReplaceAll(notify, "{{sink}}", e.sinkSrv.URL+"/?from="+r.name+"&to=")
		if err := os.WriteFile(r.cfg, []byte(fmt.Sprintf(haConfig, e.prom.URL(), n)), 0o644); err != nil {
			t.Fatal(err)
		}
		e.replicas = append(e.replicas, r)
	}
	return e
}

// start runs every replica and waits until all are ready and one leads.
func (e *haEnv) start() {
	e.t.Helper()
	for _, r := range e.replicas {
		e.startReplica(r)
	}
	e.waitLeader(nil)
}

func (e *haEnv) startReplica(r *haReplica) {
	e.t.Helper()
	r.proc = promtest.StartBinary(e.t, e.bin, []string{"run", "--config", r.cfg,
		"--web.listen-address", fmt.Sprintf("127.0.0.1:%d", r.port), "--log.level", "debug"}, nil)
	r.proc.WaitHTTP(e.t, r.url("/-/ready"), 60*time.Second)
}

func (r *haReplica) url(path string) string {
	return fmt.Sprintf("http://127.0.0.1:%d%s", r.port, path)
}

// requestsFrom counts the webhook requests replica r made.
func (e *haEnv) requestsFrom(r *haReplica) int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.from[r.name]
}

// get decodes the JSON answer of GET path on r into out; API v1 answers
// are unwrapped from their envelope.
func (r *haReplica) get(path string, out any) error {
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(r.url(path))
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
	if strings.HasPrefix(path, "/api/v1/") {
		var env struct {
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(b, &env); err != nil {
			return err
		}
		b = env.Data
	}
	return json.Unmarshal(b, out)
}

type runtimeInfo struct {
	Storage     string `json:"storage"`
	Leader      bool   `json:"leader"`
	LeaderEpoch int64  `json:"leaderEpoch"`
	Replica     string `json:"replica"`
}

// leads reports whether r says it leads (false when it does not answer).
func (r *haReplica) leads() (bool, int64) {
	if r.proc == nil || r.proc.Exited() {
		return false, 0
	}
	var ri runtimeInfo
	if err := r.get("/api/v1/status/runtimeinfo", &ri); err != nil {
		return false, 0
	}
	return ri.Leader, ri.LeaderEpoch
}

// waitLeader waits until exactly one of the replicas other than not leads,
// and returns it.
func (e *haEnv) waitLeader(not *haReplica) *haReplica {
	e.t.Helper()
	var leader *haReplica
	waitUntil(e.t, 90*time.Second, "one leader", func() bool {
		leader = nil
		n := 0
		for _, r := range e.replicas {
			if r == not {
				continue
			}
			if ok, _ := r.leads(); ok {
				leader = r
				n++
			}
		}
		return n == 1
	})
	return leader
}

// followers returns the replicas other than leader that are running.
func (e *haEnv) followers(leader *haReplica) []*haReplica {
	var out []*haReplica
	for _, r := range e.replicas {
		if r != leader && r.proc != nil && !r.proc.Exited() {
			out = append(out, r)
		}
	}
	return out
}

// alert returns alert name as r's /api/v1/alerts shows it.
func (r *haReplica) alert(name string) (apiAlert, bool) {
	var d struct {
		Alerts []apiAlert `json:"alerts"`
	}
	if err := r.get("/api/v1/alerts", &d); err != nil {
		return apiAlert{}, false
	}
	for _, a := range d.Alerts {
		if a.Labels["alertname"] == name {
			return a, true
		}
	}
	return apiAlert{}, false
}

func (e *haEnv) waitAlert(r *haReplica, name, state string) apiAlert {
	e.t.Helper()
	var got apiAlert
	waitUntil(e.t, 90*time.Second, fmt.Sprintf("%s: alert %s %s", r.name, name, state), func() bool {
		a, ok := r.alert(name)
		got = a
		return ok && a.State == state
	})
	return got
}

// notified counts the alerts named name with status in what the sink
// stored (for receiver, when not "").
func (e *haEnv) notified(receiver, name, status string) int {
	n := 0
	for _, p := range e.sink.Payloads() {
		if receiver != "" && p.Receiver != receiver {
			continue
		}
		for _, a := range p.Alerts {
			if a.Labels["alertname"] == name && a.Status == status {
				n++
			}
		}
	}
	return n
}

func (e *haEnv) waitNotified(receiver, name, status string, n int) {
	e.t.Helper()
	waitUntil(e.t, 90*time.Second, fmt.Sprintf("%d %s notification(s) of %s to %q", n, status, name, receiver), func() bool {
		return e.notified(receiver, name, status) >= n
	})
}

// waitEvals waits until r's rule name was evaluated n more times, as r's
// /api/v1/rules shows it (a follower shows the leader's evaluations).
func (e *haEnv) waitEvals(r *haReplica, name string, n int) {
	e.t.Helper()
	var last time.Time
	seen := 0
	waitUntil(e.t, 90*time.Second, fmt.Sprintf("%d evaluations of %s", n, name), func() bool {
		var d struct {
			Groups []apiGroup `json:"groups"`
		}
		if err := r.get("/api/v1/rules", &d); err != nil {
			return false
		}
		for _, g := range d.Groups {
			for _, ru := range g.Rules {
				if ru.Name == name && !ru.LastEvaluation.IsZero() && !ru.LastEvaluation.Equal(last) {
					if !last.IsZero() {
						seen++
					}
					last = ru.LastEvaluation
				}
			}
		}
		return seen >= n
	})
}

// post sends body to r and returns the status code and answer.
func (r *haReplica) post(path, body string) (int, string) {
	resp, err := http.Post(r.url(path), "application/json", strings.NewReader(body))
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// query runs one SQL query on the drill's database.
func (e *haEnv) query(sql string, dst ...any) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, e.dsn)
	if err != nil {
		return err
	}
	defer conn.Close(ctx)
	return conn.QueryRow(ctx, sql).Scan(dst...)
}

// httpGet returns the body of GET url.
func httpGet(url string) (string, error) {
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// httpStatus returns the status code of GET url (0 when it fails).
func httpStatus(url string) int {
	client := http.Client{Timeout: 10 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// waitRecorded waits until every queued notification is recorded as
// delivered: a replica killed between a receiver's answer and that record
// is the one case where a crash sends a notification twice, which the
// drills do not test.
func (e *haEnv) waitRecorded() {
	e.t.Helper()
	waitUntil(e.t, 60*time.Second, "the deliveries to be recorded", func() bool {
		var n int
		return e.query(`SELECT count(*) FROM notifications WHERE delivered_at IS NULL`, &n) == nil && n == 0
	})
}
