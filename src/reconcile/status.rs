//! Status the companion writes (issue 12, in progress), merged purely: a condition keeps its
//! `lastTransitionTime` unless its status really changes, and the merge says whether anything
//! changed at all, so a steady resource gets no status write (no timestamp moves on every pass).
use crate::model::status::{Condition, ConditionStatus, ResourceStatus};

/// A condition as a reconcile pass computes it (no time: the merge decides that).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observed {
    /// `Ready`, `Progressing` or `Degraded`.
    pub type_: &'static str,
    /// Its status.
    pub status: ConditionStatus,
    /// CamelCase reason.
    pub reason: &'static str,
    /// For people.
    pub message: String,
}

/// The new status from the old one and this pass's facts (`observed`, without conditions),
/// conditions, phase and generation; `None` when it equals the old one (nothing to write). `now` is
/// used only for conditions whose status changed (or that are new).
pub fn merge(old: &ResourceStatus, observed: ResourceStatus, conditions: &[Observed], phase: &str, generation: i64, now: &str) -> Option<ResourceStatus> {
    let mut new = ResourceStatus { observed_generation: Some(generation), phase: Some(phase.to_owned()), conditions: Vec::new(), ..observed };
    for c in conditions {
        let before = old.conditions.iter().find(|o| o.type_ == c.type_);
        let transition = match before {
            Some(b) if b.status == c.status => b.last_transition_time.clone(),
            _ => Some(now.to_owned()),
        };
        new.conditions.push(Condition {
            type_: c.type_.to_owned(),
            status: c.status,
            reason: Some(c.reason.to_owned()),
            message: Some(c.message.clone()),
            last_transition_time: transition,
            observed_generation: Some(generation),
        });
    }
    (new != *old).then_some(new)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(status: ConditionStatus, reason: &'static str) -> Observed {
        Observed { type_: "Ready", status, reason, message: format!("{reason} message") }
    }

    #[test]
    fn a_steady_resource_gets_no_write_and_time_moves_only_on_a_transition() {
        let facts = ResourceStatus { partitions: Some(3), ..ResourceStatus::default() };
        let merge = |old: &ResourceStatus, c: &[Observed], phase: &str, generation: i64, now: &str| merge(old, facts.clone(), c, phase, generation, now);
        let first = merge(&ResourceStatus::default(), &[ready(ConditionStatus::False, "Creating")], "Progressing", 1, "T1").expect("a first status is written");
        assert_eq!(first.conditions[0].last_transition_time.as_deref(), Some("T1"));
        // The same pass later: nothing to write.
        assert_eq!(merge(&first, &[ready(ConditionStatus::False, "Creating")], "Progressing", 1, "T2"), None);
        // Another reason, same status: written, but the transition time stays.
        let reworded = merge(&first, &[ready(ConditionStatus::False, "BrokerError")], "Progressing", 1, "T3").unwrap();
        assert_eq!(reworded.conditions[0].last_transition_time.as_deref(), Some("T1"));
        // A real transition moves it.
        let done = merge(&reworded, &[ready(ConditionStatus::True, "Ready")], "Ready", 1, "T4").unwrap();
        assert_eq!(done.conditions[0].last_transition_time.as_deref(), Some("T4"));
        // A new generation is written even when the conditions hold, with the old transition time.
        let next = merge(&done, &[ready(ConditionStatus::True, "Ready")], "Ready", 2, "T5").unwrap();
        assert_eq!((next.observed_generation, next.conditions[0].last_transition_time.as_deref()), (Some(2), Some("T4")));
        // A fact that changes is written; the same facts again are not.
        let grown = super::merge(&next, ResourceStatus { partitions: Some(6), ..ResourceStatus::default() }, &[ready(ConditionStatus::True, "Ready")], "Ready", 2, "T6").unwrap();
        assert_eq!((grown.partitions, grown.conditions[0].last_transition_time.as_deref()), (Some(6), Some("T4")));
        assert_eq!(super::merge(&grown, ResourceStatus { partitions: Some(6), ..ResourceStatus::default() }, &[ready(ConditionStatus::True, "Ready")], "Ready", 2, "T7"), None);
    }
}
