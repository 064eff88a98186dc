//! Golden tests: the rendered stream of every example under `examples/` is committed under
//! `tests/golden/<same relative path>.rendered.yaml`, and any difference fails with a unified diff.
//!
//! To accept a deliberate change of the output, regenerate the files and review the diff in git:
//!
//! ```sh
//! UPDATE_GOLDEN=1 cargo test --test golden
//! git diff tests/golden/
//! ```
//!
//! Each example is rendered on its own when that gives no error (warnings such as an unresolved
//! `clusterRef` are fine). When it cannot be rendered alone, it is rendered together with the
//! other examples of its directory and only the objects rendered from its own resources are kept.
//!
//! Determinism is checked here too: the whole `examples/` tree rendered with the input files in
//! several shuffled orders, and twice in a row, gives byte-identical streams.
use std::path::{Path, PathBuf};

use rivven_render::compile::{compile, CompileOptions, Input};
use rivven_render::diagnostics::{Diagnostics, Severity};
use rivven_render::output;
use rivven_render::render::Rendered;
use serde_json::Value;

const SOURCE_ANNOTATION: &str = "rivven.hupe1980.github.io/source";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every example file, sorted, relative to `examples/`.
fn example_files() -> Vec<PathBuf> {
    let base = root().join("examples");
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(&base)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.is_file() && matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        // Kustomizations, plugin configs and the like beside the examples hold no Rivven resource.
        .filter(|p| std::fs::read_to_string(p).unwrap().contains("apiVersion: rivven.hupe1980.github.io/"))
        .map(|p| p.strip_prefix(&base).unwrap().to_path_buf())
        .collect();
    files.sort();
    assert!(files.len() >= 13, "expected every spec and minimal example, found {files:?}");
    files
}

/// Loads, validates and renders the files in the given order; `None` when any error was found.
fn render_files(files: &[PathBuf]) -> (Option<Rendered>, Diagnostics) {
    let inputs: Vec<Input> = files.iter().map(|f| Input::Path(f.clone())).collect();
    let compilation = compile(&inputs, &CompileOptions::default());
    if !compilation.renderable() || compilation.validated.is_empty() {
        return (None, compilation.diagnostics);
    }
    let objects = compilation.objects();
    (Some(Rendered { objects }), compilation.diagnostics)
}

fn errors(diagnostics: &Diagnostics) -> Vec<String> {
    diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| format!("{d:?}")).collect()
}

/// `Kind/namespace/name` of every Rivven resource in a file (as the source annotation spells it).
fn resources_of(file: &Path) -> Vec<String> {
    let compilation = compile(&[Input::Path(file.to_path_buf())], &CompileOptions::default());
    compilation.validated.references().map(ToString::to_string).collect()
}

/// The stream an example's golden file holds.
fn rendered_example(relative: &Path) -> String {
    let file = root().join("examples").join(relative);
    let (alone, diagnostics) = render_files(std::slice::from_ref(&file));
    if let Some(rendered) = alone {
        return output::stream(&rendered);
    }
    // Needs its neighbours: render the directory, keep what came from this file.
    let dir = file.parent().unwrap().to_path_buf();
    let (together, dir_diagnostics) = render_files(&[dir]);
    let together = together.unwrap_or_else(|| {
        panic!("{} does not render alone ({:?}) nor with its directory ({:?})", relative.display(), errors(&diagnostics), errors(&dir_diagnostics))
    });
    let own = resources_of(&file);
    let objects = together
        .objects
        .into_iter()
        .filter(|o| {
            let source = o.value.pointer(&format!("/metadata/annotations/{}", SOURCE_ANNOTATION.replace('/', "~1"))).and_then(Value::as_str);
            let in_plan = o.value.pointer("/data/topics.json").and_then(Value::as_str).is_some_and(|plan| own.iter().any(|r| plan.contains(&format!("\"source\": \"{r}\""))));
            source.is_some_and(|s| own.iter().any(|r| r == s)) || in_plan
        })
        .collect();
    output::stream(&Rendered { objects })
}

fn golden_path(relative: &Path) -> PathBuf {
    root().join("tests/golden").join(format!("{}.rendered.yaml", relative.display()))
}

fn unified_diff(expected: &str, actual: &str, name: &str) -> String {
    similar::TextDiff::from_lines(expected, actual)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{name} (committed)"), &format!("{name} (rendered now)"))
        .to_string()
}

#[test]
fn every_example_matches_its_golden_file() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let mut failures = Vec::new();
    for relative in example_files() {
        let actual = rendered_example(&relative);
        assert!(actual.starts_with("---\n"), "{} rendered nothing", relative.display());
        let path = golden_path(&relative);
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            if std::fs::read_to_string(&path).ok().as_deref() != Some(actual.as_str()) {
                std::fs::write(&path, &actual).unwrap();
                eprintln!("updated {}", path.display());
            }
            continue;
        }
        match std::fs::read_to_string(&path) {
            Ok(expected) if expected == actual => {}
            Ok(expected) => failures.push(unified_diff(&expected, &actual, &path.display().to_string())),
            Err(e) => failures.push(format!("{}: {e} (run `UPDATE_GOLDEN=1 cargo test --test golden`)", path.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "rendered output differs from tests/golden (if intended: UPDATE_GOLDEN=1 cargo test --test golden, then review git diff):\n{}",
        failures.join("\n")
    );
}

#[test]
fn no_golden_file_without_its_example() {
    let expected: Vec<PathBuf> = example_files().iter().map(|r| golden_path(r)).collect();
    let dir = root().join("tests/golden");
    if !dir.exists() {
        return; // every_example_matches_its_golden_file reports the missing files
    }
    for entry in walkdir::WalkDir::new(dir) {
        let path = entry.unwrap().into_path();
        if path.is_file() {
            assert!(expected.contains(&path), "{} has no example any more: delete it", path.display());
        }
    }
}

/// A deterministic Fisher-Yates shuffle (xorshift64*), so failures reproduce.
fn shuffled<T: Clone>(items: &[T], seed: u64) -> Vec<T> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut out = items.to_vec();
    for i in (1..out.len()).rev() {
        let j = (next() % (i as u64 + 1)) as usize;
        out.swap(i, j);
    }
    out
}

#[test]
fn stream_is_identical_whatever_the_file_order_and_on_repeat() {
    let files: Vec<PathBuf> = example_files().iter().map(|r| root().join("examples").join(r)).collect();
    let render_stream = |files: &[PathBuf]| {
        let (rendered, diagnostics) = render_files(files);
        output::stream(&rendered.unwrap_or_else(|| panic!("examples render: {:?}", errors(&diagnostics))))
    };
    let reference = render_stream(&files);
    assert_eq!(reference, render_stream(&files), "two renders in a row differ");
    assert_eq!(reference, render_stream(&[root().join("examples")]), "the directory and its sorted files differ");
    let mut reversed = files.clone();
    reversed.reverse();
    let mut orders = vec![reversed];
    orders.extend((1..=6).map(|seed| shuffled(&files, seed)));
    assert!(orders.iter().all(|o| *o != files), "every permutation must differ from the sorted order");
    for order in orders {
        let actual = render_stream(&order);
        assert!(actual == reference, "file order {order:?} changes the output:\n{}", unified_diff(&reference, &actual, "stream"));
    }
}
