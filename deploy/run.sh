#!/usr/bin/env bash
# Starts Monitoring on this machine: PostgreSQL and RabbitMQ (installed with apt when missing, or
# `docker compose` when a Docker engine answers, or none when MONITORING_POSTGRES and MONITORING_RABBITMQ
# are set), then the FeedPoller, Classifier and Alerts services. Ctrl-C or SIGTERM stops all it started.
#
# Settings (environment): MONITORING_FEEDS_FILE (default deploy/feeds.opml), MONITORING_API_KEY (generated
# when unset), MONITORING_DATA_DIR (server data and logs), MONITORING_POSTGRES_PORT (55432),
# MONITORING_RABBITMQ_PORT (55672), MONITORING_RABBITMQ_MANAGEMENT_PORT (55673), MONITORING_TELEMETRY (console|otlp|none).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=servers.sh
. deploy/servers.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 MSBUILDDISABLENODEREUSE=1
if [ "$(id -u)" = 0 ]; then DEFAULT_DATA=/var/lib/monitoring; else DEFAULT_DATA=${XDG_DATA_HOME:-$HOME/.local/share}/monitoring; fi
DATA_DIR=${MONITORING_DATA_DIR:-$DEFAULT_DATA}
LOG_DIR="$DATA_DIR/logs"
mkdir -p "$LOG_DIR"
chmod 755 "$DATA_DIR"
SERVICE_PIDS=()
COMPOSE_STARTED=""
START_TIME=$SECONDS

shutdown() {
  trap - INT TERM EXIT
  log "stopping"
  for pid in "${SERVICE_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null; done
  for pid in "${SERVICE_PIDS[@]}"; do
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null
  done
  stop_servers
  if [ -n "$COMPOSE_STARTED" ]; then $COMPOSE_STARTED stop postgres rabbitmq >/dev/null 2>&1; fi
  dotnet build-server shutdown >/dev/null 2>&1
  log "stopped"
}
trap shutdown EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is required: https://dot.net"
command -v curl >/dev/null || apt_install curl

export MONITORING_FEEDS_FILE=${MONITORING_FEEDS_FILE:-$ROOT/deploy/feeds.opml}
[ -f "$MONITORING_FEEDS_FILE" ] || die "feed list $MONITORING_FEEDS_FILE does not exist"
if [ -z "${MONITORING_API_KEY:-}" ]; then
  MONITORING_API_KEY=$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')
  GENERATED_KEY=1
fi
export MONITORING_API_KEY

if [ -n "${MONITORING_POSTGRES:-}" ] && [ -n "${MONITORING_RABBITMQ:-}" ]; then
  log "using the servers named by MONITORING_POSTGRES and MONITORING_RABBITMQ"
elif docker_engine_answers && COMPOSE=$(compose_command); then
  log "starting postgres and rabbitmq with $COMPOSE"
  $COMPOSE -f docker-compose.yml up -d postgres rabbitmq || die "$COMPOSE up failed"
  COMPOSE_STARTED="$COMPOSE -f docker-compose.yml"
  wait_for_port 127.0.0.1 5432 120 || die "postgres container did not open 5432"
  wait_for_port 127.0.0.1 5672 120 || die "rabbitmq container did not open 5672"
  export MONITORING_POSTGRES="Host=127.0.0.1;Port=5432;Username=postgres;Password=monitoring;Database=monitoring"
  export MONITORING_RABBITMQ="amqp://guest:guest@127.0.0.1:5672/"
  export MONITORING_RABBITMQ_MANAGEMENT=${MONITORING_RABBITMQ_MANAGEMENT:-http://guest:guest@127.0.0.1:15672/}
else
  ensure_server_packages
  PG_PORT=${MONITORING_POSTGRES_PORT:-55432}
  AMQP_PORT=${MONITORING_RABBITMQ_PORT:-55672}
  MGMT_PORT=${MONITORING_RABBITMQ_MANAGEMENT_PORT:-55673}
  for port in "$PG_PORT" "$AMQP_PORT" "$MGMT_PORT"; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      die "port $port is in use (another deploy/run.sh?); set MONITORING_POSTGRES_PORT / MONITORING_RABBITMQ_PORT / MONITORING_RABBITMQ_MANAGEMENT_PORT"
    fi
  done
  log "starting RabbitMQ on 127.0.0.1:$AMQP_PORT (management http://127.0.0.1:$MGMT_PORT) and PostgreSQL on 127.0.0.1:$PG_PORT; data in $DATA_DIR"
  start_rabbitmq "$DATA_DIR/rabbitmq" "$AMQP_PORT" "$MGMT_PORT"
  start_postgres "$DATA_DIR/postgres" "$PG_PORT"
  export MONITORING_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=monitoring"
  export MONITORING_RABBITMQ="amqp://guest:guest@127.0.0.1:$AMQP_PORT/"
  export MONITORING_RABBITMQ_MANAGEMENT="http://guest:guest@127.0.0.1:$MGMT_PORT/"
fi

# shellcheck source=tools.sh
. deploy/tools.sh
ensure_build_tools
log "building (Release)"
dotnet build Monitoring.sln -c Release -nologo -v quiet -p:UseSharedCompilation=false >"$LOG_DIR/build.log" 2>&1 \
  || { grep -E "error" "$LOG_DIR/build.log" | sort -u | head -20 >&2; die "build failed: see $LOG_DIR/build.log"; }

if [ -n "${AMQP_PORT:-}" ]; then wait_for_rabbitmq "$DATA_DIR/rabbitmq" "$AMQP_PORT" "$MGMT_PORT"; fi

start_service() { # Name default-url
  local name=$1 url=$2 lower
  lower=$(echo "$1" | tr '[:upper:]' '[:lower:]')
  ASPNETCORE_URLS=${3:-$url} dotnet "services/$name/bin/Release/net10.0/Monitoring.$name.dll" >>"$LOG_DIR/$lower.log" 2>&1 &
  SERVICE_PIDS+=($!)
  log "$name started (pid $!, log $LOG_DIR/$lower.log)"
}

wait_ready() { # Name url
  local deadline=$(( SECONDS + 120 ))
  until curl -fsS "$2/health/ready" >/dev/null 2>&1; do
    (( SECONDS < deadline )) || die "$1 was not ready within 120 s: see $LOG_DIR"
    for pid in "${SERVICE_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null || die "a service exited: see $LOG_DIR"; done
    sleep 0.5
  done
}

ALERTS_URL=${MONITORING_ALERTS_URL:-http://127.0.0.1:5080}
POLLER_URL=${MONITORING_FEEDPOLLER_URL:-http://127.0.0.1:5081}
CLASSIFIER_URL=${MONITORING_CLASSIFIER_URL:-http://127.0.0.1:5082}
start_service Alerts "$ALERTS_URL"
start_service Classifier "$CLASSIFIER_URL"
wait_ready Alerts "$ALERTS_URL"
wait_ready Classifier "$CLASSIFIER_URL"
start_service FeedPoller "$POLLER_URL"
wait_ready FeedPoller "$POLLER_URL"

cat >&2 <<MSG

  Monitoring is running ($(( SECONDS - START_TIME )) s to ready).
    Dashboard and API:  $ALERTS_URL/        (e.g. $ALERTS_URL/api/countries)
    Feed poller API:    $POLLER_URL/api/feeds
    RabbitMQ:           ${MONITORING_RABBITMQ}   (alerts on topic exchange monitoring.alerts)
    API key:            $MONITORING_API_KEY${GENERATED_KEY:+   (generated; set MONITORING_API_KEY to keep one)}
    Logs:               $LOG_DIR
  Ctrl-C stops everything.

MSG

# Wait until a service dies or a signal arrives; the EXIT trap stops everything either way.
while true; do
  for pid in "${SERVICE_PIDS[@]}"; do
    kill -0 "$pid" 2>/dev/null || die "a service (pid $pid) exited: see $LOG_DIR"
  done
  sleep 2 &
  wait $!
done
