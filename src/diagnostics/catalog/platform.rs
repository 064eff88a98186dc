//! Catalog entries of the `rivven/*` rules: settings that the Rivven 0.0.22 programs cannot apply,
//! as measured on the real programs. Each is a warning: the input renders, but the setting has no
//! effect (or the workload cannot run as written).
use super::Rule;
use crate::diagnostics::Severity;

pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "rivven/acls-unsupported",
        severity: Severity::Warning,
        summary: "Rivven 0.0.22 cannot provision topic ACLs",
        explanation: r#"rivvend 0.0.22 offers no way to create users, ACLs or policies, so the entries of a RivvenTopic's `acls` are not applied. The brokers run with `--no-require-auth`, because otherwise no client could authenticate at all. Limit who can reach the brokers with the RivvenCluster's NetworkPolicy (`networkPolicy.allowFrom`) instead, and remove `acls` until a release can apply them."#,
        example: r#"# RivvenTopic: no acls, Rivven 0.0.22 cannot apply them
spec:
  clusterRef:
    name: demo
  partitions: 3"#,
    },
    Rule {
        id: "rivven/auth-unsupported",
        severity: Severity::Warning,
        summary: "rivven-schema 0.0.22 has no authentication",
        explanation: r#"rivven-schema 0.0.22 has no authentication of any kind, so with `auth.enabled: true` the registry still accepts every client, whatever `auth.method` says. Nothing in the rendered Deployment can change that. Limit who can reach the registry with its NetworkPolicy (`networkPolicy.allowFrom`), and leave `auth.enabled` false until a release supports authentication."#,
        example: r#"spec:
  auth:
    enabled: false
  networkPolicy:
    allowFrom:
      - podSelector:
          matchLabels:
            app.kubernetes.io/name: orders-service"#,
    },
    Rule {
        id: "rivven/broker-retention",
        severity: Severity::Warning,
        summary: "rivvend 0.0.22 has no broker-wide retention setting",
        explanation: r#"`config.logRetentionHours` has no counterpart among rivvend 0.0.22's flags, so it is not applied, and the warning appears whenever the field is written. Retention is set per topic: remove `logRetentionHours` and give each RivvenTopic a `config.retentionMs`."#,
        example: r#"# RivvenTopic
spec:
  clusterRef:
    name: demo
  config:
    retentionMs: 604800000   # 7 days"#,
    },
    Rule {
        id: "rivven/cluster-mode",
        severity: Severity::Warning,
        summary: "more than one broker needs cluster mode, which cannot start in 0.0.22",
        explanation: r#"With `replicas` above 1, rivven-render runs rivvend in cluster mode, and in Rivven 0.0.22 every `--mode cluster` node exits at start (`Failed to open redb: Is a directory (os error 21)`); even past that defect, the peers could not authenticate each other. Only single-broker clusters run. `replicas` defaults to 3, as in the spec, so a RivvenCluster that does not set it gets this warning too: write `replicas: 1` until a fixed release."#,
        example: r#"spec:
  replicas: 1"#,
    },
    Rule {
        id: "rivven/compatibility-flag",
        severity: Severity::Warning,
        summary: "rivven-schema 0.0.22 ignores the --compatibility flag",
        explanation: r#"rivven-schema 0.0.22 ignores `--compatibility` and takes compatibility levels only through its HTTP API (`PUT /config`, `PUT /config/{subject}`), keeping them in memory. rivven-render therefore writes the levels of `compatibility` into the registry plan ConfigMap, from which the in-cluster companion applies them through the API. Without the companion, set them through the API yourself after each restart; the warning appears whenever `compatibility` differs from the default (BACKWARD, no per-subject levels)."#,
        example: r#"spec:
  compatibility:
    defaultLevel: BACKWARD   # other levels are applied only through the API"#,
    },
    Rule {
        id: "rivven/metrics-port",
        severity: Severity::Warning,
        summary: "rivvend 0.0.22 serves metrics only on its API port",
        explanation: r#"rivvend 0.0.22 parses its metrics flags but never listens on a metrics port of its own: `GET /metrics` is answered on the HTTP API port 9094. rivven-render points the ServiceMonitor there, so `metrics.port` of a RivvenCluster is not used, and the warning appears whenever it is written. Remove it."#,
        example: r#"spec:
  metrics:
    enabled: true
    serviceMonitorEnabled: true   # scrapes port 9094, path /metrics"#,
    },
    Rule {
        id: "rivven/no-column-masks",
        severity: Severity::Warning,
        summary: "rivven-connect 0.0.22 cannot mask columns of CDC events",
        explanation: r#"The CDC sources of rivven-connect 0.0.22 (postgres-cdc, mysql-cdc) filter columns but cannot mask them, so `columnMasks` of a table is not applied and the values are written unmasked. Leave sensitive columns out with `excludeColumns` (with postgres-cdc, the filters are not applied to the rows of the initial snapshot), or mask them with a `mask_field` transform."#,
        example: r#"postgresCdc:
  tables:
    - schema: public
      table: customers
      excludeColumns: [email]   # instead of columnMasks"#,
    },
    Rule {
        id: "rivven/no-metrics",
        severity: Severity::Warning,
        summary: "rivven-schema 0.0.22 serves no metrics endpoint",
        explanation: r#"rivven-schema 0.0.22 has no metrics endpoint, so there is nothing to scrape: with `metrics.serviceMonitorEnabled: true` no ServiceMonitor is rendered, and a `metrics.enabled: true` written in a RivvenSchemaRegistry has no effect. Set `metrics.enabled: false`, or leave `metrics` out."#,
        example: r#"spec:
  metrics:
    enabled: false"#,
    },
    Rule {
        id: "rivven/registry-cors",
        severity: Severity::Warning,
        summary: "rivven-schema 0.0.22 has no CORS setting",
        explanation: r#"rivven-schema 0.0.22 has no option for CORS, so `server.corsEnabled` is not applied, whichever its value; the warning appears whenever the field is written. Remove it. Browser clients on another origin need a proxy in front of the registry that adds the CORS headers."#,
        example: r#"spec:
  server:
    port: 8081
    bindAddress: 0.0.0.0   # no corsEnabled"#,
    },
    Rule {
        id: "rivven/registry-external-sync",
        severity: Severity::Warning,
        summary: "rivven-schema 0.0.22 cannot sync with an external registry",
        explanation: r#"rivven-schema 0.0.22 cannot synchronise with other registries, so an enabled `externalRegistry` section is not applied: nothing is mirrored or pushed. Set `externalRegistry.enabled: false` or remove the section, and copy schemas with a job of your own if they are needed elsewhere."#,
        example: r#"spec:
  externalRegistry:
    enabled: false"#,
    },
    Rule {
        id: "rivven/registry-formats",
        severity: Severity::Warning,
        summary: "rivven-schema 0.0.22 cannot turn schema formats off",
        explanation: r#"rivven-schema 0.0.22 accepts Avro, JSON Schema and Protobuf schemas alike and has no setting to refuse one, so `formats` other than the default (all three true) are not applied. Remove `formats`, and keep unwanted formats out through your clients or your review process."#,
        example: r#"spec:
  formats:
    avro: true
    jsonSchema: true
    protobuf: true"#,
    },
    Rule {
        id: "rivven/registry-memory-only",
        severity: Severity::Warning,
        summary: "rivven-schema 0.0.22 keeps schemas in memory only",
        explanation: r#"The rivven-schema 0.0.22 program stores everything in memory (broker-backed storage exists only in its library), so every schema and compatibility setting is lost when a pod restarts. `storage.mode: broker`, the default as in the spec, is therefore not applied. Write `storage.mode: memory` to say what runs, and register the schemas again after a restart, e.g. from CI."#,
        example: r#"spec:
  storage:
    mode: memory"#,
    },
    Rule {
        id: "rivven/registry-replicas",
        severity: Severity::Warning,
        summary: "several registry replicas hand out diverging schema ids",
        explanation: r#"Each rivven-schema 0.0.22 pod is an independent in-memory registry that shares nothing with the others. Behind one Service, clients would register and look up schemas in different registries and get different ids for the same schema. Run one replica."#,
        example: r#"spec:
  replicas: 1"#,
    },
    Rule {
        id: "rivven/registry-request-timeout",
        severity: Severity::Warning,
        summary: "rivven-schema 0.0.22 has no request timeout setting",
        explanation: r#"rivven-schema 0.0.22 has no option for a request timeout, so `server.requestTimeoutMs` is not applied; the warning appears whenever the field is written. Remove it."#,
        example: r#"spec:
  server:
    port: 8081   # no requestTimeoutMs"#,
    },
    Rule {
        id: "rivven/tls-unsupported",
        severity: Severity::Warning,
        summary: "Rivven 0.0.22 cannot serve TLS",
        explanation: r#"In Rivven 0.0.22 the default build ignores the TLS flags and a build with TLS panics at start, and rivven-schema has no TLS at all. So `tls.enabled: true` on a RivvenCluster, RivvenConnect or RivvenSchemaRegistry leaves the traffic unencrypted. Keep the traffic inside the cluster network, limit it with the rendered NetworkPolicies, and set `tls.enabled: false` until a release supports TLS."#,
        example: r#"spec:
  tls:
    enabled: false"#,
    },
    Rule {
        id: "rivven/version",
        severity: Severity::Warning,
        summary: "the Rivven version is not one rivven-render knows",
        explanation: r#"rivven-render writes flags, config files, ports and probes from its capability table, which has an entry for each Rivven release it was tested against (the message names them). A `spec.version` (or `--rivven-version`) without an entry is still rendered, with the newest known entry and the version as the image tag, so that a newer Rivven is not blocked; but that release may take other flags or another config format, so its pods might not start or might ignore settings. Use a known version, or check the rendered manifests against the release you chose. With `--rivven-version`, the warning is given once for the run."#,
        example: r#"spec:
  version: 0.0.22"#,
    },
    Rule {
        id: "platform/target-api",
        severity: Severity::Note,
        summary: "an object was left out or changed for the target cluster's APIs",
        explanation: r#"With `--kube-version` or `--api-versions` (Argo CD passes `KUBE_VERSION` and `KUBE_API_VERSIONS`), rivven-render renders for that cluster: a ServiceMonitor is left out when `monitoring.coreos.com/v1` is not served (the prometheus-operator CRDs are not installed, so the API server would refuse the object), a PodDisruptionBudget is rendered as `policy/v1beta1` for Kubernetes 1.20 and older, and a StatefulSet's `persistentVolumeClaimRetentionPolicy` is left out before 1.27, where the API server ignores it (volumes are then kept). The note names each object. Install the missing API, or turn the feature off in the resource to silence it."#,
        example: r#"spec:
  metrics:
    serviceMonitorEnabled: false   # when the cluster has no prometheus-operator"#,
    },
];
