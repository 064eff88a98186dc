//! What the end-to-end tests share: rendering through the built binary as a user would, picking
//! rendered objects, applying them, starting the rendered broker, and reading topics back.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

use serde::Deserialize;
use serde_json::{json, Value};

use super::testbed::Testbed;

pub const RESTRICTED: (&str, &str) = ("pod-security.kubernetes.io/enforce", "restricted");
pub const SOURCE_ANNOTATION: &str = "rivven.hupe1980.github.io/source";
pub const READY_TIMEOUT: Duration = Duration::from_secs(120);

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn rivven_render(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_rivven-render"))
        .args(args)
        .current_dir(repo())
        .output()
        .expect("running rivven-render");
    assert!(
        out.status.success(),
        "rivven-render {} failed ({}):\n{}",
        args.join(" "),
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("rivven-render printed UTF-8")
}

/// Parses a YAML stream into JSON values (empty documents dropped).
pub fn yaml_docs(text: &str) -> Vec<Value> {
    serde_yaml_ng::Deserializer::from_str(text)
        .map(|doc| Value::deserialize(doc).expect("rivven-render printed YAML that does not parse"))
        .filter(|v| !v.is_null())
        .collect()
}

/// Renders the given paths (relative to the repository) into objects placed in `ns`.
pub fn render(paths: &[&str], ns: &str) -> Vec<Value> {
    let mut args = vec!["render", "-q", "-o", "-"];
    args.extend_from_slice(paths);
    let mut objects = yaml_docs(&rivven_render(&args));
    assert!(!objects.is_empty(), "rivven-render rendered nothing for {paths:?}");
    for o in &mut objects {
        o["metadata"]["namespace"] = Value::String(ns.to_string());
    }
    objects
}

pub fn list(objects: &[Value]) -> Value {
    json!({ "apiVersion": "v1", "kind": "List", "items": objects })
}

pub fn name(o: &Value) -> &str {
    o["metadata"]["name"].as_str().expect("metadata.name")
}

/// Objects rendered from one Rivven kind (by the source annotation every rendered object carries).
pub fn from_kind(objects: &[Value], kind: &str) -> Vec<Value> {
    let prefix = format!("{kind}/");
    objects
        .iter()
        .filter(|o| o["metadata"]["annotations"][SOURCE_ANNOTATION].as_str().is_some_and(|s| s.starts_with(&prefix)))
        .cloned()
        .collect()
}

pub fn only<'a>(objects: &'a [Value], kind: &str) -> &'a Value {
    let found: Vec<&Value> = objects.iter().filter(|o| o["kind"] == kind).collect();
    assert_eq!(found.len(), 1, "expected exactly one {kind} among the rendered objects, found {}", found.len());
    found[0]
}

/// The workload's pod selector as a `kubectl -l` string.
pub fn selector(workload: &Value) -> String {
    workload["spec"]["selector"]["matchLabels"]
        .as_object()
        .expect("workload selector")
        .iter()
        .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("")))
        .collect::<Vec<_>>()
        .join(",")
}

/// The client (non-headless) Service exposing `port`.
pub fn client_service(objects: &[Value], port: u64) -> String {
    let found: Vec<&Value> = objects
        .iter()
        .filter(|o| o["kind"] == "Service" && o["spec"]["clusterIP"] != "None")
        .filter(|o| o["spec"]["ports"].as_array().is_some_and(|ps| ps.iter().any(|p| p["port"] == port)))
        .collect();
    assert_eq!(found.len(), 1, "expected one client Service with port {port}");
    name(found[0]).to_string()
}

/// Applies rendered objects for real (server-side apply) and panics with the API server's answer.
pub fn apply(tb: &Testbed, objects: &[Value], what: &str) {
    tb.apply_server_side(&list(objects), false).unwrap_or_else(|e| panic!("applying {what} was rejected:\n{e}"));
}

/// The one ready endpoint of a Service, as the endpoint controllers would compute it.
pub fn single_endpoint(tb: &Testbed, ns: &str, service: &str) -> String {
    tb.wait_in(ns, Duration::from_secs(30), &format!("a ready endpoint of Service {service}"), || {
        let eps = tb.service_endpoints(ns, service);
        (eps.len() == 1).then(|| eps[0].clone())
    })
}

pub async fn client(addr: &str) -> rivven_client::Client {
    rivven_client::Client::connect(addr).await.unwrap_or_else(|e| panic!("connecting to rivvend at {addr}: {e:?}"))
}

/// A rendered standalone broker (examples/minimal/cluster.yaml) applied and Ready; returns the
/// broker address through the client Service's endpoint.
pub fn start_minimal_broker(tb: &Testbed, ns: &str, objects: &[Value]) -> String {
    let cluster = from_kind(objects, "RivvenCluster");
    apply(tb, &cluster, "the rendered RivvenCluster");
    let sts = only(&cluster, "StatefulSet");
    assert_eq!(sts["spec"]["replicas"], 1, "examples/minimal/cluster.yaml is a single broker");
    let pod = format!("{}-0", name(sts));
    let ready = tb.wait_pod_ready(ns, &pod, READY_TIMEOUT);
    let service = client_service(&cluster, 9092);
    let ip = single_endpoint(tb, ns, &service);
    assert_eq!(ready["status"]["podIP"].as_str(), Some(ip.as_str()), "the client Service selects the broker pod");
    format!("{ip}:9092")
}

/// Total number of messages in a topic (all partitions), read back with rivven-client, and the
/// first message's value.
pub async fn read_topic(addr: &str, topic: &str) -> (usize, Option<String>) {
    let mut c = client(addr).await;
    let (_, partitions) = c.get_metadata(topic).await.unwrap_or_else(|e| panic!("metadata of {topic}: {e:?}"));
    let mut total = 0;
    let mut first = None;
    for p in 0..partitions {
        let messages = c.consume(topic, p, 0, 1000).await.unwrap_or_else(|e| panic!("consuming {topic}/{p}: {e:?}"));
        if first.is_none() {
            first = messages.first().map(|m| String::from_utf8_lossy(&m.value).into_owned());
        }
        total += messages.len();
    }
    (total, first)
}


/// Every message of a topic (all partitions, in partition order) as text.
pub async fn topic_messages(addr: &str, topic: &str) -> Vec<String> {
    let mut c = client(addr).await;
    let Ok((_, partitions)) = c.get_metadata(topic).await else { return Vec::new() };
    let mut all = Vec::new();
    for p in 0..partitions {
        let messages = c.consume(topic, p, 0, 10_000).await.unwrap_or_else(|e| panic!("consuming {topic}/{p}: {e:?}"));
        all.extend(messages.iter().map(|m| String::from_utf8_lossy(&m.value).into_owned()));
    }
    all
}
