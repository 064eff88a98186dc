//! Field paths: JSON pointers for lookups, dotted paths for people.
use serde_json::Value;

pub use crate::model::secrets::is_sensitive;

/// Splits a JSON pointer into unescaped tokens.
pub fn tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    let unescape = |t: &str| if t.contains('~') { t.replace("~1", "/").replace("~0", "~") } else { t.to_owned() };
    pointer.trim_start_matches('/').split('/').map(unescape).collect()
}

/// `spec.sources[0].config` for `/spec/sources/0/config`, using the document to tell list indexes
/// from mapping keys.
pub fn display(document: &Value, pointer: &str) -> String {
    let mut out = String::new();
    let mut node = Some(document);
    for token in tokens(pointer) {
        match node {
            Some(Value::Array(items)) => {
                out.push_str(&format!("[{token}]"));
                node = token.parse::<usize>().ok().and_then(|i| items.get(i));
            }
            other => {
                if !out.is_empty() {
                    out.push('.');
                }
                if token.is_empty() || token.contains(['.', ' ', '[', ']']) {
                    out.push_str(&format!("{token:?}"));
                } else {
                    out.push_str(&token);
                }
                node = other.and_then(|n| n.get(&token));
            }
        }
    }
    out
}

/// Appends a token to a pointer.
pub fn join(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape_token(token))
}

/// Escapes one reference token of a JSON pointer.
pub fn escape_token(token: &str) -> String {
    if token.contains(['~', '/']) {
        token.replace('~', "~0").replace('/', "~1")
    } else {
        token.to_owned()
    }
}

/// A short rendering of a value for messages; redacted under sensitive field names.
pub fn show_value(pointer: &str, value: &Value) -> String {
    if is_sensitive(pointer) {
        return "(value hidden)".into();
    }
    let text = match value {
        Value::Object(_) => return "a mapping".into(),
        Value::Array(_) => return "a list".into(),
        Value::Null => return "null (empty)".into(),
        Value::String(s) => format!("{:?}", without_userinfo(s)),
        other => other.to_string(),
    };
    if text.chars().count() > 60 {
        format!("{}...", text.chars().take(57).collect::<String>())
    } else {
        text
    }
}

/// A URL-like text with its `user:password@` part hidden (`https://***@host/`): credentials in a URL
/// are never echoed, whatever the field is called.
pub fn without_userinfo(text: &str) -> std::borrow::Cow<'_, str> {
    let Some(scheme_end) = text.find("://") else { return text.into() };
    let rest = &text[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}://***{}", &text[..scheme_end], &rest[at..]).into(),
        None => text.into(),
    }
}

/// `string`, `integer`, ... of a value, as JSON Schema names types.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "list",
        Value::Object(_) => "mapping",
    }
}

/// Percent-encodes every byte of `text` except ASCII letters, digits, `-._~` and the bytes of `keep`
/// (a URI path keeps `/`; one path segment keeps nothing).
pub fn percent_encode(text: &str, keep: &[u8]) -> String {
    let mut out = String::new();
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn displays_indexes_and_keys() {
        let doc = json!({"spec": {"sources": [{"config": {"a/b": 1}}]}});
        assert_eq!(super::display(&doc, "/spec/sources/0/config/a~1b"), "spec.sources[0].config.a/b");
        assert_eq!(super::display(&doc, ""), "");
        assert_eq!(super::tokens("/a~0b/c~1d"), vec!["a~b", "c/d"]);
    }

    #[test]
    fn hides_credentials_in_urls() {
        assert_eq!(super::without_userinfo("htps://admin:hunter2@api.example.com/hook"), "htps://***@api.example.com/hook");
        assert_eq!(super::without_userinfo("https://api.example.com/a@b"), "https://api.example.com/a@b");
        assert_eq!(super::without_userinfo("plain text"), "plain text");
        assert!(!super::show_value("/spec/url", &json!("postgres://u:pw@db:5432/x")).contains("pw"));
    }

    #[test]
    fn hides_sensitive_values() {
        assert_eq!(super::show_value("/spec/config/password", &json!("hunter2")), "(value hidden)");
        assert_eq!(super::show_value("/spec/replicas", &json!("three")), "\"three\"");
    }
}

