//! Defaults are defined once: a minimal object of each kind deserializes to the Rust `Default`, and
//! every `default` in the generated schema equals the value serde fills in.
use rivven_render::model::common::ClusterRef;
use rivven_render::model::topic::TopicConfig;
use rivven_render::model::{Kind, RivvenClusterSpec, RivvenConnectSpec, RivvenSchemaRegistrySpec, RivvenTopicSpec};
use rivven_render::schema::document_schema;
use serde_json::{json, Value};

fn cluster_ref() -> ClusterRef {
    ClusterRef { name: "main".into(), namespace: None }
}

#[test]
fn minimal_specs_deserialize_to_the_documented_defaults() {
    let cluster: RivvenClusterSpec = serde_json::from_value(json!({})).unwrap();
    assert_eq!(cluster, RivvenClusterSpec::default());
    assert_eq!((cluster.replicas, cluster.storage.size.as_str(), cluster.tls.enabled, cluster.metrics.enabled), (3, "10Gi", false, true));

    let connect: RivvenConnectSpec = serde_json::from_value(json!({"clusterRef": {"name": "main"}})).unwrap();
    assert_eq!(connect, RivvenConnectSpec { cluster_ref: cluster_ref(), ..Default::default() });
    assert_eq!((connect.replicas, connect.settings.topic.auto_create, connect.settings.retry.max_retries, connect.tls.enabled), (1, true, 10, false));

    let registry: RivvenSchemaRegistrySpec = serde_json::from_value(json!({"clusterRef": {"name": "main"}})).unwrap();
    assert_eq!(registry, RivvenSchemaRegistrySpec { cluster_ref: cluster_ref(), ..Default::default() });
    assert_eq!((registry.replicas, registry.server.port, registry.server.bind_address.as_str(), registry.storage.topic.as_str()), (1, 8081, "0.0.0.0", "_schemas"));

    let topic: RivvenTopicSpec = serde_json::from_value(json!({"clusterRef": {"name": "main"}})).unwrap();
    let expected = RivvenTopicSpec {
        cluster_ref: cluster_ref(),
        topic_name: None,
        partitions: 3,
        replication_factor: 1,
        config: TopicConfig::default(),
        acls: Vec::new(),
        delete_on_remove: false,
    };
    assert_eq!(topic, expected);
}

/// Walks the schema along the effective (defaulted) value and compares every `default`.
fn compare_defaults(root: &Value, node: &Value, value: &Value, path: &str, checked: &mut usize) {
    let node = resolve(root, node);
    let Some(props) = node.get("properties").and_then(Value::as_object) else { return };
    for (name, prop) in props {
        let Some(actual) = value.get(name) else { continue };
        if let Some(default) = prop.get("default") {
            assert_eq!(default, actual, "schema default of {path}.{name} differs from serde's");
            *checked += 1;
        }
        if actual.is_object() {
            compare_defaults(root, prop, actual, &format!("{path}.{name}"), checked);
        }
    }
}

fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        return resolve(root, root.pointer(r.trim_start_matches('#')).expect("ref resolves"));
    }
    if let Some(Value::Array(branches)) = node.get("anyOf") {
        if let Some(b) = branches.iter().find(|b| b.get("type") != Some(&json!("null"))) {
            return resolve(root, b);
        }
    }
    node
}

#[test]
fn schema_defaults_agree_with_serde_and_rust_defaults() {
    let minimal: [(Kind, Value); 4] = [
        (Kind::Cluster, serde_json::to_value(RivvenClusterSpec::default()).unwrap()),
        (Kind::Connect, serde_json::to_value(serde_json::from_value::<RivvenConnectSpec>(json!({"clusterRef": {"name": "main"}})).unwrap()).unwrap()),
        (Kind::Topic, serde_json::to_value(serde_json::from_value::<RivvenTopicSpec>(json!({"clusterRef": {"name": "main"}})).unwrap()).unwrap()),
        (Kind::SchemaRegistry, serde_json::to_value(serde_json::from_value::<RivvenSchemaRegistrySpec>(json!({"clusterRef": {"name": "main"}})).unwrap()).unwrap()),
    ];
    for (kind, effective) in minimal {
        let schema = document_schema(kind);
        let mut checked = 0;
        compare_defaults(&schema, &schema["properties"]["spec"], &effective, "spec", &mut checked);
        assert!(checked >= 3, "{}: only {checked} defaults compared", kind.name());
    }
}

#[test]
fn minimal_documents_pass_validation_without_errors() {
    for file in ["cluster", "connect", "topic", "schema-registry"] {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("examples/minimal/{file}.yaml"));
        let compilation = rivven_render::compile::compile(&[rivven_render::compile::Input::Path(path)], &Default::default());
        let diagnostics = &compilation.diagnostics;
        assert!(!diagnostics.has_errors(), "{file}: {:?}", diagnostics.iter().collect::<Vec<_>>());
    }
    // A cluster with nothing but a name (every spec field defaulted) is valid too.
    let text = "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: bare\nspec: {}\n";
    let diagnostics = rivven_render::compile::compile_texts(&[("bare.yaml", text)], &Default::default()).diagnostics;
    assert!(!diagnostics.has_errors(), "{:?}", diagnostics.iter().collect::<Vec<_>>());
}
