//! Typed sink connector configurations: the container flattened into `SinkConnectorSpec`, the
//! built-in, queue and storage sinks. Warehouse and lakehouse sinks live in
//! [`super::warehouse_sinks`].
use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::shared::{
    default_true, Compression, FileFormat, GzipCompression, SaslMechanism, SecurityProtocol, TimePartitioning,
};
pub use super::warehouse_sinks::{
    BigQuerySinkConfig, DeltaLakeSinkConfig, IcebergSinkConfig, RedshiftSinkConfig, SnowflakeSinkConfig,
};

/// Typed sink configurations; at most one is set, matching `connector`.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct TypedSinkConfig {
    /// Typed config of an `s3` sink (rivven-storage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3: Option<Box<S3SinkConfig>>,
    /// Typed config of an `http` or `http-webhook` sink.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub http: Option<Box<HttpSinkConfig>>,
    /// Typed config of a `stdout` sink.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stdout: Option<Box<StdoutSinkConfig>>,
    /// Typed config of a `gcs` sink (rivven-storage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gcs: Option<Box<GcsSinkConfig>>,
    /// Typed config of an `azure-blob` sink (rivven-storage).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub azure_blob: Option<Box<AzureBlobSinkConfig>>,
    /// Typed config of a `snowflake` sink (rivven-warehouse).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snowflake: Option<Box<SnowflakeSinkConfig>>,
    /// Typed config of a `bigquery` sink (rivven-warehouse).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bigquery: Option<Box<BigQuerySinkConfig>>,
    /// Typed config of a `redshift` sink (rivven-warehouse).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redshift: Option<Box<RedshiftSinkConfig>>,
    /// Typed config of an `iceberg` sink (lakehouse).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub iceberg: Option<Box<IcebergSinkConfig>>,
    /// Typed config of a `delta` sink (lakehouse).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delta: Option<Box<DeltaLakeSinkConfig>>,
    /// Typed config of an `external-sink` sink (rivven-queue).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_sink: Option<Box<ExternalSinkConfig>>,
}

super::typed_config_accessors!(TypedSinkConfig {
    s3 => "s3",
    http => "http",
    stdout => "stdout",
    gcs => "gcs",
    azure_blob => "azureBlob",
    snowflake => "snowflake",
    bigquery => "bigquery",
    redshift => "redshift",
    iceberg => "iceberg",
    delta => "delta",
    external_sink => "externalSink",
});

/// Amazon S3 / MinIO object storage sink. Credentials come from `configSecretRef`.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct S3SinkConfig {
    /// Bucket name.
    #[schemars(length(min = 1))]
    pub bucket: String,
    /// AWS region, e.g. `us-east-1`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Custom endpoint URL (MinIO and other S3-compatible stores).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// Object key prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// File format.
    #[serde(default = "json_format")]
    pub format: FileFormat,
    /// Compression of the files.
    #[serde(default = "no_compression")]
    pub compression: Compression,
    /// Events per file.
    #[serde(default = "default_file_batch_size")]
    #[schemars(range(min = 1))]
    pub batch_size: u32,
    /// Flush interval in seconds.
    #[serde(default = "default_flush_interval_seconds")]
    #[schemars(range(min = 1))]
    pub flush_interval_seconds: u32,
}

fn json_format() -> FileFormat {
    FileFormat::Json
}

fn jsonl_format() -> FileFormat {
    FileFormat::Jsonl
}

fn no_compression() -> Compression {
    Compression::None
}

fn default_file_batch_size() -> u32 {
    1000
}

fn default_flush_interval_seconds() -> u32 {
    60
}

/// HTTP method of the HTTP sink.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "UPPERCASE")]
pub enum HttpSinkMethod {
    /// POST.
    #[default]
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
}

/// HTTP webhook sink: sends batches of events to a URL.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct HttpSinkConfig {
    /// Target URL (`http://` or `https://`).
    #[schemars(regex(pattern = r"^https?://.+"))]
    pub url: String,
    /// HTTP method.
    #[serde(default)]
    pub method: HttpSinkMethod,
    /// Content-Type header of the requests.
    #[serde(default = "default_content_type")]
    #[schemars(length(min = 1))]
    pub content_type: String,
    /// Extra request headers; put credentials in `configSecretRef` and reference them as `${KEY}`.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    /// Request timeout in milliseconds.
    #[serde(default = "default_timeout_ms")]
    #[schemars(range(min = 1))]
    pub timeout_ms: u64,
    /// Events per request.
    #[serde(default = "default_http_batch_size")]
    #[schemars(range(min = 1))]
    pub batch_size: u32,
}

fn default_content_type() -> String {
    "application/json".into()
}

fn default_timeout_ms() -> u64 {
    30_000
}

fn default_http_batch_size() -> u32 {
    100
}

/// Output format of the stdout sink.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StdoutFormat {
    /// One JSON document per event.
    Json,
    /// Human-readable, multi-line.
    #[default]
    Pretty,
    /// Plain text, one line per event.
    Text,
}

/// Standard output sink, for debugging.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct StdoutSinkConfig {
    /// Output format.
    pub format: StdoutFormat,
    /// Indent JSON output (with `format: json`).
    pub pretty: bool,
    /// Include event metadata (topic, partition, offset, timestamp).
    pub include_metadata: bool,
    /// Colour the output (ANSI escapes; off by default because pod logs are not terminals).
    pub color: bool,
}

impl Default for StdoutSinkConfig {
    fn default() -> Self {
        Self { format: StdoutFormat::Pretty, pretty: false, include_metadata: true, color: false }
    }
}

/// Producer acknowledgements towards an external broker.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Acks {
    /// No acknowledgement.
    #[serde(rename = "none")]
    None,
    /// The partition leader's acknowledgement.
    #[serde(rename = "leader")]
    Leader,
    /// Every in-sync replica's acknowledgement.
    #[default]
    #[serde(rename = "all")]
    All,
    /// Same as `none`.
    #[serde(rename = "0")]
    Zero,
    /// Same as `leader`.
    #[serde(rename = "1")]
    One,
    /// Same as `all`.
    #[serde(rename = "-1")]
    MinusOne,
}

/// Producer to an external message broker (hybrid deployments). The SASL password comes from
/// `configSecretRef`.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct ExternalSinkConfig {
    /// Bootstrap addresses of the external broker (`host:port`).
    #[schemars(length(min = 1))]
    pub brokers: Vec<String>,
    /// External topic to write to.
    #[schemars(length(min = 1))]
    pub topic: String,
    /// Acknowledgements the producer waits for.
    #[serde(default)]
    pub acks: Acks,
    /// Compression of produced batches.
    #[serde(default = "no_compression")]
    pub compression: Compression,
    /// Batch size in bytes.
    #[serde(default = "default_producer_batch_size")]
    pub batch_size: u32,
    /// Linger time in milliseconds.
    #[serde(default)]
    pub linger_ms: u64,
    /// Security protocol.
    #[serde(default)]
    pub security_protocol: SecurityProtocol,
    /// SASL mechanism (with the `sasl_*` protocols).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sasl_mechanism: Option<SaslMechanism>,
    /// SASL username; the password belongs in the Secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sasl_username: Option<String>,
}

fn default_producer_batch_size() -> u32 {
    16_384
}

/// Google Cloud Storage sink.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct GcsSinkConfig {
    /// Bucket name.
    #[schemars(length(min = 1))]
    pub bucket: String,
    /// Object key prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// File format.
    #[serde(default = "jsonl_format")]
    pub format: FileFormat,
    /// Compression of the files.
    #[serde(default)]
    pub compression: GzipCompression,
    /// Time-based partitioning of object keys.
    #[serde(default)]
    pub partitioning: TimePartitioning,
    /// Events per file.
    #[serde(default = "default_file_batch_size")]
    #[schemars(range(min = 1))]
    pub batch_size: u32,
    /// Flush interval in seconds.
    #[serde(default = "default_flush_interval_seconds")]
    #[schemars(range(min = 1))]
    pub flush_interval_seconds: u32,
    /// Path of a service account JSON file (mount it from a Secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_file: Option<String>,
    /// Use Application Default Credentials.
    #[serde(default = "default_true")]
    pub use_adc: bool,
}

/// Azure Blob Storage sink. The account key or SAS comes from `configSecretRef`.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AzureBlobSinkConfig {
    /// Storage account name.
    #[schemars(length(min = 1))]
    pub account_name: String,
    /// Container name.
    #[schemars(length(min = 1))]
    pub container: String,
    /// Blob name prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// File format.
    #[serde(default = "jsonl_format")]
    pub format: FileFormat,
    /// Compression of the files.
    #[serde(default)]
    pub compression: GzipCompression,
    /// Time-based partitioning of blob names.
    #[serde(default)]
    pub partitioning: TimePartitioning,
    /// Events per file.
    #[serde(default = "default_file_batch_size")]
    #[schemars(range(min = 1))]
    pub batch_size: u32,
    /// Flush interval in seconds.
    #[serde(default = "default_flush_interval_seconds")]
    #[schemars(range(min = 1))]
    pub flush_interval_seconds: u32,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn minimal_forms_get_the_documented_defaults() {
        let s: S3SinkConfig = serde_json::from_value(json!({"bucket": "b"})).unwrap();
        assert_eq!(
            (s.format, s.compression, s.batch_size, s.flush_interval_seconds),
            (FileFormat::Json, Compression::None, 1000, 60)
        );
        let h: HttpSinkConfig = serde_json::from_value(json!({"url": "http://x"})).unwrap();
        assert_eq!(
            (h.method, h.content_type.as_str(), h.timeout_ms, h.batch_size),
            (HttpSinkMethod::Post, "application/json", 30_000, 100)
        );
        let o: StdoutSinkConfig = serde_json::from_value(json!({})).unwrap();
        assert_eq!(o, StdoutSinkConfig::default());
        let e: ExternalSinkConfig = serde_json::from_value(json!({"brokers": ["k:9092"], "topic": "t"})).unwrap();
        assert_eq!((e.acks, e.compression, e.batch_size, e.linger_ms), (Acks::All, Compression::None, 16_384, 0));
        let g: GcsSinkConfig = serde_json::from_value(json!({"bucket": "b"})).unwrap();
        assert_eq!(
            (g.format, g.compression, g.partitioning, g.use_adc),
            (FileFormat::Jsonl, GzipCompression::None, TimePartitioning::None, true)
        );
        let a: AzureBlobSinkConfig = serde_json::from_value(json!({"accountName": "a", "container": "c"})).unwrap();
        assert_eq!((a.format, a.batch_size), (FileFormat::Jsonl, 1000));
        assert!(serde_json::from_value::<S3SinkConfig>(json!({})).is_err());
        assert!(serde_json::from_value::<AzureBlobSinkConfig>(json!({"accountName": "a"})).is_err());
    }

    #[test]
    fn acks_spellings() {
        for (a, s) in [(Acks::Zero, "0"), (Acks::One, "1"), (Acks::MinusOne, "-1"), (Acks::Leader, "leader")] {
            assert_eq!(serde_json::to_value(a).unwrap(), json!(s));
            assert_eq!(serde_json::from_value::<Acks>(json!(s)).unwrap(), a);
        }
        assert!(serde_json::from_value::<GcsSinkConfig>(json!({"bucket": "b", "compression": "zstd"})).is_err());
    }

    #[test]
    fn accessors() {
        let mut t = TypedSinkConfig { stdout: Some(Box::default()), ..Default::default() };
        assert_eq!(t.set_fields(), vec!["stdout"]);
        assert_eq!(t.to_value().unwrap().1["includeMetadata"], json!(true));
        t.azure_blob = Some(serde_json::from_value(json!({"accountName": "a", "container": "c"})).unwrap());
        assert_eq!(t.set_fields(), vec!["stdout", "azureBlob"]);
        let config = json!({"bucket": "b"}).as_object().unwrap().clone();
        assert!(TypedSinkConfig::from_config("s3", &config).unwrap().s3.is_some());
        assert!(TypedSinkConfig::from_config("azureBlob", &config).is_err());
    }
}
