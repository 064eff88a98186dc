//! Every rendered object's name, derived from its resource's name as the spec's Architecture
//! section says. Builders name objects only through these functions, and validation checks the
//! same names against Kubernetes' rules and against each other, so the two cannot disagree.
use super::{Kind, Rivven};

/// StatefulSet and client Service of a cluster.
pub fn cluster_workload(cluster: &str) -> String {
    format!("rivven-{cluster}")
}

/// Headless Service of a cluster (per-pod DNS names).
pub fn cluster_headless(cluster: &str) -> String {
    format!("rivven-{cluster}-headless")
}

/// ConfigMap of a cluster's broker settings.
pub fn cluster_config(cluster: &str) -> String {
    format!("rivven-{cluster}-config")
}

/// PodDisruptionBudget of a cluster.
pub fn cluster_pdb(cluster: &str) -> String {
    format!("rivven-{cluster}-pdb")
}

/// Topic plan ConfigMap of a cluster (from the RivvenTopics that reference it).
pub fn cluster_topics(cluster: &str) -> String {
    format!("rivven-{cluster}-topics")
}

/// Secret read for the cluster auth token when `clusterAuthSecretRef` is not set.
pub fn cluster_auth_secret(cluster: &str) -> String {
    format!("rivven-{cluster}-cluster-auth")
}

/// Deployment and Service of a RivvenConnect.
pub fn connect_workload(connect: &str) -> String {
    format!("rivven-connect-{connect}")
}

/// ConfigMap holding connect.yaml.
pub fn connect_config(connect: &str) -> String {
    format!("rivven-connect-{connect}-config")
}

/// PodDisruptionBudget of a RivvenConnect.
pub fn connect_pdb(connect: &str) -> String {
    format!("rivven-connect-{connect}-pdb")
}

/// Deployment and Service of a registry.
pub fn registry_workload(registry: &str) -> String {
    format!("rivven-schema-{registry}")
}

/// ConfigMap holding the registry plan.
pub fn registry_config(registry: &str) -> String {
    format!("rivven-schema-{registry}-config")
}

/// PodDisruptionBudget of a registry.
pub fn registry_pdb(registry: &str) -> String {
    format!("rivven-schema-{registry}-pdb")
}

/// How Kubernetes checks the name of an object of this kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NameRule {
    /// A DNS-1035 label (Services).
    Dns1035Label,
    /// A DNS-1123 subdomain (ConfigMaps, Deployments, PDBs, NetworkPolicies, ServiceMonitors).
    Subdomain,
    /// A DNS-1123 label that leaves room for the pods' `-<ordinal>` and the
    /// `controller-revision-hash` label value `<name>-<10 characters>` (StatefulSets).
    StatefulSet,
}

impl NameRule {
    /// The longest name the rule allows.
    pub fn max_len(self) -> usize {
        match self {
            NameRule::Dns1035Label => 63,
            NameRule::Subdomain => 253,
            NameRule::StatefulSet => 63 - 11,
        }
    }
}

/// An object a resource may render (optional objects included).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObjectName {
    /// `apiVersion`.
    pub api_version: &'static str,
    /// `kind`.
    pub kind: &'static str,
    /// `metadata.name`.
    pub name: String,
    /// Kubernetes' rule for the name.
    pub rule: NameRule,
}

fn object(api_version: &'static str, kind: &'static str, name: String, rule: NameRule) -> ObjectName {
    ObjectName { api_version, kind, name, rule }
}

const SERVICE: (&str, &str, NameRule) = ("v1", "Service", NameRule::Dns1035Label);
const CONFIG_MAP: (&str, &str, NameRule) = ("v1", "ConfigMap", NameRule::Subdomain);
const DEPLOYMENT: (&str, &str, NameRule) = ("apps/v1", "Deployment", NameRule::Subdomain);
const PDB: (&str, &str, NameRule) = ("policy/v1", "PodDisruptionBudget", NameRule::Subdomain);
const NETWORK_POLICY: (&str, &str, NameRule) = ("networking.k8s.io/v1", "NetworkPolicy", NameRule::Subdomain);
const SERVICE_MONITOR: (&str, &str, NameRule) = ("monitoring.coreos.com/v1", "ServiceMonitor", NameRule::Subdomain);

fn of(kind: (&'static str, &'static str, NameRule), name: String) -> ObjectName {
    object(kind.0, kind.1, name, kind.2)
}

/// Every object a resource of `kind` named `name` may render (a RivvenTopic renders none of its
/// own: see [`cluster_topics`]).
pub fn objects(kind: Kind, name: &str) -> Vec<ObjectName> {
    match kind {
        Kind::Cluster => vec![
            of(CONFIG_MAP, cluster_config(name)),
            of(SERVICE, cluster_headless(name)),
            of(SERVICE, cluster_workload(name)),
            object("apps/v1", "StatefulSet", cluster_workload(name), NameRule::StatefulSet),
            of(PDB, cluster_pdb(name)),
            of(NETWORK_POLICY, cluster_workload(name)),
            of(SERVICE_MONITOR, cluster_workload(name)),
        ],
        Kind::Connect => vec![
            of(CONFIG_MAP, connect_config(name)),
            of(SERVICE, connect_workload(name)),
            of(DEPLOYMENT, connect_workload(name)),
            of(PDB, connect_pdb(name)),
            of(NETWORK_POLICY, connect_workload(name)),
            of(SERVICE_MONITOR, connect_workload(name)),
        ],
        Kind::SchemaRegistry => vec![
            of(CONFIG_MAP, registry_config(name)),
            of(SERVICE, registry_workload(name)),
            of(DEPLOYMENT, registry_workload(name)),
            of(PDB, registry_pdb(name)),
            of(NETWORK_POLICY, registry_workload(name)),
        ],
        Kind::Topic => Vec::new(),
    }
}

/// The topic plan a RivvenTopic contributes to: shared by every topic of one cluster.
pub fn topic_plan(cluster: &str) -> ObjectName {
    of(CONFIG_MAP, cluster_topics(cluster))
}

/// `Kind/namespace/name` (or `Kind/name`) of a resource.
pub fn source_label<S>(resource: &Rivven<S>, kind: Kind) -> String {
    match resource.namespace() {
        Some(ns) => format!("{}/{ns}/{}", kind.name(), resource.name()),
        None => format!("{}/{}", kind.name(), resource.name()),
    }
}

/// How a namespace reads in messages.
pub fn namespace_label(namespace: Option<&str>) -> String {
    match namespace {
        Some(ns) => format!("namespace `{ns}`"),
        None => "the namespace chosen at apply time".to_owned(),
    }
}

/// `eventsPerSecond` -> `events_per_second`: the spec's camelCase keys in rivven-connect's spelling.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
#[test]
fn spells_keys_in_snake_case() {
    assert_eq!(snake_case("eventsPerSecond"), "events_per_second");
    assert_eq!(snake_case("format"), "format");
}
