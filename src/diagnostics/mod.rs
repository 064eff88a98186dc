//! One diagnostic shape for every finding, rendered for people (miette) or machines (JSON).
use std::fmt;

use serde::Serialize;

use crate::load::source::{FileId, Location, SourceSet};

pub mod human;
pub mod json;

/// How serious a finding is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The input is invalid: nothing is rendered.
    Error,
    /// The input renders, but something will not work as written.
    Warning,
    /// Information, e.g. a skipped document.
    Note,
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Note => "note",
        })
    }
}

/// A finding about the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Severity.
    pub severity: Severity,
    /// Stable identifier of the rule broken, e.g. `schema/type` or `cluster/min-isr`.
    pub rule: &'static str,
    /// What is wrong, in plain words.
    pub message: String,
    /// Where, if the finding points into a file.
    pub location: Option<Location>,
    /// Field path in the document, e.g. `spec.config.minInsyncReplicas` (empty for the document).
    pub path: String,
    /// `Kind/namespace/name` of the resource, when known.
    pub resource: Option<String>,
    /// How to fix it, when a hint helps.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A new diagnostic without location.
    pub fn new(severity: Severity, rule: &'static str, message: impl Into<String>) -> Self {
        Self { severity, rule, message: message.into(), location: None, path: String::new(), resource: None, hint: None }
    }

    /// An error.
    pub fn error(rule: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, rule, message)
    }

    /// A warning.
    pub fn warning(rule: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, rule, message)
    }

    /// A note.
    pub fn note(rule: &'static str, message: impl Into<String>) -> Self {
        Self::new(Severity::Note, rule, message)
    }

    /// Sets the location.
    pub fn at(mut self, location: Option<Location>) -> Self {
        self.location = location;
        self
    }

    /// Sets the field path.
    pub fn path(mut self, path: impl Into<String>) -> Self {
        self.path = path.into();
        self
    }

    /// Sets the resource.
    pub fn resource(mut self, resource: Option<String>) -> Self {
        self.resource = resource;
        self
    }

    /// Sets the hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the hint of a diagnostic already reported.
    pub fn with_hint(&mut self, hint: impl Into<String>) {
        self.hint = Some(hint.into());
    }

    /// File, 1-based line and column, when located.
    pub fn position(&self, sources: &SourceSet) -> Option<(FileId, usize, usize)> {
        let loc = self.location.as_ref()?;
        let (line, column) = sources.get(loc.file).line_col(loc.bytes.start);
        Some((loc.file, line, column))
    }

    /// File name, byte offset (the order of line and column), severity, message: borrowed, so
    /// sorting many findings allocates nothing.
    fn sort_key<'a>(&'a self, sources: &'a SourceSet) -> (&'a str, usize, Severity, &'a str) {
        match &self.location {
            Some(loc) => (sources.get(loc.file).name.as_str(), loc.bytes.start, self.severity, self.message.as_str()),
            None => ("", 0, self.severity, self.message.as_str()),
        }
    }
}

/// All diagnostics of a run.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Adds one.
    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    /// Adds many.
    pub fn extend(&mut self, diagnostics: impl IntoIterator<Item = Diagnostic>) {
        self.items.extend(diagnostics);
    }

    /// Whether any error was found.
    pub fn has_errors(&self) -> bool {
        self.items.iter().any(|d| d.severity == Severity::Error)
    }

    /// Count of one severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.items.iter().filter(|d| d.severity == severity).count()
    }

    /// The diagnostics, in file and line order (stable whatever the order they were found in).
    pub fn sorted(&self, sources: &SourceSet) -> Vec<&Diagnostic> {
        let mut items: Vec<&Diagnostic> = self.items.iter().collect();
        items.sort_by(|a, b| a.sort_key(sources).cmp(&b.sort_key(sources)));
        items.dedup_by(|a, b| a == b);
        items
    }

    /// The diagnostics in the order found.
    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    /// Number of diagnostics.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}
