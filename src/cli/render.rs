//! `rivven-render render`.
use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;

use super::io::sayln;

use super::{compile_input, limit_exit, print_diagnostics, summary, Format, InputArgs, EXIT_INVALID, EXIT_OK, EXIT_USAGE};
use crate::compile::settings::Settings;
use crate::compile::Compilation;
use crate::diagnostics::emit::{self, Report};
use crate::render::DEFAULT_CLUSTER_DOMAIN;
use crate::{output, render};

/// Arguments of `render`.
#[derive(Args, Debug)]
pub struct RenderArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Output directory, or `-` for a YAML stream on standard output.
    #[arg(short, long, value_name = "DIR")]
    output: PathBuf,
    /// Remove files this tool wrote earlier for objects that are no longer rendered.
    #[arg(long)]
    clean: bool,
    /// The cluster's DNS domain, used in every rendered service address.
    #[arg(long, value_name = "DOMAIN", default_value = DEFAULT_CLUSTER_DOMAIN)]
    cluster_domain: String,
    /// The target cluster's Kubernetes release (e.g. 1.30 or v1.30.2): objects it does not serve are left out or moved to a served API, with a note.
    #[arg(long, value_name = "VERSION")]
    kube_version: Option<String>,
    /// API group/versions the target cluster serves (repeatable or comma-separated, e.g. `v1,apps/v1,monitoring.coreos.com/v1`): a ServiceMonitor is left out unless `monitoring.coreos.com/v1` is listed.
    #[arg(long, value_name = "GROUP/VERSION", value_delimiter = ',')]
    api_versions: Vec<String>,
    /// The namespace of resources that name none (their objects and service addresses get it).
    #[arg(long, short = 'n', value_name = "NAMESPACE")]
    namespace: Option<String>,
    /// Also write the findings to this file (whether or not the input renders).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Format of the `--report` file.
    #[arg(long, value_enum, default_value_t = Format::Json, requires = "report")]
    report_format: Format,
}

/// Runs `render`: nothing is written unless every input is valid.
pub fn run(args: &RenderArgs) -> u8 {
    let settings = Settings {
        cluster_domain: Some(args.cluster_domain.clone()),
        kube_version: args.kube_version.clone(),
        api_versions: (!args.api_versions.is_empty()).then(|| args.api_versions.clone()),
        namespace: args.namespace.clone(),
        ..Settings::default()
    };
    let compilation = match compile_input(&args.input, false, settings) {
        Ok(c) => c,
        Err(code) => return code,
    };
    print_diagnostics(&compilation, args.input.format, args.input.quiet);
    if let Some(path) = &args.report {
        if let Err(e) = write_report(&compilation, path, args.report_format, args.input.quiet) {
            sayln!("rivven-render: cannot write the report {}: {e}", path.display());
            return EXIT_USAGE;
        }
    }
    if let Some(code) = limit_exit(&compilation) {
        return code;
    }
    if !compilation.renderable() {
        sayln!("nothing rendered: {}", summary(&compilation.diagnostics));
        return EXIT_INVALID;
    }
    // Objects are written as they are rendered: memory holds one resource's objects at a time.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut count = |object: &render::RenderedObject| *counts.entry(object.kind.clone()).or_default() += 1;
    let target = if args.output.as_os_str() == "-" {
        let result = super::io::to_stdout(|out| {
            compilation.render_each(&mut |object| {
                count(&object);
                output::write_object(&object, out)
            })
        });
        if let Err(code) = result {
            return code;
        }
        "standard output".to_owned()
    } else {
        let written = output::write_dir_each(&args.output, args.clean, |add| {
            compilation.render_each(&mut |object| {
                count(&object);
                add(&object)
            })
        });
        match written {
            Ok(s) => {
                let removed = if s.removed.is_empty() { String::new() } else { format!(", {} stale removed", s.removed.len()) };
                format!("{} ({} written, {} unchanged{removed})", args.output.display(), s.written, s.unchanged)
            }
            Err(e) => {
                sayln!("rivven-render: cannot write {}: {e}", args.output.display());
                return EXIT_USAGE;
            }
        }
    };
    let objects: usize = counts.values().sum();
    let per_kind = counts.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", ");
    sayln!(
        "rendered {} objects from {} resources to {target}: {per_kind} ({})",
        objects,
        compilation.validated.len(),
        summary(&compilation.diagnostics)
    );
    // The defects that lose data are repeated after the summary, where the eye lands last.
    for d in compilation.diagnostics.sorted(&compilation.sources) {
        if d.rule == crate::validate::rules::cdc::STREAMING_RULE {
            let at = d.resource.as_ref().map(|r| format!(" ({r}, {})", d.path)).unwrap_or_default();
            sayln!("{}[{}]{at}: {}", d.severity, d.rule, d.message);
        }
    }
    EXIT_OK
}

/// Writes the report whole or not at all (a temporary file renamed over the target).
fn write_report(compilation: &Compilation, path: &std::path::Path, format: Format, quiet: bool) -> std::io::Result<()> {
    let report = Report::new(&compilation.diagnostics, &compilation.sources, quiet);
    let text = emit::to_string(format, &report, false);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "report".into());
    let tmp = path.with_file_name(format!(".{name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, text).and_then(|()| std::fs::rename(&tmp, path)).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}
