//! CustomResourceDefinitions for the in-cluster mode, derived from the same generated schemas:
//! references inlined, nullable types in OpenAPI form, no `additionalProperties: false` (the API
//! server prunes unknown fields instead), free-form maps marked to keep their fields, and no
//! defaults (server-side defaults would show up as endless GitOps diffs; rivven-render applies
//! the defaults itself).
use serde_json::{json, Map, Value};

use super::document_schema;
use crate::model::{Kind, GROUP, VERSION};

/// The CustomResourceDefinition of a kind.
pub fn crd(kind: Kind) -> Value {
    let document = document_schema(kind);
    let defs = document.get("$defs").cloned().unwrap_or(Value::Null);
    let properties = &document["properties"];
    let spec = structural(&properties["spec"], &defs, 0, true);
    let status = structural(&properties["status"], &defs, 0, true);
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": format!("{}.{GROUP}", kind.plural()),
            "labels": { "app.kubernetes.io/part-of": "rivven", "app.kubernetes.io/managed-by": "rivven-render" },
        },
        "spec": {
            "group": GROUP,
            "names": {
                "kind": kind.name(),
                "listKind": format!("{}List", kind.name()),
                "plural": kind.plural(),
                "singular": kind.name().to_ascii_lowercase(),
                "shortNames": kind.short_names(),
                "categories": ["rivven"],
            },
            "scope": "Namespaced",
            "versions": [{
                "name": VERSION,
                "served": true,
                "storage": true,
                "subresources": { "status": {} },
                "additionalPrinterColumns": printer_columns(kind),
                "schema": { "openAPIV3Schema": {
                    "description": document["description"],
                    "type": "object",
                    "properties": {
                        "apiVersion": { "type": "string" },
                        "kind": { "type": "string" },
                        "metadata": { "type": "object" },
                        "spec": spec,
                        "status": status,
                    },
                }},
            }],
        },
    })
}

fn printer_columns(kind: Kind) -> Value {
    let column = |name: &str, ty: &str, path: &str| json!({ "name": name, "type": ty, "jsonPath": path });
    let mut columns = match kind {
        Kind::Cluster => vec![column("Replicas", "integer", ".spec.replicas"), column("Ready", "integer", ".status.readyReplicas"), column("Version", "string", ".spec.version")],
        Kind::Connect => vec![column("Cluster", "string", ".spec.clusterRef.name"), column("Replicas", "integer", ".spec.replicas"), column("Ready", "integer", ".status.readyReplicas")],
        Kind::Topic => vec![column("Cluster", "string", ".spec.clusterRef.name"), column("Topic", "string", ".status.topicName"), column("Partitions", "integer", ".spec.partitions")],
        Kind::SchemaRegistry => vec![column("Cluster", "string", ".spec.clusterRef.name"), column("Replicas", "integer", ".spec.replicas"), column("Ready", "integer", ".status.readyReplicas")],
    };
    columns.push(column("Phase", "string", ".status.phase"));
    columns.push(column("Age", "date", ".metadata.creationTimestamp"));
    Value::Array(columns)
}

/// Rewrites a draft 2020-12 schema node into a structural OpenAPI v3 schema. Descriptions inside
/// Kubernetes' own types (affinity, security contexts, ...) are dropped: they are long, documented
/// upstream, and would push the CRDs past kubectl's 256 KiB last-applied annotation.
fn structural(node: &Value, defs: &Value, depth: usize, describe: bool) -> Value {
    assert!(depth < 64, "schema nesting too deep (recursive type?)");
    let Some(map) = node.as_object() else { return json!({ "x-kubernetes-preserve-unknown-fields": true }) };
    if let Some(target) = map.get("$ref").and_then(Value::as_str) {
        let name = target.trim_start_matches("#/$defs/");
        let mut resolved = structural(&defs[name], defs, depth + 1, describe && !name.starts_with("io.k8s."));
        if let (Some(desc), Some(obj), true) = (map.get("description"), resolved.as_object_mut(), describe) {
            obj.insert("description".into(), desc.clone());
        }
        return resolved;
    }
    if let Some(Value::Array(branches)) = map.get("anyOf") {
        // `Option<T>`: anyOf [T, null] -> T, nullable.
        let non_null: Vec<&Value> = branches.iter().filter(|b| b.get("type") != Some(&json!("null"))).collect();
        if let [only] = non_null.as_slice() {
            let mut inner = structural(only, defs, depth + 1, describe);
            if let Some(obj) = inner.as_object_mut() {
                obj.insert("nullable".into(), Value::Bool(true));
                if let (Some(desc), true) = (map.get("description"), describe) {
                    obj.insert("description".into(), desc.clone());
                }
            }
            return inner;
        }
    }
    let mut out = Map::new();
    for (key, value) in map {
        match key.as_str() {
            "description" if !describe => {}
            // OpenAPI v3 (unlike draft 2020-12) writes exclusive bounds as a flag beside the bound.
            "exclusiveMinimum" | "exclusiveMaximum" if value.is_number() => {
                let bound = if key == "exclusiveMinimum" { "minimum" } else { "maximum" };
                out.insert(bound.into(), value.clone());
                out.insert(key.clone(), Value::Bool(true));
            }
            "description" | "minimum" | "maximum" | "minLength" | "maxLength" | "pattern"
            | "minItems" | "maxItems" | "uniqueItems" | "required" | "x-kubernetes-int-or-string" => {
                out.insert(key.clone(), value.clone());
            }
            "enum" => {
                out.insert(key.clone(), Value::Array(value.as_array().into_iter().flatten().filter(|v| !v.is_null()).cloned().collect()));
            }
            "const" => {
                out.insert("enum".into(), json!([value]));
            }
            "format" => {
                if matches!(value.as_str(), Some("int32" | "int64" | "float" | "double" | "date-time" | "byte")) {
                    out.insert(key.clone(), value.clone());
                }
            }
            "type" => match value {
                Value::Array(types) => {
                    let non_null: Vec<&Value> = types.iter().filter(|t| *t != "null").collect();
                    if types.len() != non_null.len() {
                        out.insert("nullable".into(), Value::Bool(true));
                    }
                    if let [one] = non_null.as_slice() {
                        out.insert("type".into(), (*one).clone());
                    }
                }
                other => {
                    out.insert("type".into(), other.clone());
                }
            },
            "properties" => {
                let props: Map<String, Value> =
                    value.as_object().into_iter().flatten().map(|(k, v)| (k.clone(), structural(v, defs, depth + 1, describe))).collect();
                out.insert(key.clone(), Value::Object(props));
            }
            "items" => {
                out.insert(key.clone(), structural(value, defs, depth + 1, describe));
            }
            "additionalProperties" if value.is_object() => {
                out.insert(key.clone(), structural(value, defs, depth + 1, describe));
            }
            _ => {} // defaults, titles, `additionalProperties: false`, `$schema`, ...
        }
    }
    if out.get("x-kubernetes-int-or-string") == Some(&Value::Bool(true)) {
        out.shift_remove("type");
        out.insert("anyOf".into(), json!([{ "type": "integer" }, { "type": "string" }]));
    }
    let is_free_object = !out.contains_key("type") && !out.contains_key("anyOf")
        || (out.get("type") == Some(&json!("object")) && !out.contains_key("properties") && !out.contains_key("additionalProperties"));
    if is_free_object {
        out.insert("x-kubernetes-preserve-unknown-fields".into(), Value::Bool(true));
    }
    if out.get("type") == Some(&json!("object")) && !out.contains_key("properties") && map.get("additionalProperties") == Some(&Value::Bool(true)) {
        out.insert("x-kubernetes-preserve-unknown-fields".into(), Value::Bool(true));
    }
    Value::Object(out)
}
