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
}

impl Masked {
    /// Replaces any masked value still present in `text` (a last guard: a value the masks missed
    /// because it was also written somewhere else). Values shorter than 4 bytes are left alone.
    pub fn scrub(&self, text: String) -> String {
        let mut text = text;
        for value in self.values.iter().filter(|v| v.len() >= 4) {
            if text.contains(value.as_str()) {
                text = text.replace(value.as_str(), &mask(value.len(), false));
            }
        }
        text
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
            Value::Array(items) => Value::Array(items.iter().enumerate().map(|(i, v)| self.value(&format!("{pointer}/{i}"), v, secret)).collect()),
            Value::String(s) if secret || looks_like_credential(s) => Value::String(self.hide(pointer.to_owned(), s)),
            Value::String(s) if self.config_map && is_data(pointer) => Value::String(self.embedded(pointer, s)),
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

    /// Masks `key: value` lines (YAML) and `"key": "value"` pairs (JSON, one per line) of a document
    /// held in a ConfigMap, where the key names a credential or the value looks like one.
    fn embedded(&mut self, pointer: &str, text: &str) -> String {
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
        assert!(!b.contains("s3cr3t-value") && b.contains("'<secret: 12 bytes>' # note") && b.contains("${TOKEN}"), "{b}");
        let json_text = "{\n  \"apiKey\": \"abcdef123\",\n  \"x\": 1\n}";
        let v = json!({"data": {"p.json": json_text}});
        let (b, _, _) = masked("ConfigMap", v.clone(), v);
        let inner: Value = serde_json::from_str(serde_json::from_str::<Value>(&b).unwrap()["data"]["p.json"].as_str().unwrap()).unwrap();
        assert_eq!(inner["apiKey"], "<secret: 9 bytes>");
    }

    #[test]
    fn values_that_look_like_credentials_are_masked_under_any_key() {
        for v in ["-----BEGIN RSA PRIVATE KEY-----\nMIIB", "AKIAABCDEFGHIJKLMNOP", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.sig", "ghp_abcdefghijklmnopqrstuvwx"] {
            assert!(looks_like_credential(v), "{v}");
        }
        for v in ["rivven-demo", "10Gi", "eyJ", "AKIA"] {
            assert!(!looks_like_credential(v), "{v}");
        }
    }
}
