//! RivvenConnect: rivven-connect workers running source and sink connectors.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::common::{ClusterRef, NetworkPolicySpec, PodDisruptionBudgetSpec, PodOverrides, TlsSpec};
use super::connectors::{sinks, sources};
use super::{Rivven, DEFAULT_RIVVEN_VERSION};

/// Desired state of a connect deployment.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct RivvenConnectSpec {
    /// The RivvenCluster the connectors read from and write to.
    pub cluster_ref: ClusterRef,
    /// Number of workers. Without distributed mode every worker runs every source, so validation
    /// warns above 1 when sources are configured.
    #[schemars(range(min = 0, max = 100))]
    pub replicas: u32,
    /// rivven-connect version; the image tag unless `image` carries its own tag or digest.
    #[schemars(length(min = 1))]
    pub version: String,
    /// Worker image repository (or a full reference with tag or digest).
    pub image: String,
    /// Source connectors.
    pub sources: Vec<SourceConnectorSpec>,
    /// Sink connectors.
    pub sinks: Vec<SinkConnectorSpec>,
    /// Worker settings.
    pub settings: ConnectSettings,
    /// TLS towards the broker. Rivven 0.0.22 brokers cannot serve TLS: validation warns when set.
    pub tls: TlsSpec,
    /// PodDisruptionBudget of the workers, rendered with more than one replica.
    pub pod_disruption_budget: PodDisruptionBudgetSpec,
    /// NetworkPolicy of the pods (rendered by default).
    pub network_policy: NetworkPolicySpec,
    /// Pod-level settings.
    #[serde(flatten)]
    pub pod: PodOverrides,
}

impl Default for RivvenConnectSpec {
    fn default() -> Self {
        Self {
            cluster_ref: ClusterRef::default(),
            replicas: 1,
            version: DEFAULT_RIVVEN_VERSION.into(),
            image: crate::rivven::NEWEST.connect.image.into(),
            sources: Vec::new(),
            sinks: Vec::new(),
            settings: ConnectSettings::default(),
            tls: TlsSpec::default(),
            pod_disruption_budget: PodDisruptionBudgetSpec::default(),
            network_policy: NetworkPolicySpec::default(),
            pod: PodOverrides::default(),
        }
    }
}

/// A source connector: reads from an external system and writes to a topic.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SourceConnectorSpec {
    /// Unique connector name within the resource.
    #[schemars(length(min = 1, max = 63), regex(pattern = r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$"))]
    pub name: String,
    /// Connector type, e.g. `postgres-cdc`, `mysql-cdc`, `http`, `datagen`; unknown types are
    /// accepted as custom connectors and configured through `config` only.
    #[schemars(length(min = 1))]
    pub connector: String,
    /// Target topic.
    #[schemars(length(min = 1, max = 255), regex(pattern = crate::model::common::TOPIC_PATTERN))]
    pub topic: String,
    /// Topic pattern with placeholders such as `{schema}` and `{table}` (CDC sources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_routing: Option<String>,
    /// Run this connector.
    #[serde(default = "enabled")]
    pub enabled: bool,
    /// Typed connector configuration, one per known connector type.
    #[serde(flatten)]
    pub typed: sources::TypedSourceConfig,
    /// Generic connector configuration (Kafka-Connect style); checked against the typed table of a
    /// known connector type.
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub config: Map<String, Value>,
    /// Secret whose keys become environment variables of the workers, referenced as `${KEY}` in
    /// `config`; its values never appear in rendered output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_secret_ref: Option<String>,
    /// How the connector creates its topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub topic_config: Option<SourceTopicConfigSpec>,
    /// Rate limit of the connector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitSpec>,
}

/// A sink connector: reads topics and writes to an external system.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SinkConnectorSpec {
    /// Unique connector name within the resource.
    #[schemars(length(min = 1, max = 63), regex(pattern = r"^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$"))]
    pub name: String,
    /// Connector type, e.g. `stdout`, `s3`, `http`; unknown types are accepted as custom connectors.
    #[schemars(length(min = 1))]
    pub connector: String,
    /// Topics to consume (`*` wildcards allowed).
    #[schemars(length(min = 1), inner(length(min = 1, max = 255), regex(pattern = crate::model::common::TOPIC_SUBSCRIPTION_PATTERN)))]
    pub topics: Vec<String>,
    /// Consumer group that stores the offsets.
    #[schemars(length(min = 1))]
    pub consumer_group: String,
    /// Run this connector.
    #[serde(default = "enabled")]
    pub enabled: bool,
    /// Where to start without stored offsets: `earliest`, `latest` or an RFC 3339 timestamp.
    #[serde(default = "latest")]
    #[schemars(regex(pattern = r"^(earliest|latest|\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))$"))]
    pub start_offset: String,
    /// Typed connector configuration, one per known connector type.
    #[serde(flatten)]
    pub typed: sinks::TypedSinkConfig,
    /// Generic connector configuration (Kafka-Connect style).
    #[serde(default, skip_serializing_if = "Map::is_empty")]
    pub config: Map<String, Value>,
    /// Secret whose keys become environment variables of the workers, referenced as `${KEY}` in
    /// `config`; its values never appear in rendered output.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_secret_ref: Option<String>,
    /// Rate limit of the connector.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rate_limit: Option<RateLimitSpec>,
}

/// A CDC source's configuration as its typed form, whichever way the spec wrote it.
#[derive(Debug)]
pub enum CdcConfig<'a> {
    /// postgres-cdc.
    Postgres(std::borrow::Cow<'a, sources::PostgresCdcConfig>),
    /// mysql-cdc.
    Mysql(std::borrow::Cow<'a, sources::MysqlCdcConfig>),
}

impl SourceConnectorSpec {
    /// The CDC configuration of a `postgres-cdc` or `mysql-cdc` source (`None` for the others), with
    /// the field it is written under: the connector's own typed form, or else the generic `config`
    /// read as that form. A `config` the schema accepts can still fail to read (a number past
    /// `u32`): the error says why.
    pub fn cdc_config(&self) -> Option<(&'static str, Result<CdcConfig<'_>, serde_json::Error>)> {
        use std::borrow::Cow;
        let generic = || Value::Object(self.config.clone());
        Some(match (self.connector.as_str(), &self.typed.postgres_cdc, &self.typed.mysql_cdc) {
            ("postgres-cdc", Some(c), _) => ("postgresCdc", Ok(CdcConfig::Postgres(Cow::Borrowed(&**c)))),
            ("postgres-cdc", None, _) => ("config", serde_json::from_value(generic()).map(|c| CdcConfig::Postgres(Cow::Owned(c)))),
            ("mysql-cdc", _, Some(c)) => ("mysqlCdc", Ok(CdcConfig::Mysql(Cow::Borrowed(&**c)))),
            ("mysql-cdc", _, None) => ("config", serde_json::from_value(generic()).map(|c| CdcConfig::Mysql(Cow::Owned(c)))),
            _ => return None,
        })
    }
}

fn enabled() -> bool {
    true
}

fn latest() -> String {
    "latest".into()
}

/// Topic creation by a source connector.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SourceTopicConfigSpec {
    /// Partitions of the created topic.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 1000))]
    pub partitions: Option<u32>,
    /// Replication factor of the created topic.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100))]
    pub replication_factor: Option<u16>,
    /// Create the topic when missing.
    pub auto_create: bool,
}

impl Default for SourceTopicConfigSpec {
    fn default() -> Self {
        Self { partitions: None, replication_factor: None, auto_create: true }
    }
}

/// Rate limit of a connector.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct RateLimitSpec {
    /// Events per second (0 = unlimited).
    pub events_per_second: u64,
    /// Burst capacity in events.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub burst_capacity: Option<u64>,
}

/// Worker settings.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ConnectSettings {
    /// Topic defaults.
    pub topic: TopicSettings,
    /// Retry policy.
    pub retry: RetrySettings,
    /// Health endpoint (the pods' liveness probe uses its `/live` path).
    pub health: HealthSettings,
    /// Metrics endpoint.
    pub metrics: ConnectMetricsSettings,
    /// Log level of the workers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub log_level: Option<LogLevel>,
}

/// Log levels.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// Trace.
    Trace,
    /// Debug.
    Debug,
    /// Info.
    Info,
    /// Warn.
    Warn,
    /// Error.
    Error,
}

/// Topic defaults of the workers.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicSettings {
    /// Create missing topics.
    pub auto_create: bool,
    /// Partitions of created topics.
    #[schemars(range(min = 1, max = 1000))]
    pub default_partitions: u32,
    /// Replication factor of created topics.
    #[schemars(range(min = 1, max = 100))]
    pub default_replication_factor: u16,
}

impl Default for TopicSettings {
    fn default() -> Self {
        Self { auto_create: true, default_partitions: 1, default_replication_factor: 1 }
    }
}

/// Retry policy of the workers.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct RetrySettings {
    /// Maximum retries of a failed operation.
    pub max_retries: u32,
    /// First back-off in milliseconds.
    #[schemars(range(min = 1))]
    pub initial_backoff_ms: u64,
    /// Largest back-off in milliseconds; at least `initialBackoffMs`.
    #[schemars(range(min = 1))]
    pub max_backoff_ms: u64,
    /// Growth factor of the back-off.
    #[schemars(range(min = 1.0, max = 10.0))]
    pub backoff_multiplier: f64,
}

impl Default for RetrySettings {
    fn default() -> Self {
        Self { max_retries: 10, initial_backoff_ms: 100, max_backoff_ms: 30_000, backoff_multiplier: 2.0 }
    }
}

/// Health endpoint of the workers.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct HealthSettings {
    /// Serve the health endpoint. Needed for the liveness probe; validation warns when disabled.
    pub enabled: bool,
    /// Port of the health endpoint.
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    /// Path of the health endpoint.
    pub path: String,
}

impl Default for HealthSettings {
    fn default() -> Self {
        Self { enabled: true, port: 8080, path: "/health".into() }
    }
}

/// Metrics endpoint of the workers.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ConnectMetricsSettings {
    /// Serve Prometheus metrics.
    pub enabled: bool,
    /// Port of the metrics endpoint.
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    /// Render a prometheus-operator ServiceMonitor for the workers.
    pub service_monitor_enabled: bool,
}

impl Default for ConnectMetricsSettings {
    fn default() -> Self {
        Self { enabled: true, port: 9091, service_monitor_enabled: false }
    }
}

/// A connect deployment.
pub type RivvenConnect = Rivven<RivvenConnectSpec>;
