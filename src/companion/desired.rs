//! What the companion must make true, decided purely from what one pass read ([`World`]): the
//! topics of each cluster and the levels of each registry, from the Rivven resources (through the
//! same compile core as `rivven-render render`) and from plan ConfigMaps; plus the resources it
//! refuses before touching anything (invalid, in conflict, cross-namespace, not managed).
use std::collections::{BTreeMap, BTreeSet};

use crate::compile::{compile_texts, CompileOptions};
use crate::diagnostics::Severity;
use crate::model::plan::{PlannedTopic, RegistryPlan};
use crate::model::Kind;
use crate::reconcile::topics::{owner, Claim};

use super::world::{CrObject, PlanContent, World};

/// The annotation that stops management (without deleting anything).
pub const MANAGED_ANNOTATION: &str = "rivven.hupe1980.github.io/managed";
/// The finalizer a RivvenTopic with `deleteOnRemove: true` carries, so its broker topic is deleted.
pub const TOPIC_FINALIZER: &str = "rivven.hupe1980.github.io/delete-topic";

/// A cluster: (namespace, name).
pub type ClusterKey = (String, String);

/// Who asks for a topic or registry level.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Origin {
    /// A Rivven resource, `Kind/namespace/name`.
    Resource(String),
    /// A plan ConfigMap, `namespace/name`.
    PlanMap(String),
}

impl Origin {
    /// For messages and the status table.
    pub fn describe(&self) -> String {
        match self {
            Origin::Resource(id) => id.clone(),
            Origin::PlanMap(map) => format!("ConfigMap/{map}"),
        }
    }
}

/// One topic to have on a cluster.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredTopic {
    /// Its cluster.
    pub cluster: ClusterKey,
    /// The topic.
    pub topic: PlannedTopic,
    /// Who asks for it.
    pub origin: Origin,
}

/// A topic whose RivvenTopic is being deleted while it carries the finalizer.
#[derive(Clone, Debug, PartialEq)]
pub struct Removal {
    /// Its cluster.
    pub cluster: ClusterKey,
    /// The broker topic.
    pub name: String,
    /// Whether the broker topic is deleted.
    pub delete_on_remove: bool,
    /// The resource.
    pub resource: String,
}

/// One registry's levels.
#[derive(Clone, Debug, PartialEq)]
pub struct DesiredRegistry {
    /// (namespace, name) of the RivvenSchemaRegistry (the pods' instance label).
    pub registry: ClusterKey,
    /// The levels.
    pub plan: RegistryPlan,
    /// Who asks for them.
    pub origin: Origin,
}

/// A resource refused before any call, with its condition reason and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// CamelCase reason.
    pub reason: &'static str,
    /// For people.
    pub message: String,
}

/// What one pass must make true.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Desired {
    /// Topics, by cluster then broker name.
    pub topics: Vec<DesiredTopic>,
    /// Topics of resources being deleted.
    pub removals: Vec<Removal>,
    /// Registries.
    pub registries: Vec<DesiredRegistry>,
    /// Resources refused, by `Kind/namespace/name`.
    pub refused: BTreeMap<String, Refusal>,
    /// Warnings per resource (e.g. a plan ConfigMap describing the same topic).
    pub warnings: BTreeMap<String, Vec<String>>,
    /// Plan ConfigMaps that could not be read: (namespace/name, why).
    pub unreadable_maps: Vec<(String, String)>,
}

/// Options of the decision.
#[derive(Clone, Debug, Default)]
pub struct DesiredOptions {
    /// A `clusterRef` into another namespace is followed (else refused).
    pub allow_cross_namespace: bool,
}

/// Whether management of a resource is off (`managed: "false"`).
pub fn unmanaged(resource: &CrObject) -> bool {
    resource.annotations.get(MANAGED_ANNOTATION).is_some_and(|v| v.eq_ignore_ascii_case("false"))
}

/// The cluster a resource refers to.
pub fn cluster_of(resource: &CrObject) -> ClusterKey {
    let name = resource.spec("/clusterRef/name").and_then(|v| v.as_str()).unwrap_or_default();
    let namespace = resource.spec("/clusterRef/namespace").and_then(|v| v.as_str()).unwrap_or(&resource.namespace);
    (namespace.to_owned(), name.to_owned())
}

/// A RivvenTopic's broker name.
pub fn broker_name(resource: &CrObject) -> String {
    resource.spec("/topicName").and_then(|v| v.as_str()).unwrap_or(&resource.name).to_owned()
}

/// Decides what the pass must make true.
pub fn desired(world: &World, options: &DesiredOptions) -> Desired {
    let mut out = Desired::default();
    let mut live: Vec<&CrObject> = Vec::new();
    for r in &world.resources {
        if r.kind == Kind::Topic && r.deleting {
            if r.finalizers.iter().any(|f| f == TOPIC_FINALIZER) {
                let cluster = cluster_of(r);
                // A resource refused for its clusterRef while it lived deletes nothing either.
                let allowed = cluster.0 == r.namespace || options.allow_cross_namespace;
                let delete = allowed && !unmanaged(r) && r.spec("/deleteOnRemove").and_then(|v| v.as_bool()).unwrap_or(false);
                out.removals.push(Removal { cluster, name: broker_name(r), delete_on_remove: delete, resource: r.id() });
            }
            continue;
        }
        if r.deleting {
            continue;
        }
        if unmanaged(r) {
            out.refused.insert(r.id(), Refusal { reason: "Unmanaged", message: format!("annotation {MANAGED_ANNOTATION}: \"false\": not managed, nothing is changed or deleted") });
            continue;
        }
        let (cluster_ns, _) = cluster_of(r);
        if r.kind != Kind::Cluster && cluster_ns != r.namespace && !options.allow_cross_namespace {
            out.refused.insert(r.id(), Refusal { reason: "CrossNamespaceRefused", message: format!("clusterRef points into namespace `{cluster_ns}`; the companion follows it only with --allow-cross-namespace") });
            continue;
        }
        live.push(r);
    }
    refuse_conflicts(&live, &mut out.refused);
    live.retain(|r| !out.refused.contains_key(&r.id()));
    compile_resources(&live, &mut out);
    plan_maps(world, &mut out);
    out.topics.sort_by(|a, b| (&a.cluster, &a.topic.name).cmp(&(&b.cluster, &b.topic.name)));
    out.registries.sort_by(|a, b| a.registry.cmp(&b.registry));
    out.removals.sort_by(|a, b| (&a.cluster, &a.name).cmp(&(&b.cluster, &b.name)));
    keep_claimed_topics(world, &mut out);
    out
}

/// A removal never deletes a broker topic that something else still asks for: a desired topic
/// (another resource took the name, a plan ConfigMap lists it) or any live RivvenTopic naming it,
/// refused or not (a conflict's other side, a paused resource). The finalizer still goes.
fn keep_claimed_topics(world: &World, out: &mut Desired) {
    let live = world.resources.iter().filter(|r| r.kind == Kind::Topic && !r.deleting).map(|r| (cluster_of(r), broker_name(r)));
    let claimed: BTreeSet<(ClusterKey, String)> = out.topics.iter().map(|t| (t.cluster.clone(), t.topic.name.clone())).chain(live).collect();
    for removal in &mut out.removals {
        if claimed.contains(&(removal.cluster.clone(), removal.name.clone())) {
            removal.delete_on_remove = false;
        }
    }
}

/// Two RivvenTopics for one broker topic: the older wins, the others get `ResourceConflict`.
fn refuse_conflicts(live: &[&CrObject], refused: &mut BTreeMap<String, Refusal>) {
    let mut by_topic: BTreeMap<(ClusterKey, String), Vec<(String, &str)>> = BTreeMap::new();
    for r in live.iter().filter(|r| r.kind == Kind::Topic) {
        by_topic.entry((cluster_of(r), broker_name(r))).or_default().push((r.id(), r.created.as_str()));
    }
    for ((_, topic), ids) in by_topic.into_iter().filter(|(_, ids)| ids.len() > 1) {
        let claims: Vec<Claim> = ids.iter().map(|(id, created)| Claim { source: id, created }).collect();
        if let Some((winner, losers)) = owner(&claims) {
            for loser in losers {
                refused.insert(loser.to_owned(), Refusal { reason: "ResourceConflict", message: format!("broker topic `{topic}` is managed by the older {winner}") });
            }
        }
    }
}

/// Compiles the resources with the compile core; a resource with an error is refused
/// (`InvalidSpec`) and the others are compiled again without it, so one bad resource never stops
/// the rest.
fn compile_resources(live: &[&CrObject], out: &mut Desired) {
    let mut kept: Vec<&CrObject> = live.to_vec();
    for _ in 0..4 {
        if kept.is_empty() {
            return;
        }
        let texts: Vec<(String, String)> = kept.iter().map(|r| (r.id(), r.document.to_string())).collect();
        let refs: Vec<(&str, &str)> = texts.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
        let compilation = compile_texts(&refs, &CompileOptions::default());
        if compilation.renderable() {
            for planned in compilation.topic_plans() {
                let cluster = (planned.namespace.unwrap_or_default(), planned.plan.cluster.clone());
                for topic in planned.plan.topics {
                    out.topics.push(DesiredTopic { cluster: cluster.clone(), origin: Origin::Resource(topic.source.clone()), topic });
                }
            }
            for (checked, planned) in compilation.validated.registries.iter().zip(compilation.registry_plans()) {
                let key = (planned.namespace.unwrap_or_default(), checked.resource.name().to_owned());
                let origin = Origin::Resource(format!("RivvenSchemaRegistry/{}/{}", key.0, key.1));
                out.registries.push(DesiredRegistry { registry: key, plan: planned.plan, origin });
            }
            return;
        }
        let mut bad: BTreeMap<String, String> = BTreeMap::new();
        for d in compilation.diagnostics.iter().filter(|d| d.severity == Severity::Error) {
            if let Some(r) = &d.resource {
                let id = format!("{}/{}/{}", r.kind.name(), r.namespace.as_deref().unwrap_or_default(), r.name);
                bad.entry(id).or_insert_with(|| format!("{} [{}]{}", d.message, d.rule, if d.path.is_empty() { String::new() } else { format!(" at {}", d.path) }));
            }
        }
        if bad.is_empty() {
            // Errors no single resource carries: refuse them all with the first.
            let first = compilation.diagnostics.iter().find(|d| d.severity == Severity::Error).map(|d| d.message.clone()).unwrap_or_default();
            for r in &kept {
                out.refused.insert(r.id(), Refusal { reason: "InvalidSpec", message: first.clone() });
            }
            return;
        }
        for (id, message) in bad {
            out.refused.insert(id, Refusal { reason: "InvalidSpec", message });
        }
        kept.retain(|r| !out.refused.contains_key(&r.id()));
    }
}

/// Adds the plan ConfigMaps' topics and levels that no resource describes. A resource that exists
/// wins whatever its state: a map's topic whose source resource is refused, unmanaged or being
/// deleted is not brought back by the map. Of two maps describing one topic (or registry), the
/// first by namespace/name wins.
fn plan_maps(world: &World, out: &mut Desired) {
    let from_resources: BTreeMap<(ClusterKey, String), usize> = out.topics.iter().enumerate().map(|(i, t)| ((t.cluster.clone(), t.topic.name.clone()), i)).collect();
    let resources: BTreeSet<String> = world.resources.iter().map(CrObject::id).collect();
    let registry_resources: BTreeSet<ClusterKey> = world.resources.iter().filter(|r| r.kind == Kind::SchemaRegistry).map(|r| (r.namespace.clone(), r.name.clone())).collect();
    let mut taken: BTreeSet<(ClusterKey, String)> = BTreeSet::new();
    let mut registries_taken: BTreeSet<ClusterKey> = out.registries.iter().map(|r| r.registry.clone()).collect();
    let mut maps: Vec<_> = world.plan_maps.iter().collect();
    maps.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
    for map in maps {
        let id = format!("{}/{}", map.namespace, map.name);
        match &map.plan {
            Err(why) => out.unreadable_maps.push((id, why.clone())),
            Ok(PlanContent::Topics(plan)) => {
                let cluster = (map.namespace.clone(), plan.cluster.clone());
                for topic in &plan.topics {
                    let key = (cluster.clone(), topic.name.clone());
                    if let Some(&i) = from_resources.get(&key) {
                        let resource = out.topics[i].origin.describe();
                        if out.topics[i].topic != *topic {
                            out.warnings.entry(resource).or_default().push(format!("ConfigMap {id} also describes topic `{}` differently; this resource wins", topic.name));
                        }
                    } else if !resources.contains(&topic.source) && taken.insert(key) {
                        out.topics.push(DesiredTopic { cluster: cluster.clone(), topic: topic.clone(), origin: Origin::PlanMap(id.clone()) });
                    }
                }
            }
            Ok(PlanContent::Registry(plan)) => {
                let key = (map.namespace.clone(), map.instance.clone());
                if !registry_resources.contains(&key) && registries_taken.insert(key.clone()) {
                    out.registries.push(DesiredRegistry { registry: key, plan: plan.clone(), origin: Origin::PlanMap(id) });
                }
            }
        }
    }
}

#[cfg(test)]
#[path = "desired_tests.rs"]
mod tests;
