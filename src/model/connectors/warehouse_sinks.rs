//! Typed configurations of the warehouse sinks (rivven-warehouse crate: Snowflake, BigQuery,
//! Redshift) and the lakehouse sinks (Iceberg, Delta Lake).
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::shared::{default_true, Compression, LakehouseStorageSpec};

fn default_batch_size_1000() -> u32 {
    1000
}

fn default_batch_size_10000() -> u32 {
    10_000
}

fn default_flush_interval_seconds() -> u32 {
    60
}

fn default_target_file_size_mb() -> u32 {
    128
}

/// Snowflake sink (Snowpipe Streaming), key-pair authentication.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct SnowflakeSinkConfig {
    /// Account identifier.
    #[schemars(length(min = 1))]
    pub account: String,
    /// User name.
    #[schemars(length(min = 1))]
    pub user: String,
    /// Path of the PKCS#8 private key (mount it from a Secret).
    #[schemars(length(min = 1))]
    pub private_key_path: String,
    /// Target database.
    #[schemars(length(min = 1))]
    pub database: String,
    /// Target schema.
    #[schemars(length(min = 1))]
    pub schema: String,
    /// Target table.
    #[schemars(length(min = 1))]
    pub table: String,
    /// Warehouse name; the user's default when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<String>,
    /// Role name; the user's default when unset.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Rows per batch insert.
    #[serde(default = "default_batch_size_1000")]
    #[schemars(range(min = 1))]
    pub batch_size: u32,
}

/// Google BigQuery sink.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct BigQuerySinkConfig {
    /// GCP project ID.
    #[schemars(length(min = 1))]
    pub project_id: String,
    /// Dataset ID.
    #[schemars(length(min = 1))]
    pub dataset_id: String,
    /// Table ID.
    #[schemars(length(min = 1))]
    pub table_id: String,
    /// Path of a service account JSON file (mount it from a Secret).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub credentials_file: Option<String>,
    /// Use Application Default Credentials.
    #[serde(default = "default_true")]
    pub use_adc: bool,
    /// Rows per insert request.
    #[serde(default = "default_bigquery_batch_size")]
    #[schemars(range(min = 1))]
    pub batch_size: u32,
    /// Create the table when missing.
    #[serde(default)]
    pub auto_create_table: bool,
}

fn default_bigquery_batch_size() -> u32 {
    500
}

/// TLS mode towards Redshift (libpq `sslmode`).
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it.
    #[default]
    Prefer,
    /// TLS without certificate verification.
    Require,
    /// TLS, verifying the certificate chain.
    VerifyCa,
    /// TLS, verifying the chain and the host name.
    VerifyFull,
}

/// Amazon Redshift sink. The password comes from `configSecretRef`.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct RedshiftSinkConfig {
    /// Cluster endpoint host name.
    #[schemars(length(min = 1))]
    pub host: String,
    /// Port.
    #[serde(default = "default_redshift_port")]
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    /// Database name.
    #[schemars(length(min = 1))]
    pub database: String,
    /// User name.
    #[schemars(length(min = 1))]
    pub user: String,
    /// Target schema.
    #[serde(default = "default_redshift_schema")]
    #[schemars(length(min = 1))]
    pub schema: String,
    /// Target table.
    #[schemars(length(min = 1))]
    pub table: String,
    /// TLS mode.
    #[serde(default)]
    pub ssl_mode: SslMode,
    /// Rows per batch insert.
    #[serde(default = "default_batch_size_1000")]
    #[schemars(range(min = 1))]
    pub batch_size: u32,
}

fn default_redshift_port() -> u16 {
    5439
}

fn default_redshift_schema() -> String {
    "public".into()
}

/// Iceberg catalog implementation.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IcebergCatalogType {
    /// REST catalog (Polaris, Tabular, Lakekeeper).
    #[default]
    Rest,
    /// Hive metastore.
    Hive,
    /// AWS Glue.
    Glue,
    /// JDBC catalog.
    Jdbc,
    /// Project Nessie.
    Nessie,
    /// In-memory catalog (testing only).
    Memory,
}

/// Iceberg catalog settings.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct IcebergCatalogSpec {
    /// Catalog implementation.
    #[serde(rename = "type")]
    pub catalog_type: IcebergCatalogType,
    /// REST catalog settings (with `type: rest`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rest: Option<IcebergRestCatalogSpec>,
    /// Warehouse location, e.g. `s3://bucket/warehouse`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warehouse: Option<String>,
}

/// REST catalog settings. Prefer `${KEY}` references to a `configSecretRef` key for the credential
/// and the token.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, Default, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct IcebergRestCatalogSpec {
    /// Catalog URI.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// OAuth2 client credentials (`client_id:client_secret`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credential: Option<String>,
    /// Bearer token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// Partitioning of an Iceberg table written by the sink.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IcebergPartitioning {
    /// Unpartitioned.
    None,
    /// The table's own partition spec.
    #[default]
    TableDefault,
    /// By the values of `partitionFields`.
    Identity,
    /// Hash buckets of `partitionFields` (`bucketCount` buckets).
    Bucket,
    /// By year.
    Year,
    /// By month.
    Month,
    /// By day.
    Day,
    /// By hour.
    Hour,
}

/// How the Iceberg sink commits data.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IcebergCommitMode {
    /// Append new files.
    #[default]
    Append,
    /// Replace the table's data.
    Overwrite,
    /// Merge by `upsertKeyFields`.
    Upsert,
}

/// Parquet compression of Iceberg data files.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum IcebergCompression {
    /// No compression.
    None,
    /// Snappy.
    #[default]
    Snappy,
    /// gzip.
    Gzip,
    /// LZ4.
    Lz4,
    /// Zstandard.
    Zstd,
    /// Brotli.
    Brotli,
}

/// How schema changes of the events are applied to the table.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum SchemaEvolution {
    /// Reject events that do not match the table schema.
    #[default]
    Strict,
    /// Add new columns.
    AddColumns,
    /// Add, widen and drop columns.
    Full,
}

/// Apache Iceberg lakehouse sink.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct IcebergSinkConfig {
    /// Catalog settings.
    #[serde(default)]
    pub catalog: IcebergCatalogSpec,
    /// Iceberg namespace (database).
    #[schemars(length(min = 1))]
    pub namespace: String,
    /// Table name.
    #[schemars(length(min = 1))]
    pub table: String,
    /// Partitioning.
    #[serde(default)]
    pub partitioning: IcebergPartitioning,
    /// Fields to partition by.
    #[serde(default)]
    pub partition_fields: Vec<String>,
    /// Number of buckets (with `partitioning: bucket`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub bucket_count: Option<u32>,
    /// Commit mode.
    #[serde(default)]
    pub commit_mode: IcebergCommitMode,
    /// Key fields of upserts (with `commitMode: upsert`).
    #[serde(default)]
    pub upsert_key_fields: Vec<String>,
    /// Events per commit.
    #[serde(default = "default_batch_size_10000")]
    #[schemars(range(min = 1))]
    pub batch_size: u32,
    /// Flush interval in seconds.
    #[serde(default = "default_flush_interval_seconds")]
    #[schemars(range(min = 1))]
    pub flush_interval_seconds: u32,
    /// Target Parquet file size in MiB (files roll over at this size).
    #[serde(default = "default_target_file_size_mb")]
    #[schemars(range(min = 1))]
    pub target_file_size_mb: u32,
    /// Parquet compression.
    #[serde(default)]
    pub compression: IcebergCompression,
    /// Schema evolution policy.
    #[serde(default)]
    pub schema_evolution: SchemaEvolution,
    /// Object storage settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<LakehouseStorageSpec>,
}

/// How the Delta Lake sink writes.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Copy, Debug, Default, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum DeltaWriteMode {
    /// Append new files.
    #[default]
    Append,
    /// Replace the table's data.
    Overwrite,
    /// Merge by `mergeKeyFields`.
    Merge,
}

/// Delta Lake lakehouse sink.
#[derive(Serialize, Deserialize, JsonSchema, Clone, Debug, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct DeltaLakeSinkConfig {
    /// Table location, e.g. `s3://bucket/delta/table`.
    #[schemars(length(min = 1))]
    pub table_path: String,
    /// Partition columns.
    #[serde(default)]
    pub partition_by: Vec<String>,
    /// Write mode.
    #[serde(default)]
    pub write_mode: DeltaWriteMode,
    /// Key fields of merges (with `writeMode: merge`).
    #[serde(default)]
    pub merge_key_fields: Vec<String>,
    /// Target Parquet file size in MiB.
    #[serde(default = "default_target_file_size_mb")]
    #[schemars(range(min = 1))]
    pub target_file_size_mb: u32,
    /// Parquet compression.
    #[serde(default = "snappy")]
    pub compression: Compression,
    /// Events per commit.
    #[serde(default = "default_batch_size_10000")]
    #[schemars(range(min = 1))]
    pub batch_size: u32,
    /// Flush interval in seconds.
    #[serde(default = "default_flush_interval_seconds")]
    #[schemars(range(min = 1))]
    pub flush_interval_seconds: u32,
    /// Object storage settings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<LakehouseStorageSpec>,
}

fn snappy() -> Compression {
    Compression::Snappy
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn minimal_forms_get_the_documented_defaults() {
        let s: SnowflakeSinkConfig = serde_json::from_value(json!({
            "account": "a", "user": "u", "privateKeyPath": "/k", "database": "d", "schema": "s", "table": "t"
        }))
        .unwrap();
        assert_eq!((s.batch_size, s.warehouse), (1000, None));
        let b: BigQuerySinkConfig =
            serde_json::from_value(json!({"projectId": "p", "datasetId": "d", "tableId": "t"})).unwrap();
        assert_eq!((b.use_adc, b.batch_size, b.auto_create_table), (true, 500, false));
        let r: RedshiftSinkConfig =
            serde_json::from_value(json!({"host": "h", "database": "d", "user": "u", "table": "t"})).unwrap();
        assert_eq!((r.port, r.schema.as_str(), r.ssl_mode, r.batch_size), (5439, "public", SslMode::Prefer, 1000));
        let i: IcebergSinkConfig = serde_json::from_value(json!({"namespace": "n", "table": "t"})).unwrap();
        assert_eq!(i.catalog.catalog_type, IcebergCatalogType::Rest);
        assert_eq!(
            (i.partitioning, i.commit_mode, i.compression),
            (IcebergPartitioning::TableDefault, IcebergCommitMode::Append, IcebergCompression::Snappy)
        );
        assert_eq!(
            (i.batch_size, i.flush_interval_seconds, i.target_file_size_mb, i.schema_evolution),
            (10_000, 60, 128, SchemaEvolution::Strict)
        );
        let d: DeltaLakeSinkConfig = serde_json::from_value(json!({"tablePath": "s3://b/t"})).unwrap();
        assert_eq!(
            (d.write_mode, d.compression, d.batch_size, d.target_file_size_mb),
            (DeltaWriteMode::Append, Compression::Snappy, 10_000, 128)
        );
        assert!(serde_json::from_value::<SnowflakeSinkConfig>(json!({"account": "a"})).is_err());
        assert!(serde_json::from_value::<IcebergSinkConfig>(json!({"namespace": "n"})).is_err());
    }

    #[test]
    fn readme_iceberg_config() {
        let i: IcebergSinkConfig = serde_json::from_value(super::super::tests::readme_iceberg_config()).unwrap();
        assert_eq!(i.catalog.rest.unwrap().uri.as_deref(), Some("http://polaris:8181"));
        assert_eq!((i.partitioning, i.compression), (IcebergPartitioning::Day, IcebergCompression::Zstd));
        let s3 = i.storage.unwrap().s3.unwrap();
        assert_eq!((s3.region.as_deref(), s3.path_style_access), (Some("us-east-1"), false));
    }

    #[test]
    fn ssl_mode_spellings() {
        assert_eq!(serde_json::to_value(SslMode::VerifyFull).unwrap(), json!("verify-full"));
        assert_eq!(serde_json::to_value(SslMode::VerifyCa).unwrap(), json!("verify-ca"));
    }
}
