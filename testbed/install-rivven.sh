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

# The sources of rivven-connect and rivven-cdc, unpacked: the test of the connect-key allowlist reads
# the field declarations its entries cite. From cargo's download cache when present, else crates.io.
unpack_source() { # crate sha256
  local crate=$1 sum=$2 dir="$root/src" file
  [ -f "$dir/$crate-$RIVVEN_VERSION/Cargo.toml" ] && return 0
  mkdir -p "$dir"
  file=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"$crate-$RIVVEN_VERSION.crate" 2>/dev/null | head -1 || true)
  if [ -z "$file" ]; then
    file="$dir/$crate-$RIVVEN_VERSION.crate"
    curl -sfL -o "$file" "https://static.crates.io/crates/$crate/$crate-$RIVVEN_VERSION.crate"
  fi
  echo "$sum  $file" | sha256sum -c --quiet - >&2
  tar -xzf "$file" -C "$dir"
  rm -f "$dir/$crate-$RIVVEN_VERSION.crate"
}
unpack_source rivven-connect "$RIVVEN_CONNECT_CRATE_SHA256"
unpack_source rivven-cdc "$RIVVEN_CDC_CRATE_SHA256"
echo "$root/bin"
