//! Rules over the whole input set: references between resources and collisions.
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use super::summary::DocSummary;
use crate::diagnostics::{Diagnostic, Severity};
use crate::model::common::ClusterRef;
use crate::model::names::{self, ObjectName};
use crate::model::{Kind, RivvenCluster, RivvenConnect, RivvenSchemaRegistry, RivvenTopic};

/// What the cross-resource rules need of one resource (the typed resource itself may be dropped).
#[derive(Debug)]
pub struct Fact<T> {
    /// Namespace of the resource.
    pub namespace: Option<String>,
    /// Name of the resource.
    pub name: String,
    /// Index of its document (in the order checked).
    pub doc: usize,
    /// The kind's own facts.
    pub of: T,
}

/// A cluster's facts.
#[derive(Debug)]
pub struct ClusterFacts {
    /// Brokers.
    pub replicas: u32,
}

/// A topic's facts.
#[derive(Debug)]
pub struct TopicFacts {
    /// Its cluster.
    pub cluster_ref: ClusterRef,
    /// Its replication factor.
    pub replication_factor: u16,
    /// The topic's name on the broker.
    pub broker_name: String,
    /// Whether `topicName` sets the broker name.
    pub named: bool,
}

/// A connect's facts.
#[derive(Debug)]
pub struct ConnectFacts {
    /// Its cluster.
    pub cluster_ref: ClusterRef,
    /// (source index, replication factor) of sources that set one.
    pub source_rfs: Vec<(usize, u16)>,
    /// `settings.topic.defaultReplicationFactor`.
    pub default_rf: u16,
}

/// The facts of every resource of a run.
#[derive(Debug, Default)]
pub struct Facts {
    /// RivvenClusters.
    pub clusters: Vec<Fact<ClusterFacts>>,
    /// RivvenTopics.
    pub topics: Vec<Fact<TopicFacts>>,
    /// RivvenConnects.
    pub connects: Vec<Fact<ConnectFacts>>,
    /// RivvenSchemaRegistries, with their cluster.
    pub registries: Vec<Fact<ClusterRef>>,
}

fn fact<S, T>(r: &crate::model::Rivven<S>, doc: usize, of: T) -> Fact<T> {
    Fact { namespace: r.metadata.namespace.clone(), name: r.metadata.name.clone(), doc, of }
}

impl Facts {
    /// Records a cluster.
    pub fn cluster(&mut self, c: &RivvenCluster, doc: usize) {
        self.clusters.push(fact(c, doc, ClusterFacts { replicas: c.spec.replicas }));
    }

    /// Records a topic.
    pub fn topic(&mut self, t: &RivvenTopic, doc: usize) {
        let of = TopicFacts {
            cluster_ref: t.spec.cluster_ref.clone(),
            replication_factor: t.spec.replication_factor,
            broker_name: t.spec.broker_topic_name(t.name()).to_owned(),
            named: t.spec.topic_name.is_some(),
        };
        self.topics.push(fact(t, doc, of));
    }

    /// Records a connect.
    pub fn connect(&mut self, c: &RivvenConnect, doc: usize) {
        let source_rfs = c.spec.sources.iter().enumerate().filter_map(|(i, s)| Some((i, s.topic_config.as_ref()?.replication_factor?))).collect();
        let of = ConnectFacts { cluster_ref: c.spec.cluster_ref.clone(), source_rfs, default_rf: c.spec.settings.topic.default_replication_factor };
        self.connects.push(fact(c, doc, of));
    }

    /// Records a registry.
    pub fn registry(&mut self, r: &RivvenSchemaRegistry, doc: usize) {
        self.registries.push(fact(r, doc, r.spec.cluster_ref.clone()));
    }
}

/// Reports at a summarised document.
struct Ctx<'a> {
    doc: &'a DocSummary,
    out: &'a mut Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn report(&mut self, severity: Severity, rule: &'static str, pointer: &str, message: String) -> &mut Diagnostic {
        self.out.push(self.doc.diagnostic(severity, rule, pointer, message));
        self.out.last_mut().expect("just pushed")
    }

    fn error(&mut self, rule: &'static str, pointer: &str, message: String) -> &mut Diagnostic {
        self.report(Severity::Error, rule, pointer, message)
    }

    fn warning(&mut self, rule: &'static str, pointer: &str, message: String) -> &mut Diagnostic {
        self.report(Severity::Warning, rule, pointer, message)
    }
}

/// Namespace key: `None` (left to apply time) is its own namespace.
type Ns<'a> = Option<&'a str>;

/// Runs every cross-resource rule.
pub fn check(validated: &Facts, docs: &[DocSummary], out: &mut Vec<Diagnostic>) {
    duplicates(validated, docs, out);
    collisions(validated, docs, out);
    let clusters: HashMap<(Ns<'_>, &str), &Fact<ClusterFacts>> =
        validated.clusters.iter().map(|c| ((c.namespace.as_deref(), c.name.as_str()), c)).collect();
    let mut by_name: ByName<'_> = HashMap::new();
    for c in &validated.clusters {
        by_name.entry(c.name.as_str()).or_default().push(c.namespace.as_deref());
    }
    let resolve = |owner_ns: Ns<'_>, r: &ClusterRef| -> Option<&Fact<ClusterFacts>> {
        let ns = r.namespace.as_deref().or(owner_ns);
        clusters.get(&(ns, r.name.as_str())).copied()
    };
    let mut broker_topics: HashMap<(Ns<'_>, &str, &str), (Ns<'_>, &str, usize)> = HashMap::new();
    for topic in &validated.topics {
        let mut ctx = Ctx { doc: &docs[topic.doc], out };
        let Some(cluster) = resolve(topic.namespace.as_deref(), &topic.of.cluster_ref) else {
            unresolved(&mut ctx, &topic.of.cluster_ref, &by_name);
            continue;
        };
        let spec = &topic.of;
        if u32::from(spec.replication_factor) > cluster.of.replicas {
            ctx.error("topic/replication-factor", "/spec/replicationFactor", format!("replicationFactor {} exceeds the {} broker(s) of RivvenCluster `{}`", spec.replication_factor, cluster.of.replicas, cluster.name.as_str()))
                .with_related(brokers_at(docs, cluster), brokers_message(cluster));
        }
        let broker_name = spec.broker_name.as_str();
        let key = (cluster.namespace.as_deref(), cluster.name.as_str(), broker_name);
        let this = (topic.namespace.as_deref(), topic.name.as_str(), topic.doc);
        if let Some(first) = broker_topics.insert(key, this) {
            broker_topics.insert(key, first);
            if (first.0, first.1) == (this.0, this.1) {
                continue; // the same resource twice: `ref/duplicate-resource` reports it
            }
            let pointer = if spec.named { "/spec/topicName" } else { "/metadata/name" };
            let first_name = first.1;
            ctx.error("topic/collision", pointer, format!("RivvenTopic `{first_name}` already manages broker topic `{broker_name}` on cluster `{}` in {}", cluster.name.as_str(), names::namespace_label(cluster.namespace.as_deref())))
                .with_hint("each broker topic must be described by exactly one RivvenTopic")
                .with_related(docs[first.2].location(pointer).or_else(|| docs[first.2].location("/metadata/name")), format!("RivvenTopic `{first_name}` names the same broker topic"));
        }
    }
    for connect in &validated.connects {
        let mut ctx = Ctx { doc: &docs[connect.doc], out };
        let Some(cluster) = resolve(connect.namespace.as_deref(), &connect.of.cluster_ref) else {
            unresolved(&mut ctx, &connect.of.cluster_ref, &by_name);
            continue;
        };
        let brokers = cluster.of.replicas;
        for &(i, rf) in &connect.of.source_rfs {
            if u32::from(rf) > brokers {
                ctx.error("connect/replication-factor", &format!("/spec/sources/{i}/topicConfig/replicationFactor"), format!("replicationFactor {rf} exceeds the {brokers} broker(s) of RivvenCluster `{}`", cluster.name.as_str()))
                    .with_related(brokers_at(docs, cluster), brokers_message(cluster));
            }
        }
        let rf = connect.of.default_rf;
        if u32::from(rf) > brokers {
            ctx.error("connect/replication-factor", "/spec/settings/topic/defaultReplicationFactor", format!("defaultReplicationFactor {rf} exceeds the {brokers} broker(s) of RivvenCluster `{}`", cluster.name.as_str()))
                .with_related(brokers_at(docs, cluster), brokers_message(cluster));
        }
    }
    for registry in &validated.registries {
        let mut ctx = Ctx { doc: &docs[registry.doc], out };
        if resolve(registry.namespace.as_deref(), &registry.of).is_none() {
            unresolved(&mut ctx, &registry.of, &by_name);
        }
    }
}

/// Where a cluster's broker count is written (its `spec.replicas`, or its name for the default).
fn brokers_at(docs: &[DocSummary], cluster: &Fact<ClusterFacts>) -> Option<crate::source::Location> {
    let doc = &docs[cluster.doc];
    doc.location("/spec/replicas").filter(|_| doc.has_replicas).or_else(|| doc.location("/metadata/name"))
}

fn brokers_message(cluster: &Fact<ClusterFacts>) -> String {
    format!("RivvenCluster `{}` has {} broker(s)", cluster.name, cluster.of.replicas)
}

/// Cluster name -> the namespaces it is defined in (for the "is in another namespace" hint).
type ByName<'a> = HashMap<&'a str, Vec<Ns<'a>>>;

fn unresolved(ctx: &mut Ctx<'_>, r: &ClusterRef, by_name: &ByName<'_>) {
    let elsewhere: Vec<String> = by_name.get(r.name.as_str()).into_iter().flatten().map(|ns| names::namespace_label(*ns)).collect();
    let d = ctx.warning("ref/cluster-outside-input", "/spec/clusterRef/name", format!("RivvenCluster `{}` is not in the input; rendering assumes it exists in the cluster", r.name));
    if elsewhere.is_empty() {
        d.with_hint("add the RivvenCluster's file to the input to check replication factors and names against it");
    } else {
        d.with_hint(format!("a RivvenCluster of that name is in {}: set `clusterRef.namespace`", elsewhere.join(", ")));
    }
}

fn duplicates(validated: &Facts, docs: &[DocSummary], out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<(Kind, Ns<'_>, &str), usize> = HashMap::new();
    fn entries<S>(list: &[Fact<S>], kind: Kind) -> impl Iterator<Item = (Kind, Ns<'_>, &str, usize)> {
        list.iter().map(move |c| (kind, c.namespace.as_deref(), c.name.as_str(), c.doc))
    }
    let all = entries(&validated.clusters, Kind::Cluster)
        .chain(entries(&validated.topics, Kind::Topic))
        .chain(entries(&validated.registries, Kind::SchemaRegistry))
        .chain(entries(&validated.connects, Kind::Connect));
    for (kind, ns, name, doc) in all {
        if let Some(&first) = seen.get(&(kind, ns, name)) {
            let mut ctx = Ctx { doc: &docs[doc], out };
            let first_doc = &docs[first];
            ctx.error("ref/duplicate-resource", "/metadata/name", format!("{} `{name}` is defined twice", kind.name()))
                .with_hint(format!("the first definition is document {} of its file", first_doc.reference.document + 1))
                .with_related(first_doc.location("/metadata/name"), "the first definition");
        } else {
            seen.insert((kind, ns, name), doc);
        }
    }
}

/// Who renders an object: a resource, or (for a topic plan) every RivvenTopic of one cluster.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Owner<'a> {
    Resource(Kind, Ns<'a>, &'a str),
    TopicPlan(Ns<'a>, &'a str),
}

impl<'a> Owner<'a> {
    fn namespace(self) -> Ns<'a> {
        match self {
            Owner::Resource(_, ns, _) | Owner::TopicPlan(ns, _) => ns,
        }
    }
}

/// Two resources whose rendered objects share apiVersion, kind, namespace and name: one would
/// silently replace the other at apply time. Reported at both, each naming the other.
fn collisions(validated: &Facts, docs: &[DocSummary], out: &mut Vec<Diagnostic>) {
    // Every object name is hashed, not stored: a run of 100,000 resources keeps about 30 bytes per
    // rendered object. A hash match is confirmed against the other owner's names before it counts.
    fn object_hash(object: &ObjectName, ns: Ns<'_>) -> u64 {
        let mut h = std::hash::DefaultHasher::new();
        (object.api_version, object.kind, ns, object.name.as_str()).hash(&mut h);
        h.finish()
    }
    fn objects_of(owner: Owner<'_>) -> Vec<ObjectName> {
        match owner {
            Owner::Resource(kind, _, name) => names::objects(kind, name),
            Owner::TopicPlan(_, cluster) => vec![names::topic_plan(cluster)],
        }
    }
    let mut owners: Vec<(Owner<'_>, usize)> = Vec::new();
    owners.extend(validated.clusters.iter().map(|c| (Owner::Resource(Kind::Cluster, c.namespace.as_deref(), c.name.as_str()), c.doc)));
    owners.extend(validated.registries.iter().map(|r| (Owner::Resource(Kind::SchemaRegistry, r.namespace.as_deref(), r.name.as_str()), r.doc)));
    owners.extend(validated.connects.iter().map(|c| (Owner::Resource(Kind::Connect, c.namespace.as_deref(), c.name.as_str()), c.doc)));
    for t in &validated.topics {
        let r = &t.of.cluster_ref;
        owners.push((Owner::TopicPlan(r.namespace.as_deref().or(t.namespace.as_deref()), &r.name), t.doc));
    }
    let mut first: HashMap<u64, usize> = HashMap::new();
    // (owner a, owner b) -> the objects both render, so each pair is reported once.
    type Pair<'a> = ((usize, Owner<'a>), (usize, Owner<'a>), Vec<String>);
    let mut pairs: Vec<Pair<'_>> = Vec::new();
    let mut pair_index: HashMap<(usize, usize), usize> = HashMap::new();
    for (i, &(owner, doc)) in owners.iter().enumerate() {
        let ns = owner.namespace();
        for object in objects_of(owner) {
            let j = *first.entry(object_hash(&object, ns)).or_insert(i);
            let (other, other_doc) = owners[j];
            if other == owner || other.namespace() != ns || !objects_of(other).contains(&object) {
                continue; // itself, the same topic plan, or a hash collision only
            }
            let what = format!("{} `{}`", object.kind, object.name);
            match pair_index.get(&(j, i)) {
                Some(&p) => pairs[p].2.push(what),
                None => {
                    pair_index.insert((j, i), pairs.len());
                    pairs.push(((other_doc, other), (doc, owner), vec![what]));
                }
            }
        }
    }
    for ((doc_a, a), (doc_b, b), objects) in pairs {
        let ns = a.namespace();
        let shown = if objects.len() > 2 { format!("{} and {} more", objects[..2].join(", "), objects.len() - 2) } else { objects.join(" and ") };
        let pointer_of = |doc: usize| if docs[doc].reference.kind == Kind::Topic { "/spec/clusterRef/name" } else { "/metadata/name" };
        for (doc, other, other_doc) in [(doc_a, b, doc_b), (doc_b, a, doc_a)] {
            let mut ctx = Ctx { doc: &docs[doc], out };
            ctx.error("name/collision", pointer_of(doc), format!("{} render the same {shown} in {}: one would replace the other when applied", describe(other, "and this resource"), names::namespace_label(ns)))
                .with_hint("rename one of the two resources")
                .with_related(docs[other_doc].location(pointer_of(other_doc)), describe(other, "renders the same objects"));
        }
    }
}

fn describe(owner: Owner<'_>, tail: &str) -> String {
    match owner {
        Owner::Resource(kind, _, name) => format!("{} `{name}` {tail}", kind.name()),
        Owner::TopicPlan(_, cluster) => format!("the RivvenTopics of cluster `{cluster}` {tail}"),
    }
}
