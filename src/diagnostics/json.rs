//! The JSON report, a versioned document (its shape is documented in the README's "JSON report"):
//! `{"version": 1, "tool": {...}, "summary": {...}, "diagnostics": [...]}`. Lines and columns are
//! 1-based, columns count characters, byte offsets are 0-based and the end is exclusive.
use std::io::{self, Write};

use serde::Serialize;

use super::report::{Emitter, Report};
use super::{Diagnostic, Severity, Span};
use crate::source::{Location, ResourceRef, SourceSet};

/// Version of the JSON shape; it changes only when a field changes meaning or goes away.
pub const JSON_VERSION: u32 = 1;

/// The JSON emitter.
pub struct Json;

#[derive(Serialize)]
struct Document<'a> {
    version: u32,
    tool: Tool,
    summary: Summary,
    diagnostics: Vec<JsonDiagnostic<'a>>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Summary {
    errors: usize,
    warnings: usize,
    notes: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Place<'a> {
    file: &'a str,
    line: usize,
    column: usize,
    end_line: usize,
    end_column: usize,
    /// Byte range in the file, `[start, end)`.
    bytes: [usize; 2],
}

impl<'a> Place<'a> {
    fn of(location: &Location, sources: &'a SourceSet) -> Self {
        let span = Span::of(location, sources);
        Place {
            file: sources.get(location.file).name.as_str(),
            line: span.start.0,
            column: span.start.1,
            end_line: span.end.0,
            end_column: span.end.1,
            bytes: [span.bytes.start, span.bytes.end],
        }
    }
}

#[derive(Serialize)]
struct Resource<'a> {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    namespace: Option<&'a str>,
    name: &'a str,
    file: &'a str,
    /// Position of the document in its file (0-based).
    document: usize,
}

impl<'a> Resource<'a> {
    fn of(r: &'a ResourceRef, sources: &'a SourceSet) -> Self {
        Resource { kind: r.kind.name(), namespace: r.namespace.as_deref(), name: &r.name, file: sources.get(r.file).name.as_str(), document: r.document }
    }
}

#[derive(Serialize)]
struct JsonRelated<'a> {
    message: &'a str,
    #[serde(flatten)]
    place: Place<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonDiagnostic<'a> {
    rule: &'a str,
    severity: Severity,
    message: &'a str,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    place: Option<Place<'a>>,
    #[serde(skip_serializing_if = "str::is_empty")]
    pointer: &'a str,
    #[serde(skip_serializing_if = "str::is_empty")]
    path: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    resource: Option<Resource<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    hint: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonRelated<'a>>,
}

fn item<'a>(d: &'a Diagnostic, sources: &'a SourceSet) -> JsonDiagnostic<'a> {
    JsonDiagnostic {
        rule: d.rule,
        severity: d.severity,
        message: &d.message,
        place: d.location.as_ref().map(|l| Place::of(l, sources)),
        pointer: &d.pointer,
        path: &d.path,
        resource: d.resource.as_ref().map(|r| Resource::of(r, sources)),
        hint: d.hint.as_deref(),
        related: d.related.iter().map(|r| JsonRelated { message: &r.message, place: Place::of(&r.location, sources) }).collect(),
    }
}

impl Emitter for Json {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let document = Document {
            version: JSON_VERSION,
            tool: Tool { name: "rivven-render", version: env!("CARGO_PKG_VERSION") },
            summary: Summary { errors: report.count(Severity::Error), warnings: report.count(Severity::Warning), notes: report.count(Severity::Note) },
            diagnostics: report.diagnostics.iter().map(|d| item(d, report.sources)).collect(),
        };
        serde_json::to_writer_pretty(&mut *out, &document).map_err(io::Error::other)?;
        out.write_all(b"\n")
    }
}
