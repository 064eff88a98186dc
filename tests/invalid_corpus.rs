//! The invalid-input corpus: every file under `tests/invalid/` states, in its leading comment
//! lines, the diagnostics it must produce:
//!
//! ```text
//! # options: --strict                                   (optional: load with --strict)
//! # expect: error schema/type at 8:13 spec.replicas     (severity, rule, line:column, path)
//! # hint: did you mean                                  (optional: substring of the hint above)
//! # expect: warning load/empty-file at 1:1              (no path: the finding is about the file)
//! ```
//!
//! Lines and columns are 1-based, columns counted in characters; `at -` means "no location".
//! The errors and warnings found must be exactly the expected ones; notes are ignored unless
//! expected. The binary's exit codes and multi-file behaviour are tested here too, and a 10 MB
//! input is generated at run time.
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use rivven_render::diagnostics::{Diagnostic, Diagnostics, Severity};
use rivven_render::compile::{compile, CompileOptions, Input};
use rivven_render::source::SourceSet;

#[path = "support/corpus.rs"]
mod corpus;

use corpus::{case_name, corpus_dir, corpus_files, parse_header, Expect, Header};

const MIN_CASES: usize = 45;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rivven-render"))
}

/// What a diagnostic looks like in the header's terms (hint: the full hint, if any).
fn actual(d: &Diagnostic, sources: &SourceSet) -> Expect {
    Expect {
        severity: d.severity.to_string(),
        rule: d.rule.to_owned(),
        position: d.position(sources).map(|(_, l, c)| (l, c)),
        path: d.path.clone(),
        hint: d.hint.clone(),
    }
}

fn same_place(a: &Expect, b: &Expect) -> bool {
    a.severity == b.severity && a.rule == b.rule && a.position == b.position && a.path == b.path
}

/// Loads and validates `paths` in-process, the way `rivven-render validate` does.
fn check(paths: &[PathBuf], strict: bool) -> (Compiled, Diagnostics) {
    let inputs: Vec<Input> = paths.iter().map(|p| Input::Path(p.clone())).collect();
    let compilation = compile(&inputs, &CompileOptions { strict, validate_only: true, ..CompileOptions::default() });
    (Compiled { sources: compilation.sources, documents: compilation.documents }, compilation.diagnostics)
}

/// What a compilation left of the input: its files and the number of Rivven documents.
struct Compiled {
    sources: SourceSet,
    documents: usize,
}

fn describe(diagnostics: &Diagnostics, loaded: &Compiled) -> String {
    let mut out = String::new();
    for d in diagnostics.sorted(&loaded.sources) {
        let a = actual(d, &loaded.sources);
        let at = a.position.map_or("-".to_owned(), |(l, c)| format!("{l}:{c}"));
        let _ = writeln!(out, "    # expect: {} {} at {at} {}", a.severity, a.rule, a.path);
        let _ = writeln!(out, "        message: {}", d.message);
        if let Some(h) = &d.hint {
            let _ = writeln!(out, "        hint: {h}");
        }
    }
    if out.is_empty() {
        out.push_str("    (no diagnostics)\n");
    }
    out
}

/// Compares one case; returns the failure report, if any.
fn compare(name: &str, header: &Header, loaded: &Compiled, diagnostics: &Diagnostics) -> Option<String> {
    let found: Vec<Expect> = diagnostics.sorted(&loaded.sources).into_iter().map(|d| actual(d, &loaded.sources)).collect();
    let mut problems = Vec::new();
    let mut unmatched: Vec<Option<&Expect>> = found.iter().map(Some).collect();
    for expect in &header.expects {
        let slot = unmatched.iter_mut().find(|slot| slot.is_some_and(|a| same_place(a, expect)));
        match slot {
            Some(slot) => {
                let a = slot.take().expect("found above");
                if let Some(want) = &expect.hint {
                    let got = a.hint.as_deref().unwrap_or("");
                    if !got.contains(want.as_str()) {
                        problems.push(format!("hint of `{} {}` lacks {want:?}: got {got:?}", expect.severity, expect.rule));
                    }
                }
            }
            None => problems.push(format!("missing: {expect}")),
        }
    }
    for a in unmatched.into_iter().flatten() {
        if a.severity != "note" {
            problems.push(format!("unexpected: {}", Expect { hint: None, ..a.clone() }));
        }
    }
    if problems.is_empty() {
        return None;
    }
    Some(format!(
        "{name}:\n  {}\n  the tool reported:\n{}",
        problems.join("\n  "),
        describe(diagnostics, loaded)
    ))
}

#[test]
fn every_corpus_case_yields_exactly_its_expected_diagnostics() {
    let files = corpus_files();
    assert!(files.len() >= MIN_CASES, "the corpus holds {} cases, want at least {MIN_CASES}", files.len());
    let mut failures = Vec::new();
    for path in &files {
        let name = case_name(path);
        let text = std::fs::read_to_string(path).expect("UTF-8 case");
        let header = parse_header(&name, &text);
        if header.expects.is_empty() {
            failures.push(format!("{name}: no `# expect:` line"));
            continue;
        }
        let outcome = std::panic::catch_unwind(|| check(std::slice::from_ref(path), header.strict));
        match outcome {
            Ok((loaded, diagnostics)) => failures.extend(compare(&name, &header, &loaded, &diagnostics)),
            Err(_) => failures.push(format!("{name}: PANIC while loading or validating")),
        }
    }
    assert!(failures.is_empty(), "{} of {} corpus cases failed:\n\n{}", failures.len(), files.len(), failures.join("\n"));
}

#[test]
fn corpus_names_are_distinct_and_descriptive() {
    for path in corpus_files() {
        let name = case_name(&path);
        assert!(
            name.trim_end_matches(".yaml").split('-').count() >= 2 && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '.')),
            "{name}: name cases like `cluster-replicas-string.yaml`"
        );
    }
}

/// A zero-byte file (the corpus's `empty-file.yaml` holds its header comment): a warning at the
/// file, and the run fails as holding no resource.
#[test]
fn zero_byte_file_is_a_warning() {
    let dir = scratch("zero-byte");
    let path = dir.join("empty.yaml");
    std::fs::write(&path, "").unwrap();
    let (loaded, diagnostics) = check(std::slice::from_ref(&path), false);
    let found: Vec<_> = diagnostics.iter().map(|d| (d.severity, d.rule, d.position(&loaded.sources).map(|(_, l, c)| (l, c)))).collect();
    let want = vec![(Severity::Warning, "load/empty-file", Some((1, 1))), (Severity::Error, "load/no-resources", None)];
    assert_eq!(found, want, "{}", describe(&diagnostics, &loaded));
}

// ---------------------------------------------------------------------------------------------
// The 10 MB input.

const TOPICS: usize = 20_000;

fn topic_doc(out: &mut String, i: usize, partitions: u32) {
    let _ = write!(
        out,
        "---\napiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenTopic\nmetadata:\n  name: events-{i:05}\n  namespace: streaming\n  labels:\n    app.kubernetes.io/part-of: big-input-test\n    team: data-platform\n  annotations:\n    description: generated topic number {i} of a ten megabyte input, padded to a realistic size for a manifest\nspec:\n  clusterRef:\n    name: demo\n  partitions: {partitions}\n  replicationFactor: 1\n  config:\n    retentionMs: 604800000\n    cleanupPolicy: delete\n    compressionType: lz4\n    minInsyncReplicas: 1\n    maxMessageBytes: 1048576\n    segmentBytes: 1073741824\n  deleteOnRemove: false\n"
    );
}

#[test]
fn ten_megabyte_input_reports_its_one_error_at_its_line() {
    let mut text = String::with_capacity(11 << 20);
    text.push_str("apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: demo\n  namespace: streaming\nspec:\n  replicas: 1\n");
    let bad = TOPICS - 7;
    let mut bad_line = 0;
    for i in 0..TOPICS {
        if i == bad {
            let before = text.lines().count();
            topic_doc(&mut text, i, 0);
            // `  partitions: 0` is line 15 of a topic document (counting its `---`).
            bad_line = before + 15;
            assert_eq!(text.lines().nth(bad_line - 1), Some("  partitions: 0"));
        } else {
            topic_doc(&mut text, i, 3);
        }
    }
    assert!(text.len() >= 10_000_000, "the generated input has {} bytes", text.len());
    let dir = scratch("ten-megabytes");
    let path = dir.join("big.yaml");
    std::fs::write(&path, &text).unwrap();
    let (loaded, diagnostics) = check(std::slice::from_ref(&path), false);
    assert_eq!(loaded.documents, TOPICS + 1);
    let found: Vec<_> = diagnostics
        .iter()
        .filter(|d| d.severity != Severity::Note)
        .map(|d| (d.severity, d.rule, d.position(&loaded.sources).map(|(_, l, c)| (l, c)), d.path.as_str()))
        .collect();
    assert_eq!(
        found,
        vec![(Severity::Error, "schema/range", Some((bad_line, 15)), "spec.partitions")],
        "{}",
        describe(&diagnostics, &loaded)
    );
}

// ---------------------------------------------------------------------------------------------
// The binary.

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("invalid_corpus").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str], stdin: Option<&str>) -> Run {
    let mut cmd = bin();
    cmd.args(args).stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() }).stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().expect("the binary runs");
    if let Some(input) = stdin {
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().expect("exited, not killed"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `(file, line, column, severity, rule)` of a `--format json` run.
/// (file, line, column, severity, rule) of every finding of a JSON report (`validate --format json`
/// prints it alone on standard output).
fn json_findings(stdout: &str) -> Vec<(String, usize, usize, String, String)> {
    let report: serde_json::Value = serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}:\n{stdout}"));
    assert_eq!(report["version"], 1, "the JSON report is version 1");
    report["diagnostics"]
        .as_array()
        .unwrap_or_else(|| panic!("no diagnostics array in:\n{stdout}"))
        .iter()
        .map(|d| {
            let s = |k: &str| d.get(k).and_then(|v| v.as_str()).unwrap_or("").to_owned();
            let n = |k: &str| d.get(k).and_then(|v| v.as_u64()).unwrap_or(0) as usize;
            (s("file"), n("line"), n("column"), s("severity"), s("rule"))
        })
        .collect()
}

const CLUSTER: &str = "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: demo\nspec:\n  replicas: 1\n";
const CONFIG_MAP: &str = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: b\n";

#[test]
fn exit_code_0_for_the_examples() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let r = run(&["validate", examples.to_str().unwrap()], None);
    assert_eq!(r.code, 0, "{}", r.stderr);
}

#[test]
fn exit_code_1_for_every_corpus_case_with_an_error() {
    let mut failures = Vec::new();
    for path in corpus_files() {
        let name = case_name(&path);
        let header = parse_header(&name, &std::fs::read_to_string(&path).unwrap());
        let mut args = vec!["validate", path.to_str().unwrap(), "--format", "short"];
        if header.strict {
            args.push("--strict");
        }
        let r = run(&args, None);
        let errors = header.expects.iter().any(|e| e.severity == "error");
        // A file with warnings only still fails when it holds no Rivven resource at all.
        let resources = !header.expects.iter().any(|e| matches!(e.rule.as_str(), "load/empty-file" | "load/foreign-kind"));
        let limit = header.expects.iter().any(|e| e.rule == "load/limit");
        let want = if limit { 2 } else if errors || !resources { 1 } else { 0 };
        if r.code != want {
            failures.push(format!("{name}: exit code {} (want {want})\n{}", r.code, r.stderr));
        }
        if r.stderr.contains("panicked") {
            failures.push(format!("{name}: the binary panicked\n{}", r.stderr));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn exit_code_2_for_a_missing_path_and_a_bad_flag() {
    let missing = run(&["validate", "/nonexistent/rivven/input.yaml"], None);
    assert_eq!(missing.code, 2, "{}", missing.stderr);
    assert!(missing.stderr.contains("/nonexistent/rivven/input.yaml"), "{}", missing.stderr);
    let flag = run(&["validate", "--no-such-flag", "examples"], None);
    assert_eq!(flag.code, 2, "{}", flag.stderr);
    let format = run(&["validate", "--format", "xml", "examples"], None);
    assert_eq!(format.code, 2, "{}", format.stderr);
}

#[test]
fn one_run_over_the_corpus_directory_reports_every_file() {
    let dir = corpus_dir();
    let r = run(&["validate", dir.to_str().unwrap(), "--format", "json"], None);
    // The corpus holds a document past a limit (`load/limit`): the run exits 2, after reporting everything.
    assert_eq!(r.code, 2, "{}", r.stderr);
    let findings = json_findings(&r.stdout);
    let mut missing = Vec::new();
    for path in corpus_files() {
        let name = case_name(&path);
        let header = parse_header(&name, &std::fs::read_to_string(&path).unwrap());
        // Under --strict only, and cross-resource findings change when all files meet: skip those.
        if header.strict || header.expects.iter().any(|e| e.rule.starts_with("ref/") || e.rule.ends_with("collision")) {
            continue;
        }
        // A run without resources is a finding of the run, not of a file.
        for e in header.expects.iter().filter(|e| e.severity == "error" && e.rule != "load/no-resources") {
            let (line, column) = e.position.unwrap_or((0, 0));
            let hit = findings.iter().any(|(file, l, c, s, rule)| file.ends_with(&name) && *l == line && *c == column && s == "error" && *rule == e.rule);
            if !hit {
                missing.push(format!("{name}: {e}"));
            }
        }
    }
    assert!(missing.is_empty(), "one run over tests/invalid lost these errors:\n{}\n\nit reported:\n{}", missing.join("\n"), r.stderr);
}

#[test]
fn one_run_over_several_invalid_files_reports_all_of_them() {
    let dir = scratch("several");
    let head = "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenTopic\nmetadata:\n  name: orders\nspec:\n  clusterRef:\n    name: demo\n";
    std::fs::write(dir.join("a.yaml"), format!("{CLUSTER}  replcas: 1\n")).unwrap();
    std::fs::write(dir.join("b.yaml"), format!("{head}  partitions: 0\n")).unwrap();
    std::fs::write(dir.join("c.yml"), "kind: [\n").unwrap();
    std::fs::write(dir.join("ignored.txt"), "not yaml: [").unwrap();
    let r = run(&["validate", dir.to_str().unwrap(), "--format", "json"], None);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let mut errors: Vec<_> = json_findings(&r.stdout)
        .into_iter()
        .filter(|f| f.3 == "error")
        .map(|(file, l, c, _, rule)| (Path::new(&file).file_name().unwrap().to_string_lossy().into_owned(), l, c, rule))
        .collect();
    errors.sort();
    let want = vec![
        ("a.yaml".to_owned(), 7, 3, "schema/unknown-field".to_owned()),
        ("b.yaml".to_owned(), 8, 15, "schema/range".to_owned()),
        ("c.yml".to_owned(), 2, 1, "load/yaml-syntax".to_owned()),
    ];
    assert_eq!(errors, want, "{}", r.stderr);
}

#[test]
fn strict_turns_the_foreign_document_note_into_an_error() {
    let dir = scratch("strict");
    let path = dir.join("mixed.yaml");
    std::fs::write(&path, format!("{CLUSTER}---\n{CONFIG_MAP}")).unwrap();
    let p = path.to_str().unwrap();

    let lax = run(&["validate", p, "--format", "json"], None);
    assert_eq!(lax.code, 0, "{}", lax.stderr);
    let found = json_findings(&lax.stdout);
    assert!(found.iter().any(|f| f.1 == 9 && f.2 == 1 && f.3 == "note" && f.4 == "load/foreign-kind"), "{}", lax.stderr);
    assert!(!found.iter().any(|f| f.3 == "error"), "{}", lax.stderr);

    let strict = run(&["validate", p, "--format", "json", "--strict"], None);
    assert_eq!(strict.code, 1, "{}", strict.stderr);
    let found = json_findings(&strict.stdout);
    assert!(found.iter().any(|f| f.1 == 9 && f.2 == 1 && f.3 == "error" && f.4 == "load/foreign-kind"), "{}", strict.stderr);
}

#[test]
fn dash_reads_standard_input() {
    let ok = run(&["validate", "-"], Some(CLUSTER));
    assert_eq!(ok.code, 0, "{}", ok.stderr);

    let bad = run(&["validate", "-", "--format", "short"], Some(&format!("{CLUSTER}  replcas: 2\n")));
    assert_eq!(bad.code, 1, "{}", bad.stderr);
    assert!(bad.stderr.contains("<stdin>:7:3:"), "{}", bad.stderr);
    assert!(bad.stderr.contains("schema/unknown-field"), "{}", bad.stderr);
    assert!(bad.stderr.contains("did you mean `replicas`"), "{}", bad.stderr);

    let empty = run(&["validate", "-"], Some(""));
    assert_eq!(empty.code, 1, "no resource at all is invalid input: {}", empty.stderr);
}
