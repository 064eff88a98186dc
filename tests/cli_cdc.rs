//! The postgres-cdc defect of rivven-connect 0.0.22 cannot be missed: the spec's CDC examples still
//! validate (a warning), the warning is printed with `-q` and repeated after the render summary, and
//! `--deny` turns it into an error that renders nothing.
use std::path::Path;
use std::process::Command;

const RULE: &str = "rivven/postgres-cdc-streaming";
const EXAMPLE: &str = "examples/spec/rivvenconnect-production-cdc.yaml";

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rivven-render")).args(args).current_dir(env!("CARGO_MANIFEST_DIR")).output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
}

fn out_dir(name: &str) -> String {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("cli_cdc").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    dir.display().to_string()
}

#[test]
fn the_streaming_defect_is_a_warning_printed_even_with_quiet_and_repeated_after_the_summary() {
    let (code, _, stderr) = run(&["validate", "-q", "--format", "short", EXAMPLE]);
    assert_eq!(code, Some(0), "the spec's example validates: {stderr}");
    assert!(stderr.contains(&format!("warning[{RULE}]")), "printed with -q: {stderr}");

    let dir = out_dir("warning");
    let (code, _, stderr) = run(&["render", "-q", "-o", &dir, EXAMPLE]);
    assert_eq!(code, Some(0), "{stderr}");
    let summary = stderr.lines().position(|l| l.starts_with("rendered ")).unwrap_or_else(|| panic!("a render summary: {stderr}"));
    let after: Vec<&str> = stderr.lines().skip(summary + 1).collect();
    assert!(
        after.iter().any(|l| l.starts_with(&format!("warning[{RULE}] (RivvenConnect/default/production-cdc")) && l.contains("duplicates") && l.contains("WAL")),
        "repeated after the summary: {after:?}"
    );
    assert!(Path::new(&dir).read_dir().unwrap().count() > 0, "rendered");
}

#[test]
fn deny_makes_the_streaming_defect_an_error_that_renders_nothing() {
    for deny in [RULE, "warnings"] {
        let (code, stdout, stderr) = run(&["validate", "--deny", deny, "--format", "json", EXAMPLE]);
        assert_eq!(code, Some(1), "--deny {deny}: {stderr}");
        let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let finding = report["diagnostics"].as_array().unwrap().iter().find(|d| d["rule"] == RULE).unwrap_or_else(|| panic!("{stdout}"));
        assert_eq!(finding["severity"], "error", "--deny {deny}: {finding}");

        let dir = out_dir(&format!("deny-{}", deny.replace('/', "-")));
        let (code, _, stderr) = run(&["render", "--deny", deny, "-o", &dir, EXAMPLE]);
        assert_eq!(code, Some(1), "--deny {deny}: {stderr}");
        assert!(stderr.contains("nothing rendered"), "{stderr}");
        assert!(!Path::new(&dir).exists() || Path::new(&dir).read_dir().unwrap().count() == 0, "no output with --deny {deny}");
    }
}
