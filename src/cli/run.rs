//! `rivven-render run` (the in-cluster companion) and `rivven-render status` (what it sees, as a
//! table or JSON). Both need the cargo feature `companion`; without it they say so and exit 2,
//! and the offline CLI builds without kube-rs or tokio.
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgAction, Args, ValueEnum};

use super::io::sayln;
use super::EXIT_USAGE;

/// How the companion logs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Plain lines.
    Text,
    /// One JSON object per line.
    Json,
}

/// Options both commands share.
#[derive(Args, Debug)]
pub struct ClusterArgs {
    /// Namespace to watch; empty: all namespaces.
    #[arg(long, short, env = "WATCH_NAMESPACE", value_name = "NS", default_value = "")]
    pub namespace: String,
    /// A kubeconfig file (default: in-cluster configuration, then $KUBECONFIG or ~/.kube/config).
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
    /// Open this many connections per broker (rivven-client serves one request at a time on each).
    #[arg(long, value_name = "N", default_value_t = 32, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub broker_connections: u16,
    /// Follow a clusterRef into another namespace (refused by default: a team's resource could change another team's topics).
    #[arg(long)]
    pub allow_cross_namespace: bool,
    /// The cluster domain of service addresses.
    #[arg(long, value_name = "DOMAIN", default_value = "cluster.local")]
    pub cluster_domain: String,
}

/// Arguments of `run`.
#[derive(Args, Debug)]
pub struct RunArgs {
    /// Metrics server address (`/metrics`).
    #[arg(long, env = "METRICS_ADDR", value_name = "ADDR", default_value = "0.0.0.0:8080")]
    pub metrics_addr: String,
    /// Health probe address (`/healthz`, `/readyz`).
    #[arg(long, env = "HEALTH_ADDR", value_name = "ADDR", default_value = "0.0.0.0:8081")]
    pub health_addr: String,
    /// Hold a coordination.k8s.io Lease before acting (`--leader-election=false` to run alone).
    #[arg(long, env = "LEADER_ELECTION", value_name = "BOOL", default_value_t = true, num_args = 0..=1, default_missing_value = "true", action = ArgAction::Set)]
    pub leader_election: bool,
    /// Full passes this often (e.g. `60s`, `2m`); drift is corrected at least this often.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub resync: Duration,
    /// Log lines as text or JSON.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
    /// Namespace of the Lease (default: the pod's, from POD_NAMESPACE or the service account).
    #[arg(long, value_name = "NS")]
    pub lease_namespace: Option<String>,
    /// Identity in the Lease (default: POD_NAME, else host name and process id).
    #[arg(long, value_name = "NAME")]
    pub identity: Option<String>,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// How `status` prints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum StatusFormat {
    /// A table like `kubectl get`.
    Table,
    /// The reports as JSON.
    Json,
}

/// Arguments of `status`.
#[derive(Args, Debug)]
pub struct StatusArgs {
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = StatusFormat::Table)]
    pub output: StatusFormat,
    #[command(flatten)]
    pub cluster: ClusterArgs,
}

/// `60`, `60s`, `2m`, `1h`, `500ms`.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let split = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let n: u64 = number.parse().map_err(|_| format!("`{text}` is not a duration like 60s, 2m or 1h"))?;
    let seconds = match unit {
        "" | "s" => Some(n),
        "m" => n.checked_mul(60),
        "h" => n.checked_mul(3600),
        "ms" => None,
        _ => return Err(format!("`{text}`: unknown unit `{unit}` (use ms, s, m or h)")),
    };
    let d = seconds.map_or(Duration::from_millis(n), Duration::from_secs);
    if d < Duration::from_secs(1) {
        return Err(format!("`{text}` is shorter than 1s"));
    }
    if d > Duration::from_secs(86_400) {
        return Err(format!("`{text}` is longer than 24h"));
    }
    Ok(d)
}

fn check_namespace(ns: &str) -> Result<(), u8> {
    if ns.is_empty() {
        return Ok(());
    }
    crate::validate::k8s::dns1123_label(ns).map_err(|why| {
        sayln!("rivven-render: --namespace {ns}: {why}");
        EXIT_USAGE
    })
}

#[cfg(not(feature = "companion"))]
fn without_companion(command: &str) -> u8 {
    sayln!("rivven-render: `{command}` needs the in-cluster companion, which this binary was built without (cargo feature `companion`: cargo install rivven-render --features companion)");
    EXIT_USAGE
}

/// Runs `run`.
pub fn run(args: &RunArgs) -> u8 {
    if let Err(code) = check_namespace(&args.cluster.namespace) {
        return code;
    }
    #[cfg(feature = "companion")]
    {
        crate::companion::log::init(match args.log_format {
            LogFormat::Text => crate::companion::log::LogFormat::Text,
            LogFormat::Json => crate::companion::log::LogFormat::Json,
        });
        let c = &args.cluster;
        let options = crate::companion::RunOptions {
            metrics_addr: args.metrics_addr.clone(),
            health_addr: args.health_addr.clone(),
            leader_election: args.leader_election,
            namespace: Some(c.namespace.clone()).filter(|n| !n.is_empty()),
            resync: args.resync,
            kubeconfig: c.kubeconfig.clone(),
            lease_namespace: args.lease_namespace.clone(),
            identity: args.identity.clone(),
            broker_connections: usize::from(c.broker_connections),
            allow_cross_namespace: c.allow_cross_namespace,
            cluster_domain: c.cluster_domain.clone(),
        };
        crate::companion::run(options) as u8
    }
    #[cfg(not(feature = "companion"))]
    {
        without_companion("run")
    }
}

/// Runs `status`.
pub fn status(args: &StatusArgs) -> u8 {
    if let Err(code) = check_namespace(&args.cluster.namespace) {
        return code;
    }
    #[cfg(feature = "companion")]
    {
        let c = &args.cluster;
        let options = crate::companion::look::LookOptions {
            namespace: Some(c.namespace.clone()).filter(|n| !n.is_empty()),
            kubeconfig: c.kubeconfig.clone(),
            broker_connections: usize::from(c.broker_connections),
            allow_cross_namespace: c.allow_cross_namespace,
            cluster_domain: c.cluster_domain.clone(),
        };
        match crate::companion::look::look(&options) {
            Ok(reports) => {
                let text = match args.output {
                    StatusFormat::Table => crate::companion::look::table(&reports),
                    StatusFormat::Json => crate::companion::look::json(&reports),
                };
                match super::io::to_stdout(|out| std::io::Write::write_all(out, text.as_bytes())) {
                    Ok(()) => super::EXIT_OK,
                    Err(code) => code,
                }
            }
            Err(e) => {
                sayln!("rivven-render: {e}");
                1
            }
        }
    }
    #[cfg(not(feature = "companion"))]
    {
        without_companion("status")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_a_unit_and_refuse_nonsense() {
        let table = [("60", Ok(60_000)), ("60s", Ok(60_000)), ("2m", Ok(120_000)), ("1h", Ok(3_600_000)), ("24h", Ok(86_400_000)), ("1500ms", Ok(1500)), ("500ms", Err(())), ("25h", Err(())), ("18446744073709551615s", Err(())), ("18446744073709551615h", Err(())), ("1d", Err(())), ("s", Err(())), ("-1s", Err(()))];
        for (text, want) in table {
            assert_eq!(parse_duration(text).map(|d| d.as_millis() as u64).map_err(|_| ()), want, "{text}");
        }
    }
}
