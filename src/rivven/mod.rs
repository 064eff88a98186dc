//! The Rivven capability table: what each known release's programs need (images, ports, flags,
//! probe paths) and what they cannot do, as measured on the real programs (see the README's
//! "Rivven 0.0.22" notes). Rules and builders ask [`release`] for the entry of a resource's
//! `spec.version` instead of naming a version themselves.

pub mod cdc;

/// One Rivven release, as its programs behave.
#[derive(Debug)]
pub struct Release {
    /// The version, as `spec.version` and the image tags spell it.
    pub version: &'static str,
    /// uid and gid of the images' `USER`.
    pub image_uid: i64,
    /// The broker, `rivvend`.
    pub broker: Broker,
    /// The worker, `rivven-connect`.
    pub connect: Connect,
    /// The registry, `rivven-schema`.
    pub registry: Registry,
}

/// What `rivvend` needs and can do.
#[derive(Debug)]
pub struct Broker {
    /// Image repository.
    pub image: &'static str,
    /// Binary protocol port.
    pub client_port: i32,
    /// Cluster (Raft/SWIM) port: the client port + 1.
    pub cluster_port: i32,
    /// HTTP API port (health, metrics).
    pub api_port: i32,
    /// Health path on the API port.
    pub health_path: &'static str,
    /// Metrics path on the API port.
    pub metrics_path: &'static str,
    /// Where the data volume is mounted.
    pub data_dir: &'static str,
    /// Seconds it needs to drain after SIGTERM.
    pub drain_seconds: i64,
    /// Whether more than one broker can form a cluster.
    pub cluster_mode: bool,
    /// Whether it can serve TLS.
    pub tls: bool,
    /// Whether it can create users (otherwise it must run without authentication).
    pub users: bool,
    /// Whether ACLs can be provisioned.
    pub acls: bool,
    /// Whether it has a broker-wide retention setting.
    pub retention_setting: bool,
    /// Whether metrics can be served on a port of their own.
    pub metrics_port: bool,
    /// Whether a topic's replication factor can be set per topic (otherwise the broker's applies).
    pub topic_replication_factor: bool,
}

/// What `rivven-connect` needs and can do.
#[derive(Debug)]
pub struct Connect {
    /// Image repository.
    pub image: &'static str,
    /// Where connect.yaml is mounted.
    pub config_dir: &'static str,
    /// The state directory (offsets, checkpoints).
    pub state_dir: &'static str,
    /// The one health path that answers 200 when the worker runs.
    pub live_path: &'static str,
    /// Metrics path.
    pub metrics_path: &'static str,
    /// Whether `/health` and `/ready` ever answer 200.
    pub health_endpoints: bool,
    /// Whether CDC sources can mask columns.
    pub column_masks: bool,
    /// Whether `settings.state_dir` is used (a connector persists positions there).
    pub state_dir_used: bool,
    /// Whether `settings.log_level` is applied (otherwise only `RUST_LOG` sets the level).
    pub log_level_setting: bool,
    /// Whether a sink may subscribe to a wildcard topic (`cdc.*`).
    pub wildcard_subscriptions: bool,
    /// What the CDC sources do.
    pub cdc: Cdc,
    /// The keys the release's `rivven-connect` reads from connect.yaml, with the source lines they
    /// come from (`scope<TAB>path<TAB>type<TAB>source`); the renderer's keys are tested against it.
    pub keys: &'static str,
}

impl Connect {
    /// The log level the workers get through `RUST_LOG`: `settings.logLevel`, where the release
    /// reads no level from its config.
    pub fn rust_log<L>(&self, level: Option<L>) -> Option<L> {
        level.filter(|_| !self.log_level_setting)
    }
}

/// What the CDC sources of a release do, as measured against real databases.
#[derive(Debug)]
pub struct Cdc {
    /// Database TLS modes (`tls.mode`) with which postgres-cdc starts.
    pub postgres_tls_modes: &'static [&'static str],
    /// Whether postgres-cdc streams changes after its snapshot (otherwise the worker exits, is
    /// restarted, snapshots again, and the replication slot never advances).
    pub postgres_streaming: bool,
    /// Whether postgres-cdc applies column filters to snapshot rows.
    pub postgres_snapshot_column_filters: bool,
    /// Whether postgres-cdc carries NUMERIC values (otherwise they become null).
    pub postgres_numeric: bool,
    /// Whether mysql-cdc takes an initial snapshot.
    pub mysql_snapshot: bool,
    /// Whether mysql-cdc persists its binlog position across restarts.
    pub mysql_position: bool,
    /// Whether mysql-cdc can capture a list of tables (otherwise only `database` and
    /// `exclude_tables` select what is captured).
    pub mysql_table_list: bool,
    /// Spec fields of the CDC sources with no counterpart, each with what to do instead.
    pub unsupported_fields: &'static [(&'static str, &'static str)],
    /// Transform types of the spec with no counterpart.
    pub unsupported_transforms: &'static [&'static str],
    /// Spec fields (dotted, below the connector config) whose counterparts the program parses and
    /// never uses, by connector (`*`: both).
    pub unused_fields: &'static [(&'static str, &'static str)],
}

/// What `rivven-schema` can do.
#[derive(Debug)]
pub struct Registry {
    /// Image repository.
    pub image: &'static str,
    /// Readiness path.
    pub ready_path: &'static str,
    /// Liveness path.
    pub live_path: &'static str,
    /// Whether schemas survive a restart (a storage backend other than memory).
    pub persistent_storage: bool,
    /// Whether it serves metrics.
    pub metrics: bool,
    /// Whether it can authenticate clients.
    pub auth: bool,
    /// Whether it can serve TLS.
    pub tls: bool,
    /// Whether `--compatibility` is applied (otherwise only `PUT /config` sets levels).
    pub compatibility_flag: bool,
    /// Whether it has a request timeout setting.
    pub request_timeout: bool,
    /// Whether it has a CORS setting.
    pub cors: bool,
    /// Whether formats can be turned off.
    pub format_toggle: bool,
    /// Whether it can synchronise with an external registry.
    pub external_sync: bool,
}

/// Rivven 0.0.22, as measured.
pub const V0_0_22: Release = Release {
    version: "0.0.22",
    image_uid: 65532,
    broker: Broker {
        image: "ghcr.io/hupe1980/rivvend",
        client_port: 9092,
        cluster_port: 9093,
        api_port: 9094,
        health_path: "/health",
        metrics_path: "/metrics",
        data_dir: "/data",
        // Measured 5-7 s.
        drain_seconds: 10,
        // A second broker never joins: the Raft bootstrap fails.
        cluster_mode: false,
        tls: false,
        users: false,
        acls: false,
        retention_setting: false,
        metrics_port: false,
        topic_replication_factor: false,
    },
    connect: Connect {
        image: "ghcr.io/hupe1980/rivven-connect",
        config_dir: "/etc/rivven-connect",
        state_dir: "/var/lib/rivven-connect",
        live_path: "/live",
        metrics_path: "/metrics",
        // /health and /ready answer 503 forever.
        health_endpoints: false,
        column_masks: false,
        state_dir_used: false,
        // Parsed, never used: the program's EnvFilter reads RUST_LOG.
        log_level_setting: false,
        // rivvend answers INVALID_TOPIC_NAME.
        wildcard_subscriptions: false,
        cdc: Cdc {
            // `prefer` (the default) panics at start: rustls finds no process-level CryptoProvider.
            postgres_tls_modes: &["disable"],
            // "PostgreSQL CDC loop failed: relative URL without a base".
            postgres_streaming: false,
            postgres_snapshot_column_filters: false,
            postgres_numeric: false,
            mysql_snapshot: false,
            mysql_position: false,
            // `include_tables` matches `orders` against events named `shop.orders`: nothing passes.
            mysql_table_list: false,
            unsupported_fields: &[
                ("router", "every event of a source goes to its `topic`: give each group of tables its own source and topic"),
                ("partitioner", "partitions follow the topic's own partitioning"),
                ("parallel", "each source runs as one task"),
                ("health", "the workers' liveness probe reads /live"),
                ("heartbeat", "set the interval with `heartbeatIntervalMs`; no heartbeat events are emitted"),
                ("outbox", "capture the outbox table like any other table"),
                ("includeGtid", "GTIDs are not added to events"),
                ("databaseHistoryTopic", "use `schemaChangeTopic`"),
            ],
            unsupported_transforms: &["timestamp_router", "header_from", "drop_headers", "message_timestamp", "unwrap_envelope", "drop_null"],
            // From reading the 0.0.22 sources (src/rivven/connect-keys-0.0.22.md, "Parsed but never used").
            unused_fields: &[
                ("*", "incrementalSnapshot"),
                ("*", "tombstone"),
                ("*", "signal.dataCollection"),
                ("*", "signal.topic"),
                ("*", "signal.enabledChannels"),
                ("*", "signal.pollIntervalMs"),
                ("*", "transactionTopic.includeDataCollections"),
                ("*", "transactionTopic.minEventsThreshold"),
                ("*", "schemaChangeTopic.schemas"),
                ("*", "deduplication.bloomFpp"),
                ("postgres-cdc", "signalTable"),
                ("postgres-cdc", "readOnlyReplica.lagThresholdMs"),
                ("postgres-cdc", "readOnlyReplica.deduplicate"),
                ("postgres-cdc", "readOnlyReplica.watermarkSource"),
                ("mysql-cdc", "snapshot"),
            ],
        },
        keys: include_str!("connect-keys-0.0.22.tsv"),
    },
    registry: Registry {
        image: "ghcr.io/hupe1980/rivven-schema",
        ready_path: "/health/ready",
        live_path: "/health/live",
        persistent_storage: false,
        metrics: false,
        auth: false,
        tls: false,
        compatibility_flag: false,
        request_timeout: false,
        cors: false,
        format_toggle: false,
        external_sync: false,
    },
};

/// Every known release, oldest first.
pub const KNOWN: &[&Release] = &[&V0_0_22];

/// The newest known release: the default of `spec.version`, and what an unknown version renders with.
pub const NEWEST: &Release = KNOWN[KNOWN.len() - 1];

/// The release of a version, when it is known.
pub fn known(version: &str) -> Option<&'static Release> {
    KNOWN.iter().copied().find(|r| r.version == version)
}

/// The release a version renders with: its own entry, or the newest for a version not known (a
/// warning says so, so that a user on a newer Rivven is not blocked).
pub fn release(version: &str) -> &'static Release {
    known(version).unwrap_or(NEWEST)
}

/// The known versions, for messages (`0.0.22`).
pub fn known_versions() -> String {
    KNOWN.iter().map(|r| r.version).collect::<Vec<_>>().join(", ")
}

/// The image reference for a repository and version: a reference that already carries a tag or
/// digest is used as written.
pub fn image_reference(image: &str, version: &str) -> String {
    let last_segment = image.rsplit('/').next().unwrap_or(image);
    if image.contains('@') || last_segment.contains(':') {
        image.to_owned()
    } else {
        format!("{image}:{version}")
    }
}

#[cfg(test)]
mod tests {
    use super::{image_reference, known, release, V0_0_22};

    #[test]
    fn tags_only_untagged_images() {
        assert_eq!(image_reference("ghcr.io/hupe1980/rivvend", "0.0.22"), "ghcr.io/hupe1980/rivvend:0.0.22");
        assert_eq!(image_reference("localhost:5000/rivvend", "0.0.22"), "localhost:5000/rivvend:0.0.22");
        assert_eq!(image_reference("my.registry/rivvend:custom", "0.0.22"), "my.registry/rivvend:custom");
        assert_eq!(image_reference("rivvend@sha256:abc", "0.0.22"), "rivvend@sha256:abc");
    }

    #[test]
    fn unknown_versions_use_the_newest_entry() {
        assert_eq!(known("0.0.22").map(|r| r.version), Some("0.0.22"));
        assert!(known("0.0.23").is_none());
        assert_eq!(release("0.0.23").version, V0_0_22.version);
        assert_eq!(release("9.9.9").broker.client_port, 9092);
    }
}
