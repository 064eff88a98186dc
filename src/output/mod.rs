//! Output: deterministic YAML, one file per object written to a directory (nothing written unless
//! the whole render succeeded), or one stream.
use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use crate::render::{Rendered, RenderedObject};
use crate::yaml;

pub mod krm;



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
        write_object(object, out)?;
    }
    Ok(())
}

/// Writes one object of a stream.
pub fn write_object(object: &RenderedObject, out: &mut (impl io::Write + ?Sized)) -> io::Result<()> {
    out.write_all(b"---\n")?;
    out.write_all(yaml::to_string(&object.value).as_bytes())
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

/// Writes one file per object (see [`DirWriter`]).
pub fn write_dir(dir: &Path, rendered: &Rendered, clean: bool) -> io::Result<WriteSummary> {
    write_dir_each(dir, clean, |add| rendered.objects.iter().try_for_each(add))
}

/// Writes the objects `produce` hands to `add`, one file each, as they come; on any error nothing is
/// left behind (see [`DirWriter`]).
pub fn write_dir_each(dir: &Path, clean: bool, produce: impl FnOnce(&mut dyn FnMut(&RenderedObject) -> io::Result<()>) -> io::Result<()>) -> io::Result<WriteSummary> {
    let mut writer = DirWriter::begin(dir, clean)?;
    match produce(&mut |object| writer.add(object)) {
        Ok(()) => writer.finish(),
        Err(e) => {
            writer.abort();
            Err(e)
        }
    }
}

/// Writes one file per object as objects arrive, holding only their names. A new directory appears
/// whole (written beside it, then renamed); in an existing one each changed file is first written
/// beside its final name and all are renamed at the end, so an error at any point leaves the
/// directory as it was. With `clean`, files this tool wrote earlier for objects that are no longer
/// rendered are removed; other files are never touched. Whatever validation said, no file may be
/// written outside the directory.
pub struct DirWriter {
    dir: PathBuf,
    clean: bool,
    /// The new directory being filled, when `dir` did not exist.
    staging: Option<PathBuf>,
    /// (temporary file, final file) of changed files in an existing directory.
    pending: Vec<(PathBuf, PathBuf)>,
    names: BTreeSet<String>,
    summary: WriteSummary,
}

impl DirWriter {
    /// Starts writing into `dir`.
    pub fn begin(dir: &Path, clean: bool) -> io::Result<Self> {
        let staging = if dir.exists() {
            None
        } else {
            let staging = sibling(dir, "staging")?;
            std::fs::create_dir_all(&staging)?;
            Some(staging)
        };
        Ok(Self { dir: dir.to_owned(), clean, staging, pending: Vec::new(), names: BTreeSet::new(), summary: WriteSummary::default() })
    }

    /// Writes one object's file (to its staging place).
    pub fn add(&mut self, object: &RenderedObject) -> io::Result<()> {
        let name = file_name(object);
        if !is_plain_file_name(&name) {
            return Err(io::Error::other(format!("refusing to write `{}`: the name would leave the output directory or is not a file name", name.escape_debug())));
        }
        if !self.names.insert(name.clone()) {
            return Err(io::Error::other(format!("two rendered objects map to the same file name `{name}`")));
        }
        let text = yaml::to_string(&object.value);
        if let Some(staging) = &self.staging {
            std::fs::write(staging.join(&name), &text)?;
            self.summary.written += 1;
            return Ok(());
        }
        let path = self.dir.join(&name);
        if std::fs::read(&path).is_ok_and(|old| old == text.as_bytes()) {
            self.summary.unchanged += 1;
            return Ok(());
        }
        let tmp = sibling(&path, "tmp")?;
        self.pending.push((tmp.clone(), path));
        std::fs::write(&tmp, text.as_bytes())?;
        self.summary.written += 1;
        Ok(())
    }

    /// Removes everything written so far; the directory stays as it was.
    pub fn abort(self) {
        if let Some(staging) = &self.staging {
            let _ = std::fs::remove_dir_all(staging);
        }
        for (tmp, _) in &self.pending {
            let _ = std::fs::remove_file(tmp);
        }
    }

    /// Puts every file in place, removes stale files with `clean` and records what it wrote.
    pub fn finish(mut self) -> io::Result<WriteSummary> {
        let manifest: String = self.names.iter().map(|n| format!("{n}\n")).collect();
        if let Some(staging) = self.staging.take() {
            let result = std::fs::write(staging.join(MANIFEST_FILE), &manifest).and_then(|()| std::fs::rename(&staging, &self.dir));
            if result.is_err() {
                let _ = std::fs::remove_dir_all(&staging);
            }
            result?;
            return Ok(std::mem::take(&mut self.summary));
        }
        let pending = std::mem::take(&mut self.pending);
        for (i, (tmp, path)) in pending.iter().enumerate() {
            if let Err(e) = std::fs::rename(tmp, path) {
                for (rest, _) in &pending[i..] {
                    let _ = std::fs::remove_file(rest);
                }
                return Err(e);
            }
        }
        let previous: BTreeSet<String> = std::fs::read_to_string(self.dir.join(MANIFEST_FILE)).unwrap_or_default().lines().map(str::to_owned).collect();
        let mut kept = self.names.clone();
        for stale in previous.iter().filter(|p| !self.names.contains(p.as_str())) {
            if self.clean && is_plain_file_name(stale) {
                match std::fs::remove_file(self.dir.join(stale)) {
                    Ok(()) => self.summary.removed.push(stale.clone()),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                    Err(e) => return Err(e),
                }
            } else {
                kept.insert(stale.clone()); // still ours: a later --clean may remove it
            }
        }
        let manifest: String = kept.iter().map(|n| format!("{n}\n")).collect();
        replace_file(&self.dir.join(MANIFEST_FILE), manifest.as_bytes())?;
        Ok(std::mem::take(&mut self.summary))
    }
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
