//! Client for the local Kubernetes testbed (`testbed/tb up`), shared by the testbed tests.
//!
//! It drives the testbed's own kubectl with JSON output: no Kubernetes client crate needed, and
//! what the tests do is what a user would type. When the testbed is not running every test fails
//! with a message naming the command that starts it; nothing is ever skipped silently.
#![allow(dead_code)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const START_HINT: &str = "the testbed is not running: start it with `testbed/tb up` \
    (or run everything with `testbed/tb test`)";

/// Handle on the running testbed: its kubectl and admin kubeconfig.
pub struct Testbed {
    kubectl: PathBuf,
    kubeconfig: PathBuf,
}

fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn cache_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("RIVVEN_RENDER_CACHE") {
        return PathBuf::from(dir);
    }
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    Path::new(&home).join(".cache/rivven-render")
}

/// Reads one value from testbed/versions.env (the single place versions are pinned).
pub fn pinned_version(key: &str) -> String {
    let path = repo_root().join("testbed/versions.env");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}=")))
        .unwrap_or_else(|| panic!("{key} missing in {}", path.display()))
        .trim()
        .to_string()
}

impl Testbed {
    /// Connects to the running testbed or panics with how to start it.
    pub fn connect() -> Testbed {
        let state = std::env::var("RIVVEN_TESTBED_STATE").map(PathBuf::from).unwrap_or_else(|_| cache_dir().join("run"));
        let kubectl = cache_dir().join(format!("k8s-{}/bin/kubectl", pinned_version("KUBERNETES_VERSION")));
        let kubeconfig = state.join("admin.kubeconfig");
        if !kubectl.exists() || !kubeconfig.exists() {
            panic!("{START_HINT} ({} or {} not found)", kubectl.display(), kubeconfig.display());
        }
        let tb = Testbed { kubectl, kubeconfig };
        let out = tb.run(&["get", "--raw", "/readyz"], None);
        if !out.0 {
            panic!("{START_HINT} (API server not ready: {})", out.2.trim());
        }
        tb
    }

    /// Runs kubectl; returns (success, stdout, stderr).
    pub fn run(&self, args: &[&str], stdin: Option<&str>) -> (bool, String, String) {
        let mut cmd = Command::new(&self.kubectl);
        cmd.arg("--kubeconfig").arg(&self.kubeconfig).args(args);
        cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
        cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = cmd.spawn().unwrap_or_else(|e| panic!("running {}: {e}", self.kubectl.display()));
        if let Some(input) = stdin {
            child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        }
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs kubectl and panics (with its stderr) on failure.
    pub fn kubectl(&self, args: &[&str]) -> String {
        let (ok, stdout, stderr) = self.run(args, None);
        assert!(ok, "kubectl {} failed: {stderr}", args.join(" "));
        stdout
    }

    /// `kubectl get ... -o json`; None when the object does not exist.
    pub fn get(&self, args: &[&str]) -> Option<Value> {
        let mut full = vec!["get"];
        full.extend_from_slice(args);
        full.extend_from_slice(&["-o", "json"]);
        let (ok, stdout, stderr) = self.run(&full, None);
        if !ok {
            assert!(stderr.contains("NotFound") || stderr.contains("not found"), "kubectl {} failed: {stderr}", full.join(" "));
            return None;
        }
        Some(serde_json::from_str(&stdout).expect("kubectl printed invalid JSON"))
    }

    /// Applies objects server-side-free (`kubectl apply -f -`); Err carries the API server's answer.
    pub fn apply(&self, objects: &Value) -> Result<String, String> {
        self.with_stdin(&["apply", "-f", "-"], objects)
    }

    /// Creates objects (`kubectl create -f -`); Err carries the API server's answer.
    pub fn create(&self, objects: &Value) -> Result<String, String> {
        self.with_stdin(&["create", "-f", "-"], objects)
    }

    fn with_stdin(&self, args: &[&str], objects: &Value) -> Result<String, String> {
        let (ok, stdout, stderr) = self.run(args, Some(&objects.to_string()));
        if ok {
            Ok(stdout)
        } else {
            Err(stderr)
        }
    }

    /// A fresh namespace for one test, deleted when the guard drops (also when the test panics).
    pub fn namespace(&self, test: &str, labels: &[(&str, &str)]) -> Namespace<'_> {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let mut name: String = format!("t-{}-{}-{n}", test.replace('_', "-"), std::process::id());
        name.truncate(63);
        let name = name.trim_end_matches('-').to_string();
        let mut meta = serde_json::json!({ "name": name, "labels": {} });
        for (k, v) in labels {
            meta["labels"][*k] = Value::String((*v).to_string());
        }
        let ns = serde_json::json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": meta });
        self.create(&ns).unwrap_or_else(|e| panic!("creating namespace {name}: {e}"));
        // The ServiceAccount admission plugin rejects pods until the controller made "default".
        wait_until(Duration::from_secs(30), "default service account", || {
            self.get(&["-n", &name, "serviceaccount", "default"]).map(|_| ())
        });
        Namespace { tb: self, name }
    }
}

/// Deletes its namespace on drop (without waiting: finalization continues in the background).
pub struct Namespace<'a> {
    tb: &'a Testbed,
    pub name: String,
}

impl Drop for Namespace<'_> {
    fn drop(&mut self) {
        let _ = self.tb.run(&["delete", "namespace", &self.name, "--wait=false", "--ignore-not-found"], None);
    }
}

/// Polls `f` every 250 ms until it returns Some, or panics after `timeout` naming what was awaited.
pub fn wait_until<T>(timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        if start.elapsed() > timeout {
            panic!("timed out after {timeout:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// The pod's Ready condition.
pub fn pod_ready(pod: &Value) -> bool {
    pod["status"]["conditions"]
        .as_array()
        .map(|cs| cs.iter().any(|c| c["type"] == "Ready" && c["status"] == "True"))
        .unwrap_or(false)
}

/// A single-threaded tokio runtime for the async Rivven client.
pub fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

impl Testbed {
    /// The ready endpoints of a Service, computed as the EndpointSlice controller would (selector +
    /// ready pods). The API server refuses loopback IPs in EndpointSlices, and testbed pod IPs are
    /// loopback, so the testbed runs no endpoint controllers; its node agent resolves Services the
    /// same way for the pods' /etc/hosts.
    pub fn service_endpoints(&self, ns: &str, service: &str) -> Vec<String> {
        let Some(svc) = self.get(&["-n", ns, "service", service]) else { return vec![] };
        let Some(selector) = svc["spec"]["selector"].as_object() else { return vec![] };
        let sel: Vec<String> = selector.iter().map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or(""))).collect();
        let pods = self.get(&["-n", ns, "pods", "-l", &sel.join(",")]).unwrap_or(Value::Null);
        let mut ips: Vec<String> = pods["items"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter(|p| pod_ready(p) && p["metadata"]["deletionTimestamp"].is_null())
                    .filter_map(|p| p["status"]["podIP"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        ips.sort();
        ips
    }
}
