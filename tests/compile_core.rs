//! The compile core as the front doors use it: in-memory inputs with display names, the cluster
//! domain and default Rivven version options, references from findings and objects back to the
//! resources and files they came from, and the typed plans.
use rivven_render::compile::{compile, compile_texts, CompileOptions, Input};
use rivven_render::diagnostics::Severity;
use rivven_render::model::Kind;
use rivven_render::render::RenderOptions;

const HEAD: &str = "apiVersion: rivven.hupe1980.github.io/v1alpha1\n";

fn cluster(version: Option<&str>) -> String {
    let version = version.map(|v| format!("  version: \"{v}\"\n")).unwrap_or_default();
    format!("{HEAD}kind: RivvenCluster\nmetadata:\n  name: demo\n  namespace: data\nspec:\n  replicas: 1\n{version}")
}

fn connect() -> String {
    format!("{HEAD}kind: RivvenConnect\nmetadata:\n  name: pipe\n  namespace: data\nspec:\n  clusterRef:\n    name: demo\n  sources:\n    - name: gen\n      connector: datagen\n      topic: events\n  sinks:\n    - name: out\n      connector: stdout\n      topics: [events]\n      consumerGroup: out\n")
}

fn registry() -> String {
    format!("{HEAD}kind: RivvenSchemaRegistry\nmetadata:\n  name: schemas\n  namespace: data\nspec:\n  clusterRef:\n    name: demo\n  storage:\n    mode: memory\n")
}

fn topic() -> String {
    format!("{HEAD}kind: RivvenTopic\nmetadata:\n  name: events\n  namespace: data\nspec:\n  clusterRef:\n    name: demo\n  replicationFactor: 1\n")
}

#[test]
fn the_cluster_domain_reaches_every_rendered_address() {
    let options = CompileOptions { render: RenderOptions { cluster_domain: "corp.internal".into(), ..RenderOptions::default() }, ..CompileOptions::default() };
    let c = compile_texts(&[("git:HEAD/cluster.yaml", &cluster(None)), ("git:HEAD/connect.yaml", &connect()), ("git:HEAD/registry.yaml", &registry())], &options);
    assert!(c.renderable(), "{:?}", c.diagnostics);
    let text: String = c.objects().iter().map(|o| serde_json::to_string(&o.value).unwrap()).collect();
    assert!(text.contains("rivven-demo.data.svc.corp.internal:9092"), "the workers' bootstrap server");
    assert!(text.contains("rivven-schema-schemas.data.svc.corp.internal:"), "the registry plan's URL");
    assert!(!text.contains("cluster.local"), "no default domain left anywhere");
    assert!(c.registry_plans()[0].plan.registry.starts_with("http://rivven-schema-schemas.data.svc.corp.internal:"));
}

#[test]
fn findings_and_objects_point_back_at_resources_and_their_documents() {
    let stream = format!("{}---\n{}", cluster(None), topic());
    let c = compile(&[Input::Text { name: "repo@abc123:data.yaml".into(), text: stream }, Input::Text { name: "connect.yaml".into(), text: connect() }], &CompileOptions::default());
    assert_eq!(c.sources.len(), 2);
    assert_eq!(c.sources.get(rivven_render::source::FileId(0)).name, "repo@abc123:data.yaml");
    let refs: Vec<String> = c.validated.references().map(|r| format!("{r} {}:{}", c.sources.get(r.file).name, r.document)).collect();
    assert_eq!(refs, ["RivvenCluster/data/demo repo@abc123:data.yaml:0", "RivvenConnect/data/pipe connect.yaml:0", "RivvenTopic/data/events repo@abc123:data.yaml:1"]);
    let objects = c.objects();
    assert!(!objects.is_empty());
    for o in &objects {
        let from = o.from.as_ref().unwrap_or_else(|| panic!("{} {} has no resource", o.kind, o.name));
        let id = o.object_ref();
        assert_eq!((id.kind.as_str(), id.name.as_str(), id.namespace.as_deref()), (o.kind.as_str(), o.name.as_str(), Some("data")));
        let expected = match o.name.as_str() {
            n if n.starts_with("rivven-connect-") => Kind::Connect,
            _ => Kind::Cluster, // the brokers' objects and the cluster's topic plan
        };
        assert_eq!(from.kind, expected, "{} {}", o.kind, o.name);
    }
    let plans = c.topic_plans();
    assert_eq!(plans.len(), 1);
    assert_eq!(plans[0].namespace.as_deref(), Some("data"));
    let plan = &plans[0].plan;
    assert_eq!((plan.cluster.as_str(), plan.topics[0].name.as_str(), plan.topics[0].replication_factor), ("demo", "events", 1));
    // A finding names its resource with kind, namespace, name, file and document.
    let warned = c.diagnostics.iter().find(|d| d.resource.as_ref().is_some_and(|r| r.kind == Kind::Connect)).map(|d| d.resource.clone().unwrap());
    if let Some(r) = warned {
        assert_eq!((r.name.as_str(), r.document), ("pipe", 0));
    }
}

#[test]
fn a_topic_plan_without_its_cluster_belongs_to_its_first_topic() {
    let c = compile_texts(&[("t.yaml", &topic())], &CompileOptions::default());
    let objects = c.objects();
    let plan = objects.iter().find(|o| o.name == "rivven-demo-topics").expect("the plan ConfigMap");
    assert_eq!(plan.from.as_ref().map(|r| (r.kind, r.name.as_str())), Some((Kind::Topic, "events")));
}

#[test]
fn the_default_version_applies_to_resources_that_name_none() {
    let options = CompileOptions { default_version: Some("0.0.22".into()), ..CompileOptions::default() };
    let c = compile_texts(&[("c.yaml", &cluster(None))], &options);
    assert!(!c.diagnostics.iter().any(|d| d.rule == "rivven/version"));

    let options = CompileOptions { default_version: Some("0.1.0".into()), ..CompileOptions::default() };
    let c = compile_texts(&[("c.yaml", &cluster(None)), ("pinned.yaml", &cluster(Some("0.0.22")).replace("name: demo", "name: pinned"))], &options);
    let warnings: Vec<_> = c.diagnostics.iter().filter(|d| d.rule == "rivven/version").collect();
    assert_eq!(warnings.len(), 1, "one warning for the run's default, none per resource: {warnings:?}");
    assert!(warnings[0].location.is_none() && warnings[0].message.contains("--rivven-version 0.1.0"), "{warnings:?}");

    let images: Vec<String> = c.objects().iter().filter(|o| o.kind == "StatefulSet").map(|o| o.value["spec"]["template"]["spec"]["containers"][0]["image"].as_str().unwrap().to_owned()).collect();
    assert_eq!(images, ["ghcr.io/hupe1980/rivvend:0.1.0", "ghcr.io/hupe1980/rivvend:0.0.22"], "{:?}", c.diagnostics);

    let options = CompileOptions { default_version: Some("bad tag".into()), ..CompileOptions::default() };
    let c = compile_texts(&[("c.yaml", &cluster(None))], &options);
    let errors: Vec<_> = c.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].rule == "image/reference" && errors[0].location.is_none() && errors[0].message.contains("--rivven-version"));
}

#[test]
fn an_unknown_version_warns_with_the_known_ones_and_renders_with_the_newest() {
    let c = compile_texts(&[("c.yaml", &cluster(Some("0.0.99")))], &CompileOptions::default());
    let warning = c.diagnostics.iter().find(|d| d.rule == "rivven/version").expect("a version warning");
    assert_eq!(warning.severity, Severity::Warning);
    assert!(warning.message.contains("0.0.99") && warning.message.contains("known: 0.0.22"), "{}", warning.message);
    assert!(c.renderable(), "a newer Rivven is not blocked");
    let objects = c.objects();
    let sts = objects.iter().find(|o| o.kind == "StatefulSet").unwrap();
    let container = &sts.value["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["image"], "ghcr.io/hupe1980/rivvend:0.0.99");
    assert_eq!(container["args"][0], "--bind=0.0.0.0:9092", "the newest entry's ports and flags");
}

#[test]
fn compile_reads_nothing_it_was_not_given_and_keeps_no_resource_when_only_validating() {
    let options = CompileOptions { validate_only: true, ..CompileOptions::default() };
    let c = compile_texts(&[("c.yaml", &cluster(None))], &options);
    assert_eq!(c.documents, 1);
    assert!(c.validated.is_empty(), "validate keeps facts, not resources");
    assert!(!c.renderable() && c.objects().is_empty());
    // An unreadable input is a finding, and the other inputs are still checked.
    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("compile-core-unreadable");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("bad.yaml"), cluster(None).replace("replicas: 1", "replicas: many")).unwrap();
    let c = compile(&[Input::Path("/nonexistent/rivven.yaml".into()), Input::Path(dir.join("bad.yaml"))], &CompileOptions::default());
    assert!(c.failed_to_read());
    let rules: Vec<&str> = c.diagnostics.iter().map(|d| d.rule).collect();
    assert!(rules.contains(&"load/unreadable") && rules.contains(&"schema/type"), "{rules:?}");
}

/// 0.0.22 takes its log level from RUST_LOG only: `settings.logLevel` becomes that variable, the
/// unused `log_level` key stays out of connect.yaml, and the pod may not set RUST_LOG itself.
#[test]
fn the_connect_log_level_reaches_the_workers_as_rust_log() {
    let leveled = connect().replace("spec:\n", "spec:\n  settings:\n    logLevel: debug\n");
    let c = compile_texts(&[("c.yaml", &cluster(None)), ("connect.yaml", &leveled)], &CompileOptions::default());
    assert_eq!(c.diagnostics.count(Severity::Error), 0, "{:?}", c.diagnostics);
    let objects = c.objects();
    let deploy = objects.iter().find(|o| o.kind == "Deployment").expect("the workers' Deployment");
    let env = &deploy.value["spec"]["template"]["spec"]["containers"][0]["env"];
    assert_eq!(env, &serde_json::json!([{"name": "RUST_LOG", "value": "debug"}]), "{env}");
    let config = objects.iter().find(|o| o.kind == "ConfigMap" && o.name.starts_with("rivven-connect-")).expect("connect.yaml");
    assert!(!config.value["data"]["connect.yaml"].as_str().unwrap().contains("log_level"), "no unused log_level key");

    let clash = leveled.replace("spec:\n", "spec:\n  env:\n    - name: RUST_LOG\n      value: trace\n");
    let c = compile_texts(&[("c.yaml", &cluster(None)), ("connect.yaml", &clash)], &CompileOptions::default());
    assert!(c.diagnostics.iter().any(|d| d.rule == "pod/reserved-env" && d.severity == Severity::Error), "{:?}", c.diagnostics);
}
