//! CDC event pipeline settings shared by `postgresCdc` and `mysqlCdc`: routing, partitioning, single
//! message transforms, parallel processing, the outbox pattern and health monitoring.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Dynamic routing of change events to topics.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct EventRouterSpec {
    /// Enable event routing.
    pub enabled: bool,
    /// Topic for events no rule matches.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 255), regex(pattern = crate::model::common::TOPIC_PATTERN))]
    pub default_destination: Option<String>,
    /// Dead-letter topic for events that cannot be routed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 255), regex(pattern = crate::model::common::TOPIC_PATTERN))]
    pub dead_letter_queue: Option<String>,
    /// Drop events no rule matches instead of sending them to the default destination.
    pub drop_unroutable: bool,
    /// Routing rules, tried by descending priority.
    pub rules: Vec<RouteRuleSpec>,
}

/// What a routing rule matches on.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum RouteConditionType {
    /// Every event.
    Always,
    /// Events of the table named by `conditionValue`.
    Table,
    /// Events of tables matching the regular expression in `conditionValue`.
    TablePattern,
    /// Events of the schema named by `conditionValue`.
    Schema,
    /// Events of the operation in `conditionValue` (e.g. `INSERT`, `UPDATE`, `DELETE`).
    Operation,
    /// Events whose field equals a value (`conditionValue` as `field=value`).
    FieldEquals,
    /// Events that carry the field named by `conditionValue`.
    FieldExists,
}

/// A routing rule.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RouteRuleSpec {
    /// Condition kind.
    pub condition_type: RouteConditionType,
    /// Condition value or pattern; its meaning depends on `conditionType`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_value: Option<String>,
    /// Destination topic.
    #[schemars(length(min = 1, max = 255), regex(pattern = crate::model::common::TOPIC_PATTERN))]
    pub destination: String,
    /// Rule priority; higher priorities are tried first.
    #[serde(default)]
    pub priority: i32,
}

/// Partitioning strategy of change events.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum PartitionStrategy {
    /// Spread events evenly, ignoring keys.
    RoundRobin,
    /// Hash of the key columns (or primary key).
    #[default]
    KeyHash,
    /// Hash of the table name: one partition per table.
    TableHash,
    /// Hash of the schema-qualified table name.
    FullTableHash,
    /// Stick to one partition per batch.
    Sticky,
}

/// Custom partitioning of change events.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct PartitionerSpec {
    /// Enable custom partitioning.
    pub enabled: bool,
    /// Number of partitions (1-1000).
    #[schemars(range(min = 1, max = 1000))]
    pub num_partitions: u32,
    /// Partitioning strategy.
    pub strategy: PartitionStrategy,
    /// Columns hashed by the key-based strategies; empty uses the primary key.
    pub key_columns: Vec<String>,
}

impl Default for PartitionerSpec {
    fn default() -> Self {
        Self { enabled: false, num_partitions: 16, strategy: PartitionStrategy::KeyHash, key_columns: Vec::new() }
    }
}

/// Single message transform types.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SmtTransformType {
    /// Extract the after state from change events.
    ExtractNewRecordState,
    /// Mask sensitive fields.
    MaskField,
    /// Filter events by condition.
    Filter,
    /// Flatten nested structures.
    Flatten,
    /// Cast field types.
    Cast,
    /// Add static fields.
    InsertField,
    /// Replace (rename, include, exclude) fields.
    ReplaceField,
    /// Promote value fields to the key.
    ValueToKey,
    /// Route by regular expression on the topic.
    RegexRouter,
    /// Route by content.
    ContentRouter,
    /// Route by timestamp.
    TimestampRouter,
    /// Copy a value into a header.
    HeaderFrom,
    /// Remove headers.
    DropHeaders,
    /// Set the message timestamp from a field.
    MessageTimestamp,
    /// Unwrap the CDC envelope.
    UnwrapEnvelope,
    /// Convert timestamps to another time zone.
    ConvertTimezone,
    /// Drop null fields.
    DropNull,
    /// Convert timestamp formats (rivven-connect's own; not in the upstream spec).
    TimestampConverter,
    /// Convert between time zones (rivven-connect's name of `convert_timezone`).
    TimezoneConverter,
    /// Copy envelope fields into the value (rivven-connect's own).
    HeaderToValue,
    /// Lift a nested field to the top level (rivven-connect's own).
    Unwrap,
    /// Set fields to null (rivven-connect's own).
    SetNull,
    /// Compute new fields (rivven-connect's own).
    ComputeField,
    /// Rename, include or exclude fields (rivven-connect's alias of `replace_field`).
    RenameField,
}

/// A single message transform.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SmtTransformSpec {
    /// Transform type.
    #[serde(rename = "type")]
    pub transform_type: SmtTransformType,
    /// Transform-specific configuration (free-form).
    #[serde(default)]
    pub config: Map<String, Value>,
}

/// Parallel processing of change events.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ParallelCdcSpec {
    /// Enable parallel processing.
    pub enabled: bool,
    /// Worker threads (1-64).
    #[schemars(range(min = 1, max = 64))]
    pub concurrency: u32,
    /// Buffered events per table (100-100000).
    #[schemars(range(min = 100, max = 100000))]
    pub per_table_buffer: u32,
    /// Buffered events in the output queue.
    #[schemars(range(min = 1))]
    pub output_buffer: u32,
    /// Let idle workers steal work from busy ones.
    pub work_stealing: bool,
    /// Events per second per table; unlimited when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub per_table_rate_limit: Option<u64>,
    /// Graceful shutdown timeout in seconds.
    pub shutdown_timeout_secs: u32,
}

impl Default for ParallelCdcSpec {
    fn default() -> Self {
        Self {
            enabled: false,
            concurrency: 4,
            per_table_buffer: 1000,
            output_buffer: 10_000,
            work_stealing: true,
            per_table_rate_limit: None,
            shutdown_timeout_secs: 30,
        }
    }
}

/// Transactional outbox pattern: events written to an outbox table are published.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct OutboxSpec {
    /// Enable the outbox pattern.
    pub enabled: bool,
    /// Outbox table name.
    #[schemars(length(min = 1))]
    pub table_name: String,
    /// Poll interval in milliseconds (10-60000).
    #[schemars(range(min = 10, max = 60000))]
    pub poll_interval_ms: u64,
    /// Messages per batch (1-10000).
    #[schemars(range(min = 1, max = 10000))]
    pub batch_size: u32,
    /// Delivery retries of a message.
    pub max_retries: u32,
    /// Delivery timeout in seconds.
    pub delivery_timeout_secs: u32,
    /// Deliver messages in order.
    pub ordered_delivery: bool,
    /// Retention of delivered messages in seconds (3600-2592000, i.e. 1 hour to 30 days).
    #[schemars(range(min = 3600, max = 2592000))]
    pub retention_secs: u64,
    /// Concurrent deliveries.
    #[schemars(range(min = 1))]
    pub max_concurrency: u32,
}

impl Default for OutboxSpec {
    fn default() -> Self {
        Self {
            enabled: false,
            table_name: "outbox".into(),
            poll_interval_ms: 100,
            batch_size: 100,
            max_retries: 3,
            delivery_timeout_secs: 30,
            ordered_delivery: true,
            retention_secs: 86_400,
            max_concurrency: 10,
        }
    }
}

/// Connector health monitoring with automatic recovery.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct HealthMonitorSpec {
    /// Enable health monitoring.
    pub enabled: bool,
    /// Health check interval in seconds (1-3600).
    #[schemars(range(min = 1, max = 3600))]
    pub check_interval_secs: u32,
    /// Largest acceptable lag in milliseconds.
    pub max_lag_ms: u64,
    /// Consecutive failed checks before the connector is unhealthy.
    #[schemars(range(min = 1))]
    pub failure_threshold: u32,
    /// Consecutive successful checks before the connector is healthy again.
    #[schemars(range(min = 1))]
    pub success_threshold: u32,
    /// Timeout of one health check in seconds.
    #[schemars(range(min = 1))]
    pub check_timeout_secs: u32,
    /// Recover automatically after failures.
    pub auto_recovery: bool,
    /// First recovery delay in seconds (doubles up to `maxRecoveryDelaySecs`).
    pub recovery_delay_secs: u32,
    /// Largest recovery delay in seconds.
    pub max_recovery_delay_secs: u32,
}

impl Default for HealthMonitorSpec {
    fn default() -> Self {
        Self {
            enabled: false,
            check_interval_secs: 10,
            max_lag_ms: 30_000,
            failure_threshold: 3,
            success_threshold: 2,
            check_timeout_secs: 5,
            auto_recovery: true,
            recovery_delay_secs: 1,
            max_recovery_delay_secs: 60,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::connectors::minimal;
    use serde_json::json;


    #[test]
    fn minimal_forms_are_the_documented_defaults() {
        let r: EventRouterSpec = minimal();
        assert!(!r.enabled && !r.drop_unroutable && r.rules.is_empty());
        let p: PartitionerSpec = minimal();
        assert_eq!((p.num_partitions, p.strategy), (16, PartitionStrategy::KeyHash));
        let par: ParallelCdcSpec = minimal();
        assert_eq!((par.concurrency, par.per_table_buffer, par.output_buffer), (4, 1000, 10_000));
        assert!(par.work_stealing && par.per_table_rate_limit.is_none() && par.shutdown_timeout_secs == 30);
        let o: OutboxSpec = minimal();
        assert_eq!(o, OutboxSpec::default());
        assert_eq!((o.table_name.as_str(), o.poll_interval_ms, o.retention_secs), ("outbox", 100, 86_400));
        let h: HealthMonitorSpec = minimal();
        assert_eq!(h, HealthMonitorSpec::default());
        assert_eq!((h.check_interval_secs, h.max_lag_ms, h.failure_threshold), (10, 30_000, 3));
    }

    #[test]
    fn rules_and_transforms_need_their_required_fields() {
        let r: RouteRuleSpec = serde_json::from_value(json!({"conditionType": "always", "destination": "t"})).unwrap();
        assert_eq!((r.priority, r.condition_value), (0, None));
        assert!(serde_json::from_value::<RouteRuleSpec>(json!({"conditionType": "table"})).is_err());
        let t: SmtTransformSpec = serde_json::from_value(json!({"type": "drop_null"})).unwrap();
        assert!(t.config.is_empty());
        assert!(serde_json::from_value::<SmtTransformSpec>(json!({"type": "nope"})).is_err());
    }

    #[test]
    fn every_transform_type() {
        let all = [
            "extract_new_record_state",
            "mask_field",
            "filter",
            "flatten",
            "cast",
            "insert_field",
            "replace_field",
            "value_to_key",
            "regex_router",
            "content_router",
            "timestamp_router",
            "header_from",
            "drop_headers",
            "message_timestamp",
            "unwrap_envelope",
            "convert_timezone",
            "drop_null",
            "timestamp_converter",
            "timezone_converter",
            "header_to_value",
            "unwrap",
            "set_null",
            "compute_field",
            "rename_field",
        ];
        for name in all {
            let t: SmtTransformType = serde_json::from_value(json!(name)).unwrap();
            assert_eq!(serde_json::to_value(t).unwrap(), json!(name));
        }
        let all = ["round_robin", "key_hash", "table_hash", "full_table_hash", "sticky"];
        for name in all {
            let s: PartitionStrategy = serde_json::from_value(json!(name)).unwrap();
            assert_eq!(serde_json::to_value(s).unwrap(), json!(name));
        }
    }
}
