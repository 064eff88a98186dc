//! SARIF 2.1.0 output: valid against the standard's own schema (`../shared/reference/`), one result
//! per finding at the line and column the invalid corpus expects, rules from the catalog, and
//! (with the testbed feature) read back by an independent consumer, the `sarif-tools` package.
use std::path::{Path, PathBuf};
use std::process::Command;

use rivven_render::compile::{compile, CompileOptions, Input};
use rivven_render::diagnostics::catalog;
use rivven_render::diagnostics::emit::{self, Format, Report};
use serde_json::Value;

#[path = "support/corpus.rs"]
mod corpus;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sarif_validator() -> jsonschema::Validator {
    let path = root().join("../shared/reference/sarif-schema-2.1.0.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).expect("the SARIF schema compiles")
}

fn assert_valid(validator: &jsonschema::Validator, sarif: &Value, what: &str) {
    let errors: Vec<String> = validator.iter_errors(sarif).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{what}: SARIF is not valid 2.1.0:\n{}", errors.join("\n"));
}

fn sarif_of(paths: &[PathBuf], strict: bool) -> Value {
    let inputs: Vec<Input> = paths.iter().map(|p| Input::Path(p.clone())).collect();
    let compilation = compile(&inputs, &CompileOptions { strict, validate_only: true, ..CompileOptions::default() });
    let mut report = Report::new(&compilation.diagnostics, &compilation.sources, false);
    report.root = Some(root());
    serde_json::from_str(&emit::to_string(Format::Sarif, &report, false)).expect("SARIF is JSON")
}

fn results(sarif: &Value) -> &Vec<Value> {
    sarif["runs"][0]["results"].as_array().expect("results")
}

#[test]
fn every_corpus_case_gives_valid_sarif_at_its_expected_lines() {
    let validator = sarif_validator();
    let mut missing = Vec::new();
    let mut checked = 0;
    for path in corpus::corpus_files() {
        let name = corpus::case_name(&path);
        let header = corpus::parse_header(&name, &std::fs::read_to_string(&path).unwrap());
        let sarif = sarif_of(std::slice::from_ref(&path), header.strict);
        assert_valid(&validator, &sarif, &name);
        let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
        for result in results(&sarif) {
            let index = result["ruleIndex"].as_u64().expect("every result has a ruleIndex") as usize;
            assert_eq!(rules[index]["id"], result["ruleId"], "{name}: ruleIndex points at the result's rule");
            if let Some(location) = result["locations"][0]["physicalLocation"].as_object() {
                assert_eq!(location["artifactLocation"]["uri"], format!("tests/invalid/{name}"), "{name}: repo-relative uri");
                assert_eq!(location["artifactLocation"]["uriBaseId"], "SRCROOT");
            }
        }
        for e in header.expects {
            let Some((line, column)) = e.position else { continue };
            let (severity, rule) = (e.severity, e.rule);
            checked += 1;
            let hit = results(&sarif).iter().any(|r| {
                let region = &r["locations"][0]["physicalLocation"]["region"];
                r["ruleId"] == rule.as_str() && r["level"] == severity.as_str() && region["startLine"] == line && region["startColumn"] == column
            });
            if !hit {
                missing.push(format!("{name}: {severity} {rule} at {line}:{column}"));
            }
        }
    }
    assert!(checked > 100, "the corpus holds located expectations ({checked})");
    assert!(missing.is_empty(), "SARIF results missing:\n{}", missing.join("\n"));
}

#[test]
fn the_driver_lists_the_whole_catalog_with_help() {
    let sarif = sarif_of(&[root().join("examples")], false);
    let rules = sarif["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), catalog::rules().len());
    for (rule, entry) in rules.iter().zip(catalog::rules()) {
        assert_eq!(rule["id"], entry.id);
        assert_eq!(rule["fullDescription"]["text"], entry.explanation);
        assert!(rule["helpUri"].as_str().unwrap().ends_with(&format!("#rule-{}", entry.id.replace('/', "-"))), "{rule}");
    }
    assert_eq!(sarif["runs"][0]["columnKind"], "unicodeCodePoints");
    // The examples only warn: every result is a warning or note, each with an end after its start.
    for result in results(&sarif) {
        let region = &result["locations"][0]["physicalLocation"]["region"];
        let (start, end) = ((region["startLine"].as_u64(), region["startColumn"].as_u64()), (region["endLine"].as_u64(), region["endColumn"].as_u64()));
        assert!(end > start, "{result}");
        assert_ne!(result["level"], "error", "{result}");
    }
}

#[test]
fn related_locations_point_at_the_other_definition() {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("sarif-related");
    std::fs::create_dir_all(&dir).unwrap();
    let topic = "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenTopic\nmetadata:\n  name: orders\nspec:\n  clusterRef:\n    name: demo\n";
    let file = dir.join("twice.yaml");
    std::fs::write(&file, format!("{topic}---\n{topic}")).unwrap();
    let sarif = sarif_of(&[file], false);
    assert_valid(&sarif_validator(), &sarif, "twice.yaml");
    let duplicate = results(&sarif).iter().find(|r| r["ruleId"] == "ref/duplicate-resource").expect("a duplicate finding");
    assert_eq!(duplicate["locations"][0]["physicalLocation"]["region"]["startLine"], 12);
    let related = &duplicate["relatedLocations"][0];
    assert_eq!(related["physicalLocation"]["region"]["startLine"], 4, "{duplicate}");
    assert_eq!(related["message"]["text"], "the first definition");
}

/// The binary prints SARIF alone on standard output: one run over the whole corpus.
fn corpus_sarif_from_the_binary() -> Value {
    let out = Command::new(env!("CARGO_BIN_EXE_rivven-render"))
        .current_dir(root())
        .args(["validate", "tests/invalid", "--format", "sarif"])
        .output()
        .unwrap();
    // The corpus holds a document past a limit: exit 2, after the whole report.
    assert_eq!(out.status.code(), Some(2), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("stdout is not SARIF: {e}"))
}

#[test]
fn the_binary_writes_valid_sarif_for_the_whole_corpus() {
    let sarif = corpus_sarif_from_the_binary();
    assert_valid(&sarif_validator(), &sarif, "tests/invalid");
    assert!(results(&sarif).len() > 150, "one result per finding ({})", results(&sarif).len());
}

/// sarif-tools (PyPI), installed by the testbed, reads the file back with its own loader: every
/// result, its rule, level, file and position as we wrote them.
#[cfg(feature = "testbed")]
#[test]
fn sarif_tools_reads_the_corpus_report_back() {
    let python = std::env::var("RIVVEN_SARIF_PYTHON").expect("RIVVEN_SARIF_PYTHON names sarif-tools' python (testbed/tb test sets it)");
    let sarif = corpus_sarif_from_the_binary();
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("corpus.sarif");
    std::fs::write(&file, serde_json::to_string_pretty(&sarif).unwrap()).unwrap();
    let out = Command::new(&python).arg(root().join("tests/sarif/read_back.py")).arg(&file).output().expect("sarif-tools' python runs");
    assert!(out.status.success(), "sarif-tools could not read the report: {}", String::from_utf8_lossy(&out.stderr));
    let read: Value = serde_json::from_slice(&out.stdout).expect("read_back.py prints JSON");
    let ours = results(&sarif);
    let theirs = read["results"].as_array().unwrap();
    assert_eq!(read["runs"], 1);
    assert_eq!(read["tool"], "rivven-render");
    assert_eq!(read["rules"].as_array().unwrap().len(), catalog::rules().len());
    assert_eq!(theirs.len(), ours.len());
    assert_eq!(read["summary_total"], ours.len(), "sarif-tools' summary counts every result (levels it knows)");
    for (mine, read) in ours.iter().zip(theirs) {
        assert_eq!(read["ruleId"], mine["ruleId"]);
        assert_eq!(read["resolvedRuleId"], mine["ruleId"], "ruleIndex resolves to the same rule");
        assert_eq!(read["level"], mine["level"]);
        match mine["locations"][0]["physicalLocation"].as_object() {
            Some(location) => {
                assert_eq!(read["uri"], location["artifactLocation"]["uri"]);
                assert_eq!(read["startLine"], location["region"]["startLine"]);
                assert_eq!(read["startColumn"], location["region"]["startColumn"]);
                assert_eq!(read["endLine"], location["region"]["endLine"]);
            }
            None => assert!(read["startLine"].is_null(), "{read}"),
        }
    }
}
