//! What the CDC sources and the sinks of a release cannot do, each reported at the field that
//! asks for it, with the behaviour measured on the real programs and databases (see
//! `../shared/notes/rivven-connect-cdc-0.0.22.md` and the capability table).
use super::super::context::RuleContext;
use crate::model::connect::{CdcConfig, SinkConnectorSpec, SourceConnectorSpec};
use crate::model::connectors::sources::{DatabaseTlsMode, MysqlCdcConfig, PostgresCdcConfig};
use crate::model::connectors::cdc::{SnapshotMode, TableSpec};
use crate::model::spelling;
use crate::model::connectors::sources::{CdcFeatures, DecodingPlugin};
use crate::rivven::{cdc, Release};

/// The rule whose finding the render summary repeats: it cannot be missed.
pub const STREAMING_RULE: &str = "rivven/postgres-cdc-streaming";

/// Checks each CDC source and each sink of a connect resource.
pub fn check(ctx: &mut RuleContext<'_>, sources: &[SourceConnectorSpec], sinks: &[SinkConnectorSpec], release: &'static Release) {
    for (i, source) in sources.iter().enumerate() {
        let connector = source.connector.as_str();
        let Some((field, config)) = source.cdc_config() else { continue };
        let base = format!("/spec/sources/{i}/{field}");
        if source.config_secret_ref.is_none() && source.enabled {
            ctx.error("rivven/cdc-credentials", &format!("/spec/sources/{i}/connector"), format!("a {connector} source takes its host, port, user and password from `configSecretRef`, and this one names no Secret: the worker cannot connect"))
                .with_hint("add `configSecretRef` naming a Secret with the keys host, port, user and password (and database for PostgreSQL)");
        }
        if source.topic_routing.is_some() {
            topic_routing(ctx, i, release);
        }
        // Nothing may be rendered from a config that does not read as its typed form.
        match config {
            Ok(CdcConfig::Postgres(c)) => postgres(ctx, &base, i, source, &c, release),
            Ok(CdcConfig::Mysql(c)) => mysql(ctx, &base, i, source, &c, release),
            Err(e) => {
                ctx.error("rivven/cdc-config", &base, format!("the {connector} configuration does not read as its typed form: {e}")).with_hint("check the value's type and range against `rivven-render schemas`");
            }
        }
        unused(ctx, &base, connector, release);
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
    let mode_name = spelling(&mode);
    if !release.connect.cdc.postgres_tls_modes.contains(&mode_name.as_str()) {
        ctx.error("rivven/cdc-database-tls", &format!("{base}/tls/mode"), format!("postgres-cdc of rivven-connect {v} panics at start with `tls.mode: {mode_name}` (rustls finds no process-level CryptoProvider) and delivers nothing; only {} starts", release.connect.cdc.postgres_tls_modes.join(", ")))
            .with_hint("use `tls.mode: disable` on a network you trust, or wait for a Rivven release whose database TLS works");
    }
    heartbeat(ctx, base, c.heartbeat_interval_ms);
    table_topics(ctx, base, &c.tables, release);
    column_masks(ctx, base, &c.tables, "postgres-cdc", release);
    features(ctx, base, &c.features, c.snapshot_mode, "postgres-cdc", release);
    for (field, name) in [("slotName", &c.slot_name), ("publication", &c.publication)] {
        if let Some(name) = name {
            identifier(ctx, &format!("{base}/{field}"), name, release);
        }
    }
    for (t, table) in c.tables.iter().enumerate() {
        identifier(ctx, &format!("{base}/tables/{t}/table"), &table.table, release);
        if let Some(schema) = &table.schema {
            identifier(ctx, &format!("{base}/tables/{t}/schema"), schema, release);
        }
    }
    if !release.connect.cdc.postgres_streaming {
        // Only snapshot rows are delivered, and they bypass the feature processor.
        let f = &c.features;
        let bypassed = [
            ("transforms", !f.transforms.is_empty(), "the transforms are never applied (a mask_field masks nothing)"),
            ("fieldEncryption", f.field_encryption.as_ref().is_some_and(|e| e.enabled), "field encryption is never applied: the fields reach the topic in plain text"),
            ("deduplication", f.deduplication.as_ref().is_some_and(|d| d.enabled), "deduplication is never applied (the repeated snapshots are not deduplicated either)"),
        ];
        for (field, set, what) in bypassed {
            if set {
                ctx.warning("rivven/postgres-cdc-snapshot", &format!("{base}/{field}"), format!("postgres-cdc of rivven-connect {v} delivers only snapshot rows, and they bypass its event processing: {what}"))
                    .with_hint("keep sensitive columns out of the captured tables (a view, or a table of their own)");
            }
        }
    }
    if !release.connect.cdc.postgres_snapshot_column_filters {
        for (t, table) in c.tables.iter().enumerate() {
            let field = if !table.columns.is_empty() { "columns" } else if !table.exclude_columns.is_empty() { "excludeColumns" } else { continue };
            ctx.warning("rivven/postgres-cdc-snapshot", &format!("{base}/tables/{t}/{field}"), format!("postgres-cdc of rivven-connect {v} does not apply column filters to snapshot rows: the snapshot of `{}` carries every column", table.table))
                .with_hint("drop the columns downstream, or keep them out of the table");
        }
    }
    if source.enabled && !release.connect.cdc.postgres_streaming {
        let numeric = if release.connect.cdc.postgres_numeric { "" } else { "; NUMERIC values of the snapshot rows come out as null" };
        let outcome = if matches!(c.snapshot_mode, SnapshotMode::Never | SnapshotMode::SchemaOnly) {
            "with this snapshot mode it delivers nothing at all, and the replication slot never advances, so PostgreSQL keeps WAL without bound".to_owned()
        } else {
            format!("the worker exits, Kubernetes restarts it and it snapshots again, so the topic fills with duplicates, and the replication slot never advances, so PostgreSQL keeps WAL without bound{numeric}")
        };
        ctx.warning(STREAMING_RULE, &format!("/spec/sources/{i}/connector"), format!("postgres-cdc of rivven-connect {v} streams nothing after its snapshot (\"PostgreSQL CDC loop failed: relative URL without a base\"): {outcome}"))
            .with_hint("for a one-off copy, scale the RivvenConnect to 0 replicas after the first snapshot and drop the replication slot; `--deny rivven/postgres-cdc-streaming` makes this an error");
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
    column_masks(ctx, base, &c.tables, "mysql-cdc", release);
    features(ctx, base, &c.features, c.snapshot_mode, "mysql-cdc", release);
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

/// A release without column masks (only include/exclude filters) warns about masks.
fn column_masks(ctx: &mut RuleContext<'_>, base: &str, tables: &[TableSpec], connector: &str, release: &Release) {
    if release.connect.column_masks {
        return;
    }
    for (t, _) in tables.iter().enumerate().filter(|(_, t)| !t.column_masks.is_empty()) {
        ctx.warning("rivven/no-column-masks", &format!("{base}/tables/{t}/columnMasks"), format!("rivven-connect {} cannot mask columns of CDC events; these masks are not applied", release.version))
            .with_hint(if connector == "postgres-cdc" {
                "keep the columns out of the captured table: postgres-cdc of this release applies neither column filters nor transforms to its snapshot rows"
            } else {
                "exclude the columns with `excludeColumns`, or mask them with a `mask_field` transform"
            });
    }
}

/// Per-table topics have no counterpart: every event of a source goes to its `topic`.
fn table_topics(ctx: &mut RuleContext<'_>, base: &str, tables: &[TableSpec], release: &Release) {
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

/// 0.0.22 refuses (postgres-cdc: at load; mysql-cdc: when the source starts) a slot, publication
/// or table name that is not `[A-Za-z_][A-Za-z0-9_.]*`.
fn identifier(ctx: &mut RuleContext<'_>, pointer: &str, name: &str, release: &Release) {
    let ok = name.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_') && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.');
    if !ok {
        ctx.error("rivven/cdc-identifier", pointer, format!("rivven-connect {} accepts only names of letters, digits, `_` and `.`, not starting with a digit: `{name}` makes the source fail", release.version))
            .with_hint("rename it (PostgreSQL folds unquoted names to lower case)");
    }
}

/// Fields 0.0.22 parses and never uses, when the spec sets them.
fn unused(ctx: &mut RuleContext<'_>, base: &str, connector: &str, release: &Release) {
    for (scope, field) in release.connect.cdc.unused_fields {
        let pointer = format!("{base}/{}", field.replace('.', "/"));
        if (*scope == "*" || *scope == connector) && ctx.is_set(&pointer) {
            ctx.warning("rivven/cdc-unsupported-field", &pointer, format!("{connector} of rivven-connect {} parses `{field}` but never uses it; it is not rendered", release.version));
        }
    }
}

fn features(ctx: &mut RuleContext<'_>, base: &str, f: &CdcFeatures, mode: SnapshotMode, connector: &str, release: &'static Release) {
    let v = release.version;
    let refused = if connector == "postgres-cdc" { "would refuse the whole connect.yaml at load" } else { "would fail the source when it starts" };
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
        let name = spelling(&mode);
        ctx.error("rivven/cdc-snapshot-mode", &format!("{base}/snapshotMode"), format!("rivven-connect {v} has no snapshot mode `{name}`: {connector} {refused}"))
            .with_hint("use initial, always, never, when_needed, initial_only, schema_only or recovery");
    }
    if let Some(e) = f.field_encryption.as_ref().filter(|e| e.enabled && connector == "mysql-cdc") {
        let at = if e.key_secret_ref.is_some() { format!("{base}/fieldEncryption/keySecretRef") } else { format!("{base}/fieldEncryption/enabled") };
        ctx.warning("rivven/cdc-encryption-key", &at, format!("rivven-connect {v} encrypts fields with a key it generates in memory at each start (it reads no key): nobody can decrypt the values, and every restart uses a new key"))
            .with_hint("mask or drop the fields instead, or encrypt downstream");
    }
    for (t, transform) in f.transforms.iter().enumerate() {
        let at = format!("{base}/transforms/{t}");
        let mapped = cdc::map_transform(release, transform);
        let Some(name) = mapped.name else {
            let spec_name = spelling(&transform.transform_type);
            ctx.error("rivven/cdc-transform", &format!("{at}/type"), format!("rivven-connect {v} has no transform `{spec_name}`: {connector} {refused}"))
                .with_hint("remove the transform, or use one of the release's: see `rivven-connect schema postgres-cdc`");
            continue;
        };
        for (key, why) in &mapped.dropped {
            let field = key.split(':').next().unwrap_or(key);
            ctx.warning("rivven/cdc-transform-option", &format!("{at}/config/{}", crate::source::pointer::escape_token(field)), format!("`{key}` is not read by the `{name}` transform of rivven-connect {v} and is not rendered ({why})"));
        }
        for key in &mapped.missing {
            ctx.error("rivven/cdc-transform", &format!("{at}/config"), format!("the `{name}` transform of rivven-connect {v} requires `{key}`: without it the source fails at run time, in a restart loop"))
                .with_hint(format!("add `{key}` to the transform's config"));
        }
        for (path, expected) in &mapped.wrong {
            let top = path.split(['.', '[']).next().unwrap_or(path);
            let written = transform.config.keys().find(|k| crate::model::names::snake_case(k) == top).cloned().unwrap_or_else(|| top.to_owned());
            ctx.error("rivven/cdc-transform", &format!("{at}/config/{}", crate::source::pointer::escape_token(&written)), format!("`{path}` of the `{name}` transform of rivven-connect {v} takes {expected}: any other value is read as unset, or fails the source at run time"));
        }
    }
}
