//! A small, deterministic YAML writer for JSON values. Every string that a YAML 1.1 reader (Go's
//! yaml.v2 as used by kubectl and Argo CD) or a YAML 1.2 reader could take for something other
//! than a string is quoted, so every consumer reads the same values.
use std::collections::BTreeMap;

use serde_json::Value;

/// Writes one document (without the `---` separator), ending in a newline.
pub fn to_string(value: &Value) -> String {
    Writer { out: String::with_capacity(1024), style: None, path: String::new() }.document(value)
}

/// How a document whose text is processed before YAML parsing is written (rivven-connect
/// substitutes `${VAR}` in the raw text of connect.yaml).
#[derive(Debug, Default)]
pub struct Style {
    /// Strings holding a `${` placeholder are single-quoted, so that the substituted text stays
    /// one string whatever the value (only `'` and line breaks cannot pass).
    pub quote_placeholders: bool,
    /// Scalars written exactly as given, by JSON pointer (a numeric placeholder, a YAML tag).
    pub raw: BTreeMap<String, String>,
}

/// Writes one document with a [`Style`].
pub fn to_string_styled(value: &Value, style: &Style) -> String {
    Writer { out: String::with_capacity(1024), style: Some(style), path: String::new() }.document(value)
}

struct Writer<'a> {
    out: String,
    style: Option<&'a Style>,
    /// JSON pointer of the value being written (kept only when the style has raw scalars).
    path: String,
}

impl Writer<'_> {
    fn document(mut self, value: &Value) -> String {
        match value {
            Value::Object(map) if !map.is_empty() => self.mapping(map, 0),
            Value::Array(items) if !items.is_empty() => self.sequence(items, 0),
            scalar => {
                self.scalar(scalar, 0);
                self.out.push('\n');
            }
        }
        self.out
    }

    fn tracks_path(&self) -> bool {
        self.style.is_some_and(|s| !s.raw.is_empty())
    }

    /// Runs `f` with `segment` appended to the pointer.
    fn at(&mut self, segment: &str, f: impl FnOnce(&mut Self)) {
        if !self.tracks_path() {
            return f(self);
        }
        let len = self.path.len();
        self.path.push('/');
        self.path.push_str(&crate::source::pointer::escape_token(segment));
        f(self);
        self.path.truncate(len);
    }

    /// Runs `f` with array index `i` appended to the pointer (formatted only when tracked).
    fn at_index(&mut self, i: usize, f: impl FnOnce(&mut Self)) {
        if !self.tracks_path() {
            return f(self);
        }
        self.at(&i.to_string(), f)
    }

    fn indent(&mut self, n: usize) {
        indent(&mut self.out, n);
    }

    fn mapping(&mut self, map: &serde_json::Map<String, Value>, level: usize) {
        for (key, value) in map {
            self.indent(level);
            write_string(&mut self.out, key, level, true, false);
            self.out.push(':');
            self.at(key, |w| w.nested(value, level));
        }
    }

    fn sequence(&mut self, items: &[Value], level: usize) {
        for (i, item) in items.iter().enumerate() {
            self.indent(level);
            self.out.push('-');
            self.at_index(i, |w| match item {
                Value::Object(map) if !map.is_empty() => {
                    // First entry on the dash line, the rest aligned under it.
                    w.out.push(' ');
                    let mut first = true;
                    for (key, value) in map {
                        if !first {
                            w.indent(level + 2);
                        }
                        first = false;
                        write_string(&mut w.out, key, level + 2, true, false);
                        w.out.push(':');
                        w.at(key, |w| w.nested(value, level + 2));
                    }
                }
                Value::Array(inner) if !inner.is_empty() => {
                    w.out.push('\n');
                    w.sequence(inner, level + 2);
                }
                scalar => {
                    w.out.push(' ');
                    w.scalar(scalar, level + 2);
                    w.out.push('\n');
                }
            });
        }
    }

    /// Writes what follows `key:`.
    fn nested(&mut self, value: &Value, level: usize) {
        match value {
            Value::Object(map) if !map.is_empty() => {
                self.out.push('\n');
                self.mapping(map, level + 2);
            }
            Value::Array(items) if !items.is_empty() => {
                self.out.push('\n');
                self.sequence(items, level);
            }
            scalar => {
                self.out.push(' ');
                self.scalar(scalar, level + 2);
                self.out.push('\n');
            }
        }
    }

    fn scalar(&mut self, value: &Value, level: usize) {
        if let Some(raw) = self.style.and_then(|s| s.raw.get(&self.path)) {
            self.out.push_str(raw);
            return;
        }
        match value {
            Value::Null => self.out.push_str("null"),
            Value::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => self.out.push_str(&n.to_string()),
            Value::String(s) => {
                let quote = self.style.is_some_and(|st| st.quote_placeholders) && s.contains("${");
                write_string(&mut self.out, s, level, false, quote)
            }
            Value::Object(_) => self.out.push_str("{}"),
            Value::Array(_) => self.out.push_str("[]"),
        }
    }
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn write_string(out: &mut String, s: &str, level: usize, is_key: bool, single_quoted: bool) {
    if single_quoted && !s.contains(['\n', '\r']) && !s.chars().any(|c| c.is_control()) {
        out.push('\'');
        out.push_str(&s.replace('\'', "''"));
        out.push('\'');
        return;
    }
    if !is_key && can_be_literal_block(s) {
        let chomp = if !s.ends_with('\n') {
            "-"
        } else if s.ends_with("\n\n") {
            "+"
        } else {
            ""
        };
        out.push('|');
        out.push_str(chomp);
        let body = s.strip_suffix('\n').unwrap_or(s);
        for line in body.split('\n') {
            out.push('\n');
            if !line.is_empty() {
                indent(out, level);
                out.push_str(line);
            }
        }
        return;
    }
    if needs_quotes(s) {
        write_double_quoted(out, s);
    } else {
        out.push_str(s);
    }
}

fn can_be_literal_block(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with([' ', '\n'])
        && s.split('\n').all(|line| !line.ends_with([' ', '\t']))
        && s.chars().all(|c| c == '\n' || (!c.is_control() && c != '\u{feff}'))
}

fn write_double_quoted(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() || c == '\u{feff}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Whether a plain (unquoted) scalar would not read back as this exact string in YAML 1.1 or 1.2.
pub fn needs_quotes(s: &str) -> bool {
    if s.is_empty() || s.trim() != s {
        return true;
    }
    let first = s.as_bytes()[0];
    if b"-?:,[]{}#&*!|>'\"%@`~".contains(&first) {
        // Indicators; `-` and friends are fine only followed by a non-space, but keep it simple.
        return true;
    }
    if s.contains(": ") || s.contains(" #") || s.ends_with(':') || s.contains(['\n', '\t', '\r']) || s.chars().any(|c| c.is_control()) {
        return true;
    }
    is_special_word(s) || looks_numeric(s) || looks_like_timestamp(s)
}

fn is_special_word(s: &str) -> bool {
    // YAML 1.1 booleans and nulls (all case forms Go's yaml.v2 accepts), the 1.1 merge key `<<`
    // (as a plain key it merges a mapping in), and YAML 1.2 specials.
    const WORDS: &[&str] = &["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~", ".nan", ".inf", "-.inf", "+.inf", "=", "<<"];
    let lower = s.to_ascii_lowercase();
    WORDS.contains(&lower.as_str())
}

fn looks_numeric(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    if body.is_empty() {
        return false;
    }
    let b = body.as_bytes();
    // Decimal, octal (0755, 0o755), hex (0x1F), binary (0b1), with YAML 1.1 `_` separators and
    // sexagesimal `1:30`; floats `1.5`, `.5`, `1e3`, `1.`.
    if b[0].is_ascii_digit() || (b[0] == b'.' && b.len() > 1 && b[1].is_ascii_digit()) {
        return body.chars().all(|c| c.is_ascii_hexdigit() || matches!(c, '.' | '_' | ':' | 'x' | 'X' | 'o' | 'O' | 'e' | 'E' | '+' | '-'));
    }
    false
}

fn looks_like_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 8 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{needs_quotes, to_string};

    #[test]
    fn styled_documents_quote_placeholders_and_keep_raw_scalars() {
        let mut style = super::Style { quote_placeholders: true, ..Default::default() };
        style.raw.insert("/config/port".into(), "${port:-5432}".into());
        style.raw.insert("/sinks/0/start".into(), "!timestamp \"2024-01-01T00:00:00Z\"".into());
        let doc = json!({"config": {"password": "${password}", "port": "${port:-5432}", "note": "it's ${x}", "plain": "a"}, "sinks": [{"start": "x"}]});
        assert_eq!(
            super::to_string_styled(&doc, &style),
            "config:\n  password: '${password}'\n  port: ${port:-5432}\n  note: 'it''s ${x}'\n  plain: a\nsinks:\n- start: !timestamp \"2024-01-01T00:00:00Z\"\n"
        );
        // Substituted as text, as rivven-connect does, each value reads back as the same string.
        for value in ["12345", "true", "#x", "a: b", "x\"y", "back\\slash", "{[&*!"] {
            let text = super::to_string_styled(&json!({"password": "${password}"}), &style).replace("${password}", value);
            let back: serde_json::Value = serde_yaml_ng::from_str(&text).unwrap();
            assert_eq!(back["password"], json!(value), "{text}");
        }
    }

    #[test]
    fn quotes_every_ambiguous_string() {
        for s in ["on", "off", "yes", "No", "Y", "n", "true", "NULL", "~", "0755", "0x1F", "1e3", "1_000", "1:30", ".5", "12", "-1",
                  "2001-12-14", "", " lead", "trail ", "a: b", "#x", "- x", "*ref", "&a", "!tag", "%x", "@x", "`x", "{}", "[x]", "=", ".inf"] {
            assert!(needs_quotes(s), "{s:?} must be quoted");
        }
        for s in ["rivven-production", "ghcr.io/hupe1980/rivvend:0.0.22", "/health", "Always", "a b", "x-1"] {
            assert!(!needs_quotes(s), "{s:?} needs no quotes");
        }
    }

    #[test]
    fn writes_block_yaml() {
        let v = json!({"a": {"b": [1, "on", {"c": "0755", "d": []}], "e": {}}, "f": "line1\nline2\n", "g": null});
        assert_eq!(
            to_string(&v),
            "a:\n  b:\n  - 1\n  - \"on\"\n  - c: \"0755\"\n    d: []\n  e: {}\nf: |\n  line1\n  line2\ng: null\n"
        );
    }
}
