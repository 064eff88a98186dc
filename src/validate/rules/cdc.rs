//! What the CDC sources and the sinks of a release cannot do, each reported at the field that
//! asks for it, with the behaviour measured on the real programs and databases (see
//! `../shared/notes/rivven-connect-cdc-0.0.22.md` and the capability table).
use serde_json::Value;

use super::super::context::RuleContext;
use crate::model::connect::{SinkConnectorSpec, SourceConnectorSpec};
use crate::model::connectors::sources::{DatabaseTlsMode, MysqlCdcConfig, PostgresCdcConfig};
use crate::model::connectors::sources::{CdcFeatures, DecodingPlugin};
use crate::rivven::{cdc, Release};

/// The rule whose finding the render summary repeats: it cannot be missed.
pub const STREAMING_RULE: &str = "rivven/postgres-cdc-streaming";

/// Checks each CDC source and each sink of a connect resource.
pub fn check(ctx: &mut RuleContext<'_>, sources: &[SourceConnectorSpec], sinks: &[SinkConnectorSpec], release: &'static Release) {
    for (i, source) in sources.iter().enumerate() {
        let (base, value) = match source.typed.to_value() {
            Some((field, value)) => (format!("/spec/sources/{i}/{field}"), value),
            None => (format!("/spec/sources/{i}/config"), Value::Object(source.config.clone())),
        };
        match source.connector.as_str() {
            "postgres-cdc" => {
                // A config the schema refused is reported there; there is nothing more to say.
                let Ok(config) = serde_json::from_value::<PostgresCdcConfig>(value) else { continue };
                if source.topic_routing.is_some() {
                    topic_routing(ctx, i, release);
                }
                postgres(ctx, &base, i, source, &config, release);
            }
            "mysql-cdc" => {
                let Ok(config) = serde_json::from_value::<MysqlCdcConfig>(value) else { continue };
                if source.topic_routing.is_some() {
                    topic_routing(ctx, i, release);
                }
                mysql(ctx, &base, i, source, &config, release);
            }
            _ => {}
        }
    }
    if !release.connect.wildcard_subscriptions {
        for (i, sink) in sinks.iter().enumerate() {
            for (t, topic) in sink.topics.iter().enumerate() {
                if topic.contains('*') && sink.enabled {
                    ctx.warning("rivven/sink-wildcard", &format!("/spec/sinks/{i}/topics/{t}"), format!("rivvend {} refuses a subscription to the wildcard topic `{topic}` (INVALID_TOPIC_NAME): the sink would fail and restart forever", release.version))
                        .with_hint("list the topics by name");
                }
            }
        }
    }
}

fn topic_routing(ctx: &mut RuleContext<'_>, i: usize, release: &Release) {
    ctx.warning("rivven/cdc-unsupported-field", &format!("/spec/sources/{i}/topicRouting"), format!("rivven-connect {} writes every event of a source to its `topic`: `topicRouting` is read but never applied, so it is not rendered", release.version))
        .with_hint("give each group of tables its own source and topic");
}

fn postgres(ctx: &mut RuleContext<'_>, base: &str, i: usize, source: &SourceConnectorSpec, c: &PostgresCdcConfig, release: &'static Release) {
    let v = release.version;
    if c.decoding_plugin != DecodingPlugin::Pgoutput {
        ctx.warning("rivven/cdc-unsupported-field", &format!("{base}/decodingPlugin"), format!("rivven-connect {v} decodes with pgoutput only; `decodingPlugin` is not rendered"))
            .with_hint("remove the field, or set it to pgoutput");
    }
    let mode = c.tls.as_ref().map(|t| t.mode).unwrap_or(DatabaseTlsMode::Disable);
    let mode_name = serde_json::to_value(mode).ok().and_then(|m| m.as_str().map(str::to_owned)).unwrap_or_default();
    if !release.connect.cdc.postgres_tls_modes.contains(&mode_name.as_str()) {
        ctx.error("rivven/cdc-database-tls", &format!("{base}/tls/mode"), format!("postgres-cdc of rivven-connect {v} panics at start with `tls.mode: {mode_name}` (rustls finds no process-level CryptoProvider) and delivers nothing; only {} starts", release.connect.cdc.postgres_tls_modes.join(", ")))
            .with_hint("use `tls.mode: disable` on a network you trust, or wait for a Rivven release whose database TLS works");
    }
    heartbeat(ctx, base, c.heartbeat_interval_ms);
    table_topics(ctx, base, &c.tables, release);
    features(ctx, base, &c.features, c.snapshot_mode, release);
    if !release.connect.cdc.postgres_snapshot_column_filters {
        for (t, table) in c.tables.iter().enumerate() {
            let field = if !table.columns.is_empty() { "columns" } else if !table.exclude_columns.is_empty() { "excludeColumns" } else { continue };
            ctx.warning("rivven/postgres-cdc-snapshot", &format!("{base}/tables/{t}/{field}"), format!("postgres-cdc of rivven-connect {v} does not apply column filters to snapshot rows: the snapshot of `{}` carries every column", table.table))
                .with_hint("drop the columns downstream, or keep them out of the table");
        }
    }
    if source.enabled && !release.connect.cdc.postgres_streaming {
        let numeric = if release.connect.cdc.postgres_numeric { "" } else { "; NUMERIC values of the snapshot rows come out as null" };
        ctx.warning(STREAMING_RULE, &format!("/spec/sources/{i}/connector"), format!(
            "postgres-cdc of rivven-connect {v} streams nothing after its snapshot (\"PostgreSQL CDC loop failed: relative URL without a base\"): the worker exits, Kubernetes restarts it and it snapshots again, so the topic fills with duplicates, and the replication slot never advances, so PostgreSQL keeps WAL without bound{numeric}"
        ))
        .with_hint("use it only for one-off snapshots and drop the replication slot afterwards; `--deny rivven/postgres-cdc-streaming` makes this an error");
    }
}

fn mysql(ctx: &mut RuleContext<'_>, base: &str, i: usize, source: &SourceConnectorSpec, c: &MysqlCdcConfig, release: &'static Release) {
    let v = release.version;
    if c.include_gtid {
        unsupported(ctx, base, "includeGtid", release);
    }
    if c.database_history_topic.is_some() {
        unsupported(ctx, base, "databaseHistoryTopic", release);
    }
    heartbeat(ctx, base, c.heartbeat_interval_ms);
    table_topics(ctx, base, &c.tables, release);
    features(ctx, base, &c.features, c.snapshot_mode, release);
    if source.enabled && !(release.connect.cdc.mysql_snapshot && release.connect.cdc.mysql_position) {
        ctx.warning("rivven/mysql-cdc-position", &format!("/spec/sources/{i}/connector"), format!("mysql-cdc of rivven-connect {v} takes no snapshot and persists no binlog position: each start begins at the current position, so existing rows are not read and changes made while a worker is down are lost"))
            .with_hint("take the initial copy by other means, and keep the workers running");
    }
    if !release.connect.cdc.mysql_table_list && !c.tables.is_empty() {
        let scope = match (c.database.clone(), cdc::common_schema(&c.tables)) {
            (Some(db), _) | (None, Some(db)) => format!("every table of the database `{db}`"),
            (None, None) => "every table of every database the user can read".to_owned(),
        };
        let excluded = if c.exclude_tables.is_empty() { String::new() } else { " except `excludeTables`".to_owned() };
        ctx.warning("rivven/mysql-cdc-tables", &format!("{base}/tables"), format!("mysql-cdc of rivven-connect {v} cannot capture a list of tables: {scope}{excluded} is captured (the tables' columns still filter)"))
            .with_hint("list the tables to leave out in `excludeTables`, as `database.table`");
    }
}

/// Per-table topics have no counterpart: every event of a source goes to its `topic`.
fn table_topics(ctx: &mut RuleContext<'_>, base: &str, tables: &[crate::model::connectors::cdc::TableSpec], release: &Release) {
    for (t, table) in tables.iter().enumerate() {
        if table.topic.is_some() {
            ctx.warning("rivven/cdc-unsupported-field", &format!("{base}/tables/{t}/topic"), format!("rivven-connect {} writes every event of a source to the source's `topic`: a table's own `topic` is not rendered", release.version))
                .with_hint("give the table a source of its own");
        }
    }
}

fn heartbeat(ctx: &mut RuleContext<'_>, base: &str, ms: u64) {
    if let Err(why) = cdc::heartbeat_secs(ms) {
        ctx.error("rivven/cdc-heartbeat-range", &format!("{base}/heartbeatIntervalMs"), why).with_hint("use at most 3600000 ms");
    }
}

fn unsupported(ctx: &mut RuleContext<'_>, base: &str, field: &str, release: &Release) {
    let instead = release.connect.cdc.unsupported_fields.iter().find(|(f, _)| *f == field).map_or("", |(_, w)| w);
    ctx.warning("rivven/cdc-unsupported-field", &format!("{base}/{field}"), format!("rivven-connect {} has no counterpart of `{field}`; it is not rendered", release.version))
        .with_hint(instead.to_owned());
}

fn features(ctx: &mut RuleContext<'_>, base: &str, f: &CdcFeatures, mode: crate::model::connectors::cdc::SnapshotMode, release: &'static Release) {
    let v = release.version;
    let set = [
        ("router", f.router.is_some()),
        ("partitioner", f.partitioner.is_some()),
        ("parallel", f.parallel.is_some()),
        ("health", f.health.is_some()),
        ("heartbeat", f.heartbeat.is_some()),
        ("outbox", f.outbox.is_some()),
    ];
    for (field, is_set) in set {
        if is_set && release.connect.cdc.unsupported_fields.iter().any(|(f, _)| *f == field) {
            unsupported(ctx, base, field, release);
        }
    }
    if cdc::snapshot_mode(mode).is_none() {
        let name = serde_json::to_value(mode).ok().and_then(|m| m.as_str().map(str::to_owned)).unwrap_or_default();
        ctx.error("rivven/cdc-snapshot-mode", &format!("{base}/snapshotMode"), format!("rivven-connect {v} has no snapshot mode `{name}` and would refuse the whole connect.yaml"))
            .with_hint("use initial, always, never, when_needed, initial_only, schema_only or recovery");
    }
    if let Some(e) = f.field_encryption.as_ref().filter(|e| e.enabled) {
        let at = if e.key_secret_ref.is_some() { format!("{base}/fieldEncryption/keySecretRef") } else { format!("{base}/fieldEncryption/enabled") };
        ctx.warning("rivven/cdc-encryption-key", &at, format!("rivven-connect {v} encrypts fields with a key it generates in memory at each start (it reads no key): nobody can decrypt the values, and every restart uses a new key"))
            .with_hint("mask or drop the fields instead, or encrypt downstream");
    }
    for (t, transform) in f.transforms.iter().enumerate() {
        let at = format!("{base}/transforms/{t}");
        let mapped = cdc::map_transform(release, transform);
        let Some(name) = mapped.name else {
            let spec_name = serde_json::to_value(transform.transform_type).ok().and_then(|m| m.as_str().map(str::to_owned)).unwrap_or_default();
            ctx.error("rivven/cdc-transform", &format!("{at}/type"), format!("rivven-connect {v} has no transform `{spec_name}` and would refuse the whole connect.yaml"))
                .with_hint("remove the transform, or use one of the release's: see `rivven-connect schema postgres-cdc`");
            continue;
        };
        for (key, why) in &mapped.dropped {
            let field = key.split(':').next().unwrap_or(key);
            ctx.warning("rivven/cdc-transform-option", &format!("{at}/config/{}", crate::source::pointer::escape_token(field)), format!("`{key}` is not read by the `{name}` transform of rivven-connect {v} and is not rendered ({why})"));
        }
        for key in &mapped.missing {
            ctx.error("rivven/cdc-transform-option", &format!("{at}/config"), format!("the `{name}` transform of rivven-connect {v} requires `{key}`: without it the source fails at run time, in a restart loop"))
                .with_hint(format!("add `{key}` to the transform's config"));
        }
    }
}
