//! Command-line interface: one module per subcommand; exit codes 0 ok, 1 invalid input, 2 usage or
//! I/O error (`diff` adds 3 for changes and 4 for disruptive changes).
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::compile::settings::Settings;
use crate::compile::{compile, Compilation, CompileOptions, Input};
use crate::diagnostics::emit::{self, Report};
use crate::diagnostics::{Diagnostics, Severity};

mod argocd;
mod completions;
mod diff;
mod install;
mod io;
mod krm;
mod render;
mod rules;
mod run;
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
    /// Compare two versions offline: which objects change, which changes the API server rejects, what restarts or loses data.
    Diff(diff::DiffArgs),
    /// Write the JSON Schema of each kind (for validation in editors and CI).
    Schemas(schemas::SchemasArgs),
    /// Print the CustomResourceDefinitions of the four kinds (for the in-cluster mode).
    Crd(schemas::CrdArgs),
    /// Print the manifests that run the in-cluster companion (Namespace, ServiceAccount, least-privilege RBAC, Deployment, metrics Service; `--crds` adds the CRDs).
    Install(install::InstallArgs),
    /// Run the in-cluster companion: topics on the brokers, registry compatibility, live status (feature `companion`).
    Run(run::RunArgs),
    /// Show what the companion sees: every Rivven resource's live state, read-only (feature `companion`).
    Status(run::StatusArgs),
    /// List every rule a finding can carry (id, default severity, summary).
    Rules(rules::RulesArgs),
    /// Explain one rule: what it checks, why, and an example of the fix.
    Explain(rules::ExplainArgs),
    /// Argo CD Config Management Plugin commands (`argocd generate` renders the application directory).
    Argocd(argocd::ArgocdArgs),
    /// Run as a Kustomize or kpt KRM function: a ResourceList on standard input, one on standard output.
    Krm(krm::KrmArgs),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish).
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff), e.g. `rivven-render man > /usr/local/share/man/man1/rivven-render.1`.
    Man,
}

/// How diagnostics are printed.
pub use crate::diagnostics::emit::Format;

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
    /// Raise a rule's findings to errors (repeatable, or comma-separated); `warnings` raises every warning.
    #[arg(long, value_name = "RULE", value_delimiter = ',')]
    pub deny: Vec<String>,
    /// The Rivven version of resources that name no `spec.version` (default: the newest known).
    #[arg(long, value_name = "VERSION")]
    pub rivven_version: Option<String>,
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
        Command::Diff(args) => diff::run(&args),
        Command::Schemas(args) => schemas::run_schemas(&args),
        Command::Crd(args) => schemas::run_crd(&args),
        Command::Install(args) => install::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Status(args) => run::status(&args),
        Command::Rules(args) => rules::run_rules(&args),
        Command::Explain(args) => rules::run_explain(&args),
        Command::Krm(args) => krm::run(&args),
        Command::Argocd(args) => argocd::run(&args),
        Command::Completions(args) => completions::run_completions(&args),
        Command::Man => completions::run_man(),
    };
    ExitCode::from(code)
}

/// The options of a run from the flags every reading command shares; `Err` carries the exit code
/// of a flag value that makes no sense (printed here, before any input is read).
pub fn compile_options(settings: &Settings, validate_only: bool) -> Result<CompileOptions, u8> {
    settings.options(validate_only).map_err(|e| {
        sayln!("rivven-render: {e}");
        EXIT_USAGE
    })
}

/// Compiles the inputs with the command's options; `Err` carries the exit code of an input that
/// could not be read or an option that makes no sense. Nothing is printed but such an error.
pub fn compile_input(input: &InputArgs, validate_only: bool, settings: Settings) -> Result<Compilation, u8> {
    let options = compile_options(&Settings { strict: input.strict, deny: input.deny.clone(), rivven_version: input.rivven_version.clone(), ..settings }, validate_only)?;
    Ok(compile(&Input::from_args(&input.paths), &options))
}

/// After the findings are printed: exit 2 when an input could not be read or is past a limit of
/// one run.
pub fn limit_exit(compilation: &Compilation) -> Option<u8> {
    compilation.failed_to_read().then(|| {
        sayln!("rivven-render: an input could not be read, or is past a limit of one run (see the error above)");
        EXIT_USAGE
    })
}

/// Whether a stream shows colors: a terminal, and `NO_COLOR` unset.
fn color(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// Whether standard output shows colors.
pub fn stdout_color() -> bool {
    color(&std::io::stdout())
}

/// Prints the findings to standard error in the chosen format.
pub fn print_diagnostics(compilation: &Compilation, format: Format, quiet: bool) {
    print_findings(&compilation.diagnostics, compilation, format, quiet);
}

/// Prints some findings of a compilation (its sources give the snippets) to standard error.
pub fn print_findings(diagnostics: &Diagnostics, compilation: &Compilation, format: Format, quiet: bool) {
    let report = Report::new(diagnostics, &compilation.sources, quiet);
    let mut err = std::io::stderr().lock();
    let _ = emit::emitter(format, color(&std::io::stderr())).emit(&report, &mut err);
}

/// Prints the findings to standard output (machine formats of `validate`).
pub fn print_diagnostics_to_stdout(compilation: &Compilation, format: Format, quiet: bool) -> Result<(), u8> {
    let report = Report::new(&compilation.diagnostics, &compilation.sources, quiet);
    io::to_stdout(|out| emit::emitter(format, false).emit(&report, out))
}

/// `3 errors, 1 warning` style summary.
pub fn summary(diagnostics: &Diagnostics) -> String {
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!("{}, {}", plural(diagnostics.count(Severity::Error), "error"), plural(diagnostics.count(Severity::Warning), "warning"))
}
