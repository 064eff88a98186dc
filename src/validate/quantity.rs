//! Kubernetes resource quantities (`500m`, `2Gi`, `1e3`), parsed to compare them.

/// The value of a quantity in base units, or `None` if it is not a valid quantity.
pub fn parse(text: &str) -> Option<f64> {
    let text = text.trim();
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1.0, &text[1..]),
        b'-' => (-1.0, &text[1..]),
        _ => (1.0, text),
    };
    let number_len = rest.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(rest.len());
    let (number, suffix) = rest.split_at(number_len);
    if number.is_empty() || number == "." || number.matches('.').count() > 1 {
        return None;
    }
    let value: f64 = number.parse().ok()?;
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
            if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            10f64.powi(digits.parse::<i32>().ok()?)
        }
        _ => return None,
    };
    Some(sign * value * multiplier)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn parses_kubernetes_quantities() {
        let cases: &[(&str, Option<f64>)] = &[
            ("1", Some(1.0)),
            ("500m", Some(0.5)),
            ("2Gi", Some(2.0 * 1024f64.powi(3))),
            ("100Mi", Some(100.0 * 1024f64.powi(2))),
            ("1.5", Some(1.5)),
            ("1e3", Some(1000.0)),
            ("10G", Some(1e10)),
            ("", None),
            ("Gi", None),
            ("10GB", None),
            ("1.2.3", None),
            ("ten", None),
            ("1e", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse(text), *expected, "{text}");
        }
    }
}
