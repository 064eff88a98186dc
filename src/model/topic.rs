//! RivvenTopic: a topic on a RivvenCluster's brokers, applied by the in-cluster companion.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::common::ClusterRef;
use super::Rivven;

/// Desired state of a topic.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RivvenTopicSpec {
    /// The RivvenCluster that holds the topic.
    pub cluster_ref: ClusterRef,
    /// Name of the topic on the broker; defaults to `metadata.name`. Needed for names Kubernetes
    /// cannot hold (upper case, `_`); broker topic names match `^[A-Za-z0-9][A-Za-z0-9._-]*$`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = 255), regex(pattern = r"^[A-Za-z0-9][A-Za-z0-9._-]*$"))]
    pub topic_name: Option<String>,
    /// Number of partitions (can grow, never shrink).
    #[serde(default = "default_partitions")]
    #[schemars(range(min = 1, max = 1000))]
    pub partitions: u32,
    /// Replication factor; at most the cluster's replicas. rivvend 0.0.22 applies its own
    /// `--replication-factor` to every topic.
    #[serde(default = "default_replication_factor")]
    #[schemars(range(min = 1, max = 100))]
    pub replication_factor: u16,
    /// Topic configuration sent to the broker.
    #[serde(default)]
    pub config: TopicConfig,
    /// Access control entries. Rivven 0.0.22 cannot provision ACLs: validation warns when set.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub acls: Vec<TopicAcl>,
    /// Delete the topic on the broker when this resource is removed.
    #[serde(default)]
    pub delete_on_remove: bool,
}

fn default_partitions() -> u32 {
    3
}

fn default_replication_factor() -> u16 {
    1
}

/// Topic configuration keys the broker knows.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct TopicConfig {
    /// `retention.ms`: how long messages are kept, in milliseconds (-1 = forever).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = -1))]
    pub retention_ms: Option<i64>,
    /// `retention.bytes`: how many bytes a partition keeps (-1 = unlimited).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = -1))]
    pub retention_bytes: Option<i64>,
    /// `cleanup.policy`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cleanup_policy: Option<CleanupPolicy>,
    /// `compression.type`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compression_type: Option<CompressionType>,
    /// `min.insync.replicas`; at most the replication factor.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100))]
    pub min_insync_replicas: Option<u16>,
    /// `max.message.bytes`: largest message the topic accepts.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub max_message_bytes: Option<u64>,
    /// `segment.bytes`: size of a log segment.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1024))]
    pub segment_bytes: Option<u64>,
    /// `segment.ms`: time after which a segment is rolled.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub segment_ms: Option<u64>,
}

/// `cleanup.policy` values.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CleanupPolicy {
    /// Delete old segments.
    Delete,
    /// Keep the latest value per key.
    Compact,
    /// Both.
    #[serde(rename = "compact,delete")]
    CompactDelete,
}

/// `compression.type` values.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum CompressionType {
    /// No compression.
    None,
    /// gzip.
    Gzip,
    /// Snappy.
    Snappy,
    /// LZ4.
    Lz4,
    /// Zstandard.
    Zstd,
    /// Keep the producer's compression.
    Producer,
}

/// An access control entry.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct TopicAcl {
    /// Principal, e.g. `user:order-service`.
    #[schemars(regex(pattern = r"^[A-Za-z]+:.+$"))]
    pub principal: String,
    /// Operations granted.
    #[schemars(length(min = 1))]
    pub operations: Vec<AclOperation>,
    /// Host the principal may connect from (`*` = any).
    #[serde(default = "default_acl_host")]
    pub host: String,
    /// Allow or deny.
    #[serde(default = "default_acl_permission")]
    pub permission_type: AclPermission,
}

fn default_acl_host() -> String {
    "*".into()
}

fn default_acl_permission() -> AclPermission {
    AclPermission::Allow
}

/// Operations an ACL entry can grant.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AclOperation {
    /// Read (consume).
    Read,
    /// Write (produce).
    Write,
    /// Create.
    Create,
    /// Delete.
    Delete,
    /// Alter.
    Alter,
    /// Describe.
    Describe,
    /// Alter configuration.
    AlterConfigs,
    /// Describe configuration.
    DescribeConfigs,
    /// Everything.
    All,
}

/// Whether an ACL entry allows or denies.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
pub enum AclPermission {
    /// Allow the operations.
    Allow,
    /// Deny the operations.
    Deny,
}

impl RivvenTopicSpec {
    /// The topic's name on the broker.
    pub fn broker_topic_name<'a>(&'a self, metadata_name: &'a str) -> &'a str {
        self.topic_name.as_deref().unwrap_or(metadata_name)
    }
}

/// A topic on a Rivven cluster.
pub type RivvenTopic = Rivven<RivvenTopicSpec>;
