//! The in-cluster companion on the testbed (feature `testbed`): installed with `rivven-render
//! install` and running as real pods with their own ServiceAccount token and least-privilege RBAC
//! (never as admin), against a real rivvend and rivven-schema. One test, in order, because the
//! CRDs are cluster-wide: first plan ConfigMaps without CRDs, then the CRDs and Rivven resources.
#![cfg(feature = "testbed")]

#[path = "support/testbed.rs"]
mod testbed;
#[path = "support/e2e.rs"]
mod e2e;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use e2e::{apply, client, from_kind, list, name, only, render, rivven_render, yaml_docs};
use testbed::{block_on, http_get, Testbed};

const LEADER_TIMEOUT: Duration = Duration::from_secs(60);

/// The minimal standalone broker, named `production` as the spec's RivvenTopic example expects.
const CLUSTER: &str = "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: production\nspec:\n  replicas: 1\n";

fn write_temp(dir: &std::path::Path, file: &str, text: &str) -> String {
    let path = dir.join(file);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

/// Deletes the Rivven CRDs when dropped (also when the test fails).
struct Crds<'a>(&'a Testbed);

impl Drop for Crds<'_> {
    fn drop(&mut self) {
        for kind in ["rivvenclusters", "rivventopics", "rivvenconnects", "rivvenschemaregistries"] {
            let _ = self.0.run(&["delete", "crd", &format!("{kind}.rivven.hupe1980.github.io"), "--wait=false", "--ignore-not-found"], None);
        }
    }
}

fn metric(text: &str, series: &str) -> f64 {
    text.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.rsplit_once(' ')).filter(|(k, _)| *k == series).map(|(_, v)| v.parse::<f64>().unwrap_or(0.0)).sum()
}

fn metrics_of(pod: &Value) -> String {
    let ip = pod["status"]["podIP"].as_str().expect("companion pod IP");
    let (code, body) = http_get(&format!("{ip}:8080"), "/metrics").unwrap_or_else(|e| panic!("metrics of {}: {e}", name(pod)));
    assert_eq!(code, 200);
    body
}

fn writes(metrics: &str) -> f64 {
    metric(metrics, "rivven_render_kube_writes_total{what=\"status\"}") + metric(metrics, "rivven_render_kube_writes_total{what=\"finalizer\"}")
}

fn broker_calls(metrics: &str) -> f64 {
    metrics.lines().filter(|l| l.starts_with("rivven_render_broker_call_duration_seconds_count") || l.starts_with("rivven_render_registry_call_duration_seconds_count")).filter_map(|l| l.rsplit_once(' ')).map(|(_, v)| v.parse::<f64>().unwrap_or(0.0)).sum()
}

fn companion_pods(tb: &Testbed, ns: &str) -> Vec<Value> {
    let pods = tb.get(&["-n", ns, "pods", "-l", "app.kubernetes.io/name=rivven-render"]).unwrap();
    pods["items"].as_array().unwrap().iter().filter(|p| testbed::pod_ready(p)).cloned().collect()
}

fn holder(tb: &Testbed, ns: &str) -> Option<String> {
    tb.get(&["-n", ns, "lease", "rivven-render"])?["spec"]["holderIdentity"].as_str().map(str::to_owned).filter(|h| !h.is_empty())
}

/// The pod whose process holds the Lease, once exactly one ready pod reports `leader 1`.
fn leader(tb: &Testbed, ns: &str, timeout: Duration) -> (Value, Value) {
    tb.wait_in(ns, timeout, "exactly one companion leading", || {
        let pods = companion_pods(tb, ns);
        if pods.len() != 2 {
            return None;
        }
        let holder = holder(tb, ns)?;
        let leading: Vec<&Value> = pods.iter().filter(|p| metric(&metrics_of(p), "rivven_render_leader") == 1.0).collect();
        let leader = (leading.len() == 1 && holder.starts_with(&format!("{}_", name(leading[0])))).then(|| leading[0].clone())?;
        let other = pods.iter().find(|p| name(p) != name(&leader))?.clone();
        Some((leader, other))
    })
}

fn topic_status(tb: &Testbed, ns: &str, topic: &str) -> Value {
    tb.get(&["-n", ns, "rivventopic", topic]).map(|t| t["status"].clone()).unwrap_or(Value::Null)
}

fn condition<'a>(status: &'a Value, type_: &str) -> Option<&'a Value> {
    status["conditions"].as_array()?.iter().find(|c| c["type"] == type_)
}

fn wait_topic(tb: &Testbed, ns: &str, topic: &str, what: &str, f: impl Fn(&Value) -> bool) -> Value {
    tb.wait_in(ns, Duration::from_secs(30), &format!("RivvenTopic {topic}: {what}"), || {
        let s = topic_status(tb, ns, topic);
        f(&s).then_some(s)
    })
}

fn ready_reason(status: &Value) -> (String, String) {
    let c = condition(status, "Ready");
    (c.map(|c| c["status"].as_str().unwrap_or("").to_owned()).unwrap_or_default(), c.map(|c| c["reason"].as_str().unwrap_or("").to_owned()).unwrap_or_default())
}

fn is(status: &Value, ready: &str, reason: &str) -> bool {
    ready_reason(status) == (ready.to_owned(), reason.to_owned())
}

fn topic_resource(ns: &str, name: &str, spec: Value) -> Value {
    json!({ "apiVersion": "rivven.hupe1980.github.io/v1alpha1", "kind": "RivvenTopic", "metadata": { "name": name, "namespace": ns }, "spec": spec })
}

async fn broker_topic(addr: &str, topic: &str) -> Option<(u32, std::collections::HashMap<String, String>)> {
    let mut c = client(addr).await;
    if !c.list_topics().await.ok()?.contains(&topic.to_owned()) {
        return None;
    }
    let (_, partitions) = c.get_metadata(topic).await.ok()?;
    let configs = c.describe_topic_configs(&[topic]).await.ok()?.remove(topic).unwrap_or_default();
    Some((partitions, configs))
}

fn kill_9(tb: &Testbed, ns: &str, pod: &str) {
    let pid_file = tb.state_dir().join(format!("pods/{ns}_{pod}/rivven-render.pid"));
    let pid = std::fs::read_to_string(&pid_file).unwrap_or_else(|e| panic!("{}: {e}", pid_file.display()));
    let ok = std::process::Command::new("kill").args(["-9", pid.trim()]).status().unwrap().success();
    assert!(ok, "kill -9 {pid}");
}

#[test]
fn the_companion_manages_topics_and_registry_levels_as_a_pod_with_least_privilege() {
    let tb = Testbed::connect();
    let crds = Crds(&tb);
    drop(crds); // start without CRDs: the plan ConfigMaps alone must be enough
    testbed::wait_until(Duration::from_secs(60), "Rivven CRDs gone", || tb.get(&["crd", "rivventopics.rivven.hupe1980.github.io"]).is_none().then_some(()));
    let app = tb.namespace("companion-app", &[e2e::RESTRICTED]);
    let system = tb.namespace("companion-sys", &[]);
    let (app_ns, sys_ns) = (app.name.as_str(), system.name.as_str());
    let dir = tempfile_dir();

    // The companion as `install` prints it, running the binary under test.
    let bin = testbed::cache_dir().join("render-bin/rivven-render");
    std::fs::create_dir_all(bin.parent().unwrap()).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_rivven-render"), &bin).unwrap();
    let install = yaml_docs(&rivven_render(&["install", "--namespace", sys_ns, "--watch-namespace", app_ns, "--replicas", "2"]));
    let deployment = only(&install, "Deployment");
    assert!(deployment["spec"]["template"]["spec"]["serviceAccountName"] == "rivven-render");
    apply(&tb, &install, "the companion's install manifests");
    let (first_leader, standby) = leader(&tb, sys_ns, Duration::from_secs(120));

    // 1. Without CRDs: a rendered plan ConfigMap is enough.
    let cluster_file = write_temp(&dir, "cluster.yaml", CLUSTER);
    let plan_topic = write_temp(&dir, "plan-topic.yaml", "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenTopic\nmetadata:\n  name: plan-events\nspec:\n  clusterRef:\n    name: production\n  partitions: 2\n  replicationFactor: 1\n  config:\n    retentionMs: 3600000\n");
    let objects = render(&[&cluster_file, &plan_topic], app_ns);
    let broker = e2e::start_minimal_broker(&tb, app_ns, &objects);
    // The plan belongs to its cluster: it was applied with the broker's objects.
    let plan_map = objects.iter().find(|o| o["kind"] == "ConfigMap" && name(o) == "rivven-production-topics").expect("the topic plan ConfigMap");
    assert!(from_kind(&objects, "RivvenCluster").contains(plan_map));
    let (partitions, configs) = tb.wait_in(app_ns, Duration::from_secs(30), "plan-events on the broker with its config", || block_on(broker_topic(&broker, "plan-events")).filter(|(_, c)| c.get("retention.ms").map(String::as_str) == Some("3600000")));
    assert_eq!(partitions, 2, "{configs:?}");
    let kubeconfig = tb.kubeconfig().display().to_string();
    let table = rivven_render(&["status", "--kubeconfig", &kubeconfig, "-n", app_ns]);
    assert!(table.lines().any(|l| l.starts_with("ConfigMap") && l.contains("rivven-production-topics#plan-events") && l.contains(" True ")), "{table}");

    // 2. The CRDs and the spec's RivvenTopic example.
    let crds = Crds(&tb);
    tb.apply(&list(&yaml_docs(&rivven_render(&["crd"])))).unwrap();
    testbed::wait_until(Duration::from_secs(60), "CRDs established", || tb.get(&["rivventopics", "-n", app_ns]).map(|_| ()));
    let mut example = yaml_docs(&std::fs::read_to_string(e2e::repo().join("examples/spec/rivventopic-orders-events.yaml")).unwrap()).remove(0);
    example["metadata"]["namespace"] = json!(app_ns);
    tb.apply(&example).unwrap();
    let status = wait_topic(&tb, app_ns, "orders-events", "Ready", |s| is(s, "True", "Ready"));
    assert_eq!(status["partitions"], 12, "{status}");
    assert_eq!(status["config"], json!({"cleanup.policy": "delete", "compression.type": "lz4", "min.insync.replicas": "2", "retention.ms": "604800000"}), "{status}");
    let degraded = condition(&status, "Degraded").unwrap();
    assert_eq!((degraded["status"].as_str(), degraded["reason"].as_str()), (Some("True"), Some("ReplicationFactorNotApplied")), "{status}");
    assert!(degraded["message"].as_str().unwrap().contains("ACLs are not applied"), "{status}");
    let (partitions, configs) = block_on(broker_topic(&broker, "orders-events")).expect("orders-events on the broker");
    assert_eq!((partitions, configs.get("compression.type").map(String::as_str), configs.get("retention.ms").map(String::as_str)), (12, Some("lz4"), Some("604800000")));

    // Partitions grow; a decrease is refused and changes nothing.
    tb.kubectl(&["-n", app_ns, "patch", "rivventopic", "orders-events", "--type=merge", "-p", r#"{"spec":{"partitions":16}}"#]);
    wait_topic(&tb, app_ns, "orders-events", "16 partitions", |s| s["partitions"] == 16 && is(s, "True", "Ready"));
    assert_eq!(block_on(broker_topic(&broker, "orders-events")).unwrap().0, 16);
    tb.kubectl(&["-n", app_ns, "patch", "rivventopic", "orders-events", "--type=merge", "-p", r#"{"spec":{"partitions":8}}"#]);
    let refused = wait_topic(&tb, app_ns, "orders-events", "decrease refused", |s| is(s, "False", "NotSupported"));
    assert_eq!(refused["partitions"], 16);
    assert_eq!(block_on(broker_topic(&broker, "orders-events")).unwrap().0, 16);
    tb.kubectl(&["-n", app_ns, "patch", "rivventopic", "orders-events", "--type=merge", "-p", r#"{"spec":{"partitions":16}}"#]);
    wait_topic(&tb, app_ns, "orders-events", "Ready again", |s| is(s, "True", "Ready"));

    // A restarted broker forgets topic configs (0.0.22): restored without any user action.
    tb.kubectl(&["-n", app_ns, "delete", "pod", "rivven-production-0", "--wait=true"]);
    let pod = tb.wait_pod_ready(app_ns, "rivven-production-0", e2e::READY_TIMEOUT);
    let ready_at = Instant::now();
    let broker = format!("{}:9092", pod["status"]["podIP"].as_str().unwrap());
    tb.wait_in(app_ns, Duration::from_secs(10), "configs restored within 10 s of the broker being Ready", || {
        let (_, c) = block_on(broker_topic(&broker, "orders-events"))?;
        let plan = block_on(broker_topic(&broker, "plan-events"))?;
        (c.get("compression.type").map(String::as_str) == Some("lz4") && plan.1.get("retention.ms").map(String::as_str) == Some("3600000")).then_some(())
    });
    eprintln!("configs restored {:.1} s after the restarted broker was Ready", ready_at.elapsed().as_secs_f64());

    // deleteOnRemove both ways, a conflict, a missing cluster, and managed: "false".
    let spec = |extra: Value| {
        let mut s = json!({ "clusterRef": { "name": "production" }, "partitions": 1, "replicationFactor": 1 });
        s.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        s
    };
    tb.apply(&topic_resource(app_ns, "tmp-delete", spec(json!({ "deleteOnRemove": true })))).unwrap();
    tb.apply(&topic_resource(app_ns, "tmp-keep", spec(json!({ "deleteOnRemove": false })))).unwrap();
    tb.apply(&topic_resource(app_ns, "conflict-a", spec(json!({ "topicName": "shared" })))).unwrap();
    std::thread::sleep(Duration::from_millis(1100)); // creationTimestamp has seconds
    tb.apply(&topic_resource(app_ns, "conflict-b", spec(json!({ "topicName": "shared" })))).unwrap();
    tb.apply(&topic_resource(app_ns, "lost", json!({ "clusterRef": { "name": "nowhere" }, "partitions": 1, "replicationFactor": 1 }))).unwrap();
    let mut paused = topic_resource(app_ns, "paused", spec(json!({ "deleteOnRemove": true })));
    paused["metadata"]["annotations"] = json!({ "rivven.hupe1980.github.io/managed": "false" });
    tb.apply(&paused).unwrap();
    wait_topic(&tb, app_ns, "tmp-delete", "Ready", |s| is(s, "True", "Ready"));
    wait_topic(&tb, app_ns, "tmp-keep", "Ready", |s| is(s, "True", "Ready"));
    wait_topic(&tb, app_ns, "conflict-a", "Ready", |s| is(s, "True", "Ready"));
    let conflict = wait_topic(&tb, app_ns, "conflict-b", "ResourceConflict", |s| is(s, "False", "ResourceConflict"));
    assert!(conflict.to_string().contains("conflict-a"), "{conflict}");
    let lost = wait_topic(&tb, app_ns, "lost", "ClusterNotFound", |s| is(s, "False", "ClusterNotFound"));
    assert_eq!(lost["phase"], "Progressing");
    wait_topic(&tb, app_ns, "paused", "Unmanaged", |s| is(s, "Unknown", "Unmanaged"));
    assert!(block_on(broker_topic(&broker, "paused")).is_none(), "an unmanaged resource creates nothing");
    let finalizers = tb.get(&["-n", app_ns, "rivventopic", "tmp-delete"]).unwrap()["metadata"]["finalizers"].clone();
    assert_eq!(finalizers, json!(["rivven.hupe1980.github.io/delete-topic"]));
    tb.kubectl(&["-n", app_ns, "delete", "rivventopic", "tmp-delete", "tmp-keep", "--timeout=30s"]);
    assert!(block_on(broker_topic(&broker, "tmp-delete")).is_none(), "deleteOnRemove: true deletes the broker topic");
    assert!(block_on(broker_topic(&broker, "tmp-keep")).is_some(), "deleteOnRemove: false keeps it");

    // A connect pipeline: its status says only what is observable (worker pods, /live, offsets).
    let connect_file = write_temp(&dir, "connect.yaml", "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenConnect\nmetadata:\n  name: pipeline\nspec:\n  clusterRef:\n    name: production\n  sources:\n    - name: generator\n      connector: datagen\n      topic: plan-events\n      datagen:\n        pattern: orders\n        eventsPerSecond: 5\n  sinks:\n    - name: console\n      connector: stdout\n      topics: [plan-events]\n      consumerGroup: console\n      startOffset: earliest\n      stdout:\n        format: json\n");
    apply(&tb, &render(&[&connect_file], app_ns), "the rendered connect pipeline");
    let mut pipeline = yaml_docs(&std::fs::read_to_string(&connect_file).unwrap()).remove(0);
    pipeline["metadata"]["namespace"] = json!(app_ns);
    tb.apply(&pipeline).unwrap();
    let connect_status = |tb: &Testbed| tb.get(&["-n", app_ns, "rivvenconnect", "pipeline"]).map(|c| c["status"].clone()).unwrap_or(Value::Null);
    let live = tb.wait_in(app_ns, Duration::from_secs(90), "RivvenConnect pipeline: workers live", || {
        let s = connect_status(&tb);
        is(&s, "True", "WorkersLive").then_some(s)
    });
    assert_eq!(live["connectors"][1]["name"], "sink/console", "{live}");
    assert_eq!(live["connectors"][1]["state"], "WorkersLive", "{live}");

    // 3. Registry levels: applied, and again after the (memory-only) registry restarts.
    let registry_file = write_temp(&dir, "registry.yaml", "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenSchemaRegistry\nmetadata:\n  name: schemas\nspec:\n  clusterRef:\n    name: production\n  storage:\n    mode: memory\n  compatibility:\n    defaultLevel: FULL\n    perSubject:\n      orders-value: NONE\n");
    let registry = render(&[&registry_file], app_ns);
    apply(&tb, &registry, "the rendered registry");
    let mut resource = yaml_docs(&std::fs::read_to_string(&registry_file).unwrap()).remove(0);
    resource["metadata"]["namespace"] = json!(app_ns);
    tb.apply(&resource).unwrap();
    let levels = |tb: &Testbed| {
        let pod = tb.wait_selected_pod_ready(app_ns, "app.kubernetes.io/name=rivven-schema", e2e::READY_TIMEOUT);
        let addr = format!("{}:8081", pod["status"]["podIP"].as_str().unwrap());
        let global = http_get(&addr, "/config").ok()?.1;
        let subject = http_get(&addr, "/config/orders-value").ok()?.1;
        (global.contains("FULL") && subject.contains("NONE")).then_some((name(&pod).to_owned(), global, subject))
    };
    let (registry_pod, _, _) = tb.wait_in(app_ns, Duration::from_secs(60), "registry levels applied", || levels(&tb));
    tb.kubectl(&["-n", app_ns, "delete", "pod", &registry_pod, "--wait=true"]);
    let restarted = tb.wait_selected_pod_ready(app_ns, "app.kubernetes.io/name=rivven-schema", e2e::READY_TIMEOUT);
    let ready_at = Instant::now();
    tb.wait_in(app_ns, Duration::from_secs(10), "registry levels restored within 10 s of the new registry pod being Ready", || levels(&tb).filter(|(pod, _, _)| pod == name(&restarted)));
    eprintln!("registry levels restored {:.1} s after the new registry pod was Ready", ready_at.elapsed().as_secs_f64());
    let registry_status = tb.wait_in(app_ns, Duration::from_secs(30), "registry status", || {
        let s = tb.get(&["-n", app_ns, "rivvenschemaregistry", "schemas"])?["status"].clone();
        (s["compatibility"] == "FULL" && is(&s, "True", "CompatibilityApplied")).then_some(s)
    });
    assert_eq!(registry_status["subjects"], json!({"orders-value": "NONE"}));

    // By now later passes have seen the source's topic grow (datagen writes 5 events a second).
    let producing = tb.wait_in(app_ns, Duration::from_secs(90), "the source seen producing", || {
        let s = connect_status(&tb);
        (s["connectors"][0]["state"] == "Producing").then_some(s)
    });
    assert_eq!(producing["connectors"][0]["name"], "source/generator", "{producing}");

    // 4. Steady state: no status write in 60 s, and the standby never wrote or called anything.
    let versions = |tb: &Testbed| -> Vec<String> {
        let items = tb.get(&["-n", app_ns, "rivventopics,rivvenschemaregistries,rivvenconnects"]).unwrap();
        items["items"].as_array().unwrap().iter().map(|o| format!("{}={}", name(o), o["metadata"]["resourceVersion"])).collect()
    };
    let (leader_pod, standby_pod) = leader(&tb, sys_ns, LEADER_TIMEOUT);
    assert_eq!(name(&leader_pod), name(&first_leader), "leadership stayed where it was");
    let before = (versions(&tb), writes(&metrics_of(&leader_pod)));
    std::thread::sleep(Duration::from_secs(60));
    let after = (versions(&tb), writes(&metrics_of(&leader_pod)));
    assert_eq!(before, after, "a steady state writes nothing in 60 s");
    let standby_metrics = metrics_of(&standby_pod);
    assert_eq!((writes(&standby_metrics), broker_calls(&standby_metrics)), (0.0, 0.0), "the standby wrote nothing and called nothing:\n{standby_metrics}");
    assert_eq!(name(&standby_pod), name(&standby));

    // 5. kill -9 the leader: the standby takes over within the lease duration.
    let killed = Instant::now();
    kill_9(&tb, sys_ns, name(&leader_pod));
    let took = tb.wait_in(sys_ns, Duration::from_secs(30), "the standby leading", || {
        let h = holder(&tb, sys_ns)?;
        h.starts_with(&format!("{}_", name(&standby_pod))).then(|| killed.elapsed())
    });
    eprintln!("standby took over {:.1} s after kill -9 of the leader (lease duration 15 s)", took.as_secs_f64());
    // The standby tries again right when the lease runs out, 15 s after the last renewal, which was
    // before the kill: within the lease duration, plus this loop's polling and one API round trip.
    assert!(took <= Duration::from_millis(16_500), "takeover took {took:?}");
    tb.kubectl(&["-n", app_ns, "patch", "rivventopic", "orders-events", "--type=merge", "-p", r#"{"spec":{"partitions":20}}"#]);
    wait_topic(&tb, app_ns, "orders-events", "20 partitions from the new leader", |s| s["partitions"] == 20 && is(s, "True", "Ready"));
    drop(crds);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("rivven-companion-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
