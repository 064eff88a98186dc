//! Output: deterministic YAML, one file per object written to a directory (nothing written unless
//! the whole render succeeded), or one stream.
use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use crate::render::{Rendered, RenderedObject};

pub mod yaml;

/// Name of the file, inside an output directory, that lists the files rivven-render wrote there
/// (so `--clean` removes only its own files).
pub const MANIFEST_FILE: &str = ".rivven-render-files";

/// File name of an object: `<namespace>_<kind>_<name>.yaml`, or `<kind>_<name>.yaml` for objects
/// whose namespace is chosen at apply time.
pub fn file_name(object: &RenderedObject) -> String {
    let kind = object.kind.to_ascii_lowercase();
    match &object.namespace {
        Some(ns) => format!("{ns}_{kind}_{}.yaml", object.name),
        None => format!("{kind}_{}.yaml", object.name),
    }
}

/// Every object as a `---`-separated YAML stream.
pub fn stream(rendered: &Rendered) -> String {
    let mut out = Vec::new();
    write_stream(rendered, &mut out).expect("writing to memory cannot fail");
    String::from_utf8(out).expect("the YAML writer writes UTF-8")
}

/// Writes the stream object by object, so large outputs are never held whole in memory.
pub fn write_stream(rendered: &Rendered, out: &mut (impl io::Write + ?Sized)) -> io::Result<()> {
    for object in &rendered.objects {
        out.write_all(b"---\n")?;
        out.write_all(yaml::to_string(&object.value).as_bytes())?;
    }
    Ok(())
}

/// What a directory write did.
#[derive(Debug, Default)]
pub struct WriteSummary {
    /// Files written (new or changed).
    pub written: usize,
    /// Files already identical.
    pub unchanged: usize,
    /// Stale files removed by `--clean`.
    pub removed: Vec<String>,
}

/// Writes one file per object. A new directory appears whole (written beside, then renamed);
/// in an existing one each file is replaced atomically. With `clean`, files this tool wrote
/// earlier for objects that are no longer rendered are removed; other files are never touched.
pub fn write_dir(dir: &Path, rendered: &Rendered, clean: bool) -> io::Result<WriteSummary> {
    let files: Vec<(String, String)> = rendered.objects.iter().map(|o| (file_name(o), yaml::to_string(&o.value))).collect();
    let names: BTreeSet<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    if names.len() != files.len() {
        return Err(io::Error::other("two rendered objects map to the same file name"));
    }
    // Whatever validation said: no file may be written outside `dir` (checked before writing any).
    if let Some(bad) = names.iter().find(|n| !is_plain_file_name(n)) {
        return Err(io::Error::other(format!("refusing to write `{}`: the name would leave the output directory or is not a file name", bad.escape_debug())));
    }
    let manifest: String = names.iter().map(|n| format!("{n}\n")).collect();
    let mut summary = WriteSummary::default();
    if !dir.exists() {
        let staging = sibling(dir, "staging")?;
        let result = (|| {
            std::fs::create_dir_all(&staging)?;
            for (name, text) in &files {
                std::fs::write(staging.join(name), text)?;
            }
            std::fs::write(staging.join(MANIFEST_FILE), &manifest)?;
            std::fs::rename(&staging, dir)
        })();
        if result.is_err() {
            let _ = std::fs::remove_dir_all(&staging);
        }
        result?;
        summary.written = files.len();
        return Ok(summary);
    }
    let previous: BTreeSet<String> = std::fs::read_to_string(dir.join(MANIFEST_FILE)).unwrap_or_default().lines().map(str::to_owned).collect();
    for (name, text) in &files {
        let path = dir.join(name);
        if std::fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
            summary.unchanged += 1;
            continue;
        }
        replace_file(&path, text.as_bytes())?;
        summary.written += 1;
    }
    let mut kept: BTreeSet<String> = names.iter().map(|n| (*n).to_owned()).collect();
    for stale in previous.iter().filter(|p| !names.contains(p.as_str())) {
        if clean && is_plain_file_name(stale) {
            match std::fs::remove_file(dir.join(stale)) {
                Ok(()) => summary.removed.push(stale.clone()),
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(e),
            }
        } else {
            kept.insert(stale.clone()); // still ours: a later --clean may remove it
        }
    }
    let manifest: String = kept.iter().map(|n| format!("{n}\n")).collect();
    replace_file(&dir.join(MANIFEST_FILE), manifest.as_bytes())?;
    Ok(summary)
}

/// A name that stays inside its directory: one path component, no `..`, no NUL, at most 255 bytes.
pub fn is_plain_file_name(name: &str) -> bool {
    !name.is_empty() && name.len() <= 255 && !name.contains(['/', '\\', '\0']) && name != "." && name != ".."
}

fn replace_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = sibling(path, "tmp")?;
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
}

fn sibling(path: &Path, what: &str) -> io::Result<PathBuf> {
    let name = path.file_name().ok_or_else(|| io::Error::other(format!("{} has no file name", path.display())))?;
    Ok(path.with_file_name(format!(".{}.{what}-{}", name.to_string_lossy(), std::process::id())))
}
