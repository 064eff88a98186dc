//! The `config` of a CDC source in the keys rivven-connect reads (see
//! `src/rivven/connect-keys-<version>.tsv`): spec fields with no counterpart are left out (the
//! rules warn about each), renamed fields get the program's names.
use serde_json::{json, Map, Value};

use crate::model::connectors::cdc::TableSpec;
use crate::model::connectors::sources::{CdcFeatures, MysqlCdcConfig, PostgresCdcConfig};
use crate::rivven::{cdc, Release};

/// The connection keys a `configSecretRef` fills from the workers' environment, named as the
/// Secret's keys; the port keeps its default when the Secret has none.
pub const SECRET_KEYS: &[&str] = &["host", "port", "database", "user", "password"];

/// postgres-cdc's `config`.
pub fn postgres(c: &PostgresCdcConfig, release: &'static Release) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(slot) = &c.slot_name {
        out.insert("slot_name".into(), json!(slot));
    }
    if let Some(publication) = &c.publication {
        out.insert("publication_name".into(), json!(publication));
    }
    tables(&c.tables, &mut out);
    if let Some(secs) = cdc::heartbeat_secs(c.heartbeat_interval_ms).ok().flatten() {
        out.insert("heartbeat_interval_secs".into(), json!(secs));
    }
    let signal_table = c.signal_table.as_ref().map(|t| json!({ "enabled": true, "data_collection": t }));
    features(&c.features, c.snapshot_mode, signal_table, c.include_transaction_metadata, release, &mut out);
    if let Some(r) = &c.read_only_replica {
        let mut read_only = json!({ "enabled": r.enabled, "lag_threshold_ms": r.lag_threshold_ms, "deduplicate": r.deduplicate });
        if let Some(w) = r.watermark_source {
            read_only["watermark_source"] = serde_json::to_value(w).expect("enum serializes");
        }
        out.insert("read_only".into(), read_only);
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
pub fn mysql(c: &MysqlCdcConfig, release: &'static Release) -> Map<String, Value> {
    let mut out = Map::new();
    if let Some(id) = c.server_id {
        out.insert("server_id".into(), json!(id));
    }
    if let Some(db) = c.database.clone().or_else(|| cdc::common_schema(&c.tables)) {
        out.insert("database".into(), json!(db));
    }
    if !c.exclude_tables.is_empty() {
        out.insert("exclude_tables".into(), json!(c.exclude_tables));
    }
    let filters = column_filters(&c.tables);
    if !filters.is_empty() {
        out.insert("column_filters".into(), Value::Object(filters));
    }
    if let Some(secs) = cdc::heartbeat_secs(c.heartbeat_interval_ms).ok().flatten() {
        out.insert("heartbeat_interval_secs".into(), json!(secs));
    }
    features(&c.features, c.snapshot_mode, None, false, release, &mut out);
    out
}


fn qualified(t: &TableSpec) -> String {
    match &t.schema {
        Some(s) => format!("{s}.{}", t.table),
        None => t.table.clone(),
    }
}

/// postgres-cdc takes tables as `schema.table` and column selections as `column_filters`.
fn tables(tables: &[TableSpec], out: &mut Map<String, Value>) {
    if tables.is_empty() {
        return;
    }
    out.insert("tables".into(), Value::Array(tables.iter().map(|t| json!(qualified(t))).collect()));
    let filters = column_filters(tables);
    if !filters.is_empty() {
        out.insert("column_filters".into(), Value::Object(filters));
    }
}

fn column_filters(tables: &[TableSpec]) -> Map<String, Value> {
    tables
        .iter()
        .filter(|t| !t.columns.is_empty() || !t.exclude_columns.is_empty())
        .map(|t| (qualified(t), json!({ "include": t.columns, "exclude": t.exclude_columns })))
        .collect()
}

/// The features both CDC sources share. Router, partitioner, parallel, health, heartbeat and
/// outbox have no counterpart and are left out.
fn features(f: &CdcFeatures, mode: crate::model::connectors::cdc::SnapshotMode, signal_table: Option<Value>, transaction_metadata: bool, release: &'static Release, out: &mut Map<String, Value>) {
    let mut snapshot = Map::new();
    if let Some(mode) = cdc::snapshot_mode(mode) {
        snapshot.insert("mode".into(), json!(mode));
    }
    if let Some(s) = &f.snapshot {
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
    if let Some(i) = &f.incremental_snapshot {
        let mut v = json!({ "enabled": i.enabled, "chunk_size": i.chunk_size, "max_concurrent_chunks": i.max_concurrent_chunks, "chunk_delay_ms": i.chunk_delay_ms });
        if let Some(w) = i.watermark_strategy {
            v["watermark_strategy"] = serde_json::to_value(w).expect("enum serializes");
        }
        if let Some(t) = &i.watermark_signal_table {
            v["watermark_signal_table"] = json!(t);
        }
        out.insert("incremental_snapshot".into(), v);
    }
    let signal = f.signal.as_ref().map(|s| {
        let mut v = json!({ "enabled": s.enabled, "enabled_channels": s.enabled_channels, "poll_interval_ms": s.poll_interval_ms });
        if let Some(d) = &s.data_collection {
            v["data_collection"] = json!(d);
        }
        if let Some(t) = &s.topic {
            v["topic"] = json!(t);
        }
        v
    });
    if let Some(signal) = signal.or(signal_table) {
        out.insert("signal".into(), signal);
    }
    if let Some(d) = &f.deduplication {
        out.insert(
            "deduplication".into(),
            json!({ "enabled": d.enabled, "bloom_expected_insertions": d.bloom_expected_insertions, "bloom_fpp": d.bloom_fpp, "lru_size": d.lru_size, "window_secs": d.window_secs }),
        );
    }
    let transaction = f.transaction_topic.as_ref().map(|t| {
        let mut v = json!({ "enabled": t.enabled, "include_data_collections": t.include_data_collections, "min_events_threshold": t.min_events_threshold });
        if let Some(n) = &t.topic_name {
            v["topic_name"] = json!(n);
        }
        v
    });
    if let Some(t) = transaction.or_else(|| transaction_metadata.then(|| json!({ "enabled": true }))) {
        out.insert("transaction_topic".into(), t);
    }
    if let Some(s) = &f.schema_change_topic {
        let mut v = json!({ "enabled": s.enabled, "include_columns": s.include_columns, "schemas": s.schemas });
        if let Some(n) = &s.topic_name {
            v["topic_name"] = json!(n);
        }
        out.insert("schema_change_topic".into(), v);
    }
    if let Some(t) = &f.tombstone {
        let mut v = json!({ "enabled": t.enabled, "after_delete": t.after_delete });
        if let Some(b) = t.behavior {
            v["behavior"] = serde_json::to_value(b).expect("enum serializes");
        }
        out.insert("tombstone".into(), v);
    }
    if let Some(e) = &f.field_encryption {
        let algorithm = serde_json::to_value(e.algorithm).expect("enum serializes");
        out.insert("encryption".into(), json!({ "enabled": e.enabled, "fields": e.fields, "algorithm": algorithm }));
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
