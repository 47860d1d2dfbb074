# shellcheck shell=bash
# Tools the test suite needs beyond the .NET SDK, installed once per machine when missing.
ensure_test_tools() {
  local missing=()
  command -v python3 >/dev/null || missing+=(python3)
  command -v curl >/dev/null || missing+=(curl)
  command -v amqp-consume >/dev/null || missing+=(amqp-tools)
  # Validates docker-compose.yml offline (no Docker engine needed).
  command -v docker-compose >/dev/null || docker compose version >/dev/null 2>&1 || missing+=(docker-compose)
  # Browser tests of the dashboard: Debian's headless Chromium and its driver, and a CJK font for legible screenshots.
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
  [ -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}

# The Alerts service's build bundles the dashboard with Node.js and npm (services/Alerts/Dashboard/Dashboard.targets).
ensure_build_tools() {
  local missing=()
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  [ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"
}
