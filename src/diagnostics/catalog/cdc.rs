//! Catalog entries of the CDC rules: what the postgres-cdc and mysql-cdc sources and the sinks of
//! rivven-connect 0.0.22 do with real PostgreSQL 15 and MariaDB 10.11, as measured (the testbed's
//! CDC tests assert each behaviour, so a release that fixes one is noticed).
use super::Rule;
use crate::diagnostics::Severity;

pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "rivven/cdc-config",
        severity: Severity::Error,
        summary: "a CDC configuration that does not read as its typed form",
        explanation: r#"The JSON Schema accepts the configuration, but it still does not read as the typed postgresCdc or mysqlCdc configuration: for example, a number larger than the field's type can hold (a `serverId` above 4294967295). Nothing could be rendered from it, so it is refused. The message gives the reader's own error; correct the value."#,
        example: r#"mysqlCdc:
  serverId: 4242"#,
    },
    Rule {
        id: "rivven/cdc-credentials",
        severity: Severity::Error,
        summary: "a CDC source names no Secret for its connection",
        explanation: r#"The CDC sources take their connection from the Secret named by `configSecretRef`. Its keys `host`, `port`, `user`, `password` (and `database` for PostgreSQL) become environment variables of the workers, and connect.yaml refers to them as `${host}`, ... The typed configuration has no connection fields, so a source without `configSecretRef` cannot connect at all: postgres-cdc refuses the whole connect.yaml, and mysql-cdc fails when it starts."#,
        example: r#"sources:
  - name: orders
    connector: postgres-cdc
    topic: cdc.orders
    configSecretRef: postgres-credentials"#,
    },
    Rule {
        id: "rivven/cdc-identifier",
        severity: Severity::Error,
        summary: "a slot, publication or table name that rivven-connect 0.0.22 refuses",
        explanation: r#"rivven-connect 0.0.22 accepts only names of letters, digits, `_` and `.`, not starting with a digit, for the replication slot, the publication and the captured tables and schemas. With any other name, auto-provisioning fails and the source restarts in a loop. When `slotName` and `publication` are unset, rivven-render derives them as `rivven_<namespace>_<resource>_<source>` (lower case, `_`), so that two sources never share a slot. MySQL sources get a `serverId` of their own the same way."#,
        example: r#"postgresCdc:
  slotName: orders_slot"#,
    },
    Rule {
        id: "rivven/cdc-database-tls",
        severity: Severity::Error,
        summary: "postgres-cdc of rivven-connect 0.0.22 cannot use TLS to the database",
        explanation: r#"With any `tls.mode` other than `disable` (the program's own default is `prefer`), postgres-cdc of rivven-connect 0.0.22 panics at start: rustls finds no process-level CryptoProvider. The worker then exits with nothing delivered. rivven-render therefore writes `tls.mode: disable` unless the spec asks for TLS, and refuses a spec that does, rather than render a pipeline that cannot start. Run the database connection over a network you trust until a release fixes it."#,
        example: r#"postgresCdc:
  tls:
    mode: disable"#,
    },
    Rule {
        id: "rivven/cdc-encryption-key",
        severity: Severity::Warning,
        summary: "field encryption of mysql-cdc 0.0.22 uses a throw-away key",
        explanation: r#"mysql-cdc of rivven-connect 0.0.22 encrypts the `fieldEncryption.fields` with a key that it generates in memory at every start (a MemoryKeyProvider). It reads no key from the config, so `keySecretRef` has no effect. Nobody can decrypt the values, and each restart uses a new key. Leave the fields out (`excludeColumns`) or mask them instead, or encrypt downstream. (postgres-cdc does not encrypt at all: see `rivven/postgres-cdc-snapshot`.)"#,
        example: r#"tables:
  - schema: public
    table: customers
    excludeColumns: [ssn]"#,
    },
    Rule {
        id: "rivven/cdc-heartbeat-range",
        severity: Severity::Error,
        summary: "the heartbeat interval is outside the range rivven-connect takes",
        explanation: r#"The spec gives `heartbeatIntervalMs` in milliseconds; rivven-connect reads `heartbeat_interval_secs` in seconds, from 1 to 3600. rivven-render converts the value, rounding up to whole seconds (0 keeps the program's default of 10 s). A value above one hour cannot be converted: the program would refuse the config."#,
        example: r#"postgresCdc:
  heartbeatIntervalMs: 10000   # heartbeat_interval_secs: 10"#,
    },
    Rule {
        id: "rivven/cdc-snapshot-mode",
        severity: Severity::Error,
        summary: "rivven-connect 0.0.22 has no such snapshot mode",
        explanation: r#"rivven-connect 0.0.22 knows the snapshot modes initial, always, never, when_needed, initial_only, no_data (the spec's schema_only) and recovery. The spec's `exported` and `custom` have no counterpart. The mode is an enum in the program, so an unknown value makes it refuse the whole connect.yaml. Choose one of the modes it knows."#,
        example: r#"postgresCdc:
  snapshotMode: initial"#,
    },
    Rule {
        id: "rivven/cdc-transform",
        severity: Severity::Error,
        summary: "rivven-connect 0.0.22 has no such transform",
        explanation: r#"The transform types of the spec `timestamp_router`, `header_from`, `drop_headers`, `message_timestamp`, `unwrap_envelope` and `drop_null` do not exist in rivven-connect 0.0.22. The type is an enum in the program, so an unknown type makes it refuse the whole connect.yaml. Dropping the transform would silently change the events, so rivven-render refuses it. It is also an error when a transform lacks an option it requires (`fields` of `mask_field`, `condition` of `filter`), or gives one a value of the wrong type or outside its enum (`dropTombstones: "true"`, a `cast` to `decimal`): the program reads such a value as unset, or fails the source at run time, in a restart loop. `convert_timezone` is rendered under the release's name `timezone_converter`. The release also has `timestamp_converter`, `header_to_value`, `unwrap`, `set_null`, `compute_field` and `rename_field`."#,
        example: r#"transforms:
  - type: timezone_converter
    config:
      fields: [created_at]
      to: UTC"#,
    },
    Rule {
        id: "rivven/cdc-transform-option",
        severity: Severity::Warning,
        summary: "a transform option that rivven-connect 0.0.22 does not read, or lacks",
        explanation: r#"Each transform of rivven-connect 0.0.22 reads a fixed set of options from its `config`. An option it does not read is left out of the rendered config, with this warning: for example `replacement` of `mask_field`, which always masks with asterisks. Options are renamed to the program's spelling (`dropTombstones` becomes `drop_tombstones`). A comma-separated `fields` string becomes the array the program requires. `addFields: "op,source.ts_ms"` of `extract_new_record_state` becomes its flags `add_op` and `add_ts`. A missing required option, or a value of the wrong type, is an error (`rivven/cdc-transform`)."#,
        example: r#"transforms:
  - type: mask_field
    config:
      fields: [email, phone]"#,
    },
    Rule {
        id: "rivven/cdc-unsupported-field",
        severity: Severity::Warning,
        summary: "a CDC field with no counterpart in rivven-connect 0.0.22",
        explanation: r#"Some fields of the spec have no counterpart in rivven-connect 0.0.22, and the program ignores unknown keys without a word. rivven-render therefore does not render them, and names each one in this warning. These are `router`, `partitioner`, `parallel`, `health`, `heartbeat` (only the interval exists, as `heartbeatIntervalMs`), `outbox`, `decodingPlugin` other than pgoutput, and MySQL's `includeGtid` and `databaseHistoryTopic`. `topicRouting` and a table's own `topic` are also not rendered: the program reads them, but every event still goes to the source's `topic`. The same warning names the fields that 0.0.22 parses but never uses, found by reading its sources: `incrementalSnapshot`, `tombstone` (tombstones are never published), `signalTable` and every `signal` field but `enabled`, `readOnlyReplica` fields but `enabled`, `transactionTopic.includeDataCollections` and `minEventsThreshold`, `schemaChangeTopic.schemas`, `deduplication.bloomFpp`, and MySQL's `snapshot` settings. Remove the fields, or keep them for a later release."#,
        example: r#"postgresCdc:
  heartbeatIntervalMs: 5000   # instead of heartbeat.intervalSecs"#,
    },
    Rule {
        id: "rivven/connector-option",
        severity: Severity::Warning,
        summary: "a connector option that rivven-connect 0.0.22 does not read",
        explanation: r#"rivven-connect 0.0.22 ignores unknown keys without a word, so rivven-render writes only the options the program reads (the list, with the source lines it comes from, is `src/rivven/connect-keys-0.0.22.tsv`). An option of the datagen source or the stdout sink that the spec has and the program lacks is left out and named here: `schemaType` of datagen, and `pretty` of stdout. For stdout, `pretty: true` with `format: json` is rendered as the program's `format: pretty`."#,
        example: r#"stdout:
  format: pretty"#,
    },
    Rule {
        id: "rivven/mysql-cdc-position",
        severity: Severity::Warning,
        summary: "mysql-cdc of rivven-connect 0.0.22 takes no snapshot and keeps no position",
        explanation: r#"mysql-cdc of rivven-connect 0.0.22 (measured with MariaDB 10.11) takes no initial snapshot, whatever the config: each start begins at the current binlog position. It persists no position either, so the changes made while a worker is down (a rollout, a node drain) are lost. Streaming itself works: inserts, updates (before and after) and deletes arrive within a second, and column filters apply. Take the initial copy by other means, and keep the workers running."#,
        example: r#"sources:
  - name: orders
    connector: mysql-cdc
    topic: shop.orders"#,
    },
    Rule {
        id: "rivven/mysql-cdc-tables",
        severity: Severity::Warning,
        summary: "mysql-cdc of rivven-connect 0.0.22 cannot capture a list of tables",
        explanation: r#"mysql-cdc of rivven-connect 0.0.22 has no working table list. Its `include_tables` drops every event, because the list names `orders` while the events are matched as `shop.orders`. Only `database` and `exclude_tables` filter. rivven-render renders the tables' common schema as the `database`, and their column selections as column filters. Everything else in that database is captured too, except the tables of `excludeTables`. List the tables to leave out there."#,
        example: r#"mysqlCdc:
  tables:
    - schema: shop
      table: orders
  excludeTables: [shop.audit_log]"#,
    },
    Rule {
        id: "rivven/postgres-cdc-snapshot",
        severity: Severity::Warning,
        summary: "postgres-cdc of rivven-connect 0.0.22 processes nothing of its snapshot rows",
        explanation: r#"postgres-cdc of rivven-connect 0.0.22 delivers only the rows of its snapshot (see `rivven/postgres-cdc-streaming`), and they bypass its event processing. `columns` and `excludeColumns` are not applied, so the rows carry every column of the table. The `transforms` are never applied, so a `mask_field` masks nothing. Field encryption is not applied either, so the fields reach the topic in plain text, and neither is deduplication. NUMERIC values come out as null. Keep sensitive columns out of the captured tables (a view, or a table of their own), or drop them downstream."#,
        example: r#"tables:
  - schema: public
    table: orders_public   # a table (or view) without the sensitive columns"#,
    },
    Rule {
        id: "rivven/postgres-cdc-streaming",
        severity: Severity::Warning,
        summary: "postgres-cdc of rivven-connect 0.0.22 streams nothing after the snapshot",
        explanation: r#"postgres-cdc of rivven-connect 0.0.22 takes the snapshot and then fails to start streaming, with "PostgreSQL CDC loop failed: relative URL without a base": it hands a libpq `host=... port=...` string to code that parses a URL, and no config key avoids it. The worker exits with code 0. Kubernetes restarts it, and it takes the snapshot again, so the topic fills with duplicates (2, 4, 6, 8 messages over restarts). The replication slot never advances, so PostgreSQL keeps WAL without bound. The spec's examples must still validate, so this is a warning, printed even with `-q` and repeated in the render summary. Snapshot-only use is legitimate; drop the replication slot afterwards. Teams that want it refused make it an error with `--deny rivven/postgres-cdc-streaming` (or `--deny warnings`)."#,
        example: r#"rivven-render render --deny rivven/postgres-cdc-streaming -o out/ manifests/"#,
    },
    Rule {
        id: "rivven/sink-wildcard",
        severity: Severity::Warning,
        summary: "rivvend 0.0.22 refuses wildcard subscriptions",
        explanation: r#"A sink of rivven-connect 0.0.22 subscribing to a wildcard topic such as `cdc.*` is refused by rivvend 0.0.22 with INVALID_TOPIC_NAME. The sink fails and restarts with back-off forever. The spec's examples must still validate, so this is a warning; list the topics by name."#,
        example: r#"sinks:
  - name: archive
    connector: stdout
    topics: [cdc.orders, cdc.customers]
    consumerGroup: archive"#,
    },
];
