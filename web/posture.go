package web

import (
	"fmt"
	"net"
)

// OpenAPIWarning is what alerter logs at start (and after a reload) when
// no write token is configured: that anyone who can reach listenAddr can
// create silences, acknowledgements and maintenance windows and reload the
// configuration, with the address named, and said to be every interface
// when its host is empty or unspecified (":9095", "0.0.0.0:9095",
// "[::]:9095").
func OpenAPIWarning(listenAddr string) string {
	where := listenAddr
	if allInterfaces(listenAddr) {
		where = listenAddr + ", on every network interface of this host,"
	}
	return fmt.Sprintf("no write token is configured (web.auth.token_file): the mutating API (silences, acknowledgements, maintenance windows, reload) is open to anyone who can reach %s; set web.auth.token_file, or listen on 127.0.0.1 only (--web.listen-address)", where)
}

func allInterfaces(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsUnspecified()
}
