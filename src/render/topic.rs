//! RivvenTopic -> no workload: one ConfigMap per cluster, `rivven-{cluster}-topics`, listing the
//! desired topics (JSON under the key `topics.json`), which the in-cluster companion applies.
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::ConfigMap;
use serde_json::{json, Map, Value};

use super::common::Owner;
use super::RenderedObject;
use crate::model::topic::TopicConfig;
use crate::model::{names, Kind, DEFAULT_RIVVEN_VERSION};
use crate::validate::Validated;

/// Key of the plan in the ConfigMap.
pub const PLAN_KEY: &str = "topics.json";

/// One plan per referenced cluster (with the cluster's name), topics sorted by broker name.
pub fn render_plans(validated: &Validated) -> Vec<(String, RenderedObject)> {
    let mut plans: BTreeMap<(Option<String>, String), Vec<Value>> = BTreeMap::new();
    for checked in &validated.topics {
        let topic = &checked.resource;
        let spec = &topic.spec;
        let namespace = spec.cluster_ref.namespace.clone().or_else(|| topic.namespace().map(str::to_owned));
        plans.entry((namespace, spec.cluster_ref.name.clone())).or_default().push(json!({
            "name": spec.broker_topic_name(topic.name()),
            "partitions": spec.partitions,
            "replicationFactor": spec.replication_factor,
            "config": broker_config(&spec.config),
            "deleteOnRemove": spec.delete_on_remove,
            "source": format!("RivvenTopic/{}{}", topic.namespace().map(|n| format!("{n}/")).unwrap_or_default(), topic.name()),
        }));
    }
    plans
        .into_iter()
        .map(|((namespace, cluster), mut topics)| {
            topics.sort_by(|a, b| a["name"].as_str().cmp(&b["name"].as_str()));
            let labels = BTreeMap::new();
            let owner = Owner {
                kind: Kind::Cluster,
                name: &cluster,
                namespace: namespace.as_deref(),
                app: "rivven",
                component: "topic-plan",
                version: DEFAULT_RIVVEN_VERSION,
                user_labels: &labels,
            };
            let mut text = serde_json::to_string_pretty(&json!({ "cluster": cluster, "topics": topics })).expect("plan serializes");
            text.push('\n');
            let plan = RenderedObject::new(&ConfigMap {
                metadata: owner.metadata(names::cluster_topics(&cluster)),
                data: Some(BTreeMap::from([(PLAN_KEY.to_owned(), text)])),
                ..ConfigMap::default()
            });
            (cluster, plan)
        })
        .collect()
}

/// The topic configuration under the broker's own keys, values as strings.
fn broker_config(config: &TopicConfig) -> Value {
    let mut map = Map::new();
    let mut put = |key: &str, value: Option<String>| {
        if let Some(v) = value {
            map.insert(key.to_owned(), Value::String(v));
        }
    };
    put("retention.ms", config.retention_ms.map(|v| v.to_string()));
    put("retention.bytes", config.retention_bytes.map(|v| v.to_string()));
    put("cleanup.policy", config.cleanup_policy.as_ref().map(spelling));
    put("compression.type", config.compression_type.as_ref().map(spelling));
    put("min.insync.replicas", config.min_insync_replicas.map(|v| v.to_string()));
    put("max.message.bytes", config.max_message_bytes.map(|v| v.to_string()));
    put("segment.bytes", config.segment_bytes.map(|v| v.to_string()));
    put("segment.ms", config.segment_ms.map(|v| v.to_string()));
    Value::Object(map)
}

/// The serde spelling of an enum value (`compact,delete`, `lz4`).
fn spelling<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}
