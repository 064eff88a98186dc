//! How a release's CDC sources spell what the spec asks for: the pure decisions shared by the
//! renderer (which writes them) and the rules (which report what cannot be written).
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use serde_json::{Map, Value};

use super::Release;
use crate::model::connectors::cdc::{SmtTransformSpec, SmtTransformType, SnapshotMode, TableSpec};

/// One key the release's rivven-connect reads (a line of `connect-keys-<version>.tsv`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    /// `file`, a connector type (`postgres-cdc`), or `smt/<transform>`.
    pub scope: String,
    /// Dotted path; `[]` marks array items, `*` free map keys.
    pub path: String,
    /// `string`, `integer`, `boolean`, `array<string>`, `enum(a|b)`, ...
    pub kind: String,
    /// Whether the program refuses the config without it.
    pub required: bool,
    /// `crate-version/path.rs:LINE` of the declaration or read.
    pub source: String,
}

/// The release's key table, parsed once.
pub fn keys(release: &'static Release) -> &'static [Key] {
    static PARSED: OnceLock<BTreeMap<&'static str, Vec<Key>>> = OnceLock::new();
    let all = PARSED.get_or_init(|| super::KNOWN.iter().map(|r| (r.version, parse_keys(r.connect.keys))).collect());
    all.get(release.version).map(Vec::as_slice).unwrap_or(&[])
}

/// Parses the TSV (`scope<TAB>path<TAB>type[ required]<TAB>source`; `#` lines are comments).
pub fn parse_keys(text: &str) -> Vec<Key> {
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|line| {
            let mut cols = line.split('\t');
            let (scope, path, kind, source) = (cols.next()?, cols.next()?, cols.next()?, cols.next()?);
            let (kind, required) = match kind.strip_suffix(" required") {
                Some(k) => (k, true),
                None => (kind, false),
            };
            Some(Key { scope: scope.into(), path: path.into(), kind: kind.into(), required, source: source.into() })
        })
        .collect()
}

/// The keys of one scope.
pub fn scope<'a>(release: &'static Release, scope: &'a str) -> impl Iterator<Item = &'static Key> + 'a {
    keys(release).iter().filter(move |k| k.scope == scope)
}

/// The top-level keys of each scope of the release's key table (`postgres-cdc` -> {`host`, ...}).
fn top_level_keys(release: &'static Release) -> &'static BTreeMap<String, BTreeSet<String>> {
    static BUILT: OnceLock<BTreeMap<&'static str, BTreeMap<String, BTreeSet<String>>>> = OnceLock::new();
    let all = BUILT.get_or_init(|| {
        super::KNOWN
            .iter()
            .map(|r| {
                let mut scopes: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
                for k in keys(r).iter().filter(|k| !k.path.contains(['.', '['])) {
                    scopes.entry(k.scope.clone()).or_default().insert(k.path.clone());
                }
                (r.version, scopes)
            })
            .collect()
    });
    static EMPTY: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    all.get(release.version).unwrap_or(&EMPTY)
}

/// Whether the key table lists the options of a connector whose config is written as the spec
/// gives it (`datagen`, `stdout`); the CDC sources are mapped field by field instead
/// (render/cdc_config.rs).
pub fn checks_options(release: &'static Release, connector: &str) -> bool {
    !matches!(connector, "postgres-cdc" | "mysql-cdc") && top_level_keys(release).contains_key(connector)
}

/// Whether the program reads a top-level option of a connector [`checks_options`] covers (any
/// option of the others).
pub fn reads_option(release: &'static Release, connector: &str, key: &str) -> bool {
    !checks_options(release, connector) || top_level_keys(release)[connector].contains(key)
}

/// The top-level keys of a rendered connector config that the release's program does not read,
/// for the connectors [`checks_options`] covers; none for the others.
pub fn unread_keys(release: &'static Release, connector: &str, config: &Map<String, Value>) -> Vec<String> {
    if !checks_options(release, connector) {
        return Vec::new();
    }
    let known = &top_level_keys(release)[connector];
    config.keys().filter(|k| !known.contains(k.as_str())).cloned().collect()
}

/// `snapshot.mode` of a spec snapshot mode; `None` when the release has no such mode.
pub fn snapshot_mode(mode: SnapshotMode) -> Option<&'static str> {
    Some(match mode {
        SnapshotMode::Initial => "initial",
        SnapshotMode::Always => "always",
        SnapshotMode::Never => "never",
        SnapshotMode::WhenNeeded => "when_needed",
        SnapshotMode::InitialOnly => "initial_only",
        SnapshotMode::SchemaOnly => "no_data",
        SnapshotMode::Recovery => "recovery",
        SnapshotMode::Exported | SnapshotMode::Custom => return None,
    })
}

/// The one schema every table names, if they agree: mysql-cdc's `database`.
pub fn common_schema(tables: &[TableSpec]) -> Option<String> {
    let first = tables.first()?.schema.clone()?;
    tables.iter().all(|t| t.schema.as_deref() == Some(&first)).then_some(first)
}

/// `heartbeat_interval_secs` of a spec interval in milliseconds (rounded up; 0 = the program's
/// default), or the error when the release's range (1-3600 s) cannot hold it.
pub fn heartbeat_secs(ms: u64) -> Result<Option<u64>, String> {
    if ms == 0 {
        return Ok(None);
    }
    let secs = ms.div_ceil(1000);
    if secs > 3600 {
        return Err(format!("{ms} ms is {secs} s; rivven-connect takes 1 to 3600 seconds"));
    }
    Ok(Some(secs))
}

/// The release's name of a transform type, or `None` when it has none (the program would refuse
/// the whole connect.yaml: the type is an enum).
pub fn transform_name(release: &'static Release, t: SmtTransformType) -> Option<&'static str> {
    let spec_name = crate::model::spelling(&t);
    let name = match spec_name.as_str() {
        "convert_timezone" => "timezone_converter",
        other => other,
    };
    if release.connect.cdc.unsupported_transforms.contains(&name) {
        return None;
    }
    scope(release, "postgres-cdc").find(|k| k.path == "transforms[].type").and_then(|k| {
        let values = k.kind.strip_prefix("enum(")?.strip_suffix(')')?;
        values.split('|').find(|v| *v == name)
    })
}

/// A spec transform in the release's spelling, with what could not be carried over.
#[derive(Debug, Default, PartialEq)]
pub struct MappedTransform {
    /// The release's type name; `None` when it has no such transform.
    pub name: Option<&'static str>,
    /// The config in the release's keys.
    pub config: Map<String, Value>,
    /// Keys the release's transform does not read (as written), with why.
    pub dropped: Vec<(String, String)>,
    /// Keys the release's transform requires and the spec does not give.
    pub missing: Vec<&'static str>,
    /// Values of the wrong type or outside the enum the transform reads (program's path, expected):
    /// the program reads them as missing, or fails at run time.
    pub wrong: Vec<(String, String)>,
}

/// Maps a transform: keys are snake_cased; comma strings become the arrays the program requires;
/// `add_fields` of `extract_new_record_state` becomes its `add_*` flags.
pub fn map_transform(release: &'static Release, t: &SmtTransformSpec) -> MappedTransform {
    let Some(name) = transform_name(release, t.transform_type) else {
        return MappedTransform { name: None, ..MappedTransform::default() };
    };
    let known: Vec<&'static Key> = scope(release, &format!("smt/{name}")).collect();
    let top = |key: &str| known.iter().find(|k| k.path == key).copied();
    let mut out = MappedTransform { name: Some(name), ..MappedTransform::default() };
    for (written, value) in &t.config {
        let key = crate::model::names::snake_case(written);
        if name == "extract_new_record_state" && key == "add_fields" {
            add_field_flags(written, value, &mut out);
            continue;
        }
        match top(&key) {
            Some(k) if k.kind.starts_with("array") => match value {
                Value::String(list) => {
                    let items: Vec<Value> = list.split(',').map(str::trim).filter(|s| !s.is_empty()).map(|s| Value::String(s.into())).collect();
                    out.config.insert(key, Value::Array(items));
                }
                other => {
                    out.config.insert(key, other.clone());
                }
            },
            Some(_) => {
                out.config.insert(key, value.clone());
            }
            None => {
                let reads: Vec<&str> = known.iter().filter(|k| !k.path.contains(['.', '['])).map(|k| k.path.as_str()).collect();
                let why = if reads.is_empty() { format!("`{name}` reads no options") } else { format!("`{name}` reads only {}", reads.join(", ")) };
                out.dropped.push((written.clone(), why));
            }
        }
    }
    out.missing = known.iter().filter(|k| k.required && !k.path.contains(['.', '[']) && !out.config.contains_key(&k.path)).map(|k| k.path.as_str()).collect();
    for (key, value) in &out.config {
        check_value(&known, key, value, &mut out.wrong);
    }
    out
}

/// Checks a value against the kind the key table gives its path (children of maps and arrays of
/// objects too); a path the table does not list is not checked.
fn check_value(known: &[&Key], path: &str, value: &Value, wrong: &mut Vec<(String, String)>) {
    let Some(key) = known.iter().find(|k| k.path == path) else { return };
    let kind = key.kind.as_str();
    let fits = match kind {
        "boolean" => value.is_boolean(),
        "string" => value.is_string(),
        "integer" => value.is_u64() || value.is_i64(),
        "number" => value.is_number(),
        "any" => true,
        "array<string>" => value.as_array().is_some_and(|a| a.iter().all(Value::is_string)),
        "array<object>" => value.as_array().is_some_and(|a| a.iter().all(Value::is_object)),
        "map" => value.is_object(),
        "string|object" => value.is_string() || value.is_object(),
        enumerated => match enumerated.strip_prefix("enum(").and_then(|e| e.strip_suffix(')')) {
            Some(values) => value.as_str().is_some_and(|v| values.split('|').any(|x| x == v)),
            None => true,
        },
    };
    if !fits {
        let expected = match kind.strip_prefix("enum(").and_then(|e| e.strip_suffix(')')) {
            Some(values) => format!("one of {}", values.replace('|', ", ")),
            None => format!("a value of type {kind}"),
        };
        wrong.push((path.to_owned(), expected));
        return;
    }
    match value {
        Value::Array(items) => {
            for item in items.iter().filter_map(Value::as_object) {
                for (field, v) in item {
                    check_value(known, &format!("{path}[].{field}"), v, wrong);
                }
            }
        }
        Value::Object(map) => {
            for (field, v) in map {
                let child = if known.iter().any(|k| k.path == format!("{path}.*")) { format!("{path}.*") } else { format!("{path}.{field}") };
                check_value(known, &child, v, wrong);
            }
        }
        _ => {}
    }
}

/// `addFields: "op,source.ts_ms"` names envelope fields; the release has one flag per field.
fn add_field_flags(written: &str, value: &Value, out: &mut MappedTransform) {
    let list: Vec<String> = match value {
        Value::String(s) => s.split(',').map(|f| f.trim().to_owned()).filter(|f| !f.is_empty()).collect(),
        Value::Array(items) => items.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
        _ => Vec::new(),
    };
    for field in list {
        let flag = match field.trim_start_matches("source.").trim_start_matches("__") {
            "op" => "add_op",
            "ts_ms" | "ts" => "add_ts",
            "table" => "add_table",
            "schema" => "add_schema",
            _ => {
                out.dropped.push((format!("{written}: {field}"), "extract_new_record_state adds only op, ts_ms, table and schema".into()));
                continue;
            }
        };
        out.config.insert(flag.into(), Value::Bool(true));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::rivven::V0_0_22;

    fn transform(v: Value) -> SmtTransformSpec {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn the_key_table_parses() {
        let keys = keys(&V0_0_22);
        assert!(keys.len() > 300, "{}", keys.len());
        let mode = keys.iter().find(|k| k.scope == "postgres-cdc" && k.path == "tls.mode").unwrap();
        assert!(mode.source.starts_with("rivven-connect-0.0.22/src/connectors/cdc/postgres.rs:"), "{mode:?}");
        assert!(keys.iter().any(|k| k.scope == "postgres-cdc" && k.path == "host" && k.required));
    }

    #[test]
    fn transforms_in_the_release_spelling() {
        let cases = [
            // (spec transform, expected name, expected config, dropped keys, missing keys)
            (json!({"type": "extract_new_record_state", "config": {"addFields": "op,source.ts_ms", "dropTombstones": false}}),
             Some("extract_new_record_state"), json!({"add_op": true, "add_ts": true, "drop_tombstones": false}), vec![], vec![]),
            (json!({"type": "mask_field", "config": {"fields": "email, phone", "replacement": "***"}}),
             Some("mask_field"), json!({"fields": ["email", "phone"]}), vec!["replacement"], vec![]),
            (json!({"type": "mask_field", "config": {}}), Some("mask_field"), json!({}), vec![], vec!["fields"]),
            (json!({"type": "convert_timezone", "config": {"fields": ["ts"], "to": "UTC"}}),
             Some("timezone_converter"), json!({"fields": ["ts"], "to": "UTC"}), vec![], vec![]),
            (json!({"type": "drop_null"}), None, json!({}), vec![], vec![]),
            (json!({"type": "unwrap_envelope"}), None, json!({}), vec![], vec![]),
            (json!({"type": "filter", "config": {"condition": "op = d", "drop": true}}),
             Some("filter"), json!({"condition": "op = d", "drop": true}), vec![], vec![]),
        ];
        let wrong = map_transform(&V0_0_22, &transform(json!({"type": "extract_new_record_state", "config": {"dropTombstones": "true"}})));
        assert_eq!(wrong.wrong, vec![("drop_tombstones".to_owned(), "a value of type boolean".to_owned())]);
        let wrong = map_transform(&V0_0_22, &transform(json!({"type": "cast", "config": {"specs": {"id": "int32", "x": "decimal"}}})));
        assert_eq!(wrong.wrong.len(), 1, "{:?}", wrong.wrong);
        assert!(wrong.wrong[0].1.contains("int32"), "{:?}", wrong.wrong);
        let fine = map_transform(&V0_0_22, &transform(json!({"type": "compute_field", "config": {"computations": [{"target": "t", "type": "upper", "source": "name"}]}})));
        assert!(fine.wrong.is_empty(), "{:?}", fine.wrong);
        for (spec, name, config, dropped, missing) in cases {
            let m = map_transform(&V0_0_22, &transform(spec.clone()));
            assert_eq!(m.name, name, "{spec}");
            assert_eq!(Value::Object(m.config), config, "{spec}");
            assert_eq!(m.dropped.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), dropped, "{spec}");
            assert_eq!(m.missing, missing, "{spec}");
        }
    }

    #[test]
    fn snapshot_modes_and_heartbeats() {
        assert_eq!(snapshot_mode(SnapshotMode::SchemaOnly), Some("no_data"));
        assert_eq!(snapshot_mode(SnapshotMode::Exported), None);
        assert_eq!(snapshot_mode(SnapshotMode::Custom), None);
        assert_eq!(heartbeat_secs(0), Ok(None));
        assert_eq!(heartbeat_secs(10_000), Ok(Some(10)));
        assert_eq!(heartbeat_secs(1500), Ok(Some(2)));
        assert!(heartbeat_secs(3_600_001).is_err());
    }
}
