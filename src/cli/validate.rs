//! `rivven-render validate`.
use clap::Args;

use super::io::sayln;

use super::{load_and_validate, summary, Checked, Format, InputArgs, EXIT_INVALID, EXIT_OK};

/// Arguments of `validate`.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[command(flatten)]
    input: InputArgs,
}

/// Runs `validate`.
pub fn run(args: &ValidateArgs) -> u8 {
    let Checked { sources, documents, diagnostics, .. } = match load_and_validate(&args.input, false) {
        Ok(checked) => checked,
        Err(code) => return code,
    };
    let invalid = diagnostics.has_errors();
    if args.input.format != Format::Json {
        sayln!(
            "{}: {} resource(s) in {} file(s): {}",
            if invalid { "invalid" } else { "valid" },
            documents,
            sources.len(),
            summary(&diagnostics)
        );
    }
    if invalid { EXIT_INVALID } else { EXIT_OK }
}
