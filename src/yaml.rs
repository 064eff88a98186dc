//! A small, deterministic YAML writer for JSON values. Every string that a YAML 1.1 reader (Go's
//! yaml.v2 as used by kubectl and Argo CD) or a YAML 1.2 reader could take for something other
//! than a string is quoted, so every consumer reads the same values.
use serde_json::Value;

/// Writes one document (without the `---` separator), ending in a newline.
pub fn to_string(value: &Value) -> String {
    let mut out = String::with_capacity(1024);
    match value {
        Value::Object(map) if !map.is_empty() => write_mapping(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_sequence(&mut out, items, 0),
        scalar => {
            write_scalar(&mut out, scalar, 0);
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, n: usize) {
    out.extend(std::iter::repeat_n(' ', n));
}

fn write_mapping(out: &mut String, map: &serde_json::Map<String, Value>, level: usize) {
    for (key, value) in map {
        indent(out, level);
        write_string(out, key, level, true);
        out.push(':');
        write_nested(out, value, level);
    }
}

fn write_sequence(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                // First entry on the dash line, the rest aligned under it.
                out.push(' ');
                let mut first = true;
                for (key, value) in map {
                    if !first {
                        indent(out, level + 2);
                    }
                    first = false;
                    write_string(out, key, level + 2, true);
                    out.push(':');
                    write_nested(out, value, level + 2);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_sequence(out, inner, level + 2);
            }
            scalar => {
                out.push(' ');
                write_scalar(out, scalar, level + 2);
                out.push('\n');
            }
        }
    }
}

/// Writes what follows `key:`.
fn write_nested(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push('\n');
            write_mapping(out, map, level + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push('\n');
            write_sequence(out, items, level);
        }
        scalar => {
            out.push(' ');
            write_scalar(out, scalar, level + 2);
            out.push('\n');
        }
    }
}

fn write_scalar(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(out, s, level, false),
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
    }
}

fn write_string(out: &mut String, s: &str, level: usize, is_key: bool) {
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
