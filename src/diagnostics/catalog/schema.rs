//! Catalog entries of the `schema/*` rules: the JSON Schema of each kind (and of each known
//! connector's `config`), checked before any other rule.
use super::Rule;
use crate::diagnostics::Severity;

pub(super) const RULES: &[Rule] = &[
    Rule {
        id: "schema/any-of",
        severity: Severity::Error,
        summary: "the value matches none of the forms the field allows",
        explanation: r#"The field's schema lists several alternative forms and the value fits none of them. For a field that is merely optional, the errors of its one real form are reported instead, so this finding is only for fields with more than one alternative. Compare the value with the field's schema under `schemas/` and write it in one of the forms listed there."#,
        example: r#"# write the value in one of the forms the field's schema lists, e.g.
# (see schemas/rivvenconnect.json for a connector field)
spec:
  replicas: 1"#,
    },
    Rule {
        id: "schema/const",
        severity: Severity::Error,
        summary: "the field must hold one exact value",
        explanation: r#"The field allows exactly one value, as `apiVersion` and `kind` do in the schema of each kind, and holds another. Documents are routed by these two fields before the schema is checked, so a mismatch there is normally reported as load/api-version or load/unknown-kind instead. Write the one value the message names."#,
        example: r#"apiVersion: rivven.hupe1980.github.io/v1alpha1
kind: RivvenTopic"#,
    },
    Rule {
        id: "schema/enum",
        severity: Severity::Error,
        summary: "the value is not one of the values the field allows",
        explanation: r#"The field takes one of a fixed set of values, such as `imagePullPolicy`, `storage.mode`, a topic's `cleanupPolicy` or a compatibility level, and the value is none of them. Values are case-sensitive. The hint lists the allowed values and the closest one; known connectors' `config` keys are checked the same way."#,
        example: r#"spec:
  imagePullPolicy: IfNotPresent   # Always, IfNotPresent or Never"#,
    },
    Rule {
        id: "schema/invalid",
        severity: Severity::Error,
        summary: "the value breaks a constraint of the field's schema",
        explanation: r#"The value breaks a constraint of the schema that has no finding of its own; the message is the schema validator's description of it. The schemas under `schemas/` are generated from rivven-render's types, so they describe exactly what is accepted. Change the value so that it meets the constraint the message names."#,
        example: r#"# write the field as its schema describes it, e.g.
spec:
  partitions: 3"#,
    },
    Rule {
        id: "schema/items",
        severity: Severity::Error,
        summary: "the list has too few or too many items",
        explanation: r#"The list must hold at least, or at most, a given number of items; for example a sink's `topics` needs at least one topic, or the sink would have nothing to read. Add the missing items or remove the extra ones."#,
        example: r#"sinks:
  - name: archive
    connector: s3
    topics: [orders]     # at least one topic
    consumerGroup: archive
    s3:
      bucket: my-archive"#,
    },
    Rule {
        id: "schema/length",
        severity: Severity::Error,
        summary: "the string is empty, too short or too long",
        explanation: r#"The field has a length limit: many names and references must not be empty (`version`, `clusterRef.name`, a connector's `name`), and some have a maximum, such as 253 characters for `metadata.name` and 255 for topic names. An empty value usually means that a value was forgotten or that a template variable came out empty. Give a value within the limits the message names."#,
        example: r#"spec:
  clusterRef:
    name: demo       # not """#,
    },
    Rule {
        id: "schema/pattern",
        severity: Severity::Error,
        summary: "the string does not have the form the field requires",
        explanation: r#"The value must match a regular expression: a broker topic name (letters, digits, `.`, `_` and `-`, starting with a letter or digit), a sink's topic subscription (where `*` is a wildcard), a connector name, or a `startOffset` of `earliest`, `latest` or an RFC 3339 date-time. rivvend refuses topic names of other forms, so such a mistake would otherwise show only at run time. The hint gives the expected form."#,
        example: r#"spec:
  topicName: orders.v1    # not _orders or "my events""#,
    },
    Rule {
        id: "schema/range",
        severity: Severity::Error,
        summary: "the number is outside the range the field allows",
        explanation: r#"The field has a minimum or a maximum: for example `partitions` of a RivvenTopic is 1 to 1000 (rivvend's own limits), ports are 1 to 65535, a RivvenCluster's `replicas` is 1 to 100, and `retentionMs` is -1 (forever) or more. The message gives the limit; write a value within it."#,
        example: r#"# RivvenTopic
spec:
  clusterRef:
    name: demo
  partitions: 12        # 1 to 1000"#,
    },
    Rule {
        id: "schema/required",
        severity: Severity::Error,
        summary: "a required field is missing",
        explanation: r#"The field has no default, so it must be written: for example `metadata.name`, `spec`, the `clusterRef` of a RivvenTopic, RivvenConnect or RivvenSchemaRegistry, or a sink's `topics` and `consumerGroup`. The finding points at the mapping that should hold the field, and the hint says where to add it. Known connectors' `config` is checked the same way (an s3 sink needs `bucket`)."#,
        example: r#"apiVersion: rivven.hupe1980.github.io/v1alpha1
kind: RivvenTopic
metadata:
  name: orders
spec:
  clusterRef:
    name: demo"#,
    },
    Rule {
        id: "schema/type",
        severity: Severity::Error,
        summary: "the value has the wrong type for its field",
        explanation: r#"The field expects another type: a number was written in quotes (`"3"`), a list stands where a mapping belongs, a decimal where an integer belongs, or a key was left without a value. YAML 1.2 reads `yes`, `no`, `on` and `off` as strings, so booleans must be written `true` or `false`. The same finding is reported when a value passes the schema but does not fit the field's type, such as a whole number too large for it. Write the value as the type the field takes."#,
        example: r#"spec:
  replicas: 1             # a number, not "1"
  storage:
    deleteClaim: false    # true or false, not no"#,
    },
    Rule {
        id: "schema/unknown-field",
        severity: Severity::Error,
        summary: "the field is not known here",
        explanation: r#"Every mapping accepts only the fields its schema lists, so a misspelt key (`replcas`, `retentionMS`) is an error instead of being dropped: left alone, the intended setting would silently not apply, and rivven-connect itself ignores unknown keys without a word. The hint suggests the closest known field or lists the fields allowed. A key containing a letter from another script that looks like a Latin one (a Cyrillic `е`) is named as such."#,
        example: r#"spec:
  replicas: 1
  storage:
    storageClassName: fast   # not storageClassname"#,
    },
];
