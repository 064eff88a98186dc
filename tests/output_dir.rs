//! The `render` command's output through the real binary: atomic directories, unchanged files,
//! `--clean` that removes only its own stale files, `-o -` streams, exit codes, and identical
//! directory contents whatever the order of the input files.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicUsize, Ordering};

use rivven_render::compile::{compile, CompileOptions, Input};
use rivven_render::output::{self, MANIFEST_FILE};
use rivven_render::render;
use saphyr::{LoadableYamlNode, Yaml};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh, unique path under the system temp dir (not created); removed again on drop.
struct TempPath(PathBuf);

impl TempPath {
    fn new(what: &str) -> Self {
        static COUNTER: AtomicUsize = AtomicUsize::new(0);
        let n = COUNTER.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("rivven-render-output-{}-{what}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        Self(path)
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&Path]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rivven-render")).arg("render").args(args).output().expect("the binary runs")
}

fn render_to(inputs: &[&Path], dir: &Path, clean: bool) -> Output {
    let mut args: Vec<&Path> = inputs.to_vec();
    args.extend([Path::new("-o"), dir]);
    if clean {
        args.push(Path::new("--clean"));
    }
    run(&args)
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn assert_exit(o: &Output, code: i32) {
    assert_eq!(o.status.code(), Some(code), "stderr:\n{}", stderr(o));
}

/// Every file of a directory (recursively, hidden ones included) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().display().to_string(), std::fs::read(e.path()).unwrap()))
        .collect()
}

/// What the library renders for the inputs: file name -> text.
fn expected_files(inputs: &[&Path]) -> BTreeMap<String, Vec<u8>> {
    let paths: Vec<Input> = inputs.iter().map(|p| Input::Path(p.to_path_buf())).collect();
    let compilation = compile(&paths, &CompileOptions::default());
    assert!(compilation.renderable());
    compilation.objects().iter().map(|o| (output::file_name(o), rivven_render::yaml::to_string(&o.value).into_bytes())).collect()
}

fn invalid_input(dir: &TempPath) -> PathBuf {
    std::fs::create_dir_all(&dir.0).unwrap();
    let path = dir.0.join("broken.yaml");
    std::fs::write(&path, "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: broken\nspec:\n  replicas: three\n").unwrap();
    path
}

#[test]
fn invalid_input_writes_nothing_and_leaves_an_existing_directory_untouched() {
    let inputs = TempPath::new("invalid-input");
    let broken = invalid_input(&inputs);
    let minimal = root().join("examples/minimal");

    // A new directory is not created at all, not even partly (valid files beside the broken one).
    let fresh = TempPath::new("invalid-fresh");
    assert_exit(&render_to(&[&minimal, &broken], &fresh.0, false), 1);
    assert!(!fresh.0.exists(), "an invalid render created {}", fresh.0.display());
    let parent = fresh.0.parent().unwrap();
    let leftovers: Vec<_> = std::fs::read_dir(parent).unwrap().filter_map(|e| e.ok()).filter(|e| e.file_name().to_string_lossy().contains(&*fresh.0.file_name().unwrap().to_string_lossy())).collect();
    assert!(leftovers.is_empty(), "staging left behind: {leftovers:?}");

    // An existing directory stays byte-identical, with --clean too.
    let existing = TempPath::new("invalid-existing");
    assert_exit(&render_to(&[&root().join("examples")], &existing.0, false), 0);
    std::fs::write(existing.0.join("kustomization.yaml"), "resources: []\n").unwrap();
    let before = snapshot(&existing.0);
    for clean in [false, true] {
        let out = render_to(&[&minimal, &broken], &existing.0, clean);
        assert_exit(&out, 1);
        assert!(out.stdout.is_empty());
        assert!(stderr(&out).contains("nothing rendered"), "{}", stderr(&out));
        assert_eq!(snapshot(&existing.0), before, "an invalid render changed the directory");
    }
}

#[test]
fn a_fresh_directory_appears_complete_and_a_rerender_changes_nothing() {
    let examples = root().join("examples");
    let dir = TempPath::new("fresh");
    let out = render_to(&[&examples], &dir.0, false);
    assert_exit(&out, 0);
    let mut expected = expected_files(&[&examples]);
    let names: String = expected.keys().map(|n| format!("{n}\n")).collect();
    expected.insert(MANIFEST_FILE.to_owned(), names.into_bytes());
    assert_eq!(snapshot(&dir.0), expected, "the directory holds exactly the rendered objects and the file list");
    let n = expected.len() - 1;
    assert!(stderr(&out).contains(&format!("rendered {n} objects")) && stderr(&out).contains(&format!("({n} written, 0 unchanged)")), "{}", stderr(&out));

    let before = snapshot(&dir.0);
    let out = render_to(&[&examples], &dir.0, false);
    assert_exit(&out, 0);
    assert!(stderr(&out).contains(&format!("(0 written, {n} unchanged)")), "{}", stderr(&out));
    assert_eq!(snapshot(&dir.0), before);

    // One changed input rewrites exactly its own files.
    let inputs = TempPath::new("fresh-inputs");
    std::fs::create_dir_all(&inputs.0).unwrap();
    for entry in std::fs::read_dir(root().join("examples/minimal")).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), inputs.0.join(entry.file_name())).unwrap();
    }
    let small = TempPath::new("fresh-small");
    assert_exit(&render_to(&[&inputs.0], &small.0, false), 0);
    let registry = inputs.0.join("schema-registry.yaml");
    let text = std::fs::read_to_string(&registry).unwrap();
    std::fs::write(&registry, text.replace("spec:\n", "spec:\n  replicas: 1\n  server:\n    port: 8082\n")).unwrap();
    let out = render_to(&[&inputs.0], &small.0, false);
    assert_exit(&out, 0);
    // The registry's ConfigMap (plan URL), Service, NetworkPolicy (port) and Deployment change; nothing else.
    assert!(stderr(&out).contains("(4 written, "), "{}", stderr(&out));
}

#[test]
fn clean_removes_only_stale_files_it_wrote() {
    let examples = root().join("examples");
    let minimal = root().join("examples/minimal");
    let dir = TempPath::new("clean");
    assert_exit(&render_to(&[&examples], &dir.0, false), 0);
    let all = expected_files(&[&examples]);
    let kept = expected_files(&[&minimal]);
    // Files of the user's: one unrelated, one named exactly like a rendered object file.
    std::fs::write(dir.0.join("kustomization.yaml"), "resources: []\n").unwrap();
    std::fs::write(dir.0.join("default_configmap_hand-written.yaml"), "kind: ConfigMap\n").unwrap();

    // Without --clean, stale files stay (and stay listed as ours).
    let out = render_to(&[&minimal], &dir.0, false);
    assert_exit(&out, 0);
    for name in all.keys() {
        assert!(dir.0.join(name).exists(), "{name} removed without --clean");
    }
    // With --clean, they go; the user's files and the current objects stay.
    let out = render_to(&[&minimal], &dir.0, true);
    assert_exit(&out, 0);
    let stale = all.len() - kept.len();
    assert!(stderr(&out).contains(&format!("{stale} stale removed")), "{}", stderr(&out));
    let mut expected = kept.clone();
    expected.insert("kustomization.yaml".into(), b"resources: []\n".to_vec());
    expected.insert("default_configmap_hand-written.yaml".into(), b"kind: ConfigMap\n".to_vec());
    let names: String = kept.keys().map(|n| format!("{n}\n")).collect();
    expected.insert(MANIFEST_FILE.to_owned(), names.into_bytes());
    assert_eq!(snapshot(&dir.0), expected);

    // A tampered file list never makes --clean delete outside the directory or a user's file.
    let outside = TempPath::new("clean-outside");
    std::fs::create_dir_all(&outside.0).unwrap();
    std::fs::write(outside.0.join("precious.yaml"), "x: 1\n").unwrap();
    let mut list = std::fs::read_to_string(dir.0.join(MANIFEST_FILE)).unwrap();
    list.push_str(&format!("../{}/precious.yaml\n", outside.0.file_name().unwrap().to_string_lossy()));
    list.push_str(&format!("{}/precious.yaml\n", outside.0.display()));
    std::fs::write(dir.0.join(MANIFEST_FILE), list).unwrap();
    assert_exit(&render_to(&[&minimal], &dir.0, true), 0);
    assert!(outside.0.join("precious.yaml").exists(), "--clean deleted a file outside its directory");
    assert!(dir.0.join("kustomization.yaml").exists());
}

#[test]
fn dash_streams_only_manifests_to_stdout_and_the_summary_to_stderr() {
    let examples = root().join("examples");
    let out = run(&[&examples, Path::new("-o"), Path::new("-")]);
    assert_exit(&out, 0);
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    let compilation = compile(&[Input::Path(examples.clone())], &CompileOptions::default());
    let rendered = render::Rendered { objects: compilation.objects() };
    assert_eq!(text, output::stream(&rendered), "stdout is exactly the stream");
    let docs = Yaml::load_from_str(&text).expect("stdout is a YAML stream");
    assert_eq!(docs.len(), rendered.objects.len());
    for doc in &docs {
        for key in ["apiVersion", "kind"] {
            assert!(doc.as_mapping_get(key).and_then(Yaml::as_str).is_some_and(|s| !s.is_empty()), "a document without {key}");
        }
    }
    let err = stderr(&out);
    assert!(err.contains(&format!("rendered {} objects", rendered.objects.len())) && err.contains("to standard output"), "{err}");
    assert!(err.contains("warning") || err.contains("⚠"), "diagnostics go to stderr: {err}");
}

#[test]
fn a_missing_input_path_exits_2_and_writes_nothing() {
    let dir = TempPath::new("missing");
    let out = render_to(&[&root().join("examples/does-not-exist")], &dir.0, false);
    assert_exit(&out, 2);
    assert!(!dir.0.exists());
    assert!(out.stdout.is_empty());
    let out = run(&[&root().join("examples/does-not-exist.yaml"), Path::new("-o"), Path::new("-")]);
    assert_exit(&out, 2);
    assert!(out.stdout.is_empty(), "nothing on stdout for a usage error");
}

#[test]
fn directory_contents_do_not_depend_on_the_order_of_input_files() {
    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root().join("examples"))
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    let mut reference = None;
    for round in 0..4u64 {
        // Deterministic rotations and a reversal: every round a different order.
        let mut order = files.clone();
        order.rotate_left((round as usize * 5) % files.len());
        if round % 2 == 1 {
            order.reverse();
        }
        let dir = TempPath::new("order");
        let args: Vec<&Path> = order.iter().map(PathBuf::as_path).collect();
        assert_exit(&render_to(&args, &dir.0, false), 0);
        let snap = snapshot(&dir.0);
        match &reference {
            None => reference = Some(snap),
            Some(r) => assert!(r == &snap, "file order {order:?} changes the directory"),
        }
    }
}

/// The directory writer refuses any file name that would leave the directory, whatever validation
/// said, and writes nothing then.
#[test]
fn writer_refuses_names_that_leave_the_directory() {
    use rivven_render::output::write_dir;
    use rivven_render::render::{Rendered, RenderedObject};
    for namespace in ["../escape", "/abs/dir", "x/../../y", &"n".repeat(300)] {
        let object = RenderedObject::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "namespace": namespace}
        }));
        let ok = RenderedObject::from_value(serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "fine"}}));
        let base = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("writer-refuses");
        let _ = std::fs::remove_dir_all(&base);
        std::fs::create_dir_all(&base).unwrap();
        let dir = base.join("out");
        let err = write_dir(&dir, &Rendered { objects: vec![ok, object] }, false).expect_err(namespace);
        assert!(err.to_string().contains("refusing"), "{err}");
        assert!(!dir.exists(), "nothing may be written for namespace {namespace:?}");
        let entries: Vec<_> = std::fs::read_dir(&base).unwrap().collect();
        assert!(entries.is_empty(), "nothing beside the output directory either: {entries:?}");
    }
}
