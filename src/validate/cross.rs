//! Rules over the whole input set: references between resources and collisions.
use std::collections::HashMap;

use super::context::RuleContext;
use super::{Checked, Validated};
use crate::diagnostics::Diagnostic;
use crate::load::Document;
use crate::model::common::ClusterRef;
use crate::model::{Kind, RivvenClusterSpec};

/// Namespace key: `None` (left to apply time) is its own namespace.
type Ns<'a> = Option<&'a str>;

/// Runs every cross-resource rule.
pub fn check(validated: &Validated, docs: &[Document], out: &mut Vec<Diagnostic>) {
    duplicates(validated, docs, out);
    let clusters: HashMap<(Ns<'_>, &str), &Checked<RivvenClusterSpec>> =
        validated.clusters.iter().map(|c| ((c.resource.namespace(), c.resource.name()), c)).collect();
    let resolve = |owner_ns: Ns<'_>, r: &ClusterRef| -> Option<&Checked<RivvenClusterSpec>> {
        let ns = r.namespace.as_deref().or(owner_ns);
        clusters.get(&(ns, r.name.as_str())).copied()
    };
    let mut broker_topics: HashMap<(Ns<'_>, &str, &str), (Ns<'_>, &str)> = HashMap::new();
    for topic in &validated.topics {
        let mut ctx = RuleContext { doc: &docs[topic.doc], out };
        let Some(cluster) = resolve(topic.resource.namespace(), &topic.resource.spec.cluster_ref) else {
            unresolved(&mut ctx, &topic.resource.spec.cluster_ref, &validated.clusters);
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
            ctx.error("topic/collision", pointer, format!("RivvenTopic `{first}` already manages broker topic `{broker_name}` on cluster `{}`", cluster.resource.name()))
                .with_hint("each broker topic must be described by exactly one RivvenTopic");
        }
    }
    for connect in &validated.connects {
        let mut ctx = RuleContext { doc: &docs[connect.doc], out };
        let Some(cluster) = resolve(connect.resource.namespace(), &connect.resource.spec.cluster_ref) else {
            unresolved(&mut ctx, &connect.resource.spec.cluster_ref, &validated.clusters);
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
        let mut ctx = RuleContext { doc: &docs[registry.doc], out };
        if resolve(registry.resource.namespace(), &registry.resource.spec.cluster_ref).is_none() {
            unresolved(&mut ctx, &registry.resource.spec.cluster_ref, &validated.clusters);
        }
    }
}

fn unresolved(ctx: &mut RuleContext<'_>, r: &ClusterRef, clusters: &[Checked<RivvenClusterSpec>]) {
    let elsewhere: Vec<String> = clusters
        .iter()
        .filter(|c| c.resource.name() == r.name)
        .map(|c| c.resource.namespace().unwrap_or("(no namespace)").to_owned())
        .collect();
    let d = ctx.warning("ref/cluster-outside-input", "/spec/clusterRef/name", format!("RivvenCluster `{}` is not in the input; rendering assumes it exists in the cluster", r.name));
    if elsewhere.is_empty() {
        d.with_hint("add the RivvenCluster's file to the input to check replication factors and names against it");
    } else {
        d.with_hint(format!("a RivvenCluster of that name is in namespace {}: set `clusterRef.namespace`", elsewhere.join(", ")));
    }
}

fn duplicates(validated: &Validated, docs: &[Document], out: &mut Vec<Diagnostic>) {
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
            let mut ctx = RuleContext { doc: &docs[doc], out };
            let first_doc = &docs[first];
            ctx.error("ref/duplicate-resource", "/metadata/name", format!("{} `{name}` is defined twice", kind.name()))
                .with_hint(format!("the first definition is document {} of its file", first_doc.index_in_file + 1));
        } else {
            seen.insert((kind, ns, name), doc);
        }
    }
}
