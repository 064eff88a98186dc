//! Kubernetes' own rules for the values that end up in rendered objects (pure, table-tested), so
//! that what `validate` accepts the API server accepts. Each check returns why a value fails.

/// Why a value breaks a rule.
pub type Verdict = Result<(), String>;

fn label_chars(s: &str, first_letter: bool) -> bool {
    let b = s.as_bytes();
    let alnum = |c: u8| c.is_ascii_lowercase() || c.is_ascii_digit();
    !b.is_empty()
        && (if first_letter { b[0].is_ascii_lowercase() } else { alnum(b[0]) })
        && alnum(b[b.len() - 1])
        && b.iter().all(|&c| alnum(c) || c == b'-')
}

/// A DNS-1123 label (namespaces, pod names): at most 63 of `a-z`, `0-9`, `-`, alphanumeric at both ends.
pub fn dns1123_label(s: &str) -> Verdict {
    if s.len() > 63 {
        return Err(format!("is {} characters long; a DNS-1123 label has at most 63", s.len()));
    }
    if !label_chars(s, false) {
        return Err("must be a DNS-1123 label: lower-case letters, digits and `-`, starting and ending with a letter or digit".into());
    }
    Ok(())
}

/// A DNS-1035 label (Service names): like a DNS-1123 label, starting with a letter.
pub fn dns1035_label(s: &str) -> Verdict {
    if s.len() > 63 {
        return Err(format!("is {} characters long; a DNS-1035 label has at most 63", s.len()));
    }
    if !label_chars(s, true) {
        return Err("must be a DNS-1035 label: lower-case letters, digits and `-`, starting with a letter and ending with a letter or digit".into());
    }
    Ok(())
}

/// A DNS-1123 subdomain (most object names, Secret and ConfigMap names): at most 253 characters,
/// DNS-1123 labels joined by `.`.
pub fn dns1123_subdomain(s: &str) -> Verdict {
    if s.len() > 253 {
        return Err(format!("is {} characters long; a DNS-1123 subdomain has at most 253", s.len()));
    }
    if s.is_empty() || !s.split('.').all(|part| label_chars(part, false)) {
        return Err("must be a DNS-1123 subdomain: lower-case letters, digits, `-` and `.`, starting and ending with a letter or digit".into());
    }
    Ok(())
}

fn name_part(s: &str) -> bool {
    let b = s.as_bytes();
    !b.is_empty()
        && b.len() <= 63
        && b[0].is_ascii_alphanumeric()
        && b[b.len() - 1].is_ascii_alphanumeric()
        && b.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

/// A qualified name (label and annotation keys): `[prefix/]name`, the prefix a DNS-1123 subdomain,
/// the name at most 63 of `A-Za-z0-9-_.`, alphanumeric at both ends.
pub fn qualified_name(s: &str) -> Verdict {
    let (prefix, name) = match s.split_once('/') {
        Some((p, n)) => (Some(p), n),
        None => (None, s),
    };
    if let Some(p) = prefix {
        dns1123_subdomain(p).map_err(|e| format!("has a prefix `{p}` that {e}"))?;
    }
    if !name_part(name) {
        return Err("must be a qualified name: an optional DNS subdomain prefix and `/`, then at most 63 of letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit".into());
    }
    Ok(())
}

/// A label value: empty, or at most 63 of `A-Za-z0-9-_.`, alphanumeric at both ends.
pub fn label_value(s: &str) -> Verdict {
    if s.is_empty() || name_part(s) {
        return Ok(());
    }
    if s.len() > 63 {
        return Err(format!("is {} characters long; a label value has at most 63", s.len()));
    }
    Err("must be a label value: empty, or letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit".into())
}

/// Most bytes of all annotations of one object, keys included.
pub const MAX_ANNOTATIONS_BYTES: usize = 256 * 1024;

/// A key of a Secret or ConfigMap: at most 253 of `A-Za-z0-9-_.`.
pub fn data_key(s: &str) -> Verdict {
    if s.is_empty() || s.len() > 253 || !s.bytes().all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.')) || s == "." || s == ".." {
        return Err("must be a Secret or ConfigMap key: at most 253 of letters, digits, `-`, `_` and `.`".into());
    }
    Ok(())
}

/// An environment variable name as Kubernetes 1.34+ accepts it: printable ASCII except `=`.
pub fn env_var_name(s: &str) -> Verdict {
    if s.is_empty() || !s.bytes().all(|c| (b' '..=b'~').contains(&c) && c != b'=') {
        return Err("must be a non-empty environment variable name of printable ASCII characters other than `=`".into());
    }
    Ok(())
}

/// A Kubernetes quantity, by `resource.ParseQuantity`'s grammar: an optional sign, digits with an
/// optional fraction, then an SI suffix (`m`, `k`, `M`, ...), a binary suffix (`Ki`, `Mi`, ...) or a
/// decimal exponent (`e3`, `E-2`). No spaces. Returns the value in base units.
pub fn quantity(s: &str) -> Result<f64, String> {
    let bad = || Err(format!("`{s}` is not a Kubernetes quantity (e.g. `500m`, `2`, `512Mi`, `10Gi`, `1e3`)"));
    let (sign, rest) = match s.as_bytes().first() {
        Some(b'+') => (1.0, &s[1..]),
        Some(b'-') => (-1.0, &s[1..]),
        Some(_) => (1.0, s),
        None => return bad(),
    };
    let digits = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
    let mut number_len = digits;
    let mut fraction = 0;
    if rest.as_bytes().get(digits) == Some(&b'.') {
        fraction = rest[digits + 1..].bytes().take_while(|b| b.is_ascii_digit()).count();
        number_len = digits + 1 + fraction;
    }
    if digits + fraction == 0 {
        return bad();
    }
    let (number, suffix) = rest.split_at(number_len);
    let Ok(value) = number.parse::<f64>() else { return bad() };
    let multiplier = match suffix {
        "" => 1.0,
        "n" => 1e-9,
        "u" => 1e-6,
        "m" => 1e-3,
        "k" => 1e3,
        "M" => 1e6,
        "G" => 1e9,
        "T" => 1e12,
        "P" => 1e15,
        "E" => 1e18,
        "Ki" => 1024f64,
        "Mi" => 1024f64.powi(2),
        "Gi" => 1024f64.powi(3),
        "Ti" => 1024f64.powi(4),
        "Pi" => 1024f64.powi(5),
        "Ei" => 1024f64.powi(6),
        exponent if exponent.starts_with(['e', 'E']) => {
            let digits = &exponent[1..];
            let unsigned = digits.strip_prefix(['+', '-']).unwrap_or(digits);
            if unsigned.is_empty() || unsigned.len() > 4 || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                return bad();
            }
            let Ok(e) = digits.parse::<i32>() else { return bad() };
            10f64.powi(e)
        }
        _ => return bad(),
    };
    Ok(sign * value * multiplier)
}

/// A broker topic name ([`crate::model::common::TOPIC_PATTERN`], at most 255 characters).
pub fn topic_name(s: &str) -> Verdict {
    let b = s.as_bytes();
    if b.is_empty() || b.len() > 255 || !b[0].is_ascii_alphanumeric() || !b.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-')) {
        return Err("is not a broker topic name: at most 255 of letters, digits, `.`, `_` and `-`, starting with a letter or digit".into());
    }
    Ok(())
}

/// An RFC 3339 date-time that exists (`2024-02-29T23:59:60Z`, `2024-01-01T00:00:00.5+02:00`).
pub fn rfc3339(s: &str) -> Verdict {
    let bad = || Err(format!("`{s}` is not an RFC 3339 date-time that exists (e.g. `2024-01-31T08:00:00Z`)"));
    let b = s.as_bytes();
    let num = |r: std::ops::Range<usize>| -> Option<u32> { s.get(r.clone()).filter(|t| t.bytes().all(|c| c.is_ascii_digit()))?.parse().ok() };
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') || b[13] != b':' || b[16] != b':' {
        return bad();
    }
    let (Some(year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (num(0..4), num(5..7), num(8..10), num(11..13), num(14..16), num(17..19)) else {
        return bad();
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return bad(),
    };
    if day == 0 || day > days || hour > 23 || minute > 59 || second > 60 {
        return bad();
    }
    let mut rest = &s[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let n = fraction.bytes().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return bad();
        }
        rest = &fraction[n..];
    }
    match rest {
        "Z" | "z" => Ok(()),
        offset if offset.len() == 6 && matches!(offset.as_bytes()[0], b'+' | b'-') && offset.as_bytes()[3] == b':' => {
            match (num(s.len() - 5..s.len() - 3), num(s.len() - 2..s.len())) {
                (Some(h), Some(m)) if h <= 23 && m <= 59 => Ok(()),
                _ => bad(),
            }
        }
        _ => bad(),
    }
}

/// An image reference as container runtimes parse it: `[registry[:port]/]path[:tag][@digest]`,
/// path components of lower-case letters and digits joined by `.`, `_`, `__` or dashes.
pub fn image_reference(s: &str) -> Verdict {
    let bad = |why: &str| Err(format!("`{s}` is not an image reference: {why}"));
    if s.is_empty() || s.len() > 512 || s.trim() != s {
        return bad("it is empty, too long or has spaces around it");
    }
    let (name, digest) = match s.split_once('@') {
        Some((n, d)) => (n, Some(d)),
        None => (s, None),
    };
    if let Some(d) = digest {
        let Some((algorithm, hex)) = d.split_once(':') else { return bad("a digest is `algorithm:hex`") };
        let algorithm_ok = algorithm.split(['-', '_', '+', '.']).all(|p| p.starts_with(|c: char| c.is_ascii_alphabetic()) && p.bytes().all(|c| c.is_ascii_alphanumeric()));
        if !algorithm_ok || hex.len() < 32 || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
            return bad("a digest is `algorithm:hex` with at least 32 hex digits");
        }
    }
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repository, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    if let Some(t) = tag {
        image_tag(t).map_err(|e| format!("`{s}` has a tag that {e}"))?;
    }
    if repository.len() > 255 {
        return bad("the repository name has more than 255 characters");
    }
    let mut components: Vec<&str> = repository.split('/').collect();
    if components.len() > 1 && (components[0].contains(['.', ':']) || components[0] == "localhost") {
        let registry = components.remove(0);
        let (host, port) = match registry.rsplit_once(':') {
            Some((h, p)) => (h, Some(p)),
            None => (registry, None),
        };
        let host_ok = host.split('.').all(|l| !l.is_empty() && l.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'-') && !l.starts_with('-') && !l.ends_with('-'));
        if !host_ok || port.is_some_and(|p| p.is_empty() || !p.bytes().all(|c| c.is_ascii_digit())) {
            return bad("the registry is a host name with an optional `:port`");
        }
    }
    for component in components {
        if !path_component(component) {
            return bad("repository path components are lower-case letters and digits joined by `.`, `_`, `__` or `-`");
        }
    }
    Ok(())
}

fn path_component(c: &str) -> bool {
    let b = c.as_bytes();
    if b.is_empty() || !b[0].is_ascii_alphanumeric() || !b[b.len() - 1].is_ascii_alphanumeric() || b.iter().any(|x| x.is_ascii_uppercase()) {
        return false;
    }
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        // A separator: `.`, `_`, `__` or one or more `-`.
        let start = i;
        if b[i] == b'-' {
            while i < b.len() && b[i] == b'-' {
                i += 1;
            }
        } else if b[i] == b'_' && b.get(i + 1) == Some(&b'_') {
            i += 2;
        } else if matches!(b[i], b'.' | b'_') {
            i += 1;
        } else {
            return false;
        }
        if i >= b.len() || !b[i].is_ascii_alphanumeric() || i == start {
            return false;
        }
    }
    true
}

/// An image tag: at most 128 of `A-Za-z0-9_.-`, not starting with `.` or `-`.
pub fn image_tag(t: &str) -> Verdict {
    let b = t.as_bytes();
    if b.is_empty() || b.len() > 128 || !(b[0].is_ascii_alphanumeric() || b[0] == b'_') || !b.iter().all(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b'-')) {
        return Err("must be an image tag: at most 128 of letters, digits, `_`, `.` and `-`, not starting with `.` or `-`".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_dns_rules() {
        for (s, label, subdomain, l1035) in [
            ("demo", true, true, true),
            ("a-1", true, true, true),
            ("1abc", true, true, false),
            ("a.b", false, true, false),
            ("-a", false, false, false),
            ("a-", false, false, false),
            ("Abc", false, false, false),
            ("", false, false, false),
            ("/abs/dir", false, false, false),
            ("x/../../y", false, false, false),
            ("a..b", false, false, false),
        ] {
            assert_eq!(dns1123_label(s).is_ok(), label, "label {s:?}");
            assert_eq!(dns1123_subdomain(s).is_ok(), subdomain, "subdomain {s:?}");
            assert_eq!(dns1035_label(s).is_ok(), l1035, "1035 {s:?}");
        }
        assert!(dns1123_label(&"a".repeat(63)).is_ok());
        assert!(dns1123_label(&"a".repeat(64)).is_err());
        assert!(dns1123_subdomain(&"a".repeat(100_000)).is_err());
    }

    #[test]
    fn label_keys_and_values() {
        for (s, ok) in [("team", true), ("example.com/team", true), ("app.kubernetes.io/name", true), ("a_b.c-d", true), ("/x", false), ("Example.com/x", false), ("a/b/c", false), ("x-", false), ("", false)] {
            assert_eq!(qualified_name(s).is_ok(), ok, "key {s:?}");
        }
        for (s, ok) in [("", true), ("v1.2_3-x", true), ("a b", false), ("-a", false), ("é", false)] {
            assert_eq!(label_value(s).is_ok(), ok, "value {s:?}");
        }
        assert!(label_value(&"a".repeat(64)).is_err());
    }

    #[test]
    fn quantities_follow_kubernetes_grammar() {
        for (s, want) in [("1", Some(1.0)), ("500m", Some(0.5)), ("2Gi", Some(2.0 * 1024f64.powi(3))), ("1.5", Some(1.5)), (".5", Some(0.5)), ("1e3", Some(1000.0)), ("1E3", Some(1000.0)), ("2E", Some(2e18)), ("-1", Some(-1.0)), ("+1k", Some(1000.0))] {
            assert_eq!(quantity(s).ok(), want, "{s}");
        }
        for s in ["", " 1Gi", "1Gi ", "1 Gi", "Gi", "10GB", "1.2.3", "1e", "ten", ".", "1e99999", "0x10"] {
            assert!(quantity(s).is_err(), "{s:?} must be refused");
        }
    }

    #[test]
    fn topics_env_names_and_keys() {
        assert!(topic_name("orders.v1_x-y").is_ok());
        for s in ["", "_schemas", "a b", "a/b", &"a".repeat(256)] {
            assert!(topic_name(s).is_err(), "{s:?}");
        }
        assert!(env_var_name("A.B-c").is_ok() && env_var_name("1X").is_ok());
        assert!(env_var_name("A=B").is_err() && env_var_name("").is_err() && env_var_name("é").is_err());
        assert!(data_key("tls.crt").is_ok() && data_key("a/b").is_err());
    }

    #[test]
    fn timestamps_must_exist() {
        for s in ["2024-02-29T00:00:00Z", "2024-01-31T23:59:60Z", "2024-01-01T00:00:00.123+02:00", "2024-01-01t00:00:00z"] {
            assert!(rfc3339(s).is_ok(), "{s}");
        }
        for s in ["2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-04-31T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T00:61:00Z", "2024-01-01T00:00:00+25:00", "2024-01-01T00:00:00", "2024-01-01T00:00:00.Z"] {
            assert!(rfc3339(s).is_err(), "{s}");
        }
    }

    #[test]
    fn image_references() {
        for s in [
            "ghcr.io/hupe1980/rivvend:0.0.22",
            "rivvend",
            "localhost:5000/rivvend:x",
            "my.registry/a/b_c__d--e:1.0-rc_1",
            "ghcr.io/hupe1980/rivvend@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "ghcr.io/x:tag@sha256:0123456789abcdef0123456789abcdef",
        ] {
            assert!(image_reference(s).is_ok(), "{s}");
        }
        for s in ["", " rivvend", "Rivvend", "ghcr.io/a b", "ghcr.io/x:", "ghcr.io/x:-bad", "x@sha256:short", "a//b", "a_-b", "ghcr.io:port/x"] {
            assert!(image_reference(s).is_err(), "{s:?}");
        }
    }
}
