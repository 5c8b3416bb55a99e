package webhook

import (
	"context"
	"testing"

	"github.com/prometheus/common/model"
)

func TestSendResolved(t *testing.T) {
	api := model.LabelSet{"alertname": "HighLatency", "service": "api"}
	web := model.LabelSet{"alertname": "HighLatency", "service": "web"}
	off, on := false, true
	tests := []struct {
		name         string
		sendResolved *bool
		alerts       int // in the payload of a message with one firing and one resolved alert
		resolvedOnly bool
	}{
		{name: "default", alerts: 2, resolvedOnly: true},
		{name: "true", sendResolved: &on, alerts: 2, resolvedOnly: true},
		{name: "false", sendResolved: &off, alerts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := newReceiver(t, nil)
			cfg := configFor(t, rc.URL, "/")
			cfg.SendResolved = tt.sendResolved
			n := newNotifier(t, cfg)
			if got := n.SendResolved(); got != (tt.sendResolved == nil || *tt.sendResolved) {
				t.Errorf("SendResolved() = %v", got)
			}
			if _, err := n.Notify(context.Background(), message(firing(api, nil), resolved(web, nil))); err != nil {
				t.Fatal(err)
			}
			p := decodeStrict(t, rc.got()[0].Body)
			if len(p.Alerts) != tt.alerts || p.Status != "firing" || p.Alerts[0].Status != "firing" {
				t.Errorf("mixed message: %d alerts, status %s", len(p.Alerts), p.Status)
			}
			if _, err := n.Notify(context.Background(), message(resolved(api, nil))); err != nil {
				t.Fatal(err)
			}
			if sent := len(rc.got()) == 2; sent != tt.resolvedOnly {
				t.Errorf("resolved-only message sent=%v, want %v", sent, tt.resolvedOnly)
			}
		})
	}
}
