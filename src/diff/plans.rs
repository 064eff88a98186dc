//! The plans interpreted (pure): what a change of a topic plan or a registry plan asks of the
//! broker and the registry, and what they will refuse.
use serde_json::Value;

use super::consequence::{Consequence, Impact, Reason};
use crate::model::plan::{PlannedTopic, RegistryPlan, TopicPlan};
use crate::render::ObjectRef;

/// Reads a plan out of its ConfigMap (`None`: not that plan, or unreadable).
fn plan<T: serde::de::DeserializeOwned>(config_map: Option<&Value>, key: &str) -> Option<T> {
    let text = config_map?.get("data")?.get(key)?.as_str()?;
    serde_json::from_str(text).ok()
}

/// Consequences of a change of a plan ConfigMap; nothing for other objects.
pub fn consequences(object: &ObjectRef, before: Option<&Value>, after: Option<&Value>, release: &crate::rivven::Release) -> Vec<Consequence> {
    if object.kind != "ConfigMap" {
        return Vec::new();
    }
    let topics = |v| plan::<TopicPlan>(v, crate::render::topic::PLAN_KEY);
    let registry = |v| plan::<RegistryPlan>(v, crate::render::schema_registry::PLAN_KEY);
    let (old_topics, new_topics) = (topics(before), topics(after));
    if old_topics.is_some() || new_topics.is_some() {
        let none = Vec::new();
        let old = old_topics.as_ref().map_or(&none, |p| &p.topics);
        let new = new_topics.as_ref().map_or(&none, |p| &p.topics);
        return topic_changes(object, old, new, release);
    }
    let (old, new) = (registry(before), registry(after));
    if old.is_some() || new.is_some() {
        return registry_changes(object, old.as_ref(), new.as_ref());
    }
    Vec::new()
}

/// Topic by topic: created, deleted or kept, partitions, replication factor, config keys.
pub fn topic_changes(object: &ObjectRef, old: &[PlannedTopic], new: &[PlannedTopic], release: &crate::rivven::Release) -> Vec<Consequence> {
    let mut out = Vec::new();
    let c = |reason, impact, message: String| Consequence::new(reason, impact, object, message);
    let old_by_name: std::collections::HashMap<&str, &PlannedTopic> = old.iter().map(|t| (t.name.as_str(), t)).collect();
    let new_by_name: std::collections::HashSet<&str> = new.iter().map(|t| t.name.as_str()).collect();
    for t in new {
        let Some(o) = old_by_name.get(t.name.as_str()) else {
            out.push(c(Reason::TopicAdded, Impact::Info, format!("topic `{}` is created with {} partitions", t.name, t.partitions)));
            continue;
        };
        if t.partitions > o.partitions {
            out.push(c(Reason::TopicPartitionsGrown, Impact::Info, format!("topic `{}`: partitions {} -> {}; keyed messages map to other partitions from now on", t.name, o.partitions, t.partitions)));
        } else if t.partitions < o.partitions {
            out.push(c(
                Reason::TopicPartitionsRefused,
                Impact::Disruptive,
                format!("topic `{}`: partitions {} -> {}: the broker cannot remove partitions; the companion refuses it (NotSupported). Delete and recreate the topic to shrink it, losing its data", t.name, o.partitions, t.partitions),
            ));
        }
        if t.replication_factor != o.replication_factor {
            let message = if release.broker.topic_replication_factor {
                format!("topic `{}`: replication factor {} -> {}", t.name, o.replication_factor, t.replication_factor)
            } else {
                format!("topic `{}`: replication factor {} -> {}: Rivven {} cannot set it per topic; it is reported, never applied", t.name, o.replication_factor, t.replication_factor, release.version)
            };
            out.push(c(Reason::TopicReplicationNotApplied, Impact::Info, message));
        }
        let (a, b) = (config_map_of(o), config_map_of(t));
        for (key, value) in &b {
            match a.iter().find(|(k, _)| k == key) {
                Some((_, v)) if v == value => {}
                Some((_, v)) => out.push(c(Reason::TopicConfigChanged, Impact::Info, format!("topic `{}`: {key} {v} -> {value}", t.name))),
                None => out.push(c(Reason::TopicConfigChanged, Impact::Info, format!("topic `{}`: {key} set to {value}", t.name))),
            }
        }
        for (key, v) in &a {
            if !b.iter().any(|(k, _)| k == key) {
                out.push(c(Reason::TopicConfigReset, Impact::Info, format!("topic `{}`: {key} ({v}) is removed and returns to the broker default", t.name)));
            }
        }
    }
    for o in old.iter().filter(|o| !new_by_name.contains(o.name.as_str())) {
        if o.delete_on_remove {
            out.push(c(Reason::TopicDeleted, Impact::Disruptive, format!("topic `{}` is deleted on the broker (deleteOnRemove: true): its messages are lost", o.name)));
        } else {
            out.push(c(Reason::TopicKept, Impact::Info, format!("topic `{}` leaves the plan and stays on the broker with its data (deleteOnRemove: false); delete it by hand if it is no longer needed", o.name)));
        }
    }
    out
}

fn config_map_of(topic: &PlannedTopic) -> Vec<(String, String)> {
    let value = serde_json::to_value(&topic.config).unwrap_or(Value::Null);
    value.as_object().map(|m| m.iter().map(|(k, v)| (k.clone(), super::consequence::short(Some(v)))).collect()).unwrap_or_default()
}

/// The global level and each subject's.
pub fn registry_changes(object: &ObjectRef, old: Option<&RegistryPlan>, new: Option<&RegistryPlan>) -> Vec<Consequence> {
    let (Some(old), Some(new)) = (old, new) else { return Vec::new() };
    let mut out = Vec::new();
    let level = |l: &crate::model::schema_registry::CompatibilityLevel| super::consequence::short(serde_json::to_value(l).ok().as_ref());
    let checked = "schemas registered from now on are checked against the new level; those already registered stay";
    if old.compatibility != new.compatibility {
        out.push(Consequence::new(Reason::RegistryCompatibility, Impact::Info, object, format!("global compatibility {} -> {}: {checked}", level(&old.compatibility), level(&new.compatibility))));
    }
    for s in &new.subjects {
        let before = old.subjects.iter().find(|o| o.subject == s.subject).map(|o| level(&o.compatibility)).unwrap_or_else(|| format!("global ({})", level(&old.compatibility)));
        let after = level(&s.compatibility);
        if before != after {
            out.push(Consequence::new(Reason::RegistryCompatibility, Impact::Info, object, format!("subject `{}`: compatibility {before} -> {after}: {checked}", s.subject)));
        }
    }
    for o in old.subjects.iter().filter(|o| !new.subjects.iter().any(|s| s.subject == o.subject)) {
        out.push(Consequence::new(
            Reason::RegistryCompatibility,
            Impact::Info,
            object,
            format!("subject `{}`: its own level {} is removed; the global level {} applies", o.subject, level(&o.compatibility), level(&new.compatibility)),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::plan::{BrokerTopicConfig, SubjectCompatibility};
    use crate::model::schema_registry::CompatibilityLevel;

    fn topic(name: &str, partitions: u32, retention: Option<&str>, delete_on_remove: bool) -> PlannedTopic {
        PlannedTopic {
            name: name.into(),
            partitions,
            replication_factor: 1,
            config: BrokerTopicConfig { retention_ms: retention.map(str::to_owned), ..BrokerTopicConfig::default() },
            delete_on_remove,
            source: format!("RivvenTopic/{name}"),
        }
    }

    fn object() -> ObjectRef {
        ObjectRef { api_version: "v1".into(), kind: "ConfigMap".into(), namespace: None, name: "rivven-demo-topics".into() }
    }

    fn reasons(old: &[PlannedTopic], new: &[PlannedTopic]) -> Vec<(Reason, Impact)> {
        topic_changes(&object(), old, new, crate::rivven::NEWEST).into_iter().map(|c| (c.reason, c.impact)).collect()
    }

    #[test]
    fn topic_rules() {
        use Impact::*;
        use Reason::*;
        type Row = (&'static str, Vec<PlannedTopic>, Vec<PlannedTopic>, Vec<(Reason, Impact)>);
        let rows: Vec<Row> = vec![
            ("added", vec![], vec![topic("a", 3, None, false)], vec![(TopicAdded, Info)]),
            ("grown", vec![topic("a", 3, None, false)], vec![topic("a", 6, None, false)], vec![(TopicPartitionsGrown, Info)]),
            ("shrunk", vec![topic("a", 6, None, false)], vec![topic("a", 3, None, false)], vec![(TopicPartitionsRefused, Disruptive)]),
            ("config set", vec![topic("a", 3, None, false)], vec![topic("a", 3, Some("1000"), false)], vec![(TopicConfigChanged, Info)]),
            ("config changed", vec![topic("a", 3, Some("1"), false)], vec![topic("a", 3, Some("2"), false)], vec![(TopicConfigChanged, Info)]),
            ("config reset", vec![topic("a", 3, Some("1"), false)], vec![topic("a", 3, None, false)], vec![(TopicConfigReset, Info)]),
            ("deleted", vec![topic("a", 3, None, true)], vec![], vec![(TopicDeleted, Disruptive)]),
            ("kept", vec![topic("a", 3, None, false)], vec![], vec![(TopicKept, Info)]),
            ("unchanged", vec![topic("a", 3, None, true)], vec![topic("a", 3, None, true)], vec![]),
        ];
        for (what, old, new, expected) in rows {
            assert_eq!(reasons(&old, &new), expected, "{what}");
        }
        let mut rf = topic("a", 3, None, false);
        rf.replication_factor = 3;
        let c = topic_changes(&object(), &[topic("a", 3, None, false)], &[rf], crate::rivven::NEWEST);
        assert_eq!(c[0].reason, Reason::TopicReplicationNotApplied);
        assert!(c[0].message.contains("never applied"), "{}", c[0].message);
    }

    #[test]
    fn registry_rules() {
        let plan = |level, subjects: Vec<(&str, CompatibilityLevel)>| RegistryPlan {
            registry: "http://r:8081".into(),
            compatibility: level,
            subjects: subjects.into_iter().map(|(s, c)| SubjectCompatibility { subject: s.into(), compatibility: c }).collect(),
        };
        let messages = |a: &RegistryPlan, b: &RegistryPlan| registry_changes(&object(), Some(a), Some(b)).into_iter().map(|c| c.message).collect::<Vec<_>>();
        let a = plan(CompatibilityLevel::Backward, vec![("orders-value", CompatibilityLevel::Full)]);
        assert!(messages(&a, &a.clone()).is_empty());
        let b = plan(CompatibilityLevel::Full, vec![]);
        let m = messages(&a, &b);
        assert_eq!(m.len(), 2, "{m:?}");
        assert!(m[0].starts_with("global compatibility BACKWARD -> FULL"), "{m:?}");
        assert!(m[1].contains("subject `orders-value`: its own level FULL is removed"), "{m:?}");
    }
}
