//! RivvenTopic -> no workload: one ConfigMap per cluster, `rivven-{cluster}-topics`, listing the
//! desired topics (JSON under the key `topics.json`), which the in-cluster companion applies.
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;

use super::common::Owner;
use super::RenderedObject;
use crate::model::plan::{self, BrokerTopicConfig, PlannedTopic, TopicPlan};
use crate::model::topic::TopicConfig;
use crate::model::{names, spelling, Kind, DEFAULT_RIVVEN_VERSION};
use crate::source::ResourceRef;
use crate::validate::Validated;

/// Key of the plan in the ConfigMap.
pub const PLAN_KEY: &str = "topics.json";

/// The topic plans, one per referenced cluster (namespace, cluster name), topics sorted by broker name.
pub fn plans(validated: &Validated) -> Vec<((Option<String>, String), TopicPlan)> {
    let mut plans: BTreeMap<(Option<String>, String), Vec<PlannedTopic>> = BTreeMap::new();
    for checked in &validated.topics {
        let topic = &checked.resource;
        let spec = &topic.spec;
        let namespace = spec.cluster_ref.namespace.clone().or_else(|| topic.namespace().map(str::to_owned));
        plans.entry((namespace, spec.cluster_ref.name.clone())).or_default().push(PlannedTopic {
            name: spec.broker_topic_name(topic.name()).to_owned(),
            partitions: spec.partitions,
            replication_factor: spec.replication_factor,
            config: broker_config(&spec.config),
            delete_on_remove: spec.delete_on_remove,
            source: format!("RivvenTopic/{}{}", topic.namespace().map(|n| format!("{n}/")).unwrap_or_default(), topic.name()),
        });
    }
    plans
        .into_iter()
        .map(|(key, mut topics)| {
            topics.sort_by(|a, b| a.name.cmp(&b.name));
            let plan = TopicPlan { cluster: key.1.clone(), topics };
            (key, plan)
        })
        .collect()
}

/// One plan ConfigMap per referenced cluster, with the cluster's name and the resource it belongs to
/// (the cluster when it is in the input, else the plan's first topic).
pub fn render_plans(validated: &Validated) -> Vec<(String, &ResourceRef, RenderedObject)> {
    plans(validated)
        .into_iter()
        .map(|((namespace, cluster), plan)| {
            // The plan belongs to its cluster, and takes its version label, when the cluster is in the input.
            let (from, version) = match validated.clusters.iter().find(|c| c.resource.namespace() == namespace.as_deref() && c.resource.name() == cluster) {
                Some(c) => (&c.reference, c.resource.spec.version.as_str()),
                None => (first_topic(validated, namespace.as_deref(), &cluster), DEFAULT_RIVVEN_VERSION),
            };
            let labels = BTreeMap::new();
            let owner = Owner {
                kind: Kind::Cluster,
                name: &cluster,
                namespace: namespace.as_deref(),
                app: "rivven",
                component: "topic-plan",
                version,
                user_labels: &labels,
            };
            let object = RenderedObject::new(&ConfigMap {
                metadata: owner.metadata(names::cluster_topics(&cluster)),
                data: Some(BTreeMap::from([(PLAN_KEY.to_owned(), plan::to_text(&plan))])),
                ..ConfigMap::default()
            });
            (cluster, from, object)
        })
        .collect()
}

/// The first (by name) of the topics of a plan whose cluster is not in the input.
fn first_topic<'a>(validated: &'a Validated, namespace: Option<&str>, cluster: &str) -> &'a ResourceRef {
    let topics = validated.topics.iter().filter(|t| {
        let r = &t.resource.spec.cluster_ref;
        r.name == cluster && r.namespace.as_deref().or(t.resource.namespace()) == namespace
    });
    &topics.min_by_key(|t| t.resource.name()).expect("a plan has a topic").reference
}

/// The topic configuration under the broker's own keys, values as strings.
fn broker_config(config: &TopicConfig) -> BrokerTopicConfig {
    BrokerTopicConfig {
        retention_ms: config.retention_ms.map(|v| v.to_string()),
        retention_bytes: config.retention_bytes.map(|v| v.to_string()),
        cleanup_policy: config.cleanup_policy.as_ref().map(spelling),
        compression_type: config.compression_type.as_ref().map(spelling),
        min_insync_replicas: config.min_insync_replicas.map(|v| v.to_string()),
        max_message_bytes: config.max_message_bytes.map(|v| v.to_string()),
        segment_bytes: config.segment_bytes.map(|v| v.to_string()),
        segment_ms: config.segment_ms.map(|v| v.to_string()),
    }
}

