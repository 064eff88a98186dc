//! One interface for every report format: a [`Report`] (the findings of a run, sorted, with the
//! sources they point into) written by an [`Emitter`] chosen by [`Format`] (see [`super::emit`]).
use std::io::{self, Write};
use std::path::PathBuf;

use super::{Diagnostic, Diagnostics, Severity};
use crate::source::SourceSet;

/// The report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Snippets of the offending lines with hints and related places (miette).
    Human,
    /// One line per finding: `file:line:column: severity[rule]: message`.
    Short,
    /// The versioned JSON document (see the README's "JSON report").
    Json,
    /// SARIF 2.1.0, for code-scanning tools.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=..,line=..::message`).
    Github,
}

impl Format {
    /// Whether the format is for machines (printed whole, on standard output for `validate`).
    pub fn is_machine(self) -> bool {
        matches!(self, Format::Json | Format::Sarif | Format::Github)
    }
}

/// The findings of a run as emitters see them.
pub struct Report<'a> {
    /// The findings, in file and line order, without duplicates.
    pub diagnostics: Vec<&'a Diagnostic>,
    /// The files they point into.
    pub sources: &'a SourceSet,
    /// The directory file names are relative to (SARIF's `SRCROOT`); `None`: the current directory.
    pub root: Option<PathBuf>,
}

impl<'a> Report<'a> {
    /// The findings of a run; notes left out when `quiet`.
    pub fn new(diagnostics: &'a Diagnostics, sources: &'a SourceSet, quiet: bool) -> Self {
        let diagnostics = diagnostics.sorted(sources).into_iter().filter(|d| !quiet || d.severity != Severity::Note).collect();
        Self { diagnostics, sources, root: None }
    }

    /// Count of one severity.
    pub fn count(&self, severity: Severity) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == severity).count()
    }
}

/// Writes a report in one format.
pub trait Emitter {
    /// Writes the whole report.
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()>;
}

