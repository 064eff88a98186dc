//! Rendered YAML reads back the same in every consumer: kubectl and Argo CD decode with Go's YAML
//! 1.1 rules (unquoted `on`, `y`, `~`, `0755`, `1:30` become booleans, nulls and numbers), most
//! other tools with YAML 1.2. The fixture `tests/fixtures/render/yaml11` holds such values as
//! strings in a connector config, a pod label, a pod annotation and env values; every rendered
//! object of it (and of all examples) is read back by three readers and must equal what was
//! rendered, value for value and type for type.
//!
//! The readers:
//! - noyalib with `YamlVersion::V1_1`: a real YAML 1.1 resolver (booleans `y|yes|on|...` in every
//!   case form, `~`/`null`, legacy octal `0755`, sexagesimal `1:30`), the closest to Go's yaml.v2
//!   on crates.io. `the_readers_are_what_they_claim` proves it misreads the unquoted forms.
//! - serde_yaml_ng: asked for as a YAML 1.1 reader, but it resolves plain scalars like YAML 1.2
//!   (`on`, `yes`, `y`, `0755` stay strings), as that test shows; kept as a libyaml-based reader.
//! - saphyr: YAML 1.2 core schema (the crate's own loader).
use std::path::PathBuf;

use noyalib::{ParserConfig, YamlVersion};
use rivven_render::diagnostics::Severity;
use rivven_render::compile::{compile, CompileOptions, Input};
use rivven_render::yaml;
use rivven_render::render::RenderedObject;
use saphyr::{LoadableYamlNode, Scalar, Yaml};
use serde_json::{json, Value};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn render_path(path: &str) -> Vec<RenderedObject> {
    let compilation = compile(&[Input::Path(root().join(path))], &CompileOptions::default());
    let errors: Vec<_> = compilation.diagnostics.iter().filter(|d| d.severity == Severity::Error).collect();
    assert!(errors.is_empty(), "{path}: {errors:#?}");
    compilation.objects()
}

/// Go yaml.v2-like reading: YAML 1.1 resolution of plain scalars.
fn read_yaml_1_1(text: &str) -> Value {
    let config = ParserConfig::new().version(YamlVersion::V1_1);
    let value: noyalib::Value = noyalib::from_str_with_config(text, &config).unwrap_or_else(|e| panic!("YAML 1.1 reader: {e}\n{text}"));
    serde_json::to_value(&value).unwrap()
}

fn read_serde_yaml_ng(text: &str) -> Value {
    serde_yaml_ng::from_str(text).unwrap_or_else(|e| panic!("serde_yaml_ng: {e}\n{text}"))
}

fn read_saphyr(text: &str) -> Value {
    fn to_json(y: &Yaml) -> Value {
        match y {
            Yaml::Value(Scalar::Null) => Value::Null,
            Yaml::Value(Scalar::Boolean(b)) => json!(b),
            Yaml::Value(Scalar::Integer(i)) => json!(i),
            Yaml::Value(Scalar::FloatingPoint(f)) => json!(f.into_inner()),
            Yaml::Value(Scalar::String(s)) => json!(s),
            Yaml::Sequence(items) => Value::Array(items.iter().map(to_json).collect()),
            Yaml::Mapping(map) => Value::Object(
                map.iter()
                    .map(|(k, v)| match k {
                        Yaml::Value(Scalar::String(s)) => (s.to_string(), to_json(v)),
                        other => panic!("saphyr read a non-string key {other:?}"),
                    })
                    .collect(),
            ),
            other => panic!("saphyr: unexpected node {other:?}"),
        }
    }
    let docs = Yaml::load_from_str(text).unwrap_or_else(|e| panic!("saphyr: {e}\n{text}"));
    assert_eq!(docs.len(), 1);
    to_json(&docs[0])
}

type Reader = (&'static str, fn(&str) -> Value);

const READERS: [Reader; 3] = [("YAML 1.1 (noyalib)", read_yaml_1_1), ("serde_yaml_ng", read_serde_yaml_ng), ("YAML 1.2 (saphyr)", read_saphyr)];

/// Where two values first differ, as a JSON pointer.
fn first_difference(a: &Value, b: &Value, at: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            if x.len() != y.len() {
                return Some(format!("{at} (keys {:?} vs {:?})", x.keys().collect::<Vec<_>>(), y.keys().collect::<Vec<_>>()));
            }
            x.iter().find_map(|(k, v)| y.get(k).map_or_else(|| Some(format!("{at}/{k} missing")), |w| first_difference(v, w, &format!("{at}/{k}"))))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => x.iter().zip(y).enumerate().find_map(|(i, (v, w))| first_difference(v, w, &format!("{at}/{i}"))),
        _ if a == b => None,
        _ => Some(format!("{at}: rendered {a}, read back {b}")),
    }
}

fn assert_reads_back(what: &str, text: &str, expected: &Value) {
    for (reader, read) in READERS {
        let actual = read(text);
        if let Some(diff) = first_difference(expected, &actual, "") {
            panic!("{what} reads back differently with {reader}: {diff}\n{text}");
        }
    }
}

#[test]
fn the_readers_are_what_they_claim() {
    // The YAML 1.1 reader really misreads the unquoted forms, as kubectl would.
    let plain = read_yaml_1_1("a: on\nb: y\nc: NO\nd: ~\ne: 0755\nf: 1:30\ng: 0x1F\nh: 1e3\n");
    assert_eq!(plain, json!({"a": true, "b": true, "c": false, "d": null, "e": 493, "f": 90, "g": 31, "h": 1000.0}));
    // serde_yaml_ng resolves like YAML 1.2 for the words and leading-zero numbers.
    let ng = read_serde_yaml_ng("a: on\nb: y\nc: NO\nd: ~\ne: 0755\nf: 1:30\n");
    assert_eq!(ng, json!({"a": "on", "b": "y", "c": "NO", "d": null, "e": "0755", "f": "1:30"}));
    // A plain `<<` key merges a mapping in with YAML 1.1; the writer quotes it, which Go's yaml.v2
    // honours (it merges only the plain form). noyalib merges even a quoted `<<` key, so this one
    // case is checked on the writer's text rather than read back with it.
    let plain_merge = noyalib::from_str_with_config::<noyalib::Value>("<<: x\n", &ParserConfig::new().version(YamlVersion::V1_1));
    assert!(plain_merge.is_err(), "a plain << key is a merge key in YAML 1.1");
    assert_eq!(yaml::to_string(&json!({"<<": "<<"})), "\"<<\": \"<<\"\n");
    assert_eq!(read_serde_yaml_ng("\"<<\": \"<<\"\n"), json!({"<<": "<<"}));
    // And every reader reads quoted forms as strings.
    for (_, read) in READERS {
        assert_eq!(read("a: \"on\"\nb: \"0755\"\n"), json!({"a": "on", "b": "0755"}));
    }
}

/// The strings of the fixture that a YAML 1.1 reader would misread unquoted, by JSON pointer into
/// connect.yaml.
const CONNECT_VALUES: [(&str, &str); 22] = [
    ("/sinks/ambiguous/config/a-on", "on"),
    ("/sinks/ambiguous/config/a-yes", "yes"),
    ("/sinks/ambiguous/config/a-off", "off"),
    ("/sinks/ambiguous/config/a-y", "y"),
    ("/sinks/ambiguous/config/a-n", "n"),
    ("/sinks/ambiguous/config/a-tilde", "~"),
    ("/sinks/ambiguous/config/a-octal", "0755"),
    ("/sinks/ambiguous/config/a-exp", "1e3"),
    ("/sinks/ambiguous/config/a-hex", "0x1F"),
    ("/sinks/ambiguous/config/a-date", "2024-01-01"),
    ("/sinks/ambiguous/config/a-upper", "NO"),
    ("/sinks/ambiguous/config/a-null", "null"),
    ("/sinks/ambiguous/config/a-sexagesimal", "1:30"),
    ("/sinks/ambiguous/config/a-underscore", "1_000"),
    ("/sinks/ambiguous/config/a-empty", ""),
    ("/sinks/ambiguous/config/on", "key-on"),
    ("/sinks/ambiguous/config/y", "key-y"),
    ("/sinks/ambiguous/config/a-merge", "<<"),
    ("/sinks/ambiguous/config/nested/0", "yes"),
    ("/sinks/ambiguous/config/nested/1", "~"),
    ("/sinks/ambiguous/topics/0", "yes"),
    ("/sinks/ambiguous/consumer_group", "off"),
];

#[test]
fn ambiguous_strings_survive_yaml_1_1_and_1_2_readers() {
    let objects = render_path("tests/fixtures/render/yaml11");
    for o in &objects {
        assert_reads_back(&format!("{} {}", o.kind, o.name), &yaml::to_string(&o.value), &o.value);
    }
    let find = |kind: &str, name: &str| &objects.iter().find(|o| o.kind == kind && o.name == name).unwrap().value;
    // The pod knobs, read as kubectl reads them.
    for name in ["rivven-connect-yaml11", "rivven-yaml11"] {
        let kind = if name.starts_with("rivven-connect") { "Deployment" } else { "StatefulSet" };
        let v = read_yaml_1_1(&yaml::to_string(find(kind, name)));
        let template = &v["spec"]["template"];
        assert_eq!(template["metadata"]["labels"]["answer"], "y", "{name}: pod label");
        assert_eq!(template["metadata"]["annotations"]["example.com/enabled"], "true", "{name}: pod annotation");
        let env = template["spec"]["containers"][0]["env"].as_array().unwrap();
        assert!(env.iter().any(|e| e["name"] == "FEATURE" && e["value"] == "no"), "{name}: env value");
    }
    let connect = read_yaml_1_1(&yaml::to_string(find("Deployment", "rivven-connect-yaml11")));
    assert_eq!(connect["spec"]["template"]["metadata"]["annotations"]["example.com/mode"], "0755");
    assert!(connect["spec"]["template"]["spec"]["containers"][0]["env"].as_array().unwrap().iter().any(|e| e["name"] == "LEVEL" && e["value"] == "on"));
    assert_eq!(read_yaml_1_1(&yaml::to_string(find("ConfigMap", "rivven-connect-yaml11-config")))["metadata"]["labels"]["flag"], "n");

    // connect.yaml itself is YAML too, read by rivven-connect: the connector config keeps its strings.
    let config_map = find("ConfigMap", "rivven-connect-yaml11-config");
    let connect_yaml = config_map["data"]["connect.yaml"].as_str().unwrap();
    for (reader, read) in READERS {
        let doc = read(connect_yaml);
        for (pointer, expected) in CONNECT_VALUES {
            assert_eq!(doc.pointer(pointer), Some(&json!(expected)), "{reader}: connect.yaml {pointer}\n{connect_yaml}");
        }
        // Numbers and booleans stay numbers and booleans.
        assert_eq!(doc.pointer("/settings/health/port"), Some(&json!(8080)), "{reader}");
        assert_eq!(doc.pointer("/sinks/ambiguous/enabled"), Some(&json!(true)), "{reader}");
    }
}

#[test]
fn every_rendered_object_of_every_input_reads_back_unchanged() {
    for path in ["examples", "tests/fixtures/render/maximal", "tests/fixtures/render/yaml11"] {
        for o in render_path(path) {
            let text = yaml::to_string(&o.value);
            assert_reads_back(&format!("{path}: {} {}", o.kind, o.name), &text, &o.value);
            // Documents embedded as text (connect.yaml, JSON plans) parse the same with every reader.
            for (key, data) in o.value["data"].as_object().into_iter().flatten() {
                let data = data.as_str().unwrap();
                if key.ends_with(".yaml") || key.ends_with(".json") {
                    let reference = read_saphyr(data);
                    assert_reads_back(&format!("{path}: {} {} data {key}", o.kind, o.name), data, &reference);
                }
            }
        }
    }
}
