//! The spec README's example `config` maps, checked against the typed configs and their schemas.
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::registry::{all, lookup, Direction};
use super::sinks::{S3SinkConfig, StdoutSinkConfig, TypedSinkConfig};
use super::sources::{DatagenConfig, PostgresCdcConfig, TypedSourceConfig};

/// `postgres-cdc` config of "Create a RivvenConnect Instance".
pub(crate) fn readme_postgres_config() -> Value {
    json!({
        "slotName": "rivven_cdc_slot",
        "publication": "rivven_pub",
        "snapshotMode": "initial",
        "decodingPlugin": "pgoutput",
        "heartbeatIntervalMs": 10000,
        "tables": [
            {"schema": "public", "table": "orders",
             "columns": ["id", "customer_id", "total", "status", "created_at"], "excludeColumns": ["internal_notes"]},
            {"schema": "public", "table": "customers",
             "columnMasks": {"email": "***@***.***", "phone": "***-***-****"}}
        ],
        "snapshot": {"batchSize": 20000, "parallelTables": 8, "queryTimeoutSecs": 600},
        "incrementalSnapshot": {"enabled": true, "chunkSize": 2048, "watermarkStrategy": "update_and_insert"},
        "heartbeat": {"enabled": true, "intervalSecs": 5, "maxLagSecs": 60, "emitEvents": true},
        "deduplication": {"enabled": true, "bloomExpectedInsertions": 500000, "windowSecs": 7200},
        "parallel": {"enabled": true, "concurrency": 8, "workStealing": true},
        "health": {"enabled": true, "checkIntervalSecs": 5, "maxLagMs": 10000, "autoRecovery": true}
    })
}

/// `postgres-cdc` config of "Create an Advanced CDC Pipeline".
pub(crate) fn readme_advanced_postgres_config() -> Value {
    json!({
        "slotName": "rivven_production_slot",
        "publication": "rivven_all_tables",
        "snapshotMode": "initial",
        "decodingPlugin": "pgoutput",
        "tables": [{"schema": "public", "table": "orders"}, {"schema": "public", "table": "customers"}],
        "snapshot": {"batchSize": 50000, "parallelTables": 8, "queryTimeoutSecs": 600, "maxRetries": 5},
        "incrementalSnapshot": {"enabled": true, "chunkSize": 5000, "watermarkStrategy": "insert", "maxConcurrentChunks": 4},
        "signal": {"enabled": true, "dataCollection": "cdc.signals", "enabledChannels": ["source", "topic"]},
        "heartbeat": {"enabled": true, "intervalSecs": 5, "maxLagSecs": 60, "emitEvents": true, "topic": "__cdc_heartbeat"},
        "deduplication": {"enabled": true, "bloomExpectedInsertions": 1000000, "bloomFpp": 0.001, "lruSize": 100000, "windowSecs": 7200},
        "transactionTopic": {"enabled": true, "topicName": "__cdc_transactions", "includeDataCollections": true},
        "router": {
            "enabled": true, "defaultDestination": "cdc.default", "deadLetterQueue": "cdc.dlq",
            "rules": [
                {"conditionType": "table", "conditionValue": "orders", "destination": "cdc.orders", "priority": 10},
                {"conditionType": "operation", "conditionValue": "DELETE", "destination": "cdc.deletes", "priority": 5}
            ]
        },
        "partitioner": {"enabled": true, "numPartitions": 32, "strategy": "key_hash", "keyColumns": ["id"]},
        "transforms": [
            {"type": "extract_new_record_state", "config": {"addFields": "op,source.ts_ms", "dropTombstones": false}},
            {"type": "mask_field", "config": {"fields": "email,phone", "replacement": "***MASKED***"}}
        ],
        "parallel": {"enabled": true, "concurrency": 8, "perTableBuffer": 5000, "outputBuffer": 50000, "workStealing": true},
        "health": {"enabled": true, "checkIntervalSecs": 5, "maxLagMs": 10000, "failureThreshold": 3, "autoRecovery": true}
    })
}

/// `s3` config of "Create a RivvenConnect Instance".
pub(crate) fn readme_s3_config() -> Value {
    json!({
        "bucket": "my-data-lake", "region": "us-east-1", "prefix": "cdc/events", "format": "parquet",
        "compression": "zstd", "batchSize": 10000, "flushIntervalSeconds": 60
    })
}

/// `iceberg` config of "Create a RivvenConnect Instance".
pub(crate) fn readme_iceberg_config() -> Value {
    json!({
        "catalog": {"type": "rest", "rest": {"uri": "http://polaris:8181"}, "warehouse": "s3://my-lakehouse/warehouse"},
        "namespace": "analytics",
        "table": "cdc_events",
        "partitioning": "day",
        "partitionFields": ["event_date"],
        "commitMode": "append",
        "batchSize": 50000,
        "flushIntervalSeconds": 300,
        "targetFileSizeMb": 128,
        "compression": "zstd",
        "storage": {"s3": {"region": "us-east-1"}}
    })
}

/// `stdout` config of "Create a RivvenConnect Instance".
pub(crate) fn readme_stdout_config() -> Value {
    json!({"format": "json", "pretty": true, "includeMetadata": true})
}

/// The README's known-connector configs: (direction, connector type, config).
fn readme_configs() -> Vec<(Direction, &'static str, Value)> {
    vec![
        (Direction::Source, "postgres-cdc", readme_postgres_config()),
        (Direction::Source, "postgres-cdc", readme_advanced_postgres_config()),
        (Direction::Sink, "s3", readme_s3_config()),
        (Direction::Sink, "iceberg", readme_iceberg_config()),
        (Direction::Sink, "stdout", readme_stdout_config()),
    ]
}

fn closed_schema(direction: Direction, connector: &str) -> Value {
    crate::schema::strict((lookup(direction, connector).unwrap().schema)())
}

fn errors(schema: &Value, instance: &Value) -> Vec<String> {
    let validator = jsonschema::validator_for(schema).expect("generated schemas compile");
    validator.iter_errors(instance).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn readme_configs_pass_their_schema_and_deserialize() {
    for (direction, connector, config) in readme_configs() {
        let schema = closed_schema(direction, connector);
        assert_eq!(errors(&schema, &config), Vec::<String>::new(), "{connector}");
        let field = lookup(direction, connector).unwrap().typed_field;
        let map = config.as_object().unwrap();
        match direction {
            Direction::Source => assert_eq!(TypedSourceConfig::from_config(field, map).unwrap().set_fields(), [field]),
            Direction::Sink => assert_eq!(TypedSinkConfig::from_config(field, map).unwrap().set_fields(), [field]),
        }
    }
    let s3: S3SinkConfig = serde_json::from_value(readme_s3_config()).unwrap();
    assert_eq!((s3.bucket.as_str(), s3.batch_size), ("my-data-lake", 10_000));
    let stdout: StdoutSinkConfig = serde_json::from_value(readme_stdout_config()).unwrap();
    assert!(stdout.pretty && stdout.include_metadata);
}

#[test]
fn schemas_reject_bad_configs() {
    let pg = closed_schema(Direction::Source, "postgres-cdc");
    let bad = [
        json!({"snapshotMode": "sometimes"}),
        json!({"slotNmae": "typo"}),
        json!({"deduplication": {"bloomFpp": 1.0}}),
        json!({"deduplication": {"bloomFpp": 0}}),
        json!({"outbox": {"retentionSecs": 60}}),
        json!({"snapshot": {"parallelTables": 33}}),
        json!({"transforms": [{"type": "explode"}]}),
        json!({"tables": [{"schema": "public"}]}),
        json!({"heartbeatIntervalMs": -1}),
        json!({"readOnlyReplica": {"watermarkSource": "both"}}),
    ];
    for config in bad {
        assert!(!errors(&pg, &config).is_empty(), "accepted {config}");
    }
    let mysql = closed_schema(Direction::Source, "mysql-cdc");
    assert!(!errors(&mysql, &json!({"readOnlyReplica": {"enabled": true}})).is_empty());
    let s3 = closed_schema(Direction::Sink, "s3");
    assert!(!errors(&s3, &json!({"region": "us-east-1"})).is_empty());
    let ext = closed_schema(Direction::Sink, "external-sink");
    assert!(errors(&ext, &json!({"brokers": ["k:9092"], "topic": "t", "acks": "-1"})).is_empty());
    assert!(!errors(&ext, &json!({"brokers": ["k:9092"], "topic": "t", "acks": -1})).is_empty());
    assert!(!errors(&ext, &json!({"brokers": [], "topic": "t"})).is_empty());
}

/// Schema defaults equal the serde defaults: deserializing `{}` plus the required fields, then
/// serializing, gives back every `default` the schema states at the top level.
#[test]
fn schema_defaults_agree_with_serde() {
    fn check<T: DeserializeOwned + Serialize>(direction: Direction, connector: &str, required: Value) {
        let schema = (lookup(direction, connector).unwrap().schema)();
        let value = serde_json::to_value(serde_json::from_value::<T>(required).unwrap()).unwrap();
        for (name, prop) in schema["properties"].as_object().unwrap() {
            if let Some(default) = prop.get("default") {
                assert_eq!(&value[name], default, "{connector}.{name}");
            }
        }
    }
    use super::sinks::*;
    use super::sources::*;
    check::<PostgresCdcConfig>(Direction::Source, "postgres-cdc", json!({}));
    check::<MysqlCdcConfig>(Direction::Source, "mysql-cdc", json!({}));
    check::<DatagenConfig>(Direction::Source, "datagen", json!({}));
    check::<HttpSourceConfig>(Direction::Source, "http", json!({"url": "http://x"}));
    check::<SqsSourceConfig>(Direction::Source, "sqs-source", json!({"queueUrl": "q", "region": "r"}));
    check::<PubSubSourceConfig>(Direction::Source, "pubsub-source", json!({"projectId": "p", "subscription": "s"}));
    check::<MqttSourceConfig>(Direction::Source, "mqtt-source", json!({"brokerUrl": "b", "topics": ["t"]}));
    check::<StdoutSinkConfig>(Direction::Sink, "stdout", json!({}));
    check::<S3SinkConfig>(Direction::Sink, "s3", json!({"bucket": "b"}));
    check::<HttpSinkConfig>(Direction::Sink, "http", json!({"url": "http://x"}));
    check::<ExternalSinkConfig>(Direction::Sink, "external-sink", json!({"brokers": ["b"], "topic": "t"}));
    check::<GcsSinkConfig>(Direction::Sink, "gcs", json!({"bucket": "b"}));
    check::<IcebergSinkConfig>(Direction::Sink, "iceberg", json!({"namespace": "n", "table": "t"}));
    check::<DeltaLakeSinkConfig>(Direction::Sink, "delta", json!({"tablePath": "p"}));
    check::<RedshiftSinkConfig>(
        Direction::Sink,
        "redshift",
        json!({"host": "h", "database": "d", "user": "u", "table": "t"}),
    );
}

#[test]
fn roundtrips_are_identity() {
    fn roundtrip<T: DeserializeOwned + Serialize + PartialEq + std::fmt::Debug>(value: &Value) {
        let typed: T = serde_json::from_value(value.clone()).unwrap();
        let again: T = serde_json::from_value(serde_json::to_value(&typed).unwrap()).unwrap();
        assert_eq!(typed, again);
    }
    roundtrip::<PostgresCdcConfig>(&readme_postgres_config());
    roundtrip::<PostgresCdcConfig>(&readme_advanced_postgres_config());
    roundtrip::<S3SinkConfig>(&readme_s3_config());
    roundtrip::<super::sinks::IcebergSinkConfig>(&readme_iceberg_config());
    roundtrip::<StdoutSinkConfig>(&readme_stdout_config());
    roundtrip::<DatagenConfig>(&json!({"pattern": "key_value", "seed": 7}));
    // The flattened containers, as they sit in a connector spec.
    let source = json!({"postgresCdc": readme_advanced_postgres_config()});
    roundtrip::<TypedSourceConfig>(&source);
    let sink = json!({"iceberg": readme_iceberg_config()});
    roundtrip::<TypedSinkConfig>(&sink);
    // Serialized form of a full config deserializes to the same value and passes the schema.
    let typed: PostgresCdcConfig = serde_json::from_value(readme_advanced_postgres_config()).unwrap();
    let full = serde_json::to_value(&typed).unwrap();
    assert_eq!(errors(&closed_schema(Direction::Source, "postgres-cdc"), &full), Vec::<String>::new());
}

#[test]
fn every_known_schema_compiles() {
    for k in all() {
        let schema = crate::schema::strict((k.schema)());
        jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{:?}: {e}", k.types));
    }
}

/// The typed forms sit flattened next to `connector` in a connector spec, beside `config`.
#[test]
fn typed_forms_in_connector_specs() {
    use crate::model::connect::{SinkConnectorSpec, SourceConnectorSpec};
    let source = json!({
        "name": "pg", "connector": "postgres-cdc", "topic": "cdc.events",
        "postgresCdc": {"slotName": "s", "tables": [{"table": "orders"}]}
    });
    let spec: SourceConnectorSpec = serde_json::from_value(source.clone()).unwrap();
    assert_eq!(spec.typed.set_fields(), ["postgresCdc"]);
    assert!(spec.config.is_empty());
    let (field, value) = spec.typed.to_value().unwrap();
    assert_eq!((field, &value["slotName"], &value["snapshotMode"]), ("postgresCdc", &json!("s"), &json!("initial")));
    let again: SourceConnectorSpec = serde_json::from_value(serde_json::to_value(&spec).unwrap()).unwrap();
    assert_eq!(again, spec);

    let sink = json!({
        "name": "out", "connector": "stdout", "topics": ["t"], "consumerGroup": "g",
        "config": readme_stdout_config()
    });
    let spec: SinkConnectorSpec = serde_json::from_value(sink.clone()).unwrap();
    assert!(spec.typed.set_fields().is_empty());
    assert_eq!(spec.config["format"], "json");

    // The document schema accepts both forms and rejects unknown keys inside the typed form.
    let schema = crate::schema::document_schema(crate::model::Kind::Connect);
    let doc = |sources: Value, sinks: Value| {
        json!({
            "apiVersion": crate::model::API_VERSION, "kind": "RivvenConnect", "metadata": {"name": "c"},
            "spec": {"clusterRef": {"name": "p"}, "sources": sources, "sinks": sinks}
        })
    };
    let typed_sink = json!({"name": "s3", "connector": "s3", "topics": ["t"], "consumerGroup": "g",
        "s3": readme_s3_config()});
    assert_eq!(errors(&schema, &doc(json!([source]), json!([sink, typed_sink]))), Vec::<String>::new());
    let bad = json!({"name": "pg", "connector": "postgres-cdc", "topic": "t", "postgresCdc": {"slotNmae": "s"}});
    assert!(!errors(&schema, &doc(json!([bad]), json!([]))).is_empty());
}
