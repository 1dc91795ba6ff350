#!/usr/bin/env bash
# Set-up and entry points for mmevidence. Needs only python3 (>= 3.11).
#   ./dev.sh demo   create .venv if needed, install, run the demo job on the bundled example data
#   ./dev.sh test   create .venv if needed, install with test extras, run the full test suite (pytest)
set -euo pipefail
cd "$(dirname "$0")"
PY=${PYTHON:-python3}
VENV=.venv

ensure_venv() {
  local extras=$1
  if [ ! -x "$VENV/bin/python" ]; then
    "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
  fi
  "$VENV/bin/python" -m pip install --quiet -e ".[$extras]"
}

# The browser test (tests/report/test_browser.py) drives Debian's headless Chromium; it is
# installed here when missing (needs root or sudo, as in CI). The test fails, never skips,
# when Chromium is absent.
ensure_chromium() {
  command -v chromium >/dev/null 2>&1 && return 0
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "installing Chromium for the browser test (apt-get install chromium chromium-driver)" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver >/dev/null
}

case "${1:-}" in
  demo)
    ensure_venv test
    shift
    exec "$VENV/bin/mmevidence" demo "$@"
    ;;
  test)
    ensure_venv test,bench
    ensure_chromium
    shift
    exec "$VENV/bin/python" -m pytest "$@"
    ;;
  *)
    echo "usage: ./dev.sh demo | ./dev.sh test [pytest args]" >&2
    exit 2
    ;;
esac
