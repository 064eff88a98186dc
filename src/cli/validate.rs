//! `rivven-render validate`.
use clap::Args;

use super::{print_diagnostics, summary, Format, InputArgs, EXIT_INVALID, EXIT_OK, EXIT_USAGE};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::{self, LoadOptions};
use crate::validate;

/// Arguments of `validate`.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[command(flatten)]
    input: InputArgs,
}

/// Runs `validate`.
pub fn run(args: &ValidateArgs) -> u8 {
    let mut diagnostics = Diagnostics::default();
    let options = LoadOptions { strict: args.input.strict };
    let loaded = match load::load(&args.input.paths, options, &mut diagnostics) {
        Ok(loaded) => loaded,
        Err(e) => {
            eprintln!("rivven-render: {}", e.0);
            return EXIT_USAGE;
        }
    };
    let validated = validate::validate(&loaded, &mut diagnostics);
    if loaded.documents.is_empty() && !diagnostics.has_errors() {
        diagnostics.push(Diagnostic::error("load/no-resources", "no Rivven resource found in the input"));
    }
    print_diagnostics(&diagnostics, &loaded.sources, args.input.format, args.input.quiet);
    let invalid = diagnostics.has_errors();
    if args.input.format != Format::Json {
        eprintln!(
            "{}: {} resource(s) in {} file(s): {}",
            if invalid { "invalid" } else { "valid" },
            loaded.documents.len(),
            loaded.sources.len(),
            summary(&diagnostics)
        );
    }
    let _ = validated;
    if invalid { EXIT_INVALID } else { EXIT_OK }
}
