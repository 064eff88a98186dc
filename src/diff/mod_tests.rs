//! The diff of two object lists: matching, actions, masking, the release warnings.
use serde_json::json;

use super::*;
use crate::diagnostics::{Diagnostic, Diagnostics};

fn object(kind: &str, name: &str, data: Value) -> RenderedObject {
    RenderedObject::from_value(json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "annotations": {SOURCE_ANNOTATION: "RivvenCluster/demo"}}, "data": data}))
}

#[test]
fn objects_match_by_identity_and_get_their_action() {
    let before = vec![object("ConfigMap", "a", json!({"x": "1"})), object("ConfigMap", "gone", json!({})), object("ConfigMap", "same", json!({}))];
    let after = vec![object("ConfigMap", "same", json!({})), object("ConfigMap", "new", json!({})), object("ConfigMap", "a", json!({"x": "2"}))];
    let d = diff(before, after, &Diagnostics::default(), &Diagnostics::default());
    let actions: Vec<(&str, Action)> = d.objects.iter().map(|o| (o.object.name.as_str(), o.action)).collect();
    assert_eq!(actions, [("a", Action::Change), ("gone", Action::Remove), ("new", Action::Add)]);
    assert_eq!(d.unchanged, 1);
    assert!(!d.is_disruptive() && !d.is_empty());
}

#[test]
fn identical_sides_are_empty() {
    let objects = || vec![object("ConfigMap", "a", json!({"x": "1"}))];
    let d = diff(objects(), objects(), &Diagnostics::default(), &Diagnostics::default());
    assert!(d.is_empty());
    assert_eq!(report::plan_line(&d), "Plan: 0 to add, 0 to change, 0 to replace, 0 to remove (1 unchanged)");
}

#[test]
fn secret_values_never_reach_any_format() {
    let before = vec![object("Secret", "s", json!({"password": "aGVsbG8tb2xk"}))];
    let after = vec![object("Secret", "s", json!({"password": "aGVsbG8tbmV3"}))];
    let d = diff(before, after, &Diagnostics::default(), &Diagnostics::default());
    let all = format!("{}{}{}", report::human(&d, false), report::markdown(&d, 60_000), report::json(&d));
    assert!(!all.contains("aGVsbG8") && all.contains("<secret: 12 bytes, changed>"), "{all}");
    assert_eq!(d.masked.scrubbed(), 0, "the masks alone hid the values");
}

#[test]
fn a_release_warning_only_the_new_side_has_is_a_consequence() {
    let warning = || Diagnostic::warning("rivven/cluster-mode", "3 brokers need rivvend's cluster mode");
    let mut after = Diagnostics::default();
    after.push(warning());
    let d = diff(vec![], vec![], &Diagnostics::default(), &after);
    assert_eq!(d.consequences.len(), 1);
    assert_eq!((d.consequences[0].reason, d.consequences[0].impact), (Reason::RivvenLimit, Impact::Disruptive));
    let mut before = Diagnostics::default();
    before.push(warning());
    assert!(diff(vec![], vec![], &before, &after).consequences.is_empty(), "a warning both sides have is no consequence of the change");
}

#[test]
fn embedded_documents_parse_as_json_or_yaml_mappings_only() {
    assert!(parse_embedded("{\"a\": 1}").is_some());
    assert!(parse_embedded("a: 1\nb:\n  c: 2\n").is_some());
    assert!(parse_embedded("standalone").is_none());
    assert!(parse_embedded("- a\n- b\n").is_none());
}
