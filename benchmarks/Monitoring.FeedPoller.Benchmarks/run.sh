#!/usr/bin/env bash
# The poller's throughput load run against throwaway PostgreSQL and RabbitMQ (or the servers named by
# MONITORING_POSTGRES and MONITORING_RABBITMQ). Arguments go to the program, e.g. --feeds 1000 --items 50.
set -uo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=../../deploy/servers.sh
. deploy/servers.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1 MONITORING_TELEMETRY=none
RUN_DIR=$(mktemp -d /tmp/monitoring-bench.XXXXXX)
chmod 755 "$RUN_DIR"
trap 'stop_servers; rm -rf "$RUN_DIR"' EXIT
if [ -z "${MONITORING_POSTGRES:-}" ] || [ -z "${MONITORING_RABBITMQ:-}" ]; then
  ensure_server_packages
  AMQP_PORT=$(free_port); MGMT_PORT=$(free_port); PG_PORT=$(free_port)
  start_rabbitmq "$RUN_DIR/rabbitmq" "$AMQP_PORT" "$MGMT_PORT"
  start_postgres "$RUN_DIR/postgres" "$PG_PORT" test
  export MONITORING_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=monitoring;Maximum Pool Size=100"
  export MONITORING_RABBITMQ="amqp://guest:guest@127.0.0.1:$AMQP_PORT/"
fi
dotnet build benchmarks/Monitoring.FeedPoller.Benchmarks -c Release -nologo -v quiet || exit 1
[ -n "${AMQP_PORT:-}" ] && wait_for_rabbitmq "$RUN_DIR/rabbitmq" "$AMQP_PORT" "$MGMT_PORT"
dotnet benchmarks/Monitoring.FeedPoller.Benchmarks/bin/Release/net10.0/Monitoring.FeedPoller.Benchmarks.dll "$@"
