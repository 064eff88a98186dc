//! The committed files under schemas/ must be exactly what the code generates.
use std::path::Path;

use rivven_render::model::Kind;
use rivven_render::schema::{crd_stream, plan_schema_files, schema_file_name, schema_file_text};

const REGENERATE: &str = "regenerate with `cargo run -- schemas -o schemas && cargo run -- crd > schemas/crds.yaml`";

#[test]
fn committed_json_schemas_match_the_code() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    for kind in Kind::ALL {
        let path = dir.join(schema_file_name(kind));
        let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}; {REGENERATE}", path.display()));
        assert!(committed == schema_file_text(kind), "{} drifted from the code; {REGENERATE}", path.display());
    }
}

#[test]
fn committed_plan_schemas_match_the_code() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
    for (name, text) in plan_schema_files() {
        let path = dir.join(name);
        let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}; {REGENERATE}", path.display()));
        assert!(committed == text, "{} drifted from the code; {REGENERATE}", path.display());
    }
}

/// The plan ConfigMaps of the examples read back as the typed plans, and validate against their
/// committed schemas: what the companion will read is what the renderer wrote.
#[test]
fn rendered_plans_read_back_as_typed_plans_and_match_their_schemas() {
    use rivven_render::compile::{compile, CompileOptions, Input};
    use rivven_render::model::plan::{RegistryPlan, TopicPlan};
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let compilation = compile(&[Input::Path(examples)], &CompileOptions::default());
    let schema = |name: &str| {
        let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas").join(name)).unwrap();
        jsonschema::validator_for(&serde_json::from_str(&text).unwrap()).unwrap()
    };
    let (topic_schema, registry_schema) = (schema("topic-plan.json"), schema("registry-plan.json"));
    let (mut topics, mut registries) = (0, 0);
    for object in compilation.objects() {
        if let Some(text) = object.value.pointer("/data/topics.json").and_then(|v| v.as_str()) {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            assert!(topic_schema.is_valid(&value), "{}: {text}", object.name);
            let plan: TopicPlan = serde_json::from_value(value).unwrap();
            assert!(compilation.topic_plans().iter().any(|p| p.plan == plan && p.namespace == object.namespace), "{}: the ConfigMap holds the compiled plan", object.name);
            topics += 1;
        }
        if let Some(text) = object.value.pointer("/data/registry-plan.json").and_then(|v| v.as_str()) {
            let value: serde_json::Value = serde_json::from_str(text).unwrap();
            assert!(registry_schema.is_valid(&value), "{}: {text}", object.name);
            let plan: RegistryPlan = serde_json::from_value(value).unwrap();
            assert!(compilation.registry_plans().iter().any(|p| p.plan == plan && p.namespace == object.namespace), "{}: the ConfigMap holds the compiled plan", object.name);
            registries += 1;
        }
    }
    assert!(topics >= 2 && registries >= 2, "the examples render topic and registry plans ({topics}, {registries})");
}

#[test]
fn committed_crds_match_the_code() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas/crds.yaml");
    let committed = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}; {REGENERATE}", path.display()));
    assert!(committed == crd_stream(), "{} drifted from the code; {REGENERATE}", path.display());
}

#[test]
fn crds_are_structural() {
    // Every node of a structural schema has a type, except int-or-string and preserve-unknown nodes;
    // no `$ref`, no `additionalProperties: false`, no draft 2020-12 exclusive bounds as numbers.
    fn walk(node: &serde_json::Value, path: &str) {
        let map = node.as_object().unwrap_or_else(|| panic!("{path}: not an object"));
        assert!(!map.contains_key("$ref"), "{path}: $ref");
        assert!(map.get("additionalProperties") != Some(&serde_json::Value::Bool(false)), "{path}: additionalProperties false");
        let exempt = map.contains_key("x-kubernetes-int-or-string") || map.contains_key("x-kubernetes-preserve-unknown-fields");
        assert!(exempt || map.contains_key("type"), "{path}: no type");
        for bound in ["exclusiveMinimum", "exclusiveMaximum"] {
            assert!(map.get(bound).is_none_or(|v| v.is_boolean()), "{path}: {bound} must be a boolean");
        }
        assert!(!map.contains_key("default"), "{path}: defaults belong to rivven-render, not the API server");
        if let Some(props) = map.get("properties").and_then(|p| p.as_object()) {
            for (name, child) in props {
                walk(child, &format!("{path}.{name}"));
            }
        }
        if let Some(items) = map.get("items") {
            walk(items, &format!("{path}[]"));
        }
        if let Some(extra) = map.get("additionalProperties").filter(|a| a.is_object()) {
            walk(extra, &format!("{path}{{}}"));
        }
    }
    for kind in Kind::ALL {
        let crd = rivven_render::schema::crd::crd(kind);
        let schema = &crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"];
        walk(schema, kind.name());
        let short = crd["spec"]["names"]["shortNames"].as_array().unwrap();
        for builtin in ["rc", "rs", "ds", "deploy", "sts", "svc", "cm", "ns", "po", "pv", "pvc", "sa", "ep", "ev", "hpa", "pdb", "crd", "csr", "ing", "netpol", "pc", "psp", "quota", "limits", "no", "cs"] {
            assert!(!short.iter().any(|s| s == builtin), "{}: short name {builtin} collides with a built-in kind", kind.name());
        }
        assert_eq!(crd["spec"]["names"]["categories"][0], "rivven");
        assert!(crd["spec"]["versions"][0]["subresources"]["status"].is_object());
    }
}
