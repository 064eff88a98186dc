//! GitHub Actions workflow commands: each finding becomes an annotation on the pull request's
//! lines (`::error file=..,line=..,col=..,endLine=..,endColumn=..,title=..::message`).
use std::io::{self, Write};

use super::report::{relative_path, Emitter, Report};
use super::{Diagnostic, Severity, Span};
use crate::source::SourceSet;

/// The GitHub emitter.
pub struct Github;

/// Escapes a command's message (GitHub reads `%`, CR and LF as escapes).
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// Escapes a property value (also `:` and `,`, which end a property).
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Note => "notice",
    }
}

fn line(d: &Diagnostic, sources: &SourceSet, root: &std::path::Path) -> String {
    let mut properties = Vec::new();
    if let Some(location) = &d.location {
        let span = Span::of(location, sources);
        // GitHub places annotations by the path relative to the workspace.
        let name = &sources.get(location.file).name;
        let file = relative_path(name, root).unwrap_or_else(|| name.clone());
        properties.push(format!("file={}", escape_property(&file)));
        properties.push(format!("line={}", span.start.0));
        properties.push(format!("col={}", span.start.1));
        properties.push(format!("endLine={}", span.end.0));
        if span.end.0 == span.start.0 {
            properties.push(format!("endColumn={}", span.end.1));
        }
    }
    properties.push(format!("title={}", escape_property(&format!("{} ({})", d.rule, d.severity))));
    let mut message = d.message.clone();
    if !d.path.is_empty() {
        message.push_str(&format!(" (at `{}`)", d.path));
    }
    if let Some(hint) = &d.hint {
        message.push_str(&format!("\nhint: {hint}"));
    }
    format!("::{} {}::{}\n", command(d.severity), properties.join(","), escape_data(&message))
}

impl Emitter for Github {
    fn emit(&self, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
        let root = report.root_dir();
        for d in &report.diagnostics {
            out.write_all(line(d, report.sources, &root).as_bytes())?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::Location;

    #[test]
    fn annotations_escape_what_github_reads_as_syntax() {
        let mut sources = SourceSet::default();
        let file = sources.add("dir/a,b.yaml".into(), "a: 1\nb: 2\n".into());
        let d = Diagnostic::warning("cluster/min-isr", "100% wrong\nsecond: line").at(Some(Location { file, bytes: 8..9 })).field("/b", "b").hint("fix");
        assert_eq!(
            line(&d, &sources, std::path::Path::new("/repo")),
            "::warning file=dir/a%2Cb.yaml,line=2,col=4,endLine=2,endColumn=5,title=cluster/min-isr (warning)::100%25 wrong%0Asecond: line (at `b`)%0Ahint: fix\n"
        );
        let unlocated = Diagnostic::error("load/no-resources", "none");
        assert_eq!(line(&unlocated, &sources, std::path::Path::new("/repo")), "::error title=load/no-resources (error)::none\n");
    }
}
