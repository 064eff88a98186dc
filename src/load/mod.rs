//! Loading: discover files, parse YAML once into JSON trees that remember where every node stands,
//! and route documents by apiVersion and kind.
use std::collections::HashMap;
use std::io::Read;
use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::{Kind, API_VERSION, GROUP};


pub mod git;
pub mod krm;
pub mod spans;
pub mod tree;

use crate::source::{FileId, Location, ResourceRef, SourceSet};
use tree::SpanIndex;

/// A Rivven document, parsed, with its spans.
#[derive(Debug)]
pub struct Document {
    /// The file it came from.
    pub file: FileId,
    /// Position of the document in its file (0-based).
    pub index_in_file: usize,
    /// The kind, from `kind`.
    pub kind: Kind,
    /// The document as JSON.
    pub value: Value,
    /// Spans of every node.
    pub spans: SpanIndex,
}

impl Document {
    /// The resource this document describes (what its findings and objects point back to).
    pub fn reference(&self) -> ResourceRef {
        ResourceRef {
            kind: self.kind,
            namespace: self.value.pointer("/metadata/namespace").and_then(Value::as_str).map(str::to_owned),
            name: self.value.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("<unnamed>").to_owned(),
            file: self.file,
            document: self.index_in_file,
        }
    }

    /// Location of the value at `pointer` (or of its nearest existing ancestor).
    pub fn value_location(&self, pointer: &str) -> Option<Location> {
        self.spans.nearest(pointer).map(|span| Location { file: self.file, bytes: span.value })
    }

    /// Where a finding about `pointer` points: a whole mapping or list at its key (its value starts
    /// at its first child), anything else at its value.
    pub fn finding_location(&self, pointer: &str) -> Option<Location> {
        match self.value.pointer(pointer) {
            Some(Value::Object(_) | Value::Array(_)) => self.key_location(pointer),
            _ => self.value_location(pointer),
        }
    }

    /// Location of the key at `pointer` (falling back to the value, then to ancestors).
    pub fn key_location(&self, pointer: &str) -> Option<Location> {
        let span = self.spans.nearest(pointer)?;
        Some(Location { file: self.file, bytes: span.key.unwrap_or(span.value) })
    }
}

/// Options of loading.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions<'a> {
    /// Documents of other kinds are errors instead of notes.
    pub strict: bool,
    /// The namespace given to Rivven documents that name none (so cross-references and rendered
    /// addresses use it too).
    pub default_namespace: Option<&'a str>,
    /// Drop the annotations KRM functions add (a KRM item's `config.kubernetes.io/index`, …).
    pub drop_function_annotations: bool,
    /// Renames kustomize made before a KRM function ran, applied to the references.
    pub renames: Option<&'a krm::renames::Renames>,
    /// Read nothing outside this directory (a plugin's kustomization or application): directories
    /// are walked without following links, and a file that leads out is an unreadable input.
    pub confine: Option<&'a Path>,
}

/// Everything read in one run.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The files.
    pub sources: SourceSet,
    /// The Rivven documents.
    pub documents: Vec<Document>,
}

/// Why an input could not be read (reported as a `load/unreadable` finding; the run exits 2).
#[derive(Debug)]
pub struct InputError(pub String);

/// Expands the arguments into files: directories recursively (`*.yaml`, `*.yml`), sorted so that
/// results do not depend on the file system's order; `-` is standard input.
pub fn discover(inputs: &[PathBuf], confine: Option<&Path>) -> Result<Vec<PathBuf>, InputError> {
    let mut files = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            files.push(input.clone());
            continue;
        }
        let meta = std::fs::metadata(input).map_err(|e| InputError(format!("cannot read {}: {e}", input.display())))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            // Confined (a plugin's directory): links are not followed, so none can lead out.
            for entry in walkdir::WalkDir::new(input).follow_links(confine.is_none()).sort_by_file_name() {
                let entry = entry.map_err(|e| InputError(format!("cannot walk {}: {e}", input.display())))?;
                if entry.file_type().is_file() && is_yaml(entry.path()) {
                    found.push(entry.into_path());
                }
            }
            files.extend(found);
        } else {
            files.push(input.clone());
        }
    }
    if let Some(root) = confine {
        let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_owned());
        if let Some(outside) = files.iter().find(|f| std::fs::canonicalize(f).map_or(true, |real| !real.starts_with(&real_root))) {
            return Err(InputError(format!("{} leads outside {}: not read", outside.display(), root.display())));
        }
    }
    Ok(files)
}

/// A path a plugin is told to read (the KRM function's `spec.paths`, Argo CD's `paths`), inside the
/// directory it runs in (the kustomization's, the application's): an absolute path, or one that
/// leaves it (`..`, a link out), is refused, as kustomize refuses to load files outside a
/// kustomization.
pub fn inside(root: &Path, path: &str) -> Result<PathBuf, String> {
    let relative = Path::new(path);
    if path.is_empty() || relative.is_absolute() || relative.components().any(|c| matches!(c, Component::ParentDir | Component::Prefix(_))) {
        return Err(format!("`{path}` must be a relative path inside {} (no `..`)", root.display()));
    }
    let real = std::fs::canonicalize(root.join(relative)).map_err(|e| format!("cannot read `{path}`: {e}"))?;
    let real_root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_owned());
    if !real.starts_with(&real_root) {
        return Err(format!("`{path}` leads outside {} (through a symbolic link)", root.display()));
    }
    Ok(relative.to_owned())
}

fn is_yaml(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

/// Largest input of one run, all files together (bytes).
pub const MAX_INPUT_BYTES: u64 = 128 << 20;
/// Most Rivven documents in one run.
pub const MAX_DOCUMENTS: usize = 100_000;

/// One input of a run.
#[derive(Clone, Debug)]
pub enum Input {
    /// A file, or a directory searched recursively for `*.yaml` and `*.yml`.
    Path(PathBuf),
    /// Standard input.
    Stdin,
    /// A document already in memory (a KRM item, a file at a git revision), with the name shown in
    /// findings.
    Text {
        /// Display name, e.g. `base/cluster.yaml@HEAD`.
        name: String,
        /// The YAML text.
        text: String,
    },
}

impl Input {
    /// A command-line argument: `-` is standard input, anything else a path.
    pub fn from_arg(arg: &Path) -> Self {
        if arg.as_os_str() == "-" {
            Input::Stdin
        } else {
            Input::Path(arg.to_path_buf())
        }
    }

    /// Inputs of command-line arguments.
    pub fn from_args(args: &[PathBuf]) -> Vec<Self> {
        args.iter().map(|a| Self::from_arg(a)).collect()
    }
}

pub use crate::diagnostics::UNREADABLE_RULE;

/// Reads and parses the inputs, handing each Rivven document to `each` as soon as it is read, so
/// that memory holds a few documents' trees at a time. Every problem becomes a diagnostic: an input
/// that cannot be read (`load/unreadable`) or that is past the size limit (`load/limit`) is
/// reported and the others are still read, so one missing file never hides the findings of the rest.
pub fn load_each(inputs: &[Input], options: LoadOptions, diagnostics: &mut Diagnostics, each: &mut dyn FnMut(Document)) -> SourceSet {
    let mut sources = SourceSet::default();
    let mut count = 0;
    let mut seen: HashMap<PathBuf, String> = HashMap::new();
    let mut total: u64 = 0;
    let mut take = |sources: &mut SourceSet, count: &mut usize, name: String, text: String, total: &mut u64, diagnostics: &mut Diagnostics| {
        *total += text.len() as u64;
        load_text_each(sources, count, name, text, options, diagnostics, each);
    };
    let unreadable = |diagnostics: &mut Diagnostics, e: InputError| {
        diagnostics.push(Diagnostic::error(UNREADABLE_RULE, e.0).hint("check the path and its permissions; the other inputs were still checked"));
    };
    for input in inputs {
        let paths = match input {
            Input::Path(path) => match discover(std::slice::from_ref(path), options.confine) {
                Ok(paths) => paths,
                Err(e) => {
                    unreadable(diagnostics, e);
                    continue;
                }
            },
            Input::Stdin => vec![PathBuf::from("-")],
            Input::Text { name, text } => {
                if text.len() as u64 > MAX_INPUT_BYTES - total {
                    diagnostics.push(too_large(name));
                    break;
                }
                take(&mut sources, &mut count, name.clone(), text.clone(), &mut total, diagnostics);
                continue;
            }
        };
        for path in paths {
            if path.as_os_str() != "-" {
                let canonical = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
                if let Some(first) = seen.get(&canonical) {
                    diagnostics.push(Diagnostic::note(
                        "load/duplicate-file",
                        format!("{} is the same file as {first}, given twice: it is read once", path.display()),
                    ));
                    continue;
                }
                seen.insert(canonical, path.display().to_string());
            }
            match read(&path, MAX_INPUT_BYTES - total) {
                Ok((name, text)) => take(&mut sources, &mut count, name, text, &mut total, diagnostics),
                Err(Unread::TooLarge(name)) => {
                    diagnostics.push(too_large(&name));
                    return sources;
                }
                Err(Unread::Failed(e)) => unreadable(diagnostics, e),
            }
        }
    }
    sources
}

/// Why a file was not read.
enum Unread {
    /// The run's size budget is spent: nothing more is read.
    TooLarge(String),
    /// This file cannot be read.
    Failed(InputError),
}

fn too_large(what: &str) -> Diagnostic {
    Diagnostic::error(tree::LIMIT_RULE, format!("{what}: the input is larger than {} MiB, the limit of one run; nothing after it was read", MAX_INPUT_BYTES >> 20))
        .hint("split the input into several runs")
}

fn read(path: &Path, budget: u64) -> Result<(String, String), Unread> {
    let failed = |message: String| Unread::Failed(InputError(message));
    let (name, bytes) = if path.as_os_str() == "-" {
        let mut bytes = Vec::new();
        std::io::stdin().take(budget + 1).read_to_end(&mut bytes).map_err(|e| failed(format!("cannot read standard input: {e}")))?;
        ("<stdin>".to_owned(), bytes)
    } else {
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|e| failed(format!("cannot read {name}: {e}")))?;
        let mut bytes = Vec::new();
        file.take(budget + 1).read_to_end(&mut bytes).map_err(|e| failed(format!("cannot read {name}: {e}")))?;
        (name, bytes)
    };
    if bytes.len() as u64 > budget {
        return Err(Unread::TooLarge(name));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok((name, text)),
        Err(_) => Err(failed(format!("{name} is not UTF-8 text"))),
    }
}

/// Parses one file's text into documents (public for tests and the plugin modes).
pub fn load_text(loaded: &mut Loaded, name: String, text: String, options: LoadOptions, diagnostics: &mut Diagnostics) {
    let mut count = loaded.documents.len();
    let documents = &mut loaded.documents;
    load_text_each(&mut loaded.sources, &mut count, name, text, options, diagnostics, &mut |doc| documents.push(doc));
}

/// Parses one file's text, handing each Rivven document to `each`; `count` counts the documents of
/// the run (for [`MAX_DOCUMENTS`]).
pub fn load_text_each(
    sources: &mut SourceSet,
    count: &mut usize,
    name: String,
    text: String,
    options: LoadOptions,
    diagnostics: &mut Diagnostics,
    each: &mut dyn FnMut(Document),
) {
    let file = sources.add(name, text);
    let source = sources.get(file);
    let empty = |diagnostics: &mut Diagnostics| {
        diagnostics.push(
            Diagnostic::warning("load/empty-file", "the file holds no document")
                .at(Some(Location { file, bytes: 0..0 }))
                .hint("remove the file or add a Rivven resource to it"),
        );
    };
    if source.text.trim().is_empty() {
        empty(diagnostics);
        return;
    }
    let mut any_document = false;
    let mut index_in_file = 0;
    parse_documents(source, file, diagnostics, &mut |doc, diagnostics| {
        let doc_index = index_in_file;
        index_in_file += 1;
        let Some(doc) = doc else {
            any_document = true;
            return;
        };
        let (value, spans) = match doc {
            Ok(parsed) => parsed,
            Err(e) => {
                any_document = true;
                diagnostics.push(Diagnostic::error(e.rule, e.message).at(Some(Location { file, bytes: e.bytes })));
                return;
            }
        };
        any_document |= !value.is_null();
        let doc_location = spans.get("").map(|s| Location { file, bytes: s.value });
        match route(&value, options) {
            Route::Empty => {}
            Route::Rivven(_) if *count >= MAX_DOCUMENTS => {
                if *count == MAX_DOCUMENTS {
                    diagnostics.push(
                        Diagnostic::error(tree::LIMIT_RULE, format!("more than {MAX_DOCUMENTS} Rivven documents in one run"))
                            .at(doc_location)
                            .hint("split the input into several runs"),
                    );
                }
                *count += 1;
            }
            Route::Rivven(kind) => {
                *count += 1;
                let mut value = value;
                if let (Some(ns), Some(metadata)) = (options.default_namespace, value.get_mut("metadata").and_then(Value::as_object_mut)) {
                    metadata.entry("namespace").or_insert_with(|| Value::from(ns));
                }
                if let Some(renames) = options.renames {
                    renames.apply(&mut value);
                }
                if options.drop_function_annotations {
                    value = krm::without_function_annotations(&value);
                }
                each(Document { file, index_in_file: doc_index, kind, value, spans });
            }
            Route::Skip(d) | Route::Reject(d) => {
                let pointer = d.pointer.clone();
                let location = spans.get(&pointer).map(|s| Location { file, bytes: s.key.unwrap_or(s.value) });
                let path = crate::source::pointer::display(&value, &pointer);
                diagnostics.push(d.at(location.or(doc_location)).field(pointer, path));
            }
        }
    });
    if !any_document {
        empty(diagnostics); // only comments, or only `---` separators
    }
}

/// Files at least this large, without anchors (so no alias) and without directives, are parsed on
/// two threads: chunks of documents in turn, handed over in file order.
const PARALLEL_PARSE_BYTES: usize = 256 << 10;
/// About how many bytes of documents one chunk holds.
const CHUNK_BYTES: usize = 32 << 10;
/// Parsed items a helper thread may hold ahead of the file order.
const PARSED_AHEAD: usize = 64;

/// One parsed document, or the syntax error of one that could not be read.
enum Parsed {
    Document(tree::ParsedDocument),
    Broken(Diagnostic),
}

/// Parses the stream, handing over each document as it is complete; after a syntax error, parses the
/// rest document by document, so that one broken document hides no other document's findings.
/// `None` stands for a document whose syntax error was reported.
fn parse_documents(
    source: &crate::source::SourceFile,
    file: FileId,
    diagnostics: &mut Diagnostics,
    each: &mut dyn FnMut(Option<tree::ParsedDocument>, &mut Diagnostics),
) {
    let mut deliver = |item: Parsed, diagnostics: &mut Diagnostics| match item {
        Parsed::Document(doc) => each(Some(doc), diagnostics),
        Parsed::Broken(d) => {
            diagnostics.push(d);
            each(None, diagnostics);
        }
    };
    let chunks = parallel_chunks(&source.text);
    if chunks.len() < 2 {
        let mut alias_nodes = 0;
        parse_range(source, file, (0..source.text.len(), 0), &mut alias_nodes, &mut |item| deliver(item, diagnostics));
        return;
    }
    // Even chunks here, odd chunks on a helper; `None` ends a chunk. No chunk has an alias, so the
    // file's alias budget is untouched.
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<Option<Parsed>>(PARSED_AHEAD);
        let odd: Vec<_> = chunks.iter().skip(1).step_by(2).cloned().collect();
        scope.spawn(move || {
            for chunk in odd {
                let mut alias_nodes = 0;
                parse_range(source, file, chunk, &mut alias_nodes, &mut |item| {
                    let _ = send.send(Some(item));
                });
                if send.send(None).is_err() {
                    return;
                }
            }
        });
        for (i, chunk) in chunks.into_iter().enumerate() {
            if i % 2 == 0 {
                let mut alias_nodes = 0;
                parse_range(source, file, chunk, &mut alias_nodes, &mut |item| deliver(item, diagnostics));
            } else {
                while let Ok(Some(item)) = receive.recv() {
                    deliver(item, diagnostics);
                }
            }
        }
    });
}

/// The chunks (byte range, character offset) a large file is parsed in, or none.
fn parallel_chunks(text: &str) -> Vec<(std::ops::Range<usize>, usize)> {
    let directives = text.starts_with('%') || text.contains("\n%");
    if text.len() < PARALLEL_PARSE_BYTES || text.contains('&') || directives {
        return Vec::new();
    }
    let mut chunks: Vec<(std::ops::Range<usize>, usize)> = Vec::new();
    for (range, chars) in split_documents(text) {
        match chunks.last_mut() {
            Some((last, _)) if last.len() < CHUNK_BYTES => last.end = range.end,
            _ => chunks.push((range, chars)),
        }
    }
    chunks
}

/// Parses the documents of one range of a file (its bytes and the character offset it starts at).
fn parse_range(source: &crate::source::SourceFile, file: FileId, (range, char_base): (std::ops::Range<usize>, usize), alias_nodes: &mut usize, out: &mut dyn FnMut(Parsed)) {
    let text = &source.text[range];
    let mut parsed_until = 0;
    let error = tree::parse_each(text, source, char_base, alias_nodes, &mut |doc, end| {
        parsed_until = end;
        out(Parsed::Document(doc));
    });
    if error.is_none() {
        return;
    }
    for (bytes, char_offset) in split_documents(text) {
        if char_offset < parsed_until {
            continue; // read whole by the first pass
        }
        let (docs, error) = tree::parse_stream(&text[bytes], source, char_base + char_offset, alias_nodes);
        match error {
            None => docs.into_iter().for_each(|d| out(Parsed::Document(d))),
            Some(e) => {
                let mut byte = source.byte_of_char(char_base + char_offset + e.char_index);
                if e.message.contains("tab") {
                    // saphyr marks the character after the tabs; point at the first tab of the run
                    byte -= source.text[..byte].bytes().rev().take_while(|&b| b == b'\t').count();
                }
                let end = (byte + 1).min(source.text.len()).max(byte);
                out(Parsed::Broken(
                    Diagnostic::error("load/yaml-syntax", format!("invalid YAML: {}", e.message))
                        .at(Some(Location { file, bytes: byte..end }))
                        .hint("this document was not read; fix its syntax first"),
                ));
            }
        }
    }
}

/// Byte ranges of the documents of a stream (split before each `---` line) and the character
/// offset of each.
fn split_documents(text: &str) -> Vec<(std::ops::Range<usize>, usize)> {
    let mut out = Vec::new();
    let (mut start, mut start_chars, mut chars, mut at) = (0, 0, 0, 0);
    for line in text.split_inclusive('\n') {
        let marker = line.strip_prefix("---").is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n']));
        if marker && at > start {
            out.push((start..at, start_chars));
            (start, start_chars) = (at, chars);
        }
        at += line.len();
        chars += if line.is_ascii() { line.len() } else { line.chars().count() };
    }
    out.push((start..text.len(), start_chars));
    out
}

enum Route {
    Empty,
    Rivven(Kind),
    Skip(Diagnostic),
    Reject(Diagnostic),
}

/// Decides what a document is. The returned diagnostic's `path` holds a JSON pointer.
fn route(value: &Value, options: LoadOptions) -> Route {
    let Some(map) = value.as_object() else {
        return match value {
            Value::Null => Route::Empty,
            _ => Route::Reject(Diagnostic::error("load/not-a-resource", "a document must be a mapping with `apiVersion` and `kind`")),
        };
    };
    let api_version = map.get("apiVersion").and_then(Value::as_str);
    let kind = map.get("kind").and_then(Value::as_str);
    let (Some(api_version), Some(kind)) = (api_version, kind) else {
        let missing = if api_version.is_none() { "apiVersion" } else { "kind" };
        return Route::Reject(
            Diagnostic::error("load/not-a-resource", format!("the document has no `{missing}` (a string)"))
                .hint(format!("Rivven resources start with `apiVersion: {API_VERSION}` and a `kind`")),
        );
    };
    let group = api_version.rsplit_once('/').map_or("", |(g, _)| g);
    if group != GROUP && Kind::from_name(kind).is_some() {
        // A Rivven kind under another group is a typo in `apiVersion`, not a foreign resource.
        return Route::Reject(
            Diagnostic::error("load/api-version", format!("{kind} needs `apiVersion: {API_VERSION}`, found `{api_version}`"))
                .field("/apiVersion", "apiVersion")
                .hint(format!("use `{API_VERSION}`")),
        );
    }
    if krm::is_render_config(value) {
        return Route::Empty; // rivven-render's own config beside the resources: neither one nor foreign
    }
    if group != GROUP {
        return if options.strict {
            let message = format!("{kind} ({api_version}) is not a Rivven resource");
            Route::Reject(Diagnostic::error("load/foreign-kind", message).field("/kind", "kind").hint("remove it, or run without --strict to skip it"))
        } else {
            let message = format!("skipped {kind} ({api_version}): not a Rivven resource");
            Route::Skip(Diagnostic::note("load/foreign-kind", message).field("/kind", "kind"))
        };
    }
    if api_version != API_VERSION {
        return Route::Reject(
            Diagnostic::error("load/api-version", format!("unsupported apiVersion `{api_version}`"))
                .field("/apiVersion", "apiVersion")
                .hint(format!("use `{API_VERSION}`")),
        );
    }
    match Kind::from_name(kind) {
        Some(kind) => Route::Rivven(kind),
        None => {
            let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
            let mut d = Diagnostic::error("load/unknown-kind", format!("unknown kind `{kind}` in {GROUP}")).field("/kind", "kind");
            d = match crate::diagnostics::suggest::closest(kind, names.iter().copied()) {
                Some(s) => d.hint(format!("did you mean `{s}`?")),
                None => d.hint(format!("the kinds are {}", names.join(", "))),
            };
            Route::Reject(d)
        }
    }
}
