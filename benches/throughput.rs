//! Throughput and memory figures (not a timed test): `cargo bench --bench throughput`.
//!
//! Each phase runs in its own child process so that its peak memory (VmHWM) is its own:
//! - validate: 10,000 documents of mixed kinds, loaded and validated in one run;
//! - render: the same 10,000 resources validated and rendered to a YAML stream;
//! - baseline: only parsing the same input and writing the same number of output bytes with the
//!   same YAML writer (what any renderer must at least do);
//! - findings: the same 10,000 documents in one file, validated and their findings formatted as the
//!   CLI prints them (human by default, and `--format short`): every document raises a warning, so
//!   reporting must stay linear in findings and file size;
//! - memory: a ~28 MB input validated and rendered; peak RSS against the input size;
//! - cli: `rivven-render render` of a 10-resource repository, wall time including process start.
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use rivven_render::diagnostics::Diagnostics;
use rivven_render::compile::{compile, Compilation, CompileOptions, Input};
use rivven_render::load::{load_text, Loaded};

/// The binary's allocator, so that the figures are the CLI's (see src/main.rs).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const DOCUMENTS: usize = 10_000;

fn document(i: usize) -> String {
    let cluster = format!("c{}", i % 50);
    match i % 4 {
        0 => format!("apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: {cluster}-{i}\n  namespace: ns{}\nspec:\n  replicas: 1\n  storage:\n    size: 20Gi\n  config:\n    defaultPartitions: 6\n  resources:\n    requests:\n      cpu: 500m\n      memory: 1Gi\n", i % 7),
        1 => format!("apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenTopic\nmetadata:\n  name: topic-{i}\n  namespace: ns{}\nspec:\n  clusterRef:\n    name: {cluster}\n  partitions: 12\n  config:\n    retentionMs: 604800000\n    cleanupPolicy: delete\n", i % 7),
        2 => format!("apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenConnect\nmetadata:\n  name: connect-{i}\n  namespace: ns{}\nspec:\n  clusterRef:\n    name: {cluster}\n  sources:\n    - name: gen\n      connector: datagen\n      topic: events-{i}\n      datagen:\n        pattern: orders\n        eventsPerSecond: 10\n  sinks:\n    - name: out\n      connector: stdout\n      topics: [events-{i}]\n      consumerGroup: out\n      config:\n        format: json\n", i % 7),
        _ => format!("apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenSchemaRegistry\nmetadata:\n  name: registry-{i}\n  namespace: ns{}\nspec:\n  clusterRef:\n    name: {cluster}\n  storage:\n    mode: memory\n  compatibility:\n    defaultLevel: FULL\n", i % 7),
    }
}

fn input(n: usize) -> String {
    (0..n).map(|i| format!("---\n{}", document(i))).collect()
}

/// Counts the bytes written to it (standing in for standard output).
struct CountingSink(usize);

impl std::io::Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok()))
        .unwrap_or(0)
}

fn load(text: String) -> (Loaded, Diagnostics) {
    let mut diagnostics = Diagnostics::default();
    let mut loaded = Loaded::default();
    load_text(&mut loaded, "bench.yaml".into(), text, Default::default(), &mut diagnostics);
    (loaded, diagnostics)
}

/// As the CLI does, through the compile core: each document parsed, checked and dropped in turn.
fn compile_text(text: String, validate_only: bool) -> Compilation {
    let options = CompileOptions { validate_only, ..CompileOptions::default() };
    compile(&[Input::Text { name: "bench.yaml".into(), text }], &options)
}

/// Renders as `rivven-render render -o -` does: objects written one resource at a time.
fn render_streaming(compilation: &Compilation) -> (usize, usize) {
    let mut sink = CountingSink(0);
    let mut objects = 0;
    compilation
        .render_each(&mut |object| {
            objects += 1;
            rivven_render::output::write_object(&object, &mut sink)
        })
        .unwrap();
    (objects, sink.0)
}

/// Runs one phase in this process and prints `phase seconds items output_bytes peak_kib`.
fn phase(name: &str) {
    let text = input(DOCUMENTS);
    let start = Instant::now();
    let (items, bytes) = match name {
        "validate" => {
            let compilation = compile_text(text, true);
            assert!(!compilation.diagnostics.has_errors(), "bench input must be valid");
            (DOCUMENTS, 0)
        }
        "render" => {
            let compilation = compile_text(text, false);
            assert!(compilation.renderable());
            render_streaming(&compilation)
        }
        "findings-human" | "findings-short" => {
            use rivven_render::diagnostics::emit::{self, Format, Report};
            let format = if name == "findings-human" { Format::Human } else { Format::Short };
            let compilation = compile_text(text, true);
            let printed = emit::to_string(format, &Report::new(&compilation.diagnostics, &compilation.sources, false), false);
            (compilation.diagnostics.len(), printed.len())
        }
        "memory" | "memory-validate" => {
            let copies: usize = std::env::var("MEMORY_COPIES").unwrap().parse().unwrap();
            let text = (0..copies).map(|c| input(DOCUMENTS).replace("metadata:\n  name: ", &format!("metadata:\n  name: m{c}-"))).collect::<String>();
            let size = text.len();
            let compilation = compile_text(text, name != "memory");
            assert!(!compilation.diagnostics.has_errors(), "memory input must be valid");
            let (objects, _) = if name == "memory" { render_streaming(&compilation) } else { (0, 0) };
            (objects, size)
        }
        "baseline" => {
            let target: usize = std::env::var("BASELINE_BYTES").unwrap().parse().unwrap();
            let (loaded, _) = load(text);
            let mut out = String::with_capacity(target);
            let mut i = 0;
            while out.len() < target {
                out.push_str("---\n");
                out.push_str(&rivven_render::yaml::to_string(&loaded.documents[i % loaded.documents.len()].value));
                i += 1;
            }
            (loaded.documents.len(), out.len())
        }
        other => panic!("unknown phase {other}"),
    };
    let seconds = start.elapsed().as_secs_f64();
    println!("{name} {seconds} {items} {bytes} {}", peak_rss_kib());
}

fn run_child(name: &str, extra: &[(&str, String)]) -> (f64, usize, usize, u64) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.env("BENCH_PHASE", name);
    for (k, v) in extra {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let line = String::from_utf8(out.stdout).unwrap();
    let f: Vec<&str> = line.split_whitespace().collect();
    (f[1].parse().unwrap(), f[2].parse().unwrap(), f[3].parse().unwrap(), f[4].parse().unwrap())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn cli_small_repository() -> Duration {
    let dir = std::env::temp_dir().join(format!("rivven-render-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    for i in 0..10 {
        std::fs::write(dir.join(format!("r{i}.yaml")), document(i).replace("-0\n", "\n")).unwrap();
    }
    let binary = PathBuf::from(env!("CARGO_BIN_EXE_rivven-render"));
    let out = dir.join("out");
    let mut times = Vec::new();
    for _ in 0..20 {
        let _ = std::fs::remove_dir_all(&out);
        let start = Instant::now();
        let status = Command::new(&binary).arg("render").arg(&dir).arg("-o").arg(&out).arg("-q").stderr(std::process::Stdio::null()).status().unwrap();
        times.push(start.elapsed().as_secs_f64());
        assert!(status.success());
    }
    let _ = std::fs::remove_dir_all(&dir);
    Duration::from_secs_f64(median(times))
}

fn main() {
    if let Ok(name) = std::env::var("BENCH_PHASE") {
        phase(&name);
        return;
    }
    if std::env::args().any(|a| a == "--list") {
        return; // `cargo test --benches` lists; nothing to list
    }
    let runs = 3;
    let mut validate = Vec::new();
    let mut render = Vec::new();
    let mut baseline = Vec::new();
    let (mut peak_v, mut peak_r, mut peak_b, mut objects, mut bytes) = (0, 0, 0, 0, 0);
    for _ in 0..runs {
        let (s, _, _, p) = run_child("validate", &[]);
        validate.push(s);
        peak_v = peak_v.max(p);
        let (s, o, b, p) = run_child("render", &[]);
        render.push(s);
        peak_r = peak_r.max(p);
        objects = o;
        bytes = b;
        let (s, _, _, p) = run_child("baseline", &[("BASELINE_BYTES", bytes.to_string())]);
        baseline.push(s);
        peak_b = peak_b.max(p);
    }
    let (v, r, b) = (median(validate), median(render), median(baseline));
    println!("validate: {DOCUMENTS} documents in {:.3} s = {:.0} documents/s, peak RSS {:.1} MiB", v, DOCUMENTS as f64 / v, peak_v as f64 / 1024.0);
    println!(
        "render:   {DOCUMENTS} resources -> {objects} objects ({:.1} MiB YAML) in {:.3} s = {:.0} objects/s, peak RSS {:.1} MiB",
        bytes as f64 / 1048576.0,
        r,
        objects as f64 / r,
        peak_r as f64 / 1024.0
    );
    println!("baseline: parse the same input + write the same bytes in {:.3} s, peak RSS {:.1} MiB; render/baseline = {:.2}x", b, peak_b as f64 / 1024.0, r / b);
    let (human, findings, _, _) = run_child("findings-human", &[]);
    let (short, _, _, _) = run_child("findings-short", &[]);
    println!("findings: {findings} findings of {DOCUMENTS} documents in one file, formatted as printed: human {:.3} s, short {:.3} s", human, short);
    let (_, _, size, peak_validate) = run_child("memory-validate", &[("MEMORY_COPIES", "10".into())]);
    let (_, _, _, peak_render) = run_child("memory", &[("MEMORY_COPIES", "10".into())]);
    let ratio = |peak: u64| peak as f64 * 1024.0 / size as f64;
    println!(
        "memory:   {:.1} MB input: validated, peak RSS {:.1} MiB = {:.1}x; validated and rendered, peak RSS {:.1} MiB = {:.1}x",
        size as f64 / 1e6,
        peak_validate as f64 / 1024.0,
        ratio(peak_validate),
        peak_render as f64 / 1024.0,
        ratio(peak_render)
    );
    println!("cli:      render of a 10-resource repository, median of 20 runs: {:.1} ms wall (process start included)", cli_small_repository().as_secs_f64() * 1000.0);
}
