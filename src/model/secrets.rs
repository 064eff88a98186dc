//! Credentials in the model: which field names hold secrets (never echoed, never rendered into a
//! ConfigMap) and which Secrets a resource references.
use std::collections::BTreeSet;

use super::RivvenConnect;

/// Words that make a field name a credential's (compared without case, `_`, `-` or `.`).
const CREDENTIAL_WORDS: [&str; 10] = ["password", "passwd", "pwd", "passphrase", "secret", "token", "credential", "privatekey", "apikey", "authorization"];

fn normalized(key: &str) -> String {
    key.chars().filter(|c| c.is_ascii_alphanumeric()).collect::<String>().to_ascii_lowercase()
}

/// Field names whose values are never echoed in messages (credentials, and access key ids).
pub fn is_sensitive(pointer: &str) -> bool {
    let last = normalized(pointer.rsplit('/').next().unwrap_or(""));
    CREDENTIAL_WORDS.iter().chain(&["accesskey"]).any(|word| last.contains(word))
}

/// Whether a config key names a credential (a password, secret, token, credential, private or API
/// key), as opposed to a reference to one (`...File`, `...Path`, `...Ref`, `...Url`, ...).
pub fn names_a_credential(key: &str) -> bool {
    const REFERENCES: [&str; 11] = ["file", "path", "ref", "name", "url", "uri", "endpoint", "env", "id", "type", "enabled"];
    let k = normalized(key);
    CREDENTIAL_WORDS.iter().any(|w| k.contains(w)) && !REFERENCES.iter().any(|r| k.ends_with(r))
}


/// The key and the byte range of the value, when a line of YAML (`key: value`) or JSON
/// (`"key": "value",`) holds a credential: its key names one, or its value looks like one.
pub fn secret_in_line(line: &str) -> Option<(String, std::ops::Range<usize>)> {
    let body = line.trim_end_matches(['\n', '\r']);
    let start = body.len() - body.trim_start().len();
    let rest = body[start..].strip_prefix("- ").unwrap_or(&body[start..]);
    let offset = body.len() - rest.len();
    let colon = rest.find(": ")?;
    let key = rest[..colon].trim_matches(['"', '\'']);
    let value_start = offset + colon + 2;
    let value = without_comment(&body[value_start..]).trim_end().trim_end_matches(',').trim_end();
    let value_range = value_start..value_start + value.len();
    let raw = unquote(value);
    if value.is_empty() || matches!(value.chars().next(), Some('|' | '>' | '&' | '*')) || raw.is_empty() {
        return None;
    }
    if value.starts_with('{') || value.starts_with('[') {
        // A flow collection: all of it, when its key or a key inside it names a credential.
        let inner_key = value.split([',', '{', '[']).filter_map(|part| part.split_once(':')).any(|(k, _)| names_a_credential(k.trim().trim_matches(['"', '\''])));
        return (names_a_credential(key) || inner_key).then(|| (key.to_owned(), value_range));
    }
    ((names_a_credential(key) && !is_placeholder(raw)) || looks_like_credential(raw)).then(|| (key.to_owned(), value_range))
}

/// The value without a trailing ` # comment` (a quoted value ends at its closing quote).
fn without_comment(value: &str) -> &str {
    let v = value.trim_start();
    let lead = value.len() - v.len();
    match v.chars().next() {
        Some(q @ ('"' | '\'')) => {
            // The closing quote: `\"` escapes one inside double quotes, `''` inside single quotes.
            let bytes = v.as_bytes();
            let mut i = 1;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' if q == '"' => i += 2,
                    b'\'' if q == '\'' && bytes.get(i + 1) == Some(&b'\'') => i += 2,
                    c if c == q as u8 => return &value[..lead + i + 1],
                    _ => i += 1,
                }
            }
            value
        }
        _ => match v.find(" #") {
            Some(at) => &value[..lead + at],
            None => value,
        },
    }
}

pub fn unquote(value: &str) -> &str {
    let v = value.trim();
    if v.len() >= 2 && ((v.starts_with('"') && v.ends_with('"')) || (v.starts_with('\'') && v.ends_with('\''))) {
        &v[1..v.len() - 1]
    } else {
        v
    }
}

/// `${NAME}`: a reference to the environment, not a secret.
pub fn is_placeholder(value: &str) -> bool {
    value.starts_with("${") && value.ends_with('}') && value[2..value.len() - 1].chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':' || c == '-')
}

/// A URL with a password in its user info (`postgres://app:pw@db`), not a `${VAR}` one.
fn has_url_password(value: &str) -> bool {
    let Some((_, rest)) = value.split_once("://") else { return false };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.rsplit_once('@').is_some_and(|(user_info, _)| user_info.split_once(':').is_some_and(|(_, pw)| !pw.is_empty() && !is_placeholder(pw)))
}

/// Values that are credentials whatever their key: PEM private keys, JWTs, AWS access keys, GitHub
/// and Slack tokens, HTTP `Bearer`/`Basic` credentials, URLs with a password, `password=` settings
/// (a JAAS config).
pub fn looks_like_credential(value: &str) -> bool {
    let v = value.trim();
    v.contains("PRIVATE KEY-----")
        || (v.starts_with("eyJ") && v.matches('.').count() == 2 && v.len() > 30)
        || ((v.starts_with("AKIA") || v.starts_with("ASIA")) && v.len() == 20 && v.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()))
        || (["ghp_", "gho_", "ghs_", "github_pat_", "xoxb-", "xoxp-"].iter().any(|p| v.starts_with(p)) && v.len() > 20)
        || v.starts_with("Bearer ")
        || v.starts_with("Basic ")
        || has_url_password(v)
        || v.to_ascii_lowercase().contains("password=")
}

/// The line with the value of a credential replaced by as many `*` as it has bytes (so byte
/// offsets into the line stay valid): for source snippets in findings.
pub fn mask_line(line: &str) -> std::borrow::Cow<'_, str> {
    match secret_in_line(line) {
        Some((_, range)) => std::borrow::Cow::Owned(format!("{}{}{}", &line[..range.start], "*".repeat(range.len()), &line[range.end..])),
        None => std::borrow::Cow::Borrowed(line),
    }
}

/// The Secrets a RivvenConnect's connectors read their credentials from (`configSecretRef`).
pub fn secret_refs(connect: &RivvenConnect) -> BTreeSet<String> {
    let sources = connect.spec.sources.iter().map(|s| &s.config_secret_ref);
    let sinks = connect.spec.sinks.iter().map(|s| &s.config_secret_ref);
    sources.chain(sinks).flatten().cloned().collect()
}
