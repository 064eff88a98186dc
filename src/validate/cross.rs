//! Rules over the whole input set: references between resources and collisions.
use std::collections::HashMap;

use super::summary::DocSummary;
use super::{Checked, Validated};
use crate::diagnostics::{Diagnostic, Severity};
use crate::model::common::ClusterRef;
use crate::model::names::{self, ObjectName};
use crate::model::{Kind, RivvenClusterSpec};

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
pub fn check(validated: &Validated, docs: &[DocSummary], out: &mut Vec<Diagnostic>) {
    duplicates(validated, docs, out);
    collisions(validated, docs, out);
    let clusters: HashMap<(Ns<'_>, &str), &Checked<RivvenClusterSpec>> =
        validated.clusters.iter().map(|c| ((c.resource.namespace(), c.resource.name()), c)).collect();
    let mut by_name: ByName<'_> = HashMap::new();
    for c in &validated.clusters {
        by_name.entry(c.resource.name()).or_default().push(c.resource.namespace());
    }
    let resolve = |owner_ns: Ns<'_>, r: &ClusterRef| -> Option<&Checked<RivvenClusterSpec>> {
        let ns = r.namespace.as_deref().or(owner_ns);
        clusters.get(&(ns, r.name.as_str())).copied()
    };
    let mut broker_topics: HashMap<(Ns<'_>, &str, &str), (Ns<'_>, &str)> = HashMap::new();
    for topic in &validated.topics {
        let mut ctx = Ctx { doc: &docs[topic.doc], out };
        let Some(cluster) = resolve(topic.resource.namespace(), &topic.resource.spec.cluster_ref) else {
            unresolved(&mut ctx, &topic.resource.spec.cluster_ref, &by_name);
            continue;
        };
        let spec = &topic.resource.spec;
        if u32::from(spec.replication_factor) > cluster.resource.spec.replicas {
            ctx.error("topic/replication-factor", "/spec/replicationFactor", format!("replicationFactor {} exceeds the {} broker(s) of RivvenCluster `{}`", spec.replication_factor, cluster.resource.spec.replicas, cluster.resource.name()));
        }
        let broker_name = spec.broker_topic_name(topic.resource.name());
        let key = (cluster.resource.namespace(), cluster.resource.name(), broker_name);
        let this = (topic.resource.namespace(), topic.resource.name());
        if let Some(first) = broker_topics.insert(key, this) {
            broker_topics.insert(key, first);
            if first == this {
                continue; // the same resource twice: `ref/duplicate-resource` reports it
            }
            let first = first.1;
            let pointer = if spec.topic_name.is_some() { "/spec/topicName" } else { "/metadata/name" };
            ctx.error("topic/collision", pointer, format!("RivvenTopic `{first}` already manages broker topic `{broker_name}` on cluster `{}` in {}", cluster.resource.name(), names::namespace_label(cluster.resource.namespace())))
                .with_hint("each broker topic must be described by exactly one RivvenTopic");
        }
    }
    for connect in &validated.connects {
        let mut ctx = Ctx { doc: &docs[connect.doc], out };
        let Some(cluster) = resolve(connect.resource.namespace(), &connect.resource.spec.cluster_ref) else {
            unresolved(&mut ctx, &connect.resource.spec.cluster_ref, &by_name);
            continue;
        };
        let brokers = cluster.resource.spec.replicas;
        for (i, source) in connect.resource.spec.sources.iter().enumerate() {
            if let Some(rf) = source.topic_config.as_ref().and_then(|t| t.replication_factor) {
                if u32::from(rf) > brokers {
                    ctx.error("connect/replication-factor", &format!("/spec/sources/{i}/topicConfig/replicationFactor"), format!("replicationFactor {rf} exceeds the {brokers} broker(s) of RivvenCluster `{}`", cluster.resource.name()));
                }
            }
        }
        let rf = connect.resource.spec.settings.topic.default_replication_factor;
        if u32::from(rf) > brokers {
            ctx.error("connect/replication-factor", "/spec/settings/topic/defaultReplicationFactor", format!("defaultReplicationFactor {rf} exceeds the {brokers} broker(s) of RivvenCluster `{}`", cluster.resource.name()));
        }
    }
    for registry in &validated.registries {
        let mut ctx = Ctx { doc: &docs[registry.doc], out };
        if resolve(registry.resource.namespace(), &registry.resource.spec.cluster_ref).is_none() {
            unresolved(&mut ctx, &registry.resource.spec.cluster_ref, &by_name);
        }
    }
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

fn duplicates(validated: &Validated, docs: &[DocSummary], out: &mut Vec<Diagnostic>) {
    let mut seen: HashMap<(Kind, Ns<'_>, &str), usize> = HashMap::new();
    fn entries<S>(list: &[Checked<S>], kind: Kind) -> impl Iterator<Item = (Kind, Ns<'_>, &str, usize)> {
        list.iter().map(move |c| (kind, c.resource.namespace(), c.resource.name(), c.doc))
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
                .with_hint(format!("the first definition is document {} of its file", first_doc.index_in_file + 1));
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

/// Two resources whose rendered objects share apiVersion, kind, namespace and name: one would
/// silently replace the other at apply time. Reported at both, each naming the other.
fn collisions(validated: &Validated, docs: &[DocSummary], out: &mut Vec<Diagnostic>) {
    let mut rendered: Vec<(ObjectName, Ns<'_>, Owner<'_>, usize)> = Vec::new();
    fn add<'a, S>(into: &mut Vec<(ObjectName, Ns<'a>, Owner<'a>, usize)>, list: &'a [Checked<S>], kind: Kind) {
        for c in list {
            let (ns, name) = (c.resource.namespace(), c.resource.name());
            into.extend(names::objects(kind, name).into_iter().map(|o| (o, ns, Owner::Resource(kind, ns, name), c.doc)));
        }
    }
    add(&mut rendered, &validated.clusters, Kind::Cluster);
    add(&mut rendered, &validated.registries, Kind::SchemaRegistry);
    add(&mut rendered, &validated.connects, Kind::Connect);
    for t in &validated.topics {
        let r = &t.resource.spec.cluster_ref;
        let ns = r.namespace.as_deref().or(t.resource.namespace());
        rendered.push((names::topic_plan(&r.name), ns, Owner::TopicPlan(ns, &r.name), t.doc));
    }
    let mut first: HashMap<(&str, &str, Ns<'_>, &str), (Owner<'_>, usize)> = HashMap::new();
    // (doc a, doc b) -> the objects both render, so each pair is reported once.
    let mut pairs: Vec<((usize, Owner<'_>), (usize, Owner<'_>), Vec<String>)> = Vec::new();
    for (object, ns, owner, doc) in &rendered {
        let key = (object.api_version, object.kind, *ns, object.name.as_str());
        match first.get(&key) {
            None => {
                first.insert(key, (*owner, *doc));
            }
            Some(&(other, other_doc)) if other != *owner => {
                let what = format!("{} `{}`", object.kind, object.name);
                match pairs.iter_mut().find(|(a, b, _)| a.1 == other && b.1 == *owner) {
                    Some((_, _, objects)) => objects.push(what),
                    None => pairs.push(((other_doc, other), (*doc, *owner), vec![what])),
                }
            }
            Some(_) => {}
        }
    }
    for ((doc_a, a), (doc_b, b), objects) in pairs {
        let ns = match a {
            Owner::Resource(_, ns, _) | Owner::TopicPlan(ns, _) => ns,
        };
        let shown = if objects.len() > 2 { format!("{} and {} more", objects[..2].join(", "), objects.len() - 2) } else { objects.join(" and ") };
        for (doc, other) in [(doc_a, b), (doc_b, a)] {
            let mut ctx = Ctx { doc: &docs[doc], out };
            let pointer = match (other, &docs[doc].kind) {
                (_, Kind::Topic) => "/spec/clusterRef/name",
                _ => "/metadata/name",
            };
            ctx.error("name/collision", pointer, format!("{} render the same {shown} in {}: one would replace the other when applied", describe(other, "and this resource"), names::namespace_label(ns)))
                .with_hint("rename one of the two resources");
        }
    }
}

fn describe(owner: Owner<'_>, tail: &str) -> String {
    match owner {
        Owner::Resource(kind, _, name) => format!("{} `{name}` {tail}", kind.name()),
        Owner::TopicPlan(_, cluster) => format!("the RivvenTopics of cluster `{cluster}` {tail}"),
    }
}
