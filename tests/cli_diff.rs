//! `rivven-render diff` through the built binary, as a user runs it: the golden outputs of every
//! before/after pair of `tests/diff/pairs` (human, markdown, json, exit code), the markdown cap,
//! secret masking in every format, file order, stdin, `--base` on a real git repository, and the
//! usage errors.
//!
//! To accept a deliberate change of the output, regenerate and review:
//!
//! ```sh
//! UPDATE_GOLDEN=1 cargo test --test cli_diff
//! git diff tests/diff/
//! ```
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn pairs() -> Vec<PathBuf> {
    let mut pairs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/diff/pairs")).unwrap().map(|e| e.unwrap().path()).filter(|p| p.is_dir()).collect();
    pairs.sort();
    pairs
}

/// Runs the binary in `dir`; returns (exit code, stdout, stderr).
fn run_in(dir: &Path, args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rivven-render"))
        .args(args)
        .current_dir(dir)
        .env_remove("NO_COLOR")
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(text) = stdin {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    }
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

fn run(args: &[&str]) -> (i32, String, String) {
    run_in(&root(), args, None)
}

fn side(pair: &Path, name: &str) -> String {
    pair.join(name).strip_prefix(root()).unwrap().display().to_string()
}

fn check_golden(path: &Path, actual: &str) {
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(path).unwrap_or_else(|_| panic!("{} is missing: run UPDATE_GOLDEN=1 cargo test --test cli_diff", path.display()));
    if expected != actual {
        let diff = similar::TextDiff::from_lines(&expected, actual).unified_diff().header("golden", "actual").to_string();
        panic!("{} differs:\n{diff}", path.display());
    }
}

#[test]
fn every_pair_matches_its_golden_outputs_and_exit_code() {
    let pairs = pairs();
    assert!(pairs.len() >= 15, "at least 15 pairs cover the consequences");
    for pair in pairs {
        let (before, after) = (side(&pair, "before"), side(&pair, "after"));
        let mut exit = None;
        for (format, file) in [("human", "expected.txt"), ("markdown", "expected.md"), ("json", "expected.json")] {
            let (code, stdout, stderr) = run(&["diff", "-q", "--format", format, &before, &after]);
            assert!(code == 0 || code == 3 || code == 4, "{}: exit {code}: {stderr}", pair.display());
            assert!(!stdout.contains('\x1b'), "no colour when standard output is not a terminal");
            check_golden(&pair.join(file), &stdout);
            assert_eq!(*exit.get_or_insert(code), code, "every format exits alike");
        }
        check_golden(&pair.join("expected-exit"), &format!("{}\n", exit.unwrap()));
    }
}

#[test]
fn each_consequence_is_shown_by_a_pair() {
    let mut reasons = std::collections::BTreeSet::new();
    for pair in pairs() {
        let (_, stdout, _) = run(&["diff", "-q", "--format", "json", &side(&pair, "before"), &side(&pair, "after")]);
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        for c in report["consequences"].as_array().unwrap() {
            reasons.insert(c["reason"].as_str().unwrap().to_owned());
        }
    }
    for reason in [
        "requires-replace",
        "rolling-restart",
        "full-stop",
        "no-restart",
        "scale-up",
        "scale-down",
        "storage-refused",
        "storage-resize",
        "service-change",
        "topic-added",
        "topic-deleted",
        "topic-kept",
        "topic-partitions-grown",
        "topic-partitions-refused",
        "topic-config-changed",
        "topic-config-reset",
        "registry-compatibility",
        "rivven-limit",
        "workload-removed",
    ] {
        assert!(reasons.contains(reason), "no pair shows `{reason}` (found {reasons:?})");
    }
}

#[test]
fn identical_inputs_say_no_changes_and_exit_0() {
    let (code, stdout, _) = run(&["diff", "examples/minimal", "examples/minimal"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("no changes") && stdout.contains("0 to change"), "{stdout}");
}

#[test]
fn exit_zero_reports_without_failing() {
    let pair = root().join("tests/diff/pairs/02-storage-grows");
    let (code, stdout, _) = run(&["diff", "--exit-zero", &side(&pair, "before"), &side(&pair, "after")]);
    assert_eq!(code, 0);
    assert!(stdout.contains("requires-replace"), "{stdout}");
}

#[test]
fn secret_values_appear_in_no_format() {
    let pair = root().join("tests/diff/pairs/14-secrets");
    let mut all = String::new();
    for format in ["human", "markdown", "json"] {
        let (code, stdout, stderr) = run(&["diff", "--format", format, &side(&pair, "before"), &side(&pair, "after")]);
        assert_eq!(code, 3, "{stderr}");
        assert!(stdout.contains("<secret: 18 bytes, changed>"), "{format}: {stdout}");
        all.push_str(&stdout);
        all.push_str(&stderr);
    }
    for secret in ["tok-OLD-value-1234", "tok-NEW-value-5678", "pw-old-hunter2", "pw-new-hunter3", "hunter"] {
        assert!(!all.contains(secret), "`{secret}` leaked");
    }
}

#[test]
fn the_order_of_files_and_documents_changes_nothing() {
    let pair = root().join("tests/diff/pairs/11-topics");
    let (_, expected, _) = run(&["diff", "--format", "json", &side(&pair, "before"), &side(&pair, "after")]);
    // The same documents, reversed and split into files whose names sort the other way.
    let dir = tempdir("reordered");
    let mut docs: Vec<String> = Vec::new();
    for f in ["cluster.yaml", "topics.yaml"] {
        let text = std::fs::read_to_string(pair.join("after").join(f)).unwrap();
        docs.extend(text.split("---\n").map(str::to_owned));
    }
    docs.reverse();
    for (i, doc) in docs.iter().enumerate() {
        std::fs::write(dir.join(format!("{:02}.yaml", 99 - i)), doc).unwrap();
    }
    let (_, actual, _) = run(&["diff", "--format", "json", &side(&pair, "before"), dir.to_str().unwrap()]);
    assert_eq!(expected, actual);
}

#[test]
fn markdown_is_capped_and_says_what_was_cut() {
    let pair = root().join("tests/diff/pairs/16-many-objects");
    let (code, md, _) = run(&["diff", "--format", "markdown", &side(&pair, "before"), &side(&pair, "after")]);
    assert_eq!(code, 3);
    assert!(md.chars().count() <= 60_000, "{} characters", md.chars().count());
    assert!(md.contains("Cut to stay under 60000 characters") && md.contains("object diffs"), "the note names what was cut");
    assert!(md.contains("| RivvenConnect/pipeline-049 |"), "the plan table is whole");
    for limit in [2_000, 10_000] {
        let (_, md, _) = run(&["diff", "--format", "markdown", "--max-chars", &limit.to_string(), &side(&pair, "before"), &side(&pair, "after")]);
        assert!(md.chars().count() <= limit, "{} > {limit}", md.chars().count());
        assert!(md.contains("Cut to stay under"), "{md}");
    }
    let (_, md, _) = run(&["diff", "--format", "markdown", &side(&root().join("tests/diff/pairs/02-storage-grows"), "before"), &side(&root().join("tests/diff/pairs/02-storage-grows"), "after")]);
    assert!(!md.contains("Cut to stay under") && md.contains("<details>") && md.contains("```diff"), "{md}");
}

#[test]
fn one_side_can_come_from_standard_input() {
    let pair = root().join("tests/diff/pairs/05-broker-config");
    let before = std::fs::read_to_string(pair.join("before/cluster.yaml")).unwrap();
    let (code, stdout, stderr) = run_in(&root(), &["diff", "-", &side(&pair, "after")], Some(&before));
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.contains("rolling-restart"), "{stdout}");
}

#[test]
fn an_invalid_side_is_reported_as_such_and_exits_1() {
    let dir = tempdir("invalid");
    std::fs::write(dir.join("c.yaml"), "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: demo\nspec:\n  replicas: many\n").unwrap();
    let (code, stdout, stderr) = run(&["diff", dir.to_str().unwrap(), "examples/minimal"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty(), "nothing printed to standard output: {stdout}");
    assert!(stderr.contains("the old side") && stderr.contains("is invalid") && stderr.contains("c.yaml:6"), "{stderr}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [vec!["diff", "examples/minimal"], vec!["diff", "-", "-"], vec!["diff", "examples/minimal", "does/not/exist"], vec!["diff", "--format", "yaml", "a", "b"]] {
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}");
    }
}

fn tempdir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rivven-render-diff-{what}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git").args(args).current_dir(dir).env("GIT_CONFIG_NOSYSTEM", "1").env("HOME", dir).output().unwrap();
    assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn base_compares_a_revision_with_the_working_tree_without_touching_either() {
    let repo = tempdir("git");
    git(&repo, &["init", "-q", "-b", "main"]);
    git(&repo, &["config", "user.email", "t@example.com"]);
    git(&repo, &["config", "user.name", "t"]);
    let pair = root().join("tests/diff/pairs/02-storage-grows");
    std::fs::create_dir_all(repo.join("deploy")).unwrap();
    std::fs::write(repo.join("deploy/cluster.yaml"), std::fs::read_to_string(pair.join("before/cluster.yaml")).unwrap()).unwrap();
    std::fs::write(repo.join("README.md"), "not yaml\n").unwrap();
    git(&repo, &["add", "."]);
    git(&repo, &["commit", "-q", "-m", "before"]);
    std::fs::write(repo.join("deploy/cluster.yaml"), std::fs::read_to_string(pair.join("after/cluster.yaml")).unwrap()).unwrap();
    let status = git(&repo, &["status", "--porcelain"]);
    let (code, stdout, stderr) = run_in(&repo, &["diff", "--base", "main", "deploy"], None);
    assert_eq!(code, 4, "{stderr}");
    assert!(stdout.contains("-/+ StatefulSet/rivven-demo"), "{stdout}");
    // The same from a subdirectory, with the default path `.`.
    let (code, stdout2, stderr) = run_in(&repo.join("deploy"), &["diff", "--base", "HEAD"], None);
    assert_eq!(code, 4, "{stderr}");
    assert_eq!(stdout, stdout2);
    assert_eq!(git(&repo, &["status", "--porcelain"]), status, "nothing checked out or written");
    // Unchanged working tree: no changes.
    let (code, stdout, _) = run_in(&repo, &["diff", "--base", "HEAD", "README.md"], None);
    assert_eq!(code, 1, "no Rivven resource on either side is invalid input: {stdout}");
    git(&repo, &["checkout", "-q", "--", "deploy"]);
    let (code, stdout, _) = run_in(&repo, &["diff", "--base", "HEAD", "deploy"], None);
    assert_eq!(code, 0, "{stdout}");
    // A revision that does not exist, or a path missing at the revision: usage errors.
    let (code, _, stderr) = run_in(&repo, &["diff", "--base", "no-such-branch", "deploy"], None);
    assert_eq!(code, 2);
    assert!(stderr.contains("no-such-branch"), "{stderr}");
    // A directory added since the revision: the old side is empty there, and everything is added.
    std::fs::create_dir_all(repo.join("new")).unwrap();
    std::fs::write(repo.join("new/c.yaml"), std::fs::read_to_string(pair.join("before/cluster.yaml")).unwrap()).unwrap();
    let (code, stdout, stderr) = run_in(&repo, &["diff", "--base", "HEAD", "new"], None);
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("new holds no *.yaml file at HEAD"), "{stderr}");
    assert!(stdout.contains("+ StatefulSet/rivven-demo") && stdout.contains("0 to remove"), "{stdout}");
    // The resources removed: the new side is empty, everything is removed.
    let empty = tempdir("emptied");
    std::fs::write(empty.join("other.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n").unwrap();
    let (code, stdout, stderr) = run(&["diff", &side(&pair, "before"), empty.to_str().unwrap()]);
    assert_eq!(code, 3, "{stderr}");
    assert!(stdout.contains("to remove") && stdout.contains("workload-removed"), "{stdout}");
    let (code, _, stderr) = run_in(&repo, &["diff", "--base", "--output=/tmp/x", "deploy"], None);
    assert_eq!(code, 2, "an option is never passed to git as a revision: {stderr}");
}

#[test]
fn the_example_workflow_runs_the_diff_as_documented() {
    let text = std::fs::read_to_string(root().join("examples/ci/rivven-diff.yml.example")).unwrap();
    let workflow: serde_json::Value = serde_yaml_ng::from_str(&text).expect("the workflow is YAML");
    let steps = workflow["jobs"]["diff"]["steps"].as_array().expect("a diff job with steps");
    let runs: Vec<&str> = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    let diff = runs.iter().find(|r| r.contains("rivven-render diff")).expect("a step runs the diff");
    assert!(diff.contains("--base") && diff.contains("--format markdown"), "{diff}");
    assert!(steps.iter().any(|s| s["with"]["fetch-depth"] == 0), "the base branch is fetched");
    assert!(runs.iter().any(|r| r.contains("gh pr comment")), "the markdown is posted");
    // The flags it uses exist.
    let (code, _, stderr) = run(&["diff", "--base", "HEAD", "--format", "markdown", "--help"]);
    assert_eq!(code, 0, "{stderr}");
}

/// The masks alone hide the fixture's secrets: the last guard (`Masked::scrub`) replaces nothing.
#[test]
fn the_masks_alone_hide_the_fixture_secrets() {
    use rivven_render::compile::{compile, CompileOptions, Input};
    use rivven_render::diff::report;
    let pair = root().join("tests/diff/pairs/14-secrets");
    let side = |s: &str| compile(&[Input::Path(pair.join(s))], &CompileOptions::default());
    let (old, new) = (side("before"), side("after"));
    assert!(old.renderable() && new.renderable());
    let d = rivven_render::diff::diff(old.objects(), new.objects(), &old.diagnostics, &new.diagnostics);
    let all = format!("{}{}{}", report::human(&d, false), report::markdown(&d, 60_000), report::json(&d));
    assert_eq!(d.masked.scrubbed(), 0, "the markdown needed the last guard");
    assert!(!all.contains("tok-"), "a fixture secret passed the masks: {all}");
    assert!(d.masked.values.iter().any(|v| v.contains("-block")) && d.masked.values.iter().any(|v| v.contains("-list")), "the block scalar and the list were masked");
}

#[test]
fn quiet_hides_notes_but_not_the_new_sides_warnings() {
    let pair = root().join("tests/diff/pairs/08-brokers-scale-up");
    let (code, _, stderr) = run(&["diff", "-q", &side(&pair, "before"), &side(&pair, "after")]);
    assert_eq!(code, 4);
    assert!(stderr.contains("rivven/cluster-mode") && stderr.contains("cannot start in Rivven 0.0.22"), "{stderr}");
}
