//! People-facing rendering with miette: the offending snippet, the field path, the rule and a hint.
//!
//! miette is handed only the few lines around each finding (an excerpt), never the whole file, and
//! lines longer than [`MAX_SHOWN_LINE`] characters are cut to a window around the finding: the cost
//! of a report is then independent of the file's size, and no column is too large for miette.
use std::fmt;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use super::report::{Emitter, Report as RunReport};
use super::{Diagnostic, Severity};
use crate::source::{SourceFile, SourceSet};

/// Most findings the human format prints; the rest are counted in one line (`--format short`,
/// `json`, `sarif` and `github` print every finding).
pub const FINDINGS_SHOWN: usize = 100;

/// The human emitter: miette snippets, errors first when capped.
pub struct Human {
    /// Colors (a terminal without `NO_COLOR`).
    pub color: bool,
    /// Most findings shown.
    pub cap: usize,
}

impl Emitter for Human {
    fn emit(&self, report: &RunReport<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        let (shown, hidden) = capped(&report.diagnostics, self.cap);
        for chunk in shown.chunks(50) {
            out.write_all(render(chunk, report.sources, self.color).as_bytes())?;
        }
        if !hidden.is_empty() {
            let count = |s: Severity| hidden.iter().filter(|d| d.severity == s).count();
            let line = format!(
                "... and {} more findings not shown ({} errors, {} warnings, {} notes): `--format short` or `--format json` lists every one\n",
                hidden.len(),
                count(Severity::Error),
                count(Severity::Warning),
                count(Severity::Note)
            );
            out.write_all(line.as_bytes())?;
        }
        Ok(())
    }
}

/// The short emitter: one line per finding, written a few hundred at a time.
pub struct Short;

impl Emitter for Short {
    fn emit(&self, report: &RunReport<'_>, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        for chunk in report.diagnostics.chunks(500) {
            out.write_all(render_short(chunk, report.sources).as_bytes())?;
        }
        Ok(())
    }
}

/// The first `cap` findings by severity (errors first), kept in file order, and the rest.
fn capped<'a>(items: &[&'a Diagnostic], cap: usize) -> (Vec<&'a Diagnostic>, Vec<&'a Diagnostic>) {
    if items.len() <= cap {
        return (items.to_vec(), Vec::new());
    }
    let mut by_severity: Vec<usize> = (0..items.len()).collect();
    by_severity.sort_by_key(|&i| (items[i].severity, i));
    let mut keep = vec![false; items.len()];
    for &i in by_severity.iter().take(cap) {
        keep[i] = true;
    }
    let (shown, hidden): (Vec<_>, Vec<_>) = items.iter().zip(keep).partition(|(_, k)| *k);
    (shown.into_iter().map(|(d, _)| *d).collect(), hidden.into_iter().map(|(d, _)| *d).collect())
}

/// Longest line shown whole in a snippet (characters); longer lines are cut around the finding.
pub const MAX_SHOWN_LINE: usize = 160;

/// Renders every diagnostic given.
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

/// The lines around a finding, as miette sees them: offsets are relative to the excerpt; line and
/// column numbers are the file's.
struct Excerpt {
    name: String,
    text: String,
    /// 0-based line of the file where the excerpt starts.
    first_line: usize,
    /// The finding's 0-based column in the file (characters), shown in the heading.
    column: usize,
    /// The finding, in excerpt offsets.
    span: SourceSpan,
}

impl Excerpt {
    /// `secret`: the finding is about a credential's value, whose bytes are never shown.
    fn new(file: &SourceFile, bytes: &std::ops::Range<usize>, secret: bool) -> Self {
        let start = bytes.start.min(file.text.len());
        let line = file.line_of(start);
        let first = line.saturating_sub(1);
        let mut last = (line + 1).min(file.line_count() - 1);
        if last > line && last == file.line_count() - 1 && file.line_range(last).is_empty() {
            last = line; // the empty "line" after the final line break
        }
        let mut text = String::new();
        let mut span = SourceSpan::from(0..0);
        for l in first..=last {
            let range = file.line_range(l);
            // A credential written in the file is never shown (same byte length: offsets hold).
            let mut masked = crate::model::secrets::mask_line(&file.text[range.clone()]).into_owned();
            if secret {
                let from = bytes.start.clamp(range.start, range.end) - range.start;
                let to = bytes.end.clamp(range.start, range.end) - range.start;
                if from < to {
                    masked = format!("{}{}{}", &masked[..from], "*".repeat(to - from), &masked[to..]);
                }
            }
            let content = masked.as_str();
            if l == line {
                // The finding may stand on the line break itself (a lone `\r`): keep it within the line.
                let from = (start - range.start).min(content.len());
                let to = bytes.end.saturating_sub(range.start).clamp(from, content.len());
                let (shown, offset) = window(content, from, to);
                span = SourceSpan::from(text.len() + offset.start..text.len() + offset.end);
                text.push_str(&shown);
            } else {
                text.push_str(&cut(content));
            }
            text.push('\n');
        }
        Self { name: file.name.clone(), text, first_line: first, column: file.line_col(start).1 - 1, span }
    }
}

/// A long line cut to its start.
fn cut(line: &str) -> String {
    match line.char_indices().nth(MAX_SHOWN_LINE) {
        Some((i, _)) => format!("{}…", &line[..i]),
        None => line.to_owned(),
    }
}

/// The part of `line` shown around bytes `start..end`: the text and the finding's bytes in it.
fn window(line: &str, start: usize, end: usize) -> (String, std::ops::Range<usize>) {
    if line.chars().count() <= MAX_SHOWN_LINE {
        return (line.to_owned(), start..end);
    }
    let floor = |mut i: usize| {
        while !line.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let from = floor(start.saturating_sub(MAX_SHOWN_LINE / 2));
    let mut to = floor((start + MAX_SHOWN_LINE / 2).min(line.len()));
    let end = end.min(to.max(start));
    to = to.max(end);
    let mut shown = String::new();
    if from > 0 {
        shown.push('…');
    }
    let offset = shown.len() + (start - from)..shown.len() + (end - from);
    shown.push_str(&line[from..to]);
    if to < line.len() {
        shown.push('…');
    }
    (shown, offset)
}

impl SourceCode for Excerpt {
    fn read_span<'a>(&'a self, span: &SourceSpan, before: usize, after: usize) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let inner = self.text.as_str().read_span(span, before, after)?;
        // The heading's position is read for the finding itself: give the file's column, not the excerpt's.
        let column = if inner.span().offset() == self.span.offset() { self.column } else { inner.column() };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line() + self.first_line,
            column,
            inner.line_count(),
        )))
    }
}

struct Report<'a> {
    diagnostic: &'a Diagnostic,
    source: Option<Excerpt>,
    heading: String,
    related: Vec<RelatedReport>,
}

/// A related place, shown under its finding with its own snippet.
struct RelatedReport {
    source: Excerpt,
    message: String,
}

impl fmt::Debug for RelatedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for RelatedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RelatedReport {}

impl miette::Diagnostic for RelatedReport {
    fn severity(&self) -> Option<miette::Severity> {
        Some(miette::Severity::Advice)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(Some("related".to_owned()), self.source.span))))
    }
}

impl<'a> Report<'a> {
    fn new(diagnostic: &'a Diagnostic, sources: &SourceSet) -> Self {
        let secret = crate::model::secrets::is_sensitive(&diagnostic.pointer);
        let source = diagnostic.location.as_ref().map(|loc| Excerpt::new(sources.get(loc.file), &loc.bytes, secret));
        let mut heading = diagnostic.message.clone();
        if let Some(resource) = &diagnostic.resource {
            heading = format!("{heading}\n  in {resource}");
        }
        if source.is_none() && !diagnostic.path.is_empty() {
            heading = format!("{heading}\n  at `{}`", diagnostic.path);
        }
        let related = diagnostic
            .related
            .iter()
            .map(|r| RelatedReport { source: Excerpt::new(sources.get(r.location.file), &r.location.bytes, false), message: r.message.clone() })
            .collect();
        Self { diagnostic, source, heading, related }
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

    fn related<'b>(&'b self) -> Option<Box<dyn Iterator<Item = &'b dyn miette::Diagnostic> + 'b>> {
        if self.related.is_empty() {
            return None;
        }
        Some(Box::new(self.related.iter().map(|r| r as &dyn miette::Diagnostic)))
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let excerpt = self.source.as_ref()?;
        let label = if self.diagnostic.path.is_empty() { "here".to_owned() } else { format!("`{}`", self.diagnostic.path) };
        Some(Box::new(std::iter::once(LabeledSpan::new_with_span(Some(label), excerpt.span))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Location;

    fn shown(text: &str, bytes: std::ops::Range<usize>) -> String {
        let mut sources = SourceSet::default();
        let file = sources.add("f.yaml".into(), text.into());
        let d = Diagnostic::error("test/rule", "bad").at(Some(Location { file, bytes })).field("/a/b", "a.b");
        render(&[&d], &sources, false)
    }

    #[test]
    fn a_finding_past_column_65535_is_shown_with_its_real_position() {
        let line = format!("{{\"a\": \"{}\", \"b\": 1}}", "x".repeat(100_000));
        let at = line.find("\"b\"").unwrap();
        let out = shown(&format!("first: 1\n{line}\nlast: 2\n"), 9 + at..9 + at + 3);
        assert!(out.contains(&format!("f.yaml:2:{}", at + 1)), "{out}");
        assert!(out.contains("\"b\": 1"), "{out}");
        assert!(out.len() < 4000, "the report holds a window, not the line: {} bytes", out.len());
    }

    #[test]
    fn short_files_show_their_lines_and_position() {
        let out = shown("a:\n  b: 1\n  c: 2\n", 8..9);
        assert!(out.contains("f.yaml:2:6"), "{out}");
        assert!(out.contains("b: 1") && out.contains("c: 2"), "{out}");
    }
}
