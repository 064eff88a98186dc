//! Catalog entries of the naming rules: resource names and namespaces, the names of rendered
//! objects, labels and annotations, and references to other objects (`annotations/*`, `labels/*`,
//! `name/*`, `ref/*`).
use super::Rule;
use crate::diagnostics::Severity;

pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "annotations/key",
        severity: Severity::Error,
        summary: "an annotation key is not a valid Kubernetes qualified name",
        explanation: r#"Annotation keys (`metadata.annotations`, `podAnnotations`) must be an optional DNS subdomain prefix and `/`, then a name of at most 63 letters, digits, `-`, `_` and `.` that starts and ends with a letter or digit. The API server refuses an object that carries any other key. Rename the key, e.g. to `example.com/owner`."#,
        example: r#"spec:
  podAnnotations:
    example.com/owner: team-a    # not -bad or a/b/c"#,
    },
    Rule {
        id: "annotations/too-large",
        severity: Severity::Error,
        summary: "the annotations are larger than Kubernetes allows on one object",
        explanation: r#"Kubernetes limits the annotations of one object to 256 KiB, keys and values together. For `podAnnotations`, the annotations rivven-render adds to the pod template itself are counted in. The API server would refuse the rendered object: keep large data in a ConfigMap and put only a short reference into the annotation."#,
        example: r#"metadata:
  annotations:
    example.com/runbook: https://wiki.example.com/rivven   # a link, not the document"#,
    },
    Rule {
        id: "labels/key",
        severity: Severity::Error,
        summary: "a label key is not a valid Kubernetes qualified name",
        explanation: r#"Keys of `metadata.labels`, `podLabels` and `nodeSelector` must be an optional DNS subdomain prefix and one `/`, then at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit. They end up in rendered objects and pod templates, where the API server refuses any other key. Rename the key, e.g. to `team` or `example.com/team`."#,
        example: r#"metadata:
  labels:
    example.com/team: payments   # at most one `/`"#,
    },
    Rule {
        id: "labels/reserved",
        severity: Severity::Warning,
        summary: "the label is one that rivven-render sets itself",
        explanation: r#"rivven-render sets `app.kubernetes.io/name`, `instance`, `component`, `part-of`, `managed-by` and `version` on every object it renders, and its selectors rely on them. A value given for one of these keys in `podLabels`, or in `metadata.labels` of a RivvenCluster, RivvenConnect or RivvenSchemaRegistry, is therefore not used. Remove it, or use a label key of your own."#,
        example: r#"metadata:
  labels:
    example.com/app: orders   # instead of app.kubernetes.io/name"#,
    },
    Rule {
        id: "labels/value",
        severity: Severity::Error,
        summary: "a label value is not valid in Kubernetes",
        explanation: r#"A label value must be empty, or at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit; the API server refuses spaces, slashes and longer texts. This applies to `metadata.labels`, `podLabels` and `nodeSelector`. Put free text into an annotation instead."#,
        example: r#"metadata:
  labels:
    tier: backend                          # no spaces
  annotations:
    example.com/note: free text is fine here"#,
    },
    Rule {
        id: "name/collision",
        severity: Severity::Error,
        summary: "two resources render an object of the same name",
        explanation: r#"Rendered object names are derived from resource names (`rivven-<name>`, `rivven-<name>-headless`, `rivven-connect-<name>`, ...), so two different resources can render objects of the same apiVersion, kind, namespace and name: RivvenCluster `connect-foo` and RivvenConnect `foo` both render Service `rivven-connect-foo`. Applied together, one object would silently replace the other. The finding is reported at both resources, each naming the other; rename one of them."#,
        example: r#"kind: RivvenCluster
metadata:
  name: main    # not connect-foo, which RivvenConnect foo also renders"#,
    },
    Rule {
        id: "name/dns-label",
        severity: Severity::Error,
        summary: "metadata.name is not a valid Kubernetes name for this kind",
        explanation: r#"The name of a RivvenCluster, RivvenConnect or RivvenSchemaRegistry becomes part of Service names, so it must be a DNS-1035 label: lower-case letters, digits and `-`, starting with a letter and ending with a letter or digit. A RivvenTopic's name must be a Kubernetes object name (a DNS-1123 subdomain, which also allows `.` and a leading digit). For a broker topic name Kubernetes cannot hold, such as `Orders_V1`, give the RivvenTopic a valid name and set `spec.topicName`."#,
        example: r#"kind: RivvenTopic
metadata:
  name: orders-v1
spec:
  clusterRef:
    name: demo
  topicName: Orders_V1   # the broker topic keeps its own spelling"#,
    },
    Rule {
        id: "name/namespace",
        severity: Severity::Error,
        summary: "the namespace is not a valid Kubernetes namespace name",
        explanation: r#"`metadata.namespace` and `clusterRef.namespace` must be DNS-1123 labels: at most 63 lower-case letters, digits and `-`, starting and ending with a letter or digit. The API server refuses any other namespace, and the namespace is also part of every output file name, so a value such as `../x` must never reach the writer. Use a plain name such as `streaming`."#,
        example: r#"metadata:
  name: demo
  namespace: streaming"#,
    },
    Rule {
        id: "name/too-long",
        severity: Severity::Error,
        summary: "the name is too long for the objects rendered from it",
        explanation: r#"rivven-render adds prefixes and suffixes to resource names (`rivven-<name>-headless`, `rivven-connect-<name>-config`, ...), and each rendered object must stay within Kubernetes' length limit for its kind: 63 characters for a Service, fewer for a StatefulSet, whose name must leave room for the pods' `controller-revision-hash` label. The message says how many characters fit; a RivvenCluster name, for example, has at most 45. Shorten the name."#,
        example: r#"kind: RivvenConnect
metadata:
  name: orders-to-s3   # short enough for rivven-connect-<name>-config"#,
    },
    Rule {
        id: "ref/cluster-name",
        severity: Severity::Error,
        summary: "clusterRef.name cannot be the name of a RivvenCluster",
        explanation: r#"A RivvenCluster's name must be a DNS-1035 label short enough for the objects rendered from it (at most 45 characters), so no cluster can carry the name given here and the reference could never resolve. rivven-render also derives the workers' broker address (`rivven-<name>`) from it. Write the `metadata.name` of the RivvenCluster meant."#,
        example: r#"spec:
  clusterRef:
    name: demo   # metadata.name of the RivvenCluster"#,
    },
    Rule {
        id: "ref/cluster-outside-input",
        severity: Severity::Warning,
        summary: "the referenced RivvenCluster is not in the input",
        explanation: r#"No RivvenCluster of this name is in the input, in the namespace the reference resolves to (`clusterRef.namespace`, or else the resource's own). Rendering goes on and assumes that the cluster exists where the manifests are applied, but replication factors and names cannot be checked against it. Add the cluster's file to the run, or set `clusterRef.namespace` when the hint says the cluster is defined in another namespace."#,
        example: r#"spec:
  clusterRef:
    name: demo
    namespace: streaming   # where RivvenCluster demo is defined"#,
    },
    Rule {
        id: "ref/duplicate-resource",
        severity: Severity::Error,
        summary: "the same resource is defined twice",
        explanation: r#"Two documents define a resource of the same kind, namespace and name (a resource without a namespace counts as being in the namespace chosen at apply time). Applied, one would replace the other, and which one wins would depend on the order of the files. Keep one definition, or give the second resource a name of its own; the hint says where the first definition is."#,
        example: r#"kind: RivvenTopic
metadata:
  name: orders-archive   # a second topic needs a name of its own"#,
    },
    Rule {
        id: "ref/name",
        severity: Severity::Error,
        summary: "a referenced object's name is not a valid Kubernetes name",
        explanation: r#"The names of the ServiceAccount, PriorityClass and StorageClass a spec refers to, and of a ConfigMap in an env `configMapKeyRef`, must be DNS-1123 subdomains: at most 253 lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit. No such object can exist under another name, so the reference could never resolve, and the API server refuses a pod or claim template that names one. Write the object's real name."#,
        example: r#"spec:
  serviceAccount:
    name: rivven-broker
  priorityClassName: high-priority
  storage:
    storageClassName: fast-ssd"#,
    },
    Rule {
        id: "ref/secret-key",
        severity: Severity::Error,
        summary: "a Secret or ConfigMap key is not a valid key",
        explanation: r#"Keys of Secrets and ConfigMaps are at most 253 letters, digits, `-`, `_` and `.` (and neither `.` nor `..`), so a key with a `/` or a space cannot exist. This applies to `clusterAuthSecretRef.key` and to env `secretKeyRef.key` and `configMapKeyRef.key`. Write the key as it is in the Secret or ConfigMap."#,
        example: r#"spec:
  env:
    - name: API_TOKEN
      valueFrom:
        secretKeyRef:
          name: my-secret
          key: api-token   # no `/`"#,
    },
    Rule {
        id: "ref/secret-name",
        severity: Severity::Error,
        summary: "a Secret name is not a valid Kubernetes name",
        explanation: r#"Secret names (`configSecretRef`, `clusterAuthSecretRef.name`, `tls.certSecretName`, `imagePullSecrets`, env `secretKeyRef.name`) must be DNS-1123 subdomains: at most 253 lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit. No Secret can carry any other name, so the reference could never resolve and pods that need it would not start. Write the Secret's real name."#,
        example: r#"sources:
  - name: gen
    connector: datagen
    topic: events
    configSecretRef: datagen-credentials   # not Bad_Secret"#,
    },
];
