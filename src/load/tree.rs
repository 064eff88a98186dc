//! YAML text -> JSON documents plus the source span of every node, built straight from the
//! parser's events (no intermediate YAML tree, so memory stays close to the JSON itself).
//!
//! Limits keep the cost bounded whatever the input: nesting depth, nodes per document (an alias
//! counts with its whole expansion, so "billion laughs" inputs stop early). YAML 1.1 merge keys
//! (`<<: *base`, `<<: [*a, *b]`) are applied as kubectl, Helm and Argo CD apply them: keys written
//! in the mapping win, and an earlier merge source wins over a later one. Merged keys keep the spans
//! of the anchored mapping they came from, so findings point where the value is written.
//!
//! Numbers: a float without a fractional part (`3.0`, `1e3`) is the integer it denotes, as
//! Kubernetes' decoder reads it (YAML -> JSON -> Go integer).
use std::borrow::Cow;
use std::collections::HashMap;
use std::ops::Range;

use saphyr::{Scalar, ScalarStyle, Tag};
use saphyr_parser::{Event, Parser, Span};
use serde_json::{Map, Number, Value};

use crate::source::SourceFile;
use super::spans::{clamp, pointer_hash, Packed};
pub use super::spans::{NodeSpan, SpanIndex};
pub use crate::source::pointer::escape_token;

/// Deepest nesting of mappings and lists in a document.
pub const MAX_DEPTH: usize = 100;
/// Most nodes (keys and alias expansions counted) in one document.
pub const MAX_NODES_PER_DOCUMENT: usize = 1_000_000;
/// Most nodes that aliases may add to one file (all its documents together, so that many small
/// alias bombs cost no more than one).
pub const MAX_ALIAS_NODES_PER_FILE: usize = 100_000;

pub use crate::diagnostics::LIMIT_RULE;

/// A document that could not be turned into JSON (the reason and the culprit's bytes).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValueError {
    /// The rule: `load/yaml-syntax` for YAML the spec forbids (duplicate keys), [`LIMIT_RULE`] for a
    /// limit, else `load/yaml-value`.
    pub rule: &'static str,
    /// What is wrong.
    pub message: String,
    /// Where.
    pub bytes: Range<usize>,
}

/// One document of a stream.
pub type ParsedDocument = Result<(Value, SpanIndex), ValueError>;

/// The parser gave up: the message and the character index (in the parsed text) where it stopped.
#[derive(Debug, Clone)]
pub struct SyntaxError {
    /// saphyr's description.
    pub message: String,
    /// Character index in the parsed text.
    pub char_index: usize,
}

/// Parses `text`, which starts at character `char_offset` of `file`, into its documents. Documents
/// completed before a syntax error are returned with it.
pub fn parse_stream(text: &str, file: &SourceFile, char_offset: usize, alias_nodes: &mut usize) -> (Vec<ParsedDocument>, Option<SyntaxError>) {
    let mut documents = Vec::new();
    let error = parse_each(text, file, char_offset, alias_nodes, &mut |doc, _| documents.push(doc));
    (documents, error)
}

/// The documents of a whole file, without the empty ones (a lone `---`, only comments), and the
/// syntax error that stopped the parser, if any.
pub fn documents(file: &SourceFile) -> (Vec<ParsedDocument>, Option<SyntaxError>) {
    let mut alias_nodes = 0;
    let (documents, error) = parse_stream(&file.text, file, 0, &mut alias_nodes);
    (documents.into_iter().filter(|d| !matches!(d, Ok((Value::Null, _)))).collect(), error)
}

/// Like [`parse_stream`], handing each document to `each` as soon as it is complete, with the
/// character index (in `text`) where its end was seen, so that only one document's tree is built at a time.
/// `alias_nodes` counts the nodes aliases added so far in the file, against [`MAX_ALIAS_NODES_PER_FILE`].
pub fn parse_each(text: &str, file: &SourceFile, char_offset: usize, alias_nodes: &mut usize, each: &mut dyn FnMut(ParsedDocument, usize)) -> Option<SyntaxError> {
    let mut builder = Builder::new(file, char_offset);
    builder.alias_nodes = *alias_nodes;
    let mut error = None;
    for event in Parser::new_from_str(text) {
        match event {
            Ok((event, span)) => {
                if let Some(done) = builder.event(event, span) {
                    each(done, span.start.index());
                }
            }
            Err(e) => {
                error = Some(SyntaxError { message: e.info().to_owned(), char_index: e.marker().index() });
                break;
            }
        }
    }
    *alias_nodes = builder.alias_nodes;
    error
}

/// A value that an anchor names, with the spans of its subtree relative to it.
struct Anchor {
    value: Value,
    spans: Vec<(String, Packed)>,
    nodes: usize,
}

enum Container {
    Seq(Vec<Value>),
    Map {
        map: Map<String, Value>,
        /// The key read, waiting for its value: (key, key span, is a merge key).
        key: Option<(String, Range<usize>, bool)>,
        /// Merge sources (`<<`) in order, each with the prefix its spans were recorded under.
        merges: Vec<(Value, String)>,
    },
}

struct Frame {
    container: Container,
    anchor: usize,
    /// Index of this node's span entry.
    entry: usize,
    /// Length of the pointer of this node.
    pointer_len: usize,
    start: usize,
}

struct Builder<'a> {
    file: &'a SourceFile,
    char_offset: usize,
    pointer: String,
    /// Spans of the current document in pre-order; a tombstone has an empty pointer and `dead`.
    entries: Vec<(String, Packed, bool)>,
    stack: Vec<Frame>,
    anchors: HashMap<usize, Anchor>,
    nodes: usize,
    alias_nodes: usize,
    root: Option<Value>,
    error: Option<ValueError>,
}

/// What a node is, from its parent's point of view.
enum Slot {
    Root,
    Item,
    Value(Option<Range<usize>>),
    Key,
}

impl<'a> Builder<'a> {
    fn new(file: &'a SourceFile, char_offset: usize) -> Self {
        Self {
            file,
            char_offset,
            pointer: String::new(),
            entries: Vec::new(),
            stack: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            alias_nodes: 0,
            root: None,
            error: None,
        }
    }

    fn bytes(&self, span: &Span) -> Range<usize> {
        let start = self.file.byte_of_char(self.char_offset + span.start.index());
        let end = self.file.byte_of_char(self.char_offset + span.end.index()).max(start);
        start..end
    }

    fn fail(&mut self, message: impl Into<String>, bytes: Range<usize>) {
        self.fail_with("load/yaml-value", message, bytes);
    }

    fn fail_with(&mut self, rule: &'static str, message: impl Into<String>, bytes: Range<usize>) {
        if self.error.is_none() {
            self.error = Some(ValueError { rule, message: message.into(), bytes });
        }
    }

    /// Handles one event; returns a finished document.
    fn event(&mut self, event: Event<'_>, span: Span) -> Option<ParsedDocument> {
        if let Event::DocumentEnd = event {
            return Some(self.finish());
        }
        if self.error.is_some() {
            return None; // the rest of a broken document is skipped
        }
        let bytes = self.bytes(&span);
        match event {
            Event::Scalar(text, style, anchor, tag) => self.scalar(text, style, anchor, tag.as_deref(), bytes),
            Event::Alias(id) => self.alias(id, bytes),
            Event::SequenceStart(anchor, _) => self.open(Container::Seq(Vec::new()), anchor, bytes),
            Event::MappingStart(anchor, _) => self.open(Container::Map { map: Map::new(), key: None, merges: Vec::new() }, anchor, bytes),
            Event::SequenceEnd | Event::MappingEnd => self.close(bytes),
            _ => {}
        }
        None
    }

    fn finish(&mut self) -> ParsedDocument {
        let entries = std::mem::take(&mut self.entries);
        self.stack.clear();
        self.anchors.clear();
        self.pointer.clear();
        self.nodes = 0;
        let root = self.root.take();
        if let Some(error) = self.error.take() {
            return Err(error);
        }
        let mut index = SpanIndex { spans: HashMap::with_capacity(entries.len()) };
        for (pointer, packed, dead) in entries {
            if !dead {
                index.spans.insert(pointer_hash(&pointer), packed);
            }
        }
        Ok((root.unwrap_or(Value::Null), index))
    }

    /// Where the next node goes; extends the pointer for it.
    fn slot(&mut self) -> Slot {
        match self.stack.last() {
            None => Slot::Root,
            Some(Frame { container: Container::Seq(items), .. }) => {
                self.pointer.push('/');
                self.pointer.push_str(&items.len().to_string());
                Slot::Item
            }
            Some(Frame { container: Container::Map { key: None, .. }, .. }) => Slot::Key,
            Some(Frame { container: Container::Map { key: Some((key, span, _)), .. }, .. }) => {
                let span = span.clone();
                self.pointer.push('/');
                self.pointer.push_str(&escape_token(key));
                Slot::Value(Some(span))
            }
        }
    }

    fn count(&mut self, n: usize, bytes: &Range<usize>) -> bool {
        self.nodes += n;
        if self.nodes > MAX_NODES_PER_DOCUMENT {
            self.fail_with(LIMIT_RULE, format!("the document has more than {MAX_NODES_PER_DOCUMENT} values, the limit of one document"), bytes.clone());
            return false;
        }
        true
    }

    fn record(&mut self, slot: &Slot, bytes: &Range<usize>) -> usize {
        let key = match slot {
            Slot::Value(k) => k.as_ref(),
            _ => None,
        };
        self.entries.push((self.pointer.clone(), Packed::new(key, bytes), false));
        self.entries.len() - 1
    }

    fn scalar(&mut self, text: Cow<'_, str>, style: ScalarStyle, anchor: usize, tag: Option<&Tag>, bytes: Range<usize>) {
        let slot = self.slot();
        if !self.count(1, &bytes) {
            return;
        }
        let plain = style == ScalarStyle::Plain;
        if let Slot::Key = slot {
            let merge = plain && text == "<<" && tag.is_none_or(|t| t.is_yaml_core_schema() && t.suffix == "merge");
            let key = match resolve(&text, style, tag) {
                Ok(Value::String(s)) => s,
                Ok(Value::Null) => String::new(),
                Ok(Value::Number(_)) => text.into_owned(),
                Ok(other) => other.to_string(),
                Err(message) => return self.fail(message, bytes),
            };
            if anchor > 0 {
                self.anchors.insert(anchor, Anchor { value: Value::String(key.clone()), spans: Vec::new(), nodes: 1 });
            }
            if let Some(Frame { container: Container::Map { key: pending, .. }, .. }) = self.stack.last_mut() {
                *pending = Some((key, bytes, merge));
            }
            return;
        }
        let value = match resolve(&text, style, tag) {
            Ok(v) => v,
            Err(message) => return self.fail(message, bytes),
        };
        let entry = self.record(&slot, &bytes);
        if anchor > 0 {
            let spans = vec![(String::new(), self.entries[entry].1)];
            self.anchors.insert(anchor, Anchor { value: value.clone(), spans, nodes: 1 });
        }
        self.place(slot, value, bytes);
    }

    fn alias(&mut self, id: usize, bytes: Range<usize>) {
        let slot = self.slot();
        let Some(anchor) = self.anchors.get(&id) else {
            return self.fail("an alias to an anchor that is not defined before it", bytes);
        };
        // Checked before anything is copied, so a refused alias costs nothing.
        let nodes = anchor.nodes;
        if self.alias_nodes + nodes > MAX_ALIAS_NODES_PER_FILE {
            self.alias_nodes = MAX_ALIAS_NODES_PER_FILE + 1;
            return self.fail_with(LIMIT_RULE, format!("aliases expand to more than {MAX_ALIAS_NODES_PER_FILE} values in this file"), bytes);
        }
        self.alias_nodes += nodes;
        let (value, spans) = (anchor.value.clone(), anchor.spans.clone());
        if !self.count(nodes, &bytes) {
            return;
        }
        if let Slot::Key = slot {
            let Value::String(key) = value else {
                return self.fail("a mapping key must be a plain value, not a list or mapping", bytes);
            };
            if let Some(Frame { container: Container::Map { key: pending, .. }, .. }) = self.stack.last_mut() {
                *pending = Some((key, bytes, false));
            }
            return;
        }
        // The alias itself stands where it is used; what it expands to keeps the anchor's spans.
        self.record(&slot, &bytes);
        for (relative, packed) in spans.iter().skip(1) {
            self.entries.push((format!("{}{relative}", self.pointer), *packed, false));
        }
        self.place(slot, value, bytes);
    }

    fn open(&mut self, container: Container, anchor: usize, bytes: Range<usize>) {
        let slot = self.slot();
        if let Slot::Key = slot {
            return self.fail("a mapping key must be a plain value, not a list or mapping", bytes);
        }
        if self.stack.len() >= MAX_DEPTH {
            return self.fail_with(LIMIT_RULE, format!("the document nests deeper than {MAX_DEPTH} levels"), bytes);
        }
        if !self.count(1, &bytes) {
            return;
        }
        // A collection's span runs to its end; point at its first line.
        let line_end = self.file.text[bytes.start..].find('\n').map_or(self.file.text.len(), |i| bytes.start + i);
        let first_line = bytes.start..line_end.max(bytes.start);
        let entry = self.record(&slot, &first_line);
        let pointer_len = self.pointer.len();
        self.stack.push(Frame { container, anchor, entry, pointer_len, start: bytes.start });
    }

    fn close(&mut self, bytes: Range<usize>) {
        let Some(frame) = self.stack.pop() else { return };
        let value = match frame.container {
            Container::Seq(items) => Value::Array(items),
            Container::Map { mut map, merges, .. } => {
                self.apply_merges(&mut map, merges, frame.entry, frame.pointer_len);
                Value::Object(map)
            }
        };
        // Restore the pointer of this node, then let `place` pop it back to the parent's.
        self.pointer.truncate(frame.pointer_len);
        let end = clamp(bytes.end.max(frame.start));
        let packed = &mut self.entries[frame.entry].1;
        packed.value.1 = packed.value.1.min(end).max(packed.value.0);
        if frame.anchor > 0 {
            let prefix_len = self.pointer.len();
            let spans: Vec<(String, Packed)> =
                self.entries[frame.entry..].iter().filter(|e| !e.2).map(|(p, s, _)| (p[prefix_len.min(p.len())..].to_owned(), *s)).collect();
            let nodes = count_nodes(&value);
            self.anchors.insert(frame.anchor, Anchor { value: value.clone(), spans, nodes });
        }
        let slot = match self.stack.last() {
            None => Slot::Root,
            Some(Frame { container: Container::Seq(_), .. }) => Slot::Item,
            Some(_) => Slot::Value(None),
        };
        self.place(slot, value, bytes);
    }

    /// Puts a finished node into its parent and restores the parent's pointer.
    fn place(&mut self, slot: Slot, value: Value, bytes: Range<usize>) {
        let parent_len = match self.stack.last() {
            Some(frame) => frame.pointer_len,
            None => 0,
        };
        if let Slot::Root = slot {
            self.root = Some(value);
            self.pointer.clear();
            return;
        }
        let pointer = std::mem::take(&mut self.pointer);
        self.pointer = pointer[..parent_len.min(pointer.len())].to_owned();
        let mut failure = None;
        match self.stack.last_mut().map(|f| &mut f.container) {
            Some(Container::Seq(items)) => items.push(value),
            Some(Container::Map { map, key, merges }) => {
                let Some((name, key_span, merge)) = key.take() else { return };
                if merge {
                    let mappings = match &value {
                        Value::Object(_) => true,
                        Value::Array(items) => items.iter().all(Value::is_object),
                        _ => false,
                    };
                    if !mappings {
                        let message = "a merge key `<<` takes a mapping (usually an alias like `*defaults`) or a list of them".to_owned();
                        failure = Some(("load/yaml-value", message, key_span.start..bytes.end.max(key_span.end)));
                    }
                    merges.push((value, pointer));
                } else if map.insert(name.clone(), value).is_some() {
                    failure = Some(("load/yaml-syntax", format!("invalid YAML: duplicated key `{name}` in mapping"), key_span));
                }
            }
            None => {}
        }
        if let Some((rule, message, span)) = failure {
            self.fail_with(rule, message, span);
        }
    }

    /// Applies `<<` sources: keys already in `map` win; an earlier source wins over a later one.
    /// The merged keys take the spans recorded under the `<<` key (the anchored mapping's own).
    fn apply_merges(&mut self, map: &mut Map<String, Value>, merges: Vec<(Value, String)>, first_entry: usize, own_len: usize) {
        if merges.is_empty() {
            return;
        }
        let own = self.pointer[..own_len.min(self.pointer.len())].to_owned();
        // Source prefix (`/x/<</key` or `/x/<</0/key`) -> the merged key's pointer (`/x/key`).
        let mut moved: HashMap<String, String> = HashMap::new();
        for (value, prefix) in merges {
            let sources: Vec<(Map<String, Value>, String)> = match value {
                Value::Object(m) => vec![(m, prefix)],
                Value::Array(items) => items
                    .into_iter()
                    .enumerate()
                    .filter_map(|(i, item)| match item {
                        Value::Object(m) => Some((m, format!("{prefix}/{i}"))),
                        _ => None,
                    })
                    .collect(),
                _ => Vec::new(),
            };
            for (source, prefix) in sources {
                for (key, value) in source {
                    if map.contains_key(&key) {
                        continue;
                    }
                    let token = escape_token(&key);
                    moved.insert(format!("{prefix}/{token}"), format!("{own}/{token}"));
                    map.insert(key, value);
                }
            }
        }
        let merge_prefix = format!("{own}/<<");
        let mut added = Vec::new();
        for (pointer, packed, dead) in self.entries[first_entry..].iter_mut() {
            let Some(rest) = pointer.strip_prefix(&merge_prefix) else { continue };
            if !rest.is_empty() && !rest.starts_with('/') {
                continue; // a sibling key that merely starts with `<<`
            }
            *dead = true; // `<<` is not a field of the document
            // The source prefix is `/<<` plus one (mapping) or two (list of mappings) tokens.
            let mut ends = rest.match_indices('/').map(|(i, _)| i).skip(1).chain([rest.len()]);
            for _ in 0..2 {
                let Some(end) = ends.next() else { break };
                let from = &pointer[..merge_prefix.len() + end];
                if let Some(to) = moved.get(from) {
                    added.push((format!("{to}{}", &pointer[from.len()..]), *packed, false));
                    break;
                }
            }
        }
        self.entries.extend(added);
    }
}

fn count_nodes(value: &Value) -> usize {
    match value {
        Value::Array(items) => 1 + items.iter().map(count_nodes).sum::<usize>(),
        Value::Object(map) => 1 + map.values().map(count_nodes).sum::<usize>(),
        _ => 1,
    }
}

/// The JSON value of a scalar (YAML 1.2 core schema, as saphyr resolves it).
fn resolve(text: &str, style: ScalarStyle, tag: Option<&Tag>) -> Result<Value, String> {
    let tag_cow: Option<Cow<'_, Tag>> = tag.map(|t| Cow::Owned(t.clone()));
    if let Some(t) = tag {
        if t.is_yaml_core_schema() && !matches!(t.suffix.as_str(), "str" | "int" | "float" | "bool" | "null" | "merge") {
            return Err(format!("the tag `!!{}` is not supported: Kubernetes manifests hold strings, numbers, booleans, lists and mappings", t.suffix));
        }
    }
    let tag_ref = tag_cow.as_ref().filter(|t| t.suffix != "merge");
    let Some(scalar) = Scalar::parse_from_cow_and_metadata(Cow::Borrowed(text), style, tag_ref) else {
        let suffix = tag.map_or("", |t| t.suffix.as_str());
        return Err(format!("`{text}` is not a valid `!!{suffix}` value"));
    };
    Ok(match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(b),
        Scalar::Integer(i) => Value::Number(i.into()),
        Scalar::FloatingPoint(f) => {
            let f = f.into_inner();
            if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e18 {
                Value::Number((f as i64).into())
            } else {
                Value::Number(Number::from_f64(f).ok_or_else(|| "a number JSON cannot hold (.nan or .inf)".to_owned())?)
            }
        }
        Scalar::String(s) => Value::String(s.into_owned()),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn parse(text: &str) -> Vec<ParsedDocument> {
        let file = SourceFile::new("t.yaml".into(), text.into());
        let (docs, error) = parse_stream(text, &file, 0, &mut 0);
        assert!(error.is_none(), "{error:?}");
        docs
    }

    fn one(text: &str) -> (Value, SpanIndex) {
        parse(text).into_iter().next().expect("a document").expect("valid")
    }

    #[test]
    fn merge_keys_follow_yaml_1_1_explicit_keys_win() {
        let text = "base: &b {replicas: 3, version: x}\nother: &o {version: y, image: i}\nspec:\n  <<: [*b, *o]\n  replicas: 1\n";
        let (value, spans) = one(text);
        assert_eq!(value["spec"], json!({"replicas": 1, "version": "x", "image": "i"}));
        // A merged key points at its definition in the anchored mapping.
        let version = spans.get("/spec/version").expect("merged key indexed");
        assert_eq!(&text[version.key.clone().unwrap()], "version");
        assert_eq!(&text[version.value], "x");
        assert!(spans.get("/spec/<<").is_none());
    }

    #[test]
    fn aliases_expand_and_integral_floats_are_integers() {
        let (value, _) = one("a: &x [1, 2]\nb: *x\nc: 3.0\nd: 1e3\ne: 1.5\n");
        assert_eq!(value, json!({"a": [1, 2], "b": [1, 2], "c": 3, "d": 1000, "e": 1.5}));
    }

    #[test]
    fn limits_stop_deep_nesting_and_alias_bombs() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 5), "]".repeat(MAX_DEPTH + 5));
        let err = parse(&deep).remove(0).unwrap_err();
        assert!(err.message.contains("deeper"), "{err:?}");
        let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..8 {
            let prev = if i == 0 { "a".to_owned() } else { format!("l{}", i - 1) };
            bomb.push_str(&format!("l{i}: &l{i} [{}]\n", vec![format!("*{prev}"); 10].join(", ")));
        }
        let err = parse(&bomb).remove(0).unwrap_err();
        assert!(err.message.contains("aliases expand"), "{err:?}");
    }

    #[test]
    fn duplicate_keys_and_bad_merges_are_errors() {
        let err = parse("a: 1\nb: 2\na: 3\n").remove(0).unwrap_err();
        assert!(err.message.contains("duplicated key `a`"));
        assert_eq!(err.bytes, 10..11);
        let err = parse("spec:\n  <<: 3\n").remove(0).unwrap_err();
        assert!(err.message.contains("merge key"), "{err:?}");
    }

    #[test]
    fn spans_point_at_keys_and_values() {
        let text = "spec:\n  items:\n    - name: x\n";
        let (_, spans) = one(text);
        let name = spans.get("/spec/items/0/name").unwrap();
        assert_eq!(&text[name.value], "x");
        assert_eq!(&text[name.key.unwrap()], "name");
        assert_eq!(spans.nearest("/spec/items/0/missing").unwrap(), spans.get("/spec/items/0").unwrap());
    }
}
