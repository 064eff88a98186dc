//! A self-contained mutation fuzzer over load -> validate -> diagnostics (human, short, JSON) ->
//! render -> stream. No nightly, no extra dependency:
//!
//! ```text
//! cargo run --release --example fuzz -- [--seconds N] [--seed S] [--max-runs N] [--out DIR]
//!                                       [--timeout SECS] [--max-len BYTES] [--mem-limit-mb MB]
//! cargo run --release --example fuzz -- --replay FILE...     (run given inputs, print each outcome)
//! cargo run --release --example fuzz -- --corpus-out DIR ...  (also save small inputs that reached new diagnostics)
//! ```
//!
//! Seeds are every `*.yaml` under `examples/` and `tests/invalid/`, read at run time; the mutations
//! live in `tests/fuzz/mutate.rs` (shared with the `fuzz_smoke_budget` test). Each run is wrapped in
//! `catch_unwind` inside a worker process that this program supervises: a stack overflow or an
//! allocation failure (which abort the process and cannot be caught) and a run that never ends are
//! findings too, and the worker is restarted. A run slower than `--timeout` (2 s in release, 20 s
//! in a debug build) is a "timeout" finding. Findings are de-duplicated by panic location (timeouts
//! by the mutations that produced them); the smallest input of each is saved under `--out`
//! (default `tests/fuzz/findings/`, git-ignored by a `.gitignore` written there). `--seconds`
//! defaults to 60 (no time bound when only `--max-runs` is given). The last lines
//! are a summary, `fuzz: <runs> runs in <secs> s, <crashes> crashes, <timeouts> timeouts` (counts
//! of runs), then one line per distinct finding. Exit code 0 without findings, 1 with, 2 on usage
//! errors.
#[path = "../tests/fuzz/mutate.rs"]
mod mutate;

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitCode, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use mutate::{Campaign, Mutator, Outcome};

const USAGE: &str = "usage: fuzz [--seconds N] [--seed S] [--max-runs N] [--out DIR] [--timeout SECS] [--max-len BYTES] [--mem-limit-mb MB] [--corpus-out DIR] | --replay FILE...";

struct Options {
    seconds: Option<f64>,
    seed: Option<u64>,
    max_runs: Option<u64>,
    out: PathBuf,
    timeout: Duration,
    max_len: usize,
    mem_limit_mb: u64,
    replay: Vec<PathBuf>,
    corpus_out: Option<PathBuf>,
}

fn parse_args() -> Result<Option<Options>, String> {
    let mut args = std::env::args().skip(1);
    let mut o = Options {
        seconds: None,
        seed: None,
        max_runs: None,
        out: Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzz/findings"),
        timeout: Duration::from_secs(if cfg!(debug_assertions) { 20 } else { 2 }),
        max_len: mutate::MAX_INPUT,
        mem_limit_mb: 4096,
        replay: Vec::new(),
        corpus_out: None,
    };
    fn value<T: std::str::FromStr>(flag: &str, v: Option<String>) -> Result<T, String> {
        let v = v.ok_or_else(|| format!("{flag} needs a value"))?;
        v.parse().map_err(|_| format!("{flag}: cannot parse {v:?}"))
    }
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--worker" => return Ok(None),
            "--seconds" => o.seconds = Some(value(&arg, args.next())?),
            "--seed" => o.seed = Some(value(&arg, args.next())?),
            "--max-runs" => o.max_runs = Some(value(&arg, args.next())?),
            "--out" => o.out = PathBuf::from(value::<String>(&arg, args.next())?),
            "--timeout" => o.timeout = Duration::from_secs_f64(value(&arg, args.next())?),
            "--max-len" => o.max_len = value::<usize>(&arg, args.next())?.min(mutate::MAX_INPUT),
            "--mem-limit-mb" => o.mem_limit_mb = value(&arg, args.next())?,
            "--corpus-out" => o.corpus_out = Some(PathBuf::from(value::<String>(&arg, args.next())?)),
            "--replay" => o.replay.extend(args.by_ref().map(PathBuf::from)),
            "-h" | "--help" => return Err(USAGE.to_owned()),
            other => return Err(format!("unknown argument {other:?}\n{USAGE}")),
        }
    }
    Ok(Some(o))
}

fn main() -> ExitCode {
    let options = match parse_args() {
        Ok(Some(o)) => o,
        Ok(None) => return worker(),
        Err(e) => {
            eprintln!("{e}");
            return ExitCode::from(2);
        }
    };
    if options.replay.is_empty() {
        fuzz(&options)
    } else {
        replay(&options)
    }
}

// ---------------------------------------------------------------------------------------------
// Worker: reads `<len>\n<bytes>` from stdin, answers one line per input on stdout.
// ---------------------------------------------------------------------------------------------

fn worker() -> ExitCode {
    let stdin = std::io::stdin();
    let mut input = stdin.lock();
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    loop {
        let mut header = String::new();
        match input.read_line(&mut header) {
            Ok(0) | Err(_) => return ExitCode::SUCCESS,
            Ok(_) => {}
        }
        let Ok(len) = header.trim().parse::<usize>() else { return ExitCode::from(2) };
        let mut bytes = vec![0; len];
        if input.read_exact(&mut bytes).is_err() {
            return ExitCode::from(2);
        }
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let result = mutate::run_caught(text, "fuzz-run");
        let micros = result.elapsed.as_micros();
        let line = match result.outcome {
            Outcome::Ok { signature, rendered } => format!("ok\t{micros}\t{signature}\t{rendered}\n"),
            Outcome::Panic { location, message } => format!("panic\t{micros}\t{}\t{}\n", escape(&location), escape(&message)),
        };
        if out.write_all(line.as_bytes()).and_then(|()| out.flush()).is_err() {
            return ExitCode::SUCCESS;
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\").replace('\n', "\\n").replace('\t', "\\t").replace('\r', "\\r")
}

fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some(o) => out.push(o),
            None => out.push('\\'),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Supervisor side
// ---------------------------------------------------------------------------------------------

/// What the supervisor learnt about one input.
enum Reply {
    Ok { elapsed: Duration, signature: u64 },
    Panic { location: String, message: String },
    /// The worker died (stack overflow, allocation failure, ...): its last stderr lines.
    Died { status: String, stderr: Vec<String> },
    /// No answer within the hard limit: the worker was killed.
    Hung { elapsed: Duration },
}

struct Worker {
    child: Child,
    stdin: ChildStdin,
    replies: Receiver<String>,
    stderr_tail: Arc<Mutex<VecDeque<String>>>,
    stderr_thread: Option<JoinHandle<()>>,
}

impl Worker {
    fn spawn(mem_limit_mb: u64) -> std::io::Result<Self> {
        let exe = std::env::current_exe()?;
        // The address-space limit turns a memory blow-up into an allocation failure (a finding)
        // instead of a machine that swaps; `sh` sets it without a libc dependency.
        let mut command = if mem_limit_mb > 0 && Path::new("/bin/sh").exists() {
            let mut c = Command::new("/bin/sh");
            c.arg("-c").arg(format!("ulimit -v {} 2>/dev/null; exec \"$0\" --worker", mem_limit_mb * 1024)).arg(&exe);
            c
        } else {
            let mut c = Command::new(&exe);
            c.arg("--worker");
            c
        };
        let mut child = command.stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn()?;
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");
        let stderr = child.stderr.take().expect("piped stderr");
        let (tx, replies) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr_tail = Arc::new(Mutex::new(VecDeque::new()));
        let tail = Arc::clone(&stderr_tail);
        let stderr_thread = std::thread::spawn(move || {
            let mut reader = BufReader::new(stderr);
            let mut buf = Vec::new();
            loop {
                buf.clear();
                match reader.read_until(b'\n', &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        let mut line = String::from_utf8_lossy(&buf).trim_end().to_owned();
                        line.truncate(line.char_indices().nth(400).map_or(line.len(), |(i, _)| i));
                        let mut t = tail.lock().unwrap();
                        t.push_back(line);
                        if t.len() > 40 {
                            t.pop_front();
                        }
                    }
                }
            }
        });
        Ok(Self { child, stdin, replies, stderr_tail, stderr_thread: Some(stderr_thread) })
    }

    fn run(&mut self, text: &str, hard_limit: Duration) -> Reply {
        let start = Instant::now();
        self.stderr_tail.lock().unwrap().clear();
        let sent = self
            .stdin
            .write_all(format!("{}\n", text.len()).as_bytes())
            .and_then(|()| self.stdin.write_all(text.as_bytes()))
            .and_then(|()| self.stdin.flush());
        if sent.is_ok() {
            match self.replies.recv_timeout(hard_limit) {
                Ok(line) => return parse_reply(&line, start.elapsed()),
                Err(RecvTimeoutError::Timeout) => {
                    let _ = self.child.kill();
                    let _ = self.child.wait();
                    return Reply::Hung { elapsed: start.elapsed() };
                }
                Err(RecvTimeoutError::Disconnected) => {}
            }
        }
        let status = match self.child.wait() {
            Ok(s) => describe_status(s),
            Err(e) => format!("wait failed: {e}"),
        };
        if let Some(t) = self.stderr_thread.take() {
            let _ = t.join();
        }
        let stderr = self.stderr_tail.lock().unwrap().iter().cloned().collect();
        Reply::Died { status, stderr }
    }

    fn stop(mut self) {
        drop(self.stdin);
        let deadline = Instant::now() + Duration::from_secs(2);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn describe_status(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(signal) = status.signal() {
            let name = match signal {
                4 => "SIGILL",
                6 => "SIGABRT",
                7 => "SIGBUS",
                9 => "SIGKILL",
                11 => "SIGSEGV",
                _ => "signal",
            };
            return format!("killed by {name} ({signal})");
        }
    }
    match status.code() {
        Some(c) => format!("exited with {c}"),
        None => "ended".to_owned(),
    }
}

fn parse_reply(line: &str, elapsed_outside: Duration) -> Reply {
    let fields: Vec<&str> = line.split('\t').collect();
    let micros = |s: Option<&&str>| s.and_then(|s| s.parse::<u64>().ok()).map(Duration::from_micros).unwrap_or(elapsed_outside);
    match fields.first().copied() {
        Some("ok") => Reply::Ok { elapsed: micros(fields.get(1)), signature: fields.get(2).and_then(|s| s.parse().ok()).unwrap_or(0) },
        Some("panic") => Reply::Panic {
            location: fields.get(2).map(|s| unescape(s)).unwrap_or_default(),
            message: fields.get(3).map(|s| unescape(s)).unwrap_or_default(),
        },
        _ => Reply::Died { status: format!("unreadable reply {line:?}"), stderr: Vec::new() },
    }
}

/// A distinct finding.
struct Finding {
    kind: &'static str,
    /// What it is de-duplicated by.
    key: String,
    message: String,
    hits: u64,
    input_len: usize,
    file: Option<PathBuf>,
    /// The mutations that made the saved (smallest) input.
    mutations: String,
}

#[derive(Default)]
struct Findings {
    by_key: BTreeMap<(&'static str, String), Finding>,
    crashes: u64,
    timeouts: u64,
}

impl Findings {
    /// Records one finding; keeps (and saves) the smallest input per key.
    fn record(&mut self, out: &Path, kind: &'static str, key: String, message: String, input: &str, mutations: &[&str]) -> bool {
        if kind == "crash" {
            self.crashes += 1;
        } else {
            self.timeouts += 1;
        }
        let slot = self.by_key.entry((kind, key.clone())).or_insert_with(|| Finding { kind, key: key.clone(), message: message.clone(), hits: 0, input_len: usize::MAX, file: None, mutations: String::new() });
        slot.hits += 1;
        let new = slot.hits == 1;
        if input.len() < slot.input_len {
            if let Some(old) = slot.file.take() {
                let _ = std::fs::remove_file(old);
            }
            slot.input_len = input.len();
            slot.message = message;
            slot.mutations = if mutations.is_empty() { "none (a seed)".to_owned() } else { mutations.join("+") };
            let name = format!("{kind}-{}-{:016x}.yaml", sanitize(&key), mutate::text_hash(input));
            let path = out.join(name);
            match ensure_out_dir(out).and_then(|()| std::fs::write(&path, input)) {
                Ok(()) => slot.file = Some(path),
                Err(e) => eprintln!("fuzz: cannot save a finding to {}: {e}", path.display()),
            }
        }
        new
    }

    fn is_empty(&self) -> bool {
        self.by_key.is_empty()
    }
}

fn ensure_out_dir(out: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(out)?;
    let ignore = out.join(".gitignore");
    if !ignore.exists() {
        std::fs::write(ignore, "# fuzz findings are not committed; move a case to tests/fuzz/regressions/ to keep it\n*\n")?;
    }
    Ok(())
}

fn sanitize(key: &str) -> String {
    let s: String = key.chars().map(|c| if c.is_ascii_alphanumeric() || c == '.' { c } else { '_' }).collect();
    let s = s.trim_matches('_').to_owned();
    let mut collapsed = String::new();
    for c in s.chars() {
        if !(c == '_' && collapsed.ends_with('_')) {
            collapsed.push(c);
        }
    }
    collapsed.chars().take(60).collect()
}

/// The key and message of a dead worker: what it printed before dying.
fn death_key(status: &str, stderr: &[String]) -> (String, String) {
    let interesting = ["overflowed its stack", "memory allocation", "panicked", "fatal runtime error"]
        .iter()
        .find_map(|needle| stderr.iter().rev().find(|l| l.contains(needle)));
    let message = match interesting {
        Some(l) => format!("{l} ({status})"),
        None => format!("worker {status}; stderr: {}", stderr.last().map(String::as_str).unwrap_or("")),
    };
    let key = if stderr.iter().any(|l| l.contains("overflowed its stack")) {
        "abort: stack overflow".to_owned()
    } else if stderr.iter().any(|l| l.contains("memory allocation")) {
        "abort: out of memory".to_owned()
    } else {
        format!("abort: {status}")
    };
    (key, message)
}

fn shorten(s: &str, max: usize) -> String {
    let one_line = s.replace('\n', "\\n");
    if one_line.chars().count() <= max {
        one_line
    } else {
        format!("{}... ({} chars)", one_line.chars().take(max).collect::<String>(), one_line.chars().count())
    }
}

fn hard_limit(timeout: Duration) -> Duration {
    (timeout * 10).max(Duration::from_secs(20))
}

/// Classifies one reply; returns `Some(signature)` for a clean run.
fn classify(reply: Reply, input: &str, mutations: &[&str], options: &Options, findings: &mut Findings) -> (Option<u64>, Option<String>) {
    let timeout_key = || {
        let mut m: Vec<&str> = mutations.to_vec();
        m.sort();
        m.dedup();
        if m.is_empty() {
            "unmutated seed".to_owned()
        } else {
            format!("after {}", m.join("+"))
        }
    };
    let (kind, key, message) = match reply {
        Reply::Ok { elapsed, signature } => {
            if elapsed <= options.timeout {
                return (Some(signature), None);
            }
            ("timeout", timeout_key(), format!("run took {:.2} s (limit {:.2} s), {} bytes", elapsed.as_secs_f64(), options.timeout.as_secs_f64(), input.len()))
        }
        Reply::Panic { location, message } => ("crash", location.clone(), format!("panicked at {location}: {message}")),
        Reply::Died { status, stderr } => {
            let (key, message) = death_key(&status, &stderr);
            ("crash", key, message)
        }
        Reply::Hung { elapsed } => ("timeout", timeout_key(), format!("no answer after {:.1} s: worker killed, {} bytes", elapsed.as_secs_f64(), input.len())),
    };
    let new = findings.record(&options.out, kind, key.clone(), message.clone(), input, mutations);
    (None, if new { Some(format!("fuzz: new {kind}: {key}: {}", shorten(&message, 300))) } else { None })
}

fn fuzz(options: &Options) -> ExitCode {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let seeds = mutate::load_seeds(root);
    if seeds.is_empty() {
        eprintln!("fuzz: no seeds found under {}/examples or tests/invalid", root.display());
        return ExitCode::from(2);
    }
    let seed = options.seed.unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_nanos() as u64).unwrap_or(1));
    eprintln!(
        "fuzz: seed {seed}, {} seed files, timeout {:.1} s, findings to {}",
        seeds.len(),
        options.timeout.as_secs_f64(),
        options.out.display()
    );
    let seed_texts: Vec<String> = seeds.iter().map(|s| s.text.clone()).collect();
    let mut campaign = Campaign::new(seed, seed_texts.clone(), Mutator::new(options.max_len));
    campaign.pool_max_len = 64 * 1024;
    campaign.pool_cap = 2000;
    let mut worker = match Worker::spawn(options.mem_limit_mb) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("fuzz: cannot start the worker: {e}");
            return ExitCode::from(2);
        }
    };
    let mut findings = Findings::default();
    let start = Instant::now();
    // --seconds defaults to 60 unless only --max-runs bounds the campaign
    let seconds = options.seconds.unwrap_or(if options.max_runs.is_some() { f64::MAX / 4.0 } else { 60.0 });
    let budget = Duration::from_secs_f64(seconds.clamp(0.0, 1e12));
    let mut runs: u64 = 0;
    let mut last_status = Instant::now();
    let mut unmutated = seed_texts.into_iter();
    loop {
        if options.max_runs.is_some_and(|m| runs >= m) || start.elapsed() >= budget {
            break;
        }
        // the seeds as they are first, then mutants
        let (input, mutations) = match unmutated.next() {
            Some(text) => (text, Vec::new()),
            None => campaign.next_input(),
        };
        let reply = worker.run(&input, hard_limit(options.timeout));
        let died = matches!(reply, Reply::Died { .. } | Reply::Hung { .. });
        runs += 1;
        let (signature, news) = classify(reply, &input, &mutations, options, &mut findings);
        if let Some(news) = news {
            eprintln!("{news}");
        }
        if let Some(signature) = signature {
            let novel = !campaign.seen.contains(&signature);
            campaign.feedback(&input, signature);
            if let (true, Some(dir)) = (novel, &options.corpus_out) {
                save_novel(dir, &input, &mutations);
            }
        }
        if died {
            worker = match Worker::spawn(options.mem_limit_mb) {
                Ok(w) => w,
                Err(e) => {
                    eprintln!("fuzz: cannot restart the worker: {e}");
                    break;
                }
            };
        }
        if last_status.elapsed() >= Duration::from_secs(15) {
            last_status = Instant::now();
            eprintln!(
                "fuzz: {runs} runs, {:.0} s, pool {}, {} signatures, {} crashes, {} timeouts",
                start.elapsed().as_secs_f64(),
                campaign.pool.len(),
                campaign.seen.len(),
                findings.crashes,
                findings.timeouts
            );
        }
    }
    worker.stop();
    report(runs, start.elapsed(), &findings);
    if findings.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}

/// `--corpus-out`: inputs that reached a new signature (small ones), named by their mutations, as
/// material for `tests/fuzz/regressions/`.
fn save_novel(dir: &Path, input: &str, mutations: &[&str]) {
    if input.len() > 16 * 1024 || std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let name = if mutations.is_empty() { "seed".to_owned() } else { mutations.join("+") };
    let _ = std::fs::write(dir.join(format!("{:016x}-{name}.yaml", mutate::text_hash(input))), input);
}

fn report(runs: u64, elapsed: Duration, findings: &Findings) {
    println!("fuzz: {runs} runs in {:.1} s, {} crashes, {} timeouts", elapsed.as_secs_f64(), findings.crashes, findings.timeouts);
    for f in findings.by_key.values() {
        let file = f.file.as_ref().map(|p| p.display().to_string()).unwrap_or_else(|| "(not saved)".into());
        println!("  {} [{}] x{}: {} -> {file} ({} bytes, mutations {})", f.kind, f.key, f.hits, shorten(&f.message, 240), f.input_len, f.mutations);
    }
}

fn replay(options: &Options) -> ExitCode {
    let mut worker = match Worker::spawn(options.mem_limit_mb) {
        Ok(w) => w,
        Err(e) => {
            eprintln!("fuzz: cannot start the worker: {e}");
            return ExitCode::from(2);
        }
    };
    let mut failed = false;
    for path in &options.replay {
        let text = match std::fs::read(path) {
            Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            Err(e) => {
                println!("{}: cannot read: {e}", path.display());
                failed = true;
                continue;
            }
        };
        let reply = worker.run(&text, hard_limit(options.timeout));
        let restart = matches!(reply, Reply::Died { .. } | Reply::Hung { .. });
        let line = match reply {
            Reply::Ok { elapsed, .. } if elapsed <= options.timeout => format!("ok ({:.3} s)", elapsed.as_secs_f64()),
            Reply::Ok { elapsed, .. } => {
                failed = true;
                format!("TIMEOUT: took {:.2} s", elapsed.as_secs_f64())
            }
            Reply::Panic { location, message, .. } => {
                failed = true;
                format!("CRASH: panicked at {location}: {}", shorten(&message, 300))
            }
            Reply::Died { status, stderr, .. } => {
                failed = true;
                format!("CRASH: {}", death_key(&status, &stderr).1)
            }
            Reply::Hung { elapsed } => {
                failed = true;
                format!("TIMEOUT: no answer after {:.1} s", elapsed.as_secs_f64())
            }
        };
        println!("{}: {line}", path.display());
        if restart {
            worker = match Worker::spawn(options.mem_limit_mb) {
                Ok(w) => w,
                Err(e) => {
                    eprintln!("fuzz: cannot restart the worker: {e}");
                    return ExitCode::from(2);
                }
            };
        }
    }
    worker.stop();
    ExitCode::from(if failed { 1 } else { 0 })
}
