package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/promtest"
)

// uiRules: DiskFull (critical) carries HTML in its annotations, CPUHigh
// (warning) fires too, SlowStart stays pending for an hour.
const uiRules = `groups:
  - name: ui
    interval: 1s
    rules:
      - alert: DiskFull
        expr: test_disk > 0.5
        labels: {severity: critical, team: storage}
        annotations:
          summary: 'Disk on {{ $labels.instance }} is full'
          description: '<script>window.__xss = 1</script><img src=x onerror="window.__xss = 2"><b>bold?</b>'
          runbook_url: 'javascript:window.__xss = 3'
      - alert: CPUHigh
        expr: test_cpu > 0.5
        labels: {severity: warning}
        annotations: {summary: CPU is busy, runbook_url: 'https://runbooks.example/cpu'}
      - alert: SlowStart
        expr: test_cpu > 0.5
        for: 1h
        labels: {severity: info}
      - alert: Many
        expr: test_many > 0
        labels: {severity: warning}
        annotations: {summary: 'shard {{ $labels.shard }} lags'}
`

// uiNotify pages "pager" at once (level 1 of the policy) and "lead" only
// after an hour, so the group shows what pages next.
const uiNotify = `route:
  receiver: team
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  escalation: oncall
receivers:
  - name: team
    webhook_configs: [{url: "{{sink}}/team"}]
  - name: pager
    webhook_configs: [{url: "{{sink}}/pager"}]
  - name: lead
    webhook_configs: [{url: "{{sink}}/lead"}]
escalation_policies:
  - name: oncall
    levels:
      - {after: 0s, receivers: [pager]}
      - {after: 1h, receivers: [lead]}
    repeat_every: 30m
`

// longPath is a label value long enough to break a careless layout.
var longPath = "/var/lib/" + strings.Repeat("very-long-directory-name-", 14) + "data"

func diskAlert(sel string) string {
	return `article.alert[data-alertname="DiskFull"]` + sel
}

// TestWebUI drives the web UI in a real headless Chromium against the
// real binary and a real Prometheus: the alerts page shows the firing
// alerts with their escalation, filters by a matcher in the URL, renders
// hostile annotations as text, acknowledges (and the webhook receivers
// hear who did), silences from the alert with a preview, shows the
// silence, expires it, and shows a rule's last evaluations. It saves
// screenshots of every page on a laptop and a phone.
func TestWebUI(t *testing.T) {
	b := newBrowser(t)
	e := newEnvWith(t, uiRules, "0s", uiNotify)
	e.src.Set("test_disk", map[string]string{"instance": "db-1", "path": longPath}, 1)
	e.src.Set("test_cpu", map[string]string{"instance": "web-1"}, 1)
	e.prom.WaitForSeries(t, "test_disk", 30*time.Second)
	e.prom.WaitForSeries(t, "test_cpu", 30*time.Second)
	e.start()
	e.waitAlert("DiskFull", "firing")
	e.waitAlert("CPUHigh", "firing")
	t.Logf("screenshots in %s", b.shots)

	// The page at / is the alerts page, with both groups and the
	// escalation of each.
	b.navigate(e.apiURL("/"))
	b.waitJS("the alerts page", `location.hash.startsWith('#/alerts')`)
	b.waitJS("DiskFull shown", `document.querySelector('`+diskAlert("")+`')`)
	b.waitJS("CPUHigh shown", `document.querySelector('article.alert[data-alertname="CPUHigh"]')`)
	b.waitJS("the pending alert", `document.querySelector('#pending article[data-alertname="SlowStart"]')`)
	b.waitJS("escalation level 1 paged, level 2 next", `[...document.querySelectorAll('.escalation[data-escalation="oncall"]')].some(e => /level 1 of 2 paged/.test(e.textContent) && /level 2 pages lead/.test(e.textContent))`)
	b.shot("alerts-laptop")

	// Annotations are text: no script ran, no element was made from them,
	// and the javascript: runbook is not a link.
	b.waitJS("the description as text", `document.querySelector('`+diskAlert(" .description")+`').textContent.includes('<script>window.__xss = 1</script><img src=x')`)
	if got, err := eval[bool](b, `window.__xss === undefined && document.querySelectorAll('main script, main img, main b').length === 0 && !document.querySelector('main a[href^="javascript:"]')`); err != nil || !got {
		t.Fatalf("annotation markup was interpreted (%v)", err)
	}
	b.waitJS("CPUHigh's runbook is a link", `document.querySelector('article[data-alertname="CPUHigh"] a[href="https://runbooks.example/cpu"][rel~="noopener"]')`)

	// Filter by a matcher: in the URL, and only DiskFull stays.
	b.fill("#filter", `severity="critical"`)
	b.click(`form[role="search"] button[type="submit"]`)
	b.waitJS("the filter in the URL", `decodeURIComponent(location.hash).includes('filter=severity="critical"')`)
	b.waitJS("CPUHigh filtered out", `document.querySelector('`+diskAlert("")+`') && !document.querySelector('article.alert[data-alertname="CPUHigh"]') && !document.querySelector('#pending')`)
	b.shot("alerts-filtered-laptop")
	// The filtered URL can be shared: loading it afresh filters the same.
	url, _ := eval[string](b, `location.href`)
	b.navigate(url)
	b.waitJS("the shared filter", `document.querySelector('#filter').value === 'severity="critical"' && document.querySelector('`+diskAlert("")+`') && !document.querySelector('article.alert[data-alertname="CPUHigh"]')`)

	// Acknowledge DiskFull: the badge, and every paged receiver is told.
	b.click(diskAlert(` button[data-action="ack"]`))
	b.fill("#ack-by", "alice")
	b.fill("#ack-comment", "replacing the disk")
	b.shot("ack-dialog-laptop")
	b.click(`#ack-form button[type="submit"]`)
	b.waitJS("the acknowledged badge", `[...document.querySelectorAll('`+diskAlert(" .badge.ack")+`')].some(e => e.textContent.includes('alice') && e.textContent.includes('replacing the disk'))`)
	for _, r := range []string{"team", "pager"} {
		waitUntil(t, 30*time.Second, r+" told alice acknowledged DiskFull", func() bool {
			for _, p := range e.payloads(r) {
				if p.GroupLabels["alertname"] == "DiskFull" && ackedBy(p, "alice") {
					return true
				}
			}
			return false
		})
	}
	b.waitJS("escalation paused", `[...document.querySelectorAll('.escalation.paused')].some(e => /paused/.test(e.textContent))`)
	b.shot("alerts-acknowledged-laptop")

	// Silence DiskFull from the alert: the form is pre-filled with its
	// labels and the preview shows it.
	b.click(diskAlert(` button[data-action="silence"]`))
	b.waitJS("the silence form", `location.hash.startsWith('#/silences/new') && document.querySelectorAll('#matcher-rows .matcher-row').length === 6`)
	b.waitJS("the preview shows DiskFull", `/Would mute 1 firing alert/.test(document.querySelector('#silence-preview').textContent) && document.querySelector('#silence-preview [data-alertname="DiskFull"]')`)
	b.waitJS("the name remembered", `document.querySelector('#sil-by').value === 'alice'`)
	b.click(`.shortcuts button:nth-child(3)`) // 4h
	b.waitJS("4h shortcut", `document.querySelector('#sil-duration').value === '4h'`)
	b.fill("#sil-comment", "disk swap <b>tonight</b>")
	b.shot("silence-new-laptop")
	b.click(`#silence-form button[type="submit"]`)
	b.waitJS("the new silence's page", `/^#\/silences\/[0-9a-f-]{20,}$/.test(location.hash) && /Mutes 1 firing alert/.test(document.querySelector('main').textContent)`)
	b.shot("silence-laptop")
	sid, _ := eval[string](b, `decodeURIComponent(location.hash.split('/')[2])`)
	var sil struct {
		Status   struct{ State string } `json:"status"`
		EndsAt   time.Time              `json:"endsAt"`
		StartsAt time.Time              `json:"startsAt"`
		Comment  string                 `json:"comment"`
	}
	getAMJSON(t, e, "/api/v2/silence/"+sid, &sil)
	if sil.Status.State != "active" || sil.Comment != "disk swap <b>tonight</b>" || sil.EndsAt.Sub(sil.StartsAt) < 3*time.Hour {
		t.Fatalf("silence stored as %+v", sil)
	}

	// Moving the end of the active silence keeps it; changing a matcher
	// replaces it (Alertmanager's rules).
	b.click(`a.button[href="#/silences/` + sid + `/edit"]`)
	b.waitJS("the edit form", `document.querySelectorAll('#matcher-rows .matcher-row').length === 6 && document.querySelector('#sil-comment').value === 'disk swap <b>tonight</b>'`)
	b.click(`.shortcuts button:nth-child(5)`) // 1d
	b.click(`#silence-form button[type="submit"]`)
	b.waitJS("the same silence, a day long", `location.hash === '#/silences/`+sid+`' && !document.querySelector('#silence-replaced') && /in (23h|1d)/.test(document.querySelector('main').textContent)`)
	getAMJSON(t, e, "/api/v2/silence/"+sid, &sil)
	if sil.Status.State != "active" || sil.EndsAt.Sub(sil.StartsAt) < 20*time.Hour {
		t.Fatalf("silence after moving its end: %+v", sil)
	}

	// The alert shows who silenced it.
	b.navigate(e.apiURL("/#/alerts"))
	b.waitJS("DiskFull silenced", `document.querySelector('`+diskAlert(" .badge.silenced")+`') && document.querySelector('`+diskAlert(" .badge.silenced")+` a').getAttribute('href') === '#/silences/`+sid+`'`)
	b.shot("alerts-silenced-laptop")

	// Expire it from the list.
	b.navigate(e.apiURL("/#/silences"))
	b.waitJS("the silence listed, muting one alert", `document.querySelector('[data-silence-id="`+sid+`"] [data-muted-count="1"]')`)
	b.shot("silences-laptop")
	b.click(`[data-silence-id="` + sid + `"] button[data-action="expire"]`)
	b.click(`dialog[open] button.danger`)
	b.waitJS("no active silence", `!document.querySelector('[data-silence-id="`+sid+`"]') && /Expired \(1\)/.test(document.querySelector('.tabs').textContent)`)
	getAMJSON(t, e, "/api/v2/silence/"+sid, &sil)
	if sil.Status.State != "expired" {
		t.Fatalf("silence after expiring: %+v", sil)
	}
	b.navigate(e.apiURL("/#/alerts"))
	b.waitJS("DiskFull no longer silenced", `document.querySelector('`+diskAlert("")+`') && !document.querySelector('`+diskAlert(" .badge.silenced")+`')`)

	// Unacknowledge.
	b.click(diskAlert(` button[data-action="unack"]`))
	b.click(`dialog[open] button.danger`)
	b.waitJS("the acknowledgement withdrawn", `document.querySelector('`+diskAlert(` button[data-action="ack"]`)+`') && !document.querySelector('`+diskAlert(" .badge.ack")+`')`)

	// Rules, and DiskFull's page with its last evaluations.
	b.navigate(e.apiURL("/#/rules"))
	b.waitJS("the rules", `document.querySelector('tr[data-rule="DiskFull"]') && document.querySelector('tr[data-rule="SlowStart"]')`)
	b.shot("rules-laptop")
	b.click(`tr[data-rule="DiskFull"] a`)
	b.waitJS("DiskFull's evaluations", `document.querySelectorAll('#rule-evaluations tbody tr').length >= 3 && /test_disk > 0.5/.test(document.querySelector('#rule-query').textContent)`)
	rows, _ := eval[[]string](b, `[...document.querySelectorAll('#rule-evaluations tbody tr')].slice(0, 2).map(r => [...r.cells].map(c => c.textContent).join('|'))`)
	for _, r := range rows {
		// time | duration | series returned | active | error
		if c := strings.Split(r, "|"); len(c) != 5 || c[2] != "1" || c[3] != "1" || c[4] != "" {
			t.Fatalf("evaluation row %q", r)
		}
	}
	b.shot("rule-laptop")

	// The other pages load.
	for _, p := range []struct{ hash, ready string }{
		{"maintenance", `/No maintenance window/.test(document.querySelector('#window-list').textContent)`},
		{"escalation", `document.querySelector('[data-policy="oncall"]') && document.querySelector('#escalating [data-escalating="oncall"]')`},
		{"status", `/answering/.test(document.querySelector('#status-datasource').textContent) && /successful/.test(document.querySelector('#status-config').textContent)`},
	} {
		b.navigate(e.apiURL("/#/" + p.hash))
		b.waitJS(p.hash+" page", p.ready)
		b.shot(p.hash + "-laptop")
	}

	// The same on a phone.
	b.phone(true)
	for _, p := range []struct{ hash, ready string }{
		{"alerts", `document.querySelector('` + diskAlert("") + `')`},
		{"silences/new?matcher=alertname%3D%22DiskFull%22", `document.querySelector('#silence-preview [data-alertname="DiskFull"]')`},
		{"silences?state=expired", `document.querySelector('[data-silence-id]')`},
		{"rules", `document.querySelector('tr[data-rule="DiskFull"]')`},
		{"escalation", `document.querySelector('[data-policy="oncall"]')`},
		{"status", `document.querySelector('#status-datasource')`},
	} {
		b.navigate(e.apiURL("/#/" + p.hash))
		b.waitJS(p.hash+" on a phone", p.ready)
		// Nothing is wider than the screen.
		b.waitJS(p.hash+" fits the phone", `document.documentElement.scrollWidth <= window.innerWidth + 1`)
		b.shot(strings.NewReplacer("/", "-", "?", "-", "=", "-", "%", "").Replace(p.hash) + "-phone")
	}
	b.phone(false)

	// 200 alerts with long label values: every one is shown, nothing is
	// wider than the screen.
	var many []promtest.Gauge
	for i := range 200 {
		many = append(many, promtest.Gauge{Name: "test_many", Value: 1, Labels: map[string]string{
			"shard": fmt.Sprintf("shard-%03d", i), "owner": strings.Repeat("team-with-a-long-name.", 8) + fmt.Sprint(i)}})
	}
	e.src.SetMany(many)
	waitUntil(t, 60*time.Second, "200 Many alerts firing", func() bool {
		n := 0
		for _, a := range e.alerts() {
			if a.Labels["alertname"] == "Many" && a.State == "firing" {
				n++
			}
		}
		return n == 200
	})
	for _, phone := range []bool{false, true} {
		b.phone(phone)
		b.navigate(e.apiURL(`/#/alerts?filter=alertname%3D%22Many%22`))
		b.waitJS("200 alerts shown", `document.querySelectorAll('article.alert[data-alertname="Many"]').length === 200`)
		b.waitJS("200 alerts fit the width", `document.documentElement.scrollWidth <= window.innerWidth + 1`)
		if phone {
			b.viewShot("alerts-200-phone")
		} else {
			b.viewShot("alerts-200-laptop")
		}
	}
	b.phone(false)
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Fatalf("the page reported errors: %v", errs)
	}
}

// getAMJSON reads an Alertmanager API answer (no envelope).
func getAMJSON(t *testing.T, e *env, path string, out any) {
	t.Helper()
	resp, err := http.Get(e.apiURL(path))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

// TestWebUIWithTokens: with a read and a write token configured, the page
// still loads (its files hold no data), asks for a token to read, and
// explains why an action is refused until the write token is entered.
func TestWebUIWithTokens(t *testing.T) {
	b := newBrowser(t)
	e := newEnvWith(t, uiRules, "0s", uiNotify)
	for name, tok := range map[string]string{"write-token": "w-secret", "read-token": "r-secret"} {
		if err := os.WriteFile(filepath.Join(e.dir, name), []byte(tok+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg, err := os.ReadFile(e.cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg = []byte(strings.Replace(string(cfg), "web:\n", "web:\n  auth:\n    token_file: write-token\n    read_token_file: read-token\n", 1))
	if err := os.WriteFile(e.cfgPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	e.src.Set("test_disk", map[string]string{"instance": "db-1"}, 1)
	e.prom.WaitForSeries(t, "test_disk", 30*time.Second)
	e.start()
	waitUntil(t, 60*time.Second, "DiskFull firing", func() bool {
		req, _ := http.NewRequest(http.MethodGet, e.apiURL("/api/v2/alerts"), nil)
		req.Header.Set("Authorization", "Bearer r-secret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var as []struct{ Labels map[string]string }
		return json.NewDecoder(resp.Body).Decode(&as) == nil && len(as) == 1
	})

	b.navigate(e.apiURL("/"))
	b.waitJS("the page asks for a token to read", `/requires a bearer token to read/.test(document.querySelector('#banner').textContent)`)
	b.shot("token-needed-laptop")
	b.click(`#banner button`)
	b.fill("#token-input", "r-secret")
	b.click(`dialog[open] button[type="submit"]`)
	b.waitJS("alerts read with the read token", `document.querySelector('`+diskAlert("")+`') && document.querySelector('#token-button').textContent === 'Token set'`)
	if got, _ := eval[bool](b, `sessionStorage.getItem('alerter.token') === 'r-secret' && localStorage.getItem('alerter.token') === null`); !got {
		t.Fatal("the token is not kept (only) in sessionStorage")
	}

	// Acknowledging with the read token is refused, and the dialog says why.
	b.click(diskAlert(` button[data-action="ack"]`))
	b.fill("#ack-by", "bob")
	b.click(`#ack-form button[type="submit"]`)
	b.waitJS("the refusal explained", `/Acknowledging was refused/.test(document.querySelector('#ack-form').textContent) && /not accepted for changes/.test(document.querySelector('#ack-form').textContent)`)
	b.shot("ack-refused-laptop")
	b.click(`#ack-form .notice button`)
	b.fill("#token-input", "w-secret")
	b.click(`dialog[open] #token-input ~ .actions button[type="submit"]`)
	b.click(`#ack-form button[type="submit"]`)
	b.waitJS("acknowledged with the write token", `[...document.querySelectorAll('`+diskAlert(" .badge.ack")+`')].some(e => e.textContent.includes('bob'))`)
	waitUntil(t, 30*time.Second, "the team told bob acknowledged", func() bool {
		for _, p := range e.payloads("team") {
			if ackedBy(p, "bob") {
				return true
			}
		}
		return false
	})
	if errs := b.pageErrors(); len(errs) > 0 {
		t.Fatalf("the page reported errors: %v", errs)
	}
}
