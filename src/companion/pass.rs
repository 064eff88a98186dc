//! One pass over everything: read the world, decide what is desired, reconcile each cluster's
//! topics and each registry's levels, observe clusters and connect workers, and report on every
//! resource. Errors stay with their resource; a cluster that cannot be reached costs no calls for
//! its topics beyond one connection attempt, and a failing resource waits out its back-off.
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use crate::model::status::ResourceStatus;
use crate::model::Kind;

use super::broker::Pool;
use super::desired::{self, Desired, DesiredOptions, DesiredTopic, Origin, Removal};
use super::metrics::Metrics;
use super::registry;
use super::report::{report, Report, Standing};
use super::topics::{self, TopicResult};
use super::world::{CrObject, PodView, World};

/// What a pass keeps for the next one.
#[derive(Default)]
pub struct State {
    /// Open broker connections, by address.
    pools: BTreeMap<String, Pool>,
    /// The end offsets last seen of each source connector's topic, by (connect, topic).
    pub(super) offsets: BTreeMap<(String, String), u64>,
    /// Config keys set on each topic, by (cluster, topic).
    applied: BTreeMap<(desired::ClusterKey, String), BTreeSet<String>>,
    /// Per-object back-off: failures in a row and when to try again.
    backoff: BTreeMap<String, (u32, Instant)>,
    /// Each cluster's ready broker pods (uid, restarts) as last seen: a change ends its topics' back-off.
    brokers: BTreeMap<desired::ClusterKey, Vec<(String, i32)>>,
}

impl State {
    /// When the earliest back-off still running ends.
    pub fn next_retry(&self) -> Option<Instant> {
        let now = Instant::now();
        self.backoff.values().map(|(_, at)| *at).filter(|at| *at > now).min()
    }

    /// Forgets the back-off of objects no longer asked for (a deleted resource, a renamed topic).
    fn keep_backoff(&mut self, keys: &BTreeSet<String>) {
        self.backoff.retain(|k, _| keys.contains(k));
    }

    fn waiting(&self, key: &str) -> bool {
        self.backoff.get(key).is_some_and(|(_, at)| *at > Instant::now())
    }

    fn failed(&mut self, key: &str) {
        let entry = self.backoff.entry(key.to_owned()).or_insert((0, Instant::now()));
        entry.0 += 1;
        entry.1 = Instant::now() + backoff(entry.0);
    }

    fn succeeded(&mut self, key: &str) {
        self.backoff.remove(key);
    }

    /// The open connections to a broker, or new ones (a broken pool is not reused).
    pub(super) async fn take_pool(&mut self, address: &str, size: usize) -> Result<Pool, String> {
        match self.pools.remove(address) {
            Some(pool) if !pool.broken() => Ok(pool),
            _ => Pool::connect(address, size).await,
        }
    }

    /// Keeps a pool for the next use, unless a connection broke.
    pub(super) fn keep_pool(&mut self, pool: Pool) {
        if !pool.broken() {
            self.pools.insert(pool.address.clone(), pool);
        }
    }
}

/// Exponential back-off: 1 s, 2 s, 4 s, … up to 5 minutes.
pub fn backoff(failures: u32) -> Duration {
    Duration::from_secs(1u64 << failures.saturating_sub(1).min(9)).min(Duration::from_secs(300))
}

/// Options of a pass.
#[derive(Clone, Debug)]
pub struct PassOptions {
    /// Make calls (false: only look, as `rivven-render status` does).
    pub write: bool,
    /// Connections per broker.
    pub connections: usize,
    /// Whether clusterRefs into other namespaces are followed.
    pub allow_cross_namespace: bool,
    /// The cluster domain of service addresses.
    pub cluster_domain: String,
    /// The leader flag: writes stop the moment it clears, also within a pass.
    pub leading: Option<std::sync::Arc<std::sync::atomic::AtomicBool>>,
}

impl PassOptions {
    /// Whether a write may be made now.
    pub fn may_write(&self) -> bool {
        self.write && self.leading.as_ref().is_none_or(|l| l.load(std::sync::atomic::Ordering::SeqCst))
    }
}

/// What a pass found: the reports, and the finalizer changes to make.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Reports by resource id.
    pub reports: BTreeMap<String, Report>,
    /// RivvenTopics that need the finalizer (true) or no longer need it (false).
    pub finalizers: BTreeMap<String, bool>,
}

/// The broker pods of a cluster.
pub fn broker_pods<'a>(world: &'a World, cluster: &desired::ClusterKey) -> Vec<&'a PodView> {
    world.pods.iter().filter(|p| p.is(&cluster.0, "rivven", &cluster.1) && p.labels.get("app.kubernetes.io/component").map(String::as_str) == Some("broker")).collect()
}

fn resource<'a>(world: &'a World, id: &str) -> Option<&'a CrObject> {
    world.resources.iter().find(|r| r.id() == id)
}

/// Runs one pass.
pub async fn run(world: &World, state: &mut State, options: &PassOptions, metrics: &Metrics) -> Outcome {
    let desired = desired::desired(world, &DesiredOptions { allow_cross_namespace: options.allow_cross_namespace });
    let mut out = Outcome::default();
    for (id, refusal) in &desired.refused {
        if let Some(r) = resource(world, id) {
            let standing = if refusal.reason == "Unmanaged" { Standing::Unmanaged { message: refusal.message.clone() } } else { Standing::Failed { reason: refusal.reason, message: refusal.message.clone() } };
            out.reports.insert(id.clone(), report(r.kind.name(), &r.namespace, &r.name, &standing, ResourceStatus::default()));
        }
    }
    for (map, why) in &desired.unreadable_maps {
        super::log::warn("plan ConfigMap cannot be read", &[("configmap", map), ("error", why)]);
    }
    topics_pass(world, &desired, state, options, metrics, &mut out).await;
    registries_pass(world, &desired, options, metrics, &mut out).await;
    super::observe::clusters_and_connects(world, state, options, &desired, metrics, &mut out).await;
    for (id, warnings) in &desired.warnings {
        if let Some(r) = out.reports.get_mut(id) {
            r.facts.warnings = warnings.clone();
        }
    }
    let mut managed: BTreeMap<String, u64> = BTreeMap::new();
    for r in out.reports.values() {
        *managed.entry(r.kind.to_owned()).or_default() += 1;
    }
    metrics.set_managed(managed);
    out
}

/// The back-off key of a topic: a resource's generation is part of it, so a changed spec is tried
/// at once.
fn topic_key(world: &World, t: &DesiredTopic) -> String {
    let generation = match &t.origin {
        Origin::Resource(id) => resource(world, id).map_or(0, |r| r.generation),
        Origin::PlanMap(_) => 0,
    };
    format!("topic:{}/{}/{}@{generation}", t.cluster.0, t.cluster.1, t.topic.name)
}

async fn topics_pass(world: &World, desired: &Desired, state: &mut State, options: &PassOptions, metrics: &Metrics, out: &mut Outcome) {
    let current: BTreeSet<String> = desired.topics.iter().map(|t| topic_key(world, t)).chain(desired.removals.iter().map(|r| format!("removal:{}", r.resource))).collect();
    state.keep_backoff(&current);
    // A broker pod that is new or restarted (it forgot its topic configs) ends its topics' back-off.
    let clusters_seen: BTreeSet<desired::ClusterKey> = desired.topics.iter().map(|t| t.cluster.clone()).chain(desired.removals.iter().map(|r| r.cluster.clone())).collect();
    for cluster in clusters_seen {
        let mut pods: Vec<(String, i32)> = broker_pods(world, &cluster).iter().filter(|p| p.ready).map(|p| (p.uid.clone(), p.restarts)).collect();
        pods.sort();
        if state.brokers.get(&cluster) != Some(&pods) {
            let prefix = format!("topic:{}/{}/", cluster.0, cluster.1);
            state.backoff.retain(|k, _| !k.starts_with(&prefix));
            state.brokers.insert(cluster, pods);
        }
    }
    let mut clusters: BTreeMap<desired::ClusterKey, (Vec<&DesiredTopic>, Vec<&Removal>)> = BTreeMap::new();
    for t in &desired.topics {
        let key = topic_key(world, t);
        if !state.waiting(&key) {
            clusters.entry(t.cluster.clone()).or_default().0.push(t);
        }
    }
    for r in &desired.removals {
        if !state.waiting(&format!("removal:{}", r.resource)) {
            clusters.entry(r.cluster.clone()).or_default().1.push(r);
        }
    }
    // Finalizers follow deleteOnRemove of the live resources.
    for t in &desired.topics {
        if let Origin::Resource(id) = &t.origin {
            if let Some(r) = resource(world, id) {
                let has = r.finalizers.iter().any(|f| f == desired::TOPIC_FINALIZER);
                if has != t.topic.delete_on_remove {
                    out.finalizers.insert(id.clone(), t.topic.delete_on_remove);
                }
            }
        }
    }
    for (cluster, (wanted, removals)) in clusters {
        let started = Instant::now();
        let pods = broker_pods(world, &cluster);
        let ready: Vec<&&PodView> = pods.iter().filter(|p| p.ready).collect();
        let cluster_resource = world.resources.iter().find(|r| r.kind == Kind::Cluster && r.namespace == cluster.0 && r.name == cluster.1 && !r.deleting);
        let address = ready.first().and_then(|p| p.address("client", 9092));
        let Some(address) = address else {
            let gone = pods.is_empty() && cluster_resource.is_none();
            let standing = if gone {
                Standing::Progressing { reason: "ClusterNotFound", message: format!("no RivvenCluster {}/{} and no broker pods: waiting for the cluster (no broker calls are made)", cluster.0, cluster.1) }
            } else {
                Standing::Progressing { reason: "ClusterNotReady", message: format!("{} of {} broker pods of cluster {}/{} are ready", ready.len(), pods.len(), cluster.0, cluster.1) }
            };
            for t in &wanted {
                topic_report(world, out, t, &standing, ResourceStatus { topic_name: Some(t.topic.name.clone()), ..ResourceStatus::default() });
            }
            // A cluster that is gone cannot hold the topic any more: never strand the resource.
            if gone {
                for r in removals {
                    out.finalizers.insert(r.resource.clone(), false);
                }
            }
            continue;
        };
        let mut pool = match state.take_pool(&address, options.connections).await {
            Ok(pool) => pool,
            Err(e) => {
                cluster_failed(world, state, out, &cluster, &wanted, &e);
                continue;
            }
        };
        let applied: BTreeMap<String, BTreeSet<String>> = wanted.iter().map(|t| (t.topic.name.clone(), applied_keys(world, state, t))).collect();
        match topics::reconcile(&mut pool, &wanted, &removals, &applied, &|| options.may_write(), metrics).await {
            Ok((results, removed)) => {
                for (t, result) in wanted.iter().zip(results) {
                    let key = topic_key(world, t);
                    // Every failure backs off, also one only a change of the resource can clear (its
                    // generation is in the key, so the change is tried at once).
                    if result.ready {
                        state.succeeded(&key);
                    } else if result.reason != "NotCreated" && result.reason != "Drifted" {
                        state.failed(&key);
                    }
                    // What was set is remembered only once it is on the broker: a key removed
                    // while an alter fails is still reset later.
                    if options.write && result.ready {
                        state.applied.insert((cluster.clone(), t.topic.name.clone()), crate::reconcile::topics::desired_config(&t.topic.config).into_keys().collect());
                    }
                    let kind_failed = !result.ready;
                    metrics.reconciled("RivvenTopic", started.elapsed() / wanted.len().max(1) as u32, kind_failed && result.retry);
                    let acls = match &t.origin {
                        Origin::Resource(id) => resource(world, id).and_then(|r| r.spec("/acls")).and_then(|a| a.as_array()).is_some_and(|a| !a.is_empty()),
                        Origin::PlanMap(_) => false,
                    };
                    let (standing, facts) = topic_standing(t, &result, acls);
                    topic_report(world, out, t, &standing, facts);
                }
                for (id, result) in removed {
                    match result {
                        Ok(_) => {
                            state.succeeded(&format!("removal:{id}"));
                            out.finalizers.insert(id, false);
                        }
                        Err(e) => {
                            state.failed(&format!("removal:{id}"));
                            super::log::warn("topic removal failed; retried with back-off", &[("resource", &id), ("error", &e)]);
                        }
                    }
                }
            }
            Err(e) => {
                cluster_failed(world, state, out, &cluster, &wanted, e.message());
                continue;
            }
        }
        state.keep_pool(pool);
    }
}

fn applied_keys(world: &World, state: &State, t: &DesiredTopic) -> BTreeSet<String> {
    let mut keys = state.applied.get(&(t.cluster.clone(), t.topic.name.clone())).cloned().unwrap_or_default();
    if let Origin::Resource(id) = &t.origin {
        if let Some(r) = resource(world, id) {
            keys.extend(r.status.config.keys().cloned());
        }
    }
    keys
}

fn cluster_failed(world: &World, state: &mut State, out: &mut Outcome, cluster: &desired::ClusterKey, wanted: &[&DesiredTopic], error: &str) {
    super::log::warn("broker unreachable; its topics are retried with back-off", &[("cluster", &format!("{}/{}", cluster.0, cluster.1)), ("error", error)]);
    let standing = Standing::Progressing { reason: "BrokerUnreachable", message: format!("cluster {}/{}: {error}", cluster.0, cluster.1) };
    for t in wanted {
        state.failed(&topic_key(world, t));
        topic_report(world, out, t, &standing, ResourceStatus { topic_name: Some(t.topic.name.clone()), ..ResourceStatus::default() });
    }
}

/// How a topic stands; `acls`: its spec lists ACLs, which Rivven 0.0.22 has no broker API for.
fn topic_standing(t: &DesiredTopic, result: &TopicResult, acls: bool) -> (Standing, ResourceStatus) {
    let facts = ResourceStatus { topic_name: Some(t.topic.name.clone()), partitions: result.partitions, config: result.config.clone(), ..ResourceStatus::default() };
    let acl_message = "ACLs are not applied: Rivven 0.0.22 has no broker API to create them";
    let degraded = match (result.degraded.clone(), acls) {
        (Some((reason, message)), true) => Some((reason, format!("{message}; {acl_message}"))),
        (None, true) => Some(("AclsNotApplied", acl_message.to_owned())),
        (degraded, false) => degraded,
    };
    let standing = if result.ready {
        Standing::Ready { reason: result.reason, message: result.message.clone(), degraded }
    } else if result.retry || result.reason == "NotCreated" || result.reason == "Drifted" {
        Standing::Progressing { reason: result.reason, message: result.message.clone() }
    } else {
        Standing::Failed { reason: result.reason, message: result.message.clone() }
    };
    (standing, facts)
}

/// Files a topic's report. A pass that could not look at the broker keeps what the last look saw
/// (partitions, and the config keys the companion set, which it resets when they leave the spec).
fn topic_report(world: &World, out: &mut Outcome, t: &DesiredTopic, standing: &Standing, mut facts: ResourceStatus) {
    let ready = matches!(standing, Standing::Ready { .. });
    if let (Origin::Resource(id), false) = (&t.origin, ready) {
        if let Some(old) = resource(world, id).map(|r| &r.status) {
            facts.partitions = facts.partitions.or(old.partitions);
            for (k, v) in &old.config {
                facts.config.entry(k.clone()).or_insert_with(|| v.clone());
            }
        }
    }
    let (kind, namespace, name, id) = match &t.origin {
        Origin::Resource(id) => {
            let mut parts = id.splitn(3, '/');
            let (kind, ns, name) = (parts.next().unwrap_or_default(), parts.next().unwrap_or_default(), parts.next().unwrap_or_default());
            (Kind::from_name(kind).map(Kind::name).unwrap_or("RivvenTopic"), ns.to_owned(), name.to_owned(), id.clone())
        }
        Origin::PlanMap(map) => {
            let (ns, name) = map.split_once('/').unwrap_or(("", map));
            ("ConfigMap", ns.to_owned(), format!("{name}#{}", t.topic.name), format!("ConfigMap/{map}#{}", t.topic.name))
        }
    };
    out.reports.insert(id, report(kind, &namespace, &name, standing, facts));
}

async fn registries_pass(world: &World, desired: &Desired, options: &PassOptions, metrics: &Metrics, out: &mut Outcome) {
    for r in &desired.registries {
        let started = Instant::now();
        let pods: Vec<&PodView> = world.pods.iter().filter(|p| p.is(&r.registry.0, "rivven-schema", &r.registry.1)).collect();
        let ready: Vec<&&PodView> = pods.iter().filter(|p| p.ready && p.ip.is_some()).collect();
        let mut facts = ResourceStatus { endpoint: Some(r.plan.registry.clone()), ready_replicas: Some(ready.len() as u32), replicas: Some(pods.len() as u32), ..ResourceStatus::default() };
        let mut errors = Vec::new();
        let mut reads = Vec::new();
        for pod in &ready {
            let Some(address) = pod.address("http", 8081) else { continue };
            match registry::reconcile(metrics, &address, r, options.may_write()).await {
                Ok(result) => reads.push(result),
                Err(e) => errors.push(format!("{}: {e}", pod.name)),
            }
        }
        if let Some(first) = reads.first() {
            facts.compatibility = first.global.map(|l| level_name(&l));
            facts.subjects = first.subjects.iter().map(|(s, l)| (s.clone(), level_name(l))).collect();
        }
        let in_sync = reads.iter().all(|read| read.global == Some(r.plan.compatibility) && r.plan.subjects.iter().all(|s| read.subjects.get(&s.subject) == Some(&s.compatibility)));
        let standing = if ready.is_empty() {
            Standing::Progressing { reason: "RegistryNotReady", message: format!("{} of {} registry pods are ready", ready.len(), pods.len()) }
        } else if !errors.is_empty() {
            Standing::Progressing { reason: "RegistryError", message: errors.join("; ") }
        } else if !in_sync {
            Standing::Progressing { reason: "CompatibilityNotApplied", message: "the registry's levels differ from the spec".into() }
        } else {
            Standing::Ready { reason: "CompatibilityApplied", message: format!("compatibility {} applied and read back on {} pod(s)", level_name(&r.plan.compatibility), reads.len()), degraded: None }
        };
        metrics.reconciled("RivvenSchemaRegistry", started.elapsed(), !errors.is_empty());
        let (kind, id, name) = match &r.origin {
            Origin::Resource(id) => ("RivvenSchemaRegistry", id.clone(), r.registry.1.clone()),
            Origin::PlanMap(map) => ("ConfigMap", format!("ConfigMap/{map}"), map.split_once('/').map_or(map.as_str(), |(_, n)| n).to_owned()),
        };
        out.reports.insert(id, report(kind, &r.registry.0, &name, &standing, facts));
    }
}

fn level_name(level: &crate::model::schema_registry::CompatibilityLevel) -> String {
    serde_json::to_value(level).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}
