#!/usr/bin/env bash
# companion.sh: the in-cluster companion applying 1,000 topics on one real broker (issue 12).
#
#   benches/companion.sh    needs the testbed up (testbed/tb up) and a release build with the
#                           companion: cargo build --release --features companion
#
# 1,000 RivvenTopics (3 partitions, 2 config keys) are created first, then the companion starts
# (as a local process with the admin kubeconfig, so GNU time can read its peak RSS). Printed:
#   - the time from its start until every topic is applied and Ready (target <= 10 s; Strimzi's
#     published sample needed 80.6 s for 500);
#   - broker calls per topic and Kubernetes API writes per topic (target <= 2), from its /metrics;
#   - API writes during the following 60 s of idle (target 0);
#   - its peak RSS (target <= 64 MiB).
# Env: RIVVEN_RENDER_BIN, RIVVEN_RENDER_CACHE, COMPANION_BENCH_TOPICS (default 1000),
# COMPANION_BENCH_IDLE (seconds, default 60), COMPANION_BENCH_CONNECTIONS (default 32, as `run`).
set -euo pipefail

bench=companion-bench
# shellcheck source=common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
topics=${COMPANION_BENCH_TOPICS:-1000}
idle=${COMPANION_BENCH_IDLE:-60}
connections=${COMPANION_BENCH_CONNECTIONS:-32}
kubectl="$cache/k8s-$KUBERNETES_VERSION/bin/kubectl"
export KUBECONFIG="${RIVVEN_TESTBED_STATE:-$cache/run}/admin.kubeconfig"
[ -x "$kubectl" ] || bench_fail "$kubectl not found: testbed/tb build first"
"$kubectl" get --raw /readyz >/dev/null 2>&1 || bench_fail "the testbed is not running: testbed/tb up"
"$rr" run --help >/dev/null 2>&1 && "$rr" status --help >/dev/null 2>&1 || bench_fail "$rr has no companion: cargo build --release --features companion"

ns="bench-companion-$$"
work=$(mktemp -d)
companion_pid=""
crds_created=""
# GNU time is the background job: the companion is its child (SIGTERM goes to the companion, and
# time then prints its peak RSS).
stop_companion() { pkill -TERM -P "$companion_pid" 2>/dev/null || true; wait "$companion_pid" 2>/dev/null || true; companion_pid=""; }
cleanup() {
  [ -n "$companion_pid" ] && stop_companion
  "$kubectl" delete namespace "$ns" --wait=false >/dev/null 2>&1 || true
  [ -n "$crds_created" ] && "$rr" crd | "$kubectl" delete -f - --wait=false >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

if ! "$kubectl" get crd rivventopics.rivven.hupe1980.github.io >/dev/null 2>&1; then
  "$rr" crd | "$kubectl" apply -f - >/dev/null
  crds_created=1
  "$kubectl" wait --for=condition=Established crd/rivventopics.rivven.hupe1980.github.io --timeout=60s >/dev/null
fi
"$kubectl" create namespace "$ns" >/dev/null
printf 'apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: bench\nspec:\n  replicas: 1\n' > "$work/cluster.yaml"
"$rr" render -q -o - -n "$ns" "$work/cluster.yaml" | "$kubectl" apply -f - >/dev/null
"$kubectl" -n "$ns" wait --for=condition=Ready pod/rivven-bench-0 --timeout=120s >/dev/null
python3 - "$ns" "$topics" > "$work/topics.json" <<'PY'
import json, sys
ns, n = sys.argv[1], int(sys.argv[2])
items = [{"apiVersion": "rivven.hupe1980.github.io/v1alpha1", "kind": "RivvenTopic",
          "metadata": {"name": f"t{i:04}", "namespace": ns},
          "spec": {"clusterRef": {"name": "bench"}, "partitions": 3, "replicationFactor": 1,
                   "config": {"retentionMs": 3600000 + i, "cleanupPolicy": "delete"}}} for i in range(n)]
print(json.dumps({"apiVersion": "v1", "kind": "List", "items": items}))
PY
"$kubectl" create -f "$work/topics.json" >/dev/null

metrics=127.0.0.1:18480
! curl -s "http://$metrics/metrics" >/dev/null 2>&1 || bench_fail "something already listens on $metrics"
/usr/bin/time -f '%M' -o "$work/rss" "$rr" run --kubeconfig "$KUBECONFIG" --leader-election=false -n "$ns" \
  --metrics-addr "$metrics" --health-addr 127.0.0.1:18481 --broker-connections "$connections" 2> "$work/companion.log" &
companion_pid=$!
start=$(date +%s.%N)
series() { curl -s "http://$metrics/metrics" | awk -v s="$1" '$1 == s { v += $2 } END { print v + 0 }'; }
calls() { curl -s "http://$metrics/metrics" | awk '$1 ~ /^rivven_render_broker_call_duration_seconds_count/ { v += $2 } END { print v + 0 }'; }
writes() { echo $(( $(series 'rivven_render_kube_writes_total{what="status"}') + $(series 'rivven_render_kube_writes_total{what="finalizer"}') )); }
# Ready = every topic's status says Ready True (read back from the API server, not assumed).
ready_count() {
  "$kubectl" -n "$ns" get rivventopics -o json | python3 -c 'import json,sys; print(sum(1 for t in json.load(sys.stdin)["items"] if any(c.get("type")=="Ready" and c.get("status")=="True" for c in t.get("status",{}).get("conditions",[]))))'
}
deadline=$(( $(date +%s) + 300 ))
while [ "$(writes 2>/dev/null || echo 0)" -lt "$topics" ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { tail -20 "$work/companion.log" >&2; bench_fail "not all topics got a status within 300 s"; }
  sleep 0.1
done
end=$(date +%s.%N)
ready=$(ready_count)
[ "$ready" -eq "$topics" ] || { tail -20 "$work/companion.log" >&2; bench_fail "$ready of $topics topics Ready"; }
applied=$(calls)
written=$(writes)
sleep "$idle"
idle_writes=$(( $(writes) - written ))
idle_calls=$(( $(calls) - applied ))
stop_companion
rss_kib=$(cat "$work/rss")
python3 - "$start" "$end" "$topics" "$applied" "$written" "$idle" "$idle_writes" "$idle_calls" "$rss_kib" "$connections" <<'PY'
import sys
start, end = float(sys.argv[1]), float(sys.argv[2])
topics, calls, writes, idle, idle_writes, idle_calls, rss, conns = map(int, sys.argv[3:])
print(f"companion: {topics} topics (3 partitions, 2 config keys) on one rivvend 0.0.22, {conns} broker connections")
print(f"  applied and Ready after     {end - start:6.2f} s   (target <= 10 s; Strimzi sample: 80.6 s for 500)")
print(f"  broker calls per topic      {calls / topics:6.2f}     ({calls} calls)")
print(f"  API writes per topic        {writes / topics:6.2f}     (target <= 2; {writes} writes)")
print(f"  API writes in {idle} s idle    {idle_writes:6d}     (target 0; broker calls meanwhile: {idle_calls}, the resync reads)")
print(f"  peak RSS                    {rss / 1024:6.1f} MiB (target <= 64 MiB)")
PY
