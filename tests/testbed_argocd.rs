//! `rivven-render argocd generate` decoded the way Argo CD's repo-server decodes a plugin's output:
//! k8s.io/apimachinery's `NewYAMLOrJSONDecoder` into unstructured objects (sigs.k8s.io/yaml, YAML
//! 1.1), by a small Go checker built from the testbed's Go module (`testbed/k8s/cmd/argocd-decode`).
//! Each example app runs in a fresh copy with the repo-server's environment; every document must
//! decode with apiVersion and kind, to the same values we meant (a string `on` stays a string), with
//! the application's namespace as the default.
#![cfg(feature = "testbed")]

#[path = "support/plugins.rs"]
mod plugins;
#[path = "support/testbed.rs"]
mod testbed;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn decoder() -> PathBuf {
    let path = std::env::var_os("RIVVEN_ARGOCD_DECODE").map(PathBuf::from).unwrap_or_else(|| testbed::cache_dir().join("node-agent/bin/argocd-decode"));
    assert!(path.is_file(), "{} is missing: build it with `testbed/tb build`", path.display());
    path
}

/// A fresh copy of a directory's files, as the repo-server untars an application.
fn app(from: &Path, name: &str) -> PathBuf {
    plugins::fresh_copy(from, &format!("argocd-tb-{name}"))
}

fn generate(dir: &Path) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rivven-render"))
        .args(["argocd", "generate"])
        .current_dir(dir)
        .env_clear()
        .envs([
            ("ARGOCD_APP_NAME", "rivven"),
            ("ARGOCD_APP_NAMESPACE", "rivven-app"),
            ("ARGOCD_APP_PROJECT_NAME", "default"),
            ("ARGOCD_APP_REVISION", "0123456789abcdef0123456789abcdef01234567"),
            ("ARGOCD_APP_REVISION_SHORT", "0123456"),
            ("ARGOCD_APP_SOURCE_PATH", "apps/rivven"),
            ("ARGOCD_APP_SOURCE_REPO_URL", "https://git.example/rivven.git"),
            ("ARGOCD_APP_SOURCE_TARGET_REVISION", "main"),
            ("KUBE_VERSION", "v1.36.3"),
            ("KUBE_API_VERSIONS", "v1,apps/v1,policy/v1,networking.k8s.io/v1,monitoring.coreos.com/v1"),
            ("ARGOCD_APP_PARAMETERS", r#"[{"name": "clusterDomain", "string": "cluster.local"}]"#),
        ])
        .output()
        .unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// The objects as Argo CD's decoding reads them (one JSON line each).
fn decoded(stream: &str) -> Result<Vec<Value>, String> {
    let mut child = Command::new(decoder()).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    child.stdin.take().unwrap().write_all(stream.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect())
}

#[test]
fn every_example_app_decodes_as_argo_cd_reads_it_with_the_values_meant() {
    // Labels whose values YAML 1.1 reads as booleans or numbers when unquoted: they land in every
    // rendered object's metadata and must stay strings.
    let tricky = std::env::temp_dir().join(format!("rivven-render-argocd-tricky-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tricky);
    std::fs::create_dir_all(&tricky).unwrap();
    std::fs::write(
        tricky.join("cluster.yaml"),
        "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: tricky\n  labels:\n    a: \"on\"\n    b: \"yes\"\n    c: \"0755\"\n    d: \"1e3\"\n    e: \"n\"\n    f: \"off\"\n    g: \"0x1F\"\n  annotations:\n    note: \"key: value # not a comment\"\nspec:\n  replicas: 1\n  metrics:\n    enabled: true\n    serviceMonitorEnabled: true\n",
    )
    .unwrap();
    let apps = [root().join("examples/minimal"), root().join("examples/spec"), root().join("examples/cdc"), root().join("examples/kustomize/generator/rivven"), tricky];
    for (n, from) in apps.iter().enumerate() {
        let dir = app(from, &format!("app{n}"));
        let (ok, stdout, stderr) = generate(&dir);
        assert!(ok, "{}: {stderr}", from.display());
        let ours = plugins::yaml_documents(&stdout);
        let theirs = decoded(&stdout).unwrap_or_else(|e| panic!("{}: Argo CD's decoding refused the output: {e}", from.display()));
        assert_eq!(theirs.len(), ours.len(), "{}: documents lost or split", from.display());
        for (decoded, meant) in theirs.iter().zip(&ours) {
            assert!(decoded["apiVersion"].is_string() && decoded["kind"].is_string(), "{decoded}");
            assert_eq!(decoded, meant, "{}: a value changed in Argo CD's reading", from.display());
            // The spec's examples name their namespace; the others get the application's.
            let expected = if from.ends_with("examples/spec") { "default" } else { "rivven-app" };
            assert_eq!(decoded["metadata"]["namespace"], expected, "{}: the namespace default is not applied: {decoded}", from.display());
        }
    }
    // The tricky labels really were exercised.
    let dir = app(&apps[4], "tricky-again");
    let (_, stdout, _) = generate(&dir);
    let objects = decoded(&stdout).unwrap();
    assert!(objects.iter().all(|o| o["metadata"]["labels"]["a"] == "on" && o["metadata"]["labels"]["c"] == "0755"));
    assert!(objects.iter().any(|o| o["kind"] == "ServiceMonitor"));
}

#[test]
fn the_decoder_refuses_what_argo_cd_refuses() {
    // The checker itself: a document without kind and an empty stream fail, as in the repo-server.
    assert!(decoded("apiVersion: v1\nmetadata:\n  name: x\n").is_err());
    assert!(decoded("").is_err());
    // And it reads YAML 1.1: an unquoted `on` becomes a boolean (what the plugin must never emit).
    let read = decoded("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  labels:\n    a: on\n").unwrap();
    assert_eq!(read[0]["metadata"]["labels"]["a"], Value::Bool(true));
}
