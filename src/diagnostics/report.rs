//! One interface for every report format: a [`Report`] (the findings of a run, sorted, with the
//! sources they point into) written by an [`Emitter`] chosen by [`Format`] (see [`super::emit`]).
use std::io::{self, Write};
use std::path::{Component, Path, PathBuf};

use super::{Diagnostic, Diagnostics, Severity};
use crate::source::SourceSet;

/// The report formats (`--format`; clap reads the names and the doc lines for `--help`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
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

impl Report<'_> {
    /// The directory relative file names are given against: [`Report::root`] or the current one.
    pub fn root_dir(&self) -> PathBuf {
        self.root.clone().or_else(|| std::env::current_dir().ok()).unwrap_or_else(|| PathBuf::from("/"))
    }
}

/// A file name as a path relative to `root` with `/` separators, `.` and `..` resolved (`None`
/// for standard input and for files outside `root`).
pub fn relative_path(name: &str, root: &Path) -> Option<String> {
    if name == "<stdin>" {
        return None;
    }
    let path = Path::new(name);
    let absolute = if path.is_absolute() { path.to_path_buf() } else { root.join(path) };
    let relative = normalized(&absolute).strip_prefix(normalized(root)).ok()?.to_path_buf();
    let parts: Vec<String> = relative.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    (!parts.is_empty()).then(|| parts.join("/"))
}

/// A path with `.` dropped and `..` applied, without touching the file system.
pub fn normalized(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Writes a report in one format.
pub trait Emitter {
    /// Writes the whole report.
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()>;
}


#[cfg(test)]
mod tests {
    use super::relative_path;
    use std::path::Path;

    #[test]
    fn file_names_become_paths_under_the_root() {
        let root = Path::new("/repo/sub");
        assert_eq!(relative_path("examples/a.yaml", root).as_deref(), Some("examples/a.yaml"));
        assert_eq!(relative_path(".//x/./c.yaml", root).as_deref(), Some("x/c.yaml"));
        assert_eq!(relative_path("/repo/sub/x/c.yaml", root).as_deref(), Some("x/c.yaml"));
        assert_eq!(relative_path("../c.yaml", root), None, "outside the root");
        assert_eq!(relative_path("/elsewhere/c.yaml", root), None);
        assert_eq!(relative_path("<stdin>", root), None);
    }
}
