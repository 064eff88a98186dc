#!/usr/bin/env bash
# sarif-tools.sh: install sarif-tools (an independent SARIF reader from PyPI) into its own venv, if it
# is missing or at another version than SARIF_TOOLS_VERSION, and print the venv's python on stdout.
# A warm run only checks the installed version: it never touches the network.
#
#   testbed/sarif-tools.sh     -> /path/to/cache/sarif-tools/venv/bin/python
#
# The Rust SARIF read-back test runs tests/sarif/read_back.py with that interpreter (testbed/tb test
# exports it as RIVVEN_SARIF_PYTHON). Logs and progress go to stderr only.
# Env: RIVVEN_RENDER_CACHE, SARIF_TOOLS_PYTHON (interpreter for the venv, default python3).
# Version: testbed/versions.env (SARIF_TOOLS_VERSION).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
source "$here/versions.env"

cache=${RIVVEN_RENDER_CACHE:-$HOME/.cache/rivven-render}
base="$cache/sarif-tools"
venv="$base/venv"

log() { printf '[sarif-tools] %s\n' "$*" >&2; }
die() { printf '[sarif-tools] error: %s\n' "$*" >&2; exit 2; }
now_s() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now_s)" 'BEGIN{printf "%.1fs", b-a}'; }

[ $# -eq 0 ] || { sed -n '2,10p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 2; }
[ -n "${SARIF_TOOLS_VERSION:-}" ] || die "SARIF_TOOLS_VERSION is not set in $here/versions.env"

sarif_tools_installed_version() {
  [ -x "$venv/bin/python" ] || return 0
  "$venv/bin/python" -c 'import importlib.metadata as m; print(m.version("sarif-tools"))' 2>/dev/null || true
}

install_sarif_tools() {
  [ "$(sarif_tools_installed_version)" = "$SARIF_TOOLS_VERSION" ] && return 0
  local py=${SARIF_TOOLS_PYTHON:-python3} t
  command -v "$py" >/dev/null || die "$py not found (set SARIF_TOOLS_PYTHON to a Python 3 interpreter)"
  t=$(now_s)
  log "installing sarif-tools $SARIF_TOOLS_VERSION into $venv (log: $base/logs/install-sarif-tools.log)"
  rm -rf "$venv"
  { "$py" -m venv "$venv" &&
    "$venv/bin/python" -m pip install --disable-pip-version-check -q "sarif-tools==$SARIF_TOOLS_VERSION"; } \
    >"$base/logs/install-sarif-tools.log" 2>&1 ||
    { tail -30 "$base/logs/install-sarif-tools.log" >&2; rm -rf "$venv"; die "installing sarif-tools failed"; }
  [ "$(sarif_tools_installed_version)" = "$SARIF_TOOLS_VERSION" ] || die "sarif-tools $SARIF_TOOLS_VERSION did not install"
  log "sarif-tools $SARIF_TOOLS_VERSION installed in $(elapsed "$t")"
}

mkdir -p "$base/logs"
# One installer at a time: two would share (and delete) the same venv.
exec 9>"$base/.install.lock"
flock 9
install_sarif_tools
exec 9>&-
# The venv's own interpreter path (not resolved through its symlink, so that it keeps the venv's packages).
echo "$venv/bin/python"
