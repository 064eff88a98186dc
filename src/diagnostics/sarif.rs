//! SARIF 2.1.0 for code-scanning tools: one run, the rule catalog as `tool.driver.rules[]`, one
//! result per finding with a region (start and end, columns in Unicode code points) and related
//! locations. File names are given relative to `SRCROOT`, the directory the run was started in.
use std::io::{self, Write};
use std::path::Path;

use serde_json::{json, Map, Value};

use super::report::{normalized, relative_path, Emitter, Report};
use super::{catalog, Diagnostic, Severity, Span};
use crate::source::{Location, SourceSet};

/// The SARIF emitter.
pub struct Sarif;

/// The base every relative artifact URI is resolved against.
pub const SRCROOT: &str = "SRCROOT";

/// Where the rule documentation lives (`helpUri` is this plus `#` and the rule's anchor).
pub const RULES_DOC: &str = concat!(env!("CARGO_PKG_REPOSITORY"), "/blob/main/docs/rules.md");

/// SARIF's name for a severity.
pub fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "note",
    }
}

/// The anchor of a rule in `docs/rules.md` (`load/yaml-syntax` -> `rule-load-yaml-syntax`).
pub fn rule_anchor(id: &str) -> String {
    format!("rule-{}", id.replace('/', "-"))
}

fn rules() -> Vec<Value> {
    catalog::rules()
        .iter()
        .map(|r| {
            json!({
                "id": r.id,
                "shortDescription": { "text": r.summary },
                "fullDescription": { "text": r.explanation },
                "help": {
                    "text": format!("{}\n\nExample:\n{}", r.explanation, r.example),
                    "markdown": format!("{}\n\nExample:\n\n```yaml\n{}\n```", r.explanation, r.example),
                },
                "helpUri": format!("{RULES_DOC}#{}", rule_anchor(r.id)),
                "defaultConfiguration": { "level": level(r.severity) },
            })
        })
        .collect()
}

/// Percent-encodes a relative path as a URI reference (`/` kept).
fn encode_path(path: &str) -> String {
    crate::source::pointer::percent_encode(path, b"/")
}

/// The artifact location of a file name: relative to the root when the file is under it, an
/// absolute `file:` URI otherwise, and `stdin` for standard input.
fn artifact(name: &str, root: &Path) -> Value {
    if name == "<stdin>" {
        return json!({ "uri": "stdin" });
    }
    match relative_path(name, root) {
        Some(relative) => json!({ "uri": encode_path(&relative), "uriBaseId": SRCROOT }),
        None => {
            let path = Path::new(name);
            let absolute = normalized(&if path.is_absolute() { path.to_path_buf() } else { root.join(path) });
            json!({ "uri": file_uri(&absolute, false) })
        }
    }
}

/// `file:///...` of an absolute path (a directory's ends with `/`).
fn file_uri(path: &Path, directory: bool) -> String {
    let mut text = path.to_string_lossy().into_owned();
    if cfg!(windows) {
        text = text.replace('\\', "/");
    }
    if !text.starts_with('/') {
        text.insert(0, '/'); // `C:/x` -> `/C:/x`
    }
    let mut uri = format!("file://{}", encode_path(&text).replace("%3A", ":"));
    if directory && !uri.ends_with('/') {
        uri.push('/');
    }
    uri
}

fn physical(location: &Location, sources: &SourceSet, root: &Path) -> Value {
    let span = Span::of(location, sources);
    json!({
        "artifactLocation": artifact(&sources.get(location.file).name, root),
        "region": {
            "startLine": span.start.0,
            "startColumn": span.start.1,
            "endLine": span.end.0,
            "endColumn": span.end.1,
            "byteOffset": span.bytes.start,
            "byteLength": span.bytes.len(),
        },
    })
}

/// A finding without a location, as a notification of the run.
fn notification(d: &Diagnostic) -> Value {
    let mut n = json!({ "level": level(d.severity), "message": { "text": message(d) }, "descriptor": { "id": d.rule } });
    if let Some(index) = catalog::index_of(d.rule) {
        n["descriptor"]["index"] = json!(index);
    }
    n
}

fn message(d: &Diagnostic) -> String {
    match &d.hint {
        Some(hint) => format!("{} (hint: {hint})", d.message),
        None => d.message.clone(),
    }
}

fn result(d: &Diagnostic, sources: &SourceSet, root: &Path) -> Value {
    let mut result = Map::new();
    result.insert("ruleId".into(), json!(d.rule));
    if let Some(index) = catalog::index_of(d.rule) {
        result.insert("ruleIndex".into(), json!(index));
    }
    result.insert("level".into(), json!(level(d.severity)));
    result.insert("message".into(), json!({ "text": message(d) }));
    if let Some(location) = &d.location {
        let mut loc = Map::new();
        loc.insert("physicalLocation".into(), physical(location, sources, root));
        if let Some(resource) = &d.resource {
            let name = if d.path.is_empty() { resource.to_string() } else { format!("{resource}.{}", d.path) };
            loc.insert("logicalLocations".into(), json!([{ "fullyQualifiedName": name, "kind": "member" }]));
        }
        result.insert("locations".into(), json!([loc]));
    }
    if !d.related.is_empty() {
        let related: Vec<Value> = d
            .related
            .iter()
            .enumerate()
            .map(|(i, r)| {
                json!({ "id": i + 1, "physicalLocation": physical(&r.location, sources, root), "message": { "text": r.message } })
            })
            .collect();
        result.insert("relatedLocations".into(), Value::Array(related));
    }
    let mut properties = Map::new();
    if !d.pointer.is_empty() {
        properties.insert("pointer".into(), json!(d.pointer));
    }
    if !d.path.is_empty() {
        properties.insert("path".into(), json!(d.path));
    }
    if let Some(r) = &d.resource {
        properties.insert("resource".into(), json!(r.to_string()));
    }
    if let Some(hint) = &d.hint {
        properties.insert("hint".into(), json!(hint));
    }
    if !properties.is_empty() {
        result.insert("properties".into(), Value::Object(properties));
    }
    Value::Object(result)
}

impl Emitter for Sarif {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let root = report.root_dir();
        // GitHub code scanning refuses a whole file with a result without a location: findings
        // about the run itself (no resource found, a file given twice) are notifications.
        let (located, unlocated): (Vec<&&Diagnostic>, Vec<&&Diagnostic>) = report.diagnostics.iter().partition(|d| d.location.is_some());
        let results: Vec<Value> = located.iter().map(|d| result(d, report.sources, &root)).collect();
        let notifications: Vec<Value> = unlocated.iter().map(|d| notification(d)).collect();
        let sarif = json!({
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [{
                "tool": { "driver": {
                    "name": "rivven-render",
                    "version": env!("CARGO_PKG_VERSION"),
                    "semanticVersion": env!("CARGO_PKG_VERSION"),
                    "informationUri": env!("CARGO_PKG_REPOSITORY"),
                    "rules": rules(),
                }},
                "originalUriBaseIds": { SRCROOT: { "uri": file_uri(&normalized(&root), true) } },
                "columnKind": "unicodeCodePoints",
                "invocations": [{
                    "executionSuccessful": !report.diagnostics.iter().any(|d| super::is_read_failure(d.rule)),
                    "toolExecutionNotifications": notifications,
                }],
                "results": results,
            }],
        });
        serde_json::to_writer_pretty(&mut *out, &sarif).map_err(io::Error::other)?;
        out.write_all(b"\n")
    }
}

#[cfg(test)]
mod tests {
    use super::{artifact, encode_path};
    use std::path::Path;

    #[test]
    fn paths_become_relative_uris() {
        let root = Path::new("/repo/sub");
        assert_eq!(artifact("examples/a b.yaml", root)["uri"], "examples/a%20b.yaml");
        assert_eq!(artifact("/repo/sub/x/c.yaml", root)["uri"], "x/c.yaml");
        assert_eq!(artifact(".//x/c.yaml", root)["uri"], "x/c.yaml");
        assert_eq!(artifact("/repo/sub/x/c.yaml", root)["uriBaseId"], "SRCROOT");
        assert_eq!(artifact("/elsewhere/c.yaml", root)["uri"], "file:///elsewhere/c.yaml");
        assert_eq!(artifact("../c.yaml", root)["uri"], "file:///repo/c.yaml", "outside the root: absolute");
        assert!(artifact("/elsewhere/c.yaml", root).get("uriBaseId").is_none());
        assert_eq!(artifact("<stdin>", root)["uri"], "stdin");
        assert_eq!(encode_path("ä#"), "%C3%A4%23");
    }
}
