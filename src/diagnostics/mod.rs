//! One diagnostic shape for every finding, and the emitters that print it for people (miette,
//! one line each) and machines (JSON, SARIF, GitHub annotations).
use std::fmt;

use serde::Serialize;

use crate::source::{FileId, Location, ResourceRef, SourceSet};

pub mod catalog;
pub mod emit;
pub mod github;
pub mod human;
pub mod json;
pub mod krm;
pub mod report;
pub mod sarif;
pub mod suggest;

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

/// Another place a finding concerns: the first definition of a duplicate, the cluster a topic's
/// replication factor is checked against.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// Where.
    pub location: Location,
    /// What is there, e.g. "the first definition".
    pub message: String,
}

/// A position resolved to lines and columns (1-based; columns count characters).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// The file.
    pub file: FileId,
    /// Start line and column.
    pub start: (usize, usize),
    /// End line and column (exclusive: the column after the last character; the start for an
    /// empty span).
    pub end: (usize, usize),
    /// The byte range, without the line breaks and spaces a block value ends with.
    pub bytes: std::ops::Range<usize>,
}

impl Span {
    /// The span of a location.
    pub fn of(location: &Location, sources: &SourceSet) -> Self {
        let file = sources.get(location.file);
        let text = file.text.as_bytes();
        let start = location.bytes.start.min(text.len());
        let mut end = location.bytes.end.clamp(start, text.len());
        while end > start && text[end - 1].is_ascii_whitespace() {
            end -= 1;
        }
        Self { file: location.file, start: file.line_col(start), end: file.line_col(end), bytes: start..end }
    }
}

/// The rule of an input that cannot be read (the run exits 2).
pub const UNREADABLE_RULE: &str = "load/unreadable";
/// The rule of every finding about a limit; a run that hits one exits 2, as for an unreadable input.
pub const LIMIT_RULE: &str = "load/limit";

/// Whether a finding of this rule means an input was not (wholly) read: the run failed to read,
/// rather than found the input invalid.
pub fn is_read_failure(rule: &str) -> bool {
    rule == UNREADABLE_RULE || rule == LIMIT_RULE
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
    /// JSON pointer of the field, e.g. `/spec/config/minInsyncReplicas` (empty for the document).
    pub pointer: String,
    /// Field path in the document, e.g. `spec.config.minInsyncReplicas` (empty for the document).
    pub path: String,
    /// The resource, when known.
    pub resource: Option<ResourceRef>,
    /// How to fix it, when a hint helps.
    pub hint: Option<String>,
    /// Other places the finding concerns.
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// A new diagnostic without location.
    pub fn new(severity: Severity, rule: &'static str, message: impl Into<String>) -> Self {
        Self { severity, rule, message: message.into(), location: None, pointer: String::new(), path: String::new(), resource: None, hint: None, related: Vec::new() }
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

    /// Sets the field: its JSON pointer and the dotted path shown to people.
    pub fn field(mut self, pointer: impl Into<String>, path: impl Into<String>) -> Self {
        self.pointer = pointer.into();
        self.path = path.into();
        self
    }

    /// Adds a related location (nothing when the place is unknown).
    pub fn with_related(&mut self, location: Option<Location>, message: impl Into<String>) -> &mut Self {
        if let Some(location) = location {
            self.related.push(Related { location, message: message.into() });
        }
        self
    }

    /// Sets the resource.
    pub fn resource(mut self, resource: Option<ResourceRef>) -> Self {
        self.resource = resource;
        self
    }

    /// Sets the hint.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Sets the hint of a diagnostic already reported.
    pub fn with_hint(&mut self, hint: impl Into<String>) -> &mut Self {
        self.hint = Some(hint.into());
        self
    }

    /// Where the finding starts and ends, when located.
    pub fn span(&self, sources: &SourceSet) -> Option<Span> {
        self.location.as_ref().map(|l| Span::of(l, sources))
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

/// The findings a team raises to errors: `--deny RULE` (any severity) and `--deny warnings` (every
/// warning). Every emitter then shows the raised severity.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Deny {
    /// Every warning becomes an error.
    pub warnings: bool,
    /// These rules' findings become errors.
    pub rules: std::collections::BTreeSet<&'static str>,
}

impl Deny {
    /// Reads `--deny` values: `warnings`, or rule ids of the catalog (an unknown id is refused, so a
    /// typo never silently denies nothing).
    pub fn parse<S: AsRef<str>>(values: &[S]) -> Result<Self, String> {
        let mut deny = Deny::default();
        for value in values {
            let value = value.as_ref();
            if value == "warnings" {
                deny.warnings = true;
                continue;
            }
            match catalog::rule(value) {
                Some(rule) => {
                    deny.rules.insert(rule.id);
                }
                None => {
                    let ids = catalog::rules().iter().map(|r| r.id);
                    let near = suggest::closest(value, ids).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
                    return Err(format!("--deny {value}: no such rule (`rivven-render rules` lists them){near}"));
                }
            }
        }
        Ok(deny)
    }

    /// The severity a finding gets.
    pub fn severity(&self, rule: &str, severity: Severity) -> Severity {
        if self.rules.contains(rule) || (self.warnings && severity == Severity::Warning) {
            Severity::Error
        } else {
            severity
        }
    }

    /// Raises the denied findings to errors.
    pub fn apply(&self, diagnostics: &mut Diagnostics) {
        if self.warnings || !self.rules.is_empty() {
            for d in &mut diagnostics.items {
                d.severity = self.severity(d.rule, d.severity);
            }
        }
    }
}

/// All diagnostics of a run.
#[derive(Debug, Default)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl IntoIterator for Diagnostics {
    type Item = Diagnostic;
    type IntoIter = std::vec::IntoIter<Diagnostic>;

    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
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

    /// The diagnostics in the order found, to change their places.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Diagnostic> {
        self.items.iter_mut()
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
