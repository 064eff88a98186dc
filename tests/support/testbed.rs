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

pub fn cache_dir() -> PathBuf {
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

    /// The admin kubeconfig (for a command of ours that talks to the API server as a user would).
    pub fn kubeconfig(&self) -> &Path {
        &self.kubeconfig
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

// ------------------------------------------------------------------ end-to-end helpers

impl Testbed {
    /// The testbed's state directory (`pods/<ns>_<pod>/<container>.log` live here).
    pub fn state_dir(&self) -> PathBuf {
        self.kubeconfig.parent().expect("kubeconfig lives in the state directory").to_path_buf()
    }

    /// A container's log file as the node agent writes it (there is no `kubectl logs`).
    pub fn container_log(&self, ns: &str, pod: &str, container: &str) -> String {
        let path = self.state_dir().join("pods").join(format!("{ns}_{pod}")).join(format!("{container}.log"));
        let raw = std::fs::read(&path).unwrap_or_default();
        strip_ansi(&String::from_utf8_lossy(&raw))
    }

    /// Server-side apply (`kubectl apply --server-side`), optionally as a server-side dry run.
    /// Ok carries kubectl's per-object lines, Err the API server's answer.
    pub fn apply_server_side(&self, objects: &Value, dry_run: bool) -> Result<String, String> {
        let mut args = vec!["apply", "--server-side", "--field-manager", "rivven-render-e2e", "-f", "-"];
        if dry_run {
            args.push("--dry-run=server");
        }
        self.with_stdin(&args, objects)
    }

    /// Every pod of a namespace with its phase, conditions, container states and the last lines of
    /// each container's log: what a failing wait prints.
    pub fn pod_report(&self, ns: &str) -> String {
        let Some(pods) = self.get(&["-n", ns, "pods"]) else { return format!("(no pods in {ns})") };
        let items = pods["items"].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            return format!("(no pods in namespace {ns})");
        }
        let mut out = String::new();
        for p in &items {
            let name = p["metadata"]["name"].as_str().unwrap_or("?");
            out += &format!(
                "\n--- pod {ns}/{name}: phase {} podIP {} conditions {}\n",
                p["status"]["phase"], p["status"]["podIP"], p["status"]["conditions"]
            );
            for c in p["status"]["containerStatuses"].as_array().into_iter().flatten() {
                let cname = c["name"].as_str().unwrap_or("?");
                out += &format!(
                    "    container {cname}: ready {} restarts {} state {} lastState {}\n",
                    c["ready"], c["restartCount"], c["state"], c["lastState"]
                );
                let log = self.container_log(ns, name, cname);
                let lines: Vec<&str> = log.lines().collect();
                let tail = &lines[lines.len().saturating_sub(15)..];
                out += &format!("    last {} log lines of {cname}:\n", tail.len());
                for l in tail {
                    out += &format!("      | {l}\n");
                }
            }
        }
        out
    }

    /// Polls `f` every 250 ms until Some; on timeout panics naming what was awaited, with the
    /// namespace's pod report (status and log tails).
    #[track_caller]
    pub fn wait_in<T>(&self, ns: &str, timeout: Duration, what: &str, mut f: impl FnMut() -> Option<T>) -> T {
        let start = Instant::now();
        loop {
            if let Some(v) = f() {
                return v;
            }
            if start.elapsed() > timeout {
                panic!("timed out after {timeout:?} waiting for {what}\npods:{}", self.pod_report(ns));
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    /// Waits until the named pod is Ready (and not being deleted); returns it.
    #[track_caller]
    pub fn wait_pod_ready(&self, ns: &str, pod: &str, timeout: Duration) -> Value {
        self.wait_in(ns, timeout, &format!("pod {ns}/{pod} Ready"), || {
            let p = self.get(&["-n", ns, "pod", pod])?;
            (pod_ready(&p) && p["metadata"]["deletionTimestamp"].is_null()).then_some(p)
        })
    }

    /// Waits until exactly one pod matches the label selector and is Ready; returns it.
    #[track_caller]
    pub fn wait_selected_pod_ready(&self, ns: &str, selector: &str, timeout: Duration) -> Value {
        self.wait_in(ns, timeout, &format!("one Ready pod for {selector} in {ns}"), || {
            let pods = self.get(&["-n", ns, "pods", "-l", selector])?;
            let live: Vec<&Value> =
                pods["items"].as_array()?.iter().filter(|p| p["metadata"]["deletionTimestamp"].is_null()).collect();
            (live.len() == 1 && pod_ready(live[0])).then(|| live[0].clone())
        })
    }
}

/// Removes terminal colour sequences (rivvend colours its logs even into files).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            chars.next();
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// A minimal HTTP/1.0 GET (no client crate needed): (status code, body). Err when nothing listens.
pub fn http_get(addr: &str, path: &str) -> Result<(u16, String), String> {
    use std::io::Read;
    use std::net::{TcpStream, ToSocketAddrs};
    let sock = addr.to_socket_addrs().map_err(|e| format!("{addr}: {e}"))?.next().ok_or(format!("{addr}: no address"))?;
    let mut s = TcpStream::connect_timeout(&sock, Duration::from_secs(3)).map_err(|e| format!("connect {addr}: {e}"))?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok();
    let host = addr.rsplit_once(':').map(|(h, _)| h).unwrap_or(addr);
    write!(s, "GET {path} HTTP/1.0\r\nHost: {host}\r\nConnection: close\r\n\r\n").map_err(|e| format!("write {addr}: {e}"))?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).map_err(|e| format!("read {addr}: {e}"))?;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split_whitespace().nth(1).and_then(|c| c.parse().ok()).ok_or(format!("no HTTP status from {addr}: {head:?}"))?;
    Ok((status, body.to_string()))
}
