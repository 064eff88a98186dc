//! Every YAML example of the user's document (`../shared/spec/rivven-operator-README.md`),
//! extracted from the document itself, validates with no errors, and `examples/` holds each of them.
use std::path::{Path, PathBuf};

use rivven_render::diagnostics::Severity;
use rivven_render::compile::compile_texts;

fn spec_path() -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/spec/rivven-operator-README.md");
    assert!(path.exists(), "the spec is expected beside the checkout at {}", path.display());
    path
}

/// The ```yaml blocks of the spec.
fn yaml_blocks() -> Vec<String> {
    let text = std::fs::read_to_string(spec_path()).unwrap();
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_end()) {
            (None, "```yaml") => current = Some(String::new()),
            (Some(_), "```") => blocks.push(current.take().unwrap()),
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

/// Fragments (`auth:`, `externalRegistry:`) are checked inside a minimal RivvenSchemaRegistry.
fn as_document(block: &str) -> String {
    if block.starts_with("apiVersion:") {
        return block.to_owned();
    }
    let indented: String = block.lines().map(|l| if l.is_empty() { "\n".to_owned() } else { format!("  {l}\n") }).collect();
    format!("apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenSchemaRegistry\nmetadata:\n  name: fragment\nspec:\n  clusterRef:\n    name: production\n{indented}")
}

#[test]
fn every_spec_example_validates_without_errors() {
    let blocks = yaml_blocks();
    assert_eq!(blocks.len(), 9, "the spec's YAML examples changed; review this test");
    for (i, block) in blocks.iter().enumerate() {
        let name = format!("spec-example-{i}.yaml");
        let compilation = compile_texts(&[(name.as_str(), as_document(block).as_str())], &Default::default());
        assert_eq!(compilation.documents, 1, "example {i} holds one resource");
        let diagnostics = &compilation.diagnostics;
        let errors: Vec<_> = diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
        assert!(errors.is_empty(), "spec example {i} has errors: {errors:#?}\n{block}");
    }
}

#[test]
fn examples_directory_holds_every_spec_example_verbatim() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/spec");
    let files: Vec<String> = std::fs::read_dir(&dir).unwrap().map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap()).collect();
    for block in yaml_blocks() {
        let found = if block.starts_with("apiVersion:") {
            files.iter().any(|f| f == &block)
        } else {
            let indented: String = block.lines().map(|l| if l.is_empty() { "\n".to_owned() } else { format!("  {l}\n") }).collect();
            files.iter().any(|f| f.contains(&indented))
        };
        assert!(found, "no file in examples/spec holds this spec example verbatim:\n{block}");
    }
}
