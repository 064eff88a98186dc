//! Types shared by several kinds.
//!
//! Defaults are defined once: every struct whose fields all have defaults carries a container-level
//! `#[serde(default)]` and a hand-written `impl Default`. serde fills missing fields from that impl and
//! schemars writes the same values as `default` into the generated schema; `tests/defaults.rs` proves
//! the three agree for every kind.
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The object metadata a Rivven resource may carry in a manifest.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    /// Name of the resource; rendered object names derive from it (e.g. `rivven-{name}`).
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Namespace of the resource; rendered objects go to the same namespace. Empty means the
    /// namespace chosen at apply time (`kubectl -n`, Argo CD destination).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Labels of the resource; copied to the rendered objects.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// Annotations of the resource (not copied to rendered objects).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub annotations: BTreeMap<String, String>,
}

/// A broker topic name: rivvend 0.0.22 refuses any other (and names over 255 characters).
pub const TOPIC_PATTERN: &str = r"^[A-Za-z0-9][A-Za-z0-9._-]*$";
/// A topic a sink subscribes to: a topic name in which `*` stands for any characters.
pub const TOPIC_SUBSCRIPTION_PATTERN: &str = r"^[A-Za-z0-9*][A-Za-z0-9._*-]*$";
/// Topics the spec names Kafka-style with a leading `_` (`__cdc_heartbeat`); rivven-connect 0.0.22
/// does not write these, and rivvend would refuse the leading `_`.
pub const INTERNAL_TOPIC_PATTERN: &str = r"^[A-Za-z0-9_][A-Za-z0-9._-]*$";

/// A reference to the RivvenCluster a resource belongs to.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ClusterRef {
    /// Name of the RivvenCluster.
    #[schemars(length(min = 1, max = 253))]
    pub name: String,
    /// Namespace of the RivvenCluster; defaults to the namespace of the referring resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// Image pull policy of the container.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImagePullPolicy {
    /// Always pull the image.
    Always,
    /// Pull only when the image is not on the node.
    IfNotPresent,
    /// Never pull; the image must be on the node.
    Never,
}

/// TLS settings of a component.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct TlsSpec {
    /// Enable TLS. Rivven 0.0.22 cannot serve TLS: validation warns when this is set.
    pub enabled: bool,
    /// Secret of type kubernetes.io/tls holding `tls.crt`, `tls.key` (and optionally `ca.crt`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert_secret_name: Option<String>,
    /// Require client certificates (mutual TLS).
    pub mtls_enabled: bool,
}

/// Prometheus metrics settings.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct MetricsSpec {
    /// Expose Prometheus metrics.
    pub enabled: bool,
    /// Port of the metrics endpoint.
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    /// HTTP path of the metrics endpoint.
    pub path: String,
    /// Render a prometheus-operator ServiceMonitor (monitoring.coreos.com/v1).
    pub service_monitor_enabled: bool,
}

impl Default for MetricsSpec {
    fn default() -> Self {
        Self { enabled: true, port: 9090, path: "/metrics".into(), service_monitor_enabled: false }
    }
}

/// PodDisruptionBudget settings.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct PodDisruptionBudgetSpec {
    /// Render a PodDisruptionBudget.
    pub enabled: bool,
    /// Pods that may be unavailable at once during voluntary disruptions (an integer: a string would
    /// be read by the API server as a percentage).
    #[schemars(range(min = 0))]
    pub max_unavailable: u32,
}

impl Default for PodDisruptionBudgetSpec {
    fn default() -> Self {
        Self { enabled: true, max_unavailable: 1 }
    }
}

/// The NetworkPolicy rendered for a component's pods (ingress only; egress stays open).
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct NetworkPolicySpec {
    /// Render the NetworkPolicy.
    pub enabled: bool,
    /// Who may reach the component's client port(s): pod and namespace selectors. Empty allows every
    /// source, as in Strimzi; the component's Rivven peers are always allowed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allow_from: Vec<k8s_openapi::api::networking::v1::NetworkPolicyPeer>,
}

impl Default for NetworkPolicySpec {
    fn default() -> Self {
        Self { enabled: true, allow_from: Vec::new() }
    }
}

/// Service account of the pods.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ServiceAccountSpec {
    /// Name of an existing ServiceAccount; empty uses the namespace's `default` account.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Mount the service-account token into the pods (Rivven programs never call the Kubernetes API).
    pub automount_token: bool,
}

/// Pod-level knobs shared by every workload kind. Flattened into each spec, so they are written
/// next to `replicas` and `image` as users of other operators expect.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct PodOverrides {
    /// Pull policy of the container image; Kubernetes' default applies when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_pull_policy: Option<ImagePullPolicy>,
    /// Names of Secrets used to pull the image.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub image_pull_secrets: Vec<String>,
    /// Resource requests and limits of the main container.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub resources: Option<Box<core::ResourceRequirements>>,
    /// Scheduling affinity of the pods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub affinity: Option<Box<core::Affinity>>,
    /// Tolerations of the pods.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tolerations: Vec<core::Toleration>,
    /// Node selector of the pods.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub node_selector: BTreeMap<String, String>,
    /// Topology spread constraints of the pods.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub topology_spread_constraints: Vec<core::TopologySpreadConstraint>,
    /// Extra annotations on the pod template.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub pod_annotations: BTreeMap<String, String>,
    /// Extra labels on the pod template (the selector labels cannot be overridden).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub pod_labels: BTreeMap<String, String>,
    /// Priority class of the pods.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority_class_name: Option<String>,
    /// Service account of the pods.
    pub service_account: ServiceAccountSpec,
    /// Pod security context; merged over the restricted defaults (non-root uid/gid 65532, fsGroup,
    /// seccomp RuntimeDefault) field by field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_security_context: Option<Box<core::PodSecurityContext>>,
    /// Container security context; merged over the restricted defaults (read-only root filesystem,
    /// no privilege escalation, all capabilities dropped) field by field.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub security_context: Option<Box<core::SecurityContext>>,
    /// Extra environment variables of the main container (values, or references to Secrets and
    /// ConfigMaps).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<core::EnvVar>,
}
