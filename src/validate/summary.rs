//! What the cross-resource rules need of a document once its own checks are done: its identity and
//! the positions of the few fields they report at. Kept instead of the document, so that a run
//! holds one document's tree at a time.
use serde_json::Value;

use crate::diagnostics::{Diagnostic, Severity};
use crate::source::{Location, ResourceRef};
use crate::load::Document;
use crate::model::Kind;

/// Fields the cross-resource rules report at (besides each source's `topicConfig.replicationFactor`).
const REPORTED_FIELDS: [&str; 6] =
    ["/metadata/name", "/spec/clusterRef/name", "/spec/replicationFactor", "/spec/topicName", "/spec/settings/topic/defaultReplicationFactor", "/spec/replicas"];

/// A document, summarised (about 250 bytes).
#[derive(Debug)]
pub struct DocSummary {
    /// The resource, its file and its document.
    pub reference: ResourceRef,
    /// Whether `spec.replicas` is written out.
    pub has_replicas: bool,
    fields: [Option<Location>; REPORTED_FIELDS.len()],
    /// (source index, location) of each source's `topicConfig.replicationFactor` that is set.
    source_rfs: Vec<(usize, Option<Location>)>,
}

/// Whether the cross-resource rules report at `pointer` for documents of `kind`.
fn reported_for(kind: Kind, pointer: &str) -> bool {
    match pointer {
        "/metadata/name" => true,
        "/spec/clusterRef/name" => kind != Kind::Cluster,
        "/spec/replicationFactor" | "/spec/topicName" => kind == Kind::Topic,
        "/spec/settings/topic/defaultReplicationFactor" => kind == Kind::Connect,
        "/spec/replicas" => kind == Kind::Cluster,
        _ => false,
    }
}

const SOURCE_RF: (&str, &str) = ("/spec/sources/", "/topicConfig/replicationFactor");

impl DocSummary {
    /// Summarises a document.
    pub fn of(doc: &Document) -> Self {
        let sources = doc.value.pointer("/spec/sources").and_then(Value::as_array).map_or(&[][..], Vec::as_slice);
        let source_rfs = (0..sources.len())
            .map(|i| (i, format!("{}{i}{}", SOURCE_RF.0, SOURCE_RF.1)))
            .filter(|(_, p)| doc.value.pointer(p).is_some())
            .map(|(i, p)| (i, doc.finding_location(&p)))
            .collect();
        Self {
            reference: doc.reference(),
            has_replicas: doc.value.pointer("/spec/replicas").is_some(),
            // Only the fields the cross-resource rules report at for this kind: locating a field
            // that is not written walks up its ancestors, a cost paid per document.
            fields: REPORTED_FIELDS.map(|p| reported_for(doc.kind, p).then(|| doc.finding_location(p)).flatten()),
            source_rfs,
        }
    }

    /// Where a finding about one of the summarised fields points (its nearest written ancestor
    /// when the field is not written out; `None` for a field not summarised for the kind).
    pub fn location(&self, pointer: &str) -> Option<Location> {
        if let Some(i) = REPORTED_FIELDS.iter().position(|p| *p == pointer) {
            return self.fields[i].clone();
        }
        let index: usize = pointer.strip_prefix(SOURCE_RF.0)?.strip_suffix(SOURCE_RF.1)?.parse().ok()?;
        self.source_rfs.iter().find(|(i, _)| *i == index).and_then(|(_, l)| l.clone())
    }

    /// A finding at one of the summarised fields.
    pub fn diagnostic(&self, severity: Severity, rule: &'static str, pointer: &str, message: String) -> Diagnostic {
        Diagnostic::new(severity, rule, message).at(self.location(pointer)).field(pointer, display(pointer)).resource(Some(self.reference.clone()))
    }
}

/// `spec.sources[0].topicConfig` for `/spec/sources/0/topicConfig` (the summarised pointers hold
/// numbers only as list indexes).
fn display(pointer: &str) -> String {
    let mut out = String::new();
    for token in pointer.trim_start_matches('/').split('/') {
        if token.bytes().all(|b| b.is_ascii_digit()) && !token.is_empty() {
            out.push_str(&format!("[{token}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(token);
        }
    }
    out
}
