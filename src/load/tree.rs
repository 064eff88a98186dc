//! A parsed YAML document as a JSON value plus the source span of every node, by JSON pointer.
use std::collections::HashMap;
use std::ops::Range;

use saphyr::{MarkedYaml, Scalar, YamlData};
use serde_json::{Map, Number, Value};

use super::source::SourceFile;

/// Where a node and (for mapping entries) its key stand in the file, as byte ranges.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeSpan {
    /// The key of a mapping entry.
    pub key: Option<Range<usize>>,
    /// The value.
    pub value: Range<usize>,
}

/// JSON pointer (RFC 6901) -> spans.
#[derive(Debug, Default)]
pub struct SpanIndex {
    spans: HashMap<String, NodeSpan>,
}

impl SpanIndex {
    /// The spans of the node at `pointer`, or of its nearest ancestor that exists.
    pub fn nearest(&self, pointer: &str) -> Option<(&str, &NodeSpan)> {
        let mut current = pointer;
        loop {
            if let Some((key, span)) = self.spans.get_key_value(current) {
                return Some((key.as_str(), span));
            }
            if current.is_empty() {
                return None;
            }
            current = current.rfind('/').map_or("", |i| &current[..i]);
        }
    }

    /// The spans of exactly this node.
    pub fn get(&self, pointer: &str) -> Option<&NodeSpan> {
        self.spans.get(pointer)
    }
}

/// Escapes one reference token of a JSON pointer.
pub fn escape_token(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_owned()
    }
}

/// Converts a saphyr document into JSON, recording spans. Fails on things JSON cannot hold
/// (non-scalar mapping keys, `.nan`/`.inf`), returning the span of the culprit.
pub fn convert(doc: &MarkedYaml<'_>, file: &SourceFile, index: &mut SpanIndex) -> Result<Value, (String, Range<usize>)> {
    convert_at(doc, file, 0, index)
}

/// Like [`convert`], for a document parsed out of the file on its own, starting at character
/// `char_offset` of the file.
pub fn convert_at(doc: &MarkedYaml<'_>, file: &SourceFile, char_offset: usize, index: &mut SpanIndex) -> Result<Value, (String, Range<usize>)> {
    let mut pointer = String::new();
    convert_node(doc, None, &Ctx { file, char_offset }, &mut pointer, index)
}

struct Ctx<'a> {
    file: &'a SourceFile,
    char_offset: usize,
}

fn span_of(node: &MarkedYaml<'_>, ctx: &Ctx<'_>) -> Range<usize> {
    let start = ctx.file.byte_of_char(ctx.char_offset + node.span.start.index());
    let end = ctx.file.byte_of_char(ctx.char_offset + node.span.end.index()).max(start);
    start..end
}

fn convert_node(
    node: &MarkedYaml<'_>,
    key: Option<Range<usize>>,
    ctx: &Ctx<'_>,
    pointer: &mut String,
    index: &mut SpanIndex,
) -> Result<Value, (String, Range<usize>)> {
    let file = ctx.file;
    let mut value_span = span_of(node, ctx);
    if matches!(node.data, YamlData::Mapping(_) | YamlData::Sequence(_)) {
        // A collection's span runs to the next sibling (comments included); point at its first line.
        let line_end = file.text[value_span.start..].find('\n').map_or(file.text.len(), |i| value_span.start + i);
        value_span.end = value_span.end.min(line_end).max(value_span.start);
    }
    index.spans.insert(pointer.clone(), NodeSpan { key, value: value_span.clone() });
    Ok(match &node.data {
        YamlData::Value(scalar) => scalar_to_json(scalar).ok_or_else(|| ("a number JSON cannot hold (.nan or .inf)".to_owned(), value_span))?,
        YamlData::Representation(text, _, _) => Value::String(text.to_string()),
        YamlData::Tagged(_, inner) => {
            return convert_node(inner, index.spans.get(pointer.as_str()).and_then(|s| s.key.clone()), ctx, pointer, index)
        }
        YamlData::Sequence(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                out.push(convert_node(item, None, ctx, pointer, index)?);
                pointer.truncate(len);
            }
            Value::Array(out)
        }
        YamlData::Mapping(entries) => {
            let mut out = Map::with_capacity(entries.len());
            for (k, v) in entries {
                let key_span = span_of(k, ctx);
                let name = key_to_string(k).ok_or_else(|| ("a mapping key must be a plain value, not a list or mapping".to_owned(), key_span.clone()))?;
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&escape_token(&name));
                let value = convert_node(v, Some(key_span), ctx, pointer, index)?;
                pointer.truncate(len);
                out.insert(name, value);
            }
            Value::Object(out)
        }
        YamlData::Alias(_) | YamlData::BadValue => Value::Null,
    })
}

fn key_to_string(key: &MarkedYaml<'_>) -> Option<String> {
    match &key.data {
        YamlData::Value(Scalar::String(s)) => Some(s.to_string()),
        YamlData::Value(Scalar::Null) => Some(String::new()),
        YamlData::Value(scalar) => scalar_to_json(scalar).map(|v| v.to_string()),
        YamlData::Representation(text, _, _) => Some(text.to_string()),
        YamlData::Tagged(_, inner) => key_to_string(inner),
        _ => None,
    }
}

fn scalar_to_json(scalar: &Scalar<'_>) -> Option<Value> {
    Some(match scalar {
        Scalar::Null => Value::Null,
        Scalar::Boolean(b) => Value::Bool(*b),
        Scalar::Integer(i) => Value::Number((*i).into()),
        Scalar::FloatingPoint(f) => Value::Number(Number::from_f64(f.into_inner())?),
        Scalar::String(s) => Value::String(s.to_string()),
    })
}
