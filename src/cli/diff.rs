//! `rivven-render diff`: both sides compiled offline, compared object by object, with what the
//! change does to the running system. Exit 0 no changes, 1 invalid input, 2 usage or I/O error,
//! 3 changes, 4 disruptive changes (unless `--exit-zero`).
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use super::io::sayln;
use super::{limit_exit, summary, EXIT_INVALID, EXIT_OK, EXIT_USAGE};
use crate::compile::settings::Settings;
use crate::compile::{compile, Compilation, CompileOptions, Input};
use crate::diagnostics::emit::Format;
use crate::diagnostics::{Diagnostics, Severity};
use crate::diff::report::{self, DEFAULT_MARKDOWN_LIMIT};
use crate::render::DEFAULT_CLUSTER_DOMAIN;

/// Exit code: the sides differ.
pub const EXIT_CHANGES: u8 = 3;
/// Exit code: a change is refused, needs a replacement or loses data.
pub const EXIT_DISRUPTIVE: u8 = 4;

/// How the diff is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    /// For people: the plan, the consequences, the changed fields and hunks (coloured on a terminal).
    Human,
    /// For a pull-request comment: a plan table, consequences, one collapsible section per object.
    Markdown,
    /// For programs (version 1, documented in the README).
    Json,
}

/// Arguments of `diff`.
#[derive(Args, Debug)]
pub struct DiffArgs {
    /// OLD and NEW: each a file, a directory or `-` (standard input, for one side). With `--base`:
    /// the paths to compare between the revision and the working tree (default `.`).
    #[arg(value_name = "PATH")]
    paths: Vec<PathBuf>,
    /// Compare the files at this git revision (read in memory, nothing checked out) with the working tree.
    #[arg(long, value_name = "REV")]
    base: Option<String>,
    /// How to print the diff.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    format: DiffFormat,
    /// Longest markdown body; what does not fit is cut whole and named in a note.
    #[arg(long, value_name = "CHARS", default_value_t = DEFAULT_MARKDOWN_LIMIT as u64, value_parser = clap::value_parser!(u64).range(1_000..))]
    max_chars: u64,
    /// Exit 0 whatever the diff finds (invalid input and usage errors still fail).
    #[arg(long)]
    exit_zero: bool,
    /// Treat documents of other kinds as errors instead of skipping them.
    #[arg(long)]
    strict: bool,
    /// Print only errors and warnings of the new side, no notes.
    #[arg(long, short)]
    quiet: bool,
    /// Raise a rule's findings to errors (repeatable, or comma-separated); `warnings` raises every warning.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    deny: Vec<String>,
    /// The Rivven version of resources that name no `spec.version` (default: the newest known).
    #[arg(long, value_name = "VERSION")]
    rivven_version: Option<String>,
    /// The cluster's DNS domain, used in every rendered service address.
    #[arg(long, value_name = "DOMAIN", default_value = DEFAULT_CLUSTER_DOMAIN)]
    cluster_domain: String,
}

/// The two sides' inputs and how findings name them.
struct Sides {
    old: (Vec<Input>, String),
    new: (Vec<Input>, String),
}

fn sides(args: &DiffArgs) -> Result<Sides, String> {
    let label = |p: &PathBuf| if p.as_os_str() == "-" { "standard input".to_owned() } else { p.display().to_string() };
    if let Some(base) = &args.base {
        let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
        if paths.iter().any(|p| p.as_os_str() == "-") {
            return Err("with --base, the paths name files of the working tree; `-` cannot be read at a revision".into());
        }
        let old = crate::load::git::inputs_at(base, &paths).map_err(|e| e.0)?;
        for missing in crate::load::git::missing_at(&old, &paths) {
            sayln!("note: {} holds no *.yaml file at {base}: the old side has nothing there", missing.display());
        }
        let shown = paths.iter().map(label).collect::<Vec<_>>().join(" ");
        return Ok(Sides { old: (old, format!("{shown} at {base}")), new: (Input::from_args(&paths), format!("{shown} in the working tree")) });
    }
    let [old, new] = args.paths.as_slice() else {
        return Err(format!("diff takes two paths, OLD and NEW (got {}), or `--base REV [PATH...]`", args.paths.len()));
    };
    if old.as_os_str() == "-" && new.as_os_str() == "-" {
        return Err("standard input can be read for one side only".into());
    }
    Ok(Sides { old: (vec![Input::from_arg(old)], label(old)), new: (vec![Input::from_arg(new)], label(new)) })
}

/// Runs `diff`.
pub fn run(args: &DiffArgs) -> u8 {
    let settings = Settings {
        strict: args.strict,
        deny: args.deny.clone(),
        rivven_version: args.rivven_version.clone(),
        cluster_domain: Some(args.cluster_domain.clone()),
        ..Settings::default()
    };
    let options = match super::compile_options(&settings, false) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let sides = match sides(args) {
        Ok(s) => s,
        Err(e) => {
            sayln!("rivven-render: {e}");
            return EXIT_USAGE;
        }
    };
    let old = side_compiled(&sides.old.0, &options);
    let new = side_compiled(&sides.new.0, &options);
    // The old side only matters when it cannot be compared: its errors, labelled as its own.
    if old.diagnostics.has_errors() {
        sayln!("rivven-render: the old side ({}) is invalid:", sides.old.1);
        print_errors(&old);
    }
    if new.diagnostics.has_errors() {
        sayln!("rivven-render: the new side ({}) is invalid:", sides.new.1);
    }
    super::print_diagnostics(&new, Format::Human, args.quiet);
    if let Some(code) = limit_exit(&old).or_else(|| limit_exit(&new)) {
        return code;
    }
    if old.documents == 0 && new.documents == 0 && !old.diagnostics.has_errors() && !new.diagnostics.has_errors() {
        sayln!("rivven-render: no Rivven resource found on either side ({} and {})", sides.old.1, sides.new.1);
        return EXIT_INVALID;
    }
    for (side, c, what) in [("old", &old, &sides.old.1), ("new", &new, &sides.new.1)] {
        if !c.renderable() {
            sayln!("nothing compared: the {side} side ({what}) has {}", summary(&c.diagnostics));
            return EXIT_INVALID;
        }
    }
    let diff = crate::diff::diff_each(objects_of(&old), objects_of(&new), &old.diagnostics, &new.diagnostics);
    let text = match args.format {
        DiffFormat::Human => report::human(&diff, super::stdout_color()),
        DiffFormat::Markdown => report::markdown(&diff, usize::try_from(args.max_chars).unwrap_or(usize::MAX)),
        DiffFormat::Json => report::json_text(&diff),
    };
    if diff.masked.scrubbed() > 0 {
        sayln!("note: a masked value was also written where the masks do not look; it was replaced there too");
    }
    if let Err(code) = super::io::to_stdout(|out| out.write_all(text.as_bytes())) {
        return code;
    }
    if args.exit_zero || diff.is_empty() {
        EXIT_OK
    } else if diff.is_disruptive() {
        EXIT_DISRUPTIVE
    } else {
        EXIT_CHANGES
    }
}

/// Compiles one side. A side without any Rivven resource is no error here (a pull request may add
/// the first resources or remove the last ones): it renders nothing.
fn side_compiled(inputs: &[Input], options: &CompileOptions) -> Compilation {
    let mut compilation = compile(inputs, options);
    if compilation.documents == 0 {
        let mut kept = Diagnostics::default();
        kept.extend(compilation.diagnostics.iter().filter(|d| d.rule != crate::compile::NO_RESOURCES_RULE).cloned());
        compilation.diagnostics = kept;
    }
    compilation
}

/// A side's objects, rendered one resource at a time.
fn objects_of(compilation: &Compilation) -> impl FnOnce(&mut dyn FnMut(crate::render::RenderedObject)) + '_ {
    move |each| {
        let _ = compilation.render_each(&mut |o| {
            each(o);
            Ok::<(), std::convert::Infallible>(())
        });
    }
}

/// Prints only the errors of a side to standard error.
fn print_errors(compilation: &Compilation) {
    let mut errors = Diagnostics::default();
    errors.extend(compilation.diagnostics.iter().filter(|d| d.severity == Severity::Error).cloned());
    super::print_findings(&errors, compilation, Format::Human, true);
}
