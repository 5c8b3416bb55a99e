package main

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/alerter/alerter/internal/webhooksink"
)

// ANSI colours for the sink's output.
const (
	red    = "\x1b[1;31m"
	green  = "\x1b[1;32m"
	yellow = "\x1b[33m"
	cyan   = "\x1b[36m"
	dim    = "\x1b[2m"
	bold   = "\x1b[1m"
	reset  = "\x1b[0m"
)

// formatAlert renders one alert as a line:
//
//	15:04:05 FIRING   HighCPU critical env=prod instance=web-1 "CPU above 90%" receiver=demo
//
// paint colours a part; it returns the text unchanged when colour is off.
func formatAlert(pl webhooksink.Payload, a webhooksink.Alert, at time.Time, paint func(color, s string) string) string {
	status := strings.ToUpper(a.Status)
	statusColor := ""
	switch a.Status {
	case webhooksink.StatusFiring:
		statusColor = red
	case webhooksink.StatusResolved:
		statusColor = green
	}
	parts := []string{
		paint(dim, at.Format(time.TimeOnly)),
		paint(statusColor, fmt.Sprintf("%-8s", status)),
		paint(bold, nonEmpty(a.Labels["alertname"], "(no alertname)")),
	}
	if sev := a.Labels["severity"]; sev != "" {
		parts = append(parts, paint(severityColor(sev), sev))
	}
	if ls := otherLabels(a.Labels); ls != "" {
		parts = append(parts, ls)
	}
	if s := nonEmpty(a.Annotations["summary"], a.Annotations["description"]); s != "" {
		parts = append(parts, fmt.Sprintf("%q", s))
	}
	parts = append(parts, paint(dim, "receiver="+pl.Receiver))
	return strings.Join(parts, " ")
}

func severityColor(sev string) string {
	switch strings.ToLower(sev) {
	case "critical", "page", "error":
		return red
	case "warning", "warn":
		return yellow
	default:
		return cyan
	}
}

// otherLabels renders the labels other than alertname and severity,
// sorted by name.
func otherLabels(ls map[string]string) string {
	names := make([]string, 0, len(ls))
	for n := range ls {
		if n != "alertname" && n != "severity" {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = n + "=" + ls[n]
	}
	return strings.Join(parts, " ")
}

func nonEmpty(s, fallback string) string {
	if s != "" {
		return s
	}
	return fallback
}
