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
    let Checked { validated, diagnostics, .. } = match load_and_validate(&args.input, true) {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    if diagnostics.has_errors() {
        sayln!("nothing rendered: {}", summary(&diagnostics));
        return EXIT_INVALID;
    }
    // Objects are written as they are rendered: memory holds one resource's objects at a time.
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut count = |object: &render::RenderedObject| *counts.entry(object.kind.clone()).or_default() += 1;
    let target = if args.output.as_os_str() == "-" {
        let result = super::io::to_stdout(|out| {
            render::render_each(&validated, &mut |object| {
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
            render::render_each(&validated, &mut |object| {
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
        validated.len(),
        summary(&diagnostics)
    );
    EXIT_OK
}
