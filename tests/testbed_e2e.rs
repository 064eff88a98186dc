#![cfg(feature = "testbed")]
//! End-to-end proofs of the renderer's output on the local testbed (issue 4, "End to end with the
//! renderer"): the CRDs and every example are accepted by a real kube-apiserver in a namespace
//! enforcing Pod Security `restricted`, and the rendered pods run the real Rivven 0.0.22 programs.
//! Run with `testbed/tb test` (or `testbed/tb up` and `cargo test --features testbed --test testbed_e2e`).
//!
//! Rendering goes through the built binary (`rivven-render render ... -o -`), exactly as a user
//! would run it. Every test works in its own namespace; the only cluster-scoped objects (the Rivven
//! CRDs, and a ServiceMonitor CRD should one ever be rendered) are handled by one test each.

#[path = "support/testbed.rs"]
mod testbed;
#[path = "support/e2e.rs"]
mod e2e;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{json, Value};
use testbed::{block_on, http_get, pod_ready, Testbed};

use e2e::*;

// ------------------------------------------------------------------ the testbed's per-pod networking

/// Two pods binding the same wildcard ports (as rendered pods do) both run, each reachable on its
/// own pod IP only (the testbed's bind shim; see testbed/README.md, "What is emulated").
#[test]
fn wildcard_binds_are_per_pod() {
    let tb = Testbed::connect();
    let ns = tb.namespace("wildcard", &[RESTRICTED]);
    let image = format!("ghcr.io/hupe1980/rivvend:{}", testbed::pinned_version("RIVVEN_VERSION"));
    let pod = |name: &str| {
        json!({ "apiVersion": "v1", "kind": "Pod", "metadata": { "name": name, "namespace": ns.name },
            "spec": {
                "terminationGracePeriodSeconds": 2,
                "securityContext": { "runAsNonRoot": true, "runAsUser": 65532, "runAsGroup": 65532, "fsGroup": 65532,
                                     "seccompProfile": { "type": "RuntimeDefault" } },
                "containers": [{ "name": "rivvend", "image": image,
                    "args": ["--bind", "0.0.0.0:9092", "--api-bind", "0.0.0.0:9094", "--data-dir", "/data", "--no-require-auth"],
                    "readinessProbe": { "httpGet": { "path": "/health", "port": 9094 }, "periodSeconds": 1 },
                    "securityContext": { "allowPrivilegeEscalation": false, "capabilities": { "drop": ["ALL"] },
                                         "runAsNonRoot": true, "seccompProfile": { "type": "RuntimeDefault" } },
                    "volumeMounts": [{ "name": "data", "mountPath": "/data" }] }],
                "volumes": [{ "name": "data", "emptyDir": {} }] } })
    };
    tb.create(&list(&[pod("alpha"), pod("beta")])).expect("creating two rivvend pods");
    let a = tb.wait_pod_ready(&ns.name, "alpha", READY_TIMEOUT);
    let b = tb.wait_pod_ready(&ns.name, "beta", READY_TIMEOUT);
    for (p, other) in [(&a, &b), (&b, &a)] {
        let c = &p["status"]["containerStatuses"][0];
        assert_eq!(c["restartCount"], 0, "no restarts (no EADDRINUSE): {c}");
        let me = name(p);
        let ip = p["status"]["podIP"].as_str().unwrap();
        assert_ne!(Some(ip), other["status"]["podIP"].as_str());
        // rivvend's default node id is `<hostname>-<cluster port>`: each IP answers as its own pod.
        let (status, body) = http_get(&format!("{ip}:9094"), "/health").expect("GET /health on the pod IP");
        assert_eq!(status, 200, "{body}");
        assert!(body.contains(&format!("\"node_id_str\":\"{me}-")), "{ip}:9094 should be pod {me}: {body}");
        block_on(async { client(&format!("{ip}:9092")).await.ping().await }).unwrap_or_else(|e| panic!("ping {ip}:9092: {e:?}"));
        let log = tb.container_log(&ns.name, me, "rivvend");
        assert!(log.contains("0.0.0.0:9092"), "the program was given the wildcard address: {log}");
    }
    // The pods' own listening sockets are bound to their pod IPs: the wildcard binds became pod-IP
    // binds. Only the sockets of the processes this test started are looked at, so an unrelated
    // local program holding 127.0.0.1:9092 cannot make the test fail (nor hide an escaped bind).
    for p in [&a, &b] {
        let me = name(p);
        let ip: std::net::IpAddr = p["status"]["podIP"].as_str().unwrap().parse().expect("podIP is an IP address");
        let pid = container_pid(&tb, &ns.name, me, "rivvend");
        let listening = listening_sockets(pid);
        for port in [9092u16, 9094] {
            let bound: Vec<std::net::IpAddr> = listening.iter().filter(|s| s.port() == port).map(|s| s.ip()).collect();
            assert!(!bound.is_empty(), "pod {me} (pid {pid}) has no listening socket on port {port}; it listens on {listening:?}");
            for addr in &bound {
                assert!(!addr.is_unspecified(), "pod {me} (pid {pid}) listens on the wildcard address {addr} port {port}: its bind escaped the pod IP");
                assert!(
                    *addr != std::net::IpAddr::from([127, 0, 0, 1]),
                    "pod {me} (pid {pid}) listens on the node address 127.0.0.1:{port}"
                );
                assert_eq!(*addr, ip, "pod {me} (pid {pid}) listens on {addr}:{port}, not on its pod IP {ip}");
            }
        }
    }
}

/// The host pid of a running container's program: the node agent writes it to
/// `<state>/pods/<ns>_<pod>/<container>.pid` (the program is exec'ed in place of the agent's
/// container-init helper, so the pid stays the same).
fn container_pid(tb: &Testbed, ns: &str, pod: &str, container: &str) -> u32 {
    let path = tb.state_dir().join("pods").join(format!("{ns}_{pod}")).join(format!("{container}.pid"));
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading the pid file {}: {e}", path.display()));
    let pid: u32 = text.trim().parse().unwrap_or_else(|e| panic!("{} holds no pid ({e}): {text:?}", path.display()));
    let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_else(|e| panic!("pid {pid} of {ns}/{pod}/{container}: {e}"));
    assert!(!exe.to_string_lossy().contains("rivven-node"), "pid {pid} of {ns}/{pod}/{container} is still the agent's helper ({})", exe.display());
    pid
}

/// The TCP sockets in state LISTEN that process `pid` holds: its socket inodes from
/// `/proc/<pid>/fd`, looked up in its network namespace's `/proc/<pid>/net/tcp` and `tcp6`.
fn listening_sockets(pid: u32) -> Vec<std::net::SocketAddr> {
    let fd_dir = format!("/proc/{pid}/fd");
    let inodes: BTreeSet<u64> = std::fs::read_dir(&fd_dir)
        .unwrap_or_else(|e| panic!("listing {fd_dir} (the test must run as the user running the testbed, or root): {e}"))
        .filter_map(|e| std::fs::read_link(e.ok()?.path()).ok())
        .filter_map(|target| target.to_str()?.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok())
        .collect();
    let mut found = Vec::new();
    for table in ["tcp", "tcp6"] {
        let path = format!("/proc/{pid}/net/{table}");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {path}: {e}"));
        // sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ...
        for line in text.lines().skip(1) {
            let cols: Vec<&str> = line.split_whitespace().collect();
            if cols.len() < 10 || cols[3] != "0A" {
                continue; // 0A = TCP_LISTEN
            }
            if cols[9].parse::<u64>().is_ok_and(|inode| inodes.contains(&inode)) {
                found.push(proc_net_address(cols[1]).unwrap_or_else(|| panic!("unreadable address in {path}: {line}")));
            }
        }
    }
    found
}

/// Decodes a `/proc/net/tcp{,6}` address (`0100007F:2384`): the IP as 32-bit words in host byte
/// order, the port in hex. IPv4-mapped IPv6 addresses come back as IPv4.
fn proc_net_address(text: &str) -> Option<std::net::SocketAddr> {
    let (ip_hex, port_hex) = text.split_once(':')?;
    let port = u16::from_str_radix(port_hex, 16).ok()?;
    let mut bytes = Vec::with_capacity(16);
    for i in (0..ip_hex.len()).step_by(8) {
        bytes.extend_from_slice(&u32::from_str_radix(ip_hex.get(i..i + 8)?, 16).ok()?.to_ne_bytes());
    }
    let ip = match bytes.len() {
        4 => std::net::IpAddr::from(<[u8; 4]>::try_from(bytes).ok()?),
        16 => {
            let v6 = std::net::Ipv6Addr::from(<[u8; 16]>::try_from(bytes).ok()?);
            v6.to_ipv4_mapped().map_or(std::net::IpAddr::V6(v6), std::net::IpAddr::V4)
        }
        _ => return None,
    };
    Some(std::net::SocketAddr::new(ip, port))
}

// ------------------------------------------------------------------ CRDs

/// Deletes the Rivven CRDs (and with them every custom object) when dropped.
struct CrdCleanup<'a>(&'a Testbed, Vec<String>);

impl Drop for CrdCleanup<'_> {
    fn drop(&mut self) {
        for crd in &self.1 {
            let _ = self.0.run(&["delete", "crd", crd, "--wait=false", "--ignore-not-found"], None);
        }
    }
}

fn wait_established(tb: &Testbed, crd: &str) {
    testbed::wait_until(Duration::from_secs(60), &format!("CRD {crd} Established"), || {
        let c = tb.get(&["crd", crd])?;
        c["status"]["conditions"].as_array()?.iter().any(|c| c["type"] == "Established" && c["status"] == "True").then_some(())
    });
}

/// All example files (spec and minimal), sorted.
fn example_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["examples/spec", "examples/minimal"] {
        for e in std::fs::read_dir(repo().join(dir)).unwrap() {
            let p = e.unwrap().path();
            if matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml")) {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() >= 10, "examples missing: {files:?}");
    files
}

/// `rivven-render crd` applies to the real API server and is served; every example is a valid
/// custom object; invalid ones are rejected by the API server itself. The CRDs are cluster-scoped
/// with fixed names, so this is the only test that installs them; they are deleted at the end.
#[test]
fn crds_are_established_accept_every_example_and_reject_invalid_objects() {
    let tb = Testbed::connect();
    let ns = tb.namespace("crds", &[]);
    let crds = yaml_docs(&rivven_render(&["crd"]));
    let names: Vec<String> = crds.iter().map(|c| name(c).to_string()).collect();
    assert_eq!(crds.len(), 4, "four kinds: {names:?}");
    assert!(crds.iter().all(|c| c["kind"] == "CustomResourceDefinition"));
    let _cleanup = CrdCleanup(&tb, names.clone());
    // Server-side apply: the CRDs are too large for client-side apply's last-applied annotation.
    tb.apply_server_side(&list(&crds), false).unwrap_or_else(|e| panic!("the API server rejected the CRDs:\n{e}"));
    for crd in &names {
        wait_established(&tb, crd);
    }
    let served = tb.kubectl(&["api-resources", "--api-group", "rivven.hupe1980.github.io", "-o", "name"]);
    for crd in &names {
        assert!(served.contains(crd.as_str()), "{crd} not in discovery:\n{served}");
    }

    // Every example is a valid custom object (server-side dry run: validated, defaulted, not stored).
    let mut kinds = BTreeSet::new();
    for file in example_files() {
        let text = std::fs::read_to_string(&file).unwrap();
        for mut doc in yaml_docs(&text) {
            kinds.insert(doc["kind"].as_str().unwrap().to_string());
            doc["metadata"]["namespace"] = Value::String(ns.name.clone());
            let out = tb
                .apply_server_side(&doc, true)
                .unwrap_or_else(|e| panic!("{} was rejected as a custom object:\n{e}", file.display()));
            assert!(out.contains("serverside-applied (server dry run)"), "{}: {out}", file.display());
        }
    }
    let expected: BTreeSet<String> =
        ["RivvenCluster", "RivvenConnect", "RivvenSchemaRegistry", "RivvenTopic"].iter().map(|s| s.to_string()).collect();
    assert_eq!(kinds, expected, "the examples cover every kind");

    // Invalid objects are rejected by the API server, with the offending field named.
    let group = "rivven.hupe1980.github.io/v1alpha1";
    let bad_replicas = json!({ "apiVersion": group, "kind": "RivvenCluster",
        "metadata": { "name": "bad-replicas", "namespace": ns.name }, "spec": { "replicas": "three" } });
    // `create` rather than server-side apply: both are refused, but apply stops at building its typed
    // patch, while create runs the CRD's validation and names the rule.
    let reject = |o: &Value| -> Result<String, String> {
        let (ok, out, err) = tb.run(&["create", "--dry-run=server", "-f", "-"], Some(&o.to_string()));
        if ok { Ok(out) } else { Err(err) }
    };
    let err = reject(&bad_replicas).expect_err("spec.replicas: \"three\" must be rejected");
    let ssa = tb.apply_server_side(&bad_replicas, true).expect_err("spec.replicas: \"three\" must be rejected by apply too");
    assert!(ssa.contains(".spec.replicas"), "unexpected rejection: {ssa}");
    assert!(err.contains("spec.replicas") && err.contains("Invalid value"), "unexpected rejection: {err}");
    let no_cluster_ref = json!({ "apiVersion": group, "kind": "RivvenConnect",
        "metadata": { "name": "no-cluster-ref", "namespace": ns.name },
        "spec": { "sources": [{ "name": "gen", "connector": "datagen", "topic": "t" }] } });
    let err = reject(&no_cluster_ref).expect_err("a RivvenConnect without clusterRef must be rejected");
    tb.apply_server_side(&no_cluster_ref, true).expect_err("a RivvenConnect without clusterRef must be rejected by apply too");
    assert!(err.contains("clusterRef") && err.contains("Required value"), "unexpected rejection: {err}");
    // Nothing invalid was stored (and the dry runs stored nothing either).
    for plural in ["rivvenclusters", "rivvenconnects"] {
        let objects = tb.get(&["-n", &ns.name, &format!("{plural}.rivven.hupe1980.github.io")]).expect("list");
        assert_eq!(objects["items"].as_array().map(Vec::len), Some(0), "{plural}: {objects}");
    }
}

// ------------------------------------------------------------------ dry run of every example

/// A minimal ServiceMonitor CRD (prometheus-operator's group and names, schema left open), for the
/// case that the renderer emits ServiceMonitors.
fn service_monitor_crd() -> Value {
    json!({ "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": { "name": "servicemonitors.monitoring.coreos.com" },
        "spec": { "group": "monitoring.coreos.com", "scope": "Namespaced",
            "names": { "plural": "servicemonitors", "singular": "servicemonitor", "kind": "ServiceMonitor", "listKind": "ServiceMonitorList" },
            "versions": [{ "name": "v1", "served": true, "storage": true,
                "schema": { "openAPIV3Schema": { "type": "object", "x-kubernetes-preserve-unknown-fields": true } } }] } })
}

/// Every object rendered from every example directory passes a server-side dry run (admission
/// included) in a namespace enforcing Pod Security `restricted`.
#[test]
fn every_rendered_example_passes_server_side_dry_run_in_a_restricted_namespace() {
    let tb = Testbed::connect();
    let ns = tb.namespace("dry-run", &[RESTRICTED]);
    let mut applied: BTreeMap<String, usize> = BTreeMap::new();
    let mut sm_crd = None;
    for dir in ["examples/spec", "examples/minimal"] {
        let objects = render(&[dir], &ns.name);
        if objects.iter().any(|o| o["kind"] == "ServiceMonitor") && sm_crd.is_none() {
            tb.apply_server_side(&service_monitor_crd(), false).expect("installing the ServiceMonitor CRD");
            wait_established(&tb, "servicemonitors.monitoring.coreos.com");
            sm_crd = Some(CrdCleanup(&tb, vec!["servicemonitors.monitoring.coreos.com".into()]));
        }
        // One object at a time, so a rejection names its object.
        for o in &objects {
            let what = format!("{dir}: {} {}", o["kind"].as_str().unwrap_or("?"), name(o));
            let out = tb.apply_server_side(o, true).unwrap_or_else(|e| panic!("{what} failed the server-side dry run:\n{e}"));
            assert!(out.contains("serverside-applied (server dry run)"), "{what}: {out}");
            *applied.entry(o["kind"].as_str().unwrap().to_string()).or_default() += 1;
        }
    }
    eprintln!("server-side dry run passed for {applied:?}");
    // Assert what was covered, so a kind can never drop out unnoticed.
    for kind in ["ConfigMap", "Service", "StatefulSet", "Deployment", "PodDisruptionBudget"] {
        assert!(applied.contains_key(kind), "no {kind} among the rendered examples: {applied:?}");
    }
    if sm_crd.is_none() {
        assert!(!applied.contains_key("ServiceMonitor"));
        eprintln!("no ServiceMonitor is rendered from the examples; its CRD was not needed");
    }
    // A dry run stores nothing.
    let stored = tb.get(&["-n", &ns.name, "statefulsets,deployments,services,configmaps"]).unwrap();
    let leftovers: Vec<&str> = stored["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "rivven-render")
        .map(name)
        .collect();
    assert!(leftovers.is_empty(), "dry run stored objects: {leftovers:?}");
}

// ------------------------------------------------------------------ the rendered workloads, for real

/// examples/minimal/cluster.yaml: one real rivvend in a restricted namespace, Ready through its
/// rendered probes, a topic created through the client Service's endpoint, its PVC Bound.
#[test]
fn rendered_broker_runs_and_accepts_a_topic_through_its_client_service() {
    let tb = Testbed::connect();
    let ns = tb.namespace("broker", &[RESTRICTED]);
    let objects = render(&["examples/minimal/cluster.yaml"], &ns.name);
    let addr = start_minimal_broker(&tb, &ns.name, &objects);

    let partitions = block_on(async {
        let mut c = client(&addr).await;
        let n = c.create_topic("e2e-orders", Some(3)).await.unwrap_or_else(|e| panic!("creating a topic at {addr}: {e:?}"));
        let topics = c.list_topics().await.unwrap_or_else(|e| panic!("listing topics at {addr}: {e:?}"));
        assert!(topics.iter().any(|t| t == "e2e-orders"), "{topics:?}");
        n
    });
    assert_eq!(partitions, 3);

    let sts = only(&objects, "StatefulSet");
    let claim = name(&sts["spec"]["volumeClaimTemplates"][0]);
    let pvc = format!("{claim}-{}-0", name(sts));
    let pvc = tb.get(&["-n", &ns.name, "pvc", &pvc]).unwrap_or_else(|| panic!("PVC {pvc} missing"));
    assert_eq!(pvc["status"]["phase"], "Bound", "{}", pvc["status"]);
    // The topic lands on the PVC's volume (the broker's data dir), not in the container's tmpfs.
    let pv = tb.get(&["pv", pvc["spec"]["volumeName"].as_str().expect("bound volume")]).expect("the bound PV");
    let dir = PathBuf::from(pv["spec"]["hostPath"]["path"].as_str().expect("the testbed's PVs are directories"));
    assert!(tree_mentions(&dir, "e2e-orders", 4), "topic e2e-orders not found under the PV directory {}", dir.display());
    let pod = tb.get(&["-n", &ns.name, "pod", &format!("{}-0", name(sts))]).unwrap();
    let c = &pod["status"]["containerStatuses"][0];
    assert_eq!(c["restartCount"], 0, "{c}");
}

/// Whether a file or directory name under `dir` (down to `depth` levels) contains `needle`.
fn tree_mentions(dir: &std::path::Path, needle: &str, depth: usize) -> bool {
    let Ok(entries) = std::fs::read_dir(dir) else { return false };
    entries.flatten().any(|e| {
        e.file_name().to_string_lossy().contains(needle) || (depth > 1 && e.path().is_dir() && tree_mentions(&e.path(), needle, depth - 1))
    })
}

/// examples/minimal/schema-registry.yaml: the real rivven-schema Ready; `GET /config` through its
/// Service's endpoint answers 200 with a compatibility level.
#[test]
fn rendered_schema_registry_serves_config() {
    let tb = Testbed::connect();
    let ns = tb.namespace("registry", &[RESTRICTED]);
    let objects = render(&["examples/minimal/schema-registry.yaml"], &ns.name);
    apply(&tb, &objects, "the rendered RivvenSchemaRegistry");
    let deploy = only(&objects, "Deployment");
    tb.wait_selected_pod_ready(&ns.name, &selector(deploy), READY_TIMEOUT);
    let service = client_service(&objects, 8081);
    let ip = single_endpoint(&tb, &ns.name, &service);
    let (status, body) = http_get(&format!("{ip}:8081"), "/config").expect("GET /config");
    assert_eq!(status, 200, "GET /config: {body}");
    let config: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("GET /config is not JSON ({e}): {body}"));
    let level = config["compatibilityLevel"].as_str().unwrap_or_else(|| panic!("no compatibilityLevel: {body}"));
    assert!(
        ["BACKWARD", "BACKWARD_TRANSITIVE", "FORWARD", "FORWARD_TRANSITIVE", "FULL", "FULL_TRANSITIVE", "NONE"].contains(&level),
        "{level}"
    );
}

/// examples/minimal/connect.yaml against the rendered broker: the datagen source writes into the
/// topic (read back with rivven-client) and the stdout sink prints the events.
#[test]
fn rendered_connect_pipeline_moves_events_into_the_topic() {
    let tb = Testbed::connect();
    let ns = tb.namespace("connect", &[RESTRICTED]);
    let objects = render(&["examples/minimal/cluster.yaml", "examples/minimal/connect.yaml"], &ns.name);
    let addr = start_minimal_broker(&tb, &ns.name, &objects);

    let connect = from_kind(&objects, "RivvenConnect");
    let config_map = only(&connect, "ConfigMap");
    let connect_yaml = config_map["data"]["connect.yaml"].as_str().expect("connect.yaml in the ConfigMap");
    let config = &yaml_docs(connect_yaml)[0];
    let topic = config["sources"]["generator"]["topic"].as_str().expect("the datagen source's topic").to_string();
    // rivven-connect 0.0.22 reads only partition 0 of a topic created after its sink started.
    block_on(async { client(&addr).await.create_topic(&topic, Some(3)).await.unwrap_or_else(|e| panic!("creating {topic}: {e:?}")) });

    apply(&tb, &connect, "the rendered RivvenConnect");
    let deploy = only(&connect, "Deployment");
    let pod = tb.wait_selected_pod_ready(&ns.name, &selector(deploy), READY_TIMEOUT);
    let pod_name = name(&pod).to_string();
    let ip = pod["status"]["podIP"].as_str().unwrap().to_string();
    let (status, body) = http_get(&format!("{ip}:8080"), "/live").expect("GET /live");
    assert_eq!(status, 200, "/live: {body}");

    let (count, first) = tb.wait_in(&ns.name, Duration::from_secs(60), &format!("10 events in topic {topic}"), || {
        let (n, first) = block_on(read_topic(&addr, &topic));
        (n >= 10).then_some((n, first))
    });
    let first = first.expect("a first message");
    let event: Value = serde_json::from_str(&first).unwrap_or_else(|e| panic!("event is not JSON ({e}): {first}"));
    assert!(first.contains("order_id"), "datagen pattern `orders` writes orders: {event}");
    eprintln!("{count} events in {topic}; first: {first}");

    let container = deploy["spec"]["template"]["spec"]["containers"][0]["name"].as_str().unwrap().to_string();
    tb.wait_in(&ns.name, Duration::from_secs(30), "the stdout sink printing events", || {
        let log = tb.container_log(&ns.name, &pod_name, &container);
        let printed = log.lines().filter(|l| l.contains(&format!("\"stream\":\"{topic}\"")) && l.contains("order_id")).count();
        (printed >= 3).then_some(())
    });
    let c = &tb.get(&["-n", &ns.name, "pod", &pod_name]).unwrap()["status"]["containerStatuses"][0];
    assert_eq!(c["restartCount"], 0, "the worker never restarted: {c}");
}

/// A rendered `replicas: 3` cluster (with its auth Secret) runs rivvend in cluster mode, which
/// cannot start in 0.0.22: every pod shows the real termination message in its status.
#[test]
fn three_replica_cluster_shows_the_real_redb_failure_in_pod_status() {
    let tb = Testbed::connect();
    let ns = tb.namespace("trio", &[RESTRICTED]);
    let dir = std::env::temp_dir().join(format!("rivven-e2e-trio-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("cluster.yaml");
    std::fs::write(
        &file,
        "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: trio\n\
         spec:\n  replicas: 3\n  clusterAuthSecretRef:\n    name: trio-auth\n",
    )
    .unwrap();
    let objects = render(&[file.to_str().unwrap()], &ns.name);
    std::fs::remove_dir_all(&dir).ok();
    // The renderer never writes the token: the Secret comes from the user.
    assert!(objects.iter().all(|o| o["kind"] != "Secret"), "rendered output must not contain Secrets");
    let secret = json!({ "apiVersion": "v1", "kind": "Secret", "metadata": { "name": "trio-auth", "namespace": ns.name },
        "stringData": { "token": format!("e2e-{}", std::process::id()) } });
    tb.create(&secret).expect("creating the cluster auth Secret");
    apply(&tb, &objects, "the rendered 3-replica RivvenCluster");
    let sts = only(&objects, "StatefulSet");
    for i in 0..3 {
        let pod = format!("{}-{i}", name(sts));
        let message = tb.wait_in(&ns.name, READY_TIMEOUT, &format!("{pod} terminated with the redb failure"), || {
            let p = tb.get(&["-n", &ns.name, "pod", &pod])?;
            let c = &p["status"]["containerStatuses"][0];
            let found = [&c["lastState"]["terminated"], &c["state"]["terminated"]]
                .into_iter()
                .filter_map(|t| t["message"].as_str())
                .find(|m| m.contains("Failed to open redb"))
                .map(str::to_string);
            found
        });
        assert!(message.contains("Is a directory"), "{pod}: {message}");
        let p = tb.get(&["-n", &ns.name, "pod", &pod]).unwrap();
        assert!(!pod_ready(&p), "{pod} must never be Ready");
        let c = &p["status"]["containerStatuses"][0];
        let term = if c["lastState"]["terminated"].is_null() { &c["state"]["terminated"] } else { &c["lastState"]["terminated"] };
        assert_eq!(term["exitCode"], 1, "{pod}: {c}");
        // The pods got past admission and ran the real program in cluster mode with the token.
        let log = tb.container_log(&ns.name, &pod, "rivvend");
        assert!(!log.contains("Address already in use"), "{pod} collided on a port: {log}");
    }
}
