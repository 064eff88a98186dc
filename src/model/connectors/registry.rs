//! The table of known connector types: type strings, direction, typed field and JSON Schema.
//!
//! A connector type not in the table (e.g. `clickhouse`, which the spec lists without a typed table,
//! or `my-custom-sink`) is a custom connector, configured through `config` only.
use schemars::generate::SchemaSettings;
use schemars::JsonSchema;

use super::sinks::{
    AzureBlobSinkConfig, BigQuerySinkConfig, DeltaLakeSinkConfig, ExternalSinkConfig, GcsSinkConfig, HttpSinkConfig,
    IcebergSinkConfig, RedshiftSinkConfig, S3SinkConfig, SnowflakeSinkConfig, StdoutSinkConfig,
};
use super::sources::{
    DatagenConfig, ExternalSourceConfig, HttpSourceConfig, MqttSourceConfig, MysqlCdcConfig, PostgresCdcConfig,
    PubSubSourceConfig, SqsSourceConfig,
};

/// Whether a connector reads from (source) or writes to (sink) an external system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Reads from an external system into a topic (`spec.sources`).
    Source,
    /// Reads topics into an external system (`spec.sinks`).
    Sink,
}

/// A known connector type.
#[derive(Debug)]
pub struct KnownConnector {
    /// The `connector` strings naming this type (several for aliases such as `http-webhook`).
    pub types: &'static [&'static str],
    /// Source or sink.
    pub direction: Direction,
    /// camelCase name of the typed field next to `connector` (e.g. `postgresCdc`).
    pub typed_field: &'static str,
    /// JSON Schema (draft 2020-12, root schema with `$defs`) of the typed config; the generic `config`
    /// map of a connector of this type is checked against the same schema.
    pub schema: fn() -> serde_json::Value,
}

/// Root schema of `T` with draft 2020-12 settings.
pub fn schema_of<T: JsonSchema>() -> serde_json::Value {
    SchemaSettings::draft2020_12().into_generator().into_root_schema_for::<T>().to_value()
}

const fn known(
    types: &'static [&'static str],
    direction: Direction,
    typed_field: &'static str,
    schema: fn() -> serde_json::Value,
) -> KnownConnector {
    KnownConnector { types, direction, typed_field, schema }
}

static KNOWN: &[KnownConnector] = &[
    // Built-in sources (rivven-connect core).
    known(&["postgres-cdc"], Direction::Source, "postgresCdc", schema_of::<PostgresCdcConfig>),
    known(&["mysql-cdc"], Direction::Source, "mysqlCdc", schema_of::<MysqlCdcConfig>),
    known(&["http"], Direction::Source, "http", schema_of::<HttpSourceConfig>),
    known(&["datagen"], Direction::Source, "datagen", schema_of::<DatagenConfig>),
    // Queue sources (rivven-queue).
    known(&["external-source"], Direction::Source, "externalSource", schema_of::<ExternalSourceConfig>),
    known(&["mqtt-source"], Direction::Source, "mqtt", schema_of::<MqttSourceConfig>),
    known(&["sqs-source"], Direction::Source, "sqs", schema_of::<SqsSourceConfig>),
    known(&["pubsub-source"], Direction::Source, "pubsub", schema_of::<PubSubSourceConfig>),
    // Built-in sinks (rivven-connect core).
    known(&["stdout"], Direction::Sink, "stdout", schema_of::<StdoutSinkConfig>),
    known(&["http", "http-webhook"], Direction::Sink, "http", schema_of::<HttpSinkConfig>),
    // Queue sinks (rivven-queue).
    known(&["external-sink"], Direction::Sink, "externalSink", schema_of::<ExternalSinkConfig>),
    // Storage sinks (rivven-storage).
    known(&["s3"], Direction::Sink, "s3", schema_of::<S3SinkConfig>),
    known(&["gcs"], Direction::Sink, "gcs", schema_of::<GcsSinkConfig>),
    known(&["azure-blob"], Direction::Sink, "azureBlob", schema_of::<AzureBlobSinkConfig>),
    // Warehouse sinks (rivven-warehouse).
    known(&["snowflake"], Direction::Sink, "snowflake", schema_of::<SnowflakeSinkConfig>),
    known(&["bigquery"], Direction::Sink, "bigquery", schema_of::<BigQuerySinkConfig>),
    known(&["redshift"], Direction::Sink, "redshift", schema_of::<RedshiftSinkConfig>),
    // Lakehouse sinks.
    known(&["iceberg"], Direction::Sink, "iceberg", schema_of::<IcebergSinkConfig>),
    known(&["delta"], Direction::Sink, "delta", schema_of::<DeltaLakeSinkConfig>),
];

/// The known connector of `direction` named `connector` (exact, case-sensitive match); `None` for a
/// custom connector.
pub fn lookup(direction: Direction, connector: &str) -> Option<&'static KnownConnector> {
    KNOWN.iter().find(|k| k.direction == direction && k.types.contains(&connector))
}

/// The known connector of `direction` whose typed field is `typed_field` (e.g. `postgresCdc`).
pub fn by_typed_field(direction: Direction, typed_field: &str) -> Option<&'static KnownConnector> {
    KNOWN.iter().find(|k| k.direction == direction && k.typed_field == typed_field)
}

/// Every known connector, sources first.
pub fn all() -> &'static [KnownConnector] {
    KNOWN
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::connectors::sinks::TypedSinkConfig;
    use crate::model::connectors::sources::TypedSourceConfig;

    const SOURCES: [&str; 8] = [
        "postgres-cdc",
        "mysql-cdc",
        "http",
        "datagen",
        "external-source",
        "mqtt-source",
        "sqs-source",
        "pubsub-source",
    ];
    const SINKS: [&str; 12] = [
        "stdout",
        "http",
        "http-webhook",
        "s3",
        "gcs",
        "azure-blob",
        "snowflake",
        "bigquery",
        "redshift",
        "iceberg",
        "delta",
        "external-sink",
    ];

    #[test]
    fn lookup_finds_every_documented_type() {
        for t in SOURCES {
            let k = lookup(Direction::Source, t).unwrap_or_else(|| panic!("source {t}"));
            assert_eq!(k.direction, Direction::Source);
        }
        for t in SINKS {
            assert_eq!(lookup(Direction::Sink, t).unwrap_or_else(|| panic!("sink {t}")).direction, Direction::Sink);
        }
        assert_eq!(lookup(Direction::Sink, "http-webhook").unwrap().typed_field, "http");
        assert_eq!(lookup(Direction::Source, "postgres-cdc").unwrap().typed_field, "postgresCdc");
        assert!(lookup(Direction::Sink, "clickhouse").is_none());
        assert!(lookup(Direction::Sink, "my-custom-sink").is_none());
        assert!(lookup(Direction::Source, "s3").is_none());
        assert!(lookup(Direction::Sink, "datagen").is_none());
        assert!(lookup(Direction::Source, "Datagen").is_none());
        assert_eq!(by_typed_field(Direction::Sink, "azureBlob").unwrap().types, &["azure-blob"]);
    }

    #[test]
    fn typed_fields_match_the_containers() {
        let sources: Vec<_> =
            all().iter().filter(|k| k.direction == Direction::Source).map(|k| k.typed_field).collect();
        assert_eq!(sources, TypedSourceConfig::FIELDS);
        let mut sinks: Vec<_> =
            all().iter().filter(|k| k.direction == Direction::Sink).map(|k| k.typed_field).collect();
        let mut fields = TypedSinkConfig::FIELDS.to_vec();
        sinks.sort_unstable();
        fields.sort_unstable();
        assert_eq!(sinks, fields);
        // The accessor names are the serde names: compare with the containers' schema properties.
        for (fields, schema) in [
            (TypedSourceConfig::FIELDS, schema_of::<TypedSourceConfig>()),
            (TypedSinkConfig::FIELDS, schema_of::<TypedSinkConfig>()),
        ] {
            let props: Vec<_> = schema["properties"].as_object().unwrap().keys().map(String::as_str).collect();
            assert_eq!(props, fields);
        }
    }

    #[test]
    fn schemas_are_draft_2020_12_roots() {
        for k in all() {
            let s = (k.schema)();
            assert_eq!(s["$schema"], "https://json-schema.org/draft/2020-12/schema", "{:?}", k.types);
            assert_eq!(s["type"], "object", "{:?}", k.types);
            assert!(s["properties"].is_object(), "{:?}", k.types);
        }
        let pg = (lookup(Direction::Source, "postgres-cdc").unwrap().schema)();
        assert!(pg["$defs"]["SnapshotCdcConfigSpec"].is_object());
        assert_eq!(pg["properties"]["snapshotMode"]["default"], "initial");
        let dedup = &pg["$defs"]["DeduplicationCdcSpec"]["properties"]["bloomFpp"];
        assert_eq!((dedup["exclusiveMinimum"].as_f64(), dedup["exclusiveMaximum"].as_f64()), (Some(0.0), Some(1.0)));
        let s3 = (lookup(Direction::Sink, "s3").unwrap().schema)();
        assert_eq!(s3["required"], serde_json::json!(["bucket"]));
    }
}
