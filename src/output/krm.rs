//! Writing a KRM function's output: the input `ResourceList` with the replaced items cut out and
//! the rendered objects put in their place. Every other byte of the input stays as it was, so items
//! the function does not own pass through exactly (no YAML reader's reading of `0755` or `on` can
//! change them). Rendered objects are one-line JSON mappings (valid YAML, read the same by YAML 1.1
//! and 1.2 readers).
use std::collections::BTreeSet;
use std::io;
use std::ops::Range;

use serde_json::{json, Value};

use crate::load::krm::ResourceList;

/// The output list: `remove` holds the indices of the items replaced by `objects` (put where the
/// first of them stood, or at the end of `items`), `results` is appended to the input's results.
pub fn write(list: &ResourceList, remove: &BTreeSet<usize>, objects: &[Value], results: &[Value]) -> String {
    let all_results: Vec<Value> = list.results.iter().cloned().chain(results.iter().cloned()).collect();
    if list.json {
        let items: Vec<Value> = list.items.iter().enumerate().filter(|(i, _)| !remove.contains(i)).map(|(_, item)| item.value.clone()).chain(objects.iter().cloned()).collect();
        let mut out = json!({"apiVersion": list.api_version, "kind": list.kind, "items": items});
        if let Some(config) = &list.function_config {
            out["functionConfig"] = config.clone();
        }
        if !all_results.is_empty() {
            out["results"] = Value::Array(all_results);
        }
        return serde_json::to_string_pretty(&out).expect("JSON values serialize") + "\n";
    }
    let (items_end, results_region) = list.layout();
    let mut edits: Vec<(Range<usize>, String)> = Vec::new();
    let indent = list.items.iter().find_map(|i| i.region.as_ref()).map_or(0, |r| r.indent);
    let entries = |indent: usize| objects.iter().map(|o| format!("{}- {}\n", " ".repeat(indent), one_line(o))).collect::<String>();
    let mut placed = false;
    for (i, item) in list.items.iter().enumerate() {
        if let (true, Some(region)) = (remove.contains(&i), &item.region) {
            edits.push((region.owned(&list.text), if placed { String::new() } else { entries(region.indent) }));
            placed = true;
        }
    }
    if !placed && !objects.is_empty() {
        if list.items.is_empty() {
            // `items: []`, `items:` or no `items` at all: the whole key is written anew.
            match list.items_value() {
                Some(value) => {
                    let line = line_of(&list.text, value.start);
                    edits.push((line, format!("items:\n{}", entries(0))));
                }
                None => {
                    let end = crate::load::krm::document_end(&list.text);
                    edits.push((end..end, format!("{}items:\n{}", newline_if_needed(&list.text[..end]), entries(0))));
                }
            }
        } else {
            edits.push((items_end..items_end, format!("{}{}", newline_if_needed(&list.text[..items_end]), entries(indent))));
        }
    }
    if let Some(region) = results_region {
        edits.push((region, String::new()));
    }
    edits.sort_by_key(|(range, _)| (range.start, range.end));
    let mut out = String::with_capacity(list.text.len() + objects.len() * 512);
    let mut at = 0;
    for (range, text) in edits {
        out.push_str(&list.text[at..range.start.max(at)]);
        out.push_str(&text);
        at = at.max(range.end);
    }
    // Results go at the end of the list's document: before a closing `...` marker, if there is one.
    let end = crate::load::krm::document_end(&list.text).max(at);
    out.push_str(&list.text[at..end]);
    out.push_str(newline_if_needed(&out));
    out.push_str(&results_entry(&all_results));
    out.push_str(&list.text[end..]);
    out
}

/// The output of a failed run: no items at all (a partial list could be applied), only results.
pub fn write_failure(api_version: &str, results: &[Value]) -> String {
    let api_version = if api_version.is_empty() { "config.kubernetes.io/v1" } else { api_version };
    format!("apiVersion: {}\nkind: ResourceList\nitems: []\n{}", one_line(&Value::from(api_version)), results_entry(results))
}

/// The `results:` entry of a list (nothing without results).
fn results_entry(results: &[Value]) -> String {
    if results.is_empty() {
        return String::new();
    }
    let entries: String = results.iter().map(|r| format!("- {}\n", one_line(r))).collect();
    format!("results:\n{entries}")
}

/// Directory, in the `path` annotations of rendered objects, that kpt writes them to.
pub const OUTPUT_DIR: &str = "rivven-render";

/// The rendered objects as items, each with `path` and `index` annotations of its own (kpt writes
/// each to `rivven-render/<file>`; a path some item of the list already has is not taken).
pub fn items_of(objects: Vec<crate::render::RenderedObject>, list: &ResourceList) -> Vec<Value> {
    let taken: BTreeSet<&str> = list.items.iter().filter_map(|i| crate::load::krm::item_path(&i.value)).collect();
    objects
        .into_iter()
        .map(|object| {
            let mut path = format!("{OUTPUT_DIR}/{}", super::file_name(&object));
            while taken.contains(path.as_str()) {
                path = format!("{OUTPUT_DIR}/_{}", &path[OUTPUT_DIR.len() + 1..]);
            }
            let mut value = object.value;
            let metadata = value["metadata"].as_object_mut().expect("rendered objects have metadata");
            if let Some(a) = metadata.entry("annotations").or_insert_with(|| Value::Object(Default::default())).as_object_mut() {
                for (path_key, index_key) in crate::load::krm::PATH_ANNOTATIONS.iter().zip(crate::load::krm::INDEX_ANNOTATIONS) {
                    a.insert((*path_key).into(), Value::from(path.clone()));
                    a.insert(index_key.into(), Value::from("0"));
                }
            }
            value
        })
        .collect()
}

fn newline_if_needed(text: &str) -> &'static str {
    if text.is_empty() || text.ends_with('\n') {
        ""
    } else {
        "\n"
    }
}

/// The bytes of the line holding `byte`, with its line break.
fn line_of(text: &str, byte: usize) -> Range<usize> {
    let start = text[..byte].rfind('\n').map_or(0, |i| i + 1);
    let end = text[byte..].find('\n').map_or(text.len(), |i| byte + i + 1);
    start..end
}

/// A value as one line of JSON with a blank after every `:` and `,` (a flow mapping every YAML
/// reader takes, whatever its version).
pub fn one_line(value: &Value) -> String {
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::with_formatter(&mut out, Spaced);
    serde::Serialize::serialize(value, &mut serializer).expect("JSON values serialize");
    String::from_utf8(out).expect("JSON is UTF-8")
}

/// serde_json's compact output with blanks after separators.
struct Spaced;

/// `, ` before every entry of a list or mapping but the first.
fn separator<W: ?Sized + io::Write>(writer: &mut W, first: bool) -> io::Result<()> {
    if first {
        Ok(())
    } else {
        writer.write_all(b", ")
    }
}

impl serde_json::ser::Formatter for Spaced {
    fn begin_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        separator(writer, first)
    }

    fn begin_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W, first: bool) -> io::Result<()> {
        separator(writer, first)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        writer.write_all(b": ")
    }

    /// U+0085, U+2028 and U+2029 are line breaks to YAML 1.1 readers (Go's, PyYAML): escaped, so
    /// the string reads back as written.
    fn write_string_fragment<W: ?Sized + io::Write>(&mut self, writer: &mut W, fragment: &str) -> io::Result<()> {
        let mut rest = fragment;
        while let Some((i, c)) = rest.char_indices().find(|(_, c)| matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')) {
            writer.write_all(&rest.as_bytes()[..i])?;
            write!(writer, "\\u{:04X}", c as u32)?;
            rest = &rest[i + c.len_utf8()..];
        }
        writer.write_all(rest.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::krm::read;

    #[test]
    fn kept_items_pass_through_byte_for_byte_and_objects_take_the_first_replaced_place() {
        let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  data: {mode: 0755, on: on}\n- kind: RivvenCluster\n  metadata:\n    name: a\n- kind: Keep\n  x: 1e3\n- kind: RivvenTopic\nfunctionConfig:\n  kind: RivvenRender\n";
        let list = read(input.into()).unwrap();
        let objects = [json!({"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "on"}}), json!({"kind": "Service"})];
        let out = write(&list, &BTreeSet::from([1, 3]), &objects, &[json!({"message": "m", "severity": "info"})]);
        assert_eq!(
            out,
            "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  data: {mode: 0755, on: on}\n- {\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"data\": {\"a\": \"on\"}}\n- {\"kind\": \"Service\"}\n- kind: Keep\n  x: 1e3\nfunctionConfig:\n  kind: RivvenRender\nresults:\n- {\"message\": \"m\", \"severity\": \"info\"}\n"
        );
        let reread = read(out).unwrap();
        assert_eq!(reread.items.len(), 4);
    }

    #[test]
    fn a_generator_fills_an_empty_list_and_old_results_are_kept() {
        let input = "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems: []\nresults:\n- message: earlier\nfunctionConfig:\n  kind: RivvenRender\n";
        let list = read(input.into()).unwrap();
        let out = write(&list, &BTreeSet::new(), &[json!({"kind": "ConfigMap"})], &[json!({"message": "ours"})]);
        assert_eq!(out, "apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n- {\"kind\": \"ConfigMap\"}\nfunctionConfig:\n  kind: RivvenRender\nresults:\n- {\"message\": \"earlier\"}\n- {\"message\": \"ours\"}\n");
        let without_items = read("kind: ResourceList\nfunctionConfig: {kind: RivvenRender}".into()).unwrap();
        let out = write(&without_items, &BTreeSet::new(), &[json!({"kind": "ConfigMap"})], &[]);
        assert_eq!(out, "kind: ResourceList\nfunctionConfig: {kind: RivvenRender}\nitems:\n- {\"kind\": \"ConfigMap\"}\n");
        assert_eq!(read(out).unwrap().items.len(), 1);
    }

    #[test]
    fn results_stay_inside_a_document_closed_by_its_end_marker() {
        let list = read("---\r\nkind: ResourceList\r\nitems:\r\n- kind: RivvenCluster\r\n...\r\n".into()).unwrap();
        let out = write(&list, &BTreeSet::from([0]), &[json!({"kind": "ConfigMap"})], &[json!({"message": "m"})]);
        assert_eq!(out, "---\r\nkind: ResourceList\r\nitems:\r\n- {\"kind\": \"ConfigMap\"}\nresults:\n- {\"message\": \"m\"}\n...\r\n");
        let reread = read(out).unwrap();
        assert_eq!((reread.items.len(), reread.results.len()), (1, 1));
    }

    #[test]
    fn yaml_1_1_line_breaks_inside_strings_are_escaped() {
        assert_eq!(one_line(&json!({"a": "x\u{85}y\u{2028}z\u{2029}"})), r#"{"a": "x\u0085y\u2028z\u2029"}"#);
        let list = read("kind: ResourceList\nitems:\n- kind: Keep\n---\n".into()).unwrap();
        let out = write(&list, &BTreeSet::new(), &[json!({"kind": "ConfigMap"})], &[json!({"message": "m"})]);
        assert_eq!(out, "kind: ResourceList\nitems:\n- kind: Keep\n- {\"kind\": \"ConfigMap\"}\nresults:\n- {\"message\": \"m\"}\n---\n");
    }

    #[test]
    fn json_in_json_out_and_a_failure_has_no_items() {
        let list = read(r#"{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": [{"kind": "A"}, {"kind": "RivvenCluster"}]}"#.into()).unwrap();
        let out: Value = serde_json::from_str(&write(&list, &BTreeSet::from([1]), &[json!({"kind": "B"})], &[])).unwrap();
        assert_eq!(out["items"], json!([{"kind": "A"}, {"kind": "B"}]));
        let failed = write_failure("config.kubernetes.io/v1", &[json!({"message": "bad", "severity": "error"})]);
        let list = read(failed).unwrap();
        assert!(list.items.is_empty() && list.results.len() == 1);
    }
}
