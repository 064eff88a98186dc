//! `rivven-render install` through the binary: a YAML stream that parses, the same bytes on every
//! run, `--crds` printing exactly what `crd` prints first, the flags reaching the objects, and bad
//! input refused with exit 2 and nothing on standard output.
use std::process::{Command, Output};

use serde_json::Value;

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rivven-render")).args(args).output().expect("the binary runs")
}

/// The documents of a stream, read back by a YAML 1.2 parser.
fn documents(stdout: &[u8]) -> Vec<Value> {
    let text = std::str::from_utf8(stdout).expect("UTF-8");
    assert!(text.starts_with("---\n"), "{text}");
    text.split("\n---\n").map(|doc| serde_yaml_ng::from_str::<Value>(doc.trim_start_matches("---\n")).unwrap_or_else(|e| panic!("{e}: {doc}"))).collect()
}

fn names(docs: &[Value]) -> Vec<String> {
    docs.iter().map(|d| format!("{}/{}", d["kind"].as_str().unwrap(), d["metadata"]["name"].as_str().unwrap())).collect()
}

#[test]
fn install_prints_a_stream_that_parses_and_is_the_same_on_every_run() {
    let first = run(&["install"]);
    assert_eq!(first.status.code(), Some(0), "{}", String::from_utf8_lossy(&first.stderr));
    assert!(first.stderr.is_empty(), "{}", String::from_utf8_lossy(&first.stderr));
    let second = run(&["install"]);
    assert_eq!(first.stdout, second.stdout, "install is deterministic");
    let docs = documents(&first.stdout);
    assert_eq!(
        names(&docs),
        [
            "Namespace/rivven-system",
            "ServiceAccount/rivven-render",
            "ClusterRole/rivven-render",
            "ClusterRoleBinding/rivven-render",
            "Role/rivven-render-leader-election",
            "RoleBinding/rivven-render-leader-election",
            "Service/rivven-render-metrics",
            "Deployment/rivven-render",
        ]
    );
    let version = env!("CARGO_PKG_VERSION");
    for doc in &docs {
        assert_eq!(doc["metadata"]["labels"]["app.kubernetes.io/version"], version, "{doc}");
        assert!(!serde_json::to_string(doc).unwrap().to_ascii_lowercase().contains("secret"), "{doc}");
    }
    let container = &docs[7]["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], format!("ghcr.io/rivven-render/rivven-render:{version}"));
    assert_eq!(docs[7]["spec"]["replicas"], 2);
}

#[test]
fn crds_come_first_exactly_as_the_crd_command_prints_them() {
    let crd = run(&["crd"]);
    let plain = run(&["install"]);
    let with = run(&["install", "--crds"]);
    assert_eq!(with.status.code(), Some(0));
    let mut expected = crd.stdout.clone();
    expected.extend_from_slice(&plain.stdout);
    assert!(with.stdout == expected, "install --crds is the crd stream followed by the install stream");
    let docs = documents(&with.stdout);
    assert_eq!(docs.iter().filter(|d| d["kind"] == "CustomResourceDefinition").count(), 4);
}

#[test]
fn the_flags_reach_the_objects() {
    let out = run(&["install", "--namespace", "ops", "--watch-namespace", "apps", "--replicas", "1", "--image", "registry.local:5000/rr:dev"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let docs = documents(&out.stdout);
    let find = |kind: &str, name: &str| docs.iter().find(|d| d["kind"] == kind && d["metadata"]["name"] == name).unwrap_or_else(|| panic!("no {kind}/{name}"));
    assert!(docs.iter().all(|d| d["kind"] != "ClusterRole" && d["kind"] != "ClusterRoleBinding"), "a watch namespace needs no cluster-wide role");
    assert_eq!(find("Namespace", "ops")["metadata"]["labels"]["pod-security.kubernetes.io/enforce"], "restricted");
    assert_eq!(find("Role", "rivven-render")["metadata"]["namespace"], "apps");
    assert_eq!(find("RoleBinding", "rivven-render")["subjects"][0]["namespace"], "ops");
    assert_eq!(find("Role", "rivven-render-leader-election")["metadata"]["namespace"], "ops");
    let deployment = find("Deployment", "rivven-render");
    assert_eq!(deployment["metadata"]["namespace"], "ops");
    assert_eq!(deployment["spec"]["replicas"], 1);
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "registry.local:5000/rr:dev");
    assert_eq!(container["args"], serde_json::json!(["run", "--metrics-addr=0.0.0.0:8080", "--health-addr=0.0.0.0:8081", "--namespace=apps"]));
    // An empty watch namespace is every namespace, as for `run --namespace`.
    let all = documents(&run(&["install", "--watch-namespace", ""]).stdout);
    assert!(all.iter().any(|d| d["kind"] == "ClusterRole"));
}

#[test]
fn bad_input_is_refused_with_exit_2_and_nothing_on_stdout() {
    let table: [(&[&str], &str); 6] = [
        (&["install", "--namespace", "Bad_NS"], "--namespace Bad_NS: must be a DNS-1123 label"),
        (&["install", "--namespace", "kube-system"], "--namespace kube-system: `kube-` namespaces belong to Kubernetes"),
        (&["install", "--watch-namespace", "apps.prod"], "--watch-namespace apps.prod: must be a DNS-1123 label"),
        (&["install", "--replicas", "0"], "--replicas 0: must be between 1"),
        (&["install", "--replicas", "two"], "invalid value 'two'"),
        (&["install", "--image", "Not An Image"], "--image: `Not An Image` is not an image reference"),
    ];
    for (args, message) in table {
        let out = run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&out.stdout));
        assert!(stderr.contains(message), "{args:?}: {stderr}");
    }
}

#[test]
fn help_completions_and_the_man_page_name_install() {
    let help = String::from_utf8(run(&["--help"]).stdout).unwrap();
    assert!(help.lines().any(|l| l.trim_start().starts_with("install ")), "{help}");
    let install_help = String::from_utf8(run(&["install", "--help"]).stdout).unwrap();
    for flag in ["--namespace", "--watch-namespace", "--replicas", "--image", "--crds"] {
        assert!(install_help.contains(flag), "{flag}: {install_help}");
    }
    let bash = String::from_utf8(run(&["completions", "bash"]).stdout).unwrap();
    assert!(bash.contains("install") && bash.contains("--watch-namespace"), "the bash completion offers install");
    let man = String::from_utf8(run(&["man"]).stdout).unwrap();
    assert!(man.contains("install"), "the man page lists install");
}
