#!/usr/bin/env bash
# Runs the alerter demo on this machine, all on 127.0.0.1:
#   alerter-demo target  demo metrics (web-1's CPU goes above 0.9 for a while every cycle)
#   prometheus           scraping the target (and alerter) every 5s
#   alerter-demo sink    the webhook receiver of examples/demo.yml, on port 5001
#   alerter              evaluating examples/rules/*.yml against Prometheus
# The sink's output (one line per notified alert) and a summary of alerter's
# pending/firing alerts are printed here. Everything runs from a temporary
# directory and is stopped on exit or Ctrl-C.
#
# Environment: DEMO_CYCLE (default 150s) is the target's cycle;
# DEMO_KEEP=1 keeps the temporary directory (logs, data) on exit;
# ALERTER_ARGS adds arguments to `alerter run`.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

readonly sink_port=5001 # examples/demo.yml sends notifications here
readonly scrape_interval=5s
cycle=${DEMO_CYCLE:-150s}

say() { printf 'demo: %s\n' "$*"; }
die() { printf 'demo: %s\n' "$*" >&2; exit 1; }

# port_busy succeeds when something accepts connections on the port.
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pick_port prints the first free port from $1 on.
pick_port() {
	local p
	for ((p = $1; p < $1 + 100; p++)); do
		if ! port_busy "$p"; then
			echo "$p"
			return
		fi
	done
	die "no free port in $1-$(($1 + 99))"
}

# --- prerequisites -----------------------------------------------------------

scripts/ensure-deps.sh
command -v curl >/dev/null || die "curl is needed (Debian package: curl)"
have_jq=0
command -v jq >/dev/null && have_jq=1
prometheus_bin=$(command -v prometheus || echo /usr/bin/prometheus)

have_alerter=0
if compgen -G "cmd/alerter/*.go" >/dev/null; then
	[ -f examples/demo.yml ] || die "examples/demo.yml is missing"
	say "building bin/alerter and bin/alerter-demo"
	make --no-print-directory build
	have_alerter=1
else
	say "cmd/alerter does not exist yet: running the demo without alerter"
	mkdir -p bin
	CGO_ENABLED=0 go build -trimpath -o bin/alerter-demo ./cmd/alerter-demo
fi

port_busy "$sink_port" &&
	die "port $sink_port is busy; examples/demo.yml sends its notifications to http://127.0.0.1:$sink_port/"

# --- process management ------------------------------------------------------

tmp=$(mktemp -d "${TMPDIR:-/tmp}/alerter-demo.XXXXXX")
pids=()
names=()
sleeper=""

cleanup() {
	trap - EXIT INT TERM
	local pid i
	[ -n "${sleeper:-}" ] && kill "$sleeper" 2>/dev/null
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
	for ((i = 0; i < 100; i++)); do
		local alive=0
		for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
		[ "$alive" -eq 0 ] && break
		sleep 0.1
	done
	for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	if [ "${DEMO_KEEP:-}" = 1 ]; then
		say "stopped; logs and data kept in $tmp"
	else
		rm -rf "$tmp"
		say "stopped"
	fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start NAME LOG CMD...: runs CMD in the background, output to LOG
# ("-" keeps this terminal).
start() {
	local name=$1 log=$2
	shift 2
	if [ "$log" = - ]; then
		"$@" &
	else
		"$@" >"$log" 2>&1 &
	fi
	pids+=($!)
	names+=("$name")
}

# check_alive dies, showing the log, if a started process has exited.
check_alive() {
	local i
	for i in "${!pids[@]}"; do
		if ! kill -0 "${pids[$i]}" 2>/dev/null; then
			local log="$tmp/${names[$i]}.log"
			[ -f "$log" ] && tail -n 30 "$log" >&2
			die "${names[$i]} exited unexpectedly"
		fi
	done
}

# wait_http NAME URL SECONDS: waits until URL answers 2xx.
wait_http() {
	local name=$1 url=$2 deadline=$((SECONDS + $3))
	until curl -fsS -o /dev/null --max-time 2 "$url" 2>/dev/null; do
		check_alive
		((SECONDS < deadline)) || die "$name did not answer $url within $3s (log: $tmp/$name.log)"
		sleep 0.2
	done
}

# wait_port NAME PORT SECONDS: waits until something listens on PORT.
wait_port() {
	local name=$1 port=$2 deadline=$((SECONDS + $3))
	until port_busy "$port"; do
		check_alive
		((SECONDS < deadline)) || die "$name is not listening on port $port after $3s"
		sleep 0.2
	done
}

# --- start everything --------------------------------------------------------

target_port=$(pick_port 9101)
start target "$tmp/target.log" bin/alerter-demo target --listen "127.0.0.1:$target_port" --cycle "$cycle"

start sink - bin/alerter-demo sink --listen "127.0.0.1:$sink_port"

prom_port=$(pick_port 9090)
alerter_port=$(pick_port 9095)
[ "$alerter_port" = "$prom_port" ] && alerter_port=$(pick_port $((prom_port + 1)))
prom_url="http://127.0.0.1:$prom_port"
alerter_url="http://127.0.0.1:$alerter_port"

cat >"$tmp/prometheus.yml" <<YAML
global:
  scrape_interval: $scrape_interval
  evaluation_interval: $scrape_interval
scrape_configs:
  - job_name: demo
    honor_labels: true # keep the target's own instance labels (web-1, ...)
    static_configs:
      - targets: ["127.0.0.1:$target_port"]
YAML
if [ "$have_alerter" = 1 ]; then
	cat >>"$tmp/prometheus.yml" <<YAML
  - job_name: alerter
    static_configs:
      - targets: ["127.0.0.1:$alerter_port"]
YAML
fi
start prometheus "$tmp/prometheus.log" "$prometheus_bin" \
	--config.file="$tmp/prometheus.yml" \
	--storage.tsdb.path="$tmp/prometheus-data" \
	--web.listen-address="127.0.0.1:$prom_port" \
	--web.enable-lifecycle

wait_http target "http://127.0.0.1:$target_port/metrics" 15
wait_port sink "$sink_port" 15
wait_http prometheus "$prom_url/-/ready" 30

if [ "$have_alerter" = 1 ]; then
	# shellcheck disable=SC2086 # ALERTER_ARGS is split on purpose
	start alerter "$tmp/alerter.log" bin/alerter run \
		--config examples/demo.yml \
		--datasource.url "$prom_url" \
		--web.listen-address "127.0.0.1:$alerter_port" \
		--storage.path "$tmp/alerter-data" \
		--log.format logfmt \
		${ALERTER_ARGS:-}
	wait_http alerter "$alerter_url/-/ready" 60
fi

cat <<EOF

demo: running (Ctrl-C stops everything)
  demo target    http://127.0.0.1:$target_port/metrics
  Prometheus     $prom_url/graph?g0.expr=demo_cpu_usage_ratio&g0.tab=0
EOF
if [ "$have_alerter" = 1 ]; then
	cat <<EOF
  alerter web UI $alerter_url/   (open it in a browser)
  alerter API    $alerter_url/api/v1/alerts   $alerter_url/api/v1/rules   $alerter_url/metrics
EOF
fi
cat <<EOF
  webhook sink   http://127.0.0.1:$sink_port/ (notifications are printed below)
  logs           $tmp/{target,prometheus,alerter}.log

web-1's CPU (demo_cpu_usage_ratio) rises above 0.9 about 10s after start and
stays there for half of every $cycle cycle, climbing past 0.97 near the end:
a rule with "for: 30s" goes pending, fires within about a minute, then
resolves. batch-1's demo_up drops to 0 for 45s once every three cycles.

EOF

# --- watch -------------------------------------------------------------------

# alerts_summary prints alerter's active alerts on one line.
alerts_summary() {
	curl -fsS --max-time 3 "$alerter_url/api/v1/alerts" | jq -r '
		[.data.alerts[]
		 | "\(.state) \(.labels.alertname){\(.labels | del(.alertname)
		     | to_entries | map("\(.key)=\(.value)") | join(","))}"]
		| sort
		| if length == 0 then "no pending or firing alerts" else join("; ") end'
}

last=""
while true; do
	check_alive
	if [ "$have_alerter" = 1 ] && [ "$have_jq" = 1 ]; then
		now=$(alerts_summary 2>/dev/null) || now="alerter API not answering"
		if [ "$now" != "$last" ]; then
			printf '%s alerter: %s\n' "$(date +%T)" "$now"
			last=$now
		fi
	fi
	sleep 5 &
	sleeper=$!
	wait "$sleeper" # unlike a foreground sleep, wait lets the signal traps run at once
done
