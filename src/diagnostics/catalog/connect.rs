//! Catalog entries of the RivvenConnect rules: worker settings, connector lists and credentials
//! (`connect/*`), and the typed connector configurations (`connector/*`).
use super::Rule;
use crate::diagnostics::Severity;

pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "connect/duplicate-name",
        severity: Severity::Error,
        summary: "two connectors of the same list share a name",
        explanation: r#"Source and sink names become the keys of the `sources` and `sinks` mappings of rivven-connect's `connect.yaml`, so each name must be unique within its list; with a repeated name one connector would replace the other. Rename one of them."#,
        example: r#"sinks:
  - name: out-a
    connector: stdout
    topics: [a]
    consumerGroup: g1
  - name: out-b          # not out-a again
    connector: stdout
    topics: [b]
    consumerGroup: g2"#,
    },
    Rule {
        id: "connect/health-forced",
        severity: Severity::Warning,
        summary: "settings.health.enabled: false is not applied",
        explanation: r#"The workers' liveness probe calls `/live` on the health port, the one health endpoint of rivven-connect 0.0.22 that answers correctly, and it exists only while the health server is on. rivven-render therefore keeps `health.enabled: true` in the rendered `connect.yaml` whatever the spec says. Remove the setting, or set it to true, to say what runs."#,
        example: r#"spec:
  settings:
    health:
      enabled: true
      port: 8080"#,
    },
    Rule {
        id: "connect/literal-secret",
        severity: Severity::Error,
        summary: "a credential is written as a literal value",
        explanation: r#"A string under a key that names a password, secret, token, credential, private key, API key or authorization, in any connector (custom ones included), would be written as is into the rendered ConfigMap, readable by anyone who may read ConfigMaps. Keys ending in `File`, `Path`, `Ref`, `Name`, `Url`, ... are references and are not flagged, nor are empty values and values holding a `${...}` placeholder. Put the value into the Secret named by `configSecretRef` and write `${KEY}`: rivven-connect expands it from the workers' environment. The annotation `rivven.hupe1980.github.io/allow-literal-secrets: "true"` on the resource turns this error into a warning, for test setups."#,
        example: r#"sources:
  - name: legacy
    connector: my-legacy-db
    topic: events
    configSecretRef: legacy-db        # a Secret with key DB_PASSWORD
    config:
      db_password: ${DB_PASSWORD}"#,
    },
    Rule {
        id: "connect/port-clash",
        severity: Severity::Error,
        summary: "the metrics port is the same as the health port",
        explanation: r#"With metrics enabled, rivven-connect serves metrics and health on separate servers, so `settings.metrics.port` and `settings.health.port` must differ: two servers cannot listen on one port. The defaults are 9091 for metrics and 8080 for health."#,
        example: r#"spec:
  settings:
    health:
      port: 8080
    metrics:
      port: 9091"#,
    },
    Rule {
        id: "connect/replicated-sources",
        severity: Severity::Warning,
        summary: "several workers would each run every source",
        explanation: r#"Without distributed mode, every rivven-connect 0.0.22 worker runs every enabled source, so with `replicas` above 1 each source runs once per worker and its events are written that many times. rivven-render does not render distributed mode. Use `replicas: 1` for a RivvenConnect with sources, or move sinks that need more workers into a RivvenConnect of their own."#,
        example: r#"spec:
  replicas: 1
  sources:
    - name: gen
      connector: datagen
      topic: events"#,
    },
    Rule {
        id: "connect/replication-factor",
        severity: Severity::Error,
        summary: "a replication factor is above the cluster's number of brokers",
        explanation: r#"A source's `topicConfig.replicationFactor` and `settings.topic.defaultReplicationFactor` set the replication factor of the topics rivven-connect creates, and neither may exceed the `replicas` of the referenced RivvenCluster, since each copy needs a broker of its own. The check runs when that cluster is in the input. Lower the factor to at most the number of brokers (1 with Rivven 0.0.22)."#,
        example: r#"sources:
  - name: gen
    connector: datagen
    topic: events
    topicConfig:
      replicationFactor: 1"#,
    },
    Rule {
        id: "connect/retry-backoff",
        severity: Severity::Error,
        summary: "maxBackoffMs is below initialBackoffMs",
        explanation: r#"The retry back-off starts at `settings.retry.initialBackoffMs` and grows up to `settings.retry.maxBackoffMs`, so a maximum below the start contradicts itself. Raise `maxBackoffMs` or lower `initialBackoffMs`; the defaults are 100 and 30000 ms."#,
        example: r#"spec:
  settings:
    retry:
      initialBackoffMs: 1000
      maxBackoffMs: 30000"#,
    },
    Rule {
        id: "connect/secret-keys-shared",
        severity: Severity::Warning,
        summary: "several Secrets feed one environment of the same workers",
        explanation: r#"Each connector's `configSecretRef` is loaded into the workers with `envFrom`, so all the Secrets of one RivvenConnect share one environment. A key present in several of them takes the value of the Secret whose name sorts last, so a connector could silently get another connector's credential. rivven-render cannot see the keys of the Secrets, so it warns whenever a RivvenConnect references more than one. Give the keys of different Secrets distinct names, or split the connectors into several RivvenConnects."#,
        example: r#"# distinct key names in each Secret, so that no key hides another
sources:
  - name: orders
    connector: my-orders-db
    topic: orders
    configSecretRef: orders-db    # key ORDERS_DB_PASSWORD
    config:
      password: ${ORDERS_DB_PASSWORD}
  - name: users
    connector: my-users-db
    topic: users
    configSecretRef: users-db     # key USERS_DB_PASSWORD
    config:
      password: ${USERS_DB_PASSWORD}"#,
    },
    Rule {
        id: "connect/start-offset",
        severity: Severity::Error,
        summary: "startOffset names a date-time that does not exist",
        explanation: r#"A sink's `startOffset` is `earliest`, `latest` or an RFC 3339 date-time such as `2024-01-31T08:00:00Z`. This value has the form of a date-time but is not a real moment: a month or day that does not exist (February 30), an hour above 23, a minute above 59, a second above 60, or a time-zone offset out of range. No position to start reading from can be derived from it; write a real date-time."#,
        example: r#"sinks:
  - name: out
    connector: stdout
    topics: [events]
    consumerGroup: g
    startOffset: "2024-02-29T23:00:00Z"   # not 2024-02-30T25:61:00Z"#,
    },
    Rule {
        id: "connector/near-known-type",
        severity: Severity::Warning,
        summary: "the connector type is unknown but close to a known one",
        explanation: r#"rivven-render checks the `config` of the connector types it knows against their schemas; any other type is taken for a custom connector, whose `config` is passed on unchecked. This type is not known but is close to a known one (`s4` and `s3`), which usually means a typo. Correct it if the suggested type was meant; connector types are case-sensitive."#,
        example: r#"sinks:
  - name: archive
    connector: s3          # not s4
    topics: [events]
    consumerGroup: archive
    s3:
      bucket: my-archive"#,
    },
    Rule {
        id: "connector/several-typed",
        severity: Severity::Error,
        summary: "one connector has more than one typed configuration",
        explanation: r#"A connector takes at most one typed configuration block (`postgresCdc`, `datagen`, `s3`, ...): the one of its `connector` type. With several, all but one could not apply, and which one was meant is unclear. Keep only the block of this connector's type."#,
        example: r#"sources:
  - name: gen
    connector: datagen
    topic: events
    datagen:             # the only typed block
      pattern: orders"#,
    },
    Rule {
        id: "connector/typed-and-config",
        severity: Severity::Error,
        summary: "a connector has both a typed configuration and config",
        explanation: r#"A known connector is configured either through its typed block (`datagen`, `s3`, `postgresCdc`, ...) or through the generic `config` mapping, not both: the two would have to be merged, and a key set in both would be ambiguous. Move everything into one of them; both are checked against the same schema."#,
        example: r#"sources:
  - name: gen
    connector: datagen
    topic: events
    datagen:
      pattern: orders    # no config beside it"#,
    },
    Rule {
        id: "connector/typed-mismatch",
        severity: Severity::Error,
        summary: "the typed configuration does not belong to the connector type",
        explanation: r#"Each typed block configures one connector type: `postgresCdc` goes with `connector: postgres-cdc`, `gcs` with `connector: gcs`, and so on. A block of another type, or any typed block on a custom connector, would not reach the connector that runs. Use the block that matches `connector` (the hint names it), or `config` for a custom connector."#,
        example: r#"sinks:
  - name: archive
    connector: s3
    topics: [orders]
    consumerGroup: archive
    s3:                  # the block of connector s3, not gcs
      bucket: my-archive"#,
    },
];
