//! What one pass reads from Kubernetes (the companion's only reads): the Rivven resources when
//! their CRDs are installed, the plan ConfigMaps any GitOps tool applied, and the pods of the
//! Rivven workloads (their state and addresses). Everything after this is decided from it.
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use serde_json::Value;

use crate::model::plan::{RegistryPlan, TopicPlan};
use crate::model::status::ResourceStatus;
use crate::model::{Kind, API_VERSION, GROUP};

/// The label every rendered object carries.
pub const MANAGED_BY: &str = "app.kubernetes.io/managed-by=rivven-render";
/// The label of every Rivven workload's pods.
pub const PART_OF: &str = "app.kubernetes.io/part-of=rivven";

/// A Rivven resource as the API server holds it.
#[derive(Clone, Debug)]
pub struct CrObject {
    /// Its kind.
    pub kind: Kind,
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// `metadata.generation`.
    pub generation: i64,
    /// `metadata.resourceVersion` (conditional writes).
    pub resource_version: String,
    /// `metadata.creationTimestamp`.
    pub created: String,
    /// Its annotations.
    pub annotations: BTreeMap<String, String>,
    /// Its finalizers.
    pub finalizers: Vec<String>,
    /// Whether it is being deleted.
    pub deleting: bool,
    /// The document the compile core reads: apiVersion, kind, name, namespace, labels,
    /// annotations (not kubectl's copy of the last applied object) and spec.
    pub document: Value,
    /// Its status as last written.
    pub status: ResourceStatus,
}

impl CrObject {
    /// `Kind/namespace/name`, as plans name their source.
    pub fn id(&self) -> String {
        format!("{}/{}/{}", self.kind.name(), self.namespace, self.name)
    }

    /// A field of its spec.
    pub fn spec(&self, pointer: &str) -> Option<&Value> {
        self.document.pointer(&format!("/spec{pointer}"))
    }
}

/// A plan ConfigMap (a topic plan or a registry plan), read without CRDs.
#[derive(Clone, Debug)]
pub struct PlanMap {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// `app.kubernetes.io/instance`: the cluster or registry it belongs to.
    pub instance: String,
    /// The plan it holds, or why it could not be read.
    pub plan: Result<PlanContent, String>,
}

/// What a plan ConfigMap holds.
#[derive(Clone, Debug)]
pub enum PlanContent {
    /// `topics.json`.
    Topics(TopicPlan),
    /// `registry-plan.json`.
    Registry(RegistryPlan),
}

/// A pod of a Rivven workload, as far as the companion looks at it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PodView {
    /// Its namespace.
    pub namespace: String,
    /// Its name.
    pub name: String,
    /// Its uid (a re-created pod has another).
    pub uid: String,
    /// Its labels.
    pub labels: BTreeMap<String, String>,
    /// `status.podIP`.
    pub ip: Option<String>,
    /// The Ready condition.
    pub ready: bool,
    /// `status.phase`.
    pub phase: String,
    /// Restarts of its containers, summed (a restarted broker forgets topic configs).
    pub restarts: i32,
    /// Named container ports.
    pub ports: BTreeMap<String, u16>,
}

impl PodView {
    /// Whether it belongs to `instance` of the workload `name` (`app.kubernetes.io/name`).
    pub fn is(&self, namespace: &str, name: &str, instance: &str) -> bool {
        self.namespace == namespace && self.labels.get("app.kubernetes.io/name").map(String::as_str) == Some(name) && self.labels.get("app.kubernetes.io/instance").map(String::as_str) == Some(instance)
    }

    /// `ip:port` of a named port (or `default`), when the pod has an address.
    pub fn address(&self, port: &str, default: u16) -> Option<String> {
        Some(format!("{}:{}", self.ip.as_deref()?, self.ports.get(port).copied().unwrap_or(default)))
    }
}

/// Everything one pass reads.
#[derive(Clone, Debug, Default)]
pub struct World {
    /// Whether the Rivven CRDs are installed.
    pub crds: bool,
    /// The Rivven resources (none without CRDs).
    pub resources: Vec<CrObject>,
    /// The plan ConfigMaps.
    pub plan_maps: Vec<PlanMap>,
    /// The pods of Rivven workloads.
    pub pods: Vec<PodView>,
}

/// The API resource of a kind.
pub fn api_resource(kind: Kind) -> ApiResource {
    ApiResource { group: GROUP.into(), version: API_VERSION.rsplit('/').next().unwrap_or("v1alpha1").into(), api_version: API_VERSION.into(), kind: kind.name().into(), plural: kind.plural().into() }
}

/// A namespaced or cluster-wide API for a built-in kind.
pub fn typed<K>(client: &kube::Client, namespace: Option<&str>) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()> + Clone + serde::de::DeserializeOwned + std::fmt::Debug,
{
    match namespace {
        Some(ns) => Api::namespaced(client.clone(), ns),
        None => Api::all(client.clone()),
    }
}

/// A namespaced or cluster-wide API for a Rivven kind.
pub fn dynamic(client: &kube::Client, namespace: Option<&str>, kind: Kind) -> Api<DynamicObject> {
    match namespace {
        Some(ns) => Api::namespaced_with(client.clone(), ns, &api_resource(kind)),
        None => Api::all_with(client.clone(), &api_resource(kind)),
    }
}

/// Reads everything one pass needs from `namespace` (`None`: all namespaces).
pub async fn read(client: &kube::Client, namespace: Option<&str>) -> Result<World, String> {
    let crds = match client.list_api_group_resources(API_VERSION).await {
        Ok(list) => list.resources.iter().any(|r| r.name == Kind::Topic.plural()),
        Err(kube::Error::Api(s)) if s.code == 404 => false,
        Err(e) => return Err(format!("asking the API server whether the Rivven CRDs are installed: {e}")),
    };
    let mut resources = Vec::new();
    if crds {
        for kind in Kind::ALL {
            match dynamic(client, namespace, kind).list(&ListParams::default()).await {
                Ok(list) => resources.extend(list.items.into_iter().map(|o| cr_object(kind, o))),
                // One CRD of the four not installed: the others still count.
                Err(kube::Error::Api(s)) if s.code == 404 => {}
                Err(e) => return Err(format!("listing {}: {e}", kind.plural())),
            }
        }
    }
    let maps = typed::<ConfigMap>(client, namespace).list(&ListParams::default().labels(MANAGED_BY)).await.map_err(|e| format!("listing plan ConfigMaps: {e}"))?;
    let plan_maps = maps.items.into_iter().filter_map(plan_map).collect();
    let pods = typed::<Pod>(client, namespace).list(&ListParams::default().labels(PART_OF)).await.map_err(|e| format!("listing pods: {e}"))?;
    let pods = pods.items.into_iter().map(pod_view).collect();
    Ok(World { crds, resources, plan_maps, pods })
}

fn cr_object(kind: Kind, object: DynamicObject) -> CrObject {
    let meta = &object.metadata;
    // kubectl's copy of the last applied object is neither the resource's nor ours to read.
    let mut annotations: BTreeMap<String, String> = meta.annotations.clone().unwrap_or_default().into_iter().collect();
    annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
    let status = object.data.get("status").cloned().and_then(|s| serde_json::from_value(s).ok()).unwrap_or_default();
    let mut document_meta = serde_json::Map::new();
    document_meta.insert("name".into(), meta.name.clone().unwrap_or_default().into());
    document_meta.insert("namespace".into(), meta.namespace.clone().unwrap_or_default().into());
    if let Some(labels) = &meta.labels {
        document_meta.insert("labels".into(), serde_json::to_value(labels).unwrap_or_default());
    }
    if !annotations.is_empty() {
        document_meta.insert("annotations".into(), serde_json::to_value(&annotations).unwrap_or_default());
    }
    let mut document = serde_json::Map::new();
    document.insert("apiVersion".into(), API_VERSION.into());
    document.insert("kind".into(), kind.name().into());
    document.insert("metadata".into(), Value::Object(document_meta));
    if let Some(spec) = object.data.get("spec") {
        document.insert("spec".into(), spec.clone());
    }
    CrObject {
        kind,
        namespace: meta.namespace.clone().unwrap_or_default(),
        name: meta.name.clone().unwrap_or_default(),
        generation: meta.generation.unwrap_or(0),
        resource_version: meta.resource_version.clone().unwrap_or_default(),
        created: meta.creation_timestamp.as_ref().map(|t| t.0.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()).unwrap_or_default(),
        annotations,
        finalizers: meta.finalizers.clone().unwrap_or_default(),
        deleting: meta.deletion_timestamp.is_some(),
        document: Value::Object(document),
        status,
    }
}

fn plan_map(map: ConfigMap) -> Option<PlanMap> {
    let labels = map.metadata.labels.clone().unwrap_or_default();
    let data = map.data.clone().unwrap_or_default();
    let plan = if let Some(text) = data.get("topics.json") {
        serde_json::from_str(text).map(PlanContent::Topics).map_err(|e| format!("topics.json: {e}"))
    } else if let Some(text) = data.get("registry-plan.json") {
        serde_json::from_str(text).map(PlanContent::Registry).map_err(|e| format!("registry-plan.json: {e}"))
    } else {
        return None;
    };
    Some(PlanMap { namespace: map.metadata.namespace.unwrap_or_default(), name: map.metadata.name.unwrap_or_default(), instance: labels.get("app.kubernetes.io/instance").cloned().unwrap_or_default(), plan })
}

fn pod_view(pod: Pod) -> PodView {
    let status = pod.status.unwrap_or_default();
    let ready = status.conditions.iter().flatten().any(|c| c.type_ == "Ready" && c.status == "True");
    let restarts = status.container_statuses.iter().flatten().map(|c| c.restart_count).sum();
    let ports = pod.spec.iter().flat_map(|s| &s.containers).flat_map(|c| c.ports.iter().flatten()).filter_map(|p| Some((p.name.clone()?, u16::try_from(p.container_port).ok()?))).collect();
    PodView {
        namespace: pod.metadata.namespace.unwrap_or_default(),
        name: pod.metadata.name.unwrap_or_default(),
        uid: pod.metadata.uid.unwrap_or_default(),
        labels: pod.metadata.labels.unwrap_or_default().into_iter().collect(),
        ip: status.pod_ip.filter(|ip| !ip.is_empty()),
        ready: ready && pod.metadata.deletion_timestamp.is_none(),
        phase: status.phase.unwrap_or_default(),
        restarts,
        ports,
    }
}
