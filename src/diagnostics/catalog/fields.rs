//! Catalog entries of the field rules the schemas cannot express: broker settings, topics,
//! registries, pods, resources, env, images and TLS (`cluster/*`, `env/*`, `image/*`, `pod/*`,
//! `registry/*`, `resources/*`, `tls/*`, `topic/*`).
use super::Rule;
use crate::diagnostics::Severity;

pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "cluster/auth-secret",
        severity: Severity::Warning,
        summary: "cluster mode reads a token Secret that you must create",
        explanation: r#"With more than one replica the brokers run in cluster mode, which needs a shared token. Without `clusterAuthSecretRef`, the pods read key `token` of Secret `rivven-<name>-cluster-auth`, which rivven-render never creates because it writes no secret values; until that Secret exists the pods cannot start. Create it, or point `clusterAuthSecretRef` at a Secret you manage. (Cluster mode itself cannot start in Rivven 0.0.22: see rivven/cluster-mode.)"#,
        example: r#"spec:
  replicas: 3
  clusterAuthSecretRef:
    name: rivven-cluster-token   # a Secret you create
    key: token"#,
    },
    Rule {
        id: "cluster/min-isr",
        severity: Severity::Error,
        summary: "minInsyncReplicas is above defaultReplicationFactor",
        explanation: r#"`config.minInsyncReplicas` and `config.defaultReplicationFactor` become rivvend's `--min-isr` and `--replication-factor`, and rivvend refuses to start when the first is greater than the second. Both default to 1. Lower `minInsyncReplicas` or raise the replication factor, which in turn may not exceed the number of brokers."#,
        example: r#"spec:
  replicas: 1
  config:
    defaultReplicationFactor: 1
    minInsyncReplicas: 1"#,
    },
    Rule {
        id: "cluster/raft-timing",
        severity: Severity::Error,
        summary: "the Raft election timeouts do not fit the heartbeat interval",
        explanation: r#"`config.raftElectionMinMs` must be greater than `config.raftHeartbeatMs`, and `config.raftElectionMaxMs` must not be below `raftElectionMinMs`. rivvend requires the election timeout to exceed the heartbeat interval: a follower that times out before the next heartbeat can arrive would keep calling elections. The defaults are 50, 150 and 300 ms."#,
        example: r#"spec:
  config:
    raftHeartbeatMs: 50
    raftElectionMinMs: 150
    raftElectionMaxMs: 300"#,
    },
    Rule {
        id: "cluster/replication-factor",
        severity: Severity::Error,
        summary: "defaultReplicationFactor is above the number of brokers",
        explanation: r#"`config.defaultReplicationFactor` becomes rivvend's `--replication-factor`, which rivvend 0.0.22 applies to every topic it creates, and a topic cannot have more copies than there are brokers (`replicas`). Lower the factor to at most `replicas`; with Rivven 0.0.22, where only one broker can run, that is 1."#,
        example: r#"spec:
  replicas: 1
  config:
    defaultReplicationFactor: 1"#,
    },
    Rule {
        id: "cluster/storage-size",
        severity: Severity::Error,
        summary: "storage.size is not a positive Kubernetes quantity",
        explanation: r#"`storage.size` becomes the storage request of each broker's PersistentVolumeClaim, so it must follow Kubernetes' quantity grammar and be greater than zero. Forms such as `10GB`, `10 Gi` or `-10Gi` would be refused by the API server. Write e.g. `10Gi`, `500Mi` or `1Ti`."#,
        example: r#"spec:
  storage:
    size: 10Gi   # not 10GB"#,
    },
    Rule {
        id: "env/name",
        severity: Severity::Error,
        summary: "an environment variable name is not valid",
        explanation: r#"Kubernetes (1.34 and later) accepts environment variable names that are not empty and consist of printable ASCII characters other than `=`. A name such as `A=B`, or one with non-ASCII letters, makes the API server refuse the pod. Rename the variable."#,
        example: r#"spec:
  env:
    - name: LOG_FORMAT   # not LOG=FORMAT
      value: json"#,
    },
    Rule {
        id: "image/reference",
        severity: Severity::Error,
        summary: "image and version do not form a valid image reference",
        explanation: r#"`version` becomes the image tag, so it must be at most 128 letters, digits, `_`, `.` and `-`, not starting with `.` or `-`. `image`, with that tag (unless it carries its own tag or digest), must parse as a container image reference: an optional registry host and port, a lower-case repository path, an optional `@sha256:` digest. No container runtime can pull anything else, so the pods would never start."#,
        example: r#"spec:
  image: ghcr.io/hupe1980/rivvend   # lower case
  version: 0.0.22                  # a tag, no spaces"#,
    },
    Rule {
        id: "pod/duplicate-entry",
        severity: Severity::Error,
        summary: "an env variable or an image pull Secret is listed twice",
        explanation: r#"Every name in `env` and every Secret in `imagePullSecrets` may appear once. The API server takes a repeated env name, but only one of its values reaches the container, so the other entry is a setting that silently does nothing; a pull Secret named twice adds nothing at all. This is rivven-render's own rule, so that the spec says exactly what runs: remove the repeated entry, or merge the two into one."#,
        example: r#"spec:
  env:
    - name: LOG_LEVEL     # once, not twice with two values
      value: info
  imagePullSecrets: [regcred]   # not [regcred, regcred]"#,
    },
    Rule {
        id: "pod/invalid",
        severity: Severity::Error,
        summary: "a pod setting is not valid in the rendered pod template",
        explanation: r#"The Kubernetes-typed pod settings a spec passes through (tolerations, affinity, topology spread constraints, seccomp profiles, the SELinux change policy, extended resources and huge pages, env `valueFrom`) are checked against the API server's own validation rules, so that a pod template it would refuse is reported here, at the field. This rule means only that: Kubernetes would refuse the field as written. What rivven-render itself does not allow in a pod has rules of its own (see pod/reserved-env, pod/duplicate-entry and pod/resource-claims). The message says which rule of the API server is broken; fix the field it points at."#,
        example: r#"spec:
  tolerations:
    - key: dedicated
      operator: Equal
      value: streaming
      effect: NoExecute
      tolerationSeconds: 300   # needs effect NoExecute"#,
    },
    Rule {
        id: "pod/reserved-env",
        severity: Severity::Error,
        summary: "an env variable has a name rivven-render sets itself in the container",
        explanation: r#"rivven-render sets some environment variables in the containers it renders, because the program reads them: a broker gets `POD_NAME` and `POD_IP` from the downward API, and in cluster mode also `RIVVEN_CLUSTER_AUTH_TOKEN`. An `env` entry of the same name would give the container that variable twice, and only one of the two values would reach the program. Rename your variable; the value rivven-render sets is the one the program needs."#,
        example: r#"spec:
  env:
    - name: BROKER_ZONE   # not POD_IP, which rivven-render sets
      value: eu-west-1a"#,
    },
    Rule {
        id: "pod/resource-claims",
        severity: Severity::Error,
        summary: "resources.claims needs pod-level resource claims, which rivven-render does not render",
        explanation: r#"An entry of `resources.claims` lets the container use a dynamic resource claim, but it must name a claim declared in the pod's `resourceClaims`, and rivven-render renders no pod-level `resourceClaims` (nor the ResourceClaim objects behind them). The rendered pod would name a claim that does not exist, so rivven-render refuses the field. Remove `resources.claims`; if the device plugin offers the device as an extended resource, request it under `resources.limits` instead."#,
        example: r#"spec:
  resources:
    limits:
      nvidia.com/gpu: 1   # instead of resources.claims"#,
    },
    Rule {
        id: "registry/auth-cedar",
        severity: Severity::Error,
        summary: "auth.method cedar has no auth.cedar section",
        explanation: r#"With `auth.enabled: true` and `auth.method: cedar`, the registry needs an `auth.cedar` section whose `policySecretRef` names the Secret holding the policies; without it the method has nothing to evaluate. Note that rivven-schema 0.0.22 has no authentication at all (see rivven/auth-unsupported), so leaving `auth.enabled` false is the fix that reflects what runs."#,
        example: r#"spec:
  auth:
    enabled: true
    method: cedar
    cedar:
      policySecretRef: cedar-policies"#,
    },
    Rule {
        id: "registry/auth-jwt",
        severity: Severity::Error,
        summary: "auth.method jwt has no auth.jwt section",
        explanation: r#"With `auth.enabled: true` and `auth.method: jwt`, the registry needs an `auth.jwt` section with at least `issuerUrl`, so that tokens can be verified. Note that rivven-schema 0.0.22 has no authentication at all (see rivven/auth-unsupported), so leaving `auth.enabled` false is the fix that reflects what runs."#,
        example: r#"spec:
  auth:
    enabled: true
    method: jwt
    jwt:
      issuerUrl: https://auth.example.com
      audience: schema-registry"#,
    },
    Rule {
        id: "registry/auth-users",
        severity: Severity::Error,
        summary: "auth.method basic has no users",
        explanation: r#"With `auth.enabled: true` and `auth.method: basic` (the default method), `auth.users` needs at least one entry, each with a username and the Secret key of its password; without users no client could ever authenticate. `usersSecretRef` alone does not count. Note that rivven-schema 0.0.22 has no authentication at all (see rivven/auth-unsupported), so leaving `auth.enabled` false is the fix that reflects what runs."#,
        example: r#"spec:
  auth:
    enabled: true
    method: basic
    users:
      - username: admin
        passwordSecretKey: admin-password
        role: admin"#,
    },
    Rule {
        id: "registry/bind-address",
        severity: Severity::Error,
        summary: "server.bindAddress is not an IP address",
        explanation: r#"`server.bindAddress` becomes rivven-schema's `--host`, which takes an IPv4 or IPv6 address, not a host name such as `localhost`. Use `0.0.0.0` (the default) so that the Service and the probes can reach the registry on the pod's address."#,
        example: r#"spec:
  server:
    bindAddress: 0.0.0.0   # not localhost"#,
    },
    Rule {
        id: "registry/external-url",
        severity: Severity::Error,
        summary: "externalRegistry is enabled without registryUrl",
        explanation: r#"An enabled `externalRegistry` section must name the registry to synchronise with in `registryUrl`. rivven-schema 0.0.22 cannot synchronise with an external registry in any case (see rivven/registry-external-sync), so turning the section off is the fix that reflects what runs."#,
        example: r#"spec:
  externalRegistry:
    enabled: true
    registryUrl: https://external-sr.example.com"#,
    },
    Rule {
        id: "resources/fractional-bytes",
        severity: Severity::Warning,
        summary: "a memory or storage quantity is a fraction of a byte",
        explanation: r#"`memory` and `ephemeral-storage` are counted in bytes, and a quantity such as `512m` (0.512 bytes) or `1.5` is not a whole number of them. Kubernetes rounds it and warns when it is applied; `512m` was almost certainly meant as `512Mi`. Write whole bytes, usually with a binary suffix."#,
        example: r#"spec:
  resources:
    requests:
      memory: 512Mi   # not 512m"#,
    },
    Rule {
        id: "resources/name",
        severity: Severity::Error,
        summary: "the resource name is not one Kubernetes accepts",
        explanation: r#"Keys of `resources.requests` and `resources.limits` must be `cpu`, `memory`, `ephemeral-storage`, `hugepages-<size>`, or an extended resource with a domain prefix such as `nvidia.com/gpu`. The API server refuses other names, such as a bare `gpu`. Use the standard name, or the full name the device plugin advertises."#,
        example: r#"spec:
  resources:
    limits:
      nvidia.com/gpu: 1   # not gpu"#,
    },
    Rule {
        id: "resources/quantity",
        severity: Severity::Error,
        summary: "a resource quantity is malformed or negative",
        explanation: r#"Requests and limits must follow Kubernetes' quantity grammar exactly: a number, then an optional suffix (`m`, `k`, `M`, `G`, `Ki`, `Mi`, `Gi`, ...) or a decimal exponent, with no spaces. The API server refuses `10GB`, `" 1Gi"` and `1 Gi`, and it refuses negative amounts. Write e.g. `500m` or `2` for CPU and `512Mi` or `2Gi` for memory."#,
        example: r#"spec:
  resources:
    requests:
      cpu: 500m
      memory: 1Gi   # not 10GB or " 1Gi""#,
    },
    Rule {
        id: "resources/request-over-limit",
        severity: Severity::Error,
        summary: "a resource request is greater than its limit",
        explanation: r#"For a resource with both a request and a limit, the request must not exceed the limit, or the API server refuses the pod. Lower the request or raise the limit; a request equal to its limit is fine."#,
        example: r#"spec:
  resources:
    requests:
      memory: 2Gi
    limits:
      memory: 4Gi"#,
    },
    Rule {
        id: "tls/cert-secret",
        severity: Severity::Error,
        summary: "tls.enabled is set without tls.certSecretName",
        explanation: r#"TLS needs a certificate, so `tls.enabled: true` requires `tls.certSecretName`, the name of a Secret of type `kubernetes.io/tls`. Note that Rivven 0.0.22 cannot serve TLS at all (see rivven/tls-unsupported), so until a release that can, leaving `tls.enabled` false is the fix that reflects what runs."#,
        example: r#"spec:
  tls:
    enabled: true
    certSecretName: rivven-tls   # a Secret of type kubernetes.io/tls"#,
    },
    Rule {
        id: "topic/collision",
        severity: Severity::Error,
        summary: "two RivvenTopics manage the same broker topic",
        explanation: r#"Two RivvenTopics of the same cluster resolve to the same broker topic name (`spec.topicName`, or else `metadata.name`). Both would be written into the cluster's topic plan, and their settings would fight over one topic. Keep one RivvenTopic per broker topic: remove the second one or give it another `topicName`."#,
        example: r#"kind: RivvenTopic
metadata:
  name: orders-copy
spec:
  clusterRef:
    name: demo
  topicName: orders-copy   # not orders, which RivvenTopic orders manages"#,
    },
    Rule {
        id: "topic/min-isr",
        severity: Severity::Error,
        summary: "minInsyncReplicas is above the topic's replicationFactor",
        explanation: r#"A topic's `config.minInsyncReplicas` is how many copies must acknowledge a write. With fewer copies than that (`replicationFactor`), no write could ever be acknowledged. Lower `minInsyncReplicas` to at most `replicationFactor`."#,
        example: r#"spec:
  replicationFactor: 1
  config:
    minInsyncReplicas: 1"#,
    },
    Rule {
        id: "topic/name",
        severity: Severity::Error,
        summary: "the broker topic name is not one rivvend accepts",
        explanation: r#"rivvend accepts topic names of at most 255 letters, digits, `.`, `_` and `-` that start with a letter or digit, and refuses others with `INVALID_TOPIC_NAME`. The broker name is `spec.topicName`, or `metadata.name` when `topicName` is not set. Set `topicName` to a valid name."#,
        example: r#"spec:
  clusterRef:
    name: demo
  topicName: orders.v1"#,
    },
    Rule {
        id: "topic/replication-factor",
        severity: Severity::Error,
        summary: "the topic's replicationFactor is above the cluster's brokers",
        explanation: r#"A RivvenTopic's `replicationFactor` may not exceed the `replicas` of the RivvenCluster it references, since each copy lives on another broker; the check runs when that cluster is in the input. Lower the factor. rivvend 0.0.22 applies its own `--replication-factor` (the cluster's `config.defaultReplicationFactor`) to every topic, so keep the two in line."#,
        example: r#"spec:
  clusterRef:
    name: demo          # a RivvenCluster with replicas: 1
  replicationFactor: 1"#,
    },
];
