//! Enums and nested types used by several connector configurations.
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// Security protocol towards an external broker.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SecurityProtocol {
    /// No TLS, no SASL.
    #[default]
    Plaintext,
    /// TLS without SASL.
    Ssl,
    /// SASL without TLS.
    SaslPlaintext,
    /// SASL over TLS.
    SaslSsl,
}

/// SASL mechanism towards an external broker.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaslMechanism {
    /// PLAIN.
    #[serde(rename = "plain")]
    Plain,
    /// SCRAM-SHA-256.
    #[serde(rename = "scram-sha-256")]
    ScramSha256,
    /// SCRAM-SHA-512.
    #[serde(rename = "scram-sha-512")]
    ScramSha512,
}

/// Where a consumer starts without stored offsets.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum StartOffset {
    /// The oldest available message.
    Earliest,
    /// Only messages produced after the start.
    #[default]
    Latest,
}

/// Compression codec (none, gzip, snappy, lz4, zstd).
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum Compression {
    /// No compression.
    None,
    /// gzip.
    Gzip,
    /// Snappy.
    Snappy,
    /// LZ4.
    Lz4,
    /// Zstandard.
    Zstd,
}

/// Compression of object-storage files that only supports gzip.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum GzipCompression {
    /// No compression.
    #[default]
    None,
    /// gzip.
    Gzip,
}

/// File format of object-storage sinks.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum FileFormat {
    /// A JSON array per file.
    Json,
    /// One JSON document per line.
    Jsonl,
    /// Apache Parquet.
    Parquet,
    /// Apache Avro object container.
    Avro,
}

/// Time-based partitioning of object keys.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TimePartitioning {
    /// No partitioning.
    #[default]
    None,
    /// One prefix per day.
    Daily,
    /// One prefix per hour.
    Hourly,
}

/// Object storage of a lakehouse table.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct LakehouseStorageSpec {
    /// S3 or S3-compatible storage settings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub s3: Option<S3StorageSpec>,
}

/// S3 or S3-compatible (MinIO) storage settings.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct S3StorageSpec {
    /// AWS region, e.g. `us-east-1`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Custom endpoint URL (MinIO and other S3-compatible stores).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_url: Option<String>,
    /// Use path-style access (required by MinIO).
    pub path_style_access: bool,
}

pub(crate) fn default_true() -> bool {
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn spellings() {
        assert_eq!(serde_json::to_value(SaslMechanism::ScramSha256).unwrap(), json!("scram-sha-256"));
        assert_eq!(serde_json::to_value(SecurityProtocol::SaslSsl).unwrap(), json!("sasl_ssl"));
        assert_eq!(serde_json::to_value(Compression::Lz4).unwrap(), json!("lz4"));
        let s: S3StorageSpec = serde_json::from_value(json!({"region": "eu-west-1"})).unwrap();
        assert!(!s.path_style_access);
    }
}
