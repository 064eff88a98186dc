//! Files at a git revision, read in memory with the git CLI (`git ls-tree`, `git cat-file
//! --batch`): nothing is checked out or written. Paths select files as on the command line: a
//! file, or a directory searched for `*.yaml` and `*.yml`; symlinks and submodules are skipped.
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::{Input, InputError};

/// The paths that hold no file at `revision` (a directory added since, a typo).
pub fn missing_at(inputs: &[Input], paths: &[PathBuf]) -> Vec<PathBuf> {
    paths
        .iter()
        .filter(|p| clean(p) != Path::new(""))
        .filter(|p| {
            !inputs.iter().any(|i| match i {
                Input::Text { name, .. } => name.rsplit_once('@').is_some_and(|(path, _)| same_path(p, path) || Path::new(path).starts_with(clean(p))),
                _ => false,
            })
        })
        .cloned()
        .collect()
}

/// The inputs of `paths` (relative to the current directory) at `revision`, named `PATH@REVISION`
/// (none for a path that does not exist there: see [`missing_at`]).
pub fn inputs_at(revision: &str, paths: &[PathBuf]) -> Result<Vec<Input>, InputError> {
    if revision.starts_with('-') || revision.is_empty() {
        return Err(InputError(format!("`{revision}` is not a git revision")));
    }
    let commit = git(&["rev-parse", "--verify", "--quiet", &format!("{revision}^{{commit}}")], None)
        .map_err(|e| InputError(format!("`{revision}` is not a commit of this repository: {e}")))?;
    let commit = commit.trim().to_owned();
    let mut args = vec!["ls-tree", "-r", "-z", commit.as_str(), "--"];
    let wanted: Vec<String> = paths.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    args.extend(wanted.iter().map(String::as_str));
    let listing = git(&args, None).map_err(|e| InputError(format!("cannot list {} at {revision}: {e}", wanted.join(" "))))?;
    let mut blobs = Vec::new();
    for entry in listing.split('\0').filter(|e| !e.is_empty()) {
        let Some((meta, path)) = entry.split_once('\t') else { continue };
        let mut meta = meta.split(' ');
        let (mode, kind, id) = (meta.next().unwrap_or(""), meta.next().unwrap_or(""), meta.next().unwrap_or(""));
        // Only regular files: a symlink's target is not read, a submodule is another repository.
        if kind != "blob" || !(mode == "100644" || mode == "100755") {
            continue;
        }
        let explicit = paths.iter().any(|p| same_path(p, path));
        if explicit || is_yaml(path) {
            blobs.push((path.to_owned(), id.to_owned()));
        }
    }
    blobs.sort();
    let ids: Vec<&str> = blobs.iter().map(|(_, id)| id.as_str()).collect();
    let texts = cat_files(&ids).map_err(|e| InputError(format!("cannot read the files at {revision}: {e}")))?;
    blobs
        .into_iter()
        .zip(texts)
        .map(|((path, _), bytes)| match String::from_utf8(bytes) {
            Ok(text) => Ok(Input::Text { name: format!("{path}@{revision}"), text }),
            Err(_) => Err(InputError(format!("{path}@{revision} is not UTF-8 text"))),
        })
        .collect()
}

fn clean(p: &Path) -> PathBuf {
    p.components().filter(|c| !matches!(c, std::path::Component::CurDir)).collect()
}

fn same_path(arg: &Path, listed: &str) -> bool {
    clean(arg) == Path::new(listed)
}

fn is_yaml(path: &str) -> bool {
    path.ends_with(".yaml") || path.ends_with(".yml")
}

fn git(args: &[&str], input: Option<&[u8]>) -> Result<String, String> {
    let bytes = git_bytes(args, input)?;
    String::from_utf8(bytes).map_err(|_| "git printed text that is not UTF-8".to_owned())
}

fn git_bytes(args: &[&str], input: Option<&[u8]>) -> Result<Vec<u8>, String> {
    let mut child = Command::new("git")
        .args(args)
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if let Some(input) = input {
        let mut stdin = child.stdin.take().expect("piped");
        let data = input.to_vec();
        // A writer thread: git answers while it reads, and a full pipe would block both sides.
        let writer = std::thread::spawn(move || stdin.write_all(&data));
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        let _ = writer.join();
        return finish(out);
    }
    finish(child.wait_with_output().map_err(|e| e.to_string())?)
}

fn finish(out: std::process::Output) -> Result<Vec<u8>, String> {
    if out.status.success() {
        Ok(out.stdout)
    } else {
        let err = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        Err(if err.is_empty() { format!("git exited with {}", out.status) } else { err })
    }
}

/// The contents of the blobs, in order, through one `git cat-file --batch`.
fn cat_files(ids: &[&str]) -> Result<Vec<Vec<u8>>, String> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let request: String = ids.iter().map(|id| format!("{id}\n")).collect();
    let raw = git_bytes(&["cat-file", "--batch"], Some(request.as_bytes()))?;
    let mut reader = BufReader::new(raw.as_slice());
    let mut out = Vec::with_capacity(ids.len());
    for _ in ids {
        let mut header = String::new();
        reader.read_line(&mut header).map_err(|e| e.to_string())?;
        let size: usize = header.split(' ').nth(2).and_then(|s| s.trim().parse().ok()).ok_or_else(|| format!("unexpected git answer `{}`", header.trim()))?;
        if size as u64 > super::MAX_INPUT_BYTES {
            return Err(format!("a file is larger than the {} MiB limit of one run", super::MAX_INPUT_BYTES >> 20));
        }
        let mut body = vec![0; size];
        reader.read_exact(&mut body).map_err(|e| e.to_string())?;
        let mut newline = [0u8; 1];
        reader.read_exact(&mut newline).map_err(|e| e.to_string())?;
        out.push(body);
    }
    Ok(out)
}
