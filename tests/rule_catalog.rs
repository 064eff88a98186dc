//! The rule catalog (`rivven-render rules`, `explain`, SARIF's rule list) against the code and the
//! tests: every rule id the code reports is in the catalog, every catalog entry is well formed, and
//! every catalog rule is fired by some test — by a case of the invalid corpus (`tests/invalid/`),
//! by a small input of the table below, or (for the few rules no input can reach) by a unit test
//! whose presence is checked here.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use rivven_render::compile::{compile, CompileOptions, Input};
use rivven_render::diagnostics::catalog;

#[path = "support/corpus.rs"]
mod corpus;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

// ---------------------------------------------------------------------------------------------
// 1. The ids in the code, and the shape of the catalog.

/// String literals of the code that look like rule ids but are not ones.
const NOT_RULE_IDS: &[&str] = &[
    "apps/v1",          // apiVersion of rendered Deployments and StatefulSets (src/model/names.rs)
    "policy/v1",        // apiVersion of rendered PodDisruptionBudgets (src/model/names.rs)
    "application/json", // default content type of the http sink (src/model/connectors/sinks.rs)
    "cdc/events",       // an S3 prefix in a connector unit test (src/model/connectors/tests.rs)
    "a/b",              // a config key and an invalid data key in unit tests (source/pointer.rs, validate/k8s.rs)
    "c/d",              // a JSON pointer token in a unit test (src/source/pointer.rs)
    "test/rule",        // a made-up rule of an emitter unit test (src/diagnostics/human.rs)
    "policy/v1beta1",   // the PodDisruptionBudget apiVersion of old clusters (src/render/target.rs)
    "no/such-rule",     // an unknown rule of a settings unit test (src/compile/settings.rs)
    "text/plain",       // content type of the companion's health and metrics answers (src/companion/)
    // namespace/name of plan ConfigMaps in the companion's unit tests (src/companion/desired_tests.rs)
    "apps/rivven-demo-topics",
    "apps/rivven-broken-topics",
    "apps/m1",
    "apps/rivven-schema-other-config",
];

/// The literals of one line that look like rule ids: a `"`, then `[a-z]+/[a-z0-9-]+`, then `"`.
fn id_like_literals(line: &str) -> Vec<&str> {
    let bytes = line.as_bytes();
    let mut found = Vec::new();
    for (start, _) in line.match_indices('"') {
        let body = start + 1;
        let family = bytes[body..].iter().take_while(|b| b.is_ascii_lowercase()).count();
        if family == 0 || bytes.get(body + family) != Some(&b'/') {
            continue;
        }
        let name_start = body + family + 1;
        let name = bytes[name_start..].iter().take_while(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || **b == b'-').count();
        if name > 0 && bytes.get(name_start + name) == Some(&b'"') {
            found.push(&line[body..name_start + name]);
        }
    }
    found
}

/// `family/name`, both lower-case kebab (`[a-z][a-z0-9]*` words joined by single `-`).
fn is_kebab_id(id: &str) -> bool {
    let kebab = |s: &str| s.starts_with(|c: char| c.is_ascii_lowercase()) && s.split('-').all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit()));
    matches!(id.split_once('/'), Some((family, name)) if kebab(family) && kebab(name))
}

#[test]
fn every_rule_id_in_the_code_is_in_the_catalog() {
    // The catalog itself.
    let rules = catalog::rules();
    assert!(!rules.is_empty(), "the catalog is empty");
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for r in rules {
        if !seen.insert(r.id) {
            problems.push(format!("{}: listed twice", r.id));
        }
        if !is_kebab_id(r.id) {
            problems.push(format!("{}: not `family/name` in lower-case kebab", r.id));
        }
        let summary = r.summary;
        if summary.trim().is_empty() {
            problems.push(format!("{}: empty summary", r.id));
        }
        if summary.chars().count() >= 100 {
            problems.push(format!("{}: summary of {} characters (want under 100): {summary:?}", r.id, summary.chars().count()));
        }
        if summary.ends_with('.') {
            problems.push(format!("{}: summary ends with a period: {summary:?}", r.id));
        }
        if r.explanation.trim().is_empty() {
            problems.push(format!("{}: empty explanation", r.id));
        }
        if r.example.trim().is_empty() {
            problems.push(format!("{}: empty example", r.id));
        }
        if catalog::rule(r.id).map(|found| found.id) != Some(r.id) {
            problems.push(format!("{}: `catalog::rule` does not find it", r.id));
        }
    }
    assert!(problems.is_empty(), "the catalog has {} problem(s):\n{}", problems.len(), problems.join("\n"));

    // The code.
    let catalog_dir = root().join("src/diagnostics/catalog");
    let mut unknown = Vec::new();
    let mut files = 0;
    let mut literals = 0;
    for entry in walkdir::WalkDir::new(root().join("src")).sort_by_file_name() {
        let entry = entry.expect("src is readable");
        let path = entry.path();
        if !entry.file_type().is_file() || path.extension().is_none_or(|e| e != "rs") || path.starts_with(&catalog_dir) {
            continue;
        }
        files += 1;
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let shown = path.strip_prefix(root()).unwrap_or(path).display().to_string();
        for (n, line) in text.lines().enumerate() {
            for literal in id_like_literals(line) {
                if NOT_RULE_IDS.contains(&literal) {
                    continue;
                }
                literals += 1;
                if catalog::rule(literal).is_none() {
                    unknown.push(format!("{shown}:{}: \"{literal}\"", n + 1));
                }
            }
        }
    }
    assert!(files > 20 && literals > 50, "the scan found only {literals} rule ids in {files} files: is it looking at src/?");
    assert!(
        unknown.is_empty(),
        "{} string literal(s) look like rule ids but are not in the catalog (add a catalog entry, or, if the literal is no rule id, add it to NOT_RULE_IDS with a comment):\n{}",
        unknown.len(),
        unknown.join("\n")
    );
}

#[test]
fn the_scan_finds_rule_ids_in_literals_only() {
    assert_eq!(id_like_literals(r#"ctx.error("pod/invalid", "/spec/env", x)"#), ["pod/invalid"]);
    assert_eq!(id_like_literals(r#"("apps/v1", "Deployment") // see rivven/cluster-mode"#), ["apps/v1"]);
    assert!(id_like_literals(r#""kubernetes.io/hostname" "/spec/x" "Pod/x" "a/""#).is_empty());
    assert!(is_kebab_id("rivven/registry-external-sync") && is_kebab_id("schema/any-of"));
    assert!(!is_kebab_id("schema/any--of") && !is_kebab_id("Schema/x") && !is_kebab_id("schema/-x") && !is_kebab_id("schema"));
}

// ---------------------------------------------------------------------------------------------
// 2. Every catalog rule is fired by a test.

/// The rules named by the `# expect:` headers of the corpus, with the files naming them.
fn corpus_rules() -> BTreeMap<String, Vec<String>> {
    let mut rules: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let files = corpus::corpus_files();
    assert!(!files.is_empty(), "no corpus case in {}", corpus::corpus_dir().display());
    for path in files {
        let name = corpus::case_name(&path);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        for expect in corpus::parse_header(&name, &text).expects {
            rules.entry(expect.rule).or_default().push(name.clone());
        }
    }
    rules
}

/// Rules no input can fire, each fired instead by a unit test of the file named (see its `mod
/// tests`): the kind schemas' only `const`s are `apiVersion` and `kind`, which loading checks before
/// the schema; their `anyOf`s all wrap an `Option`, which is reported by its one real branch; they
/// use no keyword that falls through to `schema/invalid`; the target cluster's notes need options,
/// and an unusable KRM function input is no document.
const FIRED_BY_UNIT_TESTS: &[(&str, &str)] = &[
    ("schema/const", "src/validate/schema_check.rs"),
    ("schema/any-of", "src/validate/schema_check.rs"),
    ("schema/invalid", "src/validate/schema_check.rs"),
    // Findings of options and front doors, not of documents.
    ("platform/target-api", "src/render/target.rs"),
    ("load/function-input", "src/cli/krm.rs"),
];

/// The text of the `#[cfg(test)] mod tests { ... }` block of a source file: from its opening line
/// to the first `}` at the start of a line, which closes it.
fn tests_module(file: &str) -> String {
    let text = std::fs::read_to_string(root().join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
    let start = text.find("#[cfg(test)]\nmod tests {").unwrap_or_else(|| panic!("{file} has no `#[cfg(test)] mod tests` block"));
    let block = &text[start..];
    let end = block.find("\n}").unwrap_or_else(|| panic!("{file}: the tests module is not closed by a `}}` at the start of a line"));
    block[..end + 2].to_owned()
}

#[test]
fn every_catalog_rule_is_fired_by_a_test() {
    let corpus = corpus_rules();
    let mut fired: BTreeSet<String> = corpus.keys().cloned().collect();
    fired.extend(small_inputs().into_iter().map(|c| c.rule.to_owned()));

    let mut problems = Vec::new();
    for (rule, file) in FIRED_BY_UNIT_TESTS {
        if !tests_module(file).contains(&format!("\"{rule}\"")) {
            problems.push(format!("{rule}: listed as fired by a unit test, but the tests module of {file} does not name it"));
        }
        if fired.contains(*rule) {
            problems.push(format!("{rule}: listed as fired by a unit test, but a corpus case or the small-input table fires it: drop it from FIRED_BY_UNIT_TESTS"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    fired.extend(FIRED_BY_UNIT_TESTS.iter().map(|(rule, _)| (*rule).to_owned()));

    let stale: Vec<String> = corpus.iter().filter(|(rule, _)| catalog::rule(rule).is_none()).map(|(rule, files)| format!("{rule} (in {})", files.join(", "))).collect();
    assert!(stale.is_empty(), "corpus headers name rules that are not in the catalog:\n{}", stale.join("\n"));

    let missing: Vec<&str> = catalog::rules().iter().map(|r| r.id).filter(|id| !fired.contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "{} catalog rule(s) are fired by no test (add a case to tests/invalid/, or a small input to the table of tests/rule_catalog.rs):\n{}",
        missing.len(),
        missing.join("\n")
    );
}

// ---------------------------------------------------------------------------------------------
// 3. Small inputs for the rules without a corpus case.

/// One rule and an input that fires it.
struct Case {
    rule: &'static str,
    /// (file name, YAML text) of each input.
    inputs: Vec<(&'static str, String)>,
    /// Write the inputs to files and give their paths (a name given twice is the same file twice),
    /// instead of handing the texts over in memory.
    as_files: bool,
}

fn case(rule: &'static str, text: String) -> Case {
    Case { rule, inputs: vec![("input.yaml", text)], as_files: false }
}

const API_VERSION: &str = "apiVersion: rivven.hupe1980.github.io/v1alpha1";

/// A RivvenCluster `demo` with `spec` lines after `replicas` (`replicas: 1` unless `spec` sets it).
fn cluster(spec: &str) -> String {
    let replicas = if spec.contains("replicas:") { "" } else { "  replicas: 1\n" };
    format!("{API_VERSION}\nkind: RivvenCluster\nmetadata:\n  name: demo\nspec:\n{replicas}{spec}")
}

/// The cluster `demo`, then a RivvenSchemaRegistry of it with `spec` lines (so that no
/// cluster-outside-input warning is the only finding).
fn registry(spec: &str) -> String {
    format!("{}---\n{API_VERSION}\nkind: RivvenSchemaRegistry\nmetadata:\n  name: schemas\nspec:\n  clusterRef:\n    name: demo\n  storage:\n    mode: memory\n{spec}", cluster(""))
}

/// The cluster `demo`, then a RivvenConnect of it with `spec` lines.
fn connect(spec: &str) -> String {
    format!("{}---\n{API_VERSION}\nkind: RivvenConnect\nmetadata:\n  name: pipeline\nspec:\n  clusterRef:\n    name: demo\n{spec}", cluster(""))
}

/// The cluster `demo`, then a RivvenTopic of it named `name` with `spec` lines.
fn topic(name: &str, spec: &str) -> String {
    format!("{}---\n{API_VERSION}\nkind: RivvenTopic\nmetadata:\n  name: {name}\nspec:\n  clusterRef:\n    name: demo\n{spec}", cluster(""))
}

const DATAGEN_SOURCE: &str = "  sources:\n    - name: generator\n      connector: datagen\n      topic: demo-events\n      datagen:\n        pattern: orders\n";

/// One input per catalog rule that no corpus case fires.
fn small_inputs() -> Vec<Case> {
    let big_annotation = "x".repeat(300 * 1024);
    vec![
        case("annotations/too-large", format!("{API_VERSION}\nkind: RivvenCluster\nmetadata:\n  name: demo\n  annotations:\n    notes: {big_annotation}\nspec:\n  replicas: 1\n")),
        case("cluster/auth-secret", cluster("  replicas: 3\n")),
        case("connect/health-forced", connect("  settings:\n    health:\n      enabled: false\n")),
        case("connect/replicated-sources", connect(&format!("  replicas: 2\n{DATAGEN_SOURCE}"))),
        case(
            "connect/secret-keys-shared",
            connect("  sources:\n    - name: orders\n      connector: datagen\n      topic: orders\n      configSecretRef: orders-credentials\n    - name: payments\n      connector: datagen\n      topic: payments\n      configSecretRef: payments-credentials\n"),
        ),
        case("connector/several-typed", connect(&format!("{DATAGEN_SOURCE}      http:\n        url: https://api.example.com/orders\n"))),
        Case { rule: "load/duplicate-file", inputs: vec![("cluster.yaml", cluster("")), ("cluster.yaml", cluster(""))], as_files: true },
        // A readable file and one that does not exist (see `findings`).
        Case { rule: "load/unreadable", inputs: vec![("cluster.yaml", cluster(""))], as_files: true },
        case("ref/name", cluster("  storage:\n    storageClassName: Fast_SSD\n")),
        case("registry/auth-cedar", registry("  auth:\n    enabled: true\n    method: cedar\n")),
        case("registry/auth-jwt", registry("  auth:\n    enabled: true\n    method: jwt\n")),
        case("registry/auth-users", registry("  auth:\n    enabled: true\n    method: basic\n")),
        case("registry/external-url", registry("  externalRegistry:\n    enabled: true\n")),
        case("resources/fractional-bytes", cluster("  resources:\n    requests:\n      memory: 100m\n")),
        case("rivven/acls-unsupported", topic("orders", "  acls:\n    - principal: user:order-service\n      operations: [Read, Write]\n")),
        case(
            "rivven/auth-unsupported",
            registry("  auth:\n    enabled: true\n    method: basic\n    users:\n      - username: admin\n        passwordSecretKey: admin-password\n        role: admin\n"),
        ),
        case("rivven/broker-retention", cluster("  config:\n    logRetentionHours: 48\n")),
        case("rivven/cluster-mode", cluster("  replicas: 3\n  clusterAuthSecretRef:\n    name: rivven-cluster-token\n    key: token\n")),
        case("rivven/compatibility-flag", registry("  compatibility:\n    defaultLevel: FULL\n")),
        case("rivven/cdc-database-tls", connect("  sources:\n    - name: orders-cdc\n      connector: postgres-cdc\n      topic: cdc.orders\n      postgresCdc:\n        tls:\n          mode: require\n")),
        case("rivven/cdc-config", connect("  sources:\n    - name: shop-cdc\n      connector: mysql-cdc\n      topic: shop.orders\n      configSecretRef: my\n      config:\n        serverId: 4294967296\n")),
        case("rivven/cdc-credentials", connect("  sources:\n    - name: orders-cdc\n      connector: postgres-cdc\n      topic: cdc.orders\n      postgresCdc:\n        slotName: orders\n")),
        case("rivven/cdc-identifier", connect("  sources:\n    - name: orders-cdc\n      connector: postgres-cdc\n      topic: cdc.orders\n      configSecretRef: pg\n      postgresCdc:\n        slotName: orders-slot\n")),
        case("rivven/cdc-encryption-key", connect("  sources:\n    - name: shop-cdc\n      connector: mysql-cdc\n      topic: shop.orders\n      configSecretRef: my\n      mysqlCdc:\n        fieldEncryption:\n          enabled: true\n          fields: [ssn]\n")),
        case("rivven/cdc-heartbeat-range", connect("  sources:\n    - name: orders-cdc\n      connector: postgres-cdc\n      topic: cdc.orders\n      postgresCdc:\n        heartbeatIntervalMs: 7200000\n")),
        case("rivven/cdc-snapshot-mode", connect("  sources:\n    - name: orders-cdc\n      connector: postgres-cdc\n      topic: cdc.orders\n      postgresCdc:\n        snapshotMode: exported\n")),
        case("rivven/cdc-transform", connect("  sources:\n    - name: orders-cdc\n      connector: postgres-cdc\n      topic: cdc.orders\n      postgresCdc:\n        transforms:\n          - type: drop_null\n")),
        case("rivven/cdc-transform-option", connect("  sources:\n    - name: orders-cdc\n      connector: postgres-cdc\n      topic: cdc.orders\n      postgresCdc:\n        transforms:\n          - type: mask_field\n            config:\n              fields: email\n              replacement: x\n")),
        case("rivven/cdc-unsupported-field", connect("  sources:\n    - name: orders-cdc\n      connector: postgres-cdc\n      topic: cdc.orders\n      postgresCdc:\n        router:\n          enabled: true\n")),
        case("rivven/mysql-cdc-position", connect("  sources:\n    - name: shop-cdc\n      connector: mysql-cdc\n      topic: shop.orders\n      mysqlCdc:\n        serverId: 7\n")),
        case("rivven/mysql-cdc-tables", connect("  sources:\n    - name: shop-cdc\n      connector: mysql-cdc\n      topic: shop.orders\n      mysqlCdc:\n        tables:\n          - schema: shop\n            table: orders\n")),
        case("rivven/postgres-cdc-snapshot", connect("  sources:\n    - name: orders-cdc\n      connector: postgres-cdc\n      topic: cdc.orders\n      postgresCdc:\n        tables:\n          - schema: public\n            table: orders\n            columns: [id]\n")),
        case("rivven/postgres-cdc-streaming", connect("  sources:\n    - name: orders-cdc\n      connector: postgres-cdc\n      topic: cdc.orders\n      postgresCdc:\n        slotName: orders\n")),
        case("rivven/connector-option", connect("  sinks:\n    - name: out\n      connector: stdout\n      topics: [events]\n      consumerGroup: out\n      stdout:\n        pretty: true\n")),
        case("rivven/sink-wildcard", connect("  sinks:\n    - name: out\n      connector: stdout\n      topics: [\"cdc.*\"]\n      consumerGroup: out\n")),
        case("rivven/metrics-port", cluster("  metrics:\n    port: 9100\n")),
        case(
            "rivven/no-column-masks",
            connect("  sources:\n    - name: orders-cdc\n      connector: postgres-cdc\n      topic: cdc.orders\n      postgresCdc:\n        tables:\n          - table: customers\n            columnMasks:\n              email: redacted\n"),
        ),
        case("rivven/no-metrics", registry("  metrics:\n    enabled: true\n")),
        case("rivven/registry-cors", registry("  server:\n    corsEnabled: true\n")),
        case("rivven/registry-external-sync", registry("  externalRegistry:\n    enabled: true\n    registryUrl: https://registry.example.com\n")),
        case("rivven/registry-formats", registry("  formats:\n    protobuf: false\n")),
        case("rivven/registry-replicas", registry("  replicas: 2\n")),
        case("rivven/registry-request-timeout", registry("  server:\n    requestTimeoutMs: 5000\n")),
        case("rivven/version", cluster("  version: 9.9.9\n")),
        case("schema/length", topic("orders", "  topicName: \"\"\n")),
        case("topic/name", topic("-orders", "")),
    ]
}

/// Compiles one case; `(severity, rule)` of every finding.
fn findings(c: &Case) -> Vec<(String, &'static str)> {
    let options = CompileOptions::default();
    let compilation = if c.as_files {
        let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("rule_catalog").join(c.rule.replace('/', "-"));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        let mut inputs: Vec<Input> = c
            .inputs
            .iter()
            .map(|(name, text)| {
                let path = dir.join(name);
                std::fs::write(&path, text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                Input::Path(path)
            })
            .collect();
        if c.rule == "load/unreadable" {
            inputs.push(Input::Path(dir.join("no-such-file.yaml")));
        }
        compile(&inputs, &options)
    } else {
        let texts: Vec<(&str, &str)> = c.inputs.iter().map(|(name, text)| (*name, text.as_str())).collect();
        rivven_render::compile::compile_texts(&texts, &options)
    };
    compilation.diagnostics.iter().map(|d| (d.severity.to_string(), d.rule)).collect()
}

#[test]
fn rules_without_a_corpus_case_fire_from_small_inputs() {
    let corpus = corpus_rules();
    let unit_tested: BTreeSet<&str> = FIRED_BY_UNIT_TESTS.iter().map(|(rule, _)| *rule).collect();
    let mut failures = Vec::new();
    let mut seen = BTreeSet::new();
    for c in small_inputs() {
        if !seen.insert(c.rule) {
            failures.push(format!("{}: two entries in the table", c.rule));
        }
        let Some(entry) = catalog::rule(c.rule) else {
            failures.push(format!("{}: not in the catalog", c.rule));
            continue;
        };
        if let Some(files) = corpus.get(c.rule) {
            failures.push(format!("{}: the corpus covers it already ({}): drop it from the table", c.rule, files.join(", ")));
        }
        if unit_tested.contains(c.rule) {
            failures.push(format!("{}: also listed in FIRED_BY_UNIT_TESTS", c.rule));
        }
        let found = findings(&c);
        let want_severity = entry.severity.to_string();
        if !found.iter().any(|(severity, rule)| *rule == c.rule && *severity == want_severity) {
            let shown: Vec<String> = found.iter().map(|(severity, rule)| format!("{severity} {rule}")).collect();
            failures.push(format!("{}: no {want_severity} of this rule; found: [{}]", c.rule, shown.join(", ")));
        }
    }
    assert!(failures.is_empty(), "{} of {} table entries failed:\n{}", failures.len(), seen.len(), failures.join("\n"));
}
