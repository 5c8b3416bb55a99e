package rules

import (
	"strings"
	"testing"
)

// TestNotARuleFile: files of another kind given as rule files say what
// they are.
func TestNotARuleFile(t *testing.T) {
	for in, want := range map[string]string{
		"route: {receiver: a}\nreceivers: [{name: a}]\n":                         "r.yml:1:1: not a rule file: this is an alerter or Alertmanager configuration",
		"apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nspec: {}\n": "r.yml:2:1: not a rule file: this is a Kubernetes PrometheusRule object: the rules are under .spec",
		"rule_files: [x.yml]\nevaluation_interval: 1m\ntests: []\n":              "r.yml:3:1: not a rule file: this is a rule unit test file (promtool test rules): use alerter test",
		"global: {scrape_interval: 1m}\nscrape_configs: []\n":                    "r.yml:2:1: not a rule file: this is Prometheus's configuration",
	} {
		_, _, err := Parse("r.yml", []byte(in))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: got %v, want %q", in, err, want)
		}
	}
}
