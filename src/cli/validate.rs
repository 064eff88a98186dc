//! `rivven-render validate`.
use clap::Args;

use super::io::sayln;

use super::{compile_input, limit_exit, print_diagnostics, print_diagnostics_to_stdout, summary, InputArgs, EXIT_INVALID, EXIT_OK};
use crate::compile::settings::Settings;

/// Arguments of `validate`.
#[derive(Args, Debug)]
pub struct ValidateArgs {
    #[command(flatten)]
    input: InputArgs,
}

/// Runs `validate`: machine formats (`json`, `sarif`, `github`) go to standard output, the others to
/// standard error; the closing summary line always goes to standard error.
pub fn run(args: &ValidateArgs) -> u8 {
    let compilation = match compile_input(&args.input, true, Settings::default()) {
        Ok(c) => c,
        Err(code) => return code,
    };
    if emit_format_is_machine(args) {
        if let Err(code) = print_diagnostics_to_stdout(&compilation, args.input.format, args.input.quiet) {
            return code;
        }
    } else {
        print_diagnostics(&compilation, args.input.format, args.input.quiet);
    }
    if let Some(code) = limit_exit(&compilation) {
        return code;
    }
    let invalid = compilation.diagnostics.has_errors();
    sayln!(
        "{}: {} resource(s) in {} file(s): {}",
        if invalid { "invalid" } else { "valid" },
        compilation.documents,
        compilation.sources.len(),
        summary(&compilation.diagnostics)
    );
    if invalid { EXIT_INVALID } else { EXIT_OK }
}

fn emit_format_is_machine(args: &ValidateArgs) -> bool {
    args.input.format.is_machine()
}
