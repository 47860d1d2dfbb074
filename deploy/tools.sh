# shellcheck shell=bash
# Tools the test suite needs beyond the .NET SDK, installed once per machine when missing.
ensure_test_tools() {
  local missing=()
  command -v python3 >/dev/null || missing+=(python3)
  command -v curl >/dev/null || missing+=(curl)
  command -v amqp-consume >/dev/null || missing+=(amqp-tools)
  # Validates docker-compose.yml offline (no Docker engine needed).
  command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}
