#!/usr/bin/env python3
"""Writes the before/after pairs of tests/diff/pairs (run once; the files are committed).

Each pair changes one thing of the minimal example (or a small variant) so that every
consequence of the analysis is shown by at least one pair. Objects carry no namespace: the
testbed test applies each pair into a namespace of its own.
"""
import os, shutil

HERE = os.path.dirname(os.path.abspath(__file__))
PAIRS = os.path.join(HERE, "pairs")
API = "apiVersion: rivven.hupe1980.github.io/v1alpha1\n"

def cluster(replicas=1, storage="", config="", pod="", extra=""):
    return f"""{API}kind: RivvenCluster
metadata:
  name: demo
spec:
  replicas: {replicas}
{storage}{config}{pod}{extra}"""

def topic(name, partitions=3, config="", delete=False):
    d = "\n  deleteOnRemove: true" if delete else ""
    return f"""{API}kind: RivvenTopic
metadata:
  name: {name}
spec:
  clusterRef:
    name: demo
  partitions: {partitions}{d}
{config}"""

def connect(name="demo", events=5, image="", annotations="", extra_config="", env=""):
    return f"""{API}kind: RivvenConnect
metadata:
  name: {name}
{annotations}spec:
  clusterRef:
    name: demo
{image}  sources:
    - name: generator
      connector: datagen
      topic: demo-events
      datagen:
        pattern: orders
        eventsPerSecond: {events}
{extra_config}  sinks:
    - name: console
      connector: stdout
      topics: [demo-events]
      consumerGroup: console
      startOffset: earliest
      stdout:
        format: json
{env}"""

def registry(compat="", port=""):
    return f"""{API}kind: RivvenSchemaRegistry
metadata:
  name: demo
spec:
  clusterRef:
    name: demo
  storage:
    mode: memory
{port}{compat}"""

STORAGE = lambda size, cls="": f"  storage:\n    size: {size}\n" + (f"    storageClassName: {cls}\n" if cls else "")

def write(pair, side, files):
    d = os.path.join(PAIRS, pair, side)
    os.makedirs(d, exist_ok=True)
    for name, text in files.items():
        with open(os.path.join(d, name), "w") as f:
            f.write(text)

def pair(name, before, after):
    shutil.rmtree(os.path.join(PAIRS, name), ignore_errors=True)
    write(name, "before", before)
    write(name, "after", after)

base = {"cluster.yaml": cluster(), "topic.yaml": topic("demo-events")}
pair("01-no-changes", base, base)
pair("02-storage-grows", {"cluster.yaml": cluster(storage=STORAGE("10Gi"))}, {"cluster.yaml": cluster(storage=STORAGE("20Gi"))})
pair("03-storage-shrinks", {"cluster.yaml": cluster(storage=STORAGE("10Gi"))}, {"cluster.yaml": cluster(storage=STORAGE("5Gi"))})
pair("04-storage-class", {"cluster.yaml": cluster(storage=STORAGE("10Gi"))}, {"cluster.yaml": cluster(storage=STORAGE("10Gi", "fast-ssd"))})
pair("05-broker-config", {"cluster.yaml": cluster()}, {"cluster.yaml": cluster(config="  config:\n    defaultPartitions: 6\n    logLevel: debug\n")})
pair("06-broker-resources", {"cluster.yaml": cluster()},
     {"cluster.yaml": cluster(pod="  resources:\n    requests:\n      cpu: 500m\n      memory: 1Gi\n    limits:\n      memory: 2Gi\n")})
pair("07-brokers-scale-down", {"cluster.yaml": cluster(replicas=3)}, {"cluster.yaml": cluster(replicas=1)})
pair("08-brokers-scale-up", {"cluster.yaml": cluster(replicas=1)}, {"cluster.yaml": cluster(replicas=3)})
pair("09-delete-claim", {"cluster.yaml": cluster(storage=STORAGE("10Gi"))}, {"cluster.yaml": cluster(storage=STORAGE("10Gi") + "    deleteClaim: true\n")})
pair("10-connect-config", {"cluster.yaml": cluster(), "connect.yaml": connect(events=5)}, {"cluster.yaml": cluster(), "connect.yaml": connect(events=50)})
pair("11-topics",
     {"cluster.yaml": cluster(), "topics.yaml": "---\n".join([
         topic("grows", 3), topic("shrinks", 6), topic("retention", 3, "  config:\n    retentionMs: 86400000\n    cleanupPolicy: delete\n"),
         topic("deleted", 3, delete=True), topic("kept", 3)])},
     {"cluster.yaml": cluster(), "topics.yaml": "---\n".join([
         topic("grows", 6), topic("shrinks", 3), topic("retention", 3, "  config:\n    retentionMs: 604800000\n"), topic("added", 2)])})
pair("12-registry-compatibility", {"cluster.yaml": cluster(), "registry.yaml": registry()},
     {"cluster.yaml": cluster(), "registry.yaml": registry(compat="  compatibility:\n    defaultLevel: FULL\n")})
pair("13-registry-port", {"cluster.yaml": cluster(), "registry.yaml": registry()},
     {"cluster.yaml": cluster(), "registry.yaml": registry(port="  server:\n    port: 8085\n")})
LEGACY = ("    - name: legacy\n      connector: my-legacy-db\n      topic: legacy-events\n      config:\n        db_password: {}\n"
          "        ssl_key_passphrase: {}-pass\n        connection_url: postgres://app:{}-url@db:5432/app\n"
          "        passwords: [{}-list]\n        api_token: |-\n          {}-block\n")
SECRET_ANN = "  annotations:\n    rivven.hupe1980.github.io/allow-literal-secrets: \"true\"\n"
pair("14-secrets",
     {"cluster.yaml": cluster(), "connect.yaml": connect(annotations=SECRET_ANN, extra_config=LEGACY.format(*["tok-OLD-value-1234"] * 5),
                                                         env="  env:\n    - name: SINK_PASSWORD\n      value: pw-old-hunter2\n")},
     {"cluster.yaml": cluster(), "connect.yaml": connect(annotations=SECRET_ANN, extra_config=LEGACY.format(*["tok-NEW-value-5678"] * 5),
                                                         env="  env:\n    - name: SINK_PASSWORD\n      value: pw-new-hunter3\n")})
pair("15-connect-image", {"cluster.yaml": cluster(), "connect.yaml": connect()},
     {"cluster.yaml": cluster(), "connect.yaml": connect(image="  image: ghcr.io/hupe1980/rivven-connect:0.0.22-patched\n")})
many = lambda label: {"cluster.yaml": cluster(), "connects.yaml": "---\n".join(
    connect(name=f"pipeline-{i:03}", annotations=f"  labels:\n    team: {label}\n") for i in range(50))}
pair("16-many-objects", many("payments"), many("billing"))
pair("17-connect-removed", {"cluster.yaml": cluster(), "connect.yaml": connect()}, {"cluster.yaml": cluster()})
