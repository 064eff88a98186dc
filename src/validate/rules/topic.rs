//! Rules of RivvenTopic.
use super::super::context::RuleContext;
use super::super::k8s;
use super::common;
use crate::model::{Kind, RivvenTopic};

/// Checks one topic.
pub fn check(ctx: &mut RuleContext<'_>, topic: &RivvenTopic) {
    let spec = &topic.spec;
    common::metadata(ctx, Kind::Topic, &topic.metadata);
    common::cluster_ref(ctx, &spec.cluster_ref);
    let name = spec.broker_topic_name(topic.name());
    if k8s::topic_name(name).is_err() {
        let pointer = if spec.topic_name.is_some() { "/spec/topicName" } else { "/metadata/name" };
        ctx.error("topic/name", pointer, format!("`{name}` is not a valid broker topic name"))
            .with_hint("topic names match ^[A-Za-z0-9][A-Za-z0-9._-]*$ and have at most 255 characters");
    }
    if let Some(min_isr) = spec.config.min_insync_replicas {
        if min_isr > spec.replication_factor {
            ctx.error(
                "topic/min-isr",
                "/spec/config/minInsyncReplicas",
                format!("minInsyncReplicas ({min_isr}) exceeds replicationFactor ({})", spec.replication_factor),
            )
            .with_hint("no write could ever be acknowledged");
        }
    }
    // A topic names no version: its cluster runs the newest known release unless it says otherwise.
    let release = crate::rivven::NEWEST;
    if !spec.acls.is_empty() && !release.broker.acls {
        ctx.warning("rivven/acls-unsupported", "/spec/acls", format!("Rivven {} cannot provision ACLs; these entries are not applied", release.version))
            .with_hint(format!("rivvend runs with --no-require-auth because {} cannot create users", release.version));
    }
}
