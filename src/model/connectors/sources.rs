//! Typed source connector configurations: the built-in sources (CDC, HTTP, datagen) and the
//! container flattened into `SourceConnectorSpec`. Queue sources live in [`super::queue_sources`].
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::cdc::{
    DeduplicationCdcSpec, EventRouterSpec, FieldEncryptionSpec, HealthMonitorSpec, HeartbeatCdcSpec,
    IncrementalSnapshotSpec, OutboxSpec, ParallelCdcSpec, PartitionerSpec, ReadOnlyReplicaSpec, SchemaChangeTopicSpec,
    SignalTableSpec, SmtTransformSpec, SnapshotCdcConfigSpec, SnapshotMode, TableSpec, TombstoneCdcSpec,
    TransactionTopicSpec,
};
pub use super::queue_sources::{ExternalSourceConfig, MqttSourceConfig, PubSubSourceConfig, SqsSourceConfig};

/// Typed source configurations; at most one is set, matching `connector`.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct TypedSourceConfig {
    /// Typed config of a `postgres-cdc` source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub postgres_cdc: Option<Box<PostgresCdcConfig>>,
    /// Typed config of a `mysql-cdc` source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mysql_cdc: Option<Box<MysqlCdcConfig>>,
    /// Typed config of an `http` source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<Box<HttpSourceConfig>>,
    /// Typed config of a `datagen` source.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datagen: Option<Box<DatagenConfig>>,
    /// Typed config of an `external-source` source (rivven-queue).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_source: Option<Box<ExternalSourceConfig>>,
    /// Typed config of an `mqtt-source` source (rivven-queue).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mqtt: Option<Box<MqttSourceConfig>>,
    /// Typed config of an `sqs-source` source (rivven-queue).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sqs: Option<Box<SqsSourceConfig>>,
    /// Typed config of a `pubsub-source` source (rivven-queue).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pubsub: Option<Box<PubSubSourceConfig>>,
}

super::typed_config_accessors!(TypedSourceConfig {
    postgres_cdc => "postgresCdc",
    mysql_cdc => "mysqlCdc",
    http => "http",
    datagen => "datagen",
    external_source => "externalSource",
    mqtt => "mqtt",
    sqs => "sqs",
    pubsub => "pubsub",
});

/// Logical decoding output plugin of PostgreSQL.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DecodingPlugin {
    /// The built-in `pgoutput` plugin (PostgreSQL 10+).
    #[default]
    Pgoutput,
    /// The `wal2json` extension.
    Wal2json,
    /// The `decoderbufs` extension (Protocol Buffers).
    Decoderbufs,
}

/// PostgreSQL change data capture (logical replication). Connection settings (host, port, user,
/// password, database) come from `configSecretRef`.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct PostgresCdcConfig {
    /// Replication slot name; `rivven_<namespace>_<resource>_<source>` when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slot_name: Option<String>,
    /// Publication name; `rivven_<namespace>_<resource>_<source>` when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publication: Option<String>,
    /// When existing rows are snapshotted.
    pub snapshot_mode: SnapshotMode,
    /// Logical decoding plugin.
    pub decoding_plugin: DecodingPlugin,
    /// Include transaction information in events.
    pub include_transaction_metadata: bool,
    /// Heartbeat interval in milliseconds (0 = disabled).
    pub heartbeat_interval_ms: u64,
    /// Signal table for runtime control (`schema.table`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal_table: Option<String>,
    /// Tables to capture.
    pub tables: Vec<TableSpec>,
    /// Capture from a read replica.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_only_replica: Option<ReadOnlyReplicaSpec>,
    /// TLS towards the database (not in the upstream spec: rivven-connect's `tls`). Rendered as
    /// `disable` when unset, the one mode with which rivven-connect 0.0.22 starts.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls: Option<DatabaseTlsSpec>,
    /// Snapshots, signals, routing, transforms and the other CDC features shared with MySQL.
    #[serde(flatten)]
    pub features: CdcFeatures,
}

/// TLS mode of a connection to PostgreSQL, as libpq spells it.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum DatabaseTlsMode {
    /// Plain text.
    #[default]
    Disable,
    /// TLS when the server offers it.
    Prefer,
    /// TLS without certificate verification.
    Require,
    /// TLS, the server certificate verified against `caCertPath`.
    VerifyCa,
    /// As `verify-ca`, and the host name checked.
    VerifyFull,
}

/// TLS towards the database.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct DatabaseTlsSpec {
    /// TLS mode.
    pub mode: DatabaseTlsMode,
    /// CA certificate file in the worker (mounted by the user).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ca_cert_path: Option<String>,
}

/// MySQL change data capture (binlog replication). Connection settings come from
/// `configSecretRef`.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct MysqlCdcConfig {
    /// Server ID of the replication client, unique among the MySQL server's replicas; derived from
    /// the namespace, resource and source names when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub server_id: Option<u32>,
    /// When existing rows are snapshotted.
    pub snapshot_mode: SnapshotMode,
    /// Include the GTID in events.
    pub include_gtid: bool,
    /// Heartbeat interval in milliseconds (0 = disabled).
    pub heartbeat_interval_ms: u64,
    /// Topic for the schema history; derived from the connector name when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 255), regex(pattern = crate::model::common::TOPIC_PATTERN))]
    pub database_history_topic: Option<String>,
    /// Tables to capture. rivven-connect 0.0.22 cannot capture a list of tables: their schema
    /// (the MySQL database) selects the database, and their columns the column filters.
    pub tables: Vec<TableSpec>,
    /// Database to capture (not in the upstream spec: rivven-connect's `database`); taken from
    /// the tables' schema when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1))]
    pub database: Option<String>,
    /// Tables of the database not to capture, as `database.table` (not in the upstream spec:
    /// rivven-connect's `exclude_tables`).
    pub exclude_tables: Vec<String>,
    /// Snapshots, signals, routing, transforms and the other CDC features shared with PostgreSQL.
    #[serde(flatten)]
    pub features: CdcFeatures,
}

/// The advanced CDC features both CDC sources share (the spec's "Advanced CDC Configuration Types").
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct CdcFeatures {
    /// Snapshot settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<SnapshotCdcConfigSpec>,
    /// Non-blocking incremental snapshots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub incremental_snapshot: Option<IncrementalSnapshotSpec>,
    /// Signal processing for ad-hoc snapshots.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub signal: Option<SignalTableSpec>,
    /// Heartbeat monitoring.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub heartbeat: Option<HeartbeatCdcSpec>,
    /// Event deduplication.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deduplication: Option<DeduplicationCdcSpec>,
    /// Transaction metadata topic.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub transaction_topic: Option<TransactionTopicSpec>,
    /// Schema change capture.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub schema_change_topic: Option<SchemaChangeTopicSpec>,
    /// Tombstone handling.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tombstone: Option<TombstoneCdcSpec>,
    /// Field-level encryption.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_encryption: Option<FieldEncryptionSpec>,
    /// Event routing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub router: Option<EventRouterSpec>,
    /// Custom partitioning.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partitioner: Option<PartitionerSpec>,
    /// Single message transforms, applied in order.
    pub transforms: Vec<SmtTransformSpec>,
    /// Parallel processing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallel: Option<ParallelCdcSpec>,
    /// Transactional outbox pattern.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub outbox: Option<OutboxSpec>,
    /// Health monitoring.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health: Option<HealthMonitorSpec>,
}

/// HTTP method of the HTTP source.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpSourceMethod {
    /// GET.
    #[default]
    Get,
    /// POST.
    Post,
}

/// HTTP source: polls a URL and writes each response as an event.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HttpSourceConfig {
    /// URL to poll (`http://` or `https://`).
    #[schemars(regex(pattern = r"^https?://.+"))]
    pub url: String,
    /// HTTP method.
    #[serde(default)]
    pub method: HttpSourceMethod,
    /// Poll interval in milliseconds (at least 100).
    #[serde(default = "default_poll_interval_ms")]
    #[schemars(range(min = 100))]
    pub poll_interval_ms: u64,
    /// Extra request headers; put credentials in `configSecretRef` and reference them as `${KEY}`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Request timeout in milliseconds.
    #[serde(default = "default_timeout_ms")]
    #[schemars(range(min = 1))]
    pub timeout_ms: u64,
}

fn default_poll_interval_ms() -> u64 {
    60_000
}

fn default_timeout_ms() -> u64 {
    30_000
}

/// Built-in data pattern of the data generator.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DatagenPattern {
    /// Increasing sequence numbers.
    #[default]
    Sequence,
    /// Random values.
    Random,
    /// User records.
    Users,
    /// Order records.
    Orders,
    /// Generic events.
    Events,
    /// Metric samples.
    Metrics,
    /// Key/value pairs.
    KeyValue,
}

/// Data generator for testing.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct DatagenConfig {
    /// Kind of data generated.
    pub pattern: DatagenPattern,
    /// Events generated per second.
    pub events_per_second: u32,
    /// Total events to generate (0 = unlimited). A bounded source that finishes stops the whole
    /// worker.
    pub max_events: u64,
    /// Output schema type.
    #[schemars(length(min = 1))]
    pub schema_type: String,
    /// Random seed, for reproducible data; random when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

impl Default for DatagenConfig {
    fn default() -> Self {
        Self {
            pattern: DatagenPattern::Sequence,
            events_per_second: 1,
            max_events: 0,
            schema_type: "json".into(),
            seed: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::connectors::cdc::{PartitionStrategy, SmtTransformType, WatermarkStrategy};
    use serde_json::json;

    #[test]
    fn minimal_forms_are_the_documented_defaults() {
        let p: PostgresCdcConfig = serde_json::from_value(json!({})).unwrap();
        assert_eq!(p, PostgresCdcConfig::default());
        assert_eq!(
            (p.snapshot_mode, p.decoding_plugin, p.heartbeat_interval_ms),
            (SnapshotMode::Initial, DecodingPlugin::Pgoutput, 0)
        );
        assert!(p.slot_name.is_none() && p.tables.is_empty() && p.features.transforms.is_empty() && p.features.snapshot.is_none());
        let m: MysqlCdcConfig = serde_json::from_value(json!({})).unwrap();
        assert_eq!(m, MysqlCdcConfig::default());
        assert!(m.server_id.is_none() && !m.include_gtid);
        let d: DatagenConfig = serde_json::from_value(json!({})).unwrap();
        assert_eq!(d, DatagenConfig::default());
        assert_eq!(
            (d.pattern, d.events_per_second, d.max_events, d.schema_type.as_str()),
            (DatagenPattern::Sequence, 1, 0, "json")
        );
        let h: HttpSourceConfig = serde_json::from_value(json!({"url": "https://api.example.com/x"})).unwrap();
        assert_eq!((h.method, h.poll_interval_ms, h.timeout_ms), (HttpSourceMethod::Get, 60_000, 30_000));
        assert!(serde_json::from_value::<HttpSourceConfig>(json!({})).is_err());
    }

    #[test]
    fn readme_postgres_config_is_a_postgres_cdc_config() {
        let p: PostgresCdcConfig = serde_json::from_value(super::super::tests::readme_postgres_config()).unwrap();
        assert_eq!(p.slot_name.as_deref(), Some("rivven_cdc_slot"));
        assert_eq!(p.tables[1].column_masks["email"], "***@***.***");
        assert_eq!(p.features.incremental_snapshot.unwrap().watermark_strategy, Some(WatermarkStrategy::UpdateAndInsert));
        assert_eq!(p.features.snapshot.unwrap().max_retries, 3);

        let p: PostgresCdcConfig =
            serde_json::from_value(super::super::tests::readme_advanced_postgres_config()).unwrap();
        assert_eq!(p.features.partitioner.unwrap().strategy, PartitionStrategy::KeyHash);
        assert_eq!(p.features.transforms[1].transform_type, SmtTransformType::MaskField);
        assert_eq!(p.features.router.unwrap().rules.len(), 2);
        assert_eq!(p.features.deduplication.unwrap().bloom_fpp, 0.001);
    }

    #[test]
    fn accessors() {
        let mut t = TypedSourceConfig::default();
        assert!(t.set_fields().is_empty() && t.to_value().is_none());
        t.datagen = Some(Box::new(DatagenConfig { max_events: 10, ..Default::default() }));
        let (field, value) = t.to_value().unwrap();
        assert_eq!(field, "datagen");
        assert_eq!(value["maxEvents"], json!(10));
        assert_eq!(value["eventsPerSecond"], json!(1));
        let config = json!({"pattern": "orders", "maxEvents": 10}).as_object().unwrap().clone();
        let from = TypedSourceConfig::from_config("datagen", &config).unwrap();
        assert_eq!(from.datagen.unwrap().pattern, DatagenPattern::Orders);
        assert!(TypedSourceConfig::from_config("nope", &config).is_err());
        t.mysql_cdc = Some(Box::default());
        assert_eq!(t.set_fields(), vec!["mysqlCdc", "datagen"]);
    }
}
