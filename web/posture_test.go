package web

import (
	"strings"
	"testing"
)

func TestOpenAPIWarning(t *testing.T) {
	for addr, all := range map[string]bool{
		":9095": true, "0.0.0.0:9095": true, "[::]:9095": true,
		"127.0.0.1:9095": false, "[::1]:9095": false, "alerter.internal:9095": false,
	} {
		w := OpenAPIWarning(addr)
		if !strings.Contains(w, addr) || !strings.Contains(w, "web.auth.token_file") || strings.Contains(w, "every network interface") != all {
			t.Errorf("%s: %s", addr, w)
		}
	}
}
