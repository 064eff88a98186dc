//! What the cross-resource rules need of a document once its own checks are done: its identity and
//! the positions of the few fields they report at. Kept instead of the document, so that a run
//! holds one document's tree at a time.
use serde_json::Value;

use super::paths;
use crate::diagnostics::{Diagnostic, Severity};
use crate::load::source::{FileId, Location};
use crate::load::Document;
use crate::model::Kind;

/// Fields the cross-resource rules report at (besides each source's `topicConfig.replicationFactor`).
const REPORTED_FIELDS: [&str; 5] = ["/metadata/name", "/spec/clusterRef/name", "/spec/replicationFactor", "/spec/topicName", "/spec/settings/topic/defaultReplicationFactor"];

/// A document, summarised.
#[derive(Debug)]
pub struct DocSummary {
    /// The file.
    pub file: FileId,
    /// Position of the document in its file (0-based).
    pub index_in_file: usize,
    /// The kind.
    pub kind: Kind,
    /// `Kind/namespace/name`.
    pub display_name: String,
    spots: Vec<Spot>,
}

#[derive(Debug)]
struct Spot {
    pointer: String,
    display: String,
    location: Option<Location>,
}

impl DocSummary {
    /// Summarises a document.
    pub fn of(doc: &Document) -> Self {
        let sources = doc.value.pointer("/spec/sources").and_then(Value::as_array).map_or(0, Vec::len);
        let dynamic = (0..sources).map(|i| format!("/spec/sources/{i}/topicConfig/replicationFactor"));
        let spots = REPORTED_FIELDS
            .iter()
            .map(|p| (*p).to_owned())
            .chain(dynamic)
            .map(|pointer| {
                // As `RuleContext::report` does: a whole mapping or list is pointed at by its key.
                let location = match doc.value.pointer(&pointer) {
                    Some(Value::Object(_) | Value::Array(_)) => doc.key_location(&pointer),
                    _ => doc.value_location(&pointer),
                };
                Spot { display: paths::display(&doc.value, &pointer), location, pointer }
            })
            .collect();
        Self { file: doc.file, index_in_file: doc.index_in_file, kind: doc.kind, display_name: doc.display_name(), spots }
    }

    /// A finding at one of the summarised fields.
    pub fn diagnostic(&self, severity: Severity, rule: &'static str, pointer: &str, message: String) -> Diagnostic {
        let spot = self.spots.iter().find(|s| s.pointer == pointer);
        debug_assert!(spot.is_some(), "{pointer} is not summarised");
        Diagnostic::new(severity, rule, message)
            .at(spot.and_then(|s| s.location.clone()))
            .path(spot.map_or_else(String::new, |s| s.display.clone()))
            .resource(Some(self.display_name.clone()))
    }
}
