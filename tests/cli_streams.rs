//! The binary and its streams: a closed pipe ends quietly, a full disk is an error with exit 2, a
//! file given twice is read once, an input past the size limit is refused with exit 2, and a tab in
//! the indentation is reported at its own line and column.
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rivven-render"))
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_streams").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const CLUSTER: &str = "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: demo\nspec:\n  replicas: 1\n";

#[test]
fn a_closed_pipe_ends_the_command_quietly() {
    for args in [vec!["crd"], vec!["render", "examples", "-o", "-"]] {
        let mut child = bin().args(&args).current_dir(env!("CARGO_MANIFEST_DIR")).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        let mut first = [0u8; 16];
        child.stdout.as_mut().unwrap().read_exact(&mut first).unwrap();
        drop(child.stdout.take()); // the reader goes away, as `| head -1` does
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_full_disk_is_reported_with_exit_2() {
    if !Path::new("/dev/full").exists() {
        panic!("/dev/full is missing on this machine");
    }
    for args in [vec!["crd"], vec!["render", "examples/minimal", "-o", "-"]] {
        let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
        let out = bin().args(&args).current_dir(env!("CARGO_MANIFEST_DIR")).stdout(full).stderr(Stdio::piped()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains("cannot write to standard output") && stderr.contains("No space left"), "{args:?}: {stderr}");
    }
}

#[test]
fn a_file_given_twice_is_read_once_with_a_note() {
    let dir = scratch("twice");
    let file = dir.join("cluster.yaml");
    std::fs::write(&file, CLUSTER).unwrap();
    let f = file.to_str().unwrap();
    let out = bin().args(["validate", f, f, dir.to_str().unwrap(), "--format", "short"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("note[load/duplicate-file]") && stderr.contains("given twice: it is read once"), "{stderr}");
    assert!(!stderr.contains("ref/duplicate-resource"), "{stderr}");
    assert!(stderr.contains("1 resource(s) in 1 file(s)"), "{stderr}");
}

#[test]
fn an_input_past_the_size_limit_is_refused_with_exit_2() {
    let dir = scratch("too-large");
    let file = dir.join("big.yaml");
    let handle = std::fs::File::create(&file).unwrap();
    handle.set_len(rivven_render::load::MAX_INPUT_BYTES + 1).unwrap(); // sparse: no disk used
    // Short lines: the human format wraps the message at a width that depends on the path's length.
    let out = bin().args(["validate", file.to_str().unwrap(), "--format", "short"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("larger than 128 MiB"), "{stderr}");
}

#[test]
fn a_tab_in_the_indentation_is_reported_at_its_own_line_and_column() {
    let dir = scratch("tab");
    let file = dir.join("tab.yaml");
    std::fs::write(&file, "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: demo\nspec:\n  replicas: 1\n  storage:\n  \tsize: 1Gi\n").unwrap();
    let out = bin().args(["validate", file.to_str().unwrap(), "--format", "short"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("tab.yaml:8:3: error[load/yaml-syntax]"), "{stderr}");
}
