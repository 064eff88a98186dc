//! Credentials in the model: which field names hold secrets (never echoed, never rendered into a
//! ConfigMap) and which Secrets a resource references.
use std::collections::BTreeSet;

use super::RivvenConnect;

/// Words that make a field name a credential's (compared without case, `_`, `-` or `.`).
const CREDENTIAL_WORDS: [&str; 8] = ["password", "passwd", "secret", "token", "credential", "privatekey", "apikey", "authorization"];

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


/// The Secrets a RivvenConnect's connectors read their credentials from (`configSecretRef`).
pub fn secret_refs(connect: &RivvenConnect) -> BTreeSet<String> {
    let sources = connect.spec.sources.iter().map(|s| &s.config_secret_ref);
    let sinks = connect.spec.sinks.iter().map(|s| &s.config_secret_ref);
    sources.chain(sinks).flatten().cloned().collect()
}
