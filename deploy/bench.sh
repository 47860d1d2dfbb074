#!/usr/bin/env bash
# Load runs against throwaway PostgreSQL and RabbitMQ servers (started like deploy/test.sh does), printing
# their figures.   deploy/bench.sh alerts [ingest|bus|rebuild|sse|stories|all] [--articles N] [--clients N]
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

what=${1:-alerts}; shift || true
if [ -z "${MONITORING_POSTGRES:-}" ] || [ -z "${MONITORING_RABBITMQ:-}" ] || [ -z "${MONITORING_RABBITMQ_MANAGEMENT:-}" ]; then
  ensure_server_packages
  AMQP_PORT=$(free_port); MGMT_PORT=$(free_port); PG_PORT=$(free_port)
  start_rabbitmq "$RUN_DIR/rabbitmq" "$AMQP_PORT" "$MGMT_PORT"
  start_postgres "$RUN_DIR/postgres" "$PG_PORT" test
  export MONITORING_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=monitoring;Maximum Pool Size=60"
  export MONITORING_RABBITMQ="amqp://guest:guest@127.0.0.1:$AMQP_PORT/"
  export MONITORING_RABBITMQ_MANAGEMENT="http://guest:guest@127.0.0.1:$MGMT_PORT/"
fi
case "$what" in
  alerts) project=benchmarks/Monitoring.Alerts.Benchmarks ;;
  *) die "unknown benchmark '$what' (alerts)" ;;
esac
dotnet build "$project" -c Release -nologo -v quiet -p:UseSharedCompilation=false >"$RUN_DIR/build.log" 2>&1 \
  || { cat "$RUN_DIR/build.log"; die "build failed"; }
if [ -n "${AMQP_PORT:-}" ]; then wait_for_rabbitmq "$RUN_DIR/rabbitmq" "$AMQP_PORT" "$MGMT_PORT"; fi
echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GB, load average $(cut -d' ' -f1-3 /proc/loadavg)"
dotnet "$project/bin/Release/net10.0/$(basename "$project").dll" "$@"
