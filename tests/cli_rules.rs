//! The rule catalog through the binary: `rules` (table, JSON, the committed Markdown reference),
//! `explain` for every rule, and `--deny` raising findings to errors in every emitter.
use std::path::PathBuf;
use std::process::{Command, Output};

use rivven_render::diagnostics::catalog;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rivven-render")).current_dir(root()).args(args).output().expect("the binary runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn rules_lists_every_rule_as_a_table_and_as_json() {
    let table = run(&["rules"]);
    assert!(table.status.success());
    let text = stdout(&table);
    assert_eq!(text.lines().count(), catalog::rules().len() + 1, "a header and one row per rule");
    for rule in catalog::rules() {
        let row = text.lines().find(|l| l.split_whitespace().next() == Some(rule.id)).unwrap_or_else(|| panic!("no row for {}", rule.id));
        assert!(row.contains(&rule.severity.to_string()) && row.ends_with(rule.summary), "{row}");
    }
    let json: Vec<Value> = serde_json::from_slice(&run(&["rules", "--format", "json"]).stdout).unwrap();
    let ids: Vec<&str> = json.iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(ids, catalog::rules().iter().map(|r| r.id).collect::<Vec<_>>());
    assert!(json.iter().all(|r| !r["explanation"].as_str().unwrap().is_empty() && !r["example"].as_str().unwrap().is_empty()));
}

#[test]
fn explain_prints_every_rule_and_refuses_unknown_ones() {
    for rule in catalog::rules() {
        let out = run(&["explain", rule.id]);
        assert!(out.status.success(), "explain {}", rule.id);
        let text = stdout(&out);
        assert!(text.starts_with(&format!("{} ({} by default)", rule.id, rule.severity)), "{text}");
        assert!(text.contains(rule.explanation) && text.contains(rule.example.lines().next().unwrap()), "{text}");
    }
    let out = run(&["explain", "cluster/min-irs"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `cluster/min-isr`?"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn the_committed_rule_reference_matches_the_catalog() {
    let path = root().join("docs/rules.md");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let generated = stdout(&run(&["rules", "--format", "markdown"]));
    assert!(committed == generated, "docs/rules.md drifted from the catalog; regenerate with `cargo run -- rules --format markdown > docs/rules.md`");
    for rule in catalog::rules() {
        assert!(committed.contains(&format!("<a id=\"rule-{}\"></a>", rule.id.replace('/', "-"))), "{}: no anchor for SARIF's helpUri", rule.id);
    }
}

/// The minimal examples warn (`rivven/cluster-mode`, ...) but hold no error.
fn report(extra: &[&str], format: &str) -> (Option<i32>, Value) {
    let mut args = vec!["validate", "examples/spec", "--format", format];
    args.extend_from_slice(extra);
    let out = run(&args);
    (out.status.code(), serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
}

#[test]
fn deny_raises_findings_to_errors_in_every_emitter() {
    let (code, plain) = report(&[], "json");
    assert_eq!(code, Some(0));
    let warned: Vec<&str> = plain["diagnostics"].as_array().unwrap().iter().filter(|d| d["severity"] == "warning").map(|d| d["rule"].as_str().unwrap()).collect();
    assert!(warned.contains(&"rivven/cluster-mode"), "{warned:?}");

    let (code, denied) = report(&["--deny", "rivven/cluster-mode"], "json");
    assert_eq!(code, Some(1), "a denied warning fails the run");
    for d in denied["diagnostics"].as_array().unwrap() {
        let want = if d["rule"] == "rivven/cluster-mode" { "error" } else { d["severity"].as_str().unwrap() };
        assert_eq!(d["severity"], want, "{d}");
        assert!(d["rule"] != "rivven/cluster-mode" || d["severity"] == "error");
    }
    assert_eq!(denied["summary"]["errors"], warned.iter().filter(|r| **r == "rivven/cluster-mode").count());

    let (code, sarif) = report(&["--deny", "warnings"], "sarif");
    assert_eq!(code, Some(1));
    let levels: Vec<&str> = sarif["runs"][0]["results"].as_array().unwrap().iter().map(|r| r["level"].as_str().unwrap()).collect();
    assert!(!levels.contains(&"warning") && levels.contains(&"error"), "{levels:?}");

    let github = run(&["validate", "examples/spec", "--format", "github", "--deny", "warnings"]);
    let text = stdout(&github);
    assert!(text.lines().all(|l| !l.starts_with("::warning")) && text.lines().any(|l| l.starts_with("::error file=examples/spec/")), "{text}");
}

#[test]
fn deny_refuses_a_rule_that_does_not_exist() {
    let out = run(&["validate", "examples", "--deny", "rivven/cluster-mod"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `rivven/cluster-mode`?"), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn render_writes_the_report_file_even_when_nothing_renders() {
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("render-report");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let report = dir.join("findings.sarif");
    let out = run(&["render", "tests/invalid/cluster-min-isr-above-replication-factor.yaml", "-o", dir.join("out").to_str().unwrap(), "--report", report.to_str().unwrap(), "--report-format", "sarif"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!dir.join("out").exists(), "nothing rendered");
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(sarif["runs"][0]["results"].as_array().unwrap().iter().any(|r| r["ruleId"] == "cluster/min-isr" && r["level"] == "error"));

    let json = dir.join("ok.json");
    let out = run(&["render", "examples/minimal", "-o", "-", "--report", json.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("kind: StatefulSet"), "the manifests still go to -o");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["version"], 1);
    assert_eq!(report["summary"]["errors"], 0);
}

/// The README documents the JSON report with a real run; the run and the README must agree.
#[test]
fn the_readme_json_example_is_what_the_binary_prints() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let start = readme.find("```json\n{\n  \"version\": 1,").expect("the README's JSON report example") + "```json\n".len();
    let end = start + readme[start..].find("```").unwrap();
    let mut documented: Value = serde_json::from_str(&readme[start..end]).expect("the README example is JSON");
    let out = run(&["validate", "tests/fixtures/json-report", "--format", "json"]);
    assert_eq!(out.status.code(), Some(1));
    let mut actual: Value = serde_json::from_slice(&out.stdout).unwrap();
    for v in [&mut documented, &mut actual] {
        v["tool"]["version"] = Value::Null;
    }
    assert_eq!(documented, actual, "the README's JSON report differs from `validate tests/fixtures/json-report --format json`");
}
