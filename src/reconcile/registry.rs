//! What the in-cluster companion tells a schema registry (issue 12), decided purely from its plan
//! and what the registry reports. rivven-schema 0.0.22 keeps its levels in memory and ignores
//! `--compatibility`, so every level is set through its REST API, again after each restart.
use std::collections::BTreeMap;

use crate::model::plan::RegistryPlan;
use crate::model::schema_registry::CompatibilityLevel;

/// One REST call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RegistryCall {
    /// `PUT /config {"compatibility": LEVEL}`.
    SetGlobal(CompatibilityLevel),
    /// `PUT /config/{subject} {"compatibility": LEVEL}`.
    SetSubject(String, CompatibilityLevel),
}

/// The calls that make the registry match its plan. `global` is what `GET /config` reports and
/// `subjects` what `GET /config/{subject}` reports for each planned subject (a subject without a
/// level of its own reports the global one in 0.0.22, so it is set whenever that differs from its
/// plan). A subject left out of the plan is not touched: `DELETE /config/{subject}` is 405 in 0.0.22.
pub fn decide(plan: &RegistryPlan, global: Option<CompatibilityLevel>, subjects: &BTreeMap<String, CompatibilityLevel>) -> Vec<RegistryCall> {
    let mut calls = Vec::new();
    if global != Some(plan.compatibility) {
        calls.push(RegistryCall::SetGlobal(plan.compatibility));
    }
    for s in &plan.subjects {
        if subjects.get(&s.subject) != Some(&s.compatibility) {
            calls.push(RegistryCall::SetSubject(s.subject.clone(), s.compatibility));
        }
    }
    calls
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::plan::SubjectCompatibility;
    use CompatibilityLevel::{Backward, Full, None as NoCheck};

    #[test]
    fn only_what_differs_is_set_and_a_restarted_registry_gets_everything_again() {
        let plan = RegistryPlan { registry: "http://r:8081".into(), compatibility: Backward, subjects: vec![SubjectCompatibility { subject: "orders-value".into(), compatibility: Full }] };
        let subjects = |level| BTreeMap::from([("orders-value".to_owned(), level)]);
        let table = [
            ("in sync", Some(Backward), subjects(Full), vec![]),
            ("just restarted: the defaults again", Some(Backward), subjects(Backward), vec![RegistryCall::SetSubject("orders-value".into(), Full)]),
            ("global drifted", Some(NoCheck), subjects(Full), vec![RegistryCall::SetGlobal(Backward)]),
            ("unreadable global", None, BTreeMap::new(), vec![RegistryCall::SetGlobal(Backward), RegistryCall::SetSubject("orders-value".into(), Full)]),
        ];
        for (case, global, observed, calls) in table {
            assert_eq!(decide(&plan, global, &observed), calls, "{case}");
        }
    }
}
