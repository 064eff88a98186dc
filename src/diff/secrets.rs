//! Secret-like values are masked before anything is compared or printed, so no output format can
//! show one: every value under a Secret's `data` or `stringData`, every value of a key that names
//! a credential (also inside the documents a ConfigMap holds, and the `value` of an env entry whose
//! `name` does), and every value that looks like a credential (a private key, a JWT, a cloud access
//! key). A mask says how many bytes the value had and, on the new side, whether it changed.
use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::model::secrets::{is_placeholder, looks_like_credential, names_a_credential, secret_in_line, unquote};

/// The values masked in both sides, for the last check of the printed output.
#[derive(Debug, Default)]
pub struct Masked {
    /// Every raw value that was masked.
    pub values: Vec<String>,
    /// How many times [`Masked::scrub`] had to replace one.
    scrubbed: std::cell::Cell<usize>,
}

/// Shortest masked value the last guard looks for: a shorter one (`demo`) is as likely to be a
/// name as the secret, and replacing it everywhere would point at it.
const SCRUB_MIN_BYTES: usize = 8;

impl Masked {
    /// Replaces any masked value still present in `text`: a last guard for a value the masks
    /// missed because it is also written somewhere they do not look. Counted: the tests require 0.
    pub fn scrub(&self, text: String) -> String {
        let mut text = text;
        for value in self.values.iter().filter(|v| v.len() >= SCRUB_MIN_BYTES) {
            if text.contains(value.as_str()) {
                self.scrubbed.set(self.scrubbed.get() + 1);
                text = text.replace(value.as_str(), &mask(value.len(), false));
            }
        }
        text
    }

    /// How many replacements the last guard made (0 when the masks caught everything).
    pub fn scrubbed(&self) -> usize {
        self.scrubbed.get()
    }
}

/// The text that stands for a secret of `bytes` bytes.
pub fn mask(bytes: usize, changed: bool) -> String {
    format!("<secret: {bytes} bytes{}>", if changed { ", changed" } else { "" })
}

/// Masks the secret-like values of the two versions of one object (`None`: the object is absent
/// on that side). A value that differs between the sides is marked changed on the new side.
pub fn mask_pair(kind: &str, before: Option<&Value>, after: Option<&Value>, masked: &mut Masked) -> (Option<Value>, Option<Value>) {
    let mut old = BTreeMap::new();
    let before = before.map(|v| mask_value(kind, v, &mut old, None));
    let mut new = BTreeMap::new();
    let after = after.map(|v| mask_value(kind, v, &mut new, Some(&old)));
    masked.values.extend(old.into_values().chain(new.into_values()));
    (before, after)
}

/// Where a secret was found: a JSON pointer, plus a key and occurrence inside an embedded document.
type Found = BTreeMap<String, String>;

fn mask_value(kind: &str, value: &Value, found: &mut Found, old: Option<&Found>) -> Value {
    let mut walker = Walker { found, old, secret_data: kind == "Secret", config_map: kind == "ConfigMap" };
    walker.value("", value, false)
}

struct Walker<'a> {
    found: &'a mut Found,
    old: Option<&'a Found>,
    secret_data: bool,
    config_map: bool,
}

impl Walker<'_> {
    fn value(&mut self, pointer: &str, value: &Value, secret: bool) -> Value {
        match value {
            Value::Object(map) => Value::Object(self.map(pointer, map, secret)),
            Value::Array(items) => {
                // Entries with distinct names are keyed by name, as the diff matches them, so a
                // secret is compared with the same entry's on the other side wherever it moved.
                let names = super::fields::names(items);
                let key = |i: usize| match &names {
                    Some(n) => format!("{pointer}/[name={}]", n[i]),
                    None => format!("{pointer}/{i}"),
                };
                Value::Array(items.iter().enumerate().map(|(i, v)| self.value(&key(i), v, secret)).collect())
            }
            Value::String(s) if !secret && self.config_map && is_data(pointer) => Value::String(self.embedded(pointer, s)),
            Value::String(s) if secret || looks_like_credential(s) => Value::String(self.hide(pointer.to_owned(), s)),
            other => other.clone(),
        }
    }

    fn map(&mut self, pointer: &str, map: &Map<String, Value>, inherited: bool) -> Map<String, Value> {
        let env_secret = map.get("name").and_then(Value::as_str).is_some_and(names_a_credential);
        map.iter()
            .map(|(key, v)| {
                let child = format!("{pointer}/{}", crate::source::pointer::escape_token(key));
                let secret = inherited
                    || (self.secret_data && pointer.is_empty() && (key == "data" || key == "stringData"))
                    || (names_a_credential(key) && !is_placeholder_value(v))
                    || (env_secret && key == "value");
                (key.clone(), self.value(&child, v, secret))
            })
            .collect()
    }

    /// Records a secret and returns its mask.
    fn hide(&mut self, at: String, raw: &str) -> String {
        let changed = self.old.is_some_and(|old| old.get(&at).is_some_and(|before| before != raw));
        let text = mask(raw.len(), changed);
        self.found.insert(at, raw.to_owned());
        text
    }

    /// Masks a document held in a ConfigMap. One that parses is walked like the object itself (a
    /// credential key's whole value, block scalars, lists and nested mappings included) and, when it
    /// held a secret, written again from the masked content; one that does not parse is masked line
    /// by line.
    fn embedded(&mut self, pointer: &str, text: &str) -> String {
        if let Some(document) = super::parse_embedded(text) {
            let found = self.found.len();
            let masked = self.value(&format!("{pointer}#"), &document, false);
            if self.found.len() == found {
                return text.to_owned();
            }
            return if text.trim_start().starts_with('{') {
                format!("{}\n", serde_json::to_string_pretty(&masked).expect("JSON values serialize"))
            } else {
                crate::yaml::to_string(&masked)
            };
        }
        if !text.trim_end().contains('\n') && looks_like_credential(text) {
            return self.hide(pointer.to_owned(), text);
        }
        self.embedded_lines(pointer, text)
    }

    /// Masks `key: value` lines (YAML) and `"key": "value"` pairs (JSON, one per line), where the
    /// key names a credential or the value looks like one.
    fn embedded_lines(&mut self, pointer: &str, text: &str) -> String {
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let mut out = String::with_capacity(text.len());
        for line in text.split_inclusive('\n') {
            match secret_in_line(line) {
                Some((key, range)) => {
                    let n = seen.entry(key.clone()).or_default();
                    *n += 1;
                    let raw = &line[range.clone()];
                    let quote = if line[..range.start].trim_end().ends_with(':') && line.trim_start().starts_with('"') { '"' } else { '\'' };
                    let masked = self.hide(format!("{pointer}#{key}#{n}"), unquote(raw));
                    out.push_str(&line[..range.start]);
                    out.push(quote);
                    out.push_str(&masked);
                    out.push(quote);
                    out.push_str(&line[range.end..]);
                }
                None => out.push_str(line),
            }
        }
        out
    }
}

fn is_placeholder_value(value: &Value) -> bool {
    value.as_str().is_some_and(is_placeholder)
}

fn is_data(pointer: &str) -> bool {
    pointer.strip_prefix("/data/").is_some_and(|rest| !rest.contains('/'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn masked(kind: &str, before: Value, after: Value) -> (String, String, Masked) {
        let mut m = Masked::default();
        let (b, a) = mask_pair(kind, Some(&before), Some(&after), &mut m);
        (b.unwrap().to_string(), a.unwrap().to_string(), m)
    }

    #[test]
    fn secret_data_credential_keys_and_env_values_are_masked_with_byte_counts() {
        let before = json!({"data": {"a": "c2VjcmV0"}, "spec": {"password": "hunter22", "env": [{"name": "API_TOKEN", "value": "tok-123"}]}});
        let after = json!({"data": {"a": "c2VjcmV0"}, "spec": {"password": "hunter23", "env": [{"name": "API_TOKEN", "value": "tok-123"}]}});
        let (b, a, m) = masked("Secret", before, after);
        for raw in ["c2VjcmV0", "hunter22", "hunter23", "tok-123"] {
            assert!(!b.contains(raw) && !a.contains(raw), "{raw} leaked: {b} {a}");
        }
        assert!(a.contains("<secret: 8 bytes, changed>") && b.contains("<secret: 8 bytes>"), "{a}");
        assert!(a.contains("<secret: 7 bytes>"), "an unchanged value is not marked changed: {a}");
        assert_eq!(m.scrub("x hunter22 y".into()), "x <secret: 8 bytes> y");
        assert_eq!(m.scrubbed(), 1);
    }

    #[test]
    fn secrets_in_block_scalars_lists_and_nested_mappings_of_documents_are_masked() {
        let text = "sources:\n  s:\n    config:\n      db_password: |-\n        line1-secret\n        line2-secret\n      passwords:\n      - list-secret-1\n      credentials:\n        pass: nested-secret\n      api_token: \"x\\\"y #tail-secret\"\n";
        let v = json!({"data": {"connect.yaml": text}});
        let (b, _, _) = masked("ConfigMap", v.clone(), v);
        for raw in ["line1-secret", "list-secret-1", "nested-secret", "tail-secret"] {
            assert!(!b.contains(raw), "{raw} leaked: {b}");
        }
    }

    #[test]
    fn a_secret_that_moved_in_a_named_list_is_compared_with_its_own_entry() {
        let before = json!({"env": [{"name": "SINK_PASSWORD", "value": "aaaa1111"}]});
        let after = json!({"env": [{"name": "API_TOKEN", "value": "aaaa1111"}, {"name": "SINK_PASSWORD", "value": "bbbb2222"}]});
        let (_, a, _) = masked("Deployment", before, after);
        assert!(a.contains("\"API_TOKEN\",\"value\":\"<secret: 8 bytes>\"") || a.contains("<secret: 8 bytes>\",\"name\""), "{a}");
        assert!(a.contains("<secret: 8 bytes, changed>"), "SINK_PASSWORD's change is shown: {a}");
    }

    #[test]
    fn a_config_map_value_that_looks_like_a_credential_is_masked() {
        let v = json!({"data": {"DATABASE_URL": "postgres://app:pw-secret@db/x", "MODE": "standalone"}});
        let (b, _, _) = masked("ConfigMap", v.clone(), v);
        assert!(!b.contains("pw-secret") && b.contains("standalone"), "{b}");
    }

    #[test]
    fn placeholders_and_references_stay_visible() {
        let v = json!({"password": "${PG_PASSWORD}", "passwordFile": "/etc/p", "secretName": "s"});
        let (b, _, _) = masked("Deployment", v.clone(), v);
        assert!(b.contains("${PG_PASSWORD}") && b.contains("/etc/p") && b.contains("\"s\""), "{b}");
    }

    #[test]
    fn lines_of_embedded_documents_are_masked_and_still_parse() {
        let text = "sources:\n  pg:\n    config:\n      password: s3cr3t-value # note\n      user: app\n      token: '${TOKEN}'\n";
        let v = json!({"data": {"connect.yaml": text}});
        let (b, _, _) = masked("ConfigMap", v.clone(), v);
        assert!(!b.contains("s3cr3t-value") && b.contains("password: \\\"<secret: 12 bytes>\\\"") && b.contains("${TOKEN}"), "{b}");
        // A document that does not parse is masked line by line.
        let broken = json!({"data": {"connect.yaml": "a: [\npassword: s3cr3t-value # note\n"}});
        let (b, _, _) = masked("ConfigMap", broken.clone(), broken);
        assert!(!b.contains("s3cr3t-value") && b.contains("'<secret: 12 bytes>' # note"), "{b}");
        let json_text = "{\n  \"apiKey\": \"abcdef123\",\n  \"x\": 1\n}";
        let v = json!({"data": {"p.json": json_text}});
        let (b, _, _) = masked("ConfigMap", v.clone(), v);
        let inner: Value = serde_json::from_str(serde_json::from_str::<Value>(&b).unwrap()["data"]["p.json"].as_str().unwrap()).unwrap();
        assert_eq!(inner["apiKey"], "<secret: 9 bytes>");
    }

    #[test]
    fn values_that_look_like_credentials_are_masked_under_any_key() {
        for v in ["-----BEGIN RSA PRIVATE KEY-----\nMIIB", "AKIAABCDEFGHIJKLMNOP", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "ghp_abcdefghijklmnopqrstuvwx", "Bearer abc.def", "postgres://app:pw@db:5432/x", "org.Plain required username=\"u\" password=\"p\";"] {
            assert!(looks_like_credential(v), "{v}");
        }
        for v in ["rivven-demo", "10Gi", "eyJ", "AKIA", "postgres://app@db/x", "postgres://app:${PG_PASSWORD}@db", "http://rivven-schema-demo:8081"] {
            assert!(!looks_like_credential(v), "{v}");
        }
    }
}
