#!/usr/bin/env bash
# diff.sh: `rivven-render diff` of two 1,000-resource trees (10% of the resources changed), side by
# side with rendering both trees alone, the work a diff cannot avoid.
#
#   benches/diff.sh        generate the trees if missing, check the diff finds the changes, time both
#                          commands in turn (A B A B ...) after one warm-up pair, print the medians
#
# The trees: 250 each of RivvenCluster, RivvenTopic, RivvenSchemaRegistry and RivvenConnect, one file
# per resource; in the new tree every tenth resource changes (a broker setting, a topic's partitions,
# a registry's compatibility, a connector option), which changes about 10% of the rendered objects.
# Timed, as whole processes (GNU time's %e and %M: wall seconds, peak RSS in KiB):
#   A: rivven-render diff --format json --exit-zero OLD NEW > /dev/null
#   B: rivven-render render -q -o - OLD > /dev/null; rivven-render render -q -o - NEW > /dev/null
#      (two processes: B's peak is the larger of the two)
#   C: dyff between OLD.yaml NEW.yaml (the peer: it compares the two rendered streams, written once
#      beforehand, without rendering and without any disruption analysis)
# and the ratios A/B and A/C of the medians. Target (issue 10): A at most 1.5x B, and under 1 s.
# dyff: DYFF_VERSION in testbed/versions.env, installed with `go install` from the Go module proxy
# into $cache/tools/dyff-$DYFF_VERSION/bin when missing (a warm run touches no network).
#
# Env: RIVVEN_RENDER_BIN (default target/release/rivven-render; build it first), RIVVEN_RENDER_CACHE
# (default ~/.cache/rivven-render; the trees go to $cache/bench/diff), DIFF_BENCH_RUNS (default 5).
set -euo pipefail

bench=diff-bench
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
gen="$cache/bench/diff"
runs=${DIFF_BENCH_RUNS:-5}
dyff_bin="$cache/tools/dyff-$DYFF_VERSION/bin"
if [ ! -x "$dyff_bin/dyff" ]; then
  echo "diff-bench: installing dyff $DYFF_VERSION" >&2
  mkdir -p "$cache/tools"
  (cd "$cache/tools" && GOBIN="$dyff_bin" GOMODCACHE="$cache/go/mod" GOCACHE="$cache/go/build" GOTOOLCHAIN=local \
    GOFLAGS='' go install -trimpath -ldflags='-s -w' "github.com/homeport/dyff/cmd/dyff@$DYFF_VERSION") \
    || { echo "diff-bench: cannot install dyff" >&2; exit 2; }
fi

stamp=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
if [ "$(cat "$gen/.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$gen"; mkdir -p "$gen/old" "$gen/new"
  python3 - "$gen" <<'PY'
import os, sys
root = sys.argv[1]
API = "apiVersion: rivven.hupe1980.github.io/v1alpha1\n"
def cluster(i, changed):
    level = "debug" if changed else "info"
    return f"{API}kind: RivvenCluster\nmetadata:\n  name: c{i:03}\n  namespace: ns{i % 10}\nspec:\n  replicas: 1\n  config:\n    logLevel: {level}\n"
def topic(i, changed):
    return f"{API}kind: RivvenTopic\nmetadata:\n  name: t{i:03}\n  namespace: ns{i % 10}\nspec:\n  clusterRef:\n    name: c{i:03}\n  partitions: {6 if changed else 3}\n"
def registry(i, changed):
    level = "FULL" if changed else "BACKWARD"
    return f"{API}kind: RivvenSchemaRegistry\nmetadata:\n  name: r{i:03}\n  namespace: ns{i % 10}\nspec:\n  clusterRef:\n    name: c{i:03}\n  storage:\n    mode: memory\n  compatibility:\n    defaultLevel: {level}\n"
def connect(i, changed):
    return (f"{API}kind: RivvenConnect\nmetadata:\n  name: p{i:03}\n  namespace: ns{i % 10}\nspec:\n  clusterRef:\n    name: c{i:03}\n"
            f"  sources:\n    - name: gen\n      connector: datagen\n      topic: t{i:03}\n      datagen:\n        pattern: orders\n        eventsPerSecond: {50 if changed else 5}\n")
for side in ("old", "new"):
    for n, make in enumerate((cluster, topic, registry, connect)):
        for i in range(250):
            changed = side == "new" and i % 10 == n
            with open(os.path.join(root, side, f"{make.__name__}-{i:03}.yaml"), "w") as f:
                f.write(make(i, changed))
PY
  echo "$stamp" > "$gen/.stamp"
fi

set +e
"$rr" diff --format json "$gen/old" "$gen/new" > "$gen/report.json" 2>"$gen/diff.err"
code=$?
set -e
[ "$code" = 3 ] || [ "$code" = 4 ] || { echo "diff-bench: the diff exited $code:" >&2; cat "$gen/diff.err" >&2; exit 1; }
summary=$(python3 -c 'import json,sys; s=json.load(open(sys.argv[1]))["summary"]; print(s["change"], "changed,", s["unchanged"], "unchanged objects")' "$gen/report.json")
echo "diff-bench: the diff finds $summary"

"$rr" render -q -o - "$gen/old" > "$gen/old.yaml" 2>/dev/null
"$rr" render -q -o - "$gen/new" > "$gen/new.yaml" 2>/dev/null

measure() { # prints "seconds kib"
  /usr/bin/time -f '%e %M' -o "$gen/time" "$@" >/dev/null 2>&1 || true
  cat "$gen/time"
}
render_both() {
  local a b
  a=$(measure "$rr" render -q -o - "$gen/old"); b=$(measure "$rr" render -q -o - "$gen/new")
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x, " "); split(b, y, " "); printf "%.2f %d\n", x[1] + y[1], (x[2] > y[2] ? x[2] : y[2]) }'
}
measure "$rr" diff --format json --exit-zero "$gen/old" "$gen/new" >/dev/null; render_both >/dev/null
: > "$gen/a"; : > "$gen/b"; : > "$gen/c"
measure "$dyff_bin/dyff" between --omit-header "$gen/old.yaml" "$gen/new.yaml" >/dev/null
for _ in $(seq "$runs"); do
  measure "$rr" diff --format json --exit-zero "$gen/old" "$gen/new" >> "$gen/a"
  render_both >> "$gen/b"
  measure "$dyff_bin/dyff" between --omit-header "$gen/old.yaml" "$gen/new.yaml" >> "$gen/c"
done
median() { sort -n -k"$2" "$1" | awk -v k="$2" '{ v[NR] = $k } END { print v[int((NR + 1) / 2)] }'; }
ta=$(median "$gen/a" 1); ma=$(median "$gen/a" 2); tb=$(median "$gen/b" 1); mb=$(median "$gen/b" 2); tc=$(median "$gen/c" 1); mc=$(median "$gen/c" 2)
printf '%-34s %8s %12s\n' "case (median of $runs)" "wall s" "peak RSS MiB"
printf '%-34s %8s %12.1f\n' "diff OLD NEW (json)" "$ta" "$(echo "$ma / 1024" | bc -l)"
printf '%-34s %8s %12.1f\n' "render OLD + render NEW" "$tb" "$(echo "$mb / 1024" | bc -l)"
printf '%-34s %8s %12.1f\n' "dyff between OLD.yaml NEW.yaml" "$tc" "$(echo "$mc / 1024" | bc -l)"
printf '%-34s %8.2f %12.2f\n' "ratio diff / renders" "$(echo "$ta / $tb" | bc -l)" "$(echo "$ma / $mb" | bc -l)"
printf '%-34s %8.2f %12.2f\n' "ratio diff / dyff" "$(echo "$ta / $tc" | bc -l)" "$(echo "$ma / $mc" | bc -l)"
