//! The plans: what manifests cannot carry, rendered into ConfigMaps for the in-cluster companion
//! to apply (topics on the brokers, compatibility levels on the registry). The companion reads them
//! with these same types; their JSON Schemas are in `schemas/`.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::schema_registry::CompatibilityLevel;

/// The topics of one cluster (ConfigMap `rivven-{cluster}-topics`, key `topics.json`).
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TopicPlan {
    /// The RivvenCluster's name.
    pub cluster: String,
    /// The desired topics, by broker name.
    pub topics: Vec<PlannedTopic>,
}

/// One desired topic.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PlannedTopic {
    /// The broker's topic name.
    pub name: String,
    /// Number of partitions.
    pub partitions: u32,
    /// Replication factor.
    pub replication_factor: u16,
    /// Topic configuration under the broker's own keys, values as strings.
    pub config: BrokerTopicConfig,
    /// Whether the companion deletes the broker topic when the RivvenTopic is removed.
    pub delete_on_remove: bool,
    /// `RivvenTopic/namespace/name` of the resource it comes from.
    pub source: String,
}

/// A topic's configuration as the broker spells it.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct BrokerTopicConfig {
    /// `retention.ms`.
    #[serde(rename = "retention.ms", default, skip_serializing_if = "Option::is_none")]
    pub retention_ms: Option<String>,
    /// `retention.bytes`.
    #[serde(rename = "retention.bytes", default, skip_serializing_if = "Option::is_none")]
    pub retention_bytes: Option<String>,
    /// `cleanup.policy`.
    #[serde(rename = "cleanup.policy", default, skip_serializing_if = "Option::is_none")]
    pub cleanup_policy: Option<String>,
    /// `compression.type`.
    #[serde(rename = "compression.type", default, skip_serializing_if = "Option::is_none")]
    pub compression_type: Option<String>,
    /// `min.insync.replicas`.
    #[serde(rename = "min.insync.replicas", default, skip_serializing_if = "Option::is_none")]
    pub min_insync_replicas: Option<String>,
    /// `max.message.bytes`.
    #[serde(rename = "max.message.bytes", default, skip_serializing_if = "Option::is_none")]
    pub max_message_bytes: Option<String>,
    /// `segment.bytes`.
    #[serde(rename = "segment.bytes", default, skip_serializing_if = "Option::is_none")]
    pub segment_bytes: Option<String>,
    /// `segment.ms`.
    #[serde(rename = "segment.ms", default, skip_serializing_if = "Option::is_none")]
    pub segment_ms: Option<String>,
}

/// What a registry's API must be told after start (ConfigMap `rivven-schema-{name}-config`, key
/// `registry-plan.json`): rivven-schema ignores `--compatibility`, so the companion sets the levels
/// with `PUT /config` and `PUT /config/{subject}`.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RegistryPlan {
    /// The registry's URL inside the cluster.
    pub registry: String,
    /// The global compatibility level.
    pub compatibility: CompatibilityLevel,
    /// Per-subject levels, by subject.
    pub subjects: Vec<SubjectCompatibility>,
}

/// One subject's compatibility level.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SubjectCompatibility {
    /// The subject.
    pub subject: String,
    /// Its level.
    pub compatibility: CompatibilityLevel,
}

/// A plan as the ConfigMap holds it: pretty JSON with a final newline.
pub fn to_text<T: Serialize>(plan: &T) -> String {
    let mut text = serde_json::to_string_pretty(plan).expect("plans serialize");
    text.push('\n');
    text
}
