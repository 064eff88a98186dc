//! Status written by the in-cluster mode (never by the offline renderer).
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Observed state of a Rivven resource.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ResourceStatus {
    /// The `metadata.generation` this status describes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
    /// Summary phase, e.g. `Ready`, `Progressing`, `Failed`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    /// Ready replicas of the workload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ready_replicas: Option<u32>,
    /// Desired replicas of the workload.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u32>,
    /// Name of the topic on the broker (RivvenTopic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub topic_name: Option<String>,
    /// Standard conditions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub conditions: Vec<Condition>,
    /// RivvenTopic: the partition count the broker reports.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partitions: Option<u32>,
    /// RivvenTopic: the configuration the broker reports for the keys the resource sets (also what
    /// the companion applied, so a key later removed from the spec is reset).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub config: std::collections::BTreeMap<String, String>,
    /// RivvenCluster: the bootstrap address clients use.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap_servers: Option<String>,
    /// RivvenCluster: each broker pod and what its `/health` says.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub brokers: Vec<MemberState>,
    /// RivvenConnect: each connector and what is observable of it (its workers' pods and `/live`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub connectors: Vec<MemberState>,
    /// RivvenSchemaRegistry: the endpoint inside the cluster.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// RivvenSchemaRegistry: the global compatibility level read back from the registry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub compatibility: Option<String>,
    /// RivvenSchemaRegistry: the per-subject levels read back, by subject.
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub subjects: std::collections::BTreeMap<String, String>,
    /// Things the companion noticed but that do not stop the resource (e.g. a plan ConfigMap that
    /// also describes this topic: the resource wins).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// One member of a resource (a broker pod, a connector) and its observed state.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct MemberState {
    /// The pod or connector name.
    pub name: String,
    /// A short state, e.g. `Healthy`, `Unhealthy`, `Live`, `NotLive`, `Unknown`.
    pub state: String,
    /// What was observed, for people.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

/// A standard Kubernetes condition.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Condition {
    /// Condition type, e.g. `Ready`.
    #[serde(rename = "type")]
    pub type_: String,
    /// `True`, `False` or `Unknown`.
    pub status: ConditionStatus,
    /// Machine-readable reason in CamelCase.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Human-readable message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// When the status last changed (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_transition_time: Option<String>,
    /// The generation the condition was computed from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_generation: Option<i64>,
}

/// Status of a condition.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConditionStatus {
    /// The condition holds.
    True,
    /// It does not.
    False,
    /// Not known yet.
    Unknown,
}
