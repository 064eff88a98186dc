//! The four Rivven kinds and their shared types.
//!
//! Conventions (follow them in every new type):
//! - `#[serde(rename_all = "camelCase")]`; closed sets are enums; counts and sizes are unsigned;
//!   every field has a doc comment (it becomes the schema description).
//! - Defaults are defined once: a struct whose fields all have defaults uses container-level
//!   `#[serde(default)]` plus a hand-written `impl Default`; schemars copies those values into the
//!   schema. Mixed structs use field-level `#[serde(default = "fn")]`; required fields have none.
//! - Unknown fields are rejected by the generated schema (every object gets
//!   `additionalProperties: false`, see `crate::schema`), not by serde, so that flattened pod knobs work.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

pub mod cluster;
pub mod common;
pub mod connect;
pub mod connectors;
pub mod names;
pub mod plan;
pub mod schema_registry;
pub mod secrets;
pub mod status;
pub mod topic;

/// The serde spelling of an enum value (`compact,delete`, `lz4`, `verify-full`).
pub fn spelling<T: Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

pub use cluster::{RivvenCluster, RivvenClusterSpec};
pub use common::ObjectMeta;
pub use connect::{RivvenConnect, RivvenConnectSpec};
pub use schema_registry::{RivvenSchemaRegistry, RivvenSchemaRegistrySpec};
pub use status::ResourceStatus;
pub use topic::{RivvenTopic, RivvenTopicSpec};

/// API group of the Rivven kinds.
pub const GROUP: &str = "rivven.hupe1980.github.io";
/// API version of the Rivven kinds.
pub const VERSION: &str = "v1alpha1";
/// `apiVersion` of the Rivven kinds.
pub const API_VERSION: &str = "rivven.hupe1980.github.io/v1alpha1";

/// apiVersion of rivven-render's own config (`RivvenRender`: a KRM functionConfig, an Argo CD
/// application's `rivven-render.yaml`): not a Rivven resource, never sent to a cluster.
pub const RENDER_CONFIG_API_VERSION: &str = "rivven-render.github.io/v1alpha1";
/// kind of rivven-render's own config.
pub const RENDER_CONFIG_KIND: &str = "RivvenRender";
/// Labels rivven-render sets on every rendered object (a spec's own values for them are not used).
pub const RESERVED_LABELS: [&str; 6] = [
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "app.kubernetes.io/managed-by",
    "app.kubernetes.io/version",
];
/// The Rivven release the rendered workloads run unless a resource names another `version`.
pub const DEFAULT_RIVVEN_VERSION: &str = crate::rivven::NEWEST.version;

/// A Rivven custom resource: the Kubernetes envelope around a kind's spec.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct Rivven<S> {
    /// Always [`API_VERSION`].
    pub api_version: String,
    /// The kind's name.
    pub kind: String,
    /// Object metadata.
    pub metadata: ObjectMeta,
    /// Desired state.
    pub spec: S,
    /// Observed state, written by the in-cluster mode; ignored when rendering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ResourceStatus>,
}

impl<S> Rivven<S> {
    /// Namespace of the resource, `None` when the manifest leaves it to apply time.
    pub fn namespace(&self) -> Option<&str> {
        self.metadata.namespace.as_deref()
    }

    /// Name of the resource.
    pub fn name(&self) -> &str {
        &self.metadata.name
    }
}

/// The four kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// RivvenCluster.
    Cluster,
    /// RivvenConnect.
    Connect,
    /// RivvenTopic.
    Topic,
    /// RivvenSchemaRegistry.
    SchemaRegistry,
}

impl Kind {
    /// Every kind, in rendering order.
    pub const ALL: [Kind; 4] = [Kind::Cluster, Kind::Topic, Kind::SchemaRegistry, Kind::Connect];

    /// The `kind` field's value.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Cluster => "RivvenCluster",
            Kind::Connect => "RivvenConnect",
            Kind::Topic => "RivvenTopic",
            Kind::SchemaRegistry => "RivvenSchemaRegistry",
        }
    }

    /// The kind for a `kind` field's value.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == name)
    }

    /// Plural resource name, as in the CRD.
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Cluster => "rivvenclusters",
            Kind::Connect => "rivvenconnects",
            Kind::Topic => "rivventopics",
            Kind::SchemaRegistry => "rivvenschemaregistries",
        }
    }

    /// Short names, chosen to collide with no built-in kind (`rc` is ReplicationController).
    pub fn short_names(self) -> &'static [&'static str] {
        match self {
            Kind::Cluster => &["rvc"],
            Kind::Connect => &["rvcn"],
            Kind::Topic => &["rvt"],
            Kind::SchemaRegistry => &["rvsr"],
        }
    }
}

/// Marker for the spec types, tying each to its kind.
pub trait KindSpec: JsonSchema + Serialize + for<'de> Deserialize<'de> {
    /// The kind this spec belongs to.
    const KIND: Kind;
    /// Fields the schema requires although the Rust type defaults them (container-level
    /// `#[serde(default)]` cannot mark single fields required).
    const REQUIRED_FIELDS: &'static [&'static str] = &[];
}

impl KindSpec for RivvenClusterSpec {
    const KIND: Kind = Kind::Cluster;
}
impl KindSpec for RivvenConnectSpec {
    const KIND: Kind = Kind::Connect;
    const REQUIRED_FIELDS: &'static [&'static str] = &["clusterRef"];
}
impl KindSpec for RivvenTopicSpec {
    const KIND: Kind = Kind::Topic;
}
impl KindSpec for RivvenSchemaRegistrySpec {
    const KIND: Kind = Kind::SchemaRegistry;
    const REQUIRED_FIELDS: &'static [&'static str] = &["clusterRef"];
}
