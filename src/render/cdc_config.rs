//! The `config` of a CDC source in the keys rivven-connect reads (see
//! `src/rivven/connect-keys-<version>.tsv`). Spec fields with no counterpart, and those the program
//! parses but never uses, are left out (the rules warn about each); renamed fields get the program's
//! names.
use serde_json::{json, Map, Value};

use crate::model::connectors::cdc::{SnapshotMode, TableSpec};
use crate::model::connectors::sources::{CdcFeatures, MysqlCdcConfig, PostgresCdcConfig};
use crate::rivven::{cdc, Release};

/// Fills the connection keys from the `configSecretRef`, whose keys are environment variables of
/// the workers named as in the Secret; returns the port placeholder, which keeps its default when
/// the Secret has no port. mysql-cdc's `database` is optional (it narrows the capture), so it is
/// never taken from the Secret.
pub fn connection_placeholders(connector: &str, config: &mut Map<String, Value>) -> String {
    let (after_port, default_port): (&[&str], _) = match connector {
        "mysql-cdc" => (&["user", "password"], "3306"),
        _ => (&["database", "user", "password"], "5432"),
    };
    let port = format!("${{port:-{default_port}}}");
    config.insert("host".into(), json!("${host}"));
    config.insert("port".into(), json!(port));
    for key in after_port {
        config.insert((*key).into(), json!(format!("${{{key}}}")));
    }
    port
}

/// The source the names are derived from: a slot, publication or MySQL server id of its own.
pub struct Owner<'a> {
    /// `metadata.namespace` of the RivvenConnect (empty when unset).
    pub namespace: &'a str,
    /// `metadata.name` of the RivvenConnect.
    pub resource: &'a str,
    /// The source's name.
    pub source: &'a str,
}

/// `rivven_<namespace>_<resource>_<source>` as a PostgreSQL identifier (lower case, `_`, at most 63
/// bytes; a hash keeps long names apart): two sources never share a slot or a publication.
pub fn derived_name(owner: &Owner<'_>) -> String {
    let raw = format!("rivven_{}_{}_{}", owner.namespace, owner.resource, owner.source);
    let clean: String = raw.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    if clean.len() <= 63 {
        return clean;
    }
    format!("{}_{:08x}", &clean[..54], fnv1a(&raw) as u32)
}

/// A MySQL replication server id of the source's own (1 to 2^32 - 1).
pub fn derived_server_id(owner: &Owner<'_>) -> u32 {
    1 + (fnv1a(&format!("{}/{}/{}", owner.namespace, owner.resource, owner.source)) % u64::from(u32::MAX - 1)) as u32
}

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

/// postgres-cdc's `config`.
pub fn postgres(c: &PostgresCdcConfig, owner: &Owner<'_>, release: &'static Release) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("slot_name".into(), json!(c.slot_name.clone().unwrap_or_else(|| derived_name(owner))));
    out.insert("publication_name".into(), json!(c.publication.clone().unwrap_or_else(|| derived_name(owner))));
    if !c.tables.is_empty() {
        out.insert("tables".into(), Value::Array(c.tables.iter().map(|t| json!(qualified(t, "public"))).collect()));
    }
    column_filters(&c.tables, "public", &mut out);
    if let Some(secs) = cdc::heartbeat_secs(c.heartbeat_interval_ms).ok().flatten() {
        out.insert("heartbeat_interval_secs".into(), json!(secs));
    }
    features(&c.features, c.snapshot_mode, true, c.include_transaction_metadata, release, &mut out);
    if let Some(r) = &c.read_only_replica {
        // Only `enabled` is read (the rules name the other fields).
        out.insert("read_only".into(), json!({ "enabled": r.enabled }));
    }
    // Always written: the program's default (`prefer`) panics at start in 0.0.22.
    let tls = c.tls.clone().unwrap_or_default();
    let mut tls_out = json!({ "mode": serde_json::to_value(tls.mode).expect("enum serializes") });
    if let Some(ca) = &tls.ca_cert_path {
        tls_out["ca_cert_path"] = json!(ca);
    }
    out.insert("tls".into(), tls_out);
    out
}

/// mysql-cdc's `config`. It cannot take a table list: the tables' common schema selects the
/// database, and their column selections become column filters.
pub fn mysql(c: &MysqlCdcConfig, owner: &Owner<'_>, release: &'static Release) -> Map<String, Value> {
    let mut out = Map::new();
    out.insert("server_id".into(), json!(c.server_id.unwrap_or_else(|| derived_server_id(owner))));
    let database = c.database.clone().or_else(|| cdc::common_schema(&c.tables));
    if let Some(db) = &database {
        out.insert("database".into(), json!(db));
    }
    if !c.exclude_tables.is_empty() {
        out.insert("exclude_tables".into(), json!(c.exclude_tables));
    }
    // Events are matched as `database.table`; a table without a schema is in the database.
    column_filters(&c.tables, database.as_deref().unwrap_or_default(), &mut out);
    if let Some(secs) = cdc::heartbeat_secs(c.heartbeat_interval_ms).ok().flatten() {
        out.insert("heartbeat_interval_secs".into(), json!(secs));
    }
    features(&c.features, c.snapshot_mode, false, false, release, &mut out);
    out
}

/// `schema.table`, with `default_schema` for a table that names none (0.0.22 looks column filters
/// up by the qualified name only).
fn qualified(t: &TableSpec, default_schema: &str) -> String {
    match (&t.schema, default_schema) {
        (Some(s), _) => format!("{s}.{}", t.table),
        (None, "") => t.table.clone(),
        (None, d) => format!("{d}.{}", t.table),
    }
}

fn column_filters(tables: &[TableSpec], default_schema: &str, out: &mut Map<String, Value>) {
    let filters: Map<String, Value> = tables
        .iter()
        .filter(|t| !t.columns.is_empty() || !t.exclude_columns.is_empty())
        .map(|t| (qualified(t, default_schema), json!({ "include": t.columns, "exclude": t.exclude_columns })))
        .collect();
    if !filters.is_empty() {
        out.insert("column_filters".into(), Value::Object(filters));
    }
}

/// The features both CDC sources share, with only the fields 0.0.22 reads. Router, partitioner,
/// parallel, health, heartbeat and outbox have no counterpart; incremental snapshots and tombstones
/// are parsed but never used; mysql-cdc takes no snapshot, so only its mode is written.
fn features(f: &CdcFeatures, mode: SnapshotMode, snapshot_settings: bool, transaction_metadata: bool, release: &'static Release, out: &mut Map<String, Value>) {
    let mut snapshot = Map::new();
    if let Some(mode) = cdc::snapshot_mode(mode) {
        snapshot.insert("mode".into(), json!(mode));
    }
    if let Some(s) = f.snapshot.as_ref().filter(|_| snapshot_settings) {
        snapshot.insert("batch_size".into(), json!(s.batch_size));
        snapshot.insert("parallel_tables".into(), json!(s.parallel_tables));
        snapshot.insert("query_timeout_secs".into(), json!(s.query_timeout_secs));
        snapshot.insert("throttle_delay_ms".into(), json!(s.throttle_delay_ms));
        snapshot.insert("max_retries".into(), json!(s.max_retries));
        if !s.include_tables.is_empty() {
            snapshot.insert("include_tables".into(), json!(s.include_tables));
        }
        if !s.exclude_tables.is_empty() {
            snapshot.insert("exclude_tables".into(), json!(s.exclude_tables));
        }
    }
    out.insert("snapshot".into(), Value::Object(snapshot));
    if let Some(s) = &f.signal {
        out.insert("signal".into(), json!({ "enabled": s.enabled }));
    }
    if let Some(d) = &f.deduplication {
        out.insert("deduplication".into(), json!({ "enabled": d.enabled, "bloom_expected_insertions": d.bloom_expected_insertions, "lru_size": d.lru_size, "window_secs": d.window_secs }));
    }
    let mut transaction = f.transaction_topic.as_ref().map(|t| {
        let mut v = json!({ "enabled": t.enabled });
        if let Some(n) = &t.topic_name {
            v["topic_name"] = json!(n);
        }
        v
    });
    if transaction_metadata {
        transaction.get_or_insert_with(|| json!({}))["enabled"] = json!(true);
    }
    if let Some(t) = transaction {
        out.insert("transaction_topic".into(), t);
    }
    if let Some(s) = &f.schema_change_topic {
        let mut v = json!({ "enabled": s.enabled, "include_columns": s.include_columns });
        if let Some(n) = &s.topic_name {
            v["topic_name"] = json!(n);
        }
        out.insert("schema_change_topic".into(), v);
    }
    if let Some(e) = &f.field_encryption {
        out.insert("encryption".into(), json!({ "enabled": e.enabled, "fields": e.fields }));
    }
    let transforms: Vec<Value> = f
        .transforms
        .iter()
        .filter_map(|t| {
            let mapped = cdc::map_transform(release, t);
            mapped.name.map(|name| json!({ "type": name, "config": mapped.config }))
        })
        .collect();
    if !transforms.is_empty() {
        out.insert("transforms".into(), Value::Array(transforms));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_names_are_identifiers_of_their_own() {
        let a = Owner { namespace: "data", resource: "cdc-pipeline", source: "postgres-cdc" };
        assert_eq!(derived_name(&a), "rivven_data_cdc_pipeline_postgres_cdc");
        let long = "x".repeat(63);
        let b = Owner { namespace: "data", resource: &long, source: "pg" };
        let c = Owner { namespace: "data", resource: &long, source: "pg2" };
        assert_eq!(derived_name(&b).len(), 63);
        assert_ne!(derived_name(&b), derived_name(&c));
        assert!(derived_name(&b).chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit() || ch == '_'));
        assert_ne!(derived_server_id(&a), derived_server_id(&Owner { source: "other", ..a }));
        assert!(derived_server_id(&a) >= 1);
    }

    #[test]
    fn tables_without_a_schema_are_qualified() {
        let t: TableSpec = serde_json::from_value(json!({"table": "orders", "columns": ["id"]})).unwrap();
        assert_eq!(qualified(&t, "public"), "public.orders");
        assert_eq!(qualified(&t, ""), "orders");
        let mut out = Map::new();
        column_filters(&[t], "shop", &mut out);
        assert_eq!(out["column_filters"], json!({"shop.orders": {"include": ["id"], "exclude": []}}));
    }
}
