//! What a change does to the running system: one consequence per finding, each with a closed reason.
use serde::Serialize;
use serde_json::Value;

use crate::render::ObjectRef;

/// Why a consequence is reported (closed: every rule of the analysis gives one of these).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    /// The API server rejects the change: the object must be deleted and created again.
    RequiresReplace,
    /// Pods are replaced one at a time.
    RollingRestart,
    /// Every pod stops before the new ones start (`Recreate`).
    FullStop,
    /// The workload changes but not its pod template: no pod restarts.
    NoRestart,
    /// Pods are added.
    ScaleUp,
    /// Pods are removed (brokers: with the data they hold).
    ScaleDown,
    /// A volume change no PVC can take (a smaller size, another class or access mode).
    StorageRefused,
    /// A larger volume: the PVCs must be resized separately.
    StorageResize,
    /// A workload is removed: its pods stop.
    WorkloadRemoved,
    /// A Service's type, ports or selector change: clients may lose it.
    ServiceChange,
    /// A topic is created.
    TopicAdded,
    /// A topic leaves the plan and is deleted on the broker (`deleteOnRemove: true`): its data is lost.
    TopicDeleted,
    /// A topic leaves the plan and stays on the broker (`deleteOnRemove: false`).
    TopicKept,
    /// Partitions are added to a topic.
    TopicPartitionsGrown,
    /// Fewer partitions: the broker refuses it.
    TopicPartitionsRefused,
    /// A topic config key is set or changed.
    TopicConfigChanged,
    /// A topic config key is removed: the broker default applies again.
    TopicConfigReset,
    /// A replication factor the Rivven release cannot apply per topic.
    TopicReplicationNotApplied,
    /// A registry compatibility level changes.
    RegistryCompatibility,
    /// Only a warning about the Rivven release makes the change possible.
    RivvenLimit,
}

/// How much a consequence costs: the exit code follows the worst.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Impact {
    /// Worth knowing; nothing stops.
    Info,
    /// Pods restart or clients notice.
    Restart,
    /// Refused, replaced or data lost (exit 4).
    Disruptive,
}

/// One consequence of the change.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Consequence {
    /// Why.
    pub reason: Reason,
    /// How much it costs.
    pub impact: Impact,
    /// The object it concerns.
    pub object: ObjectRef,
    /// What happens, in plain words.
    pub message: String,
    /// Exact commands, when something must be done by hand.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub commands: Vec<String>,
}

impl Consequence {
    /// A consequence without commands.
    pub fn new(reason: Reason, impact: Impact, object: &ObjectRef, message: impl Into<String>) -> Self {
        Self { reason, impact, object: object.clone(), message: message.into(), commands: Vec::new() }
    }

    /// With commands.
    pub fn commands(mut self, commands: Vec<String>) -> Self {
        self.commands = commands;
        self
    }
}

/// `Kind/name`, with the namespace when it is set: `StatefulSet/data/rivven-demo`.
pub fn object_label(object: &ObjectRef) -> String {
    match &object.namespace {
        Some(ns) => format!("{}/{ns}/{}", object.kind, object.name),
        None => format!("{}/{}", object.kind, object.name),
    }
}

/// `-n NS` for a command (a placeholder when the namespace is chosen at apply time).
pub fn namespace_flag(object: &ObjectRef) -> String {
    format!("-n {}", object.namespace.as_deref().unwrap_or("<namespace>"))
}

/// A value in one line: scalars as written, the rest as compact JSON; `(none)` when absent.
pub fn short(value: Option<&Value>) -> String {
    match value {
        None => "(none)".into(),
        Some(Value::String(s)) => s.clone(),
        Some(v) => v.to_string(),
    }
}
