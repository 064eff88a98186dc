//! The fuzz regression corpus: every file under `tests/fuzz/regressions/` (inputs the fuzzer
//! found or that were written to be nasty) plus a few large inputs generated here, replayed
//!
//! - in-process through load -> validate -> the three diagnostic formats -> render -> stream,
//!   under `catch_unwind` (the same steps as `examples/fuzz.rs`), and
//! - through the binary: `validate FILE` (human, `--format short`, `--format json`) and
//!   `render FILE -o -` and `-o DIR`,
//!
//! asserting no panic, an exit code of 0, 1 or 2, no "panicked" on stderr and every run of the
//! binary under 10 s. `fuzz_smoke_budget` runs the mutation loop itself for a fixed budget.
//!
//! A case is expected to be handled, not to be valid: the corpus states no expected diagnostics.
//! To add a case, copy a finding of `cargo run --release --example fuzz` (saved under
//! `tests/fuzz/findings/`) to `tests/fuzz/regressions/NNN-short-description.yaml`.
#[path = "fuzz/mutate.rs"]
mod mutate;

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use mutate::{Campaign, Mutator, Outcome};

/// Longest a single run of the binary may take.
const BINARY_LIMIT: Duration = Duration::from_secs(10);
/// Committed cases: at least, at most, and the directory's size limit.
const MIN_CASES: usize = 30;
const MAX_CASES: usize = 60;
const MAX_CORPUS_BYTES: u64 = 1 << 20;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus_dir() -> PathBuf {
    root().join("tests/fuzz/regressions")
}

/// One input: a name for messages, and the file it is in (for the binary).
struct Case {
    name: String,
    path: PathBuf,
}

fn committed_cases() -> Vec<Case> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/fuzz/regressions exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths.into_iter().map(|path| Case { name: path.file_name().unwrap().to_string_lossy().into_owned(), path }).collect()
}

const API: &str = "apiVersion: rivven.hupe1980.github.io/v1alpha1\n";

/// Inputs too large to commit, written at test time.
fn generated_texts() -> Vec<(&'static str, String)> {
    let mut cases = Vec::new();
    // A 300,000-character single-line JSON document, valid: renders.
    let labels: Vec<String> = (0..12_000).map(|i| format!("\"k{i}\": \"v{i}\"")).collect();
    cases.push((
        "gen-flow-document-300k-valid",
        format!(
            "{{\"apiVersion\": \"rivven.hupe1980.github.io/v1alpha1\", \"kind\": \"RivvenCluster\", \"metadata\": {{\"name\": \"demo\", \"annotations\": {{{}}}}}, \"spec\": {{\"replicas\": 1}}}}\n",
            labels.join(", ")
        ),
    ));
    // A syntax error at column ~200,000 of a 200,000-column line (past u16 columns).
    cases.push((
        "gen-long-line-200000-cols-syntax-error-at-end",
        format!("{API}kind: RivvenCluster\nmetadata:\n  name: demo\nspec:\n  replicas: 1\n  podAnnotations: {{pad: \"{}\", broken: ]\n", "p".repeat(200_000)),
    ));
    // A schema error at column ~150,000 on a line of multi-byte characters.
    cases.push((
        "gen-long-line-150000-multibyte-cols-schema-error-at-end",
        format!("{API}kind: RivvenCluster\nmetadata:\n  name: demo\nspec: {{podAnnotations: {{pad: \"{}\"}}, replicas: -1, bogus: [1]}}\n", "ж".repeat(150_000)),
    ));
    // 100,000 nested flow sequences.
    cases.push(("gen-deep-flow-sequence-100000", format!("{API}kind: RivvenCluster\nmetadata:\n  name: demo\nspec:\n  replicas: {}{}\n", "[".repeat(100_000), "]".repeat(100_000))));
    // 50,000 `- ` levels.
    cases.push(("gen-deep-block-sequence-50000", format!("{}x\n", "- ".repeat(50_000))));
    // 300 topic documents in one file.
    let mut many = String::from(API);
    many.push_str("kind: RivvenCluster\nmetadata:\n  name: demo\nspec:\n  replicas: 1\n");
    for i in 0..300 {
        many.push_str(&format!("---\n{API}kind: RivvenTopic\nmetadata:\n  name: topic-{i}\nspec:\n  clusterRef:\n    name: demo\n  partitions: {}\n", i % 7 + 1));
    }
    cases.push(("gen-many-documents-300-topics", many));
    // A label value and a name of 200,000 characters.
    // Found by the fuzzer (alias-bomb + many-documents): every document hits the per-document
    // alias-expansion limit, so the cost grows with the number of documents (400 here, 230 KB).
    let bomb: String = (1..=6).map(|l| format!("lol{l}: &l{l} [{}]\n", vec![format!("*l{}", l - 1); 8].join(", "))).collect();
    let doc = format!("{API}kind: RivvenTopic\nmetadata:\n  name: orders\nspec:\n  clusterRef:\n    name: demo\n  config:\n    compressionType: lz5\n\nlol0: &l0 [\"lol\"]\n{bomb}");
    cases.push(("gen-fuzz-alias-limit-in-400-documents", vec![doc; 400].join("---\n")));
    cases.push(("gen-name-and-label-200000-chars", format!("{API}kind: RivvenCluster\nmetadata:\n  name: {}\n  labels:\n    a: {}\nspec:\n  replicas: 1\n", "n".repeat(200_000), "v".repeat(200_000))));
    cases
}

/// Writes the generated inputs into the target's temp dir.
fn generated_cases() -> Vec<Case> {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-regressions-generated");
    std::fs::create_dir_all(&dir).expect("create the temp dir");
    generated_texts()
        .into_iter()
        .map(|(name, text)| {
            let path = dir.join(format!("{name}.yaml"));
            std::fs::write(&path, text).expect("write a generated case");
            Case { name: format!("{name} (generated)"), path }
        })
        .collect()
}

fn all_cases() -> Vec<Case> {
    let mut cases = committed_cases();
    cases.extend(generated_cases());
    cases
}

#[test]
fn regression_corpus_shape() {
    let cases = committed_cases();
    assert!(
        (MIN_CASES..=MAX_CASES).contains(&cases.len()),
        "tests/fuzz/regressions holds {} cases; keep it between {MIN_CASES} and {MAX_CASES}",
        cases.len()
    );
    let mut numbers = std::collections::BTreeSet::new();
    let mut total = 0;
    for case in &cases {
        let stem = case.name.strip_suffix(".yaml").unwrap();
        let (number, description) = stem.split_at(3.min(stem.len()));
        assert!(
            number.len() == 3 && number.bytes().all(|b| b.is_ascii_digit()),
            "{}: the name must start with a three-digit number (NNN-short-description.yaml)",
            case.name
        );
        assert!(
            description.starts_with('-')
                && description.len() > 1
                && description[1..].bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.'),
            "{}: NNN-short-description.yaml, the description in lower case, digits and dashes",
            case.name
        );
        assert!(numbers.insert(number.to_owned()), "{}: number {number} is used twice", case.name);
        total += std::fs::metadata(&case.path).unwrap().len();
    }
    assert!(total < MAX_CORPUS_BYTES, "tests/fuzz/regressions holds {total} bytes; keep it under 1 MiB (generate large cases in this file instead)");
}

/// Every case in-process, each on its own (named) thread: a stack overflow aborts the test binary
/// but names the case in "thread 'replay <case>' has overflowed its stack".
#[test]
fn regressions_in_process() {
    let mut failures = Vec::new();
    for case in all_cases() {
        let bytes = std::fs::read(&case.path).unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let result = mutate::run_caught(text, &format!("replay {}", case.name));
        if let Outcome::Panic { location, message } = result.outcome {
            failures.push(format!("{}: panicked at {location}: {}", case.name, shorten(&message)));
        }
    }
    assert!(failures.is_empty(), "{} of the regression cases panic in-process:\n{}", failures.len(), failures.join("\n"));
}

/// Every case through the binary, five ways.
#[test]
fn regressions_through_binary() {
    let out_root = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-regressions-render");
    let mut failures = Vec::new();
    for (n, case) in all_cases().into_iter().enumerate() {
        let out_dir = out_root.join(format!("{n:03}"));
        let _ = std::fs::remove_dir_all(&out_dir);
        let file = case.path.to_str().expect("UTF-8 path").to_owned();
        let out = out_dir.to_str().expect("UTF-8 path").to_owned();
        let invocations: [Vec<&str>; 5] = [
            vec!["validate", &file],
            vec!["validate", "--format", "short", &file],
            vec!["validate", "--format", "json", &file],
            vec!["render", &file, "-o", "-"],
            vec!["render", &file, "-o", &out],
        ];
        for args in invocations {
            if let Err(problem) = run_binary(&args) {
                failures.push(format!("{}: `rivven-render {}`: {problem}", case.name, args.join(" ").replace(&file, "FILE").replace(&out, "DIR")));
            }
        }
        let _ = std::fs::remove_dir_all(&out_dir);
    }
    assert!(failures.is_empty(), "{} binary runs failed:\n{}", failures.len(), failures.join("\n"));
}

/// Runs the binary with a deadline; `Err` says what was wrong.
fn run_binary(args: &[&str]) -> Result<(), String> {
    let start = Instant::now();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rivven-render"))
        .args(args)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start: {e}"))?;
    // Drain both pipes while waiting, so a large output cannot block the child.
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out_thread = std::thread::spawn(move || {
        let mut sink = Vec::new();
        let _ = stdout.read_to_end(&mut sink);
        sink.len()
    });
    let err_thread = std::thread::spawn(move || {
        let mut text = Vec::new();
        let _ = stderr.read_to_end(&mut text);
        String::from_utf8_lossy(&text).into_owned()
    });
    let status = loop {
        if let Some(status) = child.try_wait().map_err(|e| format!("wait failed: {e}"))? {
            break status;
        }
        if start.elapsed() > BINARY_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {} s (killed)", BINARY_LIMIT.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let elapsed = start.elapsed();
    let _ = out_thread.join();
    let stderr = err_thread.join().unwrap_or_default();
    let mut problems = Vec::new();
    match status.code() {
        Some(0..=2) => {}
        Some(code) => problems.push(format!("exit code {code}")),
        None => problems.push(format!("killed by a signal ({status})")),
    }
    if let Some(at) = stderr.find("panicked") {
        let line_start = stderr[..at].rfind('\n').map_or(0, |i| i + 1);
        // "thread 'main' panicked at FILE:LINE:COL:" and the message on the next line
        let lines: Vec<&str> = stderr[line_start..].lines().take(2).collect();
        problems.push(format!("stderr: {}", shorten(&lines.join(" "))));
    } else if status.code().is_none() {
        let last = stderr.lines().rev().find(|l| !l.trim().is_empty()).unwrap_or("");
        problems.push(format!("stderr ends: {}", shorten(last)));
    }
    if elapsed > BINARY_LIMIT {
        problems.push(format!("took {:.1} s", elapsed.as_secs_f64()));
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("; "))
    }
}

fn shorten(s: &str) -> String {
    let s = s.replace('\n', "\\n");
    if s.chars().count() <= 300 {
        s
    } else {
        format!("{}... ({} chars)", s.chars().take(300).collect::<String>(), s.chars().count())
    }
}

/// The fuzz loop itself, in-process, for a fixed budget from a fixed seed (deterministic). A
/// crashing input is saved under `target/tmp/fuzz-smoke-findings/` (named in the failure), to be
/// replayed with `cargo run --example fuzz -- --replay FILE`.
#[test]
fn fuzz_smoke_budget() {
    const RUNS: usize = 300;
    let seeds: Vec<String> = mutate::load_seeds(&root()).into_iter().map(|s| s.text).collect();
    assert!(seeds.len() >= 20, "expected the seeds under examples/ and tests/invalid/, found {}", seeds.len());
    // Small inputs keep the debug build fast; the mutations still reach every shape.
    let mut campaign = Campaign::new(20_240_229, seeds, Mutator::new(64 * 1024));
    let start = Instant::now();
    let mut crashes = Vec::new();
    let mut slowest = (Duration::ZERO, String::new());
    for run in 0..RUNS {
        let (input, mutations) = campaign.next_input();
        let result = mutate::run_caught(input.clone(), &format!("fuzz-smoke run {run} ({})", mutations.join("+")));
        if result.elapsed > slowest.0 {
            slowest = (result.elapsed, mutations.join("+"));
        }
        match result.outcome {
            Outcome::Ok { signature, .. } => campaign.feedback(&input, signature),
            Outcome::Panic { location, message } => {
                let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-smoke-findings");
                let path = dir.join(format!("run-{run:03}-{:016x}.yaml", mutate::text_hash(&input)));
                let saved = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, &input)).map_or_else(|e| format!("not saved: {e}"), |()| path.display().to_string());
                crashes.push(format!("run {run} ({}; {} bytes, {saved}): panicked at {location}: {}", mutations.join("+"), input.len(), shorten(&message)));
            }
        }
    }
    eprintln!(
        "fuzz_smoke_budget: {RUNS} runs in {:.1} s, {} signatures, slowest {:.2} s ({})",
        start.elapsed().as_secs_f64(),
        campaign.seen.len(),
        slowest.0.as_secs_f64(),
        slowest.1
    );
    assert!(crashes.is_empty(), "{} of {RUNS} fuzz runs crashed:\n{}", crashes.len(), crashes.join("\n"));
}

/// Every mutation applies to some seed and respects the size limit, so none is silently dead.
#[test]
fn every_mutation_applies() {
    let seeds: Vec<String> = mutate::load_seeds(&root()).into_iter().map(|s| s.text).collect();
    let others: Vec<&str> = seeds.iter().take(5).map(String::as_str).collect();
    let mutator = Mutator::new(256 * 1024);
    let mut rng = mutate::Rng::new(7);
    let mut names: Vec<&str> = mutate::MUTATIONS.to_vec();
    names.sort();
    names.dedup();
    let mut dead = Vec::new();
    for name in names {
        let mut applied = false;
        for attempt in 0..200 {
            let seed = &seeds[attempt % seeds.len()];
            if let Some(out) = mutator.apply(name, &mut rng, seed, &others) {
                if out.len() <= mutator.max_len && out != *seed {
                    applied = true;
                    break;
                }
            }
        }
        if !applied {
            dead.push(name);
        }
    }
    assert!(dead.is_empty(), "mutations that never changed a seed: {dead:?}");
}

/// The harness itself: a panic under `run_caught` is caught, silenced and located, and the next
/// run on a fresh thread is clean.
#[test]
fn panics_are_caught_and_located() {
    let result = mutate::run_caught_with(|| panic!("deliberate {}", 42), "harness self-test");
    match result.outcome {
        Outcome::Panic { location, message } => {
            assert!(location.contains("fuzz_regressions.rs:"), "location {location:?}");
            assert_eq!(message, "deliberate 42");
        }
        other => panic!("the panic was not caught: {other:?}"),
    }
    let clean = mutate::run_caught(format!("{API}kind: RivvenTopic\nmetadata:\n  name: t\nspec:\n  clusterRef:\n    name: demo\n"), "harness clean run");
    assert!(matches!(clean.outcome, Outcome::Ok { rendered: true, .. }), "{:?}", clean.outcome);
}
