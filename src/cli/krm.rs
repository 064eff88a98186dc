//! `rivven-render krm`: a Kustomize / kpt KRM function. A `ResourceList` on standard input, one
//! on standard output: Rivven items are replaced by their rendered objects (transformer), and a
//! `RivvenRender` functionConfig may name files or carry resources to render (generator). Errors go
//! to `results[]` and to standard error (kustomize drops `results`), with no items at all.
use std::collections::BTreeSet;
use std::io::Read;
use std::path::PathBuf;

use clap::Args;
use serde_json::Value;

use super::io::sayln;
use super::{EXIT_INVALID, EXIT_OK, EXIT_USAGE};
use crate::compile::settings::Settings;
use crate::compile::{compile, Input};
use crate::diagnostics::emit::{Format, Report};
use crate::load::krm::{self, inputs};

/// Arguments of `krm` (none: everything comes in the ResourceList).
#[derive(Args, Debug)]
pub struct KrmArgs {}

/// Runs the function.
pub fn run(_args: &KrmArgs) -> u8 {
    let mut text = String::new();
    let limit = crate::load::MAX_INPUT_BYTES;
    match std::io::stdin().take(limit + 1).read_to_string(&mut text) {
        Ok(n) if n as u64 > limit => return fail("", &format!("the function input is larger than {} MiB, the limit of one run", limit >> 20), EXIT_USAGE),
        Ok(_) => {}
        Err(e) => return fail("", &format!("cannot read the function input: {e}"), EXIT_USAGE),
    }
    let list = match krm::read(text) {
        Ok(list) => list,
        Err(e) => return fail("", &e, EXIT_INVALID),
    };
    let settings = match list.function_config.as_ref().map_or(Ok(Settings::default()), Settings::from_config) {
        Ok(s) => s,
        Err(e) => return fail(&list.api_version, &e, EXIT_INVALID),
    };
    let mut options = match settings.options(false) {
        Ok(o) => o,
        Err(e) => return fail(&list.api_version, &format!("functionConfig: {e}"), EXIT_INVALID),
    };
    options.drop_function_annotations = true;
    let renames = crate::load::krm::renames::Renames::of(&list.items.iter().map(|i| &i.value).collect::<Vec<_>>());
    options.renames = (!renames.is_empty()).then_some(renames);
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    options.confine = Some(cwd.clone());
    let rivven: BTreeSet<usize> = list.items.iter().enumerate().filter(|(_, i)| krm::is_rivven(&i.value)).map(|(n, _)| n).collect();
    let (mut to_compile, mut relocations) = inputs::items(&list, &rivven, &cwd);
    for path in &settings.paths {
        match crate::load::inside(&cwd, path) {
            Ok(p) => to_compile.push(Input::Path(p)),
            Err(e) => return fail(&list.api_version, &format!("functionConfig spec.paths: {e}"), EXIT_INVALID),
        }
    }
    let (inline, inline_relocations) = inputs::inline(&list, &settings.resources, &cwd);
    to_compile.extend(inline);
    relocations.extend(inline_relocations);
    let mut compilation = compile(&to_compile, &options);
    compilation.relocate(&relocations);
    let report = Report::new(&compilation.diagnostics, &compilation.sources, false);
    let results = crate::diagnostics::krm::results(&report);
    // Errors and warnings as plain `file:line:column: severity[rule]: message` lines.
    super::print_diagnostics(&compilation, Format::Short, true);
    if compilation.failed_to_read() || !compilation.renderable() {
        let code = if compilation.failed_to_read() { EXIT_USAGE } else { EXIT_INVALID };
        sayln!("rivven-render krm: {}; no items were emitted", super::summary(&compilation.diagnostics));
        return emit_failure(&list.api_version, &results, code);
    }
    let objects = crate::output::krm::items_of(compilation.objects(), &list);
    // A generator gets its own config as an item: it is not a resource, so it is not given back.
    let mut remove = rivven;
    remove.extend(list.items.iter().enumerate().filter(|(_, i)| krm::is_render_config(&i.value)).map(|(n, _)| n));
    let out = crate::output::krm::write(&list, &remove, &objects, &results);
    write_out(&out)
}

/// The rule of a function input that cannot be used (not a ResourceList, a bad functionConfig).
pub const FUNCTION_INPUT_RULE: &str = "load/function-input";

fn fail(api_version: &str, message: &str, code: u8) -> u8 {
    sayln!("rivven-render krm: error: {message}");
    emit_failure(api_version, &[input_error(message)], code)
}

/// The `results[]` entry of an unusable function input.
fn input_error(message: &str) -> Value {
    serde_json::json!({"message": message, "severity": "error", "tags": {"rule": FUNCTION_INPUT_RULE}})
}

fn emit_failure(api_version: &str, results: &[Value], code: u8) -> u8 {
    let _ = write_out(&crate::output::krm::write_failure(api_version, results));
    code
}

/// Writes the whole output list at once.
fn write_out(text: &str) -> u8 {
    match super::io::write_plugin_output(text.as_bytes()) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            sayln!("rivven-render krm: cannot write the output: {e}");
            EXIT_USAGE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unusable_input_is_one_error_result_with_its_rule() {
        let result = input_error("the function input is empty");
        assert_eq!(result["severity"], "error");
        assert_eq!(result["tags"]["rule"], "load/function-input");
        assert!(crate::diagnostics::catalog::rule(FUNCTION_INPUT_RULE).is_some());
    }
}
