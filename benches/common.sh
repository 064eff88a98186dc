# common.sh: what the bench scripts share (sourced, after `set -euo pipefail` and `bench=NAME`):
# the paths, the pinned versions, the binary under test (RIVVEN_RENDER_BIN, default
# target/release/rivven-render) and GNU time, each checked before anything runs.
here=$(cd "$(dirname "${BASH_SOURCE[1]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${RIVVEN_RENDER_CACHE:-$HOME/.cache/rivven-render}
# shellcheck source=../testbed/versions.env
source "$repo/testbed/versions.env"
rr=${RIVVEN_RENDER_BIN:-$repo/target/release/rivven-render}
bench_fail() { echo "$bench: $*" >&2; exit 2; }
[ -x "$rr" ] || bench_fail "$rr not found: cargo build --release first"
[ -x /usr/bin/time ] || bench_fail "GNU time (/usr/bin/time) is needed"
