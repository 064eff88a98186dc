//! Machine-readable rendering: one JSON object per diagnostic.
use serde::Serialize;

use super::{Diagnostic, Severity};
use crate::load::source::SourceSet;

#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    severity: Severity,
    rule: &'a str,
    message: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    file: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    line: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    column: Option<usize>,
    #[serde(skip_serializing_if = "str::is_empty")]
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
}

/// A JSON array of the diagnostics (1-based lines and columns).
pub fn render(diagnostics: &[&Diagnostic], sources: &SourceSet) -> String {
    let items: Vec<JsonDiagnostic<'_>> = diagnostics
        .iter()
        .map(|d| {
            let position = d.position(sources);
            JsonDiagnostic {
                severity: d.severity,
                rule: d.rule,
                message: &d.message,
                file: position.map(|(f, _, _)| sources.get(f).name.as_str()),
                line: position.map(|(_, l, _)| l),
                column: position.map(|(_, _, c)| c),
                path: &d.path,
                resource: d.resource.as_deref(),
                hint: d.hint.as_deref(),
            }
        })
        .collect();
    let mut out = serde_json::to_string_pretty(&items).unwrap_or_else(|_| "[]".into());
    out.push('\n');
    out
}
