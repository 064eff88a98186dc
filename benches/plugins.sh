#!/usr/bin/env bash
# plugins.sh: wall time and peak memory of the two plugin front doors, as whole processes.
#
#   benches/plugins.sh     generate a 1,000-resource app if missing, then time in turn (A B C D ...)
#                          after one warm-up round, and print the medians and ratios
#
# Timed (wall time from the clock, peak RSS from GNU time's %M):
#   A: rivven-render argocd generate in a copy of examples/minimal (what Argo CD runs on each refresh)
#   B: rivven-render argocd generate in the 1,000-resource app (250 of each kind, one file each)
#   C: kustomize build of the same app through `rivven-render krm` as a generator
#   D: kustomize build of a kustomization holding the app's rendered manifests (the peer: what
#      kustomize alone costs on the same 3,750 objects, without rendering them)
# Targets (issue 11): A under 50 ms and B under 1 s, process start included.
# kustomize: the testbed's (KUBERNETES_VERSION in testbed/versions.env; `testbed/tb build`).
#
# Env: RIVVEN_RENDER_BIN (default target/release/rivven-render; build it first), RIVVEN_RENDER_CACHE
# (default ~/.cache/rivven-render; the app goes to $cache/bench/plugins), PLUGIN_BENCH_RUNS (default 3: kustomize takes about 20 s a build of 3,750 objects).
set -euo pipefail

bench=plugin-bench
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
gen="$cache/bench/plugins"
runs=${PLUGIN_BENCH_RUNS:-3}
kustomize="$cache/k8s-$KUBERNETES_VERSION/bin/kustomize"
[ -x "$kustomize" ] || bench_fail "$kustomize not found: testbed/tb build first"

stamp=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)
if [ "$(cat "$gen/.stamp" 2>/dev/null)" != "$stamp" ]; then
  rm -rf "$gen"; mkdir -p "$gen/app/rivven" "$gen/minimal" "$gen/plain"
  python3 - "$gen/app/rivven" <<'PY'
import os, sys
root = sys.argv[1]
API = "apiVersion: rivven.hupe1980.github.io/v1alpha1\n"
kinds = {
    "cluster": lambda i: f"{API}kind: RivvenCluster\nmetadata:\n  name: c{i:03}\n  namespace: ns{i % 10}\nspec:\n  replicas: 1\n",
    "topic": lambda i: f"{API}kind: RivvenTopic\nmetadata:\n  name: t{i:03}\n  namespace: ns{i % 10}\nspec:\n  clusterRef:\n    name: c{i:03}\n  partitions: 3\n",
    "registry": lambda i: f"{API}kind: RivvenSchemaRegistry\nmetadata:\n  name: r{i:03}\n  namespace: ns{i % 10}\nspec:\n  clusterRef:\n    name: c{i:03}\n  storage:\n    mode: memory\n",
    "connect": lambda i: (f"{API}kind: RivvenConnect\nmetadata:\n  name: p{i:03}\n  namespace: ns{i % 10}\nspec:\n  clusterRef:\n    name: c{i:03}\n"
                          f"  sources:\n    - name: gen\n      connector: datagen\n      topic: t{i:03}\n      datagen:\n        pattern: orders\n"),
}
for name, make in kinds.items():
    for i in range(250):
        with open(os.path.join(root, f"{name}-{i:03}.yaml"), "w") as f:
            f.write(make(i))
PY
  cp "$repo"/examples/minimal/*.yaml "$gen/minimal/"
  printf 'generators:\n  - rivven-render.yaml\n' > "$gen/app/kustomization.yaml"
  printf 'apiVersion: rivven-render.github.io/v1alpha1\nkind: RivvenRender\nmetadata:\n  name: fn\n  annotations:\n    config.kubernetes.io/function: |\n      exec:\n        path: %s\n        args: [krm]\nspec:\n  paths: [rivven]\n' "$rr" > "$gen/app/rivven-render.yaml"
  "$rr" render -q -o - "$gen/app/rivven" > "$gen/plain/rendered.yaml"
  printf 'resources:\n  - rendered.yaml\n' > "$gen/plain/kustomization.yaml"
  echo "$stamp" > "$gen/.stamp"
fi

# Each command must succeed and print the objects before it is timed.
objects() { grep -c '^kind: ' || true; }
a_objects=$(cd "$gen/minimal" && "$rr" argocd generate 2>/dev/null | objects)
b_objects=$(cd "$gen/app/rivven" && ARGOCD_APP_NAMESPACE=bench "$rr" argocd generate 2>/dev/null | objects)
c_objects=$("$kustomize" build --enable-alpha-plugins --enable-exec "$gen/app" 2>/dev/null | objects)
d_objects=$("$kustomize" build "$gen/plain" 2>/dev/null | objects)
echo "plugin-bench: objects A $a_objects, B $b_objects, C $c_objects, D $d_objects"
[ "$a_objects" -gt 0 ] && [ "$b_objects" = "$c_objects" ] && [ "$c_objects" = "$d_objects" ] || { echo "plugin-bench: the commands disagree" >&2; exit 1; }

measure() { # label, command...: appends "wall rss" to $gen/$label.times (wall from the clock in
  # nanoseconds, since GNU time's %e has 10 ms steps; peak RSS from GNU time)
  local label=$1 start end; shift
  start=$(date +%s%N)
  /usr/bin/time -f '%M' -o "$gen/$label.one" "$@" > /dev/null 2>&1
  end=$(date +%s%N)
  echo "$(( (end - start) / 1000 )) $(cat "$gen/$label.one")" >> "$gen/$label.times"
}
rm -f "$gen"/*.times
for round in $(seq 0 "$runs"); do
  (cd "$gen/minimal" && measure A "$rr" argocd generate)
  (cd "$gen/app/rivven" && ARGOCD_APP_NAMESPACE=bench measure B "$rr" argocd generate)
  measure C "$kustomize" build --enable-alpha-plugins --enable-exec "$gen/app"
  measure D "$kustomize" build "$gen/plain"
  if [ "$round" = 0 ]; then rm -f "$gen"/*.times; fi # the warm-up round
done
python3 - "$gen" <<'PY'
import statistics, sys
gen = sys.argv[1]
def medians(label):
    rows = [tuple(map(float, l.split())) for l in open(f"{gen}/{label}.times")]
    return statistics.median(r[0] for r in rows) / 1e6, statistics.median(r[1] for r in rows) / 1024
names = {
    "A": "argocd generate, examples/minimal (4 resources)",
    "B": "argocd generate, 1,000 resources (3,750 objects)",
    "C": "kustomize build + krm generator, 1,000 resources",
    "D": "kustomize build of the rendered 3,750 objects (peer)",
}
m = {k: medians(k) for k in names}
for k, name in names.items():
    print(f"plugin-bench: {k} {name}: {m[k][0] * 1000:.0f} ms, {m[k][1]:.1f} MiB")
print(f"plugin-bench: B/D {m['B'][0] / m['D'][0]:.2f}x the time, {m['B'][1] / m['D'][1]:.2f}x the memory; C/D {m['C'][0] / m['D'][0]:.2f}x the time")
print(f"plugin-bench: targets: A {'met' if m['A'][0] < 0.05 else 'MISSED'} (< 50 ms), B {'met' if m['B'][0] < 1 else 'MISSED'} (< 1 s)")
PY
