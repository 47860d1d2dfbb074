#!/usr/bin/env bash
# Benchmarks and load runs against throwaway PostgreSQL and RabbitMQ servers (started like deploy/test.sh does, or the
# servers named by MONITORING_POSTGRES / MONITORING_RABBITMQ / MONITORING_RABBITMQ_MANAGEMENT), printing their figures.
#
#   deploy/bench.sh [e2e] [--latency-rate 200 --sustained-rates 600,700,800,900,1000,1100 --throughput-rate 1500 --store-articles 1000000 ...]
#                                    the whole system as in production; last line is one JSON object
#   deploy/bench.sh classifiers [--articles 20000 --replicas 1,2 --repeat 1]
#                                    Classifier replicas as competing consumers: sustained rate with 1, then 2 processes
#   deploy/bench.sh store [--store-articles 1000000 --seed 42 --explain]
#                                    only the e2e run's store phase: bulk append, country projections rebuilt, queries timed
#   deploy/bench.sh alerts [ingest|bus|rebuild|sse|stories|consistency|all] [--articles N] [--clients N]
#   deploy/bench.sh feedpoller [--feeds 1000 --items 50 --hosts 50 --concurrency 64]
#   deploy/bench.sh classifier [BenchmarkDotNet arguments]   (no servers needed)
set -uo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=servers.sh
. deploy/servers.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1 MONITORING_TELEMETRY=none
RUN_DIR=$(mktemp -d /tmp/monitoring-bench.XXXXXX)
chmod 755 "$RUN_DIR"
cleanup() { stop_servers; dotnet build-server shutdown >/dev/null 2>&1; rm -rf "$RUN_DIR"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

what=e2e
case "${1:-}" in e2e|classifiers|store|alerts|feedpoller|classifier) what=$1; shift ;; esac
case "$what" in
  e2e) project=benchmarks/Monitoring.LoadTest ;;
  classifiers) project=benchmarks/Monitoring.LoadTest; set -- classifiers "$@" ;;
  store) project=benchmarks/Monitoring.LoadTest; set -- store "$@" ;;
  alerts) project=benchmarks/Monitoring.Alerts.Benchmarks ;;
  feedpoller) project=benchmarks/Monitoring.FeedPoller.Benchmarks ;;
  classifier) project=benchmarks/Monitoring.Classification.Benchmarks ;;
esac

if [ "$what" != classifier ] && { [ -z "${MONITORING_POSTGRES:-}" ] || [ -z "${MONITORING_RABBITMQ:-}" ] || [ -z "${MONITORING_RABBITMQ_MANAGEMENT:-}" ]; }; then
  ensure_server_packages
  AMQP_PORT=$(free_port); MGMT_PORT=$(free_port); PG_PORT=$(free_port)
  start_rabbitmq "$RUN_DIR/rabbitmq" "$AMQP_PORT" "$MGMT_PORT"
  start_postgres "$RUN_DIR/postgres" "$PG_PORT" test
  export MONITORING_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=monitoring;Maximum Pool Size=100"
  export MONITORING_RABBITMQ="amqp://guest:guest@127.0.0.1:$AMQP_PORT/"
  export MONITORING_RABBITMQ_MANAGEMENT="http://guest:guest@127.0.0.1:$MGMT_PORT/"
fi
# The load run starts the services from their Release builds, so the whole solution is built.
target=$project
[ "$what" = e2e ] && target=Monitoring.sln
log "building $target (Release)"
dotnet build "$target" -c Release -nologo -v quiet -p:UseSharedCompilation=false >"$RUN_DIR/build.log" 2>&1 \
  || { grep -E "error" "$RUN_DIR/build.log" | sort -u | head -20 >&2; die "build failed"; }
if [ -n "${AMQP_PORT:-}" ]; then wait_for_rabbitmq "$RUN_DIR/rabbitmq" "$AMQP_PORT" "$MGMT_PORT"; fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, load average $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet "$project/bin/Release/net10.0/$(basename "$project").dll" "$@"
