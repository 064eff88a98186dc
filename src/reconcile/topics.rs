//! What the in-cluster companion does about one broker topic (issue 12), decided purely from the
//! desired topic (a plan entry), what the broker reports, and what the companion applied before.
//! The decisions follow what Rivven 0.0.22 can do (`../shared/notes/rivven-0.0.22.md`): topics are
//! created without configs (they are altered right after), partitions only grow, the replication
//! factor is the broker's own and cannot be set per topic, configs are forgotten on a restart, and
//! errors are strings whose prefixes say what went wrong.
use std::collections::{BTreeMap, BTreeSet};

use crate::model::plan::{BrokerTopicConfig, PlannedTopic};

/// A topic as the broker reports it (`get_metadata`, `describe_topic_configs`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ObservedTopic {
    /// Its partition count.
    pub partitions: u32,
    /// Its configuration, by broker key.
    pub config: BTreeMap<String, String>,
}

/// One call to make on the broker.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopicCall {
    /// `create_topic(name, partitions)`.
    Create { partitions: u32 },
    /// `create_partitions(name, total)`.
    GrowPartitions { to: u32 },
    /// `alter_topic_config(name, ...)`: keys set to values, and keys reset to the broker's default.
    AlterConfig { set: Vec<(String, String)>, reset: Vec<String> },
    /// `delete_topic(name)`.
    Delete,
}

/// Something the status must say, with its CamelCase reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TopicReport {
    /// Fewer partitions than the broker has: Rivven can only add partitions (`NotSupported`).
    PartitionDecreaseRefused { observed: u32, desired: u32 },
    /// The replication factor asked for is not the broker's: Rivven 0.0.22 sets it per broker, not
    /// per topic (`ReplicationFactorNotApplied`); never reported as applied.
    ReplicationFactorNotApplied { desired: u16, broker: u16 },
    /// The resource is gone and `deleteOnRemove` is off: the broker topic stays (`Retained`).
    Retained,
}

impl TopicReport {
    /// The status condition reason.
    pub fn reason(&self) -> &'static str {
        match self {
            TopicReport::PartitionDecreaseRefused { .. } => "NotSupported",
            TopicReport::ReplicationFactorNotApplied { .. } => "ReplicationFactorNotApplied",
            TopicReport::Retained => "Retained",
        }
    }
}

/// What to do about one topic, and what to report.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TopicDecision {
    /// The calls, in order.
    pub calls: Vec<TopicCall>,
    /// The reports.
    pub reports: Vec<TopicReport>,
}

/// The broker keys and values a plan entry sets.
pub fn desired_config(config: &BrokerTopicConfig) -> BTreeMap<String, String> {
    let value = serde_json::to_value(config).expect("topic configs serialize");
    value.as_object().into_iter().flatten().filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned()))).collect()
}

/// Decides one topic. `desired` is `None` once its resource is gone (`delete_on_remove` is then
/// the last value it had); `applied` are the config keys the companion set before (a key no longer
/// desired is reset only if the companion set it, never one someone else manages);
/// `broker_replication_factor` is the cluster's, when known.
pub fn decide(desired: Option<&PlannedTopic>, observed: Option<&ObservedTopic>, applied: &BTreeSet<String>, delete_on_remove: bool, broker_replication_factor: Option<u16>) -> TopicDecision {
    let mut decision = TopicDecision::default();
    let Some(desired) = desired else {
        match (observed, delete_on_remove) {
            (Some(_), true) => decision.calls.push(TopicCall::Delete),
            (Some(_), false) => decision.reports.push(TopicReport::Retained),
            (None, _) => {}
        }
        return decision;
    };
    let want = desired_config(&desired.config);
    let empty = BTreeMap::new();
    let have = match observed {
        None => {
            decision.calls.push(TopicCall::Create { partitions: desired.partitions });
            &empty
        }
        Some(observed) => {
            if desired.partitions > observed.partitions {
                decision.calls.push(TopicCall::GrowPartitions { to: desired.partitions });
            } else if desired.partitions < observed.partitions {
                decision.reports.push(TopicReport::PartitionDecreaseRefused { observed: observed.partitions, desired: desired.partitions });
            }
            &observed.config
        }
    };
    let set: Vec<(String, String)> = want.iter().filter(|(k, v)| have.get(*k) != Some(*v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    let reset: Vec<String> = applied.iter().filter(|k| !want.contains_key(*k) && have.contains_key(*k)).cloned().collect();
    if !set.is_empty() || !reset.is_empty() {
        decision.calls.push(TopicCall::AlterConfig { set, reset });
    }
    if let Some(broker) = broker_replication_factor.filter(|rf| *rf != desired.replication_factor) {
        decision.reports.push(TopicReport::ReplicationFactorNotApplied { desired: desired.replication_factor, broker });
    }
    decision
}

/// What a broker error string means (rivven-client returns `ServerError(String)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BrokerError {
    /// `Topic 'x' already exists`: a create that raced another; not an error.
    AlreadyExists,
    /// `Topic not found: x`: gone meanwhile (a delete is then done).
    NotFound,
    /// `INVALID_CONFIG:` (an unknown key or a bad value): `InvalidConfig`.
    InvalidConfig,
    /// `INVALID_PARTITIONS:` / `INVALID_PARTITION_COUNT:`: `NotSupported`.
    InvalidPartitions,
    /// `INVALID_TOPIC_NAME:`: `InvalidName`.
    InvalidName,
    /// `AUTHENTICATION_REQUIRED:`: `AuthenticationRequired`.
    AuthenticationRequired,
    /// Anything else: retried with back-off (`BrokerError`).
    Other,
}

impl BrokerError {
    /// Reads an error string.
    pub fn classify(message: &str) -> Self {
        let m = message.trim();
        if m.starts_with("Topic '") && m.ends_with("already exists") {
            BrokerError::AlreadyExists
        } else if m.starts_with("Topic not found") {
            BrokerError::NotFound
        } else if m.starts_with("INVALID_CONFIG:") {
            BrokerError::InvalidConfig
        } else if m.starts_with("INVALID_PARTITIONS:") || m.starts_with("INVALID_PARTITION_COUNT:") {
            BrokerError::InvalidPartitions
        } else if m.starts_with("INVALID_TOPIC_NAME:") {
            BrokerError::InvalidName
        } else if m.starts_with("AUTHENTICATION_REQUIRED:") {
            BrokerError::AuthenticationRequired
        } else {
            BrokerError::Other
        }
    }

    /// The status condition reason.
    pub fn reason(self) -> &'static str {
        match self {
            BrokerError::AlreadyExists => "Created",
            BrokerError::NotFound => "NotFound",
            BrokerError::InvalidConfig => "InvalidConfig",
            BrokerError::InvalidPartitions => "NotSupported",
            BrokerError::InvalidName => "InvalidName",
            BrokerError::AuthenticationRequired => "AuthenticationRequired",
            BrokerError::Other => "BrokerError",
        }
    }

    /// Whether trying again later can help (the others need a change of the resource).
    pub fn retryable(self) -> bool {
        matches!(self, BrokerError::NotFound | BrokerError::Other)
    }
}

/// A resource that asks for a broker topic: its `Kind/namespace/name` and creation time (RFC 3339,
/// which sorts as time for one offset).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Claim<'a> {
    /// `RivvenTopic/namespace/name`.
    pub source: &'a str,
    /// `metadata.creationTimestamp`.
    pub created: &'a str,
}

/// Of several resources asking for one broker topic, the older wins (ties: by name); the others
/// get `ResourceConflict`. Returns (winner, losers).
pub fn owner<'a>(claims: &[Claim<'a>]) -> Option<(&'a str, Vec<&'a str>)> {
    let mut sorted: Vec<&Claim<'a>> = claims.iter().collect();
    sorted.sort_by(|a, b| (a.created, a.source).cmp(&(b.created, b.source)));
    let (first, rest) = sorted.split_first()?;
    Some((first.source, rest.iter().map(|c| c.source).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn topic(partitions: u32, rf: u16, retention: Option<&str>) -> PlannedTopic {
        PlannedTopic {
            name: "orders".into(),
            partitions,
            replication_factor: rf,
            config: BrokerTopicConfig { retention_ms: retention.map(str::to_owned), ..BrokerTopicConfig::default() },
            delete_on_remove: false,
            source: "RivvenTopic/default/orders".into(),
        }
    }

    fn observed(partitions: u32, config: &[(&str, &str)]) -> ObservedTopic {
        ObservedTopic { partitions, config: config.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect() }
    }

    fn alter(set: &[(&str, &str)], reset: &[&str]) -> TopicCall {
        TopicCall::AlterConfig { set: set.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(), reset: reset.iter().map(|k| (*k).to_owned()).collect() }
    }

    #[test]
    fn each_state_of_a_topic_gets_its_calls_and_reports() {
        let applied_retention: BTreeSet<String> = ["retention.ms".to_owned()].into();
        let none = BTreeSet::new();
        // (case, desired, observed, applied, deleteOnRemove, broker RF, calls, report reasons)
        type Row<'a> = (&'a str, Option<PlannedTopic>, Option<ObservedTopic>, &'a BTreeSet<String>, bool, Option<u16>, Vec<TopicCall>, Vec<&'a str>);
        let table: Vec<Row> = vec![
            ("new topic: created, then its configs set", Some(topic(3, 1, Some("1000"))), None, &none, false, Some(1), vec![TopicCall::Create { partitions: 3 }, alter(&[("retention.ms", "1000")], &[])], vec![]),
            ("in sync: nothing", Some(topic(3, 1, Some("1000"))), Some(observed(3, &[("retention.ms", "1000")])), &applied_retention, false, Some(1), vec![], vec![]),
            ("grown", Some(topic(6, 1, None)), Some(observed(3, &[])), &none, false, None, vec![TopicCall::GrowPartitions { to: 6 }], vec![]),
            ("shrink refused, nothing called", Some(topic(2, 1, None)), Some(observed(3, &[])), &none, false, None, vec![], vec!["NotSupported"]),
            ("configs lost in a broker restart: set again", Some(topic(3, 1, Some("1000"))), Some(observed(3, &[])), &applied_retention, false, None, vec![alter(&[("retention.ms", "1000")], &[])], vec![]),
            ("a key removed from the spec is reset", Some(topic(3, 1, None)), Some(observed(3, &[("retention.ms", "1000")])), &applied_retention, false, None, vec![alter(&[], &["retention.ms"])], vec![]),
            ("a key the companion never set is left alone", Some(topic(3, 1, None)), Some(observed(3, &[("retention.ms", "1000")])), &none, false, None, vec![], vec![]),
            ("replication factor of the broker differs: reported, never applied", Some(topic(3, 3, None)), Some(observed(3, &[])), &none, false, Some(1), vec![], vec!["ReplicationFactorNotApplied"]),
            ("removed, deleteOnRemove: deleted", None, Some(observed(3, &[])), &none, true, None, vec![TopicCall::Delete], vec![]),
            ("removed, kept", None, Some(observed(3, &[])), &none, false, None, vec![], vec!["Retained"]),
            ("removed and already gone", None, None, &none, true, None, vec![], vec![]),
        ];
        for (case, desired, observed, applied, delete, rf, calls, reasons) in table {
            let decision = decide(desired.as_ref(), observed.as_ref(), applied, delete, rf);
            assert_eq!(decision.calls, calls, "{case}");
            assert_eq!(decision.reports.iter().map(TopicReport::reason).collect::<Vec<_>>(), reasons, "{case}");
        }
    }

    #[test]
    fn broker_errors_are_read_from_their_prefixes() {
        let table = [
            ("Topic 'orders' already exists", BrokerError::AlreadyExists, "Created", false),
            ("Topic not found: orders", BrokerError::NotFound, "NotFound", true),
            ("INVALID_CONFIG: Unknown configuration key: retention.msx", BrokerError::InvalidConfig, "InvalidConfig", false),
            ("INVALID_PARTITIONS: New partition count 1 must be greater than current count 2", BrokerError::InvalidPartitions, "NotSupported", false),
            ("INVALID_PARTITION_COUNT: 0", BrokerError::InvalidPartitions, "NotSupported", false),
            ("INVALID_TOPIC_NAME: _x", BrokerError::InvalidName, "InvalidName", false),
            ("AUTHENTICATION_REQUIRED: login first", BrokerError::AuthenticationRequired, "AuthenticationRequired", false),
            ("connection reset by peer", BrokerError::Other, "BrokerError", true),
        ];
        for (message, kind, reason, retry) in table {
            let got = BrokerError::classify(message);
            assert_eq!((got, got.reason(), got.retryable()), (kind, reason, retry), "{message}");
        }
    }

    #[test]
    fn the_older_resource_owns_a_broker_topic() {
        let claims = [
            Claim { source: "RivvenTopic/b/orders", created: "2026-01-02T00:00:00Z" },
            Claim { source: "RivvenTopic/a/orders", created: "2026-01-01T00:00:00Z" },
            Claim { source: "RivvenTopic/c/orders", created: "2026-01-01T00:00:00Z" },
        ];
        assert_eq!(owner(&claims), Some(("RivvenTopic/a/orders", vec!["RivvenTopic/c/orders", "RivvenTopic/b/orders"])));
        assert_eq!(owner(&[]), None);
        assert_eq!(desired_config(&BrokerTopicConfig { cleanup_policy: Some("compact".into()), ..BrokerTopicConfig::default() }), BTreeMap::from([("cleanup.policy".to_owned(), "compact".to_owned())]));
    }
}
