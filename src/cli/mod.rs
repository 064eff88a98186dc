//! Command-line interface: one module per subcommand; exit codes 0 ok, 1 invalid input (or, for
//! commands that compare, differences found), 2 usage or I/O error.
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::diagnostics::{human, json, Diagnostic, Diagnostics, Severity};
use crate::load::source::SourceSet;

mod io;
mod render;
mod schemas;
mod validate;

use io::sayln;

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: the input is invalid.
pub const EXIT_INVALID: u8 = 1;
/// Exit code: usage or I/O error.
pub const EXIT_USAGE: u8 = 2;

#[derive(Parser, Debug)]
#[command(name = "rivven-render", version, about = "Offline manifest compiler for Rivven: Rivven custom resources in, plain Kubernetes manifests out", long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Render Rivven resources into Kubernetes manifests (a directory, or a stream with `-o -`).
    Render(render::RenderArgs),
    /// Check Rivven resources against their schemas and rules; report every finding at once.
    Validate(validate::ValidateArgs),
    /// Write the JSON Schema of each kind (for validation in editors and CI).
    Schemas(schemas::SchemasArgs),
    /// Print the CustomResourceDefinitions of the four kinds (for the in-cluster mode).
    Crd(schemas::CrdArgs),
}

/// How diagnostics are printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Snippets of the offending lines with hints (miette).
    Human,
    /// One line per finding: `file:line:column: severity[rule]: message`.
    Short,
    /// A JSON array.
    Json,
}

/// Options shared by commands that read resources.
#[derive(Args, Debug)]
pub struct InputArgs {
    /// Files or directories (searched recursively for *.yaml and *.yml); `-` reads standard input.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Treat documents of other kinds as errors instead of skipping them.
    #[arg(long)]
    pub strict: bool,
    /// How to print findings.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Print only errors and warnings, no notes.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Entry point of the binary.
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { EXIT_USAGE } else { EXIT_OK });
        }
    };
    let code = match cli.command {
        Command::Render(args) => render::run(&args),
        Command::Validate(args) => validate::run(&args),
        Command::Schemas(args) => schemas::run_schemas(&args),
        Command::Crd(args) => schemas::run_crd(&args),
    };
    ExitCode::from(code)
}

/// What a command that reads resources has after loading and validating them.
pub struct Checked {
    /// The files read.
    pub sources: SourceSet,
    /// Number of Rivven documents read.
    pub documents: usize,
    /// The typed resources.
    pub validated: crate::validate::Validated,
    /// Every finding, already printed.
    pub diagnostics: Diagnostics,
}

/// Loads and validates the inputs, one document at a time, and prints the findings; `Err` carries
/// the exit code of an input that could not be read. Without `keep_resources` (a command that only
/// validates) no typed resource is kept.
pub fn load_and_validate(input: &InputArgs, keep_resources: bool) -> Result<Checked, u8> {
    let mut diagnostics = Diagnostics::default();
    let options = crate::load::LoadOptions { strict: input.strict };
    let mut validator = if keep_resources { crate::validate::Validator::default() } else { crate::validate::Validator::facts_only() };
    let sources = crate::load::load_each(&input.paths, options, &mut diagnostics, &mut |doc| validator.check(&doc)).map_err(|e| {
        sayln!("rivven-render: {}", e.0);
        EXIT_USAGE
    })?;
    let documents = validator.documents();
    let validated = validator.finish(&mut diagnostics);
    if documents == 0 && !diagnostics.has_errors() {
        // Succeeding on nothing would let a GitOps tool prune everything it manages.
        diagnostics.push(Diagnostic::error("load/no-resources", "no Rivven resource found in the input"));
    }
    print_diagnostics(&diagnostics, &sources, input.format, input.quiet);
    if diagnostics.iter().any(|d| d.rule == crate::load::tree::LIMIT_RULE) {
        sayln!("rivven-render: the input is past a limit of one run (see the error above); split it or simplify it");
        return Err(EXIT_USAGE);
    }
    Ok(Checked { sources, documents, validated, diagnostics })
}

/// Most findings the human format prints; the rest are counted in one line (`--format short` and
/// `json` print every finding).
pub const HUMAN_FINDINGS_SHOWN: usize = 100;

/// Prints diagnostics to stderr in the chosen format, a few hundred at a time (never the whole
/// report held at once).
pub fn print_diagnostics(diagnostics: &Diagnostics, sources: &SourceSet, format: Format, quiet: bool) {
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    if format == Format::Short {
        let items: Vec<_> = diagnostics.sorted(sources).into_iter().filter(|d| !quiet || d.severity != Severity::Note).collect();
        for chunk in items.chunks(500) {
            io::say(&human::render_short(chunk, sources));
        }
        return;
    }
    io::say(&format_diagnostics(diagnostics, sources, format, quiet, color));
}

/// The findings as the CLI prints them (public for the benchmark, which must see what users see).
pub fn format_diagnostics(diagnostics: &Diagnostics, sources: &SourceSet, format: Format, quiet: bool, color: bool) -> String {
    let items: Vec<_> = diagnostics.sorted(sources).into_iter().filter(|d| !quiet || d.severity != Severity::Note).collect();
    match format {
        Format::Json => json::render(&items, sources),
        Format::Short => human::render_short(&items, sources),
        Format::Human => {
            let (shown, hidden) = capped(&items, HUMAN_FINDINGS_SHOWN);
            let mut text = human::render(&shown, sources, color);
            if !hidden.is_empty() {
                let count = |s: Severity| hidden.iter().filter(|d| d.severity == s).count();
                text.push_str(&format!(
                    "... and {} more findings not shown ({} errors, {} warnings, {} notes): `--format short` or `--format json` lists every one\n",
                    hidden.len(),
                    count(Severity::Error),
                    count(Severity::Warning),
                    count(Severity::Note)
                ));
            }
            text
        }
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

/// `3 errors, 1 warning` style summary.
pub fn summary(diagnostics: &Diagnostics) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!("{}, {}", plural(diagnostics.count(Severity::Error), "error"), plural(diagnostics.count(Severity::Warning), "warning"))
}
