#![cfg(feature = "testbed")]
//! The diff's analysis checked against the real API server and controllers of the testbed
//! (issue 10). For every before/after pair of `tests/diff/pairs`:
//! - the before-state is applied (server-side apply, as a GitOps tool does);
//! - the after-state is dry-run on the server: exactly the objects the analysis calls
//!   "requires replace" are rejected, every other one is accepted;
//! - the accepted objects are applied, and the StatefulSet and Deployment controllers roll pods
//!   (a new `updateRevision`, a new ReplicaSet template hash) exactly where the analysis says a
//!   restart happens, and nowhere else.
//!
//! Each pair runs in its own namespace with a ResourceQuota of zero pods: the controllers still
//! compute revisions and create ReplicaSets, but no Rivven process starts, so the check is about
//! the API and the controllers only (the programs are proven by the other testbed tests).
//!
//! A second test goes through the immutable-field rules one field at a time, on a rendered
//! StatefulSet, Deployment, PodDisruptionBudget and Service.

#[path = "support/testbed.rs"]
mod testbed;
#[path = "support/e2e.rs"]
mod e2e;

use std::collections::{BTreeMap, BTreeSet};
use std::process::Command;
use std::time::Duration;

use serde_json::{json, Value};
use testbed::{wait_until, Testbed};

use e2e::*;

fn pairs() -> Vec<String> {
    let dir = repo().join("tests/diff/pairs");
    let mut names: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

/// The JSON diff report of a pair, through the built binary.
fn analysis(pair: &str) -> Value {
    let base = format!("tests/diff/pairs/{pair}");
    let out = Command::new(env!("CARGO_BIN_EXE_rivven-render"))
        .args(["diff", "-q", "--format", "json", &format!("{base}/before"), &format!("{base}/after")])
        .current_dir(repo())
        .output()
        .unwrap();
    assert!(matches!(out.status.code(), Some(0 | 3 | 4)), "diff of {pair}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn label(o: &Value) -> String {
    format!("{}/{}", o["kind"].as_str().unwrap_or(""), name(o))
}

fn label_of_ref(r: &Value) -> String {
    format!("{}/{}", r["kind"].as_str().unwrap_or(""), r["name"].as_str().unwrap_or(""))
}

fn zero_pods_quota(tb: &Testbed, ns: &str) {
    let quota = json!({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "no-pods", "namespace": ns}, "spec": {"hard": {"pods": "0"}}});
    tb.create(&quota).unwrap_or_else(|e| panic!("quota: {e}"));
}

/// Per workload: the revision of its pod template as the controller computed it
/// (StatefulSet `status.updateRevision`; Deployment: the template hash of its newest ReplicaSet),
/// once every controller has observed the latest generation. One kubectl call per poll.
fn revisions(tb: &Testbed, ns: &str, objects: &[Value]) -> BTreeMap<String, String> {
    let wanted: BTreeSet<String> = objects.iter().filter(|o| o["kind"] == "StatefulSet" || o["kind"] == "Deployment").map(label).collect();
    if wanted.is_empty() {
        return BTreeMap::new();
    }
    wait_until(Duration::from_secs(90), &format!("{wanted:?} observed by their controllers"), || {
        let all = tb.get(&["-n", ns, "statefulsets,deployments,replicasets"])?;
        let items = all["items"].as_array()?;
        let mut out = BTreeMap::new();
        for live in items.iter().filter(|o| wanted.contains(&label(o))) {
            if live["status"]["observedGeneration"].as_i64() != live["metadata"]["generation"].as_i64() {
                return None;
            }
            let revision = if live["kind"] == "StatefulSet" {
                live["status"]["updateRevision"].as_str()?.to_owned()
            } else {
                // The ReplicaSet whose template is the Deployment's (ignoring the hash label), as
                // the controller itself finds its new ReplicaSet; none yet: not settled.
                items.iter().find_map(|rs| {
                    let owned = rs["kind"] == "ReplicaSet" && rs["metadata"]["ownerReferences"].as_array().is_some_and(|refs| refs.iter().any(|r| r["name"] == live["metadata"]["name"] && r["kind"] == "Deployment"));
                    let mut template = rs["spec"]["template"].clone();
                    let hash = template["metadata"]["labels"].as_object_mut()?.remove("pod-template-hash")?;
                    (owned && template == live["spec"]["template"]).then(|| hash.as_str().map(str::to_owned)).flatten()
                })?
            };
            out.insert(label(live), revision);
        }
        (out.len() == wanted.len()).then_some(out)
    })
}

/// The objects the API server rejects (with its answers): one dry-run of the whole set, and one per
/// object only when that fails, to name which.
fn rejected(tb: &Testbed, objects: &[Value]) -> BTreeMap<String, String> {
    if tb.apply_server_side(&list(objects), true).is_ok() {
        return BTreeMap::new();
    }
    objects.iter().filter_map(|o| tb.apply_server_side(&list(std::slice::from_ref(o)), true).err().map(|e| (label(o), e))).collect()
}

#[test]
fn the_api_server_and_the_controllers_agree_with_the_analysis_on_every_pair() {
    let tb = Testbed::connect();
    let pairs = pairs();
    assert!(pairs.len() >= 15, "every pair is checked ({})", pairs.len());
    // Three pairs at a time (each in its own namespace): the time is spent waiting on the API server.
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..3 {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let Some(pair) = pairs.get(i) else { break };
                check_pair(&tb, pair);
            });
        }
    });
}

/// One pair: the before-state applied, the after-state dry-run and applied, rejections and rollouts
/// compared with the analysis.
fn check_pair(tb: &Testbed, pair: &str) {
    let ns = tb.namespace(&format!("diff-{}", &pair[..2]), &[]);
    zero_pods_quota(tb, &ns.name);
    let base = format!("tests/diff/pairs/{pair}");
    let before = render(&[&format!("{base}/before")], &ns.name);
    let after = render(&[&format!("{base}/after")], &ns.name);
    apply(tb, &before, &format!("{pair}: the before-state"));
    let revisions_before = revisions(tb, &ns.name, &before);

    let report = analysis(pair);
    let objects = report["objects"].as_array().unwrap();
    let replaced: BTreeSet<String> = objects.iter().filter(|o| o["action"] == "replace").map(label_of_ref).collect();
    let restart: BTreeSet<String> = report["consequences"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["reason"] == "rolling-restart" || c["reason"] == "full-stop")
        .map(|c| label_of_ref(&c["object"]))
        .collect();

    let refused = rejected(tb, &after);
    let refused_names: BTreeSet<String> = refused.keys().cloned().collect();
    assert_eq!(refused_names, replaced, "{pair}: the API server rejects exactly what the analysis calls `requires replace`; its answers: {refused:#?}");
    for (object, answer) in &refused {
        assert!(answer.contains("Forbidden") || answer.contains("immutable") || answer.contains("Invalid"), "{pair}: {object} was rejected for another reason: {answer}");
    }

    let accepted: Vec<Value> = after.iter().filter(|o| !refused.contains_key(&label(o))).cloned().collect();
    apply(tb, &accepted, &format!("{pair}: the accepted part of the after-state"));
    let revisions_after = revisions(tb, &ns.name, &accepted);
    let rolled: BTreeSet<String> = revisions_after.iter().filter(|(k, v)| revisions_before.get(*k).is_some_and(|b| b != *v)).map(|(k, _)| k.clone()).collect();
    // A replaced workload keeps its old spec on the server; its restart is then the analysis's alone.
    let expected_rolled: BTreeSet<String> = restart.difference(&replaced).cloned().collect();
    assert_eq!(rolled, expected_rolled, "{pair}: the controllers roll pods exactly where the analysis says a restart happens");
}

/// A rendered object from a pair, placed in `ns`.
fn rendered(pair: &str, kind: &str, ns: &str) -> Value {
    let objects = render(&[&format!("tests/diff/pairs/{pair}")], ns);
    only(&objects, kind).clone()
}

#[test]
fn each_immutable_field_rule_agrees_with_the_api_server() {
    let tb = Testbed::connect();
    let ns = tb.namespace("diff-immutable", &[]);
    zero_pods_quota(&tb, &ns.name);
    let sts = rendered("02-storage-grows/before", "StatefulSet", &ns.name);
    let deployment = rendered("15-connect-image/before", "Deployment", &ns.name);
    let pdb = rendered("02-storage-grows/before", "PodDisruptionBudget", &ns.name);
    let objects = render(&["tests/diff/pairs/02-storage-grows/before"], &ns.name);
    let service = objects.iter().find(|s| s["kind"] == "Service" && s["spec"]["clusterIP"] != "None").cloned().expect("the client Service");
    for o in [&sts, &deployment, &pdb, &service] {
        apply(&tb, std::slice::from_ref(o), "an object to change");
    }
    type Edit = Box<dyn Fn(&mut Value)>;
    let set = |pointer: &'static str, value: Value| -> Edit { Box::new(move |v: &mut Value| *v.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer}")) = value.clone()) };
    let rows: Vec<(&str, &Value, Edit)> = vec![
        ("statefulset selector", &sts, set("/spec/selector/matchLabels/app.kubernetes.io~1instance", json!("other"))),
        ("statefulset serviceName", &sts, set("/spec/serviceName", json!("other-headless"))),
        ("statefulset podManagementPolicy", &sts, set("/spec/podManagementPolicy", json!("OrderedReady"))),
        ("statefulset volume size", &sts, set("/spec/volumeClaimTemplates/0/spec/resources/requests/storage", json!("20Gi"))),
        ("statefulset volume size, same quantity", &sts, set("/spec/volumeClaimTemplates/0/spec/resources/requests/storage", json!("10240Mi"))),
        ("statefulset replicas", &sts, set("/spec/replicas", json!(2))),
        ("statefulset image", &sts, set("/spec/template/spec/containers/0/image", json!("ghcr.io/hupe1980/rivvend:0.0.23"))),
        ("statefulset claim retention", &sts, set("/spec/persistentVolumeClaimRetentionPolicy/whenScaled", json!("Delete"))),
        ("statefulset minReadySeconds", &sts, Box::new(|v: &mut Value| v["spec"]["minReadySeconds"] = json!(5))),
        ("deployment selector", &deployment, set("/spec/selector/matchLabels/app.kubernetes.io~1instance", json!("other"))),
        ("deployment strategy", &deployment, set("/spec/strategy", json!({"type": "RollingUpdate"}))),
        ("pdb selector", &pdb, set("/spec/selector/matchLabels/app.kubernetes.io~1instance", json!("other"))),
        ("pdb maxUnavailable", &pdb, set("/spec/maxUnavailable", json!(2))),
        ("service port", &service, Box::new(|v: &mut Value| v["spec"]["ports"][0]["port"] = json!(19092))),
        ("service made headless", &service, Box::new(|v: &mut Value| v["spec"]["clusterIP"] = json!("None"))),
    ];
    let mut disagreements = Vec::new();
    for (what, object, edit) in rows {
        let mut changed = object.clone();
        edit(&mut changed);
        let changes = rivven_render::diff::fields::changes(object, &changed, &|_: &str| None);
        assert!(!changes.is_empty(), "{what}: the edit changes something");
        let kind = object["kind"].as_str().unwrap();
        let analysis_rejects = !rivven_render::diff::workloads::immutable_changes(kind, &changes).is_empty();
        let server = tb.apply_server_side(&list(&[changed]), true);
        if server.is_err() != analysis_rejects {
            disagreements.push(format!("{what}: the analysis says {}, the API server answered {server:?}", if analysis_rejects { "rejected" } else { "accepted" }));
        }
    }
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}

