//! People-facing rendering with miette: the offending snippet, the field path, the rule and a hint.
use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, SourceSpan};

use super::{Diagnostic, Severity};
use crate::load::source::SourceSet;

/// Renders every diagnostic, then a one-line summary.
pub fn render(diagnostics: &[&Diagnostic], sources: &SourceSet, color: bool) -> String {
    let theme = if color { GraphicalTheme::unicode() } else { GraphicalTheme::unicode_nocolor() };
    let handler = GraphicalReportHandler::new_themed(theme).with_context_lines(1).with_width(110);
    let mut out = String::new();
    for diagnostic in diagnostics {
        let report = Report::new(diagnostic, sources);
        if handler.render_report(&mut out, &report).is_err() {
            out.push_str(&format!("{}: {}\n", diagnostic.severity, diagnostic.message));
        }
    }
    out
}

/// `file:line:column: severity[rule]: message (at path)`, one line per diagnostic, for logs and CI.
pub fn render_short(diagnostics: &[&Diagnostic], sources: &SourceSet) -> String {
    let mut out = String::new();
    for d in diagnostics {
        match d.position(sources) {
            Some((file, line, column)) => out.push_str(&format!("{}:{line}:{column}: ", sources.get(file).name)),
            None => out.push_str("rivven-render: "),
        }
        out.push_str(&format!("{}[{}]: {}", d.severity, d.rule, d.message));
        if !d.path.is_empty() {
            out.push_str(&format!(" (at `{}`)", d.path));
        }
        if let Some(hint) = &d.hint {
            out.push_str(&format!("; hint: {hint}"));
        }
        out.push('\n');
    }
    out
}

struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<NamedSource<String>>,
    heading: String,
}

impl<'a> Report<'a> {
    fn new(diagnostic: &'a Diagnostic, sources: &SourceSet) -> Self {
        let source = diagnostic.location.as_ref().map(|loc| {
            let file = sources.get(loc.file);
            NamedSource::new(file.name.clone(), file.text.as_str().to_owned()).with_language("yaml")
        });
        let mut heading = diagnostic.message.clone();
        if let Some(resource) = &diagnostic.resource {
            heading = format!("{heading}\n  in {resource}");
        }
        if source.is_none() && !diagnostic.path.is_empty() {
            heading = format!("{heading}\n  at `{}`", diagnostic.path);
        }
        Self { diagnostic, source, heading }
    }
}

impl fmt::Debug for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.heading)
    }
}

impl fmt::Display for Report<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.heading)
    }
}

impl std::error::Error for Report<'_> {}

impl miette::Diagnostic for Report<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        Some(Box::new(self.diagnostic.rule))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
            Severity::Note => miette::Severity::Advice,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn fmt::Display + 'b>> {
        self.diagnostic.hint.as_ref().map(|h| Box::new(h.as_str()) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.source.as_ref().map(|s| s as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let loc = self.diagnostic.location.as_ref()?;
        let label = if self.diagnostic.path.is_empty() { "here".to_owned() } else { format!("`{}`", self.diagnostic.path) };
        let span = SourceSpan::from(loc.bytes.start..loc.bytes.end.max(loc.bytes.start));
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(Some(label), span))))
    }
}
