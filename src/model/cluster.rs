//! RivvenCluster: a set of rivvend brokers run by a StatefulSet.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::{MetricsSpec, NetworkPolicySpec, PodDisruptionBudgetSpec, PodOverrides, TlsSpec};
use super::status::ResourceStatus;
use super::{DEFAULT_RIVVEN_VERSION, Rivven};

/// Desired state of a Rivven broker cluster.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct RivvenClusterSpec {
    /// Number of broker replicas. Rivven 0.0.22 runs only `1` (standalone): its cluster mode fails
    /// at start, which validation reports as a warning.
    #[schemars(range(min = 1, max = 100))]
    pub replicas: u32,
    /// Rivven version; the image tag unless `image` carries its own tag or digest.
    #[schemars(length(min = 1))]
    pub version: String,
    /// Broker image repository (or a full reference with tag or digest).
    pub image: String,
    /// Persistent storage of each broker.
    pub storage: StorageSpec,
    /// Broker configuration, passed to rivvend as flags.
    pub config: BrokerConfig,
    /// TLS of the client listener.
    pub tls: TlsSpec,
    /// Prometheus metrics.
    pub metrics: MetricsSpec,
    /// PodDisruptionBudget of the brokers.
    pub pod_disruption_budget: PodDisruptionBudgetSpec,
    /// Secret holding the cluster auth token (key `token`), required by rivvend's cluster mode
    /// (`replicas > 1`). The token itself is never written into rendered output.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_auth_secret_ref: Option<SecretKeyRef>,
    /// Seconds a broker gets to drain on shutdown (rivvend drains for about 5-7 s).
    #[schemars(range(min = 10, max = 3600))]
    pub termination_grace_period_seconds: u32,
    /// NetworkPolicy of the pods (rendered by default).
    pub network_policy: NetworkPolicySpec,
    /// Pod-level settings.
    #[serde(flatten)]
    pub pod: PodOverrides,
}

impl Default for RivvenClusterSpec {
    fn default() -> Self {
        Self {
            replicas: 3,
            version: DEFAULT_RIVVEN_VERSION.into(),
            image: crate::rivven::NEWEST.broker.image.into(),
            storage: StorageSpec::default(),
            config: BrokerConfig::default(),
            tls: TlsSpec::default(),
            metrics: MetricsSpec::default(),
            pod_disruption_budget: PodDisruptionBudgetSpec::default(),
            cluster_auth_secret_ref: None,
            termination_grace_period_seconds: 30,
            network_policy: NetworkPolicySpec::default(),
            pod: PodOverrides::default(),
        }
    }
}

/// A key of a Secret.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SecretKeyRef {
    /// Name of the Secret (in the cluster's namespace).
    #[schemars(length(min = 1))]
    pub name: String,
    /// Key in the Secret.
    #[serde(default = "default_token_key")]
    pub key: String,
}

fn default_token_key() -> String {
    "token".into()
}

/// Persistent storage of each broker.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct StorageSpec {
    /// Size of the PersistentVolumeClaim of each broker (a Kubernetes quantity such as `10Gi`).
    pub size: String,
    /// StorageClass of the claims; empty uses the cluster's default StorageClass.
    pub storage_class_name: String,
    /// Delete the claims when the cluster is deleted or scaled down. Off by default: broker data
    /// outlives the StatefulSet unless you opt in.
    pub delete_claim: bool,
}

impl Default for StorageSpec {
    fn default() -> Self {
        Self { size: "10Gi".into(), storage_class_name: String::new(), delete_claim: false }
    }
}

/// Broker configuration. Every field maps to a rivvend flag unless its description says otherwise.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct BrokerConfig {
    /// Partitions of auto-created topics (`--default-partitions`).
    #[schemars(range(min = 1, max = 1000))]
    pub default_partitions: u32,
    /// Replication factor of new topics (`--replication-factor`).
    #[schemars(range(min = 1, max = 100))]
    pub default_replication_factor: u16,
    /// Minimum in-sync replicas (`--min-isr`); at most the replication factor.
    #[schemars(range(min = 1, max = 100))]
    pub min_insync_replicas: u16,
    /// Log retention in hours. rivvend 0.0.22 has no retention flag: set `retentionMs` per topic.
    #[schemars(range(min = 1))]
    pub log_retention_hours: u32,
    /// Maximum size of a log segment in bytes (`--max-segment-size`).
    #[schemars(range(min = 1048576))]
    pub log_segment_bytes: u64,
    /// Raft heartbeat interval in milliseconds (`--raft-heartbeat-ms`).
    #[schemars(range(min = 1))]
    pub raft_heartbeat_ms: u64,
    /// Lower bound of the Raft election timeout in milliseconds (`--raft-election-min-ms`); must be
    /// greater than the heartbeat interval.
    #[schemars(range(min = 1))]
    pub raft_election_min_ms: u64,
    /// Upper bound of the Raft election timeout in milliseconds (`--raft-election-max-ms`).
    #[schemars(range(min = 1))]
    pub raft_election_max_ms: u64,
    /// Maximum connections per client IP (`--max-connections-per-ip`).
    #[schemars(range(min = 1))]
    pub max_connections_per_ip: u32,
    /// Maximum connections in total (`--max-total-connections`).
    #[schemars(range(min = 1))]
    pub max_total_connections: u32,
    /// Requests per second per client IP (`--rate-limit-per-ip`).
    #[schemars(range(min = 1))]
    pub rate_limit_per_ip: u32,
    /// Maximum request size in bytes (`--max-request-size`).
    #[schemars(range(min = 1024))]
    pub max_request_size: u64,
    /// Seconds after which idle connections are closed (`--idle-timeout-secs`).
    #[schemars(range(min = 1))]
    pub idle_timeout_secs: u64,
    /// Log level of rivvend (`--log-level`, a RUST_LOG filter).
    pub log_level: String,
}

impl Default for BrokerConfig {
    fn default() -> Self {
        Self {
            default_partitions: 3,
            default_replication_factor: 1,
            min_insync_replicas: 1,
            log_retention_hours: 168,
            log_segment_bytes: 1_073_741_824,
            raft_heartbeat_ms: 50,
            raft_election_min_ms: 150,
            raft_election_max_ms: 300,
            max_connections_per_ip: 100,
            max_total_connections: 10_000,
            rate_limit_per_ip: 10_000,
            max_request_size: 10_485_760,
            idle_timeout_secs: 120,
            log_level: "info".into(),
        }
    }
}

/// A Rivven broker cluster.
pub type RivvenCluster = Rivven<RivvenClusterSpec>;

/// Status type of RivvenCluster, written by the in-cluster mode.
pub type RivvenClusterStatus = ResourceStatus;
