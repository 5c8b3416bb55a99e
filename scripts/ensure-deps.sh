#!/usr/bin/env bash
# Makes sure the tools the tests and the demo need are installed:
#   go          - the toolchain (not installed here: a clear message instead)
#   prometheus  - the real server the integration tests run, and promtool,
#                 which the rule-test and replay tests compare with and use
#                 to build TSDB blocks (Debian: prometheus)
#   amtool      - Alertmanager's CLI, used by later tests, and Alertmanager
#                 itself, which the load harness's page scenario runs
#                 (Debian: prometheus-alertmanager)
#   aiosmtpd    - the Python SMTP server the email notifier's tests run
#                 (Debian: python3-aiosmtpd)
#   chromium    - the headless browser the web UI's end-to-end tests drive
#                 (Debian: chromium)
#   postgresql  - initdb and postgres, which the PostgreSQL store's tests and
#                 the high-availability drills run (Debian: postgresql)
# As root it installs the missing Debian packages with apt-get; otherwise it
# stops and names them. Safe to run again: it does nothing when all is there.
set -euo pipefail

die() { printf 'ensure-deps: %s\n' "$*" >&2; exit 1; }

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/bin/$1" ]; }

# have_py_module says whether Debian's python3 (or the one on PATH) can
# import a module; the tests try the same interpreters in that order.
# have_postgres says whether a PostgreSQL server (initdb and postgres) is
# installed where internal/pgtest looks: $PG_BIN, Debian's
# /usr/lib/postgresql/<version>/bin, or PATH.
have_postgres() {
	local d
	for d in ${PG_BIN:-} /usr/lib/postgresql/*/bin; do
		[ -x "$d/initdb" ] && [ -x "$d/postgres" ] && return 0
	done
	have initdb && have postgres
}

have_py_module() {
	local py
	for py in /usr/bin/python3 python3; do
		command -v "$py" >/dev/null 2>&1 && "$py" -c "import $1" >/dev/null 2>&1 && return 0
	done
	return 1
}

have go || die "the go command is not on PATH: install the Go toolchain named in go.mod (go 1.26 or newer) and add its bin directory to PATH"

missing=()
have prometheus && have promtool || missing+=(prometheus)
{ have amtool && [ -x /usr/bin/prometheus-alertmanager ]; } || missing+=(prometheus-alertmanager)
have_py_module aiosmtpd || missing+=(python3-aiosmtpd)
have chromium || missing+=(chromium)
have_postgres || missing+=(postgresql)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	die "missing Debian package(s): ${missing[*]}. Install them as root:
    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}"
fi
command -v apt-get >/dev/null 2>&1 ||
	die "missing: ${missing[*]}, and apt-get is not available to install them (Debian/Ubuntu packages: ${missing[*]})"

# The packages' maintainer scripts start their daemons (Prometheus on :9090,
# Alertmanager on :9093, PostgreSQL's "main" cluster on :5432) through invoke-rc.d, which asks policy-rc.d first.
# Deny for the duration of the install so no stray daemon grabs those ports;
# tests run their own servers on their own ports.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\n# Temporary, from alerter scripts/ensure-deps.sh.\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	trap 'rm -f "$policy"' EXIT
fi

echo "ensure-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

for tool in prometheus amtool chromium; do
	have "$tool" || die "$tool still missing after installing ${missing[*]}"
done
have_py_module aiosmtpd || die "the aiosmtpd Python module is still missing after installing ${missing[*]}"
have_postgres || die "PostgreSQL's initdb and postgres are still missing after installing ${missing[*]}"
