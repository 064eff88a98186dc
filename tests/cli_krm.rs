//! `rivven-render krm` through the built binary, fed ResourceLists as kustomize and kpt write them:
//! transformer and generator, foreign items byte for byte, findings in `results[]` and on standard
//! error with the original files' lines, no items on error, refused inputs. The real kustomize runs
//! the same function in `tests/testbed_kustomize.rs`.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

#[path = "support/plugins.rs"]
mod plugins;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary in `dir`; (exit code, stdout, stderr).
fn run_in(dir: &Path, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rivven-render"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code().unwrap_or(-1), String::from_utf8(out.stdout).unwrap(), String::from_utf8(out.stderr).unwrap())
}

/// The objects `render PATHS -o -` prints.
fn rendered(paths: &[&str]) -> Vec<Value> {
    let mut args = vec!["render"];
    args.extend_from_slice(paths);
    args.extend_from_slice(&["-o", "-"]);
    let (code, stdout, stderr) = run_in(&root(), &args, "");
    assert_eq!(code, 0, "{stderr}");
    plugins::yaml_documents(&stdout)
}

fn list(stdout: &str) -> Value {
    let docs = plugins::yaml_documents(stdout);
    assert_eq!(docs.len(), 1, "one ResourceList expected:\n{stdout}");
    docs.into_iter().next().unwrap()
}

/// An object without the annotations functions add (kustomize strips them from its output).
fn without_function_annotations(mut object: Value) -> Value {
    if let Some(a) = object.pointer_mut("/metadata/annotations").and_then(Value::as_object_mut) {
        a.retain(|k, _| !k.starts_with("config.kubernetes.io/") && !k.starts_with("internal.config.kubernetes.io/"));
    }
    object
}

/// Indents a file's documents as items of a block sequence, with kustomize's annotations.
fn items_of(files: &[&str]) -> String {
    let mut out = String::new();
    let mut index = 0;
    for file in files {
        let text = std::fs::read_to_string(root().join(file)).unwrap();
        for doc in text.split("\n---\n") {
            let body: Vec<&str> = doc.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).collect();
            let mut first = true;
            for line in body {
                out.push_str(if first { "- " } else { "  " });
                out.push_str(line);
                out.push('\n');
                if first {
                    first = false;
                }
                if line == "metadata:" {
                    out.push_str(&format!("    annotations:\n      config.kubernetes.io/index: '{index}'\n      internal.config.kubernetes.io/index: '{index}'\n      internal.config.kubernetes.io/id: '{}'\n", index + 1));
                }
            }
            index += 1;
        }
    }
    out
}

const FOREIGN: &str = "- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: foreign\n    annotations:\n      config.kubernetes.io/index: '9'\n      internal.config.kubernetes.io/id: '99'\n  data:\n    mode: 0755\n    switch: on\n    rate: 1e3\n    quoted: \"on\" # a comment\n";

const MINIMAL: [&str; 4] = ["examples/minimal/cluster.yaml", "examples/minimal/connect.yaml", "examples/minimal/schema-registry.yaml", "examples/minimal/topic.yaml"];

#[test]
fn a_transformer_replaces_rivven_items_by_what_render_makes_and_keeps_every_other_item_byte_for_byte() {
    let input = format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{FOREIGN}{}", items_of(&MINIMAL));
    let (code, stdout, stderr) = run_in(&root(), &["krm"], &input);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains(FOREIGN), "the foreign item changed:\n{stdout}");
    let out = list(&stdout);
    let items = out["items"].as_array().unwrap();
    assert_eq!(items[0]["metadata"]["name"], "foreign");
    let ours: Vec<Value> = items[1..].iter().cloned().map(without_function_annotations).collect();
    assert_eq!(ours, rendered(&MINIMAL), "the function's objects differ from `render`");
    // Every rendered object has a path of its own, which no other item has.
    let paths: std::collections::BTreeSet<&str> = items[1..].iter().map(|i| i["metadata"]["annotations"]["internal.config.kubernetes.io/path"].as_str().unwrap()).collect();
    assert_eq!(paths.len(), items.len() - 1);
    assert!(paths.iter().all(|p| p.starts_with("rivven-render/")));
    // Kustomize's item annotations never reach the rendered objects.
    assert!(!stdout.contains("internal.config.kubernetes.io/id: '1'") && !ours.iter().any(|o| o.to_string().contains("internal.config.kubernetes.io/id")));
}

#[test]
fn the_rendered_objects_do_not_depend_on_the_order_of_the_items() {
    let run = |files: &[&str]| {
        let (code, stdout, stderr) = run_in(&root(), &["krm"], &format!("kind: ResourceList\nitems:\n{}", items_of(files)));
        assert_eq!(code, 0, "{stderr}");
        list(&stdout)["items"].as_array().unwrap().iter().cloned().map(without_function_annotations).collect::<Vec<_>>()
    };
    let mut reversed = MINIMAL;
    reversed.reverse();
    assert_eq!(run(&MINIMAL), run(&reversed));
}

#[test]
fn a_generator_renders_the_files_its_config_names_or_the_resources_it_carries() {
    let config = "functionConfig:\n  apiVersion: rivven-render.github.io/v1alpha1\n  kind: RivvenRender\n  metadata:\n    name: fn\n  spec:\n    paths: [examples/minimal]\n";
    // kustomize hands a generator its own config as the only item; it is not given back.
    let as_item = "- apiVersion: rivven-render.github.io/v1alpha1\n  kind: RivvenRender\n  metadata:\n    name: fn\n  spec:\n    paths: [examples/minimal]\n";
    let (code, stdout, stderr) = run_in(&root(), &["krm"], &format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{as_item}{config}"));
    assert_eq!(code, 0, "{stderr}");
    let items: Vec<Value> = list(&stdout)["items"].as_array().unwrap().iter().cloned().map(without_function_annotations).collect();
    assert_eq!(items, rendered(&["examples/minimal"]));

    let inline = "functionConfig:\n  apiVersion: rivven-render.github.io/v1alpha1\n  kind: RivvenRender\n  spec:\n    clusterDomain: corp.internal\n    resources:\n      - apiVersion: rivven.hupe1980.github.io/v1alpha1\n        kind: RivvenCluster\n        metadata:\n          name: inline\n        spec:\n          replicas: 1\n";
    let (code, stdout, stderr) = run_in(&root(), &["krm"], &format!("kind: ResourceList\n{inline}"));
    assert_eq!(code, 0, "{stderr}");
    let items = list(&stdout)["items"].as_array().unwrap().clone();
    assert!(items.iter().any(|i| i["kind"] == "StatefulSet" && i["metadata"]["name"] == "rivven-inline"), "{stdout}");

    // An inline resource's findings point into the functionConfig, at the entry's own lines.
    let bad = inline.replace("replicas: 1", "replicas: 0");
    let (code, stdout, stderr) = run_in(&root(), &["krm"], &format!("kind: ResourceList\n{bad}"));
    assert_eq!(code, 1);
    assert!(stderr.contains("functionConfig spec.resources[0]:6:21: error[schema/range]"), "{stderr}");
    assert!(list(&stdout)["items"].as_array().unwrap().is_empty());
    // Where the kustomization lists the config's file, the finding is at its line there.
    let dir = tempdir("inline");
    let file: String = bad.lines().skip(1).map(|l| format!("{}\n", &l[2..])).collect();
    std::fs::write(dir.join("generator.yaml"), format!("# generator\n{file}")).unwrap();
    std::fs::write(dir.join("kustomization.yaml"), "generators: [generator.yaml]\n").unwrap();
    let (code, _, stderr) = run_in(&dir, &["krm"], &format!("kind: ResourceList\n{bad}"));
    assert_eq!(code, 1);
    assert!(stderr.contains("generator.yaml:12:19: error[schema/range]"), "{stderr}");
}

#[test]
fn an_invalid_item_fails_with_its_file_and_line_on_stderr_results_in_the_list_and_no_items() {
    let dir = tempdir("invalid");
    std::fs::write(dir.join("cluster.yaml"), "# a broken cluster\napiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: broken\nspec:\n  replicas: 0\n").unwrap();
    std::fs::write(dir.join("kustomization.yaml"), "resources: [cluster.yaml]\n").unwrap();
    let item = "- apiVersion: rivven.hupe1980.github.io/v1alpha1\n  kind: RivvenCluster\n  metadata:\n    name: broken\n    annotations:\n      config.kubernetes.io/index: '0'\n  spec:\n    replicas: 0\n";
    let (code, stdout, stderr) = run_in(&dir, &["krm"], &format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{FOREIGN}{item}"));
    assert_eq!(code, 1, "{stderr}");
    // The kustomization in the working directory lists the file: the finding is at its real line.
    assert!(stderr.lines().any(|l| l.starts_with("cluster.yaml:7:13: error[schema/range]")), "{stderr}");
    assert!(!stderr.contains('\u{1b}'), "colour on stderr: {stderr}");
    let out = list(&stdout);
    assert_eq!(out["items"], Value::Array(Vec::new()), "no partial items on error");
    let result = &out["results"][0];
    assert_eq!(result["severity"], "error");
    assert_eq!(result["tags"]["rule"], "schema/range");
    assert_eq!(result["tags"]["line"], "7");
    assert_eq!(result["field"]["path"], "spec.replicas");
    assert_eq!(result["file"]["path"], "cluster.yaml");
    assert_eq!(result["resourceRef"], serde_json::json!({"apiVersion": "rivven.hupe1980.github.io/v1alpha1", "kind": "RivvenCluster", "name": "broken"}));
    // Without a file to find, the finding points into the item as it came.
    let (_, _, stderr) = run_in(&std::env::temp_dir(), &["krm"], &format!("kind: ResourceList\nitems:\n{item}"));
    assert!(stderr.contains("<function input> item 0:8:15: error[schema/range]"), "{stderr}");
}

#[test]
fn references_follow_the_renames_kustomize_made_before_the_function() {
    let input = "kind: ResourceList\nitems:\n- apiVersion: rivven.hupe1980.github.io/v1alpha1\n  kind: RivvenCluster\n  metadata:\n    name: prod-shop\n    namespace: prod\n    annotations:\n      internal.config.kubernetes.io/previousNames: shop,shop\n      internal.config.kubernetes.io/previousNamespaces: default,prod\n  spec:\n    replicas: 1\n- apiVersion: rivven.hupe1980.github.io/v1alpha1\n  kind: RivvenTopic\n  metadata:\n    name: prod-orders\n    namespace: prod\n  spec:\n    clusterRef:\n      name: shop\n";
    let (code, stdout, stderr) = run_in(&std::env::temp_dir(), &["krm"], input);
    assert_eq!(code, 0, "{stderr}");
    assert!(!stderr.contains("cluster-outside-input"), "the reference was not renamed: {stderr}");
    assert!(stdout.contains("\"name\": \"rivven-prod-shop-topics\""), "{stdout}");
}

#[test]
fn what_is_not_a_resource_list_or_a_valid_config_is_refused_with_a_reason_and_no_items() {
    let cases = [
        ("", "empty"),
        ("kind: Deployment\n", "not a ResourceList"),
        ("kind: ResourceList\nfunctionConfig:\n  apiVersion: v1\n  kind: ConfigMap\n", "rivven-render takes"),
        ("kind: ResourceList\nfunctionConfig:\n  apiVersion: rivven-render.github.io/v1alpha1\n  kind: RivvenRender\n  spec:\n    pathz: [a]\n", "unknown field `pathz`"),
        ("kind: ResourceList\nfunctionConfig:\n  apiVersion: rivven-render.github.io/v1alpha1\n  kind: RivvenRender\n  spec:\n    paths: [../outside]\n", "no `..`"),
        ("kind: ResourceList\nfunctionConfig:\n  apiVersion: rivven-render.github.io/v1alpha1\n  kind: RivvenRender\n  spec:\n    paths: [/etc]\n", "relative path"),
        ("kind: ResourceList\nfunctionConfig:\n  apiVersion: rivven-render.github.io/v1alpha1\n  kind: RivvenRender\n  spec:\n    kubeVersion: \"1.10\"\n", "older than 1.19"),
        ("kind: ResourceList\nitems: []\n", "no Rivven resource"),
    ];
    for (input, why) in cases {
        let (code, stdout, stderr) = run_in(&root(), &["krm"], input);
        assert_ne!(code, 0, "{input:?} was accepted");
        assert!(stderr.contains(why), "{input:?}: {stderr}");
        let out = list(&stdout);
        assert_eq!(out["items"], Value::Array(Vec::new()), "{input:?}");
        let results = out["results"].as_array().unwrap();
        assert!(results.iter().all(|r| r["severity"] == "error"), "{stdout}");
        assert!(results.iter().any(|r| r["message"].as_str().unwrap().contains(why)), "{input:?}: the reason is not in results[]: {stdout}");
    }
}

#[test]
fn a_json_list_gets_a_json_list_back() {
    let input = r#"{"apiVersion": "config.kubernetes.io/v1", "kind": "ResourceList", "items": [{"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "keep"}}, {"apiVersion": "rivven.hupe1980.github.io/v1alpha1", "kind": "RivvenCluster", "metadata": {"name": "demo"}, "spec": {"replicas": 1}}]}"#;
    let (code, stdout, stderr) = run_in(&root(), &["krm"], input);
    assert_eq!(code, 0, "{stderr}");
    let out: Value = serde_json::from_str(&stdout).unwrap();
    let items = out["items"].as_array().unwrap();
    assert_eq!(items[0]["metadata"]["name"], "keep");
    assert_eq!(items[1..].iter().cloned().map(without_function_annotations).collect::<Vec<_>>(), rendered(&["examples/minimal/cluster.yaml"]));
}

fn tempdir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("rivven-render-krm-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The objects as a YAML 1.1 reader (Go's yaml.v2, PyYAML) reads them.
fn read_yaml_1_1(text: &str) -> Value {
    let config = noyalib::ParserConfig::new().version(noyalib::YamlVersion::V1_1);
    let value: noyalib::Value = noyalib::from_str_with_config(text, &config).unwrap_or_else(|e| panic!("YAML 1.1 reader: {e}\n{text}"));
    serde_json::to_value(&value).unwrap()
}

#[test]
fn lists_as_kpt_and_hand_writers_write_them_keep_their_foreign_items_and_read_back_alike_in_yaml_1_1_and_1_2() {
    // Items indented by two, comments on and between the entries, a foreign item between and after
    // the Rivven ones, a CRLF line, a closing `...`, and strings YAML 1.1 would fold or retype.
    let first = "  - apiVersion: v1 # the first\n    kind: ConfigMap\n    metadata:\n      name: before\n    data:\n      flag: \"on\"\n";
    let middle = "  - # a note on the middle one\r\n    apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: middle\n    data:\n      script: |\n        echo on\n        # not a comment\n";
    // This comment stands in the entry of the Rivven item before it, and must stay.
    let last = "  # the secret\n  - {apiVersion: v1, kind: Secret, metadata: {name: after}}\n";
    let cluster = "  - apiVersion: rivven.hupe1980.github.io/v1alpha1\n    kind: RivvenCluster\n    metadata:\n      name: demo\n      labels:\n        flag: \"yes\"\n    spec:\n      replicas: 1\n      podAnnotations:\n        note: \"one\\u0085two\\u2028three\"\n";
    let topic = "  # the topic\n  - apiVersion: rivven.hupe1980.github.io/v1alpha1\n    kind: RivvenTopic\n    metadata:\n      name: orders\n    spec:\n      clusterRef:\n        name: demo\n";
    let input = format!("apiVersion: config.kubernetes.io/v1\nkind: ResourceList\nitems:\n{first}{cluster}{middle}{topic}{last}...\n");
    let (code, stdout, stderr) = run_in(&std::env::temp_dir(), &["krm"], &input);
    assert_eq!(code, 0, "{stderr}");
    for foreign in [first, middle, last] {
        assert!(stdout.contains(foreign), "a foreign item changed:\n{foreign}\n--- output:\n{stdout}");
    }
    assert!(stdout.trim_end().ends_with("..."), "the end marker moved: {stdout}");
    let (ours, theirs) = (list(&stdout), read_yaml_1_1(&stdout));
    assert_eq!(ours, theirs, "YAML 1.1 and 1.2 readers disagree on the output");
    let items = ours["items"].as_array().unwrap();
    let names: Vec<&str> = items.iter().map(|i| i["metadata"]["name"].as_str().unwrap()).collect();
    assert_eq!(names.first(), Some(&"before"));
    assert!(names.ends_with(&["middle", "after"]), "{names:?}");
    let sts = items.iter().find(|i| i["kind"] == "StatefulSet").unwrap();
    assert_eq!(sts["spec"]["template"]["metadata"]["annotations"]["note"], "one\u{85}two\u{2028}three");
    assert_eq!(sts["metadata"]["labels"]["flag"], "yes");
}

#[test]
fn links_out_of_the_kustomization_are_not_followed() {
    let dir = tempdir("links");
    let outside = tempdir("links-outside");
    std::fs::write(outside.join("cluster.yaml"), "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: outside\nspec:\n  replicas: 1\n").unwrap();
    std::fs::create_dir_all(dir.join("rivven")).unwrap();
    std::fs::write(dir.join("rivven/cluster.yaml"), "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: inside\nspec:\n  replicas: 1\n").unwrap();
    std::os::unix::fs::symlink(&outside, dir.join("rivven/linked-dir")).unwrap();
    std::os::unix::fs::symlink(outside.join("cluster.yaml"), dir.join("linked.yaml")).unwrap();
    let config = |paths: &str| format!("kind: ResourceList\nfunctionConfig:\n  apiVersion: rivven-render.github.io/v1alpha1\n  kind: RivvenRender\n  spec:\n    paths: {paths}\n");
    let (code, stdout, stderr) = run_in(&dir, &["krm"], &config("[rivven]"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("rivven-inside") && !stdout.contains("rivven-outside"), "a linked directory was walked: {stdout}");
    let (code, stdout, stderr) = run_in(&dir, &["krm"], &config("[linked.yaml]"));
    assert_ne!(code, 0);
    assert!(stderr.contains("leads outside"), "{stderr}");
    assert!(!stdout.contains("rivven-outside"));
}
