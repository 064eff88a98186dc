//! Field-by-field changes between two versions of one object (pure). Lists whose entries all carry
//! a distinct `name` (containers, env, ports, volumes, volume claim templates) are matched by name,
//! as dyff does, so an inserted entry is one addition and not a shifted list; other lists are
//! matched by position, and lists of scalars compare as one value.
use std::fmt;

use serde_json::{Map, Value};

/// One step of a path into an object.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Segment {
    /// A mapping key.
    Key(String),
    /// A list entry matched by its `name`.
    Named(String),
    /// A list entry matched by position.
    Index(usize),
    /// A document held in a string (a ConfigMap's `connect.yaml`), compared as parsed content:
    /// the steps after it are inside that document.
    Embedded,
}

/// Where a change is, from the object's root.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FieldPath(pub Vec<Segment>);

impl FieldPath {
    /// The path one step further.
    pub fn child(&self, segment: Segment) -> FieldPath {
        let mut steps = self.0.clone();
        steps.push(segment);
        FieldPath(steps)
    }

    /// Whether the path starts with these keys (list entries and embedded documents match any
    /// step written as `*`).
    pub fn starts_with(&self, prefix: &[&str]) -> bool {
        prefix.len() <= self.0.len() && prefix.iter().zip(&self.0).all(|(p, s)| step_matches(p, s))
    }

    /// The mapping keys of the path, in order (list entries and embedded documents left out).
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.0.iter().filter_map(|s| match s {
            Segment::Key(k) => Some(k.as_str()),
            _ => None,
        })
    }

    /// The last mapping key (the field's own name).
    pub fn last_key(&self) -> Option<&str> {
        self.keys().last()
    }

    /// Whether the path goes into a document held in a string.
    pub fn is_embedded(&self) -> bool {
        self.0.contains(&Segment::Embedded)
    }
}

fn step_matches(pattern: &str, step: &Segment) -> bool {
    match step {
        Segment::Key(k) => pattern == "*" || pattern == k,
        Segment::Named(_) | Segment::Index(_) | Segment::Embedded => pattern == "*",
    }
}

impl fmt::Display for FieldPath {
    /// `spec.template.spec.containers[name=rivvend].image`; a key that is not a plain word is
    /// quoted (`metadata.annotations["rivven.hupe1980.github.io/config-hash"]`); the steps inside
    /// an embedded document follow `›`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for step in &self.0 {
            match step {
                Segment::Key(k) if is_plain_key(k) => {
                    if !first {
                        f.write_str(".")?;
                    }
                    f.write_str(k)?;
                }
                Segment::Key(k) => write!(f, "[{}]", serde_json::Value::String(k.clone()))?,
                Segment::Named(n) => write!(f, "[name={n}]")?,
                Segment::Index(i) => write!(f, "[{i}]")?,
                Segment::Embedded => {
                    f.write_str(" › ")?;
                    first = true;
                    continue;
                }
            }
            first = false;
        }
        Ok(())
    }
}

fn is_plain_key(key: &str) -> bool {
    !key.is_empty() && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

/// One changed field: `None` on the side where it is absent.
#[derive(Clone, Debug, PartialEq)]
pub struct FieldChange {
    /// Where.
    pub path: FieldPath,
    /// The value before (`None`: added).
    pub before: Option<Value>,
    /// The value after (`None`: removed).
    pub after: Option<Value>,
}

/// Parses a string that holds a document (`None` when it is neither a JSON nor a YAML mapping).
pub type Embedded<'a> = &'a dyn Fn(&str) -> Option<Value>;

/// Every changed field between `before` and `after`, in a stable order. Strings under ConfigMap
/// `data` that `embedded` reads as documents are compared as parsed content.
pub fn changes(before: &Value, after: &Value, embedded: Embedded<'_>) -> Vec<FieldChange> {
    let mut out = Vec::new();
    compare(&FieldPath::default(), before, after, embedded, &mut out);
    out
}

fn compare(path: &FieldPath, before: &Value, after: &Value, embedded: Embedded<'_>, out: &mut Vec<FieldChange>) {
    if before == after {
        return;
    }
    match (before, after) {
        (Value::Object(a), Value::Object(b)) => compare_maps(path, a, b, embedded, out),
        (Value::Array(a), Value::Array(b)) if a.iter().chain(b).any(|v| v.is_object() || v.is_array()) => compare_lists(path, a, b, embedded, out),
        (Value::String(a), Value::String(b)) if in_config_data(path) => match (embedded(a), embedded(b)) {
            (Some(a), Some(b)) => compare(&path.child(Segment::Embedded), &a, &b, embedded, out),
            _ => out.push(FieldChange { path: path.clone(), before: Some(before.clone()), after: Some(after.clone()) }),
        },
        _ => out.push(FieldChange { path: path.clone(), before: Some(before.clone()), after: Some(after.clone()) }),
    }
}

/// `data.<key>` of a ConfigMap (the only strings read as documents).
fn in_config_data(path: &FieldPath) -> bool {
    path.0.len() == 2 && path.0[0] == Segment::Key("data".into()) && !path.is_embedded()
}

fn compare_maps(path: &FieldPath, a: &Map<String, Value>, b: &Map<String, Value>, embedded: Embedded<'_>, out: &mut Vec<FieldChange>) {
    let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
    keys.sort();
    keys.dedup();
    for key in keys {
        let child = path.child(Segment::Key(key.clone()));
        match (a.get(key), b.get(key)) {
            (Some(x), Some(y)) => compare(&child, x, y, embedded, out),
            (x, y) => out.push(FieldChange { path: child, before: x.cloned(), after: y.cloned() }),
        }
    }
}

/// The entries' names, when every entry is a mapping with a `name` distinct within the list (such
/// lists are matched by name, here and by the secret masks).
pub fn names(list: &[Value]) -> Option<Vec<&str>> {
    let names: Option<Vec<&str>> = list.iter().map(|v| v.get("name").and_then(Value::as_str)).collect();
    let names = names?;
    let mut sorted = names.clone();
    sorted.sort_unstable();
    sorted.dedup();
    (sorted.len() == names.len()).then_some(names)
}

fn compare_lists(path: &FieldPath, a: &[Value], b: &[Value], embedded: Embedded<'_>, out: &mut Vec<FieldChange>) {
    if let (Some(names_a), Some(names_b)) = (names(a), names(b)) {
        // Entries in the order of the new list, then the removed ones in their old order.
        let position_a: std::collections::HashMap<&str, usize> = names_a.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let in_b: std::collections::HashSet<&str> = names_b.iter().copied().collect();
        for (j, name) in names_b.iter().enumerate() {
            let child = path.child(Segment::Named((*name).to_owned()));
            match position_a.get(name).copied() {
                Some(i) => compare(&child, &a[i], &b[j], embedded, out),
                None => out.push(FieldChange { path: child, before: None, after: Some(b[j].clone()) }),
            }
        }
        for (i, name) in names_a.iter().enumerate() {
            if !in_b.contains(name) {
                out.push(FieldChange { path: path.child(Segment::Named((*name).to_owned())), before: Some(a[i].clone()), after: None });
            }
        }
        return;
    }
    // Entries equal on both sides are matched first (the longest common subsequence), so one
    // inserted rule is one addition; the rest are paired by position between those anchors.
    let mut at = (0, 0);
    for (i, j) in common_entries(a, b).into_iter().chain(std::iter::once((a.len(), b.len()))) {
        let (gap_a, gap_b) = (&a[at.0..i], &b[at.1..j]);
        for k in 0..gap_a.len().max(gap_b.len()) {
            match (gap_a.get(k), gap_b.get(k)) {
                (Some(x), Some(y)) => compare(&path.child(Segment::Index(at.1 + k)), x, y, embedded, out),
                (None, Some(y)) => out.push(FieldChange { path: path.child(Segment::Index(at.1 + k)), before: None, after: Some(y.clone()) }),
                (Some(x), None) => out.push(FieldChange { path: path.child(Segment::Index(at.0 + k)), before: Some(x.clone()), after: None }),
                (None, None) => {}
            }
        }
        at = (i + 1, j + 1);
    }
}

/// Index pairs of equal entries, in order (the longest common subsequence; lists here are short).
fn common_entries(a: &[Value], b: &[Value]) -> Vec<(usize, usize)> {
    if a.len() * b.len() > 1_000_000 {
        return Vec::new();
    }
    let mut table = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            table[i][j] = if a[i] == b[j] { table[i + 1][j + 1] + 1 } else { table[i + 1][j].max(table[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut pairs) = (0, 0, Vec::new());
    while i < a.len() && j < b.len() {
        if a[i] == b[j] {
            pairs.push((i, j));
            i += 1;
            j += 1;
        } else if table[i + 1][j] >= table[i][j + 1] {
            i += 1;
        } else {
            j += 1;
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn none(_: &str) -> Option<Value> {
        None
    }

    fn paths(a: Value, b: Value) -> Vec<String> {
        changes(&a, &b, &none).iter().map(|c| c.path.to_string()).collect()
    }

    #[test]
    fn named_entries_match_by_name_whatever_their_order() {
        let a = json!({"env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]});
        let b = json!({"env": [{"name": "C", "value": "3"}, {"name": "A", "value": "1"}, {"name": "B", "value": "9"}]});
        assert_eq!(paths(a, b), ["env[name=C]", "env[name=B].value"]);
    }

    #[test]
    fn removed_entries_and_keys_are_changes_with_no_after() {
        let a = json!({"ports": [{"name": "http", "port": 1}], "x": {"y": 1}});
        let b = json!({"ports": [], "x": {}});
        let found = changes(&a, &b, &none);
        assert_eq!(found.len(), 2);
        assert!(found.iter().all(|c| c.after.is_none() && c.before.is_some()));
    }

    #[test]
    fn lists_without_distinct_names_match_by_position_and_scalar_lists_compare_whole() {
        let a = json!({"t": [{"key": "a"}, {"key": "b"}], "args": ["--a", "--b"]});
        let b = json!({"t": [{"key": "a"}, {"key": "c"}], "args": ["--a", "--c"]});
        assert_eq!(paths(a, b), ["args", "t[1].key"]);
    }

    #[test]
    fn an_entry_inserted_into_an_unnamed_list_is_one_addition() {
        let a = json!({"rules": [{"port": 1}, {"port": 2}]});
        let b = json!({"rules": [{"port": 1}, {"port": 3}, {"port": 2}]});
        let found = changes(&a, &b, &none);
        assert_eq!(found.len(), 1);
        assert_eq!((found[0].path.to_string(), found[0].before.is_none()), ("rules[1]".to_owned(), true));
    }

    #[test]
    fn keys_that_are_not_words_are_quoted() {
        let a = json!({"metadata": {"annotations": {"example.com/hash": "1"}}});
        let b = json!({"metadata": {"annotations": {"example.com/hash": "2"}}});
        assert_eq!(paths(a, b), [r#"metadata.annotations["example.com/hash"]"#]);
    }

    #[test]
    fn config_map_data_documents_compare_as_content() {
        let parse = |s: &str| serde_json::from_str::<Value>(s).ok().filter(Value::is_object);
        let a = json!({"data": {"plan.json": "{\"a\": 1, \"b\": 2}", "text": "x"}});
        let b = json!({"data": {"plan.json": "{\"b\": 2,\n \"a\": 3}", "text": "y"}});
        let found: Vec<String> = changes(&a, &b, &parse).iter().map(|c| c.path.to_string()).collect();
        assert_eq!(found, ["data[\"plan.json\"] › a", "data.text"]);
    }

    #[test]
    fn identical_values_have_no_changes() {
        let v = json!({"a": [{"name": "x", "b": [1, 2]}]});
        assert!(changes(&v, &v.clone(), &none).is_empty());
    }

    #[test]
    fn patterns_match_keys_and_any_list_entry() {
        let p = FieldPath(vec![Segment::Key("spec".into()), Segment::Key("containers".into()), Segment::Named("a".into()), Segment::Key("image".into())]);
        assert!(p.starts_with(&["spec", "containers", "*", "image"]));
        assert!(p.starts_with(&["spec"]));
        assert!(!p.starts_with(&["spec", "containers", "*", "env"]));
        assert_eq!(p.last_key(), Some("image"));
    }
}
