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
use crate::compile::{compile, Compilation, Input};
use crate::diagnostics::emit::{self, Format, Report};
use crate::load::krm::{self, inputs, ResourceList};

/// Arguments of `krm` (none: everything comes in the ResourceList).
#[derive(Args, Debug)]
pub struct KrmArgs {}

/// Directory, in the `path` annotations of rendered objects, that kpt writes them to.
pub const OUTPUT_DIR: &str = "rivven-render";

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
    let rivven: BTreeSet<usize> = list.items.iter().enumerate().filter(|(_, i)| is_rivven(&i.value)).map(|(n, _)| n).collect();
    let (mut to_compile, relocations) = inputs::items(&list, &rivven, &cwd);
    for path in &settings.paths {
        match inputs::inside(&cwd, path) {
            Ok(p) => to_compile.push(Input::Path(p)),
            Err(e) => return fail(&list.api_version, &format!("functionConfig spec.paths: {e}"), EXIT_INVALID),
        }
    }
    let (inline, inline_relocations) = inputs::inline(&list, &settings.resources, &cwd);
    to_compile.extend(inline);
    let mut compilation = compile(&to_compile, &options);
    compilation.relocate(&relocations);
    compilation.relocate(&inline_relocations);
    let report = Report::new(&compilation.diagnostics, &compilation.sources, false);
    let results = crate::diagnostics::krm::results(&report);
    print_to_stderr(&compilation);
    if compilation.failed_to_read() || !compilation.renderable() {
        let code = if compilation.failed_to_read() { EXIT_USAGE } else { EXIT_INVALID };
        sayln!("rivven-render krm: {}; no items were emitted", super::summary(&compilation.diagnostics));
        return emit_failure(&list.api_version, &results, code);
    }
    let objects = annotated_objects(&compilation, &list);
    // A generator gets its own config as an item: it is not a resource, so it is not given back.
    let mut remove = rivven;
    remove.extend(list.items.iter().enumerate().filter(|(_, i)| is_render_config(&i.value)).map(|(n, _)| n));
    let out = crate::output::krm::write(&list, &remove, &objects, &results);
    write_out(&out)
}

/// Errors and warnings as plain `file:line:column: severity[rule]: message` lines, no colour.
fn print_to_stderr(compilation: &Compilation) {
    let report = Report::new(&compilation.diagnostics, &compilation.sources, true);
    let mut err = std::io::stderr().lock();
    let _ = emit::emitter(Format::Short, false).emit(&report, &mut err);
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

/// Writes the whole output at once; any failure (a closed pipe included) is an error: a function
/// must never look successful with a partial list.
fn write_out(text: &str) -> u8 {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => EXIT_OK,
        Err(e) => {
            sayln!("rivven-render krm: cannot write the output: {e}");
            EXIT_USAGE
        }
    }
}

fn is_render_config(item: &Value) -> bool {
    let field = |key: &str| item.get(key).and_then(Value::as_str);
    field("apiVersion") == Some(crate::compile::settings::CONFIG_API_VERSION) && field("kind") == Some(crate::compile::settings::CONFIG_KIND)
}

fn is_rivven(item: &Value) -> bool {
    item.get("apiVersion").and_then(Value::as_str).is_some_and(|v| v.starts_with(&format!("{}/", crate::model::GROUP)))
}

/// The rendered objects, each with `path` and `index` annotations of its own (kpt writes each to
/// `rivven-render/<file>`; no other item has such a path).
fn annotated_objects(compilation: &Compilation, list: &ResourceList) -> Vec<Value> {
    let taken: BTreeSet<String> = list
        .items
        .iter()
        .filter_map(|i| krm::annotation(&i.value, "internal.config.kubernetes.io/path").or_else(|| krm::annotation(&i.value, "config.kubernetes.io/path")))
        .map(str::to_owned)
        .collect();
    compilation
        .objects()
        .into_iter()
        .map(|object| {
            let mut path = format!("{OUTPUT_DIR}/{}", crate::output::file_name(&object));
            while taken.contains(&path) {
                path = format!("{OUTPUT_DIR}/_{}", &path[OUTPUT_DIR.len() + 1..]);
            }
            let mut value = object.value;
            let metadata = value["metadata"].as_object_mut().expect("rendered objects have metadata");
            let annotations = metadata.entry("annotations").or_insert_with(|| Value::Object(Default::default()));
            if let Some(a) = annotations.as_object_mut() {
                for key in ["config.kubernetes.io/path", "internal.config.kubernetes.io/path"] {
                    a.insert(key.into(), Value::from(path.clone()));
                }
                for key in ["config.kubernetes.io/index", "internal.config.kubernetes.io/index"] {
                    a.insert(key.into(), Value::from("0"));
                }
            }
            value
        })
        .collect()
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
