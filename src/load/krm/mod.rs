//! Reading a KRM function's input: a `ResourceList` (any `…/ResourceList` or `List` apiVersion),
//! its `items` and `functionConfig`, and where each item stands in the text, so that the output can
//! keep every item it does not replace exactly as it came.
use std::ops::Range;

use serde_json::Value;

pub mod inputs;
pub mod renames;

use super::spans::SpanIndex;
use super::tree;
use crate::source::SourceFile;

/// The input of a function.
#[derive(Debug)]
pub struct ResourceList {
    /// The text as read.
    pub text: String,
    /// The list was written as JSON (the output is JSON too).
    pub json: bool,
    /// The list's `apiVersion`, for the output.
    pub api_version: String,
    /// The list's `kind` (`ResourceList` or `List`).
    pub kind: String,
    /// The items.
    pub items: Vec<Item>,
    /// `functionConfig`, when given.
    pub function_config: Option<Value>,
    /// `results` a previous function left (kept, ours are added).
    pub results: Vec<Value>,
    /// The spans of the whole list (YAML input).
    spans: SpanIndex,
    /// Where the `items` sequence ends (the output adds entries there), for YAML input.
    items_end: usize,
    /// The byte range of the `results` entry (key to the next root key), for YAML input.
    results_region: Option<Range<usize>>,
}

/// One item.
#[derive(Debug)]
pub struct Item {
    /// The item.
    pub value: Value,
    /// Where its sequence entry stands (YAML input): from the start of the line of its `-` to the
    /// next entry.
    pub region: Option<Region>,
}

/// A block sequence entry in the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Region {
    /// Bytes from the start of the line of the entry's `-` up to the next entry (or the end of the
    /// sequence).
    pub bytes: Range<usize>,
    /// Column of the `-`.
    pub indent: usize,
    /// Byte of the `-`.
    pub dash: usize,
}

impl Region {
    /// The entry as a YAML document of its own, at the same lines and columns (the `-` becomes a
    /// space): parsed alone, its positions are those of the list's text, less the lines before it.
    pub fn document(&self, text: &str) -> String {
        let mut entry = text[self.bytes.clone()].to_owned();
        entry.replace_range(self.dash - self.bytes.start..self.dash - self.bytes.start + 1, " ");
        entry
    }

    /// The bytes the entry itself owns: without the blank lines and the comment lines no deeper
    /// than its `-` that end it (they stand above the next entry, and stay when this one is cut).
    pub fn owned(&self, text: &str) -> Range<usize> {
        let mut end = self.bytes.end;
        while end > self.bytes.start {
            let line_begin = line_start(text, end - 1);
            if line_begin <= self.dash {
                break;
            }
            let line = &text[line_begin..end];
            let indent = line.len() - line.trim_start_matches(' ').len();
            let trailing = line.trim().is_empty() || (line.trim_start().starts_with('#') && indent <= self.indent);
            if !trailing {
                break;
            }
            end = line_begin;
        }
        self.bytes.start..end
    }
}

/// Reads a function's input; `Err` says why it is not a ResourceList.
pub fn read(text: String) -> Result<ResourceList, String> {
    let json = text.trim_start().starts_with('{');
    let file = SourceFile::new("<stdin>".into(), text);
    let (documents, error) = tree::documents(&file);
    if let Some(e) = error {
        let (line, column) = file.line_col(file.byte_of_char(e.char_index));
        return Err(format!("the function input is not YAML (line {line}, column {column}): {}", e.message));
    }
    let mut documents = documents.into_iter();
    let (value, spans) = match (documents.next(), documents.next()) {
        (Some(Ok(doc)), None) => doc,
        (Some(Err(e)), _) => return Err(format!("the function input cannot be read: {}", e.message)),
        (None, _) => return Err("the function input is empty: a ResourceList was expected on standard input".into()),
        (Some(Ok(_)), Some(_)) => return Err("the function input holds several documents: one ResourceList was expected".into()),
    };
    let text = |pointer: &str| value.pointer(pointer).and_then(Value::as_str).unwrap_or_default().to_owned();
    let (api_version, kind) = (text("/apiVersion"), text("/kind"));
    if !value.is_object() || !matches!(kind.as_str(), "ResourceList" | "List") {
        return Err(format!("the function input is a `{kind}`, not a ResourceList (kind ResourceList or List)"));
    }
    let list = |key: &str| match value.get(key) {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(entries)) => Ok(entries.clone()),
        Some(_) => Err(format!("`{key}` of the ResourceList is not a list")),
    };
    let entries = list("items")?;
    let results = list("results")?;
    if let Some(i) = entries.iter().position(|e| !e.is_object()) {
        return Err(format!("items[{i}] of the ResourceList is not an object"));
    }
    let function_config = value.get("functionConfig").filter(|c| !c.is_null()).cloned();
    let source = file.text.as_str();
    let (mut items_end, mut results_region) = (source.len(), None);
    let mut regions = vec![None; entries.len()];
    if !json {
        items_end = sequence_end(source, &spans, &value, "items");
        results_region = spans.get("/results").and_then(|s| s.key).map(|key| line_start(source, key.start)..sequence_end(source, &spans, &value, "results"));
        let starts: Vec<usize> = (0..entries.len()).filter_map(|i| spans.get(&format!("/items/{i}")).map(|s| s.value.start)).collect();
        if starts.len() != entries.len() {
            return Err("the ResourceList's items have no positions".into());
        }
        let dashes: Vec<usize> = starts.iter().map(|&s| dash_before(source, s)).collect::<Option<_>>().ok_or_else(|| {
            "the ResourceList's items are written as a flow sequence (`items: [...]`): write them as a block sequence (`- ` entries), as kustomize and kpt do, or send the whole list as JSON".to_owned()
        })?;
        for (i, &dash) in dashes.iter().enumerate() {
            let start = line_start(source, dash);
            let end = dashes.get(i + 1).map_or(items_end, |&next| line_start(source, next));
            regions[i] = Some(Region { bytes: start..end.max(start), indent: dash - start, dash });
        }
    }
    let items = entries.into_iter().zip(regions).map(|(value, region)| Item { value, region }).collect();
    let text = std::sync::Arc::try_unwrap(file.text).unwrap_or_else(|shared| (*shared).clone());
    Ok(ResourceList { text, json, api_version, kind, items, function_config, results, spans, items_end, results_region })
}

impl ResourceList {
    /// Where the `items` sequence ends, and the byte range of the `results` entry (YAML input).
    pub fn layout(&self) -> (usize, Option<Range<usize>>) {
        (self.items_end, self.results_region.clone())
    }

    /// The value span of a node of the list (YAML input), e.g. `/functionConfig/spec/resources/0`.
    pub fn span(&self, pointer: &str) -> Option<Range<usize>> {
        self.spans.get(pointer).map(|s| s.value)
    }

    /// The block sequence entry whose value starts at `value.start` (YAML input): its `-` line and
    /// the lines after it that are blank or indented deeper than the `-`.
    pub fn entry(&self, value: Range<usize>) -> Option<Region> {
        let dash = dash_before(&self.text, value.start)?;
        let start = line_start(&self.text, dash);
        let indent = dash - start;
        let mut end = line_end(&self.text, dash);
        while end < self.text.len() {
            let next = line_end(&self.text, end);
            let line = &self.text[end..next];
            let deeper = line.len() - line.trim_start_matches(' ').len() > indent;
            if !(line.trim().is_empty() || line.trim_start().starts_with('#') || deeper) {
                break;
            }
            end = next;
        }
        Some(Region { bytes: start..end, indent, dash })
    }

    /// The span of the `items` value, when the key is written (an empty `items: []` is replaced whole).
    pub fn items_value(&self) -> Option<Range<usize>> {
        self.spans.get("/items").filter(|s| s.key.is_some()).map(|s| s.value)
    }
}

/// Byte of the `-` of the block sequence entry whose value starts at `start`: before the value on
/// its line only blanks and `-`, or the `-` on an earlier line with only blanks or a comment after
/// it (`- # note`), and nothing but blank and comment lines between. `None` for anything else (a
/// flow sequence).
fn dash_before(text: &str, start: usize) -> Option<usize> {
    let mut begin = line_start(text, start);
    let mut upto = start.min(text.len());
    loop {
        let part = &text[begin..upto];
        let content = part.split('#').next().unwrap_or_default().trim_end_matches([' ', '\t', '\r']);
        let indent = content.len() - content.trim_start_matches(' ').len();
        match &content[indent..] {
            "-" => return Some(begin + indent),
            "" if begin > 0 => {
                upto = begin - 1;
                begin = line_start(text, upto);
            }
            _ => return None,
        }
    }
}

fn line_start(text: &str, byte: usize) -> usize {
    text[..byte.min(text.len())].rfind('\n').map_or(0, |i| i + 1)
}

/// The byte after the line break ending the line of `byte` (or the end of the text).
fn line_end(text: &str, byte: usize) -> usize {
    text[byte.min(text.len())..].find('\n').map_or(text.len(), |i| byte + i + 1)
}

/// Where the root entry `key` ends: at the line of the next root key written after it, at a
/// document end marker, or at the end of the text.
fn sequence_end(text: &str, spans: &SpanIndex, value: &Value, key: &str) -> usize {
    let Some(start) = spans.get(&format!("/{key}")).and_then(|s| s.key).map(|k| k.start) else {
        return text.len();
    };
    let next_key = value
        .as_object()
        .into_iter()
        .flat_map(|m| m.keys())
        .filter_map(|k| spans.get(&format!("/{}", tree::escape_token(k))).and_then(|s| s.key).map(|r| r.start))
        .filter(|&s| s > start)
        .min()
        .map(|s| line_start(text, s));
    next_key.into_iter().chain([document_end(text)]).min().unwrap_or(text.len())
}

/// Where the list's document ends: at a last `...` or `---` line (only blank lines after it), or at
/// the end of the text. Edits and additions go before it.
pub fn document_end(text: &str) -> usize {
    let body = text.trim_end_matches(['\n', '\r', ' ', '\t']);
    let last_line = line_start(body, body.len());
    match body[last_line..].trim_end() {
        "..." | "---" if last_line > 0 => last_line,
        _ => text.len(),
    }
}

/// The `config.kubernetes.io/…` and `internal.config.kubernetes.io/…` annotations kustomize and kpt
/// add to items, and whether an annotation key is one of them.
pub fn is_function_annotation(key: &str) -> bool {
    key.starts_with("config.kubernetes.io/") || key.starts_with("internal.config.kubernetes.io/") || key == "config.k8s.io/id" || key.starts_with("kustomize.config.k8s.io/")
}

/// The item without the annotations functions add (to compare it with the file it came from).
pub fn without_function_annotations(item: &Value) -> Value {
    let mut item = item.clone();
    if let Some(metadata) = item.get_mut("metadata").and_then(Value::as_object_mut) {
        if let Some(annotations) = metadata.get_mut("annotations").and_then(Value::as_object_mut) {
            annotations.retain(|k, _| !is_function_annotation(k));
            if annotations.is_empty() {
                metadata.remove("annotations");
            }
        }
    }
    item
}

/// An annotation of an item.
pub fn annotation<'v>(item: &'v Value, key: &str) -> Option<&'v str> {
    item.pointer("/metadata/annotations").and_then(|a| a.get(key)).and_then(Value::as_str)
}

/// The path annotations of an item: kpt's and kustomize's current one, then the legacy one.
pub const PATH_ANNOTATIONS: [&str; 2] = ["internal.config.kubernetes.io/path", "config.kubernetes.io/path"];
/// The index annotations, in the same order.
pub const INDEX_ANNOTATIONS: [&str; 2] = ["internal.config.kubernetes.io/index", "config.kubernetes.io/index"];

/// The file an item says it belongs to (its path annotation).
pub fn item_path(item: &Value) -> Option<&str> {
    PATH_ANNOTATIONS.iter().find_map(|key| annotation(item, key))
}

/// The item's place in that file (its index annotation; 0 without one).
pub fn item_index(item: &Value) -> usize {
    INDEX_ANNOTATIONS.iter().find_map(|key| annotation(item, key)).and_then(|i| i.parse().ok()).unwrap_or(0)
}

/// Whether an item is a Rivven resource (the function renders it).
pub fn is_rivven(item: &Value) -> bool {
    item.get("apiVersion").and_then(Value::as_str).and_then(|v| v.strip_prefix(crate::model::GROUP)).is_some_and(|rest| rest.starts_with('/'))
}

/// Whether a document is rivven-render's own `RivvenRender` config.
pub fn is_render_config(document: &Value) -> bool {
    let field = |key: &str| document.get(key).and_then(Value::as_str);
    field("apiVersion") == Some(crate::model::RENDER_CONFIG_API_VERSION) && field("kind") == Some(crate::model::RENDER_CONFIG_KIND)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIST: &str = "apiVersion: config.kubernetes.io/v1
kind: ResourceList
items:
- apiVersion: v1
  kind: ConfigMap
  metadata:
    name: a
  data:
    mode: 0755
# between
- apiVersion: rivven.hupe1980.github.io/v1alpha1
  kind: RivvenCluster
  metadata:
    name: demo
  spec:
    replicas: 1
functionConfig:
  apiVersion: rivven-render.github.io/v1alpha1
  kind: RivvenRender
  spec:
    resources:
      - apiVersion: rivven.hupe1980.github.io/v1alpha1
        kind: RivvenTopic
        metadata: {name: t}
";

    #[test]
    fn items_are_found_with_the_text_of_their_entries() {
        let list = read(LIST.into()).unwrap();
        assert_eq!(list.items.len(), 2);
        let first = list.items[0].region.clone().unwrap();
        assert_eq!(&LIST[first.bytes.clone()], "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n  data:\n    mode: 0755\n# between\n");
        let second = list.items[1].region.clone().unwrap();
        assert!(LIST[second.bytes.clone()].starts_with("- apiVersion: rivven"));
        assert!(LIST[second.bytes.clone()].ends_with("    replicas: 1\n"));
        assert_eq!(second.document(LIST).lines().next(), Some("  apiVersion: rivven.hupe1980.github.io/v1alpha1"));
        let inline = list.span("/functionConfig/spec/resources/0").and_then(|s| list.entry(s)).unwrap();
        assert_eq!(inline.indent, 6);
        assert!(inline.document(&list.text).starts_with("        apiVersion:"));
        assert_eq!(list.function_config.as_ref().unwrap()["kind"], "RivvenRender");
    }

    #[test]
    fn entries_are_found_after_comments_blank_lines_and_with_crlf() {
        let text = "---\r\nkind: ResourceList\r\nitems:\r\n  - kind: A\r\n  # between\r\n\r\n  - # a note\r\n    kind: RivvenCluster\r\n  -\r\n    kind: B\r\n...\r\n";
        let list = read(text.into()).unwrap();
        let regions: Vec<&str> = list.items.iter().map(|i| &text[i.region.clone().unwrap().bytes]).collect();
        assert_eq!(regions, ["  - kind: A\r\n  # between\r\n\r\n", "  - # a note\r\n    kind: RivvenCluster\r\n", "  -\r\n    kind: B\r\n"]);
        let doc = list.items[1].region.as_ref().unwrap().document(text);
        assert_eq!(doc, "    # a note\r\n    kind: RivvenCluster\r\n");
        // What stands above the next entry is not the entry's own.
        let first = list.items[0].region.as_ref().unwrap();
        assert_eq!(&text[first.owned(text)], "  - kind: A\r\n");
    }

    #[test]
    fn what_is_not_a_resource_list_is_refused_with_a_reason() {
        for (text, why) in [
            ("", "empty"),
            ("kind: ConfigMap\n", "not a ResourceList"),
            ("kind: ResourceList\nitems: [{a: 1}]\n", "flow sequence"),
            ("kind: ResourceList\nitems: 3\n", "not a list"),
            ("kind: ResourceList\nitems:\n- 3\n", "not an object"),
            ("kind: ResourceList\n---\nkind: ResourceList\n", "several documents"),
            ("kind: ResourceList\nitems:\n- a: [\n", "not YAML"),
        ] {
            let e = read(text.into()).unwrap_err();
            assert!(e.contains(why), "{text:?}: {e}");
        }
        let json = read(r#"{"apiVersion":"v1","kind":"List","items":[{"kind":"ConfigMap"}]}"#.into()).unwrap();
        assert!(json.json && json.items[0].region.is_none());
    }

    #[test]
    fn function_annotations_are_ignored_when_comparing_with_the_file() {
        let item = serde_json::json!({"metadata": {"name": "a", "annotations": {"config.kubernetes.io/index": "0", "internal.config.kubernetes.io/path": "a.yaml"}}});
        assert_eq!(without_function_annotations(&item), serde_json::json!({"metadata": {"name": "a"}}));
    }
}
