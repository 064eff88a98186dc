//! JSON Schemas generated from the model: one per kind for validation and editors, and the
//! CustomResourceDefinitions derived from them (see [`crd`]).
use schemars::generate::SchemaSettings;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde_json::{json, Map, Value};

use crate::model::connectors::registry::{self, Direction, KnownConnector};

use crate::model::{Kind, KindSpec, ObjectMeta, ResourceStatus, API_VERSION};
use crate::model::{RivvenClusterSpec, RivvenConnectSpec, RivvenSchemaRegistrySpec, RivvenTopicSpec};

pub mod crd;

/// File name of a kind's schema.
pub fn schema_file_name(kind: Kind) -> String {
    format!("{}.json", kind.name().to_ascii_lowercase())
}

/// The text of a kind's schema file.
pub fn schema_file_text(kind: Kind) -> String {
    let mut text = serde_json::to_string_pretty(&document_schema(kind)).expect("a schema serializes");
    text.push('\n');
    text
}

/// The plans' JSON Schemas (what the in-cluster companion reads): (file name, text).
pub fn plan_schema_files() -> Vec<(&'static str, String)> {
    fn text<T: schemars::JsonSchema>() -> String {
        let schema = SchemaSettings::draft2020_12().into_generator().into_root_schema_for::<T>();
        let mut text = serde_json::to_string_pretty(&schema).expect("a schema serializes");
        text.push('\n');
        text
    }
    vec![("topic-plan.json", text::<crate::model::plan::TopicPlan>()), ("registry-plan.json", text::<crate::model::plan::RegistryPlan>())]
}

/// The four CRDs as one YAML stream.
pub fn crd_stream() -> String {
    Kind::ALL.iter().map(|k| format!("---\n{}", crate::yaml::to_string(&crd::crd(*k)))).collect()
}

/// The JSON Schema (draft 2020-12) of a whole document of `kind`.
pub fn document_schema(kind: Kind) -> Value {
    match kind {
        Kind::Cluster => document_schema_for::<RivvenClusterSpec>(),
        Kind::Connect => document_schema_for::<RivvenConnectSpec>(),
        Kind::Topic => document_schema_for::<RivvenTopicSpec>(),
        Kind::SchemaRegistry => document_schema_for::<RivvenSchemaRegistrySpec>(),
    }
}

/// Follows `$ref`s and `Option` wrappers (`anyOf: [T, null]`) to the schema that describes a value.
pub fn resolve<'a>(root: &'a Value, mut node: &'a Value) -> &'a Value {
    for _ in 0..16 {
        if let Some(target) = node.get("$ref").and_then(Value::as_str) {
            match target.strip_prefix('#').and_then(|p| root.pointer(p)) {
                Some(n) => node = n,
                None => break,
            }
        } else if let Some(Value::Array(branches)) = node.get("anyOf").or_else(|| node.get("oneOf")) {
            match branches.iter().find(|b| b.get("type") != Some(&json!("null"))) {
                Some(b) => node = b,
                None => break,
            }
        } else {
            break;
        }
    }
    node
}

/// The strict schema of a known connector's typed configuration, generated once per process and
/// shared by validation (checking `config`) and rendering (spelling its keys).
pub fn connector_schema(known: &KnownConnector) -> &'static Value {
    static SCHEMAS: OnceLock<BTreeMap<(bool, &'static str), Value>> = OnceLock::new();
    let schemas = SCHEMAS.get_or_init(|| {
        registry::all().iter().map(|k| ((k.direction == Direction::Source, k.typed_field), strict((k.schema)()))).collect()
    });
    &schemas[&(known.direction == Direction::Source, known.typed_field)]
}

/// A schema generated elsewhere (e.g. a typed connector config), made strict like the kinds'.
pub fn strict(mut schema: Value) -> Value {
    make_strict(&mut schema);
    schema
}

fn document_schema_for<S: KindSpec>() -> Value {
    let kind = S::KIND;
    let mut generator = SchemaSettings::draft2020_12().into_generator();
    let metadata = generator.subschema_for::<ObjectMeta>().to_value();
    let spec = generator.subschema_for::<S>().to_value();
    let status = generator.subschema_for::<ResourceStatus>().to_value();
    let mut defs: Map<String, Value> = generator.take_definitions(true).into_iter().collect();
    let spec_name = spec.get("$ref").and_then(Value::as_str).map(|r| r.trim_start_matches("#/$defs/").to_owned());
    if let Some(Value::Object(spec_def)) = spec_name.and_then(|n| defs.get_mut(&n)) {
        if !S::REQUIRED_FIELDS.is_empty() {
            spec_def.insert("required".into(), json!(S::REQUIRED_FIELDS));
        }
    }
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": format!("https://rivven.hupe1980.github.io/schemas/v1alpha1/{}.json", kind.name().to_ascii_lowercase()),
        "title": kind.name(),
        "description": format!("A {} resource ({API_VERSION}), as read by rivven-render.", kind.name()),
        "type": "object",
        "required": ["apiVersion", "kind", "metadata", "spec"],
        "properties": {
            "apiVersion": { "description": "API version of the resource.", "const": API_VERSION },
            "kind": { "description": "Kind of the resource.", "const": kind.name() },
            "metadata": metadata,
            "spec": spec,
            "status": status,
        },
        "$defs": defs,
    });
    make_strict(&mut schema);
    schema
}

/// Rejects unknown fields everywhere (`additionalProperties: false` on every object schema that
/// lists its properties and says nothing about others) and drops the `default` of required
/// properties (a default there would only document a value that can never apply).
fn make_strict(schema: &mut Value) {
    match schema {
        Value::Object(map) => {
            // Kubernetes' int-or-string types carry no `type`; give them one so that a mapping or
            // a list in their place is reported (Quantity also takes decimals such as `0.5`).
            if map.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) && !map.contains_key("type") {
                let is_quantity = map.get("description").and_then(Value::as_str).is_some_and(|d| d.starts_with("Quantity"));
                let types = if is_quantity { json!(["string", "number"]) } else { json!(["string", "integer"]) };
                map.insert("type".into(), types);
            }
            collapse_documented_enum(map);
            if map.contains_key("properties") && !map.contains_key("additionalProperties") {
                map.insert("additionalProperties".into(), Value::Bool(false));
            }
            let required: Vec<String> = map
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            if let Some(Value::Object(props)) = map.get_mut("properties") {
                for name in &required {
                    if let Some(Value::Object(p)) = props.get_mut(name) {
                        p.shift_remove("default");
                    }
                }
            }
            for value in map.values_mut() {
                make_strict(value);
            }
        }
        Value::Array(items) => items.iter_mut().for_each(make_strict),
        _ => {}
    }
}

/// schemars writes an enum whose variants carry doc comments as `oneOf` of `const`s; validators
/// then report "not valid under any of the schemas". A plain `enum` gives "expected one of ...".
fn collapse_documented_enum(map: &mut Map<String, Value>) {
    let Some(Value::Array(branches)) = map.get("oneOf") else { return };
    let mut values = Vec::with_capacity(branches.len());
    for branch in branches {
        let Some(b) = branch.as_object() else { return };
        if let Some(c) = b.get("const") {
            values.push(c.clone());
        } else if let Some(Value::Array(e)) = b.get("enum") {
            values.extend(e.iter().cloned());
        } else {
            return;
        }
        if b.keys().any(|k| !matches!(k.as_str(), "const" | "enum" | "description" | "type")) {
            return;
        }
    }
    map.shift_remove("oneOf");
    map.insert("enum".into(), Value::Array(values));
}
