//! Findings as a KRM function's `results[]` (what kpt shows; kustomize drops them, so the KRM front
//! door also prints them to standard error).
use serde_json::{json, Map, Value};

use super::report::{relative_path, Report};
use super::{Diagnostic, Severity};

/// The `results[]` entries of a report, in its order.
pub fn results(report: &Report<'_>) -> Vec<Value> {
    let root = report.root_dir();
    report.diagnostics.iter().map(|d| result(d, report, &root)).collect()
}

fn result(d: &Diagnostic, report: &Report<'_>, root: &std::path::Path) -> Value {
    let severity = match d.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "info",
    };
    let mut message = d.message.clone();
    if let Some(hint) = &d.hint {
        message.push_str(&format!(" (hint: {hint})"));
    }
    let mut out = Map::new();
    out.insert("message".into(), Value::from(message));
    out.insert("severity".into(), Value::from(severity));
    if let Some(r) = &d.resource {
        let mut reference = json!({"apiVersion": crate::model::API_VERSION, "kind": r.kind.name(), "name": r.name});
        if let Some(ns) = &r.namespace {
            reference["namespace"] = Value::from(ns.as_str());
        }
        out.insert("resourceRef".into(), reference);
    }
    if !d.path.is_empty() {
        out.insert("field".into(), json!({ "path": d.path }));
    }
    let mut tags = Map::new();
    tags.insert("rule".into(), Value::from(d.rule));
    if let Some(span) = d.span(report.sources) {
        let name = &report.sources.get(span.file).name;
        let mut file = json!({ "path": relative_path(name, root).unwrap_or_else(|| name.clone()) });
        if let Some(r) = d.resource.as_ref().filter(|r| r.file == span.file) {
            file["index"] = Value::from(r.document);
        }
        out.insert("file".into(), file);
        tags.insert("line".into(), Value::from(span.start.0.to_string()));
        tags.insert("column".into(), Value::from(span.start.1.to_string()));
    }
    out.insert("tags".into(), Value::Object(tags));
    Value::Object(out)
}
