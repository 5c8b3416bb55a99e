package pagerduty

import "strings"

// MapSeverity turns a severity label into one of the severities PagerDuty
// accepts: critical and page → critical, error → error, warning →
// warning, info and none → info, anything else (including no severity)
// → error, so that an unknown label still pages rather than being
// rejected by PagerDuty. Case and surrounding space are ignored.
func MapSeverity(s string) string {
	pd, _ := mapSeverity(s)
	return pd
}

// mapSeverity is MapSeverity, and whether s was a known severity.
func mapSeverity(s string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical", "page":
		return "critical", true
	case "error":
		return "error", true
	case "warning":
		return "warning", true
	case "info", "none":
		return "info", true
	}
	return "error", false
}
