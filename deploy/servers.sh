# shellcheck shell=bash
# Shared by run.sh, test.sh and bench.sh: install, start and stop PostgreSQL and RabbitMQ without Docker.
# Every server this file starts is recorded in SERVERS_STARTED and stopped by stop_servers (by pid).

PG_BIN=""
SERVERS_STARTED=()

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# A TCP port on 127.0.0.1 that nothing listens on right now, below the kernel's ephemeral range: a port in that range
# can become the source port of some outgoing connection between this check and the server's bind (a test's RabbitMQ
# node then stopped at boot with "dist_port_already_used").
free_port() {
  local port low=32768 from=10000 span
  read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
  span=$(( low - from ))
  if (( span < 1000 )); then from=30000; span=20000; fi
  for _ in $(seq 1 200); do
    port=$(( (RANDOM % span) + from ))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"; return 0
    fi
  done
  die "no free port found"
}

wait_for_port() { # host port seconds what
  local deadline=$(( SECONDS + $3 ))
  until (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; do
    (( SECONDS < deadline )) || return 1
    sleep 0.3
  done
}

docker_engine_answers() {
  command -v docker >/dev/null 2>&1 && timeout 5 docker info >/dev/null 2>&1
}

compose_command() {
  if docker compose version >/dev/null 2>&1; then echo "docker compose"
  elif command -v docker-compose >/dev/null 2>&1; then echo "docker-compose"
  else return 1; fi
}

apt_install() {
  [ "$(id -u)" = 0 ] || die "missing $* and not root: install them with apt-get install $*"
  log "installing $* with apt (once per machine)"
  if [ -z "${APT_UPDATED:-}" ]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null || die "apt-get update failed"
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null \
    || die "apt-get install $* failed"
}

find_postgres() {
  PG_BIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
  [ -n "$PG_BIN" ] && [ -x "$PG_BIN/initdb" ]
}

ensure_server_packages() {
  local missing=()
  find_postgres || missing+=(postgresql)
  [ -x /usr/lib/rabbitmq/bin/rabbitmq-server ] || missing+=(rabbitmq-server)
  if [ ${#missing[@]} -gt 0 ]; then
    apt_install "${missing[@]}"
    # Debian starts its own cluster/broker on install where systemd runs; ours run on their own ports.
    find_postgres || die "PostgreSQL binaries not found after install"
  fi
}

# start_postgres DIR PORT [test] — a cluster in DIR (created when missing) listening on 127.0.0.1:PORT.
start_postgres() {
  local dir=$1 port=$2 mode=${3:-}
  local run_as=()
  [ "$(id -u)" = 0 ] && run_as=(runuser -u postgres --)
  mkdir -p "$dir"
  chmod 755 "$dir"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$dir"; fi
  if [ ! -f "$dir/data/PG_VERSION" ]; then
    "${run_as[@]}" "$PG_BIN/initdb" -D "$dir/data" -U postgres --auth=trust --no-sync -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 \
      || die "initdb failed: see $dir/initdb.log"
    {
      echo "listen_addresses='127.0.0.1'"
      echo "unix_socket_directories='$dir'"
      echo "max_connections=300"
      echo "shared_buffers=256MB"
      if [ "$mode" = test ]; then
        echo "fsync=off"; echo "synchronous_commit=off"; echo "full_page_writes=off"
      fi
    } >>"$dir/data/postgresql.conf"
  fi
  "${run_as[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -o "-p $port" -l "$dir/postgres.log" -w -t 60 start >/dev/null \
    || die "PostgreSQL did not start: see $dir/postgres.log"
  SERVERS_STARTED+=("postgres:$dir")
  "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -tAc "select 1 from pg_database where datname='monitoring'" | grep -q 1 \
    || "$PG_BIN/psql" -h 127.0.0.1 -p "$port" -U postgres -qc "create database monitoring" >/dev/null
}

stop_postgres() {
  local dir=$1
  local run_as=()
  [ "$(id -u)" = 0 ] && run_as=(runuser -u postgres --)
  "${run_as[@]}" "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || {
    local pid; pid=$(head -n 1 "$dir/data/postmaster.pid" 2>/dev/null)
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null
  }
}

# start_rabbitmq DIR AMQP_PORT MANAGEMENT_PORT — a broker node of its own (own epmd port too), returns at once;
# wait_for_rabbitmq waits until it accepts connections. Boot takes 8–22 s on a 2-core machine.
start_rabbitmq() {
  local dir=$1 port=$2 mgmt=$3
  local epmd_port dist_port
  epmd_port=$(free_port); dist_port=$(free_port)
  mkdir -p "$dir/mnesia" "$dir/log" "$dir/home"
  cat >"$dir/rabbitmq.conf" <<CONF
listeners.tcp.default = 127.0.0.1:$port
management.tcp.port = $mgmt
management.tcp.ip = 127.0.0.1
loopback_users = none
vm_memory_high_watermark.relative = 0.3
disk_free_limit.absolute = 200MB
log.console = false
log.file.level = warning
CONF
  echo '[rabbitmq_management].' >"$dir/enabled_plugins"
  echo "$epmd_port" >"$dir/epmd.port"
  (
    export RABBITMQ_NODENAME="monitoring$port@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
      RABBITMQ_NODE_PORT="$port" RABBITMQ_DIST_PORT="$dist_port" \
      RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" RABBITMQ_MNESIA_BASE="$dir/mnesia" \
      RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
      RABBITMQ_PID_FILE="$dir/rabbitmq.pid" HOME="$dir/home" \
      ERL_EPMD_ADDRESS=127.0.0.1 ERL_EPMD_PORT="$epmd_port"
    unset RABBITMQ_ALLOW_INPUT
    setsid /usr/lib/rabbitmq/bin/rabbitmq-server </dev/null >"$dir/server.log" 2>&1 &
  )
  SERVERS_STARTED+=("rabbitmq:$dir")
}

wait_for_rabbitmq() { # DIR AMQP_PORT MANAGEMENT_PORT
  wait_for_port 127.0.0.1 "$2" 120 || die "RabbitMQ did not open port $2 within 120 s: see $1/server.log and $1/log"
  wait_for_port 127.0.0.1 "$3" 60 || die "RabbitMQ management did not open port $3: see $1/log"
}

stop_rabbitmq() {
  local dir=$1 pid
  pid=$(cat "$dir/rabbitmq.pid" 2>/dev/null)
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null
  fi
  # The node may not have written its pid file yet if it is stopped during boot.
  pkill -9 -f -- "-rabbit .*$dir" 2>/dev/null
  pkill -9 -f -- "$dir/rabbitmq.conf" 2>/dev/null
  if [ -f "$dir/epmd.port" ]; then
    ERL_EPMD_PORT=$(cat "$dir/epmd.port") epmd -kill >/dev/null 2>&1
  fi
  # Anything else the node left running from its folder (erl_child_setup, inet_gethost) goes too. The patterns
  # name the node's own folders, never the folder alone, so the shell calling this is not matched.
  pkill -9 -f -- "$dir/home" 2>/dev/null
  pkill -9 -f -- "$dir/mnesia" 2>/dev/null
  return 0
}

stop_servers() {
  local entry
  for entry in "${SERVERS_STARTED[@]}"; do
    case "$entry" in
      postgres:*) stop_postgres "${entry#postgres:}" ;;
      rabbitmq:*) stop_rabbitmq "${entry#rabbitmq:}" ;;
    esac
  done
  SERVERS_STARTED=()
}
