#!/usr/bin/env bash
# Installs the real Rivven 0.0.22 programs into the project cache with `cargo install --locked`.
# Binaries are cached; the (large) cargo target dir is shared between the four installs and removed after.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/versions.env"
cache=${RIVVEN_RENDER_CACHE:-$HOME/.cache/rivven-render}
root="$cache/rivven-$RIVVEN_VERSION"
mkdir -p "$root/bin"
# One install at a time: concurrent runs would share (and then delete) one cargo target dir.
exec 9>"$cache/install-rivven.lock"
flock 9
export CARGO_TARGET_DIR="$cache/cargo-target-rivven"

install_one() { # crate binary [extra cargo args...]
  local crate=$1 bin=$2; shift 2
  if [ -x "$root/bin/$bin" ]; then return 0; fi
  echo "installing $crate $RIVVEN_VERSION (cold: several minutes)" >&2
  cargo install "$crate" --version "$RIVVEN_VERSION" --locked --root "$root" "$@" >&2
}
install_one rivvend rivvend
install_one rivven rivven
install_one rivven-schema rivven-schema
install_one rivven-connect rivven-connect --no-default-features --features postgres,mysql
for b in rivvend rivven rivven-schema rivven-connect; do test -x "$root/bin/$b"; done
rm -rf "$CARGO_TARGET_DIR"
echo "$root/bin"
