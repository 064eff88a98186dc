#!/usr/bin/env bash
# kubeconform.sh: `rivven-render validate` side by side with kubeconform, the schema validator users
# would otherwise run in CI, over the same 10,000 documents as benches/throughput.rs (four kinds in
# rotation) and against the same JSON Schemas (schemas/*.json).
#
#   benches/kubeconform.sh              install kubeconform if missing, generate the input if missing,
#                                       check both tools accept it, time them, print the ratios
#   benches/kubeconform.sh --commands   print the four timed commands (one a line) and exit
#
# What it measures, each case as whole processes (start-up included), the two tools in turn
# (A B A B ...) after one warm-up pair, the median of RUNS pairs:
#   file: one 10,000-document file  rivven-render validate --format short -q FILE
#                                   kubeconform -n 2 -summary -schema-location SCHEMAS FILE
#   dir:  10,000 one-document files rivven-render validate --format short -q DIR
#                                   kubeconform -n 2 -summary -schema-location SCHEMAS DIR
# and prints wall time and peak RSS (GNU time's %e and %M) of each, with the ratio
# rivven-render / kubeconform (the median of the per-pair ratios). rivven-render also applies its
# domain rules (names, references, quantities, ...); kubeconform checks the schemas only.
# Before timing, every run is required to succeed: rivven-render exit 0 (warnings are fine) with
# "valid: 10000 resource(s)", kubeconform "Valid: 10000, Invalid: 0, Errors: 0, Skipped: 0"; and a
# one-off check proves kubeconform reads our schemas (a RivvenCluster with `replicas: "x"` must be
# reported invalid).
#
# Env: RIVVEN_RENDER_BIN (default target/release/rivven-render; build it first, this script never runs
# cargo; a debug build's figures mean nothing), RIVVEN_RENDER_CACHE (default ~/.cache/rivven-render),
# KUBECONFORM_BENCH_RUNS (counted pairs per case, default 5).
# Version: KUBECONFORM_VERSION in testbed/versions.env, installed with `go install` from the Go module
# proxy into $cache/tools/kubeconform-$KUBECONFORM_VERSION/bin (a warm run touches no network).
# Input: $cache/bench/kubeconform/ (regenerated when this script changes).
# Exit codes: 0 done, 1 a tool failed or did not validate every document, 2 usage or install error.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
# shellcheck source=../testbed/versions.env
source "$repo/testbed/versions.env"

cache=${RIVVEN_RENDER_CACHE:-$HOME/.cache/rivven-render}
kc_bin="$cache/tools/kubeconform-$KUBECONFORM_VERSION/bin"
kubeconform="$kc_bin/kubeconform"
gen="$cache/bench/kubeconform"
runs=${KUBECONFORM_BENCH_RUNS:-5}
documents=10000
schema_location="$repo/schemas/{{.ResourceKind}}.json"

log() { printf '[kubeconform-bench] %s\n' "$*" >&2; }
die() { printf '[kubeconform-bench] error: %s\n' "$1" >&2; exit "${2:-2}"; }
usage() { sed -n '2,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

mode=bench
case "${1:-}" in
  "") ;;
  --commands) mode=commands ;;
  -h|--help) usage; exit 0 ;;
  *) usage >&2; exit 2 ;;
esac
[[ $runs =~ ^[1-9][0-9]?$ ]] || die "KUBECONFORM_BENCH_RUNS must be 1-99, not '$runs'"

if [ -n "${RIVVEN_RENDER_BIN:-}" ]; then rr=$(realpath -m "$RIVVEN_RENDER_BIN"); else rr="$repo/target/release/rivven-render"; fi

rr_file=(    "$rr" validate --format short -q "$gen/all.yaml")
kc_file=(    "$kubeconform" -n 2 -summary -schema-location "$schema_location" "$gen/all.yaml")
rr_dir=(     "$rr" validate --format short -q "$gen/docs")
kc_dir=(     "$kubeconform" -n 2 -summary -schema-location "$schema_location" "$gen/docs")
if [ "$mode" = commands ]; then
  printf '%s\n' "${rr_file[*]}" "${kc_file[*]}" "${rr_dir[*]}" "${kc_dir[*]}"
  exit 0
fi

# ---------------------------------------------------------------- install (only when missing)

kubeconform_installed_version() {
  [ -x "$kubeconform" ] || return 0
  go version -m "$kubeconform" 2>/dev/null | awk '$1 == "mod" && $2 == "github.com/yannh/kubeconform" {print $3}'
}

if ! command -v go >/dev/null; then
  [ -x "$kubeconform" ] || die "Go toolchain not found on PATH (needed to build kubeconform)"
elif [ "$(kubeconform_installed_version)" != "$KUBECONFORM_VERSION" ]; then
  mkdir -p "$kc_bin" "$cache/logs"
  exec 9>"$cache/tools/.kubeconform.lock"; flock 9
  if [ "$(kubeconform_installed_version)" != "$KUBECONFORM_VERSION" ]; then
    t=$(date +%s)
    log "installing kubeconform $KUBECONFORM_VERSION into $kc_bin (log: $cache/logs/install-kubeconform.log)"
    (cd "$cache/tools" && GOBIN="$kc_bin" GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOTOOLCHAIN=local \
      GOFLAGS='' go install -trimpath -ldflags='-s -w' "github.com/yannh/kubeconform/cmd/kubeconform@$KUBECONFORM_VERSION") \
      >"$cache/logs/install-kubeconform.log" 2>&1 ||
      { tail -30 "$cache/logs/install-kubeconform.log" >&2; die "installing kubeconform failed"; }
    [ "$(kubeconform_installed_version)" = "$KUBECONFORM_VERSION" ] || die "kubeconform $KUBECONFORM_VERSION did not install"
    log "kubeconform $KUBECONFORM_VERSION installed in $(( $(date +%s) - t ))s"
  fi
  exec 9>&-
fi
if [ ! -x /usr/bin/time ]; then
  log "installing Debian package time (GNU time, for peak RSS)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq time; } >&2 || die "installing GNU time failed"
fi

# ---------------------------------------------------------------- input (only when missing or stale)

stamp=$(sha256sum "${BASH_SOURCE[0]}" | cut -d' ' -f1)
if [ "$(cat "$gen/stamp" 2>/dev/null)" != "$stamp" ] || [ ! -f "$gen/all.yaml" ] || [ ! -d "$gen/docs" ]; then
  log "generating $documents documents into $gen"
  new="$gen.new.$$"
  rm -rf "$new"; mkdir -p "$new/docs"
  # A faithful port of benches/throughput.rs: document(i) and input(n) = "---\n" + document(i), concatenated.
  python3 - "$new" "$documents" <<'PY'
import os, sys

out, n = sys.argv[1], int(sys.argv[2])

def document(i):
    cluster = f"c{i % 50}"
    ns = i % 7
    k = i % 4
    if k == 0:
        return f"apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: {cluster}-{i}\n  namespace: ns{ns}\nspec:\n  replicas: 1\n  storage:\n    size: 20Gi\n  config:\n    defaultPartitions: 6\n  resources:\n    requests:\n      cpu: 500m\n      memory: 1Gi\n"
    if k == 1:
        return f"apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenTopic\nmetadata:\n  name: topic-{i}\n  namespace: ns{ns}\nspec:\n  clusterRef:\n    name: {cluster}\n  partitions: 12\n  config:\n    retentionMs: 604800000\n    cleanupPolicy: delete\n"
    if k == 2:
        return f"apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenConnect\nmetadata:\n  name: connect-{i}\n  namespace: ns{ns}\nspec:\n  clusterRef:\n    name: {cluster}\n  sources:\n    - name: gen\n      connector: datagen\n      topic: events-{i}\n      datagen:\n        pattern: orders\n        eventsPerSecond: 10\n  sinks:\n    - name: out\n      connector: stdout\n      topics: [events-{i}]\n      consumerGroup: out\n      config:\n        format: json\n"
    return f"apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenSchemaRegistry\nmetadata:\n  name: registry-{i}\n  namespace: ns{ns}\nspec:\n  clusterRef:\n    name: {cluster}\n  storage:\n    mode: memory\n  compatibility:\n    defaultLevel: FULL\n"

with open(os.path.join(out, "all.yaml"), "w", newline="") as f:
    f.write("".join("---\n" + document(i) for i in range(n)))
for i in range(n):
    with open(os.path.join(out, "docs", f"doc-{i:05d}.yaml"), "w", newline="") as f:
        f.write(document(i))
# The schema check: document(0) with a string where the schema wants an integer.
with open(os.path.join(out, "wrong-type.yaml"), "w", newline="") as f:
    f.write(document(0).replace("replicas: 1\n", 'replicas: "x"\n'))
PY
  echo "$stamp" >"$new/stamp"
  rm -rf "$gen"; mv "$new" "$gen"
fi

# ---------------------------------------------------------------- checks (before any timing)

[ -x "$rr" ] || die "rivven-render binary $rr not found: build it (cargo build --release --locked) or set RIVVEN_RENDER_BIN"
case "$rr" in */debug/*) log "WARNING: $rr is a debug build: its figures mean nothing, use a release build" ;; esac

work=$(mktemp -d "${TMPDIR:-/tmp}/kubeconform-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# check_run NAME OUT RC: did this run of NAME (rr-* or kc-*) validate every document with no error?
check_run() {
  local name=$1 out=$2 rc=$3 files=$4 line
  case "$name" in
    rr-*) line=$(grep -E '^(in)?valid: [0-9]+ resource' "$out" | tail -1 || true)
          [ "$rc" = 0 ] && [[ $line == "valid: $documents resource(s) in $files file(s): 0 errors,"* ]] ;;
    kc-*) line=$(grep '^Summary: ' "$out" | tail -1 || true)
          [ "$rc" = 0 ] && [[ $line == *" - Valid: $documents, Invalid: 0, Errors: 0, Skipped: 0" ]] ;;
  esac || { tail -5 "$out" >&2; die "$name (exit $rc) did not validate all $documents documents: ${line:-no summary line}" 1; }
  printf '%s\n' "$line"
}

set +e
"$kubeconform" -n 2 -summary -schema-location "$schema_location" "$gen/wrong-type.yaml" >"$work/wrong.out" 2>&1
rc=$?
set -e
if [ "$rc" != 1 ] || ! grep -q "is invalid: .*at '/spec/replicas'" "$work/wrong.out" ||
   ! grep -q 'Invalid: 1, Errors: 0, Skipped: 0' "$work/wrong.out"; then
  cat "$work/wrong.out" >&2
  die "kubeconform did not reject replicas: \"x\" (exit $rc): it is not validating against $repo/schemas" 1
fi
log "schema check: kubeconform rejects replicas: \"x\" ($(grep -o "'file://[^']*' - at '/spec/replicas'.*" "$work/wrong.out"))"

# ---------------------------------------------------------------- timing

declare -A cmds=([rr-file]="rr_file" [kc-file]="kc_file" [rr-dir]="rr_dir" [kc-dir]="kc_dir")
declare -A nfiles=([rr-file]=1 [kc-file]=1 [rr-dir]=$documents [kc-dir]=$documents)

# timed NAME: one run, its output in $work/NAME.out; appends "wall_s peak_kib" to $work/NAME.times.
timed() {
  local name=$1 rc; local -n argv=${cmds[$name]}
  set +e
  /usr/bin/time -f '%e %M' -o "$work/time" "${argv[@]}" >"$work/$name.out" 2>&1
  rc=$?
  set -e
  check_run "$name" "$work/$name.out" "$rc" "${nfiles[$name]}" >"$work/$name.summary"
  cat "$work/time" >>"$work/$name.times"
}

log "timing with $rr and kubeconform $KUBECONFORM_VERSION: 1 warm-up pair + $runs pairs per case, in turn"
for case in file dir; do
  for ((r = 0; r <= runs; r++)); do
    timed "rr-$case"; timed "kc-$case"
    if [ "$r" = 0 ]; then  # the warm-up pair is not counted
      log "$case: $(cat "$work/rr-$case.summary") | $(cat "$work/kc-$case.summary")"
      : >"$work/rr-$case.times"; : >"$work/kc-$case.times"
    fi
  done
done

python3 - "$work" "$runs" "$rr" "$KUBECONFORM_VERSION" <<'PY'
import statistics, sys

work, runs, rr, kcv = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
def times(name):
    with open(f"{work}/{name}.times") as f:
        return [tuple(float(x) for x in l.split()) for l in f if l.strip()]
med = statistics.median
print(f"\nrivven-render validate ({rr}) vs kubeconform {kcv} -n 2, 10,000 documents, median of {runs} paired runs")
print(f"{'case':<28} {'rivven-render':>22} {'kubeconform':>22} {'ratio rr/kc':>16}")
print(f"{'':<28} {'wall s':>9} {'peak MiB':>12} {'wall s':>9} {'peak MiB':>12} {'wall':>7} {'peak':>8}")
for case, label in (("file", "one 10,000-document file"), ("dir", "10,000 one-document files")):
    a, b = times(f"rr-{case}"), times(f"kc-{case}")
    wall = med(x[0] / max(y[0], 0.01) for x, y in zip(a, b))
    peak = med(x[1] / y[1] for x, y in zip(a, b))
    print(f"{label:<28} {med(x[0] for x in a):>9.2f} {med(x[1] for x in a) / 1024:>12.1f} "
          f"{med(y[0] for y in b):>9.2f} {med(y[1] for y in b) / 1024:>12.1f} {wall:>6.2f}x {peak:>7.2f}x")
print("(ratio < 1: rivven-render is faster / smaller; wall s at GNU time's 10 ms resolution)")
PY
