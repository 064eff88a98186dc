//! Properties of everything rendered from all examples and the fixtures under
//! `tests/fixtures/render/`: typed round trips through k8s-openapi with no unknown field, name
//! limits, Pod Security `restricted`, integer PDBs, selectors, secret references (and no secret
//! value anywhere), config hashes, and the cluster/standalone broker wiring.
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::core::v1::{ConfigMap, Service};
use k8s_openapi::api::policy::v1::PodDisruptionBudget;
use rivven_render::compile::{compile, compile_texts, Compilation, CompileOptions, Input};
use rivven_render::diagnostics::Severity;
use rivven_render::output;
use rivven_render::render::{self, RenderedObject};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

const CONFIG_HASH: &str = "rivven.hupe1980.github.io/config-hash";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The input sets, each rendered on its own.
fn input_sets() -> Vec<PathBuf> {
    ["examples", "tests/fixtures/render/maximal", "tests/fixtures/render/yaml11"].iter().map(|p| root().join(p)).collect()
}

fn render_compiled(compilation: &Compilation, what: &str) -> Vec<RenderedObject> {
    let errors: Vec<_> = compilation.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
    assert!(errors.is_empty(), "{what} has errors: {errors:#?}");
    compilation.objects()
}

/// The typed resources of a run, as JSON (defaults filled in), and the objects rendered from them.
fn render_path(path: &std::path::Path) -> (Vec<Value>, Vec<RenderedObject>) {
    let compilation = compile(&[Input::Path(path.to_path_buf())], &CompileOptions::default());
    let objects = render_compiled(&compilation, &path.display().to_string());
    let v = &compilation.validated;
    let json = |r: &dyn erased::Json| r.to_json();
    let mut documents: Vec<Value> = Vec::new();
    documents.extend(v.clusters.iter().map(|t| json(&t.resource)));
    documents.extend(v.connects.iter().map(|t| json(&t.resource)));
    documents.extend(v.topics.iter().map(|t| json(&t.resource)));
    documents.extend(v.registries.iter().map(|t| json(&t.resource)));
    (documents, objects)
}

mod erased {
    /// A typed resource as JSON.
    pub trait Json {
        fn to_json(&self) -> serde_json::Value;
    }

    impl<T: serde::Serialize> Json for T {
        fn to_json(&self) -> serde_json::Value {
            serde_json::to_value(self).expect("resources serialize")
        }
    }
}

fn render_text(text: &str) -> Vec<RenderedObject> {
    let compilation = compile_texts(&[("inline.yaml", text)], &CompileOptions::default());
    render_compiled(&compilation, "inline input")
}

/// Every object of every input set.
fn all_objects() -> Vec<RenderedObject> {
    input_sets().iter().flat_map(|p| render_path(p).1).collect()
}

fn find<'a>(objects: &'a [RenderedObject], kind: &str, name: &str) -> &'a Value {
    &objects.iter().find(|o| o.kind == kind && o.name == name).unwrap_or_else(|| panic!("no {kind} {name}")).value
}

fn id(o: &RenderedObject) -> String {
    format!("{} {}/{}", o.kind, o.namespace.as_deref().unwrap_or("-"), o.name)
}

/// Deserializes as `T` and serializes back: anything the type does not know would be lost.
fn round_trip<T: DeserializeOwned + Serialize>(o: &RenderedObject) {
    let typed: T = serde_json::from_value(o.value.clone()).unwrap_or_else(|e| panic!("{} is no {}: {e}", id(o), o.kind));
    let back = serde_json::to_value(&typed).unwrap();
    if back != o.value {
        panic!("{} has fields its k8s-openapi type drops:\nrendered: {:#}\ntyped:    {:#}", id(o), o.value, back);
    }
}

/// prometheus-operator's ServiceMonitor has no typed binding: check its shape by hand.
fn check_service_monitor(o: &RenderedObject, objects: &[RenderedObject]) {
    let v = &o.value;
    assert_eq!(v["apiVersion"], "monitoring.coreos.com/v1", "{}", id(o));
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<BTreeSet<_>>();
    assert!(keys(v).is_subset(&["apiVersion", "kind", "metadata", "spec"].map(String::from).into()), "{}", id(o));
    assert!(keys(&v["spec"]).is_subset(&["selector", "endpoints", "namespaceSelector", "jobLabel"].map(String::from).into()), "{}", id(o));
    let selector = v["spec"]["selector"]["matchLabels"].as_object().expect("matchLabels");
    assert!(!selector.is_empty() && selector.values().all(Value::is_string), "{}", id(o));
    let endpoints = v["spec"]["endpoints"].as_array().expect("endpoints");
    assert!(!endpoints.is_empty());
    // The selected Services must expose every endpoint's port by name.
    let services: Vec<&RenderedObject> = objects.iter().filter(|s| s.kind == "Service" && s.namespace == o.namespace && labels_match(&v["spec"]["selector"]["matchLabels"], &s.value["metadata"]["labels"])).collect();
    assert!(!services.is_empty(), "{} selects no rendered Service", id(o));
    for endpoint in endpoints {
        assert!(keys(endpoint).is_subset(&["port", "path", "interval", "scheme", "scrapeTimeout"].map(String::from).into()), "{}", id(o));
        let port = endpoint["port"].as_str().expect("named port");
        assert!(endpoint["path"].as_str().is_some_and(|p| p.starts_with('/')), "{}", id(o));
        assert!(endpoint["interval"].as_str().is_some_and(|i| i.ends_with('s') || i.ends_with('m')), "{}", id(o));
        for s in &services {
            let ports = s.value["spec"]["ports"].as_array().unwrap();
            assert!(ports.iter().any(|p| p["name"] == port), "{} scrapes port {port} that {} lacks", id(o), id(s));
        }
    }
}

/// A NetworkPolicy selects the pods of exactly one rendered workload, and every port it opens is a
/// container port of those pods.
fn network_policy_selects_its_workload(o: &RenderedObject, objects: &[RenderedObject]) {
    let selector = &o.value["spec"]["podSelector"]["matchLabels"];
    let workloads: Vec<&RenderedObject> = objects
        .iter()
        .filter(|w| matches!(w.kind.as_str(), "StatefulSet" | "Deployment") && w.namespace == o.namespace && labels_match(selector, &w.value["spec"]["template"]["metadata"]["labels"]))
        .collect();
    assert_eq!(workloads.len(), 1, "{} must select one workload", id(o));
    let container_ports: Vec<&serde_json::Value> = workloads[0].value["spec"]["template"]["spec"]["containers"][0]["ports"].as_array().unwrap().iter().map(|p| &p["containerPort"]).collect();
    for rule in o.value["spec"]["ingress"].as_array().unwrap() {
        for port in rule["ports"].as_array().unwrap() {
            assert!(container_ports.contains(&&port["port"]), "{} opens port {} that {} does not serve", id(o), port["port"], id(workloads[0]));
        }
    }
}

#[test]
fn every_object_is_its_typed_kubernetes_object_with_no_unknown_field() {
    let objects = all_objects();
    let mut kinds = BTreeSet::new();
    for o in &objects {
        kinds.insert(o.kind.clone());
        assert!(o.value["apiVersion"].is_string() && o.value["metadata"]["name"].is_string(), "{}", id(o));
        match o.kind.as_str() {
            "StatefulSet" => round_trip::<StatefulSet>(o),
            "Deployment" => round_trip::<Deployment>(o),
            "Service" => round_trip::<Service>(o),
            "ConfigMap" => round_trip::<ConfigMap>(o),
            "PodDisruptionBudget" => round_trip::<PodDisruptionBudget>(o),
            "NetworkPolicy" => {
                round_trip::<k8s_openapi::api::networking::v1::NetworkPolicy>(o);
                network_policy_selects_its_workload(o, &objects);
            }
            "ServiceMonitor" => check_service_monitor(o, &objects),
            other => panic!("unexpected kind {other} ({})", id(o)),
        }
    }
    let expected: BTreeSet<String> = ["StatefulSet", "Deployment", "Service", "ConfigMap", "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor"].map(String::from).into();
    assert_eq!(kinds, expected, "the inputs should exercise every kind");
}

fn is_dns_label(s: &str) -> bool {
    !s.is_empty() && s.len() <= 63 && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') && !s.starts_with('-') && !s.ends_with('-')
}

fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

fn is_label_value(s: &str) -> bool {
    s.is_empty()
        || (s.len() <= 63
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.ends_with(|c: char| c.is_ascii_alphanumeric()))
}

fn is_label_key(s: &str) -> bool {
    let (prefix, name) = s.rsplit_once('/').map_or((None, s), |(p, n)| (Some(p), n));
    prefix.is_none_or(is_dns_subdomain) && !name.is_empty() && is_label_value(name)
}

fn check_labels(what: &str, labels: &Value) {
    for (k, v) in labels.as_object().into_iter().flatten() {
        assert!(is_label_key(k), "{what}: label key {k:?}");
        assert!(is_label_value(v.as_str().unwrap_or("\u{0}")), "{what}: label {k}={v}");
    }
}

/// Every object whose value holds a pod template: (id, template).
fn pod_templates(objects: &[RenderedObject]) -> Vec<(String, &Value)> {
    objects.iter().filter(|o| matches!(o.kind.as_str(), "StatefulSet" | "Deployment")).map(|o| (id(o), &o.value["spec"]["template"])).collect()
}

#[test]
fn names_and_labels_are_within_kubernetes_limits() {
    let objects = all_objects();
    let mut seen = BTreeSet::new();
    for o in &objects {
        assert!(seen.insert(id(o)), "{} rendered twice", id(o));
        match o.kind.as_str() {
            // Service names become DNS labels.
            "Service" => assert!(is_dns_label(&o.name), "{}: Service names are DNS-1123 labels of at most 63", id(o)),
            // Pods get `<name>-<ordinal>` and a `controller-revision-hash` label `<name>-<10 chars>`.
            "StatefulSet" => assert!(is_dns_label(&o.name) && o.name.len() <= 52, "{}: StatefulSet names must leave room for the revision hash label", id(o)),
            _ => assert!(is_dns_subdomain(&o.name), "{}: names are DNS-1123 subdomains of at most 253", id(o)),
        }
        if let Some(ns) = &o.namespace {
            assert!(is_dns_label(ns), "{}: namespace", id(o));
        }
        check_labels(&id(o), &o.value["metadata"]["labels"]);
        check_labels(&id(o), &o.value["spec"]["selector"]["matchLabels"]);
        if o.kind == "Service" {
            check_labels(&id(o), &o.value["spec"]["selector"]);
        }
        for key in o.value["data"].as_object().into_iter().flatten().map(|(k, _)| k) {
            assert!(key.len() <= 253 && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')), "{}: data key {key}", id(o));
        }
        for port in o.value["spec"]["ports"].as_array().into_iter().flatten() {
            assert!(port["name"].as_str().is_some_and(|n| is_dns_label(n) && n.len() <= 15), "{}: port name {port}", id(o));
        }
    }
    for (what, template) in pod_templates(&objects) {
        check_labels(&what, &template["metadata"]["labels"]);
        for c in template["spec"]["containers"].as_array().unwrap() {
            assert!(c["name"].as_str().is_some_and(is_dns_label), "{what}: container name");
            for port in c["ports"].as_array().into_iter().flatten() {
                assert!(port["name"].as_str().is_some_and(|n| is_dns_label(n) && n.len() <= 15), "{what}: port name {port}");
            }
        }
    }
}

/// Pod Security Standards, profile `restricted` (the checks of the upstream pod-security admission).
fn assert_restricted(what: &str, pod: &Value) {
    for key in ["hostNetwork", "hostPID", "hostIPC", "hostUsers"] {
        assert!(pod[key] != json!(true), "{what}: {key}");
    }
    let allowed_volumes = ["configMap", "emptyDir", "secret", "persistentVolumeClaim", "downwardAPI", "projected", "ephemeral", "csi"];
    for volume in pod["volumes"].as_array().into_iter().flatten() {
        let kinds: Vec<&String> = volume.as_object().unwrap().keys().filter(|k| *k != "name").collect();
        assert!(kinds.iter().all(|k| allowed_volumes.contains(&k.as_str())), "{what}: volume {volume}");
    }
    let psc = &pod["securityContext"];
    assert_eq!(psc["seccompProfile"]["type"], "RuntimeDefault", "{what}: pod seccomp");
    assert_ne!(psc["runAsUser"], json!(0), "{what}: pod runAsUser 0");
    let containers = pod["containers"].as_array().unwrap().iter().chain(pod["initContainers"].as_array().into_iter().flatten());
    for c in containers {
        let name = format!("{what} container {}", c["name"]);
        let sc = &c["securityContext"];
        assert_eq!(sc["allowPrivilegeEscalation"], json!(false), "{name}: allowPrivilegeEscalation");
        assert_ne!(sc["privileged"], json!(true), "{name}: privileged");
        let non_root = sc.get("runAsNonRoot").or(psc.get("runAsNonRoot"));
        assert_eq!(non_root, Some(&json!(true)), "{name}: runAsNonRoot");
        assert_ne!(sc["runAsUser"], json!(0), "{name}: runAsUser 0");
        let drop = sc["capabilities"]["drop"].as_array().cloned().unwrap_or_default();
        assert!(drop.contains(&json!("ALL")), "{name}: capabilities must drop ALL");
        let add = sc["capabilities"]["add"].as_array().cloned().unwrap_or_default();
        assert!(add.iter().all(|a| a == "NET_BIND_SERVICE"), "{name}: may add only NET_BIND_SERVICE");
        if let Some(profile) = sc.get("seccompProfile") {
            assert!(matches!(profile["type"].as_str(), Some("RuntimeDefault" | "Localhost")), "{name}: seccomp");
        }
        assert_eq!(sc["readOnlyRootFilesystem"], json!(true), "{name}: readOnlyRootFilesystem");
    }
}

#[test]
fn every_pod_is_pod_security_restricted() {
    let objects = all_objects();
    let templates = pod_templates(&objects);
    assert!(templates.len() >= 10);
    for (what, template) in &templates {
        assert_restricted(what, &template["spec"]);
    }
}

#[test]
fn user_security_overrides_merge_over_the_restricted_defaults() {
    let (_, objects) = render_path(&root().join("tests/fixtures/render/maximal"));
    // Pod level: runAsUser and supplementalGroups set by the user, everything else kept.
    let broker = &find(&objects, "StatefulSet", "rivven-maximal")["spec"]["template"]["spec"];
    assert_eq!(broker["securityContext"]["runAsUser"], 70000);
    assert_eq!(broker["securityContext"]["supplementalGroups"], json!([4000]));
    assert_eq!(broker["securityContext"]["fsGroup"], 65532);
    assert_eq!(broker["securityContext"]["runAsNonRoot"], true);
    // Container level: an added capability keeps `drop: [ALL]`.
    let sc = &broker["containers"][0]["securityContext"];
    assert_eq!(sc["capabilities"], json!({"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]}));
    assert_eq!(sc["allowPrivilegeEscalation"], false);
    let connect = &find(&objects, "Deployment", "rivven-connect-maximal")["spec"]["template"]["spec"];
    assert_eq!(connect["containers"][0]["securityContext"]["runAsUser"], 70001);
    assert_eq!(connect["containers"][0]["securityContext"]["capabilities"]["drop"], json!(["ALL"]));
    let registry = &find(&objects, "Deployment", "rivven-schema-maximal")["spec"]["template"]["spec"];
    assert_eq!(registry["securityContext"]["fsGroup"], 3000);
    assert_eq!(registry["securityContext"]["seccompProfile"]["type"], "RuntimeDefault");
    for (what, template) in pod_templates(&objects) {
        assert_restricted(&what, &template["spec"]);
    }
    // The other knobs arrive too.
    assert_eq!(broker["imagePullSecrets"], json!([{"name": "registry-creds"}]));
    assert_eq!(broker["tolerations"][0]["key"], "dedicated");
    assert!(broker["affinity"]["podAntiAffinity"].is_object());
    assert_eq!(broker["containers"][0]["resources"]["limits"]["memory"], "4Gi");
    let annotations = &find(&objects, "StatefulSet", "rivven-maximal")["spec"]["template"]["metadata"]["annotations"];
    assert_eq!(annotations["prometheus.io/scrape"], "true");
}

fn labels_match(selector: &Value, labels: &Value) -> bool {
    let Some(selector) = selector.as_object() else { return false };
    !selector.is_empty() && selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

#[test]
fn pdbs_are_integers_and_every_selector_matches_its_pods() {
    let objects = all_objects();
    let workloads: Vec<&RenderedObject> = objects.iter().filter(|o| matches!(o.kind.as_str(), "StatefulSet" | "Deployment")).collect();
    for w in &workloads {
        let template_labels = &w.value["spec"]["template"]["metadata"]["labels"];
        assert!(labels_match(&w.value["spec"]["selector"]["matchLabels"], template_labels), "{}: selector does not match its template", id(w));
    }
    let selects_a_workload = |o: &RenderedObject, selector: &Value| {
        let hits = workloads.iter().filter(|w| w.namespace == o.namespace && labels_match(selector, &w.value["spec"]["template"]["metadata"]["labels"])).count();
        assert_eq!(hits, 1, "{} must select exactly one workload's pods", id(o));
    };
    for o in &objects {
        match o.kind.as_str() {
            "PodDisruptionBudget" => {
                let max = &o.value["spec"]["maxUnavailable"];
                assert!(max.is_u64(), "{}: maxUnavailable must be an integer, not {max}", id(o));
                assert!(o.value["spec"].get("minAvailable").is_none());
                selects_a_workload(o, &o.value["spec"]["selector"]["matchLabels"]);
            }
            "Service" => selects_a_workload(o, &o.value["spec"]["selector"]),
            _ => {}
        }
    }
}

/// Values of every fixture Secret (`stringData`, and `data` decoded when it is plain base64 text).
fn fixture_secret_values() -> Vec<String> {
    let mut values = Vec::new();
    for entry in walkdir::WalkDir::new(root().join("tests/fixtures/render")) {
        let path = entry.unwrap().into_path();
        if path.extension().is_none_or(|e| e != "yaml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for doc in saphyr_docs(&text) {
            if doc["kind"] == "Secret" {
                for (_, v) in doc["stringData"].as_object().into_iter().flatten() {
                    values.push(v.as_str().unwrap().to_owned());
                }
            }
        }
    }
    values
}

fn saphyr_docs(text: &str) -> Vec<Value> {
    use saphyr::{LoadableYamlNode, Yaml};
    fn to_json(y: &Yaml) -> Value {
        match y {
            Yaml::Mapping(m) => Value::Object(m.iter().map(|(k, v)| (k.as_str().unwrap_or_default().to_owned(), to_json(v))).collect()),
            Yaml::Sequence(s) => Value::Array(s.iter().map(to_json).collect()),
            other => other.as_str().map_or(Value::Null, |s| Value::String(s.to_owned())),
        }
    }
    Yaml::load_from_str(text).unwrap().iter().map(to_json).collect()
}

#[test]
fn no_secret_value_is_ever_rendered_and_secrets_are_references() {
    let secrets = fixture_secret_values();
    assert!(secrets.len() >= 6, "the fixtures hold distinctive secret values");
    for s in &secrets {
        assert!(s.len() >= 12, "fixture secret {s:?} is too short to be searched for reliably");
    }
    let mut everything = String::new();
    for path in input_sets() {
        let (loaded, objects) = render_path(&path);
        assert!(objects.iter().all(|o| o.kind != "Secret"), "{}: no Secret is ever rendered", path.display());
        let text = output::stream(&render::Rendered { objects: objects.clone() });
        everything.push_str(&text);
        for v in &loaded {
            let ns = v["metadata"]["namespace"].as_str().map(str::to_owned);
            let name = v["metadata"]["name"].as_str().unwrap();
            match v["kind"].as_str().unwrap() {
                "RivvenConnect" => {
                    let deployment = objects.iter().find(|o| o.kind == "Deployment" && o.name == format!("rivven-connect-{name}") && o.namespace == ns).unwrap();
                    let env_from = &deployment.value["spec"]["template"]["spec"]["containers"][0]["envFrom"];
                    let connectors = v["spec"]["sources"].as_array().into_iter().flatten().chain(v["spec"]["sinks"].as_array().into_iter().flatten());
                    for secret in connectors.filter_map(|c| c["configSecretRef"].as_str()) {
                        let found = env_from.as_array().into_iter().flatten().any(|e| e["secretRef"]["name"] == secret && e["secretRef"]["optional"] == json!(false));
                        assert!(found, "{}: configSecretRef {secret} must enter as envFrom secretRef", id(deployment));
                    }
                }
                "RivvenCluster" if v["spec"]["replicas"].as_u64().unwrap_or(3) > 1 => {
                    let sts = find(&objects, "StatefulSet", &format!("rivven-{name}"));
                    let env = sts["spec"]["template"]["spec"]["containers"][0]["env"].as_array().unwrap();
                    let token = env.iter().find(|e| e["name"] == "RIVVEN_CLUSTER_AUTH_TOKEN").expect("cluster auth token env");
                    let expected = v["spec"]["clusterAuthSecretRef"]["name"].as_str().map_or(format!("rivven-{name}-cluster-auth"), str::to_owned);
                    assert_eq!(token["valueFrom"]["secretKeyRef"]["name"], expected.as_str());
                    assert!(token.get("value").is_none(), "the token is a reference, never a value");
                }
                _ => {}
            }
        }
        // Every env var in every container is either a plain non-secret value or a reference.
        for (what, template) in pod_templates(&objects) {
            for c in template["spec"]["containers"].as_array().unwrap() {
                for e in c["env"].as_array().into_iter().flatten() {
                    assert!(e.get("value").is_some() != e.get("valueFrom").is_some(), "{what}: env {e}");
                }
            }
        }
    }
    for s in &secrets {
        assert!(!everything.contains(s.as_str()), "secret value {s:?} appears in rendered output");
    }
    // The `${VAR}` placeholders a user writes pass through, and their Secret enters the pod.
    assert!(everything.contains("authorization: 'Bearer ${WEBHOOK_API_TOKEN}'"));
    assert!(everything.contains("password: '${password}'"), "the CDC password is a quoted placeholder for the Secret's key");
}

fn hash_of(objects: &[RenderedObject], kind: &str, name: &str) -> String {
    find(objects, kind, name)["spec"]["template"]["metadata"]["annotations"][CONFIG_HASH].as_str().expect("config hash").to_owned()
}

const CLUSTER: &str = "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: hashed\nspec:\n  replicas: 1\n  config:\n    defaultPartitions: 3\n    logLevel: info\n";
const CONNECT: &str = "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenConnect\nmetadata:\n  name: hashed\nspec:\n  clusterRef:\n    name: hashed\n  sources:\n    - name: gen\n      connector: datagen\n      topic: events\n      datagen:\n        pattern: orders\n        eventsPerSecond: 5\n";

#[test]
fn config_hash_follows_configuration_changes_only() {
    let base = render_text(&format!("{CLUSTER}---\n{CONNECT}"));
    let (broker, worker) = (hash_of(&base, "StatefulSet", "rivven-hashed"), hash_of(&base, "Deployment", "rivven-connect-hashed"));
    assert_eq!(broker.len(), 64);
    // No-op: rendering again, or the same resources written differently, changes nothing.
    let again = render_text(&format!("{CLUSTER}---\n{CONNECT}"));
    assert_eq!(base, again);
    let reworded = format!("# a comment\n{}---\n{}", CLUSTER.replace("    defaultPartitions: 3\n    logLevel: info\n", "    logLevel: \"info\"   # same\n    defaultPartitions: 3\n"), CONNECT);
    let reworded = render_text(&reworded);
    assert_eq!(hash_of(&reworded, "StatefulSet", "rivven-hashed"), broker);
    assert_eq!(hash_of(&reworded, "Deployment", "rivven-connect-hashed"), worker);
    // A broker setting changes the ConfigMap and the broker's hash, not the worker's.
    let changed = render_text(&format!("{}---\n{CONNECT}", CLUSTER.replace("defaultPartitions: 3", "defaultPartitions: 6")));
    assert_ne!(find(&changed, "ConfigMap", "rivven-hashed-config"), find(&base, "ConfigMap", "rivven-hashed-config"));
    assert_ne!(hash_of(&changed, "StatefulSet", "rivven-hashed"), broker);
    assert_eq!(hash_of(&changed, "Deployment", "rivven-connect-hashed"), worker);
    // A connector setting changes connect.yaml and the worker's hash, not the broker's.
    let changed = render_text(&format!("{CLUSTER}---\n{}", CONNECT.replace("eventsPerSecond: 5", "eventsPerSecond: 7")));
    assert_ne!(find(&changed, "ConfigMap", "rivven-connect-hashed-config"), find(&base, "ConfigMap", "rivven-connect-hashed-config"));
    assert_ne!(hash_of(&changed, "Deployment", "rivven-connect-hashed"), worker);
    assert_eq!(hash_of(&changed, "StatefulSet", "rivven-hashed"), broker);
    // A new secret reference changes the worker's environment: it must roll too.
    let with_secret = CONNECT.replace("      topic: events\n", "      topic: events\n      configSecretRef: gen-env\n");
    assert_ne!(hash_of(&render_text(&format!("{CLUSTER}---\n{with_secret}")), "Deployment", "rivven-connect-hashed"), worker);
}

fn env_names(container: &Value) -> BTreeMap<String, Value> {
    container["env"].as_array().into_iter().flatten().map(|e| (e["name"].as_str().unwrap().to_owned(), e.clone())).collect()
}

#[test]
fn three_replicas_render_cluster_mode_and_one_renders_standalone() {
    let (_, objects) = render_path(&root().join("tests/fixtures/render/maximal"));
    let sts = find(&objects, "StatefulSet", "rivven-maximal");
    let container = &sts["spec"]["template"]["spec"]["containers"][0];
    let args: Vec<&str> = container["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    assert!(args.contains(&"--node-id=$(POD_NAME)"), "{args:?}");
    assert!(args.contains(&"--advertise-addr=$(POD_IP):9093"), "{args:?}");
    let env = env_names(container);
    assert_eq!(env["POD_NAME"]["valueFrom"]["fieldRef"]["fieldPath"], "metadata.name");
    assert_eq!(env["POD_IP"]["valueFrom"]["fieldRef"]["fieldPath"], "status.podIP");
    assert_eq!(env["RIVVEN_CLUSTER_AUTH_TOKEN"]["valueFrom"]["secretKeyRef"], json!({"name": "maximal-cluster-auth", "key": "token", "optional": false}));
    // $(VAR) in args expands only from variables defined in `env`.
    let config = &find(&objects, "ConfigMap", "rivven-maximal-config")["data"];
    assert_eq!(config["RIVVEN_MODE"], "cluster");
    let seeds: Vec<String> = (0..3).map(|i| format!("rivven-maximal-{i}.rivven-maximal-headless.streaming.svc.cluster.local:9093")).collect();
    assert_eq!(config["RIVVEN_SEEDS"], seeds.join(","));
    assert_eq!(container["envFrom"][0]["configMapRef"]["name"], "rivven-maximal-config");
    let headless = find(&objects, "Service", "rivven-maximal-headless");
    assert_eq!(headless["spec"]["clusterIP"], "None");
    assert_eq!(headless["spec"]["publishNotReadyAddresses"], true);
    assert!(headless["spec"]["ports"].as_array().unwrap().iter().any(|p| p["port"] == 9093 && p["name"] == "cluster"));
    assert_eq!(sts["spec"]["serviceName"], "rivven-maximal-headless");
    assert_eq!(sts["spec"]["replicas"], 3);

    let (_, objects) = render_path(&root().join("examples/minimal"));
    let sts = find(&objects, "StatefulSet", "rivven-demo");
    let container = &sts["spec"]["template"]["spec"]["containers"][0];
    let args = container["args"].as_array().unwrap();
    assert!(args.iter().all(|a| !a.as_str().unwrap().contains("9093") && !a.as_str().unwrap().starts_with("--node-id")), "{args:?}");
    assert!(!env_names(container).contains_key("RIVVEN_CLUSTER_AUTH_TOKEN"));
    let config = &find(&objects, "ConfigMap", "rivven-demo-config")["data"];
    assert_eq!(config["RIVVEN_MODE"], "standalone");
    assert!(config.get("RIVVEN_SEEDS").is_none());
    assert_eq!(sts["spec"]["replicas"], 1);
}

#[test]
fn broker_pod_runs_rivvend_as_measured() {
    for path in input_sets() {
        let (_, objects) = render_path(&path);
        for o in objects.iter().filter(|o| o.kind == "StatefulSet") {
            let pod = &o.value["spec"]["template"]["spec"];
            let c = &pod["containers"][0];
            assert!(c.get("command").is_none(), "{}: the image entrypoint is /app; set args only", id(o));
            let args: Vec<&str> = c["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
            assert!(args.contains(&"--bind=0.0.0.0:9092") && args.contains(&"--api-bind=0.0.0.0:9094"), "{}", id(o));
            assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/health");
            assert!(pod["terminationGracePeriodSeconds"].as_i64().unwrap() >= 10);
            assert!(pod["securityContext"]["fsGroup"].as_i64().is_some(), "{}: fsGroup makes the PVC writable", id(o));
            assert_eq!(o.value["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"], "Retain");
        }
    }
}

#[test]
fn the_round_trip_check_catches_fields_a_type_does_not_know() {
    let (_, objects) = render_path(&root().join("examples/minimal"));
    let mut o = objects.iter().find(|o| o.kind == "StatefulSet").unwrap().clone();
    o.value["spec"]["template"]["spec"]["containers"][0]["argz"] = json!(["--typo"]);
    let caught = std::panic::catch_unwind(|| round_trip::<StatefulSet>(&o));
    assert!(caught.is_err(), "an unknown field must fail the round trip");
}
