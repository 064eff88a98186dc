//! `rivven-render render`.
use std::collections::BTreeMap;
use std::path::PathBuf;

use clap::Args;

use super::io::sayln;

use super::{load_and_validate, summary, Checked, InputArgs, EXIT_INVALID, EXIT_OK, EXIT_USAGE};
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
}

/// Runs `render`: nothing is written unless every input is valid.
pub fn run(args: &RenderArgs) -> u8 {
    // The parsed documents are not needed once their findings are printed: only the typed resources are.
    let Checked { validated, diagnostics, .. } = match load_and_validate(&args.input) {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    if diagnostics.has_errors() {
        sayln!("nothing rendered: {}", summary(&diagnostics));
        return EXIT_INVALID;
    }
    let rendered = render::render(&validated);
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for object in &rendered.objects {
        *counts.entry(object.kind.as_str()).or_default() += 1;
    }
    let per_kind = counts.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", ");
    let target = if args.output.as_os_str() == "-" {
        if let Err(code) = super::io::to_stdout(|out| output::write_stream(&rendered, out)) {
            return code;
        }
        "standard output".to_owned()
    } else {
        match output::write_dir(&args.output, &rendered, args.clean) {
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
    sayln!(
        "rendered {} objects from {} resources to {target}: {per_kind} ({})",
        rendered.objects.len(),
        validated.len(),
        summary(&diagnostics)
    );
    EXIT_OK
}
