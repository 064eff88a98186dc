//! CDC building blocks shared by `postgresCdc` and `mysqlCdc`: table selection, snapshots, signals,
//! heartbeats, deduplication, transaction and schema-change topics, tombstones, field encryption and
//! read replicas. Routing, partitioning, transforms, parallelism, outbox and health live in
//! [`super::cdc_pipeline`].
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub use super::cdc_pipeline::{
    EventRouterSpec, HealthMonitorSpec, OutboxSpec, ParallelCdcSpec, PartitionStrategy, PartitionerSpec,
    RouteConditionType, RouteRuleSpec, SmtTransformSpec, SmtTransformType,
};

/// Snapshot mode of a CDC source: when the existing rows are read before streaming changes.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SnapshotMode {
    /// Snapshot once when no offsets are stored, then stream.
    #[default]
    Initial,
    /// Snapshot at every start, then stream.
    Always,
    /// Never snapshot; stream changes only.
    Never,
    /// Snapshot when the stored offsets are missing or no longer available.
    WhenNeeded,
    /// Snapshot once and stop, without streaming.
    InitialOnly,
    /// Capture the schema only, no rows, then stream.
    SchemaOnly,
    /// Rebuild lost schema history, then stream.
    Recovery,
    /// Snapshot from an exported replication-slot snapshot (consistent with the slot).
    Exported,
    /// Snapshot driven by a custom implementation.
    Custom,
}

/// A table captured by a CDC source.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TableSpec {
    /// Schema or namespace of the table, e.g. `public`; the database default when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// Table name.
    #[schemars(length(min = 1))]
    pub table: String,
    /// Topic for this table's events instead of the connector's topic.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 255), regex(pattern = crate::model::common::TOPIC_PATTERN))]
    pub topic: Option<String>,
    /// Columns to include; empty includes all columns.
    #[serde(default)]
    pub columns: Vec<String>,
    /// Columns to exclude.
    #[serde(default)]
    pub exclude_columns: Vec<String>,
    /// Column masking rules: column name to the replacement written instead of the value.
    #[serde(default)]
    pub column_masks: BTreeMap<String, String>,
}

/// Initial data capture (snapshot) settings.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SnapshotCdcConfigSpec {
    /// Rows fetched per SELECT batch.
    #[schemars(range(min = 1))]
    pub batch_size: u32,
    /// Tables snapshotted in parallel (1-32).
    #[schemars(range(min = 1, max = 32))]
    pub parallel_tables: u32,
    /// Query timeout in seconds (10-3600).
    #[schemars(range(min = 10, max = 3600))]
    pub query_timeout_secs: u32,
    /// Delay between batches in milliseconds, for backpressure (0 = none).
    pub throttle_delay_ms: u64,
    /// Retries of a failed batch.
    pub max_retries: u32,
    /// Tables to snapshot; empty means all captured tables.
    pub include_tables: Vec<String>,
    /// Tables to leave out of the snapshot.
    pub exclude_tables: Vec<String>,
}

impl Default for SnapshotCdcConfigSpec {
    fn default() -> Self {
        Self {
            batch_size: 10_000,
            parallel_tables: 4,
            query_timeout_secs: 300,
            throttle_delay_ms: 0,
            max_retries: 3,
            include_tables: Vec::new(),
            exclude_tables: Vec::new(),
        }
    }
}

/// How an incremental snapshot marks chunk boundaries in the signal table.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WatermarkStrategy {
    /// Insert a row per watermark.
    Insert,
    /// Insert once, then update the row per watermark.
    UpdateAndInsert,
}

/// Non-blocking incremental snapshot: re-reads tables in chunks while streaming continues.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct IncrementalSnapshotSpec {
    /// Enable incremental snapshots.
    pub enabled: bool,
    /// Rows per chunk (100-100000).
    #[schemars(range(min = 100, max = 100000))]
    pub chunk_size: u32,
    /// Watermarking strategy; the connector's default when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watermark_strategy: Option<WatermarkStrategy>,
    /// Signal table used for watermarks (`schema.table`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watermark_signal_table: Option<String>,
    /// Chunks read concurrently (1-16).
    #[schemars(range(min = 1, max = 16))]
    pub max_concurrent_chunks: u32,
    /// Delay between chunks in milliseconds (0 = none).
    pub chunk_delay_ms: u64,
}

impl Default for IncrementalSnapshotSpec {
    fn default() -> Self {
        Self {
            enabled: false,
            chunk_size: 1024,
            watermark_strategy: None,
            watermark_signal_table: None,
            max_concurrent_chunks: 1,
            chunk_delay_ms: 0,
        }
    }
}

/// A channel signals (e.g. ad-hoc snapshot requests) are read from.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SignalChannel {
    /// Rows inserted into the signal table in the source database.
    Source,
    /// Messages on the signal topic.
    Topic,
    /// A signal file, polled.
    File,
    /// The worker's API.
    Api,
}

/// Signal processing for ad-hoc snapshot control.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SignalTableSpec {
    /// Enable signal processing.
    pub enabled: bool,
    /// Signal table (`schema.table`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_collection: Option<String>,
    /// Topic for signal messages (the `topic` channel).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 255), regex(pattern = crate::model::common::TOPIC_PATTERN))]
    pub topic: Option<String>,
    /// Channels signals are read from.
    pub enabled_channels: Vec<SignalChannel>,
    /// Poll interval of the file channel in milliseconds.
    #[schemars(range(min = 1))]
    pub poll_interval_ms: u64,
}

impl Default for SignalTableSpec {
    fn default() -> Self {
        Self {
            enabled: false,
            data_collection: None,
            topic: None,
            enabled_channels: Vec::new(),
            poll_interval_ms: 1000,
        }
    }
}

/// Heartbeat monitoring of the replication connection.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct HeartbeatCdcSpec {
    /// Enable heartbeat monitoring.
    pub enabled: bool,
    /// Heartbeat interval in seconds (1-3600).
    #[schemars(range(min = 1, max = 3600))]
    pub interval_secs: u32,
    /// Replication lag in seconds above which the connector is unhealthy.
    pub max_lag_secs: u32,
    /// Emit heartbeat events to `topic`.
    pub emit_events: bool,
    /// Topic for heartbeat events.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 255), regex(pattern = crate::model::common::INTERNAL_TOPIC_PATTERN))]
    pub topic: Option<String>,
    /// SQL statement executed on the source at each heartbeat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub action_query: Option<String>,
}

impl Default for HeartbeatCdcSpec {
    fn default() -> Self {
        Self {
            enabled: false,
            interval_secs: 10,
            max_lag_secs: 300,
            emit_events: false,
            topic: None,
            action_query: None,
        }
    }
}

/// Duplicate event prevention with a bloom filter and an LRU cache.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct DeduplicationCdcSpec {
    /// Enable deduplication.
    pub enabled: bool,
    /// Items the bloom filter is sized for.
    #[schemars(range(min = 1))]
    pub bloom_expected_insertions: u64,
    /// False-positive probability of the bloom filter, strictly between 0 and 1.
    #[schemars(extend("exclusiveMinimum" = 0.0, "exclusiveMaximum" = 1.0))]
    pub bloom_fpp: f64,
    /// Entries of the LRU cache.
    pub lru_size: u64,
    /// Deduplication window in seconds (60-604800).
    #[schemars(range(min = 60, max = 604800))]
    pub window_secs: u32,
}

impl Default for DeduplicationCdcSpec {
    fn default() -> Self {
        Self {
            enabled: false,
            bloom_expected_insertions: 100_000,
            bloom_fpp: 0.01,
            lru_size: 10_000,
            window_secs: 3600,
        }
    }
}

/// Transaction metadata topic (BEGIN/END events per transaction).
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct TransactionTopicSpec {
    /// Enable the transaction topic.
    pub enabled: bool,
    /// Topic for transaction metadata; the connector's default when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 255), regex(pattern = crate::model::common::INTERNAL_TOPIC_PATTERN))]
    pub topic_name: Option<String>,
    /// Include the list of affected tables.
    pub include_data_collections: bool,
    /// Minimum events in a transaction before it is emitted (0 = all).
    pub min_events_threshold: u32,
}

impl Default for TransactionTopicSpec {
    fn default() -> Self {
        Self { enabled: false, topic_name: None, include_data_collections: true, min_events_threshold: 0 }
    }
}

/// Schema change (DDL) capture.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SchemaChangeTopicSpec {
    /// Enable schema change capture.
    pub enabled: bool,
    /// Topic for schema changes; the connector's default when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 255), regex(pattern = crate::model::common::INTERNAL_TOPIC_PATTERN))]
    pub topic_name: Option<String>,
    /// Include column details.
    pub include_columns: bool,
    /// Schemas to monitor; empty means all.
    pub schemas: Vec<String>,
}

impl Default for SchemaChangeTopicSpec {
    fn default() -> Self {
        Self { enabled: false, topic_name: None, include_columns: true, schemas: Vec::new() }
    }
}

/// What a tombstone after a delete looks like.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TombstoneBehavior {
    /// A record with a null key and value.
    EmitNull,
    /// A record with the deleted row's key and a null value (log compaction friendly).
    EmitWithKey,
}

/// Tombstone handling for delete events.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct TombstoneCdcSpec {
    /// Enable tombstone handling.
    pub enabled: bool,
    /// Emit a tombstone after each delete event.
    pub after_delete: bool,
    /// Tombstone shape; the connector's default when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub behavior: Option<TombstoneBehavior>,
}

impl Default for TombstoneCdcSpec {
    fn default() -> Self {
        Self { enabled: false, after_delete: true, behavior: None }
    }
}

/// Field encryption algorithm.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EncryptionAlgorithm {
    /// AES-256 in Galois/Counter mode.
    #[default]
    #[serde(rename = "aes-256-gcm")]
    Aes256Gcm,
}

/// Field-level encryption of captured values.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct FieldEncryptionSpec {
    /// Enable field encryption.
    pub enabled: bool,
    /// Secret holding the encryption key.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key_secret_ref: Option<String>,
    /// Fields to encrypt.
    pub fields: Vec<String>,
    /// Encryption algorithm.
    pub algorithm: EncryptionAlgorithm,
}

/// Where read-replica watermarks come from.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum WatermarkSource {
    /// The primary server.
    Primary,
    /// The replica itself.
    Replica,
}

/// Capture from a PostgreSQL read replica.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ReadOnlyReplicaSpec {
    /// Enable read replica support.
    pub enabled: bool,
    /// Largest acceptable replication lag in milliseconds.
    pub lag_threshold_ms: u64,
    /// Deduplicate events seen through several replicas.
    pub deduplicate: bool,
    /// Watermark source; the connector's default when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watermark_source: Option<WatermarkSource>,
}

impl Default for ReadOnlyReplicaSpec {
    fn default() -> Self {
        Self { enabled: false, lag_threshold_ms: 5000, deduplicate: true, watermark_source: None }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::connectors::minimal;
    use serde_json::json;


    #[test]
    fn minimal_forms_are_the_documented_defaults() {
        let s: SnapshotCdcConfigSpec = minimal();
        assert_eq!((s.batch_size, s.parallel_tables, s.query_timeout_secs, s.max_retries), (10_000, 4, 300, 3));
        assert_eq!(s, SnapshotCdcConfigSpec::default());
        let i: IncrementalSnapshotSpec = minimal();
        assert_eq!((i.enabled, i.chunk_size, i.max_concurrent_chunks, i.watermark_strategy), (false, 1024, 1, None));
        assert_eq!(minimal::<SignalTableSpec>().poll_interval_ms, 1000);
        let h: HeartbeatCdcSpec = minimal();
        assert_eq!((h.interval_secs, h.max_lag_secs, h.emit_events), (10, 300, false));
        let d: DeduplicationCdcSpec = minimal();
        assert_eq!(
            (d.bloom_expected_insertions, d.bloom_fpp, d.lru_size, d.window_secs),
            (100_000, 0.01, 10_000, 3600)
        );
        let t: TransactionTopicSpec = minimal();
        assert!(t.include_data_collections && t.min_events_threshold == 0);
        assert!(minimal::<SchemaChangeTopicSpec>().include_columns);
        assert!(minimal::<TombstoneCdcSpec>().after_delete);
        assert_eq!(minimal::<FieldEncryptionSpec>().algorithm, EncryptionAlgorithm::Aes256Gcm);
        let r: ReadOnlyReplicaSpec = minimal();
        assert_eq!((r.lag_threshold_ms, r.deduplicate), (5000, true));
        assert_eq!(minimal::<ReadOnlyReplicaSpec>(), ReadOnlyReplicaSpec::default());
    }

    #[test]
    fn table_spec_needs_only_the_table() {
        let t: TableSpec = serde_json::from_value(json!({"table": "orders"})).unwrap();
        assert_eq!(t.schema, None);
        assert!(t.columns.is_empty() && t.exclude_columns.is_empty() && t.column_masks.is_empty());
        assert!(serde_json::from_value::<TableSpec>(json!({"schema": "public"})).is_err());
    }

    #[test]
    fn enum_spellings() {
        let all = [
            "initial",
            "always",
            "never",
            "when_needed",
            "initial_only",
            "schema_only",
            "recovery",
            "exported",
            "custom",
        ];
        for m in all {
            let v: SnapshotMode = serde_json::from_value(json!(m)).unwrap();
            assert_eq!(serde_json::to_value(v).unwrap(), json!(m));
        }
        assert_eq!(serde_json::to_value(WatermarkStrategy::UpdateAndInsert).unwrap(), json!("update_and_insert"));
        assert_eq!(serde_json::to_value(TombstoneBehavior::EmitWithKey).unwrap(), json!("emit_with_key"));
        assert_eq!(serde_json::to_value(EncryptionAlgorithm::Aes256Gcm).unwrap(), json!("aes-256-gcm"));
        assert!(serde_json::from_value::<SnapshotMode>(json!("WhenNeeded")).is_err());
    }
}
