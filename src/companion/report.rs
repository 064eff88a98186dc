//! What the companion says about each resource after a pass: the three conditions, a phase and the
//! kind's facts, built purely from the pass's results; and the JSON merge patch that turns the old
//! status into the new one (keys that disappear are removed, not left behind).
use serde_json::{Map, Value};

use crate::model::status::{ConditionStatus, ResourceStatus};
use crate::reconcile::status::Observed;

/// One resource's report.
#[derive(Clone, Debug, PartialEq)]
pub struct Report {
    /// `RivvenTopic`, `RivvenCluster`, …, or `ConfigMap` for a plan ConfigMap's topic or levels.
    pub kind: &'static str,
    /// Namespace.
    pub namespace: String,
    /// Name (for a plan ConfigMap's topic: `configmap#topic`).
    pub name: String,
    /// Ready, Progressing, Degraded.
    pub conditions: Vec<Observed>,
    /// `Ready`, `Progressing`, `Failed` or `Unmanaged`.
    pub phase: &'static str,
    /// The kind's facts.
    pub facts: ResourceStatus,
}

/// How a resource stands, from which the three conditions follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Standing {
    /// As specified. `degraded`: something 0.0.22 cannot do for it, said but not blocking.
    Ready { reason: &'static str, message: String, degraded: Option<(&'static str, String)> },
    /// On its way (waiting for pods, retrying an error that may pass).
    Progressing { reason: &'static str, message: String },
    /// Refused or failed until the resource changes.
    Failed { reason: &'static str, message: String },
    /// `managed: "false"`.
    Unmanaged { message: String },
}

fn condition(type_: &'static str, status: ConditionStatus, reason: &'static str, message: &str) -> Observed {
    Observed { type_, status, reason, message: message.to_owned() }
}

impl Standing {
    /// The conditions and phase.
    pub fn conditions(&self) -> (Vec<Observed>, &'static str) {
        use ConditionStatus::{False, True, Unknown};
        match self {
            Standing::Ready { reason, message, degraded } => {
                let degraded = match degraded {
                    Some((r, m)) => condition("Degraded", True, r, m),
                    None => condition("Degraded", False, reason, "nothing is degraded"),
                };
                (vec![condition("Ready", True, reason, message), condition("Progressing", False, reason, "nothing left to do"), degraded], "Ready")
            }
            Standing::Progressing { reason, message } => (vec![condition("Ready", False, reason, message), condition("Progressing", True, reason, message), condition("Degraded", False, reason, "waiting, not failed")], "Progressing"),
            Standing::Failed { reason, message } => (vec![condition("Ready", False, reason, message), condition("Progressing", False, reason, "nothing is retried until the resource changes"), condition("Degraded", True, reason, message)], "Failed"),
            Standing::Unmanaged { message } => (vec![condition("Ready", Unknown, "Unmanaged", message), condition("Progressing", False, "Unmanaged", message), condition("Degraded", False, "Unmanaged", message)], "Unmanaged"),
        }
    }
}

/// A report from a standing and facts.
pub fn report(kind: &'static str, namespace: &str, name: &str, standing: &Standing, facts: ResourceStatus) -> Report {
    let (conditions, phase) = standing.conditions();
    Report { kind, namespace: namespace.to_owned(), name: name.to_owned(), conditions, phase, facts }
}

/// The JSON merge patch (RFC 7386) from `old` to `new`: changed keys, and `null` for keys gone.
pub fn merge_patch(old: &Value, new: &Value) -> Value {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            let mut patch = Map::new();
            for (k, v) in n {
                match o.get(k) {
                    Some(before) if before == v => {}
                    Some(before) => {
                        patch.insert(k.clone(), merge_patch(before, v));
                    }
                    None => {
                        patch.insert(k.clone(), v.clone());
                    }
                }
            }
            for k in o.keys().filter(|k| !n.contains_key(*k)) {
                patch.insert(k.clone(), Value::Null);
            }
            Value::Object(patch)
        }
        _ => new.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn each_standing_gives_three_conditions_and_a_phase() {
        let table = [
            (Standing::Ready { reason: "Ready", message: "ok".into(), degraded: None }, ["True", "False", "False"], "Ready"),
            (Standing::Ready { reason: "Ready", message: "ok".into(), degraded: Some(("ReplicationFactorNotApplied", "rf".into())) }, ["True", "False", "True"], "Ready"),
            (Standing::Progressing { reason: "ClusterNotReady", message: "0/1".into() }, ["False", "True", "False"], "Progressing"),
            (Standing::Failed { reason: "InvalidConfig", message: "bad".into() }, ["False", "False", "True"], "Failed"),
            (Standing::Unmanaged { message: "off".into() }, ["Unknown", "False", "False"], "Unmanaged"),
        ];
        for (standing, statuses, phase) in table {
            let (conditions, got_phase) = standing.conditions();
            let types: Vec<&str> = conditions.iter().map(|c| c.type_).collect();
            let got: Vec<String> = conditions.iter().map(|c| format!("{:?}", c.status)).collect();
            assert_eq!((types, got, got_phase), (vec!["Ready", "Progressing", "Degraded"], statuses.map(String::from).to_vec(), phase), "{standing:?}");
        }
    }

    #[test]
    fn a_merge_patch_removes_what_is_gone_and_keeps_what_is_equal() {
        let old = json!({"phase": "Ready", "config": {"retention.ms": "1", "cleanup.policy": "delete"}, "warnings": ["w"], "partitions": 3});
        let new = json!({"phase": "Ready", "config": {"retention.ms": "2"}, "partitions": 3});
        assert_eq!(merge_patch(&old, &new), json!({"config": {"retention.ms": "2", "cleanup.policy": null}, "warnings": null}));
        assert_eq!(merge_patch(&new, &new), json!({}));
        assert_eq!(merge_patch(&json!(null), &new), new);
    }
}
