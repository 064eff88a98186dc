//! The real kustomize (the version `testbed/versions.env` pins, built by `testbed/tb build`) runs
//! `rivven-render krm` on the committed examples under `examples/kustomize`, exactly as the README
//! prints the command: the rendered objects equal `rivven-render render` of the same files,
//! foreign items come out as kustomize alone makes them, kustomize's namePrefix, namespace and
//! labels reach the rendered objects, and an invalid resource fails the build with its file and
//! line on standard error.
#![cfg(feature = "testbed")]

#[path = "support/plugins.rs"]
mod plugins;
#[path = "support/testbed.rs"]
mod testbed;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use testbed::{cache_dir, pinned_version};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn kustomize() -> PathBuf {
    let path = cache_dir().join(format!("k8s-{}/bin/kustomize", pinned_version("KUBERNETES_VERSION")));
    assert!(path.is_file(), "{} is missing: build it with `testbed/tb build`", path.display());
    path
}

/// `kustomize build --enable-alpha-plugins --enable-exec DIR` with rivven-render on PATH:
/// (success, stdout, stderr).
fn build(dir: &Path) -> (bool, String, String) {
    let bin = Path::new(env!("CARGO_BIN_EXE_rivven-render")).parent().unwrap().to_owned();
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new(kustomize()).args(["build", "--enable-alpha-plugins", "--enable-exec"]).arg(dir).env("PATH", path).output().unwrap();
    (out.status.success(), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// The objects of `rivven-render render PATHS -o -`, sorted.
fn rendered(paths: &[PathBuf]) -> Vec<Value> {
    let out = Command::new(env!("CARGO_BIN_EXE_rivven-render")).arg("render").args(paths).args(["-o", "-", "-q"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    sorted(plugins::yaml_documents(&String::from_utf8(out.stdout).unwrap()))
}

fn sorted(mut objects: Vec<Value>) -> Vec<Value> {
    objects.sort_by_key(|o| format!("{}/{}/{}", o["kind"], o["metadata"]["namespace"], o["metadata"]["name"]));
    objects
}

fn ours(objects: &[Value]) -> Vec<Value> {
    sorted(objects.iter().filter(|o| o["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "rivven-render").cloned().collect())
}

/// A copy of an example directory with some of its kustomization's lines changed.
fn variant(example: &str, name: &str, edit: impl Fn(&str, String) -> String) -> PathBuf {
    let from = root().join("examples/kustomize").join(example);
    let to = std::env::temp_dir().join(format!("rivven-render-kustomize-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&to);
    copy_dir(&from, &to);
    for entry in walk(&to) {
        let text = std::fs::read_to_string(&entry).unwrap();
        let file = entry.strip_prefix(&to).unwrap().to_string_lossy().into_owned();
        std::fs::write(&entry, edit(&file, text)).unwrap();
    }
    to
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

/// The kustomization without its namespace, prefix and labels.
fn without_kustomize_transformers(file: &str, text: String) -> String {
    if !file.ends_with("kustomization.yaml") {
        return text;
    }
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.starts_with("namespace:") || line.starts_with("namePrefix:") {
            continue;
        }
        if line.starts_with("labels:") {
            skipping = true;
            continue;
        }
        if skipping && line.starts_with(' ') {
            continue;
        }
        skipping = false;
        out.push_str(line);
        out.push('\n');
    }
    out
}

#[test]
fn the_generator_example_renders_what_render_makes_and_kustomize_namespaces_and_labels_it() {
    let (ok, stdout, stderr) = build(&root().join("examples/kustomize/generator"));
    assert!(ok, "{stderr}");
    let objects = plugins::yaml_documents(&stdout);
    let rendered_here = ours(&objects);
    assert!(rendered_here.len() >= 10, "{stdout}");
    for object in &rendered_here {
        assert_eq!(object["metadata"]["namespace"], "analytics", "{object}");
        assert_eq!(object["metadata"]["labels"]["team"], "analytics", "{object}");
    }
    let sts = rendered_here.iter().find(|o| o["kind"] == "StatefulSet").unwrap();
    assert_eq!(sts["spec"]["selector"]["matchLabels"]["team"], "analytics");
    assert!(objects.iter().any(|o| o["metadata"]["name"] == "analytics-settings" && o["metadata"]["namespace"] == "analytics"));
    // Without kustomize's transformers the function's objects are render's, value for value.
    let plain = variant("generator", "generator-plain", without_kustomize_transformers);
    let (ok, stdout, stderr) = build(&plain);
    assert!(ok, "{stderr}");
    assert_eq!(ours(&plugins::yaml_documents(&stdout)), rendered(&[root().join("examples/kustomize/generator/rivven")]));
}

#[test]
fn the_transformer_example_renders_with_kustomize_names_and_keeps_foreign_items_as_kustomize_makes_them() {
    let (ok, stdout, stderr) = build(&root().join("examples/kustomize/transformer"));
    assert!(ok, "{stderr}");
    assert!(!stderr.contains("warning["), "kustomize's renames were not followed: {stderr}");
    let objects = plugins::yaml_documents(&stdout);
    let rendered_here = ours(&objects);
    let names: Vec<&str> = rendered_here.iter().map(|o| o["metadata"]["name"].as_str().unwrap()).collect();
    for expected in ["rivven-prod-shop", "rivven-prod-shop-headless", "rivven-prod-shop-config", "rivven-prod-shop-topics", "rivven-connect-prod-shop", "rivven-connect-prod-shop-config"] {
        assert!(names.contains(&expected), "{expected} missing from {names:?}");
    }
    for object in &rendered_here {
        assert_eq!(object["metadata"]["namespace"], "shop-prod", "{object}");
        // A topic plan gathers many topics and carries none's labels.
        if object["metadata"]["labels"]["app.kubernetes.io/component"] != "topic-plan" {
            assert_eq!(object["metadata"]["labels"]["team"], "shop", "{object}");
        }
    }
    let connect = rendered_here.iter().find(|o| o["metadata"]["name"] == "rivven-connect-prod-shop-config").unwrap();
    assert!(connect["data"]["connect.yaml"].as_str().unwrap().contains("rivven-prod-shop.shop-prod.svc.cluster.local:9092"), "{connect}");
    let plan = rendered_here.iter().find(|o| o["metadata"]["name"] == "rivven-prod-shop-topics").unwrap();
    assert!(plan["data"]["topics.json"].as_str().unwrap().contains("\"name\": \"shop-orders\""), "{plan}");

    // The foreign item is exactly what kustomize makes of it without the function.
    let without_function = variant("transformer", "transformer-nofn", |file, text| {
        if file == "kustomization.yaml" {
            text.replace("transformers:\n  - rivven-render.yaml\n", "")
        } else {
            text
        }
    });
    let (ok, alone, stderr) = build(&without_function);
    assert!(ok, "{stderr}");
    let foreign = |text: &str| text.split("---\n").find(|d| d.contains("name: prod-app-settings")).map(str::to_owned).unwrap();
    assert_eq!(foreign(&stdout), foreign(&alone));
    assert!(foreign(&stdout).contains("mode: \"0755\""));

    // Without kustomize's transformers the function's objects are render's, value for value.
    let plain = variant("transformer", "transformer-plain", without_kustomize_transformers);
    let (ok, stdout, stderr) = build(&plain);
    assert!(ok, "{stderr}");
    let dir = root().join("examples/kustomize/transformer");
    assert_eq!(ours(&plugins::yaml_documents(&stdout)), rendered(&[dir.join("cluster.yaml"), dir.join("topic.yaml"), dir.join("connect.yaml")]));
}

#[test]
fn an_invalid_rivven_resource_fails_the_build_with_its_file_and_line_on_stderr() {
    for (example, file, line) in [("transformer", "cluster.yaml", "cluster.yaml:7:13: error[schema/range]"), ("generator", "rivven/cluster.yaml", "rivven/cluster.yaml:7:13: error[schema/range]")] {
        let broken = variant(example, &format!("{example}-broken"), |name, text| if name == file { text.replace("replicas: 1", "replicas: 0") } else { text });
        let (ok, stdout, stderr) = build(&broken);
        assert!(!ok, "{example}: the build succeeded");
        assert_eq!(stdout, "", "{example}: output of a failed build");
        assert!(stderr.lines().any(|l| l.starts_with(line)), "{example}: {stderr}");
    }
}

#[test]
fn the_argo_cd_component_adds_the_plugin_sidecar_and_the_api_server_accepts_it() {
    // tests/fixtures/argocd-install stands for an Argo CD install: a repo-server Deployment with the
    // upstream volumes, and the component of examples/argocd.
    let (ok, stdout, stderr) = build(&root().join("tests/fixtures/argocd-install"));
    assert!(ok, "{stderr}");
    let objects = plugins::yaml_documents(&stdout);
    let config = objects.iter().find(|o| o["kind"] == "ConfigMap" && o["metadata"]["name"] == "rivven-render-plugin").expect("the plugin ConfigMap");
    assert_eq!(config["data"]["plugin.yaml"].as_str().unwrap(), std::fs::read_to_string(root().join("examples/argocd/plugin.yaml")).unwrap());
    let deployment = objects.iter().find(|o| o["kind"] == "Deployment").unwrap();
    let pod = &deployment["spec"]["template"]["spec"];
    let sidecar = pod["containers"].as_array().unwrap().iter().find(|c| c["name"] == "rivven-render").expect("the sidecar");
    assert_eq!(sidecar["command"], serde_json::json!(["/var/run/argocd/argocd-cmp-server"]));
    assert_eq!(sidecar["securityContext"]["runAsUser"], 999);
    assert_eq!(sidecar["securityContext"]["runAsNonRoot"], true);
    assert_eq!(sidecar["securityContext"]["readOnlyRootFilesystem"], true);
    let mounts: Vec<(&str, &str)> = sidecar["volumeMounts"].as_array().unwrap().iter().map(|m| (m["mountPath"].as_str().unwrap(), m["name"].as_str().unwrap())).collect();
    for (path, volume) in [("/var/run/argocd", "var-files"), ("/home/argocd/cmp-server/plugins", "plugins"), ("/home/argocd/cmp-server/config/plugin.yaml", "rivven-render-plugin"), ("/tmp", "rivven-render-tmp")] {
        assert!(mounts.contains(&(path, volume)), "{path} from {volume} missing: {mounts:?}");
    }
    let volumes = pod["volumes"].as_array().unwrap();
    assert!(volumes.iter().any(|v| v["name"] == "rivven-render-tmp" && v.get("emptyDir").is_some()), "the private /tmp");
    assert!(volumes.iter().any(|v| v["name"] == "rivven-render-plugin" && v["configMap"]["name"] == "rivven-render-plugin"));
    // The real API server takes both objects (a server-side dry run in a namespace of the test's own).
    let tb = testbed::Testbed::connect();
    let ns = tb.namespace("argocd-component", &[]);
    let mut list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": objects});
    for item in list["items"].as_array_mut().unwrap() {
        item["metadata"]["namespace"] = Value::from(ns.name.clone());
    }
    tb.apply_server_side(&list, true).unwrap_or_else(|e| panic!("the API server refused the component's output: {e}"));
}
