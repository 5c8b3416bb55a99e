package config

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// fixtureVerdict is what Alertmanager and alerter say of one of
// Alertmanager's own configuration fixtures.
type fixtureVerdict struct {
	// am is Alertmanager's verdict (amtool check-config): true accepts.
	am bool
	// newer marks fixtures of features newer than amtool 0.25 (the
	// Debian amtool the test compares with): am is then stated here from
	// Alertmanager 0.28's own tests rather than checked with amtool.
	newer bool
	// unsupported, when set, is the key alerter refuses as unsupported
	// (its error must say so and name it); otherwise alerter gives am.
	unsupported string
}

// amFixtures are the verdicts on every file of Alertmanager's
// config/testdata (v0.25 to v0.28) and its doc/examples/simple.yml. A
// file not listed fails the test, so a new fixture is looked at.
var amFixtures = map[string]fixtureVerdict{
	"conf.empty-fields.yml":                            {am: true},
	"conf.good.yml":                                    {am: true},
	"conf.group-by-all.yml":                            {am: true},
	"conf.http-config.good.yml":                        {am: true},
	"conf.inhibit-equal-utf8.yml":                      {am: true, newer: true}, // UTF-8 label names (0.27+)
	"conf.inhibit-equal.yml":                           {am: true},
	"conf.nil-match_re-route.yml":                      {am: false},
	"conf.nil-source_match_re-inhibition.yml":          {am: false},
	"conf.nil-target_match_re-inhibition.yml":          {am: false},
	"conf.opsgenie-both-file-and-apikey.yml":           {am: false},
	"conf.opsgenie-default-apikey-file.yml":            {am: true},
	"conf.opsgenie-default-apikey-old-team.yml":        {am: false},
	"conf.opsgenie-default-apikey.yml":                 {am: true},
	"conf.opsgenie-no-apikey.yml":                      {am: false},
	"conf.rocketchat-both-token-and-tokenfile.yml":     {am: false, newer: true, unsupported: "rocketchat_token"},
	"conf.rocketchat-both-tokenid-and-tokenidfile.yml": {am: false, newer: true, unsupported: "rocketchat_token_id"},
	"conf.rocketchat-default-token-file.yml":           {am: true, newer: true, unsupported: "rocketchat_token_file"},
	"conf.rocketchat-default-token.yml":                {am: true, newer: true, unsupported: "rocketchat_token"},
	"conf.rocketchat-no-token.yml":                     {am: false, newer: true, unsupported: "rocketchat_"},
	"conf.slack-both-file-and-url.yml":                 {am: false},
	"conf.slack-default-api-url-file.yml":              {am: true},
	"conf.slack-no-api-url.yml":                        {am: false},
	"conf.smtp-both-password-and-file.yml":             {am: false},
	"conf.smtp-no-username-or-password.yml":            {am: true},
	"conf.smtp-password-global-and-local.yml":          {am: true},
	"conf.sns-invalid.yml":                             {am: false, unsupported: "sns_configs"},
	"conf.sns-topic-arn.yml":                           {am: true, unsupported: "sns_configs"},
	"conf.victorops-both-file-and-apikey.yml":          {am: false},
	"conf.victorops-default-apikey-file.yml":           {am: true},
	"conf.victorops-default-apikey.yml":                {am: true},
	"conf.victorops-no-apikey.yml":                     {am: false},
	"simple.yml":                                       {am: true},
}

// TestAlertmanagerFixtures loads Alertmanager's own configuration
// fixtures (read from the module cache, not copied here) and checks that
// alerter accepts what Alertmanager accepts and refuses what it refuses,
// or refuses an unsupported receiver saying so; with amtool installed, it
// also checks the table against amtool check-config.
func TestAlertmanagerFixtures(t *testing.T) {
	amtool, _ := exec.LookPath("amtool")
	if amtool == "" && os.Getenv("CI") != "" {
		t.Fatal("amtool is not installed (scripts/ensure-deps.sh installs prometheus-alertmanager)")
	}
	checked := map[string]bool{}
	for _, v := range amVersions {
		dir := amSource(t, v)
		files, err := filepath.Glob(filepath.Join(dir, "config", "testdata", "*.yml"))
		if err != nil || len(files) == 0 {
			t.Fatalf("no fixtures in %s: %v", dir, err)
		}
		files = append(files, filepath.Join(dir, "doc", "examples", "simple.yml"))
		for _, f := range files {
			name := filepath.Base(f)
			want, ok := amFixtures[name]
			if !ok {
				t.Errorf("Alertmanager %s has a fixture %s that the table does not list", v, name)
				continue
			}
			checked[name] = true
			_, err := LoadFile(f)
			switch {
			case want.unsupported != "":
				if err == nil || !strings.Contains(err.Error(), "alerter does not support") || !strings.Contains(err.Error(), want.unsupported) {
					t.Errorf("%s %s: want a refusal saying alerter does not support %s, got %v", v, name, want.unsupported, err)
				}
			case want.am && err != nil:
				t.Errorf("%s %s: Alertmanager accepts it, alerter refuses: %v", v, name, err)
			case !want.am && err == nil:
				t.Errorf("%s %s: Alertmanager refuses it, alerter accepts it", v, name)
			case err != nil && !strings.HasPrefix(err.Error(), f+":"):
				t.Errorf("%s %s: error without file:line:col: %v", v, name, err)
			}
			if amtool != "" && !want.newer {
				out, err := exec.Command(amtool, "check-config", f).CombinedOutput()
				if got := err == nil; got != want.am {
					t.Errorf("%s %s: the table says Alertmanager accepts it: %v, amtool says %v:\n%s", v, name, want.am, got, out)
				}
			}
		}
	}
	for name := range amFixtures {
		if !checked[name] {
			t.Errorf("fixture %s is in the table but no Alertmanager version has it", name)
		}
	}
}
