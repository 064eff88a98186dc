//! Rendering (pure): one builder per kind turns validated resources into Kubernetes objects, plus
//! the topic and registry plans for what manifests cannot carry.
use serde::Serialize;
use serde_json::Value;

use crate::validate::Validated;

pub mod cluster;
pub mod common;
pub mod connect;
pub mod connect_config;
pub mod schema_registry;
pub mod topic;

/// One rendered Kubernetes object.
#[derive(Clone, Debug, PartialEq)]
pub struct RenderedObject {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace` (`None`: chosen at apply time).
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
    /// The whole object.
    pub value: Value,
}

impl RenderedObject {
    /// Wraps a typed object (k8s-openapi types serialize their own apiVersion and kind).
    pub fn new(object: &impl Serialize) -> Self {
        Self::from_value(serde_json::to_value(object).expect("Kubernetes objects serialize"))
    }

    /// Wraps an object built as JSON.
    pub fn from_value(value: Value) -> Self {
        let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).map(str::to_owned);
        Self {
            api_version: text("/apiVersion").unwrap_or_default(),
            kind: text("/kind").unwrap_or_default(),
            namespace: text("/metadata/namespace"),
            name: text("/metadata/name").unwrap_or_default(),
            value,
        }
    }

    /// Position of the kind in apply order (configuration before the workloads that read it).
    fn kind_rank(&self) -> usize {
        const ORDER: [&str; 8] = ["ConfigMap", "Secret", "Service", "NetworkPolicy", "PodDisruptionBudget", "StatefulSet", "Deployment", "ServiceMonitor"];
        ORDER.iter().position(|k| *k == self.kind).unwrap_or(ORDER.len())
    }
}

/// Everything rendered from one input set, in a stable order.
#[derive(Debug, Default)]
pub struct Rendered {
    /// The objects.
    pub objects: Vec<RenderedObject>,
}

/// Renders every validated resource. Only call it on input without errors.
pub fn render(validated: &Validated) -> Rendered {
    let mut objects = Vec::new();
    for cluster in &validated.clusters {
        objects.extend(cluster::render(&cluster.resource));
    }
    for registry in &validated.registries {
        objects.extend(schema_registry::render(&registry.resource));
    }
    for connect in &validated.connects {
        objects.extend(connect::render(&connect.resource));
    }
    objects.extend(topic::render_plans(validated));
    objects.sort_by(|a, b| {
        (a.namespace.as_deref(), a.kind_rank(), &a.kind, &a.name).cmp(&(b.namespace.as_deref(), b.kind_rank(), &b.kind, &b.name))
    });
    Rendered { objects }
}
