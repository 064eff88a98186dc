//! The connect.yaml keys the renderer writes against the keys rivven-connect 0.0.22 reads
//! (`src/rivven/connect-keys-0.0.22.tsv`): every rendered key is in the allowlist and every required
//! key is written; with the testbed's unpacked crate sources and binary (feature `testbed`), the
//! allowlist cites real source lines and equals the program's own config schema.
use std::collections::{BTreeMap, BTreeSet};

use rivven_render::compile::{compile_texts, CompileOptions};
use rivven_render::diagnostics::Severity;
use rivven_render::rivven::cdc::{keys, Key};
use rivven_render::rivven::V0_0_22;
use serde_json::Value;

const HEAD: &str = "apiVersion: rivven.hupe1980.github.io/v1alpha1\n";

/// The cluster every connect below references, so that no cluster-outside finding applies.
const CLUSTER: &str = "kind: RivvenCluster\nmetadata: {name: demo}\nspec: {replicas: 1}\n";

/// Every CdcFeatures object with all its fields, including the ones with no 0.0.22 counterpart
/// (the renderer must leave those out), and one transform of every type 0.0.22 has, with every
/// option its implementation reads (the `smt/*` scopes).
const FEATURES: &str = r#"
snapshot: {batchSize: 5000, parallelTables: 2, queryTimeoutSecs: 600, throttleDelayMs: 10, maxRetries: 5, includeTables: [public.orders], excludeTables: [public.audit]}
incrementalSnapshot: {enabled: true, chunkSize: 2048, watermarkStrategy: update_and_insert, watermarkSignalTable: public.watermarks, maxConcurrentChunks: 2, chunkDelayMs: 100}
signal: {enabled: true, dataCollection: public.signals, topic: cdc.signals, enabledChannels: [source, topic, file, api], pollIntervalMs: 500}
heartbeat: {enabled: true, intervalSecs: 5, maxLagSecs: 60, emitEvents: true, topic: __cdc_heartbeat, actionQuery: "SELECT 1"}
deduplication: {enabled: true, bloomExpectedInsertions: 50000, bloomFpp: 0.001, lruSize: 5000, windowSecs: 600}
transactionTopic: {enabled: true, topicName: __cdc_tx, includeDataCollections: true, minEventsThreshold: 2}
schemaChangeTopic: {enabled: true, topicName: __cdc_schema, includeColumns: true, schemas: [public]}
tombstone: {enabled: true, afterDelete: true, behavior: emit_with_key}
fieldEncryption: {enabled: true, keySecretRef: cdc-key, fields: [ssn], algorithm: aes-256-gcm}
router: {enabled: true, defaultDestination: cdc.default, deadLetterQueue: cdc.dlq, dropUnroutable: false, rules: [{conditionType: table, conditionValue: orders, destination: cdc.orders, priority: 10}]}
partitioner: {enabled: true, numPartitions: 8, strategy: table_hash, keyColumns: [id]}
parallel: {enabled: true, concurrency: 2, perTableBuffer: 1000, outputBuffer: 10000, workStealing: true, perTableRateLimit: 100, shutdownTimeoutSecs: 30}
outbox: {enabled: true, tableName: outbox, pollIntervalMs: 100, batchSize: 10, maxRetries: 3, deliveryTimeoutSecs: 30, orderedDelivery: true, retentionSecs: 3600, maxConcurrency: 2}
health: {enabled: true, checkIntervalSecs: 5, maxLagMs: 1000, failureThreshold: 3, successThreshold: 1, checkTimeoutSecs: 2, autoRecovery: true, recoveryDelaySecs: 1, maxRecoveryDelaySecs: 60}
transforms:
  - {type: extract_new_record_state, config: {dropTombstones: true, addFields: "op,source.ts_ms,table,schema"}}
  - {type: value_to_key, config: {fields: [id]}}
  - {type: mask_field, config: {fields: "email, phone"}}
  - {type: insert_field, config: {staticFields: {region: eu, tier: 1}, timestampField: ingested_at, dateField: ingested_on}}
  - {type: replace_field, config: {renames: {old_name: new_name}, include: [id, new_name], exclude: "notes"}}
  - {type: rename_field, config: {renames: {a: b}, include: [b], exclude: [c]}}
  - {type: regex_router, config: {defaultTopic: cdc.other, routes: [{pattern: "^public\\.(.*)$", topic: "cdc.$1"}]}}
  - {type: timestamp_converter, config: {fields: [created_at], format: epoch_millis}}
  - {type: filter, config: {condition: "status = active", drop: false}}
  - {type: cast, config: {specs: {amount: double, qty: int64}}}
  - {type: flatten, config: {delimiter: "_", maxDepth: 3}}
  - {type: timezone_converter, config: {fields: [created_at], from: UTC, to: Europe/Berlin, dateOnly: false, format: "%Y-%m-%d %H:%M"}}
  - {type: convert_timezone, config: {fields: [updated_at], to: UTC}}
  - {type: content_router, config: {defaultTopic: cdc.rest, routes: [{field: status, topic: cdc.active, value: active}, {field: email, topic: cdc.corp, pattern: ".*@corp$"}]}}
  - {type: header_to_value, config: {fields: {table: source_table, op: operation}, allHeadersPrefix: __hdr_, move: false}}
  - {type: unwrap, config: {field: payload}}
  - {type: set_null, config: {fields: [notes], condition: {equals: ""}}}
  - {type: set_null, config: {fields: [code], condition: {matches: "^n/a$"}}}
  - {type: set_null, config: {fields: [memo], condition: if_empty}}
  - {type: compute_field, config: {computations: [{target: full_name, type: concat, parts: [first, " ", last]}, {target: digest, type: hash, fields: [id, email]}, {target: up, type: upper, source: name}]}}
"#;

/// Our documents (every CDC source has a configSecretRef) plus the repository's examples.
fn documents() -> Vec<(String, String)> {
    let features: String = FEATURES.lines().filter(|l| !l.is_empty()).map(|l| format!("        {l}\n")).collect();
    let postgres = format!(
        r#"kind: RivvenConnect
metadata: {{name: keys-postgres}}
spec:
  clusterRef: {{name: demo}}
  sources:
    - name: orders
      connector: postgres-cdc
      topic: cdc.orders
      configSecretRef: pg-credentials
      topicConfig: {{partitions: 3, replicationFactor: 1, autoCreate: true}}
      rateLimit: {{eventsPerSecond: 500, burstCapacity: 50}}
      postgresCdc:
        slotName: orders_slot
        publication: orders_pub
        snapshotMode: schema_only
        decodingPlugin: pgoutput
        includeTransactionMetadata: true
        heartbeatIntervalMs: 10000
        signalTable: public.signals
        tables:
          - {{schema: public, table: orders, topic: cdc.orders, columns: [id, total], excludeColumns: [notes]}}
          - {{schema: public, table: customers, excludeColumns: [ssn]}}
        readOnlyReplica: {{enabled: true, lagThresholdMs: 2000, deduplicate: true, watermarkSource: replica}}
        tls: {{mode: disable, caCertPath: /etc/ssl/db-ca.pem}}
{features}    - {{name: signals-only, connector: postgres-cdc, topic: cdc.signals-only, configSecretRef: pg-credentials, postgresCdc: {{signalTable: public.signals, includeTransactionMetadata: true, tables: [{{table: t}}]}}}}
"#
    );
    let mysql = format!(
        r#"kind: RivvenConnect
metadata: {{name: keys-mysql}}
spec:
  clusterRef: {{name: demo}}
  sources:
    - name: shop
      connector: mysql-cdc
      topic: cdc.shop
      configSecretRef: mysql-credentials
      mysqlCdc:
        serverId: 4242
        snapshotMode: when_needed
        includeGtid: true
        heartbeatIntervalMs: 2500
        databaseHistoryTopic: cdc.shop-history
        database: shop
        excludeTables: [shop.audit]
        tables:
          - {{schema: shop, table: orders, columns: [id, total], excludeColumns: [notes]}}
{features}    - {{name: shop-derived, connector: mysql-cdc, topic: cdc.shop-derived, configSecretRef: mysql-credentials, mysqlCdc: {{tables: [{{schema: shop, table: a}}, {{schema: shop, table: b, excludeColumns: [x]}}]}}}}
"#
    );
    let misc = r#"kind: RivvenConnect
metadata: {name: keys-misc}
spec:
  clusterRef: {name: demo}
  sources:
    - {name: generated, connector: datagen, topic: generated, datagen: {pattern: users, eventsPerSecond: 10, maxEvents: 1000, schemaType: json, seed: 42}}
    - name: generic
      connector: mysql-cdc
      topic: cdc.generic
      configSecretRef: mysql-credentials
      config: {serverId: 7, snapshotMode: initial, heartbeatIntervalMs: 1000, database: shop, excludeTables: [shop.tmp], snapshot: {batchSize: 100}}
  sinks:
    - {name: from-start, connector: stdout, topics: [generated], consumerGroup: a, startOffset: earliest, stdout: {format: json, pretty: true, includeMetadata: true, color: false}}
    - {name: from-time, connector: stdout, topics: [generated], consumerGroup: b, startOffset: "2024-01-01T00:00:00Z", rateLimit: {eventsPerSecond: 10, burstCapacity: 5}}
  settings:
    logLevel: debug
    topic: {autoCreate: true, defaultPartitions: 3, defaultReplicationFactor: 1}
    retry: {maxRetries: 5, initialBackoffMs: 100, maxBackoffMs: 10000, backoffMultiplier: 2.0}
    health: {enabled: true, port: 8080}
    metrics: {enabled: true, port: 9091}
"#;
    let mut docs: Vec<(String, String)> = [("cluster.yaml", CLUSTER), ("postgres.yaml", &postgres), ("mysql.yaml", &mysql), ("misc.yaml", misc)].iter().map(|(n, t)| (n.to_string(), format!("{HEAD}{t}"))).collect();
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    for dir in ["examples/spec", "examples/minimal"] {
        let mut files: Vec<_> = std::fs::read_dir(root.join(dir)).unwrap().map(|e| e.unwrap().path()).filter(|p| p.extension().is_some_and(|x| x == "yaml")).collect();
        files.sort();
        // examples/minimal names its cluster `demo` too: it is its own input set.
        docs.extend(files.into_iter().map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap())));
    }
    docs
}

/// serde_yaml_ng's value as JSON; a tag (`!timestamp "..."`) stands for its value.
fn yaml_to_json(y: serde_yaml_ng::Value) -> Value {
    use serde_yaml_ng::Value as Y;
    match y {
        Y::Null => Value::Null,
        Y::Bool(b) => b.into(),
        Y::Number(n) => serde_json::to_value(n).expect("a YAML number is a JSON number"),
        Y::String(s) => s.into(),
        Y::Sequence(items) => items.into_iter().map(yaml_to_json).collect(),
        Y::Mapping(m) => Value::Object(m.into_iter().map(|(k, v)| (k.as_str().expect("string keys").to_owned(), yaml_to_json(v))).collect()),
        Y::Tagged(t) => yaml_to_json(t.value),
    }
}

/// Every rendered connect.yaml, by ConfigMap name. The examples/minimal set compiles on its own
/// (its cluster is also `demo`); compile errors fail the test, with all of them printed.
fn rendered_connect_yamls() -> BTreeMap<String, Value> {
    let docs = documents();
    let (minimal, ours): (Vec<_>, Vec<_>) = docs.iter().partition(|(n, _)| n.contains("examples/minimal"));
    let mut out = BTreeMap::new();
    for set in [ours, minimal] {
        let texts: Vec<(&str, &str)> = set.iter().map(|(n, t)| (n.as_str(), t.as_str())).collect();
        let compilation = compile_texts(&texts, &CompileOptions::default());
        let errors: Vec<String> = compilation.diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| format!("{} {} {}: {}", d.rule, d.resource.as_ref().map(|r| r.name.as_str()).unwrap_or("-"), d.path, d.message)).collect();
        assert!(errors.is_empty(), "compile errors:\n{}", errors.join("\n"));
        for o in compilation.objects() {
            if o.kind == "ConfigMap" && o.name.starts_with("rivven-connect-") && o.name.ends_with("-config") {
                let text = o.value["data"]["connect.yaml"].as_str().unwrap_or_else(|| panic!("{} has no connect.yaml", o.name));
                let yaml = serde_yaml_ng::from_str(text).unwrap_or_else(|e| panic!("{}: {e}\n{text}", o.name));
                out.insert(o.name.clone(), yaml_to_json(yaml));
            }
        }
    }
    assert!(out.len() >= 5, "connect.yaml ConfigMaps found: {:?}", out.keys().collect::<Vec<_>>());
    out
}

fn allowlist() -> BTreeSet<(String, String)> {
    keys(&V0_0_22).iter().map(|k| (k.scope.clone(), k.path.clone())).collect()
}

fn join(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_owned() } else { format!("{path}.{key}") }
}

/// Collects `(scope, path)` of every key of a connect.yaml in the TSV's notation.
struct KeyWalk<'a> {
    allowed: &'a BTreeSet<(String, String)>,
    scopes: BTreeSet<&'a str>,
    /// Each key seen, with the ConfigMaps and connectors it was rendered for.
    seen: BTreeMap<(String, String), BTreeSet<String>>,
    /// Connectors with no scope in the allowlist, whose config keys cannot be checked.
    unchecked_connectors: BTreeSet<String>,
}

impl KeyWalk<'_> {
    fn walk(&mut self, place: &str, scope: &str, path: &str, value: &Value) {
        match value {
            Value::Object(map) => {
                // A free map (column_filters.<table>, sources.<name>) is one the allowlist writes as `prefix.*`.
                let free = self.allowed.contains(&(scope.to_owned(), join(path, "*")));
                for (key, child) in map {
                    let child_path = join(path, if free { "*" } else { key });
                    self.seen.entry((scope.to_owned(), child_path.clone())).or_default().insert(place.to_owned());
                    let sibling = |name: &str| map.get(name).and_then(Value::as_str).unwrap_or_default().to_owned();
                    if scope == "file" && key == "config" && (path == "sources.*" || path == "sinks.*") {
                        let connector = sibling("connector");
                        if self.scopes.contains(connector.as_str()) {
                            self.walk(place, &connector, "", child);
                        } else {
                            self.unchecked_connectors.insert(connector);
                        }
                    } else if matches!(scope, "postgres-cdc" | "mysql-cdc") && path == "transforms[]" && key == "config" {
                        self.walk(place, &format!("smt/{}", sibling("type")), "", child);
                    } else if scope == "file" && (path == "sources" || path == "sinks") {
                        self.walk(&format!("{place} {path}.{key}"), scope, &child_path, child);
                    } else {
                        self.walk(place, scope, &child_path, child);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|item| self.walk(place, scope, &format!("{path}[]"), item)),
            _ => {}
        }
    }
}

/// The values of an `enum(a|b)` type.
fn enum_values(kind: &str) -> Vec<&str> {
    kind.strip_prefix("enum(").and_then(|k| k.strip_suffix(')')).map(|v| v.split('|').collect()).unwrap_or_default()
}

/// `(ConfigMap/source, connector, config)` of every rendered CDC source.
fn cdc_sources(yamls: &BTreeMap<String, Value>) -> Vec<(String, &str, &Value)> {
    let sources = yamls.iter().flat_map(|(cm, y)| y["sources"].as_object().into_iter().flatten().map(move |(name, s)| (format!("{cm}/{name}"), s["connector"].as_str().unwrap_or_default(), &s["config"])));
    sources.filter(|(_, c, _)| matches!(*c, "postgres-cdc" | "mysql-cdc")).collect()
}

#[test]
fn every_rendered_key_is_read_by_rivven_connect_0_0_22() {
    let allowed = allowlist();
    let yamls = rendered_connect_yamls();
    let mut walk = KeyWalk { allowed: &allowed, scopes: allowed.iter().map(|(s, _)| s.as_str()).collect(), seen: BTreeMap::new(), unchecked_connectors: BTreeSet::new() };
    for (config_map, y) in &yamls {
        walk.walk(config_map, "file", "", y);
    }

    // Connectors without a scope must be ones the program does not have at all (another rule's
    // business), never one of its own whose keys the allowlist forgot.
    let known: Vec<&str> = keys(&V0_0_22).iter().filter(|k| k.path.ends_with(".*.connector")).flat_map(|k| enum_values(&k.kind)).collect();
    let forgotten: Vec<&String> = walk.unchecked_connectors.iter().filter(|c| known.contains(&c.as_str())).collect();
    assert!(forgotten.is_empty(), "connectors of rivven-connect 0.0.22 with no keys in the allowlist: {forgotten:?}");
    eprintln!("connectors rivven-connect 0.0.22 does not have (config not checked): {:?}", walk.unchecked_connectors);

    // Not vacuous: the CDC keys rivven-render writes (the fields 0.0.22 parses but never uses are
    // left out, so fewer than the allowlist holds) and every option of every transform.
    let count = |scope: &str| walk.seen.keys().filter(|(s, _)| s == scope).count();
    assert!(count("postgres-cdc") >= 45 && count("mysql-cdc") >= 32, "postgres-cdc {} / mysql-cdc {} keys seen", count("postgres-cdc"), count("mysql-cdc"));
    let unseen_smt: Vec<String> = allowed.iter().filter(|k| k.0.starts_with("smt/") && !walk.seen.contains_key(*k)).map(|(s, p)| format!("{s}\t{p}")).collect();
    assert!(unseen_smt.is_empty(), "transform options never rendered:\n{}", unseen_smt.join("\n"));
    for scope in ["datagen", "stdout"] {
        assert!(count(scope) >= 3, "{scope}: {} keys seen", count(scope));
    }

    // The renames 0.0.22 needs.
    let has = |scope: &str, path: &str| walk.seen.contains_key(&(scope.to_owned(), path.to_owned()));
    for scope in ["postgres-cdc", "mysql-cdc"] {
        assert!(has(scope, "snapshot.mode") && !has(scope, "snapshot_mode"), "{scope}: snapshot.mode, not snapshot_mode");
        assert!(has(scope, "heartbeat_interval_secs") && !has(scope, "heartbeat_interval_ms"), "{scope}: heartbeat_interval_secs, not _ms");
    }
    assert!(has("smt/extract_new_record_state", "add_op") && has("smt/extract_new_record_state", "add_ts"));
    assert!(!has("smt/extract_new_record_state", "add_fields"), "add_fields is not read by 0.0.22");
    for (name, connector, config) in cdc_sources(&yamls) {
        if connector == "postgres-cdc" {
            assert_eq!(config["tls"]["mode"], "disable", "{name}: the one TLS mode 0.0.22 starts with");
        }
        for t in config["transforms"].as_array().into_iter().flatten().filter(|t| t["type"] == "mask_field") {
            assert!(t["config"]["fields"].is_array(), "{name}: mask_field fields must be a list: {t}");
        }
    }

    // Last, so that a renderer gap does not hide the checks above.
    let offenders: Vec<String> =
        walk.seen.iter().filter(|(k, _)| !allowed.contains(*k)).map(|((s, p), places)| format!("{s}\t{p}\t(in {})", places.iter().cloned().collect::<Vec<_>>().join(", "))).collect();
    assert!(offenders.is_empty(), "rendered keys rivven-connect 0.0.22 does not read:\n{}", offenders.join("\n"));
}

#[test]
fn every_required_key_of_a_rendered_source_is_present() {
    let all = keys(&V0_0_22);
    let yamls = rendered_connect_yamls();
    let sources = cdc_sources(&yamls);
    // Every CDC source of our documents and of the examples has a configSecretRef.
    for connector in ["postgres-cdc", "mysql-cdc"] {
        let required: Vec<&Key> = all.iter().filter(|k| k.scope == connector && k.required && !k.path.contains(['.', '['])).collect();
        assert!(!required.is_empty(), "{connector} has required keys");
        let of_connector: Vec<_> = sources.iter().filter(|(_, c, _)| *c == connector).collect();
        assert!(of_connector.len() >= 2, "{connector} sources rendered: {}", of_connector.len());
        let missing: Vec<String> =
            of_connector.iter().flat_map(|(name, _, config)| required.iter().filter(|k| config.get(&k.path).is_none()).map(move |k| format!("{name}: {}", k.path))).collect();
        assert!(missing.is_empty(), "required keys not rendered:\n{}", missing.join("\n"));
    }
}

/// Where `testbed/tb build` unpacks the Rivven 0.0.22 binaries and crate sources.
#[cfg(feature = "testbed")]
fn rivven_cache() -> std::path::PathBuf {
    let home = || std::path::Path::new(&std::env::var("HOME").unwrap_or_else(|_| "/root".into())).join(".cache/rivven-render");
    let dir = std::env::var("RIVVEN_RENDER_CACHE").map(std::path::PathBuf::from).unwrap_or_else(|_| home()).join("rivven-0.0.22");
    for needed in ["src/rivven-connect-0.0.22", "src/rivven-cdc-0.0.22", "bin/rivven-connect"] {
        assert!(dir.join(needed).exists(), "{} is missing: run `testbed/tb build` first", dir.join(needed).display());
    }
    dir
}

/// Whether `line` declares `name:` (a field, not a `name::` path) or holds the string `"name"`.
#[cfg(feature = "testbed")]
fn names(line: &str, name: &str) -> bool {
    let ident = |c: char| c.is_alphanumeric() || c == '_';
    let declares = line.match_indices(name).any(|(i, _)| {
        let before_ok = !line[..i].chars().next_back().is_some_and(ident);
        let rest = line[i + name.len()..].trim_start();
        before_ok && !line[i + name.len()..].starts_with(ident) && rest.starts_with(':') && !rest.starts_with("::")
    });
    declares || line.contains(&format!("\"{name}\""))
}

#[cfg(feature = "testbed")]
#[test]
fn the_allowlist_cites_real_source_lines() {
    let src = rivven_cache().join("src");
    let mut files: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut mismatches = Vec::new();
    for key in keys(&V0_0_22) {
        let (file, line) = key.source.rsplit_once(':').unwrap_or_else(|| panic!("no line in {:?}", key.source));
        let n: usize = line.parse().unwrap_or_else(|_| panic!("bad line number in {:?}", key.source));
        let lines = files.entry(file.to_owned()).or_insert_with(|| {
            let path = src.join(file);
            std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).lines().map(str::to_owned).collect()
        });
        let Some(cited) = n.checked_sub(1).and_then(|i| lines.get(i)) else {
            mismatches.push(format!("{}\t{}\t{}: past the end of the file", key.scope, key.path, key.source));
            continue;
        };
        let segments: Vec<&str> = key.path.split('.').map(|s| s.trim_end_matches("[]")).collect();
        let last = segments[segments.len() - 1];
        // The attribute and doc lines right above a field: `#[serde(rename = "type")]` names it.
        let attributes = lines[..n - 1].iter().rev().take_while(|l| l.trim_start().starts_with("#[") || l.trim_start().starts_with("//"));
        let ok = if last == "*" {
            // A free map's values are read in the loop over the map: its name is on the line or just above.
            let parent = segments[segments.len() - 2];
            lines[(n - 1).saturating_sub(3)..n].iter().any(|l| names(l, parent))
        } else {
            names(cited, last) || attributes.into_iter().any(|l| l.contains("rename") && l.contains(&format!("\"{last}\"")))
        };
        if !ok {
            mismatches.push(format!("{}\t{}\t{}: {}", key.scope, key.path, key.source, cited.trim()));
        }
    }
    assert!(mismatches.is_empty(), "allowlist lines whose cited source line does not name the key:\n{}", mismatches.join("\n"));
}

/// Every property path of a JSON Schema in the TSV's notation: `$ref`s and combinators are
/// followed, array items add `[]`, a typed `additionalProperties` is the free key `*`.
#[cfg(feature = "testbed")]
fn schema_paths(root: &Value, node: &Value, prefix: &str, out: &mut BTreeSet<String>, depth: usize) {
    assert!(depth < 64, "schema recursion at {prefix:?}");
    if let Some(r) = node.get("$ref").and_then(Value::as_str) {
        let name = r.strip_prefix("#/definitions/").unwrap_or_else(|| panic!("unexpected $ref {r}"));
        schema_paths(root, &root["definitions"][name], prefix, out, depth + 1);
    }
    for combinator in ["allOf", "anyOf", "oneOf"] {
        for n in node.get(combinator).and_then(Value::as_array).into_iter().flatten() {
            schema_paths(root, n, prefix, out, depth + 1);
        }
    }
    let extra = node.get("additionalProperties").filter(|a| a.is_object()).map(|a| ("*", a));
    for (name, property) in node.get("properties").and_then(Value::as_object).into_iter().flatten().map(|(k, v)| (k.as_str(), v)).chain(extra) {
        out.insert(join(prefix, name));
        schema_paths(root, property, &join(prefix, name), out, depth + 1);
    }
    if let Some(items) = node.get("items").filter(|i| i.is_object()) {
        schema_paths(root, items, &format!("{prefix}[]"), out, depth + 1);
    }
}

#[cfg(feature = "testbed")]
#[test]
fn postgres_and_stdout_keys_match_the_program_s_own_schema() {
    let binary = rivven_cache().join("bin/rivven-connect");
    for connector in ["postgres-cdc", "stdout"] {
        let output = std::process::Command::new(&binary).args(["schema", connector]).output().unwrap_or_else(|e| panic!("{}: {e}", binary.display()));
        assert!(output.status.success(), "rivven-connect schema {connector}: {}", String::from_utf8_lossy(&output.stderr));
        let schema: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("schema {connector} is not JSON: {e}"));
        let mut from_schema = BTreeSet::new();
        schema_paths(&schema, &schema, "", &mut from_schema, 0);
        let listed: BTreeSet<String> = keys(&V0_0_22).iter().filter(|k| k.scope == connector).map(|k| k.path.clone()).collect();
        // The flattening above already matches the TSV's notation for enums (no child paths) and
        // maps (`*` only for typed values), so no `map`/`any` children need leaving out. Only keys
        // inside a transform's free `config` could be listed beyond the schema, and those belong to
        // the `smt/*` scopes (none are expected here).
        let only_listed: Vec<&String> = listed.difference(&from_schema).filter(|p| !p.starts_with("transforms[].config.")).collect();
        let only_schema: Vec<&String> = from_schema.difference(&listed).collect();
        assert!(only_listed.is_empty() && only_schema.is_empty(), "{connector}: in the allowlist only: {only_listed:?}\nin the program's schema only: {only_schema:?}");
        assert!(listed.len() >= 7, "{connector}: {} paths", listed.len());
    }
}
