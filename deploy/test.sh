#!/usr/bin/env bash
# Runs every test in Monitoring.sln against throwaway PostgreSQL and RabbitMQ servers on free ports,
# stops them, and prints "N passed, N failed" as its last line. Exit status is non-zero on any failure.
#
#   deploy/test.sh                       # everything
#   deploy/test.sh --filter Category!=Browser   # extra arguments go to dotnet test
#
# With MONITORING_POSTGRES, MONITORING_RABBITMQ and MONITORING_RABBITMQ_MANAGEMENT set, uses those servers.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
# shellcheck source=servers.sh
. deploy/servers.sh

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export MSBUILDDISABLENODEREUSE=1 MONITORING_TELEMETRY=${MONITORING_TELEMETRY:-none}
CONFIGURATION=${CONFIGURATION:-Release}
RUN_DIR=$(mktemp -d /tmp/monitoring-test.XXXXXX)
chmod 755 "$RUN_DIR"
STATUS=1

cleanup() {
  stop_servers
  dotnet build-server shutdown >/dev/null 2>&1
  if [ "$STATUS" = 0 ] && [ -z "${KEEP_TEST_RUN:-}" ]; then rm -rf "$RUN_DIR"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

command -v dotnet >/dev/null || die "the .NET SDK (dotnet) is required: https://dot.net"
. deploy/tools.sh
ensure_build_tools
ensure_test_tools

if [ -n "${MONITORING_POSTGRES:-}" ] && [ -n "${MONITORING_RABBITMQ:-}" ] && [ -n "${MONITORING_RABBITMQ_MANAGEMENT:-}" ]; then
  log "using the servers named by MONITORING_POSTGRES / MONITORING_RABBITMQ"
else
  ensure_server_packages
  AMQP_PORT=$(free_port); MGMT_PORT=$(free_port); PG_PORT=$(free_port)
  log "starting RabbitMQ on 127.0.0.1:$AMQP_PORT (management $MGMT_PORT) and PostgreSQL on 127.0.0.1:$PG_PORT"
  start_rabbitmq "$RUN_DIR/rabbitmq" "$AMQP_PORT" "$MGMT_PORT"
  start_postgres "$RUN_DIR/postgres" "$PG_PORT" test
  export MONITORING_POSTGRES="Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=monitoring;Maximum Pool Size=40"
  export MONITORING_RABBITMQ="amqp://guest:guest@127.0.0.1:$AMQP_PORT/"
  export MONITORING_RABBITMQ_MANAGEMENT="http://guest:guest@127.0.0.1:$MGMT_PORT/"
fi

log "building ($CONFIGURATION)"
if ! dotnet build Monitoring.sln -c "$CONFIGURATION" -nologo -v quiet -p:UseSharedCompilation=false >"$RUN_DIR/build.log" 2>&1; then
  grep -E "error|Error" "$RUN_DIR/build.log" | sort -u | head -40 >&2
  echo "0 passed, 1 failed"
  exit 1
fi

if [ -n "${AMQP_PORT:-}" ]; then
  wait_for_rabbitmq "$RUN_DIR/rabbitmq" "$AMQP_PORT" "$MGMT_PORT"
fi

# Screenshots and other artefacts the tests leave: kept after the run (replaced by the next one).
export MONITORING_TEST_ARTIFACTS="$ROOT/artifacts/test"
rm -rf "$MONITORING_TEST_ARTIFACTS"
mkdir -p "$MONITORING_TEST_ARTIFACTS"

log "running tests"
dotnet test Monitoring.sln -c "$CONFIGURATION" --no-build -nologo \
  --logger "trx" --logger "console;verbosity=minimal" --results-directory "$RUN_DIR/results" "$@" 2>&1 \
  | tee "$RUN_DIR/test.log" | grep -vE "^\s*$"
TEST_EXIT=${PIPESTATUS[0]}

read -r PASSED FAILED < <(python3 - "$RUN_DIR/results" <<'PY'
import sys, glob, xml.etree.ElementTree as ET
passed = failed = 0
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
for f in glob.glob(sys.argv[1] + "/*.trx"):
    for r in ET.parse(f).getroot().iterfind(".//t:UnitTestResult", ns):
        o = r.get("outcome")
        if o == "Passed": passed += 1
        elif o in ("Failed", "Error", "Timeout", "Aborted"): failed += 1
        # Figures tests report for the record (the story evaluation's purity and completeness) are shown.
        for out in r.iterfind(".//t:StdOut", ns):
            for line in (out.text or "").splitlines():
                if line.startswith("story evaluation"): print(line, file=sys.stderr)
print(passed, failed)
PY
)
if [ "$TEST_EXIT" != 0 ] && [ "$FAILED" = 0 ]; then
  FAILED=1 # the run itself failed (crash, build error) without a failed test result
fi
[ "$FAILED" = 0 ] && STATUS=0
[ "$STATUS" != 0 ] && log "test run kept in $RUN_DIR"
if compgen -G "$MONITORING_TEST_ARTIFACTS/screenshots/*.png" >/dev/null; then
  log "screenshots: $MONITORING_TEST_ARTIFACTS/screenshots"
fi
echo "$PASSED passed, $FAILED failed"
exit $STATUS
