//! The in-cluster companion (`rivven-render run`, feature `companion`): it applies what manifests
//! cannot carry (topics on the brokers, compatibility levels on the registries) and writes live
//! status. It is the only part of rivven-render that talks to Kubernetes and to Rivven; what it
//! wants comes from the same compile core as `render`, and what it does about it from the pure
//! decisions in [`crate::reconcile`].
//!
//! Shape: a loop of passes. A pass reads everything ([`world`]), decides ([`desired`]), calls the
//! brokers and registries, and writes only the status that changed. Passes run every `--resync`,
//! when a watched object really changes (a pod's readiness or address, a resource's generation,
//! a plan ConfigMap), and when a back-off ends. Only the holder of the Lease runs passes.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

pub mod broker;
pub mod clock;
pub mod desired;
pub mod http;
pub mod lease;
pub mod log;
pub mod look;
pub mod metrics;
pub mod observe;
pub mod pass;
pub mod registry;
pub mod report;
pub mod status;
pub mod topics;
pub mod watch;
pub mod world;

use metrics::Metrics;

/// How the companion runs.
#[derive(Clone, Debug)]
pub struct RunOptions {
    /// `/metrics` listens here.
    pub metrics_addr: String,
    /// `/healthz` and `/readyz` listen here.
    pub health_addr: String,
    /// Hold a Lease before acting.
    pub leader_election: bool,
    /// The namespace watched (`None`: all).
    pub namespace: Option<String>,
    /// The period of full passes.
    pub resync: Duration,
    /// A kubeconfig file (else in-cluster configuration, then the default kubeconfig).
    pub kubeconfig: Option<std::path::PathBuf>,
    /// The namespace of the Lease (else the pod's).
    pub lease_namespace: Option<String>,
    /// The identity in the Lease (else `POD_NAME`, else the host name and process id).
    pub identity: Option<String>,
    /// Connections per broker.
    pub broker_connections: usize,
    /// Follow clusterRefs into other namespaces.
    pub allow_cross_namespace: bool,
    /// The cluster domain of service addresses.
    pub cluster_domain: String,
}

/// Builds a Kubernetes client from a kubeconfig file, or in-cluster configuration, or the default.
pub async fn client(kubeconfig: Option<&std::path::Path>) -> Result<kube::Client, String> {
    let config = match kubeconfig {
        Some(path) => {
            let file = kube::config::Kubeconfig::read_from(path).map_err(|e| format!("reading kubeconfig {}: {e}", path.display()))?;
            kube::Config::from_custom_kubeconfig(file, &kube::config::KubeConfigOptions::default()).await.map_err(|e| format!("kubeconfig {}: {e}", path.display()))?
        }
        None => kube::Config::infer().await.map_err(|e| format!("no Kubernetes configuration (in-cluster or kubeconfig): {e}"))?,
    };
    kube::Client::try_from(config).map_err(|e| format!("building the Kubernetes client: {e}"))
}

/// A single-threaded runtime (the work is calls that wait; two cores are for the programs).
pub fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| format!("starting the async runtime: {e}"))
}

/// `POD_NAME` (else the host name) plus what makes this process unique: a container restarted in
/// the same pod is another candidate, so it cannot renew a lease its killed predecessor held.
fn identity(options: &RunOptions) -> String {
    if let Some(identity) = &options.identity {
        return identity.clone();
    }
    let base = std::env::var("POD_NAME").ok().filter(|s| !s.is_empty()).unwrap_or_else(|| std::fs::read_to_string("/proc/sys/kernel/hostname").map(|h| h.trim().to_owned()).unwrap_or_else(|_| "rivven-render".into()));
    let started = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.subsec_nanos()).unwrap_or(0);
    format!("{base}_{}-{started:08x}", std::process::id())
}

fn lease_namespace(options: &RunOptions) -> String {
    options
        .lease_namespace
        .clone()
        .or_else(|| std::env::var("POD_NAMESPACE").ok().filter(|s| !s.is_empty()))
        .or_else(|| std::fs::read_to_string("/var/run/secrets/kubernetes.io/serviceaccount/namespace").ok().map(|s| s.trim().to_owned()))
        .unwrap_or_else(|| "default".into())
}

/// Runs the companion until SIGTERM or SIGINT; returns the exit code.
pub fn run(options: RunOptions) -> i32 {
    let runtime = match runtime() {
        Ok(r) => r,
        Err(e) => {
            log::line("ERROR", &e, &[]);
            return 1;
        }
    };
    runtime.block_on(run_async(options))
}

async fn run_async(options: RunOptions) -> i32 {
    let metrics = Arc::new(Metrics::default());
    let ready = Arc::new(AtomicBool::new(false));
    let stop = Arc::new(AtomicBool::new(false));
    let leading = Arc::new(AtomicBool::new(!options.leader_election));
    for (addr, what) in [(&options.metrics_addr, "metrics"), (&options.health_addr, "health")] {
        let listener = match tokio::net::TcpListener::bind(addr.as_str()).await {
            Ok(l) => l,
            Err(e) => {
                log::line("ERROR", &format!("cannot listen for {what} on {addr}: {e}"), &[]);
                return 1;
            }
        };
        let (metrics, ready) = (metrics.clone(), ready.clone());
        let answer: http::Answer = Arc::new(move |path: &str| match path {
            "/metrics" => (200, "text/plain; version=0.0.4", metrics.render()),
            "/healthz" | "/livez" => (200, "text/plain", "ok\n".into()),
            "/readyz" if ready.load(Ordering::SeqCst) => (200, "text/plain", "ok\n".into()),
            "/readyz" => (503, "text/plain", "not connected to the API server yet\n".into()),
            _ => (404, "text/plain", "not found\n".into()),
        });
        tokio::spawn(http::serve(listener, answer));
    }
    let client = match client(options.kubeconfig.as_deref()).await {
        Ok(c) => c,
        Err(e) => {
            log::line("ERROR", &e, &[]);
            return 1;
        }
    };
    if let Err(e) = client.apiserver_version().await {
        log::line("ERROR", &format!("the API server does not answer: {e}"), &[]);
        return 1;
    }
    ready.store(true, Ordering::SeqCst);
    let me = identity(&options);
    log::info("companion started", &[("identity", &me), ("namespace", options.namespace.as_deref().unwrap_or("(all)")), ("leader-election", if options.leader_election { "true" } else { "false" })]);
    let elector = Arc::new(lease::Elector::new(client.clone(), &lease_namespace(&options), me, leading.clone(), metrics.clone()));
    let election = if options.leader_election {
        let (elector, stop) = (elector.clone(), stop.clone());
        Some(tokio::spawn(async move { elector.run(stop).await }))
    } else {
        metrics.set_leader(true);
        None
    };
    let wake = Arc::new(tokio::sync::Notify::new());
    watch::spawn_all(&client, options.namespace.as_deref(), wake.clone());
    let mut state = pass::State::default();
    let pass_options = pass::PassOptions { write: true, connections: options.broker_connections, allow_cross_namespace: options.allow_cross_namespace, cluster_domain: options.cluster_domain.clone(), leading: Some(leading.clone()) };
    let mut next_resync = Instant::now();
    let mut was_leading = false;
    let mut terminate = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(s) => s,
        Err(e) => {
            log::line("ERROR", &format!("cannot watch SIGTERM: {e}"), &[]);
            return 1;
        }
    };
    loop {
        let leader = leading.load(Ordering::SeqCst);
        // A new leader starts with a full pass.
        if leader && !was_leading {
            next_resync = Instant::now();
        }
        was_leading = leader;
        let deadline = state.next_retry().map_or(next_resync, |retry| retry.min(next_resync));
        let woken = tokio::select! {
            _ = terminate.recv() => break,
            _ = tokio::signal::ctrl_c() => break,
            _ = wake.notified() => true,
            _ = tokio::time::sleep_until(deadline.into()) => false,
            // Leadership is checked at least every renew period.
            _ = tokio::time::sleep(lease::RENEW) => continue,
        };
        if woken {
            // Let a burst of events settle into one pass.
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        if !leading.load(Ordering::SeqCst) {
            continue;
        }
        if Instant::now() >= next_resync {
            next_resync = Instant::now() + options.resync;
        }
        let started = Instant::now();
        let world = match world::read(&client, options.namespace.as_deref()).await {
            Ok(w) => w,
            Err(e) => {
                log::warn("reading the cluster failed; retried next pass", &[("error", &e)]);
                continue;
            }
        };
        let outcome = pass::run(&world, &mut state, &pass_options, &metrics).await;
        // Leadership may have gone during the pass: write nothing then.
        if leading.load(Ordering::SeqCst) {
            status::write(&client, &world, &outcome, &metrics, &leading).await;
        }
        metrics.pass_done();
        metrics.reconciled("pass", started.elapsed(), false);
    }
    stop.store(true, Ordering::SeqCst);
    log::info("stopping", &[]);
    // The elector first: a renewal in flight would make the release a conflict, and the lease
    // would stay held for its duration.
    if let Some(election) = election {
        election.abort();
        let _ = election.await;
        elector.release().await;
    }
    0
}
