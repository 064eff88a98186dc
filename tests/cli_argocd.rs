//! `rivven-render argocd generate` run as Argo CD's repo-server runs a CMP v2 plugin: a fresh copy
//! of the application in a temporary directory, the `ARGOCD_*` variables, parameters and
//! `KUBE_VERSION`. Argo CD's own decoding of the output is checked on the testbed
//! (`tests/testbed_argocd.rs`).
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

#[path = "support/plugins.rs"]
mod plugins;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs the binary in `dir` with only the given environment (as the cmp-server builds it).
fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_rivven-render"))
        .args(args)
        .current_dir(dir)
        .env_clear()
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    Run { code: out.status.code(), stdout: String::from_utf8(out.stdout).unwrap(), stderr: String::from_utf8(out.stderr).unwrap() }
}

/// A fresh copy of an example directory, as the repo-server untars an application.
fn app(example: &str, name: &str) -> PathBuf {
    plugins::fresh_copy(&root().join(example), &format!("argocd-{name}"))
}

const APP_ENV: [(&str, &str); 6] = [
    ("ARGOCD_APP_NAME", "rivven-demo"),
    ("ARGOCD_APP_NAMESPACE", "rivven"),
    ("ARGOCD_APP_PROJECT_NAME", "default"),
    ("ARGOCD_APP_REVISION", "0123456789abcdef0123456789abcdef01234567"),
    ("ARGOCD_APP_SOURCE_PATH", "examples/minimal"),
    ("KUBE_VERSION", "v1.36.3"),
];

#[test]
fn the_output_is_what_render_makes_with_the_same_choices_and_the_app_namespace_as_default() {
    let dir = app("examples/minimal", "same");
    let mut env = APP_ENV.to_vec();
    env.push(("ARGOCD_APP_PARAMETERS", r#"[{"name": "clusterDomain", "string": "corp.internal"}]"#));
    let generated = run(&dir, &["argocd", "generate"], &env);
    assert_eq!(generated.code, Some(0), "{}", generated.stderr);
    let rendered = run(&dir, &["render", ".", "-o", "-", "-q", "--namespace", "rivven", "--cluster-domain", "corp.internal", "--kube-version", "v1.36.3"], &[]);
    assert_eq!(rendered.code, Some(0), "{}", rendered.stderr);
    assert_eq!(generated.stdout, rendered.stdout);
    assert!(generated.stdout.contains("rivven-demo.rivven.svc.corp.internal:9092"), "the namespace default is not in the addresses");
    let namespaces: Vec<&str> = generated.stdout.lines().filter(|l| l.starts_with("  namespace: ")).collect();
    assert_eq!(namespaces.len(), generated.stdout.matches("\nkind: ").count() + usize::from(generated.stdout.starts_with("kind: ")));
    assert!(namespaces.iter().all(|l| *l == "  namespace: rivven"));
}

#[test]
fn parameter_defaults_are_applied_by_the_plugin_and_plugin_env_and_param_variables_are_read() {
    let dir = app("examples/minimal", "defaults");
    // No parameters at all: Argo CD sends no defaults; the plugin's own are used.
    let plain = run(&dir, &["argocd", "generate"], &APP_ENV);
    assert_eq!(plain.code, Some(0), "{}", plain.stderr);
    assert!(plain.stdout.contains(".svc.cluster.local:"));
    let mut env = APP_ENV.to_vec();
    env.extend([("ARGOCD_ENV_CLUSTER_DOMAIN", "env.internal"), ("PARAM_STRICT", "false")]);
    let from_env = run(&dir, &["argocd", "generate"], &env);
    assert_eq!(from_env.code, Some(0), "{}", from_env.stderr);
    assert!(from_env.stdout.contains(".svc.env.internal:") && !from_env.stdout.contains("cluster.local"));
}

#[test]
fn kube_api_versions_leave_out_what_the_cluster_does_not_serve_and_kube_version_moves_old_apis() {
    let dir = app("examples/spec", "apis");
    std::fs::write(dir.join("monitored.yaml"), "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: monitored\nspec:\n  replicas: 1\n  metrics:\n    enabled: true\n    serviceMonitorEnabled: true\n").unwrap();
    let mut env = APP_ENV.to_vec();
    let all = run(&dir, &["argocd", "generate"], &env);
    assert_eq!(all.code, Some(0), "{}", all.stderr);
    assert!(all.stdout.contains("kind: ServiceMonitor"), "the monitored cluster has a ServiceMonitor");
    env.push(("KUBE_API_VERSIONS", "v1,apps/v1,policy/v1,networking.k8s.io/v1"));
    let without = run(&dir, &["argocd", "generate"], &env);
    assert_eq!(without.code, Some(0), "{}", without.stderr);
    assert!(!without.stdout.contains("kind: ServiceMonitor"));
    assert_eq!(all.stdout.matches("\n---\n").count() - all.stdout.matches("kind: ServiceMonitor").count(), without.stdout.matches("\n---\n").count());
    env.retain(|(k, _)| *k != "KUBE_VERSION" && *k != "KUBE_API_VERSIONS");
    env.push(("KUBE_VERSION", "1.20"));
    let old = run(&dir, &["argocd", "generate"], &env);
    assert_eq!(old.code, Some(0), "{}", old.stderr);
    assert!(old.stdout.contains("apiVersion: policy/v1beta1") && !old.stdout.contains("apiVersion: policy/v1\n"));
    assert!(!old.stdout.contains("persistentVolumeClaimRetentionPolicy"));
    // render says what it changed, as notes.
    let noted = run(&dir, &["render", ".", "-o", "-", "--format", "short", "--api-versions", "v1,apps/v1"], &[]);
    assert!(noted.stderr.contains("note[platform/target-api]: ServiceMonitor"), "{}", noted.stderr);
}

#[test]
fn a_failure_has_empty_stdout_and_short_plain_stderr() {
    let empty = std::env::temp_dir().join(format!("rivven-render-argocd-empty-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&empty);
    std::fs::create_dir_all(&empty).unwrap();
    std::fs::write(empty.join("README.md"), "no resources here\n").unwrap();
    let invalid = app("examples/minimal", "invalid");
    std::fs::write(invalid.join("cluster.yaml"), "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: demo\nspec:\n  replicas: 0\n").unwrap();
    let mut bad_param = APP_ENV.to_vec();
    bad_param.push(("ARGOCD_APP_PARAMETERS", r#"[{"name": "clusterDomian", "string": "x"}]"#));
    let mut outside = APP_ENV.to_vec();
    outside.push(("PARAM_PATHS_0", "../"));
    type Case<'a> = (&'a Path, &'a [(&'a str, &'a str)], &'a str);
    let cases: [Case; 5] = [
        (&empty, &APP_ENV, "no Rivven resource found"),
        (&invalid, &APP_ENV, "cluster.yaml:6:13: error[schema/range]"),
        (&invalid, &bad_param, "unknown parameter `clusterDomian`"),
        (&invalid, &outside, "no `..`"),
        (&invalid, &[("ARGOCD_APP_NAMESPACE", "Not_A_Namespace")], "--namespace Not_A_Namespace"),
    ];
    for (dir, env, why) in cases {
        let r = run(dir, &["argocd", "generate"], env);
        assert_ne!(r.code, Some(0), "{why}: exit 0");
        assert_eq!(r.stdout, "", "{why}: output on failure");
        assert!(r.stderr.contains(why), "{why}: {}", r.stderr);
        if env.iter().any(|(k, _)| *k == "ARGOCD_APP_NAME") {
            assert!(r.stderr.contains("(application rivven-demo, examples/minimal@0123456789abcdef0123456789abcdef01234567)"), "{}", r.stderr);
        }
        assert!(!r.stderr.contains('\u{1b}'), "colour: {}", r.stderr);
        assert!(r.stderr.lines().count() <= 6 && r.stderr.lines().all(|l| l.len() < 400), "not short: {}", r.stderr);
    }
}

/// Every path under `dir` with its size and modification time.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (u64, std::time::SystemTime)> {
    walk(dir).into_iter().map(|p| {
        let meta = std::fs::metadata(&p).unwrap();
        (p, (meta.len(), meta.modified().unwrap()))
    }).collect()
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![dir.to_path_buf()];
    if dir.is_dir() {
        for entry in std::fs::read_dir(dir).unwrap() {
            out.extend(walk(&entry.unwrap().path()));
        }
    }
    out
}

#[test]
fn concurrent_runs_in_one_tree_give_identical_output_and_write_nothing() {
    let dir = app("examples/spec", "concurrent");
    let (home, tmp) = (dir.join("home"), dir.join("tmp"));
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&tmp).unwrap();
    let before = snapshot(&dir);
    let (home_s, tmp_s) = (home.to_str().unwrap().to_owned(), tmp.to_str().unwrap().to_owned());
    let outputs: Vec<Run> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..6)
            .map(|_| {
                scope.spawn(|| {
                    let mut env = APP_ENV.to_vec();
                    env.extend([("HOME", home_s.as_str()), ("TMPDIR", tmp_s.as_str())]);
                    run(&dir, &["argocd", "generate"], &env)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert!(outputs.iter().all(|o| o.code == Some(0)), "{}", outputs[0].stderr);
    assert!(outputs.iter().all(|o| o.stdout == outputs[0].stdout && !o.stdout.is_empty()));
    assert_eq!(snapshot(&dir), before, "a run wrote into the application tree, HOME or TMPDIR");
}

#[test]
fn sigterm_ends_the_run_at_once_with_no_output_even_when_the_parent_ignored_it() {
    let dir = app("examples/minimal", "sigterm");
    // A FIFO as an input: the run blocks opening it, until the signal comes.
    let fifo = dir.join("blocking.yaml");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let binary = env!("CARGO_BIN_EXE_rivven-render");
    for ignore_first in [false, true] {
        // `trap '' TERM` makes SIGTERM ignored in the shell, and so in the exec'd plugin.
        let script = format!("{} exec '{binary}' argocd generate", if ignore_first { "trap '' TERM;" } else { "" });
        let child = Command::new("sh")
            .args(["-c", &script])
            .current_dir(&dir)
            .env("PARAM_PATHS_0", "blocking.yaml")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let pid = child.id().to_string();
        // Give the run time to start and block on the FIFO (a wait, not a timed assertion).
        std::thread::sleep(std::time::Duration::from_millis(300));
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        let mut child = child;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while child.try_wait().unwrap().is_none() {
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("the run did not end within 10 s of SIGTERM (ignored first: {ignore_first})");
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.stdout, b"", "output after SIGTERM");
        assert!(!out.status.success(), "exit 0 after SIGTERM");
        // 143 is the handler's exit: the run was interrupted by its own handler, not killed.
        assert_eq!(out.status.code(), Some(143), "{:?}", out.status);
    }
}

#[test]
fn the_announced_parameters_are_the_ones_taken_and_their_defaults_change_nothing() {
    let text = std::fs::read_to_string(root().join("examples/argocd/plugin.yaml")).unwrap();
    let plugin = plugins::yaml_documents(&text).remove(0);
    assert_eq!(plugin["spec"]["generate"]["command"], serde_json::json!(["rivven-render", "argocd", "generate"]));
    assert_eq!(plugin["spec"]["discover"]["find"]["glob"], "rivven-render.yaml");
    assert!(plugin["spec"].get("init").is_none() && plugin["metadata"].get("version").is_none());
    let announced = plugin["spec"]["parameters"]["static"].as_array().unwrap();
    let names: Vec<&str> = announced.iter().map(|p| p["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["paths", "clusterDomain", "rivvenVersion", "strict", "deny"]);
    // Sending every announced default explicitly gives what sending none gives.
    let defaults: Vec<serde_json::Value> = announced
        .iter()
        .map(|p| match p.get("array") {
            Some(array) => serde_json::json!({"name": p["name"], "array": array}),
            None => serde_json::json!({"name": p["name"], "string": p["string"]}),
        })
        .collect();
    let dir = app("examples/minimal", "announced");
    let json = serde_json::Value::Array(defaults).to_string();
    let mut env = APP_ENV.to_vec();
    env.push(("ARGOCD_APP_PARAMETERS", &json));
    let explicit = run(&dir, &["argocd", "generate"], &env);
    let implicit = run(&dir, &["argocd", "generate"], &APP_ENV);
    assert_eq!(explicit.code, Some(0), "{}", explicit.stderr);
    assert_eq!(explicit.stdout, implicit.stdout);
    // The example Application's plugin env and parameters are read too.
    let app_text = std::fs::read_to_string(root().join("examples/argocd/application.yaml")).unwrap();
    let application = plugins::yaml_documents(&app_text).remove(0);
    assert_eq!(application["spec"]["source"]["plugin"]["name"], "rivven-render");
    let mut env = APP_ENV.to_vec();
    let plugin_env: Vec<(String, String)> = application["spec"]["source"]["plugin"]["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (format!("ARGOCD_ENV_{}", e["name"].as_str().unwrap()), e["value"].as_str().unwrap().to_owned()))
        .collect();
    let parameters = application["spec"]["source"]["plugin"]["parameters"].to_string();
    env.extend(plugin_env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    env.push(("ARGOCD_APP_PARAMETERS", &parameters));
    let from_application = run(&dir, &["argocd", "generate"], &env);
    assert_eq!(from_application.code, Some(0), "{}", from_application.stderr);
    assert!(from_application.stdout.contains("image: ghcr.io/hupe1980/rivvend:0.0.22") || from_application.stdout.contains(":0.0.22"), "{}", from_application.stdout);
}

#[test]
fn the_app_config_file_is_never_a_foreign_resource_and_carries_no_resources() {
    let dir = app("examples/minimal", "marker");
    std::fs::write(dir.join("rivven-render.yaml"), "apiVersion: rivven-render.github.io/v1alpha1\nkind: RivvenRender\nmetadata:\n  name: app\nspec:\n  strict: true\n  clusterDomain: marker.internal\n").unwrap();
    let strict = run(&dir, &["argocd", "generate"], &APP_ENV);
    assert_eq!(strict.code, Some(0), "strict mode took the marker for a foreign resource: {}", strict.stderr);
    assert!(strict.stdout.contains(".svc.marker.internal:"));
    std::fs::write(dir.join("rivven-render.yaml"), "apiVersion: rivven-render.github.io/v1alpha1\nkind: RivvenRender\nspec:\n  resources:\n    - {kind: RivvenTopic}\n").unwrap();
    let inline = run(&dir, &["argocd", "generate"], &APP_ENV);
    assert_eq!(inline.code, Some(1));
    assert!(inline.stderr.contains("write the resources as files") && inline.stdout.is_empty(), "{}", inline.stderr);
    // A link out of the application is not followed.
    std::fs::remove_file(dir.join("rivven-render.yaml")).unwrap();
    let outside = app("examples/spec", "marker-outside");
    std::os::unix::fs::symlink(&outside, dir.join("spec")).unwrap();
    let linked = run(&dir, &["argocd", "generate"], &APP_ENV);
    assert_eq!(linked.code, Some(0), "{}", linked.stderr);
    assert!(!linked.stdout.contains("rivven-production"), "a linked directory outside the app was read");
}
