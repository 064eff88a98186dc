//! The companion's log lines on stderr: plain text or one JSON object per line (`--log-format`).
//! Nothing it logs comes from a Secret: the companion reads none.
use std::sync::OnceLock;

/// How lines are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    /// `2026-12-02T10:00:00Z INFO message key=value`.
    Text,
    /// `{"ts":"…","level":"INFO","msg":"…","key":"value"}`.
    Json,
}

static FORMAT: OnceLock<LogFormat> = OnceLock::new();

/// Chooses the format once, at start.
pub fn init(format: LogFormat) {
    let _ = FORMAT.set(format);
}

/// Writes one line; `fields` are (key, value) pairs.
pub fn line(level: &str, message: &str, fields: &[(&str, &str)]) {
    let now = super::clock::now();
    let text = match FORMAT.get().copied().unwrap_or(LogFormat::Text) {
        LogFormat::Json => {
            let mut object = serde_json::Map::new();
            object.insert("ts".into(), now.into());
            object.insert("level".into(), level.into());
            object.insert("msg".into(), message.into());
            for (k, v) in fields {
                object.insert((*k).into(), (*v).into());
            }
            serde_json::Value::Object(object).to_string()
        }
        LogFormat::Text => {
            let mut text = format!("{now} {level} {message}");
            for (k, v) in fields {
                if v.contains(' ') {
                    text.push_str(&format!(" {k}={v:?}"));
                } else {
                    text.push_str(&format!(" {k}={v}"));
                }
            }
            text
        }
    };
    eprintln!("{text}");
}

/// An informational line.
pub fn info(message: &str, fields: &[(&str, &str)]) {
    line("INFO", message, fields);
}

/// A warning line.
pub fn warn(message: &str, fields: &[(&str, &str)]) {
    line("WARN", message, fields);
}
