// Package pgtest runs a real PostgreSQL server, from Debian's postgresql
// package, for tests: initdb in a temporary directory, then the postgres
// server as a child process listening on a free port of 127.0.0.1 and on a
// unix socket in that directory. PostgreSQL refuses to run as root, so when
// the tests do, the server runs as the unprivileged user "nobody".
//
// Most tests share one server per test process and get a fresh database
// each (DSN); a package that uses it stops the server at the end with
// Main in its TestMain. Tests that stop and start PostgreSQL get a server
// of their own (New). The server dies with the test process (the kernel
// sends it SIGKILL), so a panic or a timeout leaves no stray server.
//
// When PostgreSQL is not installed the tests are skipped, or fail when $CI
// is set, as promtest does for Prometheus.
package pgtest
