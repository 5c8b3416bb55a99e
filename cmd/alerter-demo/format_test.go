package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/alerter/alerter/internal/webhooksink"
)

func plain(_, s string) string { return s }

func TestFormatAlert(t *testing.T) {
	at := time.Date(2024, 5, 1, 10, 4, 5, 0, time.UTC)
	pl := webhooksink.Payload{Receiver: "demo"}
	tests := []struct {
		name  string
		alert webhooksink.Alert
		want  string
	}{
		{
			name: "firing with summary",
			alert: webhooksink.Alert{
				Status:      "firing",
				Labels:      map[string]string{"alertname": "HighCPU", "severity": "critical", "instance": "web-1", "env": "prod"},
				Annotations: map[string]string{"summary": "CPU above 90%"},
			},
			want: `10:04:05 FIRING   HighCPU critical env=prod instance=web-1 "CPU above 90%" receiver=demo`,
		},
		{
			name: "resolved, description fallback, no severity",
			alert: webhooksink.Alert{
				Status:      "resolved",
				Labels:      map[string]string{"alertname": "Down"},
				Annotations: map[string]string{"description": "batch-1 is down"},
			},
			want: `10:04:05 RESOLVED Down "batch-1 is down" receiver=demo`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatAlert(pl, tt.alert, at, plain); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestPrinterColour(t *testing.T) {
	var buf bytes.Buffer
	p := &printer{w: &buf, color: true}
	p.print(webhooksink.Payload{Version: "4", Receiver: "r", Status: "firing", Alerts: []webhooksink.Alert{
		{Status: "firing", Labels: map[string]string{"alertname": "A"}},
	}})
	if !strings.Contains(buf.String(), red+"FIRING") {
		t.Errorf("no red FIRING in %q", buf.String())
	}
}

func TestSinkCommandPrintsAlerts(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan int, 1)
	addr := "127.0.0.1:" + freePort(t)
	go func() { done <- run(ctx, []string{"sink", "--listen", addr, "--color", "never"}, &out, &out) }()

	body := `{"version":"4","receiver":"demo","status":"firing","groupKey":"{}:{}","alerts":[
		{"status":"firing","labels":{"alertname":"HighCPU","instance":"web-1"},"annotations":{"summary":"hot"}}]}`
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, err := http.Post("http://"+addr+"/", "application/json", strings.NewReader(body))
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d", resp.StatusCode)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("sink not reachable: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit code %d, output:\n%s", code, out.String())
	}
	if !strings.Contains(out.String(), `FIRING   HighCPU instance=web-1 "hot" receiver=demo`) {
		t.Errorf("output:\n%s", out.String())
	}
}

func TestUnknownCommand(t *testing.T) {
	var out bytes.Buffer
	if code := run(context.Background(), []string{"bogus"}, &out, &out); code != 2 {
		t.Errorf("exit code %d, want 2", code)
	}
}
