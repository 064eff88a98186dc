//! Rendering (pure): one builder per kind turns validated resources into Kubernetes objects, plus
//! the topic and registry plans for what manifests cannot carry.
use serde::Serialize;
use serde_json::Value;

use crate::source::ResourceRef;
use crate::validate::Validated;

pub mod cdc_config;
pub mod cluster;
pub mod common;
pub mod companion;
pub mod connect;
pub mod connect_config;
pub mod schema_registry;
pub mod target;
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
    /// The resource it was rendered from (a topic plan: its cluster, or its first topic when the
    /// cluster is not in the input); set by [`render_each`].
    pub from: Option<ResourceRef>,
}

/// apiVersion, kind, namespace and name: what identifies an object in a cluster (serialized as
/// Kubernetes writes it: `apiVersion`, `kind`, `namespace` when set, `name`).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ObjectRef {
    /// `apiVersion`.
    pub api_version: String,
    /// `kind`.
    pub kind: String,
    /// `metadata.namespace` (`None`: chosen at apply time).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// `metadata.name`.
    pub name: String,
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
            from: None,
        }
    }

    /// What identifies the object in a cluster.
    pub fn object_ref(&self) -> ObjectRef {
        ObjectRef { api_version: self.api_version.clone(), kind: self.kind.clone(), namespace: self.namespace.clone(), name: self.name.clone() }
    }

    fn kind_rank(&self) -> usize {
        kind_rank(&self.kind)
    }
}

/// Position of a kind in apply order (configuration before the workloads that read it).
pub fn kind_rank(kind: &str) -> usize {
    const ORDER: [&str; 8] = ["ConfigMap", "Secret", "Service", "NetworkPolicy", "PodDisruptionBudget", "StatefulSet", "Deployment", "ServiceMonitor"];
    ORDER.iter().position(|k| *k == kind).unwrap_or(ORDER.len())
}

/// Choices of the environment the manifests are rendered for.
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// The cluster's DNS domain, in every rendered service address (`cluster.local` by default).
    pub cluster_domain: String,
    /// The cluster's release and APIs, when known: objects it does not serve are left out or moved.
    pub target: target::Target,
}

/// The cluster domain of a Kubernetes cluster installed with the defaults.
pub const DEFAULT_CLUSTER_DOMAIN: &str = "cluster.local";

impl Default for RenderOptions {
    fn default() -> Self {
        Self { cluster_domain: DEFAULT_CLUSTER_DOMAIN.to_owned(), target: target::Target::default() }
    }
}

/// Everything rendered from one input set, in a stable order.
#[derive(Debug, Default)]
pub struct Rendered {
    /// The objects.
    pub objects: Vec<RenderedObject>,
}

/// What renders next, in output order.
enum Unit<'a> {
    Cluster(&'a crate::model::RivvenCluster),
    TopicPlan(Box<RenderedObject>),
    Registry(&'a crate::model::RivvenSchemaRegistry),
    Connect(&'a crate::model::RivvenConnect),
}

/// Renders resource by resource and hands each object over at once, so that only one resource's
/// objects are held at a time whatever the size of the input. The order depends only on the
/// resources, never on the order of the input: by namespace, then clusters (with their topic plans),
/// registries and connects, each by name; a resource's objects in apply order (configuration, Services,
/// policies, budgets, workloads, monitors). Stops at the first error `each` returns.
pub fn render_each<E>(validated: &Validated, options: &RenderOptions, each: &mut dyn FnMut(RenderedObject) -> Result<(), E>) -> Result<(), E> {
    type Key = (Option<String>, u8, String);
    let mut units: Vec<(Key, &ResourceRef, Unit<'_>)> = Vec::new();
    let key = |ns: Option<&str>, rank: u8, name: &str| (ns.map(str::to_owned), rank, name.to_owned());
    units.extend(validated.clusters.iter().map(|c| (key(c.resource.namespace(), 0, c.resource.name()), &c.reference, Unit::Cluster(&c.resource))));
    units.extend(
        topic::render_plans(validated).into_iter().map(|(cluster, from, plan)| (key(plan.namespace.as_deref(), 1, &cluster), from, Unit::TopicPlan(Box::new(plan)))),
    );
    units.extend(validated.registries.iter().map(|r| (key(r.resource.namespace(), 2, r.resource.name()), &r.reference, Unit::Registry(&r.resource))));
    units.extend(validated.connects.iter().map(|c| (key(c.resource.namespace(), 3, c.resource.name()), &c.reference, Unit::Connect(&c.resource))));
    units.sort_by(|a, b| a.0.cmp(&b.0));
    for (_, from, unit) in units {
        let mut objects = match unit {
            Unit::Cluster(c) => cluster::render(c, options),
            Unit::TopicPlan(plan) => vec![*plan],
            Unit::Registry(r) => schema_registry::render(r, options),
            Unit::Connect(c) => connect::render(c, options),
        };
        objects.sort_by(|a, b| (a.kind_rank(), &a.kind, &a.name).cmp(&(b.kind_rank(), &b.kind, &b.name)));
        for mut object in objects {
            object.from = Some(from.clone());
            match options.target.fit(&mut object.value) {
                target::Fit::Keep => {}
                target::Fit::Changed(_) => object.api_version = object.value["apiVersion"].as_str().unwrap_or_default().to_owned(),
                target::Fit::Omitted(_) => continue,
            }
            each(object)?;
        }
    }
    Ok(())
}

/// One note per object the target cluster changed or left out (none for the default target): the
/// objects are rendered once more, without the target, to find them.
pub fn target_findings(validated: &Validated, options: &RenderOptions) -> Vec<crate::diagnostics::Diagnostic> {
    let mut findings = Vec::new();
    if options.target.is_default() {
        return findings;
    }
    let untargeted = RenderOptions { target: target::Target::default(), ..options.clone() };
    let _ = render_each(validated, &untargeted, &mut |mut object| {
        let what = format!("{} {}", object.kind, object.name);
        let message = match options.target.fit(&mut object.value) {
            target::Fit::Keep => return Ok::<(), std::convert::Infallible>(()),
            target::Fit::Changed(why) => format!("{what} changed for the target cluster: {why}"),
            target::Fit::Omitted(why) => format!("{what} left out: {why}"),
        };
        findings.push(crate::diagnostics::Diagnostic::note(TARGET_RULE, message).resource(object.from));
        Ok(())
    });
    findings
}

/// The rule of the notes of [`target_findings`].
pub const TARGET_RULE: &str = "platform/target-api";
