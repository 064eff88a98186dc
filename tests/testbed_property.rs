#![cfg(feature = "testbed")]
//! Property test on the testbed: whatever rivven-render's validation accepts, the real
//! kube-apiserver accepts too.
//!
//! From a fixed seed, a small PRNG mutates the examples under `examples/` in Kubernetes-meaningful
//! ways (names at the longest length the validator allows, label and annotation keys and values,
//! quantities, storage, replicas, ports, env vars, image references, versions, pull policies and
//! secrets, tolerations, node selectors, affinity, topology spread, security contexts, service
//! accounts, priority classes, Secret references, topic names, start offsets, ...), drawing both
//! values Kubernetes accepts and values it refuses. Every candidate goes through the library
//! in-process (`load_text`, `validate`); a candidate with errors is discarded (and counted by
//! rule), every other one is rendered (`render`, `output::stream`) and every rendered object must
//! pass `kubectl apply --server-side --dry-run=server` in a namespace enforcing Pod Security
//! `restricted`. Workloads are also checked through the Pod their controller would create from the
//! template: Pod Security admission only *enforces* on Pods (on workloads it warns), and the
//! ServiceAccount and Priority admission plugins look only at Pods. The service accounts and
//! priority classes the inputs may name are created first; the examples as they are (controls)
//! go along.
//!
//! The objects of [`BATCH_INPUTS`] inputs go to the API server in one kubectl call, logged at
//! `-v=6` so that each response (and each warning after it) names its request; an object not
//! accepted is dry-run again on its own, so that each rejection carries the API server's own
//! message. Every rejection prints the input, its mutations and that message, then all of them by
//! class; the test fails when there is any. About 20 s on the 2-core machine.
//!
//! The only cluster-scoped objects (the priority classes, named after the process, and the
//! ServiceMonitor CRD when it is missing) are deleted at the end; `cargo test` runs test binaries
//! one after the other, so the e2e test's own ServiceMonitor CRD never overlaps with this one.
//!
//! `RIVVEN_PROPERTY_SEED` (decimal or 0x-hex) and `RIVVEN_PROPERTY_INPUTS` explore other inputs.
//! Run: `testbed/tb up && cargo test --locked --features testbed --test testbed_property`.

#[path = "support/testbed.rs"]
mod testbed;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use rivven_render::diagnostics::Severity;
use rivven_render::compile::compile_texts;
use rivven_render::{output, render};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use testbed::Testbed;

const RESTRICTED: (&str, &str) = ("pod-security.kubernetes.io/enforce", "restricted");
const DEFAULT_SEED: u64 = 0x5EED_0022_2026_0001;
const DEFAULT_INPUTS: usize = 200;
/// Inputs per kubectl call.
const BATCH_INPUTS: usize = 50;
/// Candidates generated at most, so a validator that rejects nearly everything ends the test.
const MAX_CANDIDATES_PER_INPUT: usize = 20;
const FIELD_MANAGER: &str = "rivven-render-property";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

// ------------------------------------------------------------------ PRNG

/// splitmix64: small, fast, and the same sequence on every platform.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        assert!(n > 0);
        (self.next() % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: i64, hi: i64) -> i64 {
        lo + (self.next() % (hi - lo + 1) as u64) as i64
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())].clone()
    }

    fn byte(&mut self, set: &[u8]) -> char {
        set[self.below(set.len())] as char
    }
}

const LOWER: &[u8] = b"abcdefghijklmnopqrstuvwxyz";
const LOWER_DIGIT: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const HEX: &[u8] = b"0123456789abcdef";

// ------------------------------------------------------------------ value generators

/// A DNS-1035 label of exactly `len` characters: a letter first, letters or digits last, and
/// letters, digits and (also consecutive) hyphens between.
fn dns_label(rng: &mut Rng, len: usize) -> String {
    (0..len)
        .map(|i| {
            if i == 0 {
                rng.byte(LOWER)
            } else if i == len - 1 {
                rng.byte(LOWER_DIGIT)
            } else {
                match rng.below(10) {
                    0 | 1 => '-',
                    2..=4 => rng.byte(b"0123456789"),
                    _ => rng.byte(LOWER),
                }
            }
        })
        .collect()
}

/// A DNS-1123 subdomain of exactly `len` characters (dot-separated labels of at most 63).
fn dns_subdomain(rng: &mut Rng, len: usize) -> String {
    let mut chars: Vec<char> = (0..len).map(|_| if rng.chance(10) { '-' } else { rng.byte(LOWER_DIGIT) }).collect();
    // Dots: forced where a label would exceed 63, otherwise now and then.
    let mut start = 0;
    while len - start > 63 || (len - start > 3 && rng.chance(30)) {
        let max = (len - start - 2).min(63);
        let l = 1 + rng.below(max);
        chars[start + l] = '.';
        start += l + 1;
    }
    // Every label starts and ends alphanumeric.
    for i in 0..len {
        let edge = i == 0 || i == len - 1 || chars[i - 1] == '.' || chars[i + 1] == '.';
        if chars[i] == '-' && edge {
            chars[i] = rng.byte(LOWER_DIGIT);
        }
    }
    chars.into_iter().collect()
}

/// The name part of a qualified name (label and annotation keys): `[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?`.
fn qualified_name_part(rng: &mut Rng, len: usize) -> String {
    (0..len)
        .map(|i| if i == 0 || i == len - 1 || !rng.chance(25) { rng.byte(ALNUM) } else { rng.byte(b"-_.") })
        .collect()
}

/// Label and annotation keys: plain names, prefixed names (`example.com/team`), both at their
/// longest, and now and then a key Kubernetes refuses.
fn label_key(rng: &mut Rng) -> String {
    match rng.below(20) {
        0..=4 => {
            let len = if rng.chance(20) { 63 } else { 1 + rng.below(20) };
            qualified_name_part(rng, len)
        }
        5..=13 => {
            let prefix = rng.pick(&["example.com", "team.example.io", "a.b-c.d", "app.kubernetes.io", "k8s.io", "rivven.example", "x"]);
            let len = 1 + rng.below(16);
            format!("{prefix}/{}", qualified_name_part(rng, len))
        }
        14 | 15 => {
            let plen = if rng.chance(50) { 253 } else { 1 + rng.below(120) };
            let prefix = dns_subdomain(rng, plen);
            let nlen = if rng.chance(50) { 63 } else { 1 + rng.below(10) };
            format!("{prefix}/{}", qualified_name_part(rng, nlen))
        }
        _ => rng
            .pick(&[
                "Example.com/team",
                "example.com/",
                "/team",
                "a/b/c",
                "team_",
                "-team",
                "example_com/team",
                "with space",
                "ümlaut",
                "example.com/-x",
                "x.example.com/a:b",
            ])
            .to_string(),
    }
}

/// Label values: empty, 63 characters, with `.`, `_` and `-`, YAML look-alikes, and now and
/// then one Kubernetes refuses.
fn label_value(rng: &mut Rng) -> String {
    match rng.below(20) {
        0..=2 => String::new(),
        3..=5 => qualified_name_part(rng, 63),
        6..=11 => {
            let len = 1 + rng.below(20);
            qualified_name_part(rng, len)
        }
        12..=16 => rng.pick(&["on", "0755", "yes", "1e3", "true", "null", "2024-01-01", "0x1F", "v1.2.3", "a_b.c-d"]).to_string(),
        _ => {
            let long = qualified_name_part(rng, 64);
            rng.pick(&["-lead", "trail_", "a b", "a/b", "ä", "a:b", "~", "x".repeat(64).as_str(), long.as_str()]).to_string()
        }
    }
}

/// Annotation values: anything a string can hold.
fn annotation_value(rng: &mut Rng) -> String {
    let long = "x".repeat(1 + rng.below(2000));
    rng.pick(&[
        "on",
        "0755",
        "",
        "yes",
        "~",
        "null",
        "1e3",
        "2024-01-01T00:00:00Z",
        "multi\nline\n",
        "{\"json\": true}",
        "unicode ✓ ä",
        "  leading space",
        "tab\there",
        "- item",
        "key: value",
        "#comment",
        long.as_str(),
    ])
    .to_string()
}

fn string_map(rng: &mut Rng, value: fn(&mut Rng) -> String) -> Map<String, Value> {
    let n = 1 + rng.below(3);
    (0..n).map(|_| (label_key(rng), Value::String(value(rng)))).collect()
}

/// Resource quantities, as written in manifests (strings, now and then a YAML number).
fn quantity(rng: &mut Rng, resource: &str) -> Value {
    let text = match resource {
        "cpu" => rng.pick(&[
            "100m", "1.5", "1e3", "0", "2", "250m", "0.5", ".5", "5.", "1E3", "1e-3", "+1", "1000000m", "0.1m", "1k", " 1", "1 ", "-1", "1e100", "1.5e3",
            "100u", "2000n",
        ]),
        "memory" | "ephemeral-storage" => rng.pick(&[
            "2Gi", "512Mi", "1e3", "0", "1.5Gi", "1G", "100M", "1Ki", "1Ti", "1e9", "128974848", "129e6", "123Mi", "0.5Gi", "1.5e9", "1E", "1Ei", "8Ei",
            "100m", " 1Gi", "-1Gi", "+2Gi", "1e18", "1e19",
        ]),
        "hugepages-2Mi" => rng.pick(&["2Mi", "4Mi", "1Mi", "0", "1Gi"]),
        _ => rng.pick(&["1", "2", "0", "1.5", "500m", "1k", "4"]),
    };
    if rng.chance(10) && text.parse::<i64>().is_ok() {
        return json!(text.parse::<i64>().unwrap());
    }
    Value::String(text.to_string())
}

fn resources(rng: &mut Rng) -> Value {
    let mut names = vec!["cpu", "memory"];
    if rng.chance(20) {
        names.push("ephemeral-storage");
    }
    if rng.chance(8) {
        names.push(rng.pick(&["example.com/widget", "hugepages-2Mi", "nvidia.com/gpu", "cpus", "CPU", "example.com/Widget_X"]));
    }
    let mut requests = Map::new();
    let mut limits = Map::new();
    for name in names {
        match rng.below(4) {
            0 => {
                requests.insert(name.into(), quantity(rng, name));
            }
            1 => {
                limits.insert(name.into(), quantity(rng, name));
            }
            2 => {
                requests.insert(name.into(), quantity(rng, name));
                limits.insert(name.into(), quantity(rng, name));
            }
            _ => {
                let q = quantity(rng, name);
                requests.insert(name.into(), q.clone());
                limits.insert(name.into(), q);
            }
        }
    }
    let mut out = Map::new();
    if !requests.is_empty() {
        out.insert("requests".into(), Value::Object(requests));
    }
    if !limits.is_empty() {
        out.insert("limits".into(), Value::Object(limits));
    }
    if rng.chance(5) {
        out.insert("claims".into(), json!([{ "name": dns_label(rng, 8) }]));
    }
    Value::Object(out)
}

/// Names of Secrets (and ConfigMaps): DNS subdomains up to 253, and a few that are not.
fn secret_name(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=3 => rng.pick(&["db-creds", "pg.creds.v2", "s3-credentials", "a", "tls-2", "x1.y2"]).to_string(),
        4..=6 => {
            let len = if rng.chance(40) { 253 } else { 1 + rng.below(80) };
            dns_subdomain(rng, len)
        }
        _ => rng.pick(&["DB_Creds", "-creds", "creds-", "creds/x", "creds..x", "Creds", "c r"]).to_string(),
    }
}

/// Keys of Secrets and ConfigMaps.
fn secret_key(rng: &mut Rng) -> String {
    let long = qualified_name_part(rng, 253).replace('_', "-");
    rng.pick(&["password", "tls.crt", "my_key", "A-B.c", "token", ".hidden", "a/b", "..", ".", "with space", long.as_str()]).to_string()
}

fn env_name(rng: &mut Rng) -> String {
    rng.pick(&[
        "A.B-c", "_X", "RIVVEN_EXTRA", "x", "lower_case", "A1", "MY-VAR", "1BAD", "POD_IP", "POD_NAME", "HOME", "LD_PRELOAD_X", "A=B", "", "ä", "with space",
        "RUST_LOG", "a.b.c",
    ])
    .to_string()
}

fn env_var(rng: &mut Rng) -> Value {
    let name = env_name(rng);
    let value = rng.pick(&["on", "0755", "", "yes", "~", "1e3", "2024-01-01", "multi\nline", "$(POD_IP)", "$$(LITERAL)", "null", "true", " padded ", "0"]);
    match rng.below(10) {
        0..=4 => json!({ "name": name, "value": value }),
        5 | 6 => {
            let mut r = json!({ "name": secret_name(rng), "key": secret_key(rng) });
            if rng.chance(30) {
                r["optional"] = json!(rng.chance(50));
            }
            json!({ "name": name, "valueFrom": { "secretKeyRef": r } })
        }
        7 => json!({ "name": name, "valueFrom": { "configMapKeyRef": { "name": secret_name(rng), "key": secret_key(rng) } } }),
        8 => {
            let path = rng.pick(&["metadata.name", "metadata.namespace", "status.podIP", "spec.nodeName", "metadata.labels['app.kubernetes.io/name']", "status.hostIPs", "spec.foo"]);
            json!({ "name": name, "valueFrom": { "fieldRef": { "fieldPath": path } } })
        }
        _ => {
            if rng.chance(50) {
                let res = rng.pick(&["limits.memory", "requests.cpu", "limits.ephemeral-storage", "requests.foo"]);
                json!({ "name": name, "valueFrom": { "resourceFieldRef": { "resource": res, "divisor": rng.pick(&["1", "1Mi", "1m", "0"]) } } })
            } else {
                // Both a value and a source: the API server refuses this combination.
                json!({ "name": name, "value": "v", "valueFrom": { "secretKeyRef": { "name": "db-creds", "key": "password" } } })
            }
        }
    }
}

fn image(rng: &mut Rng, program: &str) -> String {
    let digest: String = (0..64).map(|_| rng.byte(HEX)).collect();
    let long_tag: String = (0..128).map(|_| rng.byte(LOWER_DIGIT)).collect();
    let base = format!("ghcr.io/hupe1980/{program}");
    let choices = [
        base.clone(),
        format!("registry.example.com:5000/hupe1980/{program}"),
        format!("localhost:5000/{program}"),
        format!("localhost:5000/{program}:0.0.22"),
        format!("{base}:0.0.22"),
        format!("{base}:latest"),
        format!("{base}:v0.0.22-rc.1"),
        format!("{base}:{long_tag}"),
        format!("{base}@sha256:{digest}"),
        format!("{base}:0.0.22@sha256:{digest}"),
        format!("registry.example.com:5000/{program}@sha256:{digest}"),
        format!("[::1]:5000/{program}"),
        format!("10.0.0.1:5000/{program}:0.0.22"),
        program.to_string(),
        format!("docker.io/library/{program}"),
        format!("Ghcr.io/Hupe1980/{program}"),
        format!(" {base}"),
        format!("{base} "),
        format!("{base}:bad tag"),
        format!("{base}@sha256:abc"),
        format!("{base}::x"),
        String::new(),
    ];
    rng.pick(&choices)
}

fn version(rng: &mut Rng) -> String {
    let long = "a".repeat(128);
    rng.pick(&["0.0.22", "0.0.23", "1.0.0-rc.1", "0.0.22+build.5", "latest", "v0.0.22", long.as_str(), "0.0.22_custom", "0.0.22 ", "", "0.0.22-"]).to_string()
}

fn toleration(rng: &mut Rng) -> Value {
    let mut t = Map::new();
    if rng.chance(80) {
        // The combinations Kubernetes accepts.
        let key = rng.pick(&["dedicated", "example.com/gpu", "node.kubernetes.io/not-ready", "node-role.kubernetes.io/control-plane", ""]);
        if key.is_empty() || rng.chance(40) {
            if !key.is_empty() {
                t.insert("key".into(), json!(key));
            }
            t.insert("operator".into(), json!("Exists"));
        } else {
            t.insert("key".into(), json!(key));
            if rng.chance(50) {
                t.insert("operator".into(), json!("Equal"));
            }
            let v = label_value(rng);
            t.insert("value".into(), json!(v));
        }
        let effect = rng.pick(&["NoSchedule", "PreferNoSchedule", "NoExecute", ""]);
        if !effect.is_empty() {
            t.insert("effect".into(), json!(effect));
        }
        if effect == "NoExecute" && rng.chance(50) {
            t.insert("tolerationSeconds".into(), json!(rng.pick(&[0, 300, 3600])));
        }
    } else {
        // Any combination.
        for (field, values) in [
            ("key", &["", "dedicated", "Bad Key", "example.com/gpu", "-x"][..]),
            ("operator", &["Exists", "Equal", "Lt"][..]),
            ("value", &["", "gpu", "a b", "true"][..]),
            ("effect", &["NoSchedule", "NoExecute", "PreferNoSchedule", "Sometimes"][..]),
        ] {
            if rng.chance(70) {
                t.insert(field.into(), json!(rng.pick(values)));
            }
        }
        if rng.chance(40) {
            t.insert("tolerationSeconds".into(), json!(rng.pick(&[-1, 0, 60])));
        }
    }
    Value::Object(t)
}

fn node_selector_term(rng: &mut Rng) -> Value {
    let key = if rng.chance(70) { rng.pick(&["kubernetes.io/os", "topology.kubernetes.io/zone", "node.example.com/pool", "kubernetes.io/arch"]).to_string() } else { label_key(rng) };
    let op = rng.pick(&["In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt"]);
    let values = match op {
        "In" | "NotIn" => {
            if rng.chance(90) {
                json!([label_value(rng), "linux"])
            } else {
                json!([])
            }
        }
        "Gt" | "Lt" => json!([rng.pick(&["3", "10", "x"])]),
        _ => {
            if rng.chance(90) {
                json!([])
            } else {
                json!(["x"])
            }
        }
    };
    let mut e = json!({ "key": key, "operator": op });
    if values.as_array().is_some_and(|v| !v.is_empty()) {
        e["values"] = values;
    }
    e
}

fn affinity(rng: &mut Rng) -> Value {
    let mut a = Map::new();
    if rng.chance(60) {
        a.insert(
            "nodeAffinity".into(),
            json!({ "requiredDuringSchedulingIgnoredDuringExecution": { "nodeSelectorTerms": [{ "matchExpressions": [node_selector_term(rng)] }] } }),
        );
    }
    if a.is_empty() || rng.chance(50) {
        let weight = if rng.chance(90) { rng.range(1, 100) } else { rng.pick(&[0, 101]) };
        let topology_key = rng.pick(&["kubernetes.io/hostname", "topology.kubernetes.io/zone", "", "Bad Key"]);
        a.insert(
            "podAntiAffinity".into(),
            json!({ "preferredDuringSchedulingIgnoredDuringExecution": [{ "weight": weight,
                "podAffinityTerm": { "topologyKey": topology_key, "labelSelector": { "matchLabels": { "app.kubernetes.io/part-of": "rivven" } } } }] }),
        );
    }
    Value::Object(a)
}

fn topology_spread(rng: &mut Rng) -> Value {
    let when = rng.pick(&["DoNotSchedule", "ScheduleAnyway"]);
    let mut c = json!({ "maxSkew": if rng.chance(90) { rng.range(1, 3) } else { 0 },
        "topologyKey": rng.pick(&["kubernetes.io/hostname", "topology.kubernetes.io/zone", "Bad Key"]),
        "whenUnsatisfiable": when,
        "labelSelector": { "matchLabels": { "app.kubernetes.io/part-of": "rivven" } } });
    if rng.chance(30) {
        c["minDomains"] = json!(rng.pick(&[1, 2, 0]));
    }
    if rng.chance(20) {
        c["matchLabelKeys"] = json!(["pod-template-hash"]);
    }
    c
}

/// Pod security context overrides that keep Pod Security `restricted`.
fn pod_security_context(rng: &mut Rng) -> Value {
    let options: Vec<(&str, Value)> = vec![
        ("runAsUser", json!(rng.pick(&[1000, 65532, 2000, 1]))),
        ("runAsGroup", json!(rng.pick(&[1000, 3000, 65532, 0]))),
        ("fsGroup", json!(rng.pick(&[2000, 65532, 1]))),
        ("supplementalGroups", json!([3000, 4000])),
        ("fsGroupChangePolicy", json!(rng.pick(&["Always", "OnRootMismatch"]))),
        ("runAsNonRoot", json!(true)),
        (
            "seccompProfile",
            rng.pick(&[json!({ "type": "RuntimeDefault" }), json!({ "type": "Localhost", "localhostProfile": "profiles/rivven.json" }), json!({ "type": "Localhost" })]),
        ),
        ("sysctls", json!([{ "name": rng.pick(&["net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_port_range", "kernel.shm_rmid_forced"]),
            "value": rng.pick(&["0", "1024 65000", "1"]) }])),
        ("seLinuxOptions", json!({ "type": rng.pick(&["container_t", "container_init_t"]), "level": "s0:c123,c456" })),
        ("appArmorProfile", rng.pick(&[json!({ "type": "RuntimeDefault" }), json!({ "type": "Localhost", "localhostProfile": "k8s-rivven" })])),
        ("supplementalGroupsPolicy", json!(rng.pick(&["Merge", "Strict"]))),
        ("seLinuxChangePolicy", json!(rng.pick(&["MountOption", "Recursive"]))),
    ];
    some_of(rng, options, 4)
}

/// Container security context overrides that keep Pod Security `restricted` (as a user would
/// write them: adding a capability, dropping one more, another uid, ...).
fn container_security_context(rng: &mut Rng) -> Value {
    let options: Vec<(&str, Value)> = vec![
        ("runAsUser", json!(rng.pick(&[1000, 65532, 2000]))),
        ("runAsGroup", json!(rng.pick(&[1000, 3000]))),
        ("readOnlyRootFilesystem", json!(rng.chance(50))),
        ("allowPrivilegeEscalation", json!(false)),
        ("privileged", json!(false)),
        ("runAsNonRoot", json!(true)),
        (
            "capabilities",
            rng.pick(&[
                json!({ "add": ["NET_BIND_SERVICE"] }),
                json!({ "drop": ["ALL", "NET_RAW"] }),
                json!({ "drop": ["NET_RAW"] }),
                json!({ "add": ["NET_BIND_SERVICE"], "drop": ["ALL"] }),
            ]),
        ),
        (
            "seccompProfile",
            rng.pick(&[json!({ "type": "RuntimeDefault" }), json!({ "type": "Localhost", "localhostProfile": "profiles/rivven.json" }), json!({ "type": "Localhost" })]),
        ),
        ("appArmorProfile", json!({ "type": "RuntimeDefault" })),
        ("procMount", json!("Default")),
        ("seLinuxOptions", json!({ "type": "container_t" })),
    ];
    some_of(rng, options, 3)
}

/// A mapping of 1 to `most` entries picked from `options` (a later pick of the same key wins).
fn some_of(rng: &mut Rng, options: Vec<(&str, Value)>, most: usize) -> Value {
    let mut c = Map::new();
    for _ in 0..1 + rng.below(most) {
        let (k, v) = options[rng.below(options.len())].clone();
        c.insert(k.into(), v);
    }
    Value::Object(c)
}

fn port(rng: &mut Rng) -> u16 {
    let any = rng.range(1, 65535) as u16;
    rng.pick(&[1, 80, 443, 1023, 1024, 8080, 8081, 8443, 9090, 9091, 9092, 9093, 9094, 9100, 30000, 65535, any])
}

/// A topic name as the broker takes them: up to 255 of `[A-Za-z0-9._-]`, alphanumeric first.
fn topic_name(rng: &mut Rng) -> String {
    let len = match rng.below(4) {
        0 => 255,
        1 => 256,
        _ => 1 + rng.below(40),
    };
    let mut s: String = (0..len).map(|i| if i == 0 { rng.byte(ALNUM) } else { rng.byte(b"abcXYZ0189._-") }).collect();
    if rng.chance(10) {
        s = rng.pick(&["__consumer_offsets", "orders.v1_final-2", "a", "Orders.Events", ".hidden", "with space", "ä"]).to_string();
    }
    s
}

fn start_offset(rng: &mut Rng) -> String {
    rng.pick(&[
        "earliest",
        "latest",
        "2024-01-01T00:00:00Z",
        "2024-02-29T23:59:59.123456+05:30",
        "2023-02-30T00:00:00Z",
        "2024-13-01T00:00:00Z",
        "2024-01-01T24:00:00Z",
        "1970-01-01T00:00:00-00:00",
        "2024-01-01T00:00:60Z",
        "2024-01-01 00:00:00Z",
        "2024-01-01",
    ])
    .to_string()
}

// ------------------------------------------------------------------ fixtures the inputs refer to

/// Cluster-scoped and namespaced objects the inputs may name (service accounts, priority classes),
/// created before the dry runs so the Pods built from the templates are admitted.
struct Pools {
    service_accounts: Vec<String>,
    priority_classes: Vec<String>,
}

impl Pools {
    fn new(run: &str) -> Pools {
        let mut rng = Rng(DEFAULT_SEED ^ 0x00A1_1CE5);
        let long_sa = dns_subdomain(&mut rng, 253);
        let long_pc = format!("{run}.{}", dns_subdomain(&mut rng, 252 - run.len()));
        Pools {
            service_accounts: vec!["rivven".into(), "rivven-sa-1".into(), "sa.with.dots".into(), long_sa],
            priority_classes: vec![format!("{run}-high"), format!("{run}.low.v2"), long_pc, "system-cluster-critical".into()],
        }
    }

    fn service_account(&self, rng: &mut Rng) -> String {
        if rng.chance(85) {
            rng.pick(&self.service_accounts)
        } else {
            rng.pick(&["Rivven_SA", "-sa", "sa/x", "SA"]).to_string()
        }
    }

    fn priority_class(&self, rng: &mut Rng) -> String {
        if rng.chance(85) {
            rng.pick(&self.priority_classes)
        } else {
            rng.pick(&["High_Priority", "UPPER", "-x"]).to_string()
        }
    }
}

/// Deletes cluster-scoped objects this test created.
struct ClusterCleanup<'a>(&'a Testbed, Vec<(String, String)>);

impl Drop for ClusterCleanup<'_> {
    fn drop(&mut self) {
        for (kind, name) in &self.1 {
            let _ = self.0.run(&["delete", kind, name, "--wait=false", "--ignore-not-found"], None);
        }
    }
}

// ------------------------------------------------------------------ the inputs

#[derive(Clone)]
struct Base {
    file: String,
    kind: String,
    doc: Value,
}

fn bases() -> Vec<Base> {
    let mut out = Vec::new();
    for dir in ["examples/minimal", "examples/spec"] {
        let mut files: Vec<PathBuf> = std::fs::read_dir(repo().join(dir)).unwrap().map(|e| e.unwrap().path()).collect();
        files.sort();
        for file in files.into_iter().filter(|p| matches!(p.extension().and_then(|x| x.to_str()), Some("yaml" | "yml"))) {
            let text = std::fs::read_to_string(&file).unwrap();
            for doc in serde_yaml_ng::Deserializer::from_str(&text) {
                let doc = Value::deserialize(doc).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
                if doc.is_null() {
                    continue;
                }
                let rel = file.strip_prefix(repo()).unwrap().display().to_string();
                out.push(Base { file: rel, kind: doc["kind"].as_str().unwrap().to_string(), doc });
            }
        }
    }
    assert!(out.len() >= 10, "examples missing");
    out
}

/// One generated input: documents as text plus what was done to them.
struct Input {
    base: String,
    mutations: Vec<String>,
    text: String,
}

/// Loads and validates a text; Ok((rendered objects, stream)) or Err(error rules).
fn validate_and_render(name: &str, text: &str) -> Result<Vec<(render::RenderedObject, String)>, Vec<String>> {
    let compilation = compile_texts(&[(name, text)], &Default::default());
    let diagnostics = &compilation.diagnostics;
    if diagnostics.has_errors() {
        return Err(diagnostics.iter().filter(|d| d.severity == Severity::Error).map(|d| format!("{} at {}", d.rule, d.path)).collect());
    }
    let rendered = render::Rendered { objects: compilation.objects() };
    let stream = output::stream(&rendered);
    let docs = split_stream(&stream);
    assert_eq!(docs.len(), rendered.objects.len(), "output::stream wrote {} documents for {} objects:\n{stream}", docs.len(), rendered.objects.len());
    Ok(rendered.objects.into_iter().zip(docs).collect())
}

/// The documents of a `---`-separated stream.
fn split_stream(stream: &str) -> Vec<String> {
    let mut docs: Vec<String> = Vec::new();
    for line in stream.split_inclusive('\n') {
        if line.trim_end() == "---" {
            docs.push(String::new());
        } else if let Some(last) = docs.last_mut() {
            last.push_str(line);
        } else {
            docs.push(line.to_string());
        }
    }
    docs.retain(|d| !d.trim().is_empty());
    docs
}

/// The longest `metadata.name` (of `a`s) the validator accepts for a base document.
fn max_name_len(base: &Base) -> usize {
    (1..=253)
        .rev()
        .find(|&len| {
            let mut doc = base.doc.clone();
            doc["metadata"]["name"] = json!("a".repeat(len));
            doc["metadata"].as_object_mut().unwrap().remove("namespace");
            validate_and_render("probe.yaml", &serde_json::to_string(&doc).unwrap()).is_ok()
        })
        .unwrap_or_else(|| panic!("{}: no name length validates", base.file))
}

struct Generator<'a> {
    rng: Rng,
    bases: Vec<Base>,
    max_name: BTreeMap<String, usize>,
    pools: &'a Pools,
    namespace: String,
}

fn program(kind: &str) -> &'static str {
    match kind {
        "RivvenCluster" => "rivvend",
        "RivvenConnect" => "rivven-connect",
        _ => "rivven-schema",
    }
}

impl Generator<'_> {
    fn input(&mut self, index: usize) -> Input {
        let base = self.bases[self.rng.below(self.bases.len())].clone();
        let mut doc = base.doc.clone();
        let mut mutations = Vec::new();
        let kind = base.kind.as_str();
        let workload = kind != "RivvenTopic";
        let n = 1 + self.rng.below(5);
        for _ in 0..n {
            let m = self.mutate(kind, workload, &mut doc);
            mutations.push(m);
        }
        let mut docs = vec![doc];
        // Namespaces: the test namespace, or none (then it is chosen at apply time, `-n`).
        let ns = self.namespace.clone();
        let set_ns = self.rng.chance(50);
        for d in &mut docs {
            let meta = d["metadata"].as_object_mut().unwrap();
            meta.remove("namespace");
            if set_ns {
                meta.insert("namespace".into(), json!(ns));
            }
            if let Some(r) = d["spec"].get_mut("clusterRef").and_then(Value::as_object_mut) {
                r.remove("namespace");
                if self.rng.chance(30) {
                    r.insert("namespace".into(), json!(ns));
                }
            }
        }
        mutations.push(format!("metadata.namespace = {}", if set_ns { "<test namespace>" } else { "(none)" }));
        // Now and then the referenced cluster comes along (cross-resource rules, more objects).
        if kind != "RivvenCluster" && self.rng.chance(35) {
            let r = &docs[0]["spec"]["clusterRef"];
            let mut meta = json!({ "name": r["name"].clone() });
            if let Some(cns) = r.get("namespace").or(docs[0]["metadata"].get("namespace")) {
                meta["namespace"] = cns.clone();
            }
            docs.push(json!({ "apiVersion": "rivven.hupe1980.github.io/v1alpha1", "kind": "RivvenCluster", "metadata": meta,
                "spec": { "replicas": 3, "clusterAuthSecretRef": { "name": "cluster-auth" } } }));
            mutations.push("+ the referenced RivvenCluster (replicas: 3)".into());
        }
        let text = docs.iter().map(|d| serde_json::to_string_pretty(d).unwrap()).collect::<Vec<_>>().join("\n---\n");
        Input { base: format!("{} (candidate {index})", base.file), mutations, text }
    }

    /// Applies one random mutation to `doc`; returns what it did.
    fn mutate(&mut self, kind: &str, workload: bool, doc: &mut Value) -> String {
        let rng = &mut self.rng;
        if !doc["spec"].is_object() {
            doc["spec"] = json!({});
        }
        // Operations by kind: (weight, name).
        let mut ops: Vec<&str> = vec!["name", "name", "labels", "labels"];
        if workload {
            ops.extend([
                "podAnnotations", "podLabels", "podLabels", "resources", "resources", "resources", "replicas", "ports", "ports", "env", "env", "env", "image",
                "image", "version", "imagePullPolicy", "imagePullSecrets", "tolerations", "nodeSelector", "affinity", "topologySpreadConstraints",
                "podSecurityContext", "securityContext", "securityContext", "serviceAccount", "priorityClassName", "metrics",
            ]);
        }
        match kind {
            "RivvenCluster" => ops.extend(["storage", "storage", "clusterAuthSecretRef", "terminationGracePeriodSeconds", "podDisruptionBudget"]),
            "RivvenConnect" => ops.extend(["clusterRef", "sourceTopic", "sinkTopics", "startOffset", "configSecretRef", "configSecretRef", "connectorName"]),
            "RivvenSchemaRegistry" => ops.extend(["clusterRef", "podDisruptionBudget", "bindAddress"]),
            _ => ops.extend(["clusterRef", "clusterRef", "topicName", "topicName", "partitions"]),
        }
        let op = rng.pick(&ops);
        let spec = doc["spec"].as_object_mut().unwrap();
        match op {
            "name" => {
                let max = self.max_name[kind];
                let name = match rng.below(10) {
                    0..=3 => dns_label(rng, max.min(63)),
                    4 if kind == "RivvenTopic" => dns_subdomain(rng, 253),
                    4 | 5 => {
                        let len = 1 + rng.below(max.min(63));
                        dns_label(rng, len)
                    }
                    6 => dns_label(rng, max + 1),
                    7 => format!("{}-{}", rng.byte(LOWER), rng.range(0, 99999)),
                    _ => rng.pick(&["a", "a1", "a--b", "x-1-2-3", "Bad_Name", "1abc", "name.with.dots", "UPPER", "trailing-"]).to_string(),
                };
                doc["metadata"]["name"] = json!(name);
                format!("metadata.name = {name:?} ({} chars; longest accepted {max})", name.len())
            }
            "labels" => {
                let labels = string_map(rng, label_value);
                let text = format!("metadata.labels += {}", Value::Object(labels.clone()));
                let meta = doc["metadata"].as_object_mut().unwrap();
                let entry = meta.entry("labels").or_insert_with(|| json!({}));
                entry.as_object_mut().unwrap().extend(labels);
                text
            }
            "podAnnotations" => {
                let a = string_map(rng, annotation_value);
                let text = format!("podAnnotations = {}", Value::Object(a.clone()));
                spec.insert("podAnnotations".into(), Value::Object(a));
                text
            }
            "podLabels" => {
                let mut l = string_map(rng, label_value);
                if rng.chance(10) {
                    l.insert("app.kubernetes.io/name".into(), json!("other"));
                }
                let text = format!("podLabels = {}", Value::Object(l.clone()));
                spec.insert("podLabels".into(), Value::Object(l));
                text
            }
            "resources" => {
                let r = resources(rng);
                let text = format!("resources = {r}");
                spec.insert("resources".into(), r);
                text
            }
            "replicas" => {
                let r = match kind {
                    "RivvenCluster" => {
                        let r = rng.pick(&[1, 1, 2, 3]);
                        let rf = rng.range(1, r);
                        let config = spec.entry("config").or_insert_with(|| json!({}));
                        config["defaultReplicationFactor"] = json!(rf);
                        config["minInsyncReplicas"] = json!(rng.range(1, rf));
                        r
                    }
                    _ => rng.range(0, 3),
                };
                spec.insert("replicas".into(), json!(r));
                format!("replicas = {r}")
            }
            "ports" => {
                let (a, b) = (port(rng), port(rng));
                let b = if a == b && rng.chance(90) { if a == 65535 { 1 } else { a + 1 } } else { b };
                match kind {
                    "RivvenConnect" => {
                        let settings = spec.entry("settings").or_insert_with(|| json!({}));
                        settings["health"]["port"] = json!(a);
                        settings["metrics"]["port"] = json!(b);
                        format!("settings.health.port = {a}, settings.metrics.port = {b}")
                    }
                    "RivvenSchemaRegistry" => {
                        spec.entry("server").or_insert_with(|| json!({}))["port"] = json!(a);
                        spec.entry("metrics").or_insert_with(|| json!({}))["port"] = json!(b);
                        format!("server.port = {a}, metrics.port = {b}")
                    }
                    _ => {
                        spec.entry("metrics").or_insert_with(|| json!({}))["port"] = json!(a);
                        format!("metrics.port = {a}")
                    }
                }
            }
            "env" => {
                let n = 1 + rng.below(4);
                let env: Vec<Value> = (0..n).map(|_| env_var(rng)).collect();
                let text = format!("env = {}", Value::Array(env.clone()));
                spec.insert("env".into(), Value::Array(env));
                text
            }
            "image" => {
                let i = image(rng, program(kind));
                spec.insert("image".into(), json!(i));
                format!("image = {i:?}")
            }
            "version" => {
                let v = version(rng);
                spec.insert("version".into(), json!(v));
                format!("version = {v:?}")
            }
            "imagePullPolicy" => {
                let p = rng.pick(&["Always", "IfNotPresent", "Never"]);
                spec.insert("imagePullPolicy".into(), json!(p));
                format!("imagePullPolicy = {p}")
            }
            "imagePullSecrets" => {
                let s = vec![secret_name(rng), secret_name(rng)];
                let text = format!("imagePullSecrets = {s:?}");
                spec.insert("imagePullSecrets".into(), json!(s));
                text
            }
            "tolerations" => {
                let n = 1 + rng.below(3);
                let t: Vec<Value> = (0..n).map(|_| toleration(rng)).collect();
                let text = format!("tolerations = {}", Value::Array(t.clone()));
                spec.insert("tolerations".into(), Value::Array(t));
                text
            }
            "nodeSelector" => {
                let mut s = Map::new();
                if rng.chance(50) {
                    s.insert("kubernetes.io/os".into(), json!("linux"));
                }
                s.extend(string_map(rng, label_value));
                let text = format!("nodeSelector = {}", Value::Object(s.clone()));
                spec.insert("nodeSelector".into(), Value::Object(s));
                text
            }
            "affinity" => {
                let a = affinity(rng);
                let text = format!("affinity = {a}");
                spec.insert("affinity".into(), a);
                text
            }
            "topologySpreadConstraints" => {
                let c = topology_spread(rng);
                let text = format!("topologySpreadConstraints = [{c}]");
                spec.insert("topologySpreadConstraints".into(), json!([c]));
                text
            }
            "podSecurityContext" => {
                let c = pod_security_context(rng);
                let text = format!("podSecurityContext = {c}");
                spec.insert("podSecurityContext".into(), c);
                text
            }
            "securityContext" => {
                let c = container_security_context(rng);
                let text = format!("securityContext = {c}");
                spec.insert("securityContext".into(), c);
                text
            }
            "serviceAccount" => {
                let name = self.pools.service_account(rng);
                let automount = rng.chance(50);
                spec.insert("serviceAccount".into(), json!({ "name": name, "automountToken": automount }));
                format!("serviceAccount = {{name: {name:?}, automountToken: {automount}}}")
            }
            "priorityClassName" => {
                let name = self.pools.priority_class(rng);
                spec.insert("priorityClassName".into(), json!(name));
                format!("priorityClassName = {name:?}")
            }
            "metrics" => {
                let on = rng.chance(80);
                let path = rng.pick(&["/metrics", "/custom/path", "/metrics?x=1"]);
                if kind == "RivvenConnect" {
                    let settings = spec.entry("settings").or_insert_with(|| json!({}));
                    settings["metrics"]["enabled"] = json!(on);
                    settings["metrics"]["serviceMonitorEnabled"] = json!(true);
                    format!("settings.metrics = {{enabled: {on}, serviceMonitorEnabled: true}}")
                } else {
                    let m = spec.entry("metrics").or_insert_with(|| json!({}));
                    m["enabled"] = json!(on);
                    m["serviceMonitorEnabled"] = json!(true);
                    m["path"] = json!(path);
                    format!("metrics = {{enabled: {on}, serviceMonitorEnabled: true, path: {path:?}}}")
                }
            }
            "storage" => {
                let size = rng.pick(&["10Gi", "1e3", "1.5Gi", "512Mi", "100G", "1Ti", "1", "0.5Gi", "1E", "128974848", "1e12", " 10Gi", "10Gi ", "+10Gi", "0", "-1Gi", "100m", "1Ei"]);
                let long = dns_subdomain(rng, 253);
                let class = rng.pick(&["", "fast-ssd", "gp3.encrypted", "standard", "Fast_SSD", long.as_str()]);
                let delete = rng.chance(50);
                spec.insert("storage".into(), json!({ "size": size, "storageClassName": class, "deleteClaim": delete }));
                format!("storage = {{size: {size:?}, storageClassName: {class:?}, deleteClaim: {delete}}}")
            }
            "clusterAuthSecretRef" => {
                let (name, key) = (secret_name(rng), secret_key(rng));
                spec.insert("replicas".into(), json!(3));
                spec.insert("clusterAuthSecretRef".into(), json!({ "name": name, "key": key }));
                format!("replicas = 3, clusterAuthSecretRef = {{name: {name:?}, key: {key:?}}}")
            }
            "terminationGracePeriodSeconds" => {
                let any = rng.range(10, 3600);
                let s = rng.pick(&[10, 30, 3600, any]);
                spec.insert("terminationGracePeriodSeconds".into(), json!(s));
                format!("terminationGracePeriodSeconds = {s}")
            }
            "podDisruptionBudget" => {
                let (on, max) = (rng.chance(80), rng.range(0, 3));
                spec.insert("podDisruptionBudget".into(), json!({ "enabled": on, "maxUnavailable": max }));
                if kind == "RivvenSchemaRegistry" {
                    spec.insert("replicas".into(), json!(2));
                }
                format!("podDisruptionBudget = {{enabled: {on}, maxUnavailable: {max}}}")
            }
            "bindAddress" => {
                let a = rng.pick(&["0.0.0.0", "::", "127.0.0.1", "10.0.0.1", "::1"]);
                spec.entry("server").or_insert_with(|| json!({}))["bindAddress"] = json!(a);
                format!("server.bindAddress = {a:?}")
            }
            "clusterRef" => {
                let long = dns_subdomain(rng, 240);
                let label = dns_label(rng, 63);
                let short_len = 1 + rng.below(45);
                let short = dns_label(rng, short_len);
                let name = rng.pick(&[short.as_str(), label.as_str(), long.as_str(), "Production", "prod_1", "prod.eu-1"]).to_string();
                spec.insert("clusterRef".into(), json!({ "name": name }));
                format!("clusterRef.name = {name:?} ({} chars)", name.len())
            }
            "topicName" => {
                let t = topic_name(rng);
                spec.insert("topicName".into(), json!(t));
                format!("topicName = {t:?} ({} chars)", t.len())
            }
            "partitions" => {
                let (p, rf) = (rng.range(1, 1000), rng.range(1, 3));
                spec.insert("partitions".into(), json!(p));
                spec.insert("replicationFactor".into(), json!(rf));
                format!("partitions = {p}, replicationFactor = {rf}")
            }
            "sourceTopic" => {
                let t = topic_name(rng);
                let Some(sources) = spec.get_mut("sources").and_then(Value::as_array_mut).filter(|s| !s.is_empty()) else { return "(no source)".into() };
                let i = rng.below(sources.len());
                sources[i]["topic"] = json!(t);
                format!("sources[{i}].topic = {t:?} ({} chars)", t.len())
            }
            "sinkTopics" => {
                let topics = vec![topic_name(rng), format!("{}*", topic_name(rng))];
                let Some(sinks) = spec.get_mut("sinks").and_then(Value::as_array_mut).filter(|s| !s.is_empty()) else { return "(no sink)".into() };
                let i = rng.below(sinks.len());
                sinks[i]["topics"] = json!(topics);
                sinks[i]["consumerGroup"] = json!(topic_name(rng));
                format!("sinks[{i}].topics = {topics:?}")
            }
            "startOffset" => {
                let o = start_offset(rng);
                let Some(sinks) = spec.get_mut("sinks").and_then(Value::as_array_mut).filter(|s| !s.is_empty()) else { return "(no sink)".into() };
                let i = rng.below(sinks.len());
                sinks[i]["startOffset"] = json!(o);
                format!("sinks[{i}].startOffset = {o:?}")
            }
            "configSecretRef" => {
                let s = secret_name(rng);
                let list = if rng.chance(50) { "sources" } else { "sinks" };
                let Some(items) = spec.get_mut(list).and_then(Value::as_array_mut).filter(|s| !s.is_empty()) else { return format!("(no {list})") };
                let i = rng.below(items.len());
                items[i]["configSecretRef"] = json!(s);
                format!("{list}[{i}].configSecretRef = {s:?} ({} chars)", s.len())
            }
            "connectorName" => {
                let len = if rng.chance(30) { 63 } else { 1 + rng.below(20) };
                let name: String = (0..len).map(|i| if i == 0 || i == len - 1 { rng.byte(LOWER_DIGIT) } else { rng.byte(b"abz019_-") }).collect();
                let list = if rng.chance(50) { "sources" } else { "sinks" };
                let Some(items) = spec.get_mut(list).and_then(Value::as_array_mut).filter(|s| !s.is_empty()) else { return format!("(no {list})") };
                let i = rng.below(items.len());
                items[i]["name"] = json!(name);
                format!("{list}[{i}].name = {name:?}")
            }
            other => unreachable!("{other}"),
        }
    }
}

// ------------------------------------------------------------------ what the controllers would create

/// The Pod a workload's controller would create from its template (the first StatefulSet
/// ordinal, or a Deployment's ReplicaSet pod), with the labels, hostname and volumes the
/// controllers add. Pod Security admission enforces on Pods only.
fn controller_pod(object: &Value) -> Option<Value> {
    let kind = object["kind"].as_str()?;
    if kind != "StatefulSet" && kind != "Deployment" {
        return None;
    }
    let name = object["metadata"]["name"].as_str()?;
    let template = &object["spec"]["template"];
    let mut metadata = template["metadata"].as_object().cloned().unwrap_or_default();
    let mut spec = template["spec"].clone();
    let labels = metadata.entry("labels").or_insert_with(|| json!({}));
    let hash = "5d8f7b9c4d";
    let pod_name = if kind == "StatefulSet" {
        let pod = format!("{name}-0");
        labels["controller-revision-hash"] = json!(format!("{name}-{hash}"));
        labels["statefulset.kubernetes.io/pod-name"] = json!(pod);
        labels["apps.kubernetes.io/pod-index"] = json!("0");
        spec["hostname"] = json!(pod);
        if let Some(service) = object["spec"]["serviceName"].as_str() {
            spec["subdomain"] = json!(service);
        }
        for claim in object["spec"]["volumeClaimTemplates"].as_array().into_iter().flatten() {
            let claim_name = claim["metadata"]["name"].as_str()?;
            let volumes = spec.as_object_mut()?.entry("volumes").or_insert_with(|| json!([]));
            volumes.as_array_mut()?.push(json!({ "name": claim_name, "persistentVolumeClaim": { "claimName": format!("{claim_name}-{pod}") } }));
        }
        pod
    } else {
        labels["pod-template-hash"] = json!(hash);
        // generateName `<replicaset>-`, cut to 58 characters, plus 5 random ones.
        let mut prefix = format!("{name}-{hash}-");
        prefix.truncate(58);
        format!("{prefix}x2k9q")
    };
    metadata.insert("name".into(), json!(pod_name));
    if let Some(ns) = object["metadata"].get("namespace") {
        metadata.insert("namespace".into(), ns.clone());
    }
    Some(json!({ "apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec }))
}

// ------------------------------------------------------------------ dry runs

/// One object to dry-run, with the input it came from.
struct Object {
    input: usize,
    /// Lower-case kind and name, as kubectl prints them (`statefulset.apps/<name>`).
    key: (String, String),
    what: String,
    text: String,
}

impl Object {
    fn new(input: usize, kind: &str, name: &str, what: String, text: String) -> Object {
        Object { input, key: (kind.to_ascii_lowercase(), name.to_string()), what, text }
    }
}

#[derive(Default)]
struct Outcome {
    calls: usize,
    rejections: Vec<(usize, String, String)>,
    warnings: Vec<(usize, String, String)>,
}

fn warnings_of(stderr: &str) -> Vec<String> {
    stderr.lines().filter(|l| l.starts_with("Warning:")).map(str::to_string).collect()
}

/// `kubectl apply --server-side --dry-run=server` of the objects as one stream: (success, stdout,
/// stderr). With `verbose`, kubectl logs every response (`-v=6`), which attributes each warning
/// to the request it came with.
fn apply_dry_run(tb: &Testbed, ns: &str, objects: &[&Object], outcome: &mut Outcome, verbose: bool) -> (bool, String, String) {
    let mut stream = String::new();
    for o in objects {
        stream.push_str("---\n");
        stream.push_str(&o.text);
        if !o.text.ends_with('\n') {
            stream.push('\n');
        }
    }
    outcome.calls += 1;
    let mut args = vec!["apply", "--server-side", "--dry-run=server", "--field-manager", FIELD_MANAGER, "-n", ns, "-f", "-"];
    if verbose {
        args.push("-v=6");
    }
    tb.run(&args, Some(&stream))
}

/// The objects kubectl reports as applied: `kind[.group]/name serverside-applied (server dry run)`.
fn applied(stdout: &str) -> BTreeMap<(String, String), usize> {
    let mut out = BTreeMap::new();
    for line in stdout.lines().filter(|l| l.ends_with("(server dry run)")) {
        let Some((resource, name)) = line.split_whitespace().next().and_then(|r| r.split_once('/')) else { continue };
        let kind = resource.split('.').next().unwrap_or(resource);
        *out.entry((kind.to_string(), name.to_string())).or_default() += 1;
    }
    out
}

/// (resource, name, success) of a request kubectl logged at `-v=6`: `"Response" verb="PATCH"
/// url="https://.../namespaces/<ns>/<resource>/<name>?dryRun=All..." status="201 Created"`.
fn logged_patch(line: &str) -> Option<(String, String, bool)> {
    let url = line.split_once("verb=\"PATCH\" url=\"")?.1.split(['?', '"']).next()?;
    let mut segments = url.rsplit('/');
    let name = segments.next()?;
    let resource = segments.next()?;
    let success = line.split_once(" status=\"").is_some_and(|(_, status)| status.starts_with('2'));
    Some((resource.to_string(), name.to_string(), success))
}

/// The plural resource name of a (lower-case) kind, as in request paths.
fn plural(kind: &str) -> String {
    match kind.strip_suffix('y') {
        Some(stem) => format!("{stem}ies"),
        None => format!("{kind}s"),
    }
}

/// The API server's answer without kubectl's own log lines.
fn without_logs(stderr: &str) -> String {
    let is_log = |l: &str| {
        let b = l.as_bytes();
        b.len() > 5 && matches!(b[0], b'I' | b'W' | b'E') && b[1..5].iter().all(u8::is_ascii_digit) && b[5] == b' '
    };
    stderr.lines().filter(|l| !is_log(l)).collect::<Vec<_>>().join("\n")
}

/// Dry-runs a batch in one kubectl call. Objects kubectl does not report as applied are dry-run
/// again one by one, so that each rejection names its object and carries the API server's own
/// message; warnings are attributed through kubectl's log of the requests.
fn dry_run(tb: &Testbed, ns: &str, objects: &[&Object], outcome: &mut Outcome) {
    if objects.is_empty() {
        return;
    }
    let (_, _, stderr) = apply_dry_run(tb, ns, objects, outcome, true);
    // Each response follows its request, and warnings follow their response; objects of the same
    // kind and name are sent in stream order.
    let mut queues: BTreeMap<(String, String), std::collections::VecDeque<usize>> = BTreeMap::new();
    for (i, o) in objects.iter().enumerate() {
        queues.entry((plural(&o.key.0), o.key.1.clone())).or_default().push_back(i);
    }
    let mut accepted = vec![false; objects.len()];
    let mut current: Option<usize> = None;
    for line in stderr.lines() {
        if let Some((resource, name, success)) = logged_patch(line) {
            current = queues.get_mut(&(resource, name)).and_then(|q| q.pop_front());
            if let Some(i) = current {
                accepted[i] = success;
            }
        } else if line.starts_with("Warning:") {
            match current {
                Some(i) if accepted[i] => outcome.warnings.push((objects[i].input, objects[i].what.clone(), line.to_string())),
                Some(_) => {} // reported with the object's own dry run below
                None => outcome.warnings.push((usize::MAX, "(unattributed)".into(), line.to_string())),
            }
        }
    }
    // Everything not answered with success (also what kubectl never sent) is tried on its own.
    let suspects: Vec<&Object> = objects.iter().zip(&accepted).filter(|(_, ok)| !**ok).map(|(o, _)| *o).collect();
    for o in suspects {
        let (ok, stdout, stderr) = apply_dry_run(tb, ns, &[o], outcome, false);
        if ok && applied(&stdout).values().sum::<usize>() == 1 {
            for w in warnings_of(&stderr) {
                outcome.warnings.push((o.input, o.what.clone(), w));
            }
        } else {
            let stderr = without_logs(&stderr);
            let message = if stderr.trim().is_empty() { format!("(no error; kubectl printed {stdout:?})") } else { stderr.trim().to_string() };
            outcome.rejections.push((o.input, o.what.clone(), message));
        }
    }
}

/// The classes of an API server message: one per field error, with quoted values and numbers
/// blanked out (`spec.template.spec.containers[N].env[N].name: Invalid value: "…": ...`).
fn message_classes(message: &str) -> Vec<String> {
    let mut blanked = String::new();
    let mut quoted = false;
    let mut single_quoted = false; // the API server's own examples and regexes: kept
    let mut prev_digit = false;
    for c in message.chars() {
        if c == '\n' {
            single_quoted = false;
        }
        if c == '"' {
            quoted = !quoted;
            blanked.push_str(if quoted { "\"…" } else { "\"" });
            continue;
        }
        if quoted {
            continue;
        }
        if c == '\'' {
            single_quoted = !single_quoted;
        }
        if c.is_ascii_digit() && !single_quoted {
            if !prev_digit {
                blanked.push('N');
            }
            prev_digit = true;
            continue;
        }
        prev_digit = false;
        blanked.push(c);
    }
    let mut out = Vec::new();
    for line in blanked.lines().map(|l| l.trim().trim_start_matches("* ")) {
        // Drop kubectl's and the API server's framing: `Error from server (Invalid): ... "x" is
        // invalid: `, `failed to create typed patch object (...): `, `pods "x" is forbidden: `.
        let mut body = line;
        for separator in [" is invalid: ", " is forbidden: ", "): "] {
            if let Some((_, rest)) = body.split_once(separator) {
                body = rest;
            }
        }
        let body = match body.strip_prefix('[') {
            Some(list) => list.strip_suffix(']').unwrap_or(list),
            None => body,
        }
        .trim();
        if body.is_empty() || body.ends_with("is invalid:") || body == "errors:" {
            continue;
        }
        // `[a: x, b: y]` lists several field errors.
        let mut start = 0;
        for (i, _) in body.match_indices(", ") {
            let rest = &body[i + 2..];
            let is_field = rest.split_once(": ").is_some_and(|(f, _)| !f.contains(' ') && (f.contains('.') || f.contains('[')));
            if is_field && i > start {
                out.push(body[start..i].to_string());
                start = i + 2;
            }
        }
        out.push(body[start..].to_string());
    }
    out
}

fn env_or<T: std::str::FromStr>(key: &str, default: T) -> T {
    match std::env::var(key) {
        Ok(v) => {
            let v = v.trim().to_string();
            let parsed = if let Some(hex) = v.strip_prefix("0x") { u64::from_str_radix(hex, 16).ok().and_then(|n| n.to_string().parse().ok()) } else { v.parse().ok() };
            parsed.unwrap_or_else(|| panic!("{key}={v} is not a number"))
        }
        Err(_) => default,
    }
}

/// Everything generated from one seed.
struct Generated {
    /// The controls first, then the generated inputs that validate.
    inputs: Vec<Input>,
    controls: usize,
    objects: Vec<Object>,
    candidates: usize,
    discarded_inputs: usize,
    discarded: BTreeMap<String, usize>,
    kinds: BTreeMap<String, usize>,
}

/// Adds an input's rendered objects, and the Pod of each workload, to the dry runs.
fn push_objects(objects: &mut Vec<Object>, kinds: &mut BTreeMap<String, usize>, input: usize, rendered: Vec<(render::RenderedObject, String)>) {
    for (object, text) in rendered {
        *kinds.entry(object.kind.clone()).or_default() += 1;
        if let Some(pod) = controller_pod(&object.value) {
            *kinds.entry("Pod (from a template)".into()).or_default() += 1;
            let name = pod["metadata"]["name"].as_str().unwrap().to_string();
            let what = format!("Pod {name} (from {} {})", object.kind, object.name);
            objects.push(Object::new(input, "Pod", &name, what, serde_json::to_string_pretty(&pod).unwrap()));
        }
        let what = format!("{} {}", object.kind, object.name);
        objects.push(Object::new(input, &object.kind, &object.name, what, text));
    }
}

/// Renders every example as it is (the controls), then generates candidates until `wanted` of
/// them validate, and renders those.
fn generate(seed: u64, wanted: usize, pools: &Pools, namespace: &str) -> Generated {
    let bases = bases();
    let mut max_name = BTreeMap::new();
    for b in &bases {
        let len = max_name_len(b);
        let e = max_name.entry(b.kind.clone()).or_insert(len);
        *e = (*e).min(len);
    }
    eprintln!("seed {seed:#x}; longest names the validator accepts: {max_name:?}");
    let mut generator = Generator { rng: Rng(seed), bases, max_name, pools, namespace: namespace.to_string() };
    let mut inputs: Vec<Input> = Vec::new();
    let mut objects: Vec<Object> = Vec::new();
    let mut candidates = 0;
    let mut discarded: BTreeMap<String, usize> = BTreeMap::new();
    let mut discarded_inputs = 0;
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    // Controls: every example as it is (also proves the Pods built from templates are right).
    for base in &generator.bases {
        let mut doc = base.doc.clone();
        doc["metadata"].as_object_mut().unwrap().remove("namespace");
        let text = serde_json::to_string_pretty(&doc).unwrap();
        inputs.push(Input { base: format!("{} (control)", base.file), mutations: vec!["(none)".into()], text });
    }
    let controls = inputs.len();
    for (index, input) in inputs.iter().enumerate() {
        let rendered = validate_and_render("control.yaml", &input.text).unwrap_or_else(|e| panic!("{}: {e:?}", input.base));
        push_objects(&mut objects, &mut kinds, index, rendered);
    }
    while inputs.len() < controls + wanted {
        assert!(candidates < wanted * MAX_CANDIDATES_PER_INPUT, "only {} of {candidates} candidates validate: {discarded:#?}", inputs.len() - controls);
        let input = generator.input(candidates);
        candidates += 1;
        match validate_and_render(&format!("candidate-{candidates}.yaml"), &input.text) {
            Err(errors) => {
                discarded_inputs += 1;
                let mut seen: Vec<String> = errors.iter().map(|e| e.split(" at ").next().unwrap().to_string()).collect();
                seen.sort();
                seen.dedup();
                for rule in seen {
                    *discarded.entry(rule).or_default() += 1;
                }
            }
            Ok(rendered) => {
                push_objects(&mut objects, &mut kinds, inputs.len(), rendered);
                inputs.push(input);
            }
        }
    }
    // Per batch: configuration before workloads (the rendered order), the Pods last.
    objects.sort_by_key(|o| (o.input / BATCH_INPUTS, o.what.starts_with("Pod ")));
    Generated { inputs, controls, objects, candidates, discarded_inputs, discarded, kinds }
}

#[test]
fn every_valid_mutation_of_the_examples_passes_a_server_side_dry_run_in_a_restricted_namespace() {
    let started = Instant::now();
    let seed: u64 = env_or("RIVVEN_PROPERTY_SEED", DEFAULT_SEED);
    let wanted: usize = env_or("RIVVEN_PROPERTY_INPUTS", DEFAULT_INPUTS);
    let tb = Testbed::connect();
    let ns = tb.namespace("property", &[RESTRICTED]);

    // What the inputs may refer to: service accounts in the namespace, priority classes.
    let run = format!("rivven-prop-{}", std::process::id());
    let pools = Pools::new(&run);
    let mut cleanup = ClusterCleanup(&tb, Vec::new());
    for sa in &pools.service_accounts {
        tb.create(&json!({ "apiVersion": "v1", "kind": "ServiceAccount", "metadata": { "name": sa, "namespace": ns.name } }))
            .unwrap_or_else(|e| panic!("creating ServiceAccount {sa}: {e}"));
    }
    for (i, pc) in pools.priority_classes.iter().enumerate() {
        if tb.get(&["priorityclass", pc]).is_none() {
            tb.create(&json!({ "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": { "name": pc }, "value": 1000 + i }))
                .unwrap_or_else(|e| panic!("creating PriorityClass {pc}: {e}"));
            cleanup.1.push(("priorityclass".into(), pc.clone()));
        }
    }

    let generated = generate(seed, wanted, &pools, &ns.name);
    let Generated { inputs, controls, objects, candidates, discarded_inputs, discarded, kinds } = generated;
    let kept = inputs.len() - controls;
    eprintln!(
        "{controls} examples as they are, {candidates} candidates generated: {kept} valid, {discarded_inputs} discarded by validation ({:.1?}); \
         discarded by rule: {discarded:?}",
        started.elapsed()
    );
    eprintln!("objects to dry-run: {} ({kinds:?})", objects.len());

    // A ServiceMonitor needs its CRD (prometheus-operator's group and names, schema left open).
    if objects.iter().any(|o| o.what.starts_with("ServiceMonitor ")) && tb.get(&["crd", "servicemonitors.monitoring.coreos.com"]).is_none() {
        tb.create(&json!({ "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
            "metadata": { "name": "servicemonitors.monitoring.coreos.com" },
            "spec": { "group": "monitoring.coreos.com", "scope": "Namespaced",
                "names": { "plural": "servicemonitors", "singular": "servicemonitor", "kind": "ServiceMonitor", "listKind": "ServiceMonitorList" },
                "versions": [{ "name": "v1", "served": true, "storage": true,
                    "schema": { "openAPIV3Schema": { "type": "object", "x-kubernetes-preserve-unknown-fields": true } } }] } }))
            .expect("installing the ServiceMonitor CRD");
        cleanup.1.push(("crd".into(), "servicemonitors.monitoring.coreos.com".into()));
        testbed::wait_until(Duration::from_secs(60), "the ServiceMonitor CRD Established", || {
            let c = tb.get(&["crd", "servicemonitors.monitoring.coreos.com"])?;
            c["status"]["conditions"].as_array()?.iter().any(|c| c["type"] == "Established" && c["status"] == "True").then_some(())
        });
    }

    let dry_run_started = Instant::now();
    let mut outcome = Outcome::default();
    let batches: Vec<Vec<&Object>> = {
        let mut by_batch: BTreeMap<usize, Vec<&Object>> = BTreeMap::new();
        for o in &objects {
            by_batch.entry(o.input / BATCH_INPUTS).or_default().push(o);
        }
        by_batch.into_values().collect()
    };
    for batch in &batches {
        dry_run(&tb, &ns.name, batch, &mut outcome);
    }
    let dry_run_time = dry_run_started.elapsed();

    // Report.
    let mut report = String::new();
    let mut rejected_inputs: BTreeMap<usize, Vec<(String, String)>> = BTreeMap::new();
    for (input, what, message) in &outcome.rejections {
        rejected_inputs.entry(*input).or_default().push((what.clone(), message.clone()));
    }
    for (input, found) in &rejected_inputs {
        let i = &inputs[*input];
        let _ = writeln!(report, "\n=== input {input} from {} was rejected", i.base);
        for m in &i.mutations {
            let _ = writeln!(report, "    mutation: {m}");
        }
        for (what, message) in found {
            let _ = writeln!(report, "  {what}:\n{}", message.lines().map(|l| format!("    | {l}")).collect::<Vec<_>>().join("\n"));
        }
        let _ = writeln!(report, "  input:\n{}", i.text.lines().map(|l| format!("    > {l}")).collect::<Vec<_>>().join("\n"));
    }
    let mut classes: BTreeMap<String, usize> = BTreeMap::new();
    for (_, what, message) in &outcome.rejections {
        let kind = what.split(' ').next().unwrap_or("?");
        for class in message_classes(message) {
            *classes.entry(format!("{kind}: {class}")).or_default() += 1;
        }
    }
    let mut warning_classes: BTreeMap<String, usize> = BTreeMap::new();
    for (_, what, w) in &outcome.warnings {
        let kind = what.split(' ').next().unwrap_or("?");
        for class in message_classes(w) {
            *warning_classes.entry(format!("{kind}: {class}")).or_default() += 1;
        }
    }
    eprintln!("{report}");
    for (input, what, w) in &outcome.warnings {
        let input = if *input == usize::MAX { "-".to_string() } else { input.to_string() };
        eprintln!("warning: input {input}, {what}: {w}");
    }
    if !warning_classes.is_empty() {
        eprintln!("warnings of accepted objects (by class):");
        for (class, n) in &warning_classes {
            eprintln!("  {n:4} x {class}");
        }
    }
    if !classes.is_empty() {
        eprintln!("rejections (by class):");
        for (class, n) in &classes {
            eprintln!("  {n:4} x {class}");
        }
    }
    eprintln!(
        "summary: seed {seed:#x}; {candidates} candidates generated, {kept} kept (+ {controls} examples as they are), \
         {discarded_inputs} discarded by validation; {} objects dry-run in {} kubectl calls ({:.1?}); {} rejected objects in {} inputs; \
         {} warnings; total {:.1?}",
        objects.len(),
        outcome.calls,
        dry_run_time,
        outcome.rejections.len(),
        rejected_inputs.len(),
        outcome.warnings.len(),
        started.elapsed()
    );
    assert!(kept >= wanted, "fewer than {wanted} valid inputs");
    assert!(
        outcome.rejections.is_empty(),
        "the API server rejected {} objects of {} inputs that rivven-render's validation accepted (details above)",
        outcome.rejections.len(),
        rejected_inputs.len()
    );
}
