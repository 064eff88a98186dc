//! Loading: discover files, parse YAML once into JSON trees that remember where every node stands,
//! and route documents by apiVersion and kind.
use std::io::Read;
use std::path::{Path, PathBuf};

use saphyr::{LoadableYamlNode, MarkedYaml};
use serde_json::Value;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::model::{Kind, API_VERSION, GROUP};

pub mod source;
pub mod tree;

use source::{FileId, Location, SourceSet};
use tree::{NodeSpan, SpanIndex};

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
    /// `Kind/namespace/name` for messages.
    pub fn display_name(&self) -> String {
        let name = self.value.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("<unnamed>");
        match self.value.pointer("/metadata/namespace").and_then(Value::as_str) {
            Some(ns) => format!("{}/{ns}/{name}", self.kind.name()),
            None => format!("{}/{name}", self.kind.name()),
        }
    }

    /// Location of the value at `pointer` (or of its nearest existing ancestor).
    pub fn value_location(&self, pointer: &str) -> Option<Location> {
        self.spans.nearest(pointer).map(|(_, span)| Location { file: self.file, bytes: span.value.clone() })
    }

    /// Location of the key at `pointer` (falling back to the value, then to ancestors).
    pub fn key_location(&self, pointer: &str) -> Option<Location> {
        let (_, span): (&str, &NodeSpan) = self.spans.nearest(pointer)?;
        Some(Location { file: self.file, bytes: span.key.clone().unwrap_or_else(|| span.value.clone()) })
    }
}

/// Options of loading.
#[derive(Clone, Copy, Debug, Default)]
pub struct LoadOptions {
    /// Documents of other kinds are errors instead of notes.
    pub strict: bool,
}

/// Everything read in one run.
#[derive(Debug, Default)]
pub struct Loaded {
    /// The files.
    pub sources: SourceSet,
    /// The Rivven documents.
    pub documents: Vec<Document>,
}

/// An input that could not be read at all (usage or I/O error, exit code 2).
#[derive(Debug)]
pub struct InputError(pub String);

/// Expands the arguments into files: directories recursively (`*.yaml`, `*.yml`), sorted so that
/// results do not depend on the file system's order; `-` is standard input.
pub fn discover(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, InputError> {
    let mut files = Vec::new();
    for input in inputs {
        if input.as_os_str() == "-" {
            files.push(input.clone());
            continue;
        }
        let meta = std::fs::metadata(input).map_err(|e| InputError(format!("cannot read {}: {e}", input.display())))?;
        if meta.is_dir() {
            let mut found = Vec::new();
            for entry in walkdir::WalkDir::new(input).follow_links(true).sort_by_file_name() {
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
    Ok(files)
}

fn is_yaml(path: &Path) -> bool {
    matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

/// Reads and parses the inputs. Problems with the content become diagnostics; only unreadable
/// inputs are an `Err`.
pub fn load(inputs: &[PathBuf], options: LoadOptions, diagnostics: &mut Diagnostics) -> Result<Loaded, InputError> {
    let mut loaded = Loaded::default();
    for path in discover(inputs)? {
        let (name, text) = read(&path)?;
        load_text(&mut loaded, name, text, options, diagnostics);
    }
    Ok(loaded)
}

fn read(path: &Path) -> Result<(String, String), InputError> {
    if path.as_os_str() == "-" {
        let mut text = String::new();
        std::io::stdin().read_to_string(&mut text).map_err(|e| InputError(format!("cannot read standard input: {e}")))?;
        return Ok(("<stdin>".into(), text));
    }
    let bytes = std::fs::read(path).map_err(|e| InputError(format!("cannot read {}: {e}", path.display())))?;
    let name = path.display().to_string();
    match String::from_utf8(bytes) {
        Ok(text) => Ok((name, text)),
        Err(_) => Err(InputError(format!("{name} is not UTF-8 text"))),
    }
}

/// Parses one file's text into documents (public for tests and the plugin modes).
pub fn load_text(loaded: &mut Loaded, name: String, text: String, options: LoadOptions, diagnostics: &mut Diagnostics) {
    let file = loaded.sources.add(name, text);
    let source = loaded.sources.get(file);
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
    let docs = parse_documents(source, file, diagnostics);
    let mut any_document = false;
    for (index_in_file, (char_offset, doc)) in docs.iter().enumerate() {
        let Some(doc) = doc else {
            any_document = true;
            continue;
        };
        let mut spans = SpanIndex::default();
        let value = match tree::convert_at(doc, source, *char_offset, &mut spans) {
            Ok(value) => value,
            Err((message, bytes)) => {
                any_document = true;
                diagnostics.push(Diagnostic::error("load/yaml-value", message).at(Some(Location { file, bytes })));
                continue;
            }
        };
        any_document |= !value.is_null();
        let doc_location = spans.get("").map(|s| Location { file, bytes: s.value.clone() });
        match route(&value, options) {
            Route::Empty => {}
            Route::Rivven(kind) => loaded.documents.push(Document { file, index_in_file, kind, value, spans }),
            Route::Skip(d) | Route::Reject(d) => {
                let pointer = d.path.clone();
                let location = spans.get(&pointer).map(|s| Location { file, bytes: s.key.clone().unwrap_or(s.value.clone()) });
                let path = crate::validate::paths::display(&value, &pointer);
                diagnostics.push(d.at(location.or(doc_location)).path(path));
            }
        }
    }
    if !any_document {
        empty(diagnostics); // only comments, or only `---` separators
    }
}

/// Parses the whole stream; if that fails, parses it document by document so that one broken
/// document hides no other document's findings. Each entry: (character offset, document), with
/// `None` for a document whose syntax error was reported.
fn parse_documents<'a>(source: &'a source::SourceFile, file: FileId, diagnostics: &mut Diagnostics) -> Vec<(usize, Option<MarkedYaml<'a>>)> {
    match MarkedYaml::load_from_str(&source.text) {
        Ok(docs) => docs.into_iter().map(|d| (0, Some(d))).collect(),
        Err(_) => {
            let mut docs = Vec::new();
            for (bytes, char_offset) in split_documents(&source.text) {
                match MarkedYaml::load_from_str(&source.text[bytes]) {
                    Ok(parsed) => docs.extend(parsed.into_iter().map(|d| (char_offset, Some(d)))),
                    Err(e) => {
                        let mut byte = source.byte_of_char(char_offset + e.marker().index());
                        if e.info().contains("tab") {
                            // saphyr marks the character after the tabs; point at the first tab of the run
                            byte -= source.text[..byte].bytes().rev().take_while(|&b| b == b'\t').count();
                        }
                        let end = (byte + 1).min(source.text.len()).max(byte);
                        diagnostics.push(
                            Diagnostic::error("load/yaml-syntax", format!("invalid YAML: {}", e.info()))
                                .at(Some(Location { file, bytes: byte..end }))
                                .hint("this document was not read; fix its syntax first"),
                        );
                        docs.push((char_offset, None));
                    }
                }
            }
            docs
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
                .path("/apiVersion")
                .hint(format!("use `{API_VERSION}`")),
        );
    }
    if group != GROUP {
        return if options.strict {
            let message = format!("{kind} ({api_version}) is not a Rivven resource");
            Route::Reject(Diagnostic::error("load/foreign-kind", message).path("/kind").hint("remove it, or run without --strict to skip it"))
        } else {
            let message = format!("skipped {kind} ({api_version}): not a Rivven resource");
            Route::Skip(Diagnostic::note("load/foreign-kind", message).path("/kind"))
        };
    }
    if api_version != API_VERSION {
        return Route::Reject(
            Diagnostic::error("load/api-version", format!("unsupported apiVersion `{api_version}`"))
                .path("/apiVersion")
                .hint(format!("use `{API_VERSION}`")),
        );
    }
    match Kind::from_name(kind) {
        Some(kind) => Route::Rivven(kind),
        None => {
            let names: Vec<&str> = Kind::ALL.iter().map(|k| k.name()).collect();
            let mut d = Diagnostic::error("load/unknown-kind", format!("unknown kind `{kind}` in {GROUP}")).path("/kind");
            d = match crate::validate::suggest::closest(kind, names.iter().copied()) {
                Some(s) => d.hint(format!("did you mean `{s}`?")),
                None => d.hint(format!("the kinds are {}", names.join(", "))),
            };
            Route::Reject(d)
        }
    }
}
