//! Pieces every builder uses: names and labels, the restricted security defaults, config hashes,
//! pod scheduling knobs.
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    Affinity, Capabilities, HTTPGetAction, Probe, PodAffinityTerm, PodAntiAffinity, WeightedPodAffinityTerm, Container, ContainerPort, EnvVar, EnvVarSource, LocalObjectReference, ObjectFieldSelector, PodSecurityContext, PodSpec,
    SeccompProfile, SecurityContext, ServicePort,
};
use k8s_openapi::api::networking::v1::{NetworkPolicy, NetworkPolicyEgressRule, NetworkPolicyIngressRule, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicySpec};
use k8s_openapi::api::policy::v1::{PodDisruptionBudget, PodDisruptionBudgetSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;
use k8s_openapi::DeepMerge;
use sha2::{Digest, Sha256};

use crate::model::common::PodOverrides;
use crate::model::{Kind, Rivven};

/// Annotation naming the Rivven resource an object was rendered from.
pub const SOURCE_ANNOTATION: &str = "rivven.hupe1980.github.io/source";
/// Label telling a kind's Services apart (`client`, `headless`), so a ServiceMonitor selects one.
pub const SERVICE_ROLE_LABEL: &str = "rivven.hupe1980.github.io/service";
/// Pod-template annotation whose change rolls the pods when their configuration changes.
pub const CONFIG_HASH_ANNOTATION: &str = "rivven.hupe1980.github.io/config-hash";

/// Who an object belongs to: the source resource and the component it is part of.
pub struct Owner<'a> {
    /// Kind of the source resource.
    pub kind: Kind,
    /// Name of the source resource.
    pub name: &'a str,
    /// Namespace of the source resource (`None`: chosen at apply time).
    pub namespace: Option<&'a str>,
    /// `app.kubernetes.io/name`.
    pub app: &'static str,
    /// `app.kubernetes.io/component`.
    pub component: &'static str,
    /// `app.kubernetes.io/version`.
    pub version: &'a str,
    /// The resource's own labels, copied to every object.
    pub user_labels: &'a BTreeMap<String, String>,
}

impl<'a> Owner<'a> {
    /// The owner for a resource.
    pub fn of<S>(resource: &'a Rivven<S>, kind: Kind, app: &'static str, component: &'static str, version: &'a str) -> Self {
        Self { kind, name: resource.name(), namespace: resource.namespace(), app, component, version, user_labels: &resource.metadata.labels }
    }

    /// Labels that select the pods: stable across upgrades (selectors are immutable).
    pub fn selector_labels(&self) -> BTreeMap<String, String> {
        BTreeMap::from([
            ("app.kubernetes.io/name".to_owned(), self.app.to_owned()),
            ("app.kubernetes.io/instance".to_owned(), self.name.to_owned()),
            ("app.kubernetes.io/component".to_owned(), self.component.to_owned()),
        ])
    }

    /// Every label of a rendered object.
    pub fn labels(&self) -> BTreeMap<String, String> {
        let mut labels = self.user_labels.clone();
        labels.extend(self.selector_labels());
        labels.insert("app.kubernetes.io/part-of".into(), "rivven".into());
        labels.insert("app.kubernetes.io/managed-by".into(), "rivven-render".into());
        labels.insert("app.kubernetes.io/version".into(), label_value(self.version));
        labels
    }

    /// `Kind/namespace/name` of the source.
    pub fn source(&self) -> String {
        match self.namespace {
            Some(ns) => format!("{}/{ns}/{}", self.kind.name(), self.name),
            None => format!("{}/{}", self.kind.name(), self.name),
        }
    }

    /// Metadata of a rendered object.
    pub fn metadata(&self, name: impl Into<String>) -> ObjectMeta {
        ObjectMeta {
            name: Some(name.into()),
            namespace: self.namespace.map(str::to_owned),
            labels: Some(self.labels()),
            annotations: Some(BTreeMap::from([(SOURCE_ANNOTATION.to_owned(), self.source())])),
            ..ObjectMeta::default()
        }
    }

    /// A selector for the pods.
    pub fn selector(&self) -> LabelSelector {
        LabelSelector { match_labels: Some(self.selector_labels()), ..LabelSelector::default() }
    }
}

/// A label value: at most 63 characters of `[A-Za-z0-9._-]`, alphanumeric at both ends.
fn label_value(text: &str) -> String {
    let cleaned: String = text.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).take(63).collect();
    cleaned.trim_matches(|c: char| !c.is_ascii_alphanumeric()).to_owned()
}

/// SHA-256 (hex) of everything that must roll the pods when it changes.
pub fn config_hash(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_be_bytes());
        hasher.update(part.as_bytes());
    }
    hasher.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Pod security context meeting Pod Security `restricted`, with the user's fields merged over it.
pub fn pod_security_context(overrides: &PodOverrides, image_uid: i64) -> PodSecurityContext {
    let mut context = PodSecurityContext {
        run_as_non_root: Some(true),
        run_as_user: Some(image_uid),
        run_as_group: Some(image_uid),
        fs_group: Some(image_uid),
        fs_group_change_policy: Some("OnRootMismatch".into()),
        seccomp_profile: Some(SeccompProfile { type_: "RuntimeDefault".into(), localhost_profile: None }),
        ..PodSecurityContext::default()
    };
    if let Some(user) = &overrides.pod_security_context {
        context.merge_from((**user).clone());
    }
    context
}

/// Container security context meeting Pod Security `restricted`, with the user's fields merged.
pub fn container_security_context(overrides: &PodOverrides) -> SecurityContext {
    let mut context = SecurityContext {
        allow_privilege_escalation: Some(false),
        read_only_root_filesystem: Some(true),
        run_as_non_root: Some(true),
        capabilities: Some(Capabilities { drop: Some(vec!["ALL".into()]), add: None }),
        seccomp_profile: Some(SeccompProfile { type_: "RuntimeDefault".into(), localhost_profile: None }),
        ..SecurityContext::default()
    };
    if let Some(user) = &overrides.security_context {
        context.merge_from((**user).clone());
    }
    // A merged `drop` list replaces ours; Pod Security `restricted` needs `ALL` dropped whatever else is.
    let drop = context.capabilities.get_or_insert_with(Capabilities::default).drop.get_or_insert_with(Vec::new);
    if !drop.iter().any(|c| c == "ALL") {
        drop.insert(0, "ALL".into());
    }
    context
}

/// The pod-level knobs of a spec applied to a pod spec.
pub fn apply_pod_overrides(pod: &mut PodSpec, overrides: &PodOverrides, image_uid: i64) {
    pod.affinity = overrides.affinity.as_deref().cloned();
    pod.tolerations = non_empty(overrides.tolerations.clone());
    pod.node_selector = (!overrides.node_selector.is_empty()).then(|| overrides.node_selector.clone());
    pod.topology_spread_constraints = non_empty(overrides.topology_spread_constraints.clone());
    pod.priority_class_name = overrides.priority_class_name.clone();
    pod.service_account_name = overrides.service_account.name.clone();
    pod.automount_service_account_token = Some(overrides.service_account.automount_token);
    pod.image_pull_secrets = non_empty(overrides.image_pull_secrets.iter().map(|n| LocalObjectReference { name: n.clone() }).collect());
    pod.security_context = Some(pod_security_context(overrides, image_uid));
    // Service links would inject `<SERVICE>_PORT`-style variables that nothing reads.
    pod.enable_service_links = Some(false);
}

/// The container-level knobs of a spec applied to the main container (user env last, so it wins).
pub fn apply_container_overrides(container: &mut Container, overrides: &PodOverrides) {
    container.image_pull_policy = overrides.image_pull_policy.map(|p| format!("{p:?}"));
    container.resources = overrides.resources.as_deref().cloned();
    container.security_context = Some(container_security_context(overrides));
    if !overrides.env.is_empty() {
        container.env.get_or_insert_with(Vec::new).extend(overrides.env.iter().cloned());
    }
}

/// An env var from the downward API.
pub fn field_env(name: &str, field_path: &str) -> EnvVar {
    EnvVar {
        name: name.into(),
        value_from: Some(EnvVarSource {
            field_ref: Some(ObjectFieldSelector { field_path: field_path.into(), api_version: None }),
            ..EnvVarSource::default()
        }),
        ..EnvVar::default()
    }
}

/// A PodDisruptionBudget with an integer `maxUnavailable` (a string would be read as a percentage).
pub fn pod_disruption_budget(owner: &Owner<'_>, name: String, max_unavailable: u32) -> PodDisruptionBudget {
    PodDisruptionBudget {
        metadata: owner.metadata(name),
        spec: Some(PodDisruptionBudgetSpec {
            max_unavailable: Some(IntOrString::Int(i32::try_from(max_unavailable).unwrap_or(i32::MAX))),
            selector: Some(owner.selector()),
            ..PodDisruptionBudgetSpec::default()
        }),
        status: None,
    }
}

/// `Some(v)` unless empty.
pub fn non_empty<T>(v: Vec<T>) -> Option<Vec<T>> {
    (!v.is_empty()).then_some(v)
}

/// A prometheus-operator ServiceMonitor (no typed binding exists for it).
pub fn service_monitor(owner: &Owner<'_>, name: &str, port: &str, path: &str) -> serde_json::Value {
    let mut selector = owner.selector_labels();
    selector.insert(SERVICE_ROLE_LABEL.into(), "client".into());
    let metadata = serde_json::to_value(owner.metadata(name)).expect("metadata serializes");
    serde_json::json!({
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": metadata,
        "spec": {
            "selector": { "matchLabels": selector },
            "endpoints": [{ "port": port, "path": path, "interval": "30s" }],
        },
    })
}

/// Metadata of a Service, labelled with its role.
pub fn service_metadata(owner: &Owner<'_>, name: String, role: &str) -> ObjectMeta {
    let mut metadata = owner.metadata(name);
    metadata.labels.get_or_insert_with(BTreeMap::new).insert(SERVICE_ROLE_LABEL.into(), role.into());
    metadata
}

/// Service ports for named container ports (each Service port equals its target port).
pub fn service_ports(ports: &[(&str, i32)]) -> Vec<ServicePort> {
    ports
        .iter()
        .map(|&(name, port)| ServicePort { name: Some(name.into()), port, target_port: Some(IntOrString::String(name.into())), protocol: Some("TCP".into()), ..ServicePort::default() })
        .collect()
}

/// An HTTP GET probe of `path` on the named container port (3 s timeout).
pub fn http_probe(path: &str, port: &str, period: i32, failures: i32) -> Probe {
    Probe {
        http_get: Some(HTTPGetAction { path: Some(path.into()), port: IntOrString::String(port.into()), ..HTTPGetAction::default() }),
        period_seconds: Some(period),
        timeout_seconds: Some(3),
        failure_threshold: Some(failures),
        ..Probe::default()
    }
}

/// Named TCP container ports.
pub fn container_ports(ports: &[(&str, i32)]) -> Vec<ContainerPort> {
    ports.iter().map(|&(name, port)| ContainerPort { name: Some(name.into()), container_port: port, protocol: Some("TCP".into()), ..ContainerPort::default() }).collect()
}

/// Metadata of a pod template: the user's pod labels under ours (ours win, selectors stay intact),
/// the user's pod annotations, and the config hash when the pods read rendered configuration.
pub fn pod_template_metadata(owner: &Owner<'_>, overrides: &PodOverrides, config_hash: Option<&str>) -> ObjectMeta {
    let mut labels = overrides.pod_labels.clone();
    labels.extend(owner.labels());
    let mut annotations = overrides.pod_annotations.clone();
    if let Some(hash) = config_hash {
        annotations.insert(CONFIG_HASH_ANNOTATION.into(), hash.into());
    }
    ObjectMeta { labels: Some(labels), annotations: (!annotations.is_empty()).then_some(annotations), ..ObjectMeta::default() }
}

/// Who may send traffic to a set of ports of a NetworkPolicy: `None` is every source.
pub struct IngressRule {
    /// TCP ports.
    pub ports: Vec<i32>,
    /// Allowed sources.
    pub from: Option<Vec<NetworkPolicyPeer>>,
}

/// Pods with these labels, in any namespace.
pub fn pods_anywhere(labels: &[(&str, &str)]) -> NetworkPolicyPeer {
    NetworkPolicyPeer {
        namespace_selector: Some(LabelSelector::default()),
        pod_selector: Some(LabelSelector { match_labels: Some(labels.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()), ..LabelSelector::default() }),
        ..NetworkPolicyPeer::default()
    }
}

/// Pods of a Rivven program (`rivven-connect`, `rivven-schema`) in any namespace.
pub fn rivven_pods(app: &str) -> NetworkPolicyPeer {
    pods_anywhere(&[("app.kubernetes.io/name", app), ("app.kubernetes.io/part-of", "rivven")])
}

/// The rivven-render companion (it reads broker health and applies plans) and Prometheus.
pub fn operations_peers() -> Vec<NetworkPolicyPeer> {
    vec![pods_anywhere(&[("app.kubernetes.io/name", "rivven-render")]), pods_anywhere(&[("app.kubernetes.io/name", "prometheus")])]
}

/// The user's `allowFrom` plus `always` (a component's Rivven peers), or every source when
/// `allowFrom` is empty.
pub fn client_sources(allow_from: &[NetworkPolicyPeer], always: Vec<NetworkPolicyPeer>) -> Option<Vec<NetworkPolicyPeer>> {
    (!allow_from.is_empty()).then(|| allow_from.iter().cloned().chain(always).collect())
}

/// A NetworkPolicy for the owner's pods: ingress as the rules say; egress declared and left open
/// (one rule allowing everything), so policy checkers see both directions decided.
pub fn network_policy(owner: &Owner<'_>, name: String, rules: Vec<IngressRule>) -> NetworkPolicy {
    let ingress = rules
        .into_iter()
        .map(|rule| NetworkPolicyIngressRule {
            ports: Some(rule.ports.into_iter().map(|p| NetworkPolicyPort { port: Some(IntOrString::Int(p)), protocol: Some("TCP".into()), end_port: None }).collect()),
            from: rule.from,
        })
        .collect();
    NetworkPolicy {
        metadata: owner.metadata(name),
        spec: Some(NetworkPolicySpec {
            pod_selector: Some(owner.selector()),
            policy_types: Some(vec!["Ingress".into(), "Egress".into()]),
            ingress: Some(ingress),
            egress: Some(vec![NetworkPolicyEgressRule::default()]),
        }),
    }
}

/// With several replicas and no `affinity` of the user's, prefer one pod per node, so that one node
/// failure (or drain) does not take every replica at once.
pub fn spread_over_nodes(pod: &mut PodSpec, owner: &Owner<'_>, replicas: u32) {
    if replicas < 2 || pod.affinity.is_some() {
        return;
    }
    pod.affinity = Some(one_per_node(owner.selector()));
}

/// Prefer one pod of `selector` per node.
pub fn one_per_node(selector: LabelSelector) -> Affinity {
    Affinity {
        pod_anti_affinity: Some(PodAntiAffinity {
            preferred_during_scheduling_ignored_during_execution: Some(vec![WeightedPodAffinityTerm {
                weight: 100,
                pod_affinity_term: PodAffinityTerm { label_selector: Some(selector), topology_key: "kubernetes.io/hostname".into(), ..PodAffinityTerm::default() },
            }]),
            ..PodAntiAffinity::default()
        }),
        ..Affinity::default()
    }
}
