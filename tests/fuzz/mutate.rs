//! The mutation fuzzer's engine, shared by `examples/fuzz.rs` (the long-running fuzzer) and
//! `tests/fuzz_regressions.rs` (the smoke budget in `cargo test`). Included with `#[path]`, so it
//! depends on nothing but the crate and std.
//!
//! Three parts:
//! - [`Rng`]: a small deterministic PRNG (splitmix64 seeding a xorshift64*), so a `--seed` replays.
//! - [`Mutator`]: byte-level and YAML-structure-aware mutations of seed texts.
//! - [`run_caught`]: one pass of load -> validate -> the three diagnostic formats -> render ->
//!   stream, under `catch_unwind`, with the panic message and location recorded instead of printed.
#![allow(dead_code)]

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Once;
use std::time::{Duration, Instant};

use rivven_render::compile::{compile_texts, CompileOptions};
use rivven_render::diagnostics::emit::{self, Format, Report};
use rivven_render::diagnostics::Diagnostics;
use rivven_render::load::{self, Loaded};

/// No input larger than this is generated.
pub const MAX_INPUT: usize = 2 * 1024 * 1024;

/// The stack a run gets: the size of a binary's main thread on Linux (test threads get 2 MiB, which
/// would report stack overflows the binary never has).
pub const RUN_STACK: usize = 8 * 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// PRNG
// ---------------------------------------------------------------------------------------------

/// xorshift64* seeded through splitmix64 (any seed, 0 included, gives a good state).
#[derive(Clone, Debug)]
pub struct Rng {
    state: u64,
}

impl Rng {
    pub fn new(seed: u64) -> Self {
        let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^= z >> 31;
        Self { state: if z == 0 { 0x2545_F491_4F6C_DD1D } else { z } }
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.state;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.state = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        assert!(n > 0);
        ((self.next_u64() >> 11) % n as u64) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `num / den`.
    pub fn chance(&mut self, num: usize, den: usize) -> bool {
        self.below(den) < num
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// A size from a rough log scale: small sizes often, huge ones sometimes.
    pub fn log_size(&mut self, max: usize) -> usize {
        let bits = self.below(usize::BITS as usize - max.leading_zeros() as usize + 1);
        let n = if bits == 0 { 1 } else { (1usize << (bits - 1)) + self.below(1usize << (bits - 1)) };
        n.clamp(1, max.max(1))
    }
}

// ---------------------------------------------------------------------------------------------
// Seeds
// ---------------------------------------------------------------------------------------------

/// A seed: where it came from and its text.
#[derive(Clone, Debug)]
pub struct Seed {
    pub name: String,
    pub text: String,
}

/// Every `*.yaml` under `examples/` and `tests/invalid/` of `root` (recursively, sorted).
pub fn load_seeds(root: &Path) -> Vec<Seed> {
    let mut files = Vec::new();
    for dir in ["examples", "tests/invalid"] {
        collect_yaml(&root.join(dir), &mut files);
    }
    files.sort();
    files
        .into_iter()
        .filter_map(|path| {
            let text = std::fs::read_to_string(&path).ok()?;
            let name = path.strip_prefix(root).unwrap_or(&path).display().to_string();
            Some(Seed { name, text })
        })
        .collect()
}

/// Every `*.yaml`/`*.yml` under `dir`, recursively.
pub fn collect_yaml(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            collect_yaml(&path, out);
        } else if matches!(path.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")) {
            out.push(path);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Mutations
// ---------------------------------------------------------------------------------------------

/// Scalars that have broken, or could break, a YAML reader or a typed model.
pub fn interesting_values() -> Vec<String> {
    let mut v: Vec<String> = [
        "1e999",
        "-1e999",
        "1e-999",
        "-1",
        "0",
        "-0",
        "1e3",
        "1E3",
        "1.5e2",
        "3.0",
        "3.5",
        "0.1",
        "99999999999999999999",
        "-99999999999999999999",
        "9223372036854775807",
        "9223372036854775808",
        "-9223372036854775809",
        "18446744073709551615",
        "18446744073709551616",
        "4294967296",
        "2147483648",
        "65536",
        "0x1F",
        "0o17",
        "0755",
        "+12",
        "1_000",
        ".inf",
        "-.inf",
        ".nan",
        ".NaN",
        "\"\"",
        "''",
        "~",
        "null",
        "Null",
        "true",
        "yes",
        "on",
        "no",
        "y",
        "*a",
        "*undefined",
        "&a x",
        "&a",
        "!!binary x",
        "!!binary aGVsbG8=",
        "!!str 1",
        "!!int x",
        "!!float x",
        "!!map x",
        "!!seq x",
        "!custom x",
        "!<tag:yaml.org,2002:str> x",
        "ｅ",
        "е",
        "ｄｅｍｏ",
        "dеmo",
        "\"\\t\"",
        "\"\\u0000\"",
        "\"\\x00\"",
        "\"\\uD800\"",
        "\"\\U0010FFFF\"",
        "\"\\q\"",
        "\"unterminated",
        "'unterminated",
        "[",
        "]",
        "{",
        "}",
        "[]",
        "{}",
        "[[]]",
        "{a: }",
        "[1, 2,]",
        "${x}",
        "$(POD_IP)",
        "{{ .Values.x }}",
        "/../../etc",
        "/abs/dir",
        "x/../../y",
        "a/b",
        "..",
        ".",
        "a b",
        " leading",
        "trailing ",
        "UPPER",
        "-leading-dash",
        "trailing-dash-",
        "a..b",
        "a_b",
        "a@b",
        "%",
        "@",
        "`",
        "#",
        "a #comment",
        "a#nocomment",
        "? x",
        ": x",
        "- x",
        "|",
        ">",
        "|-\n  literal",
        "\"a\\nb\"",
        "2024-02-30T25:61:00Z",
        "2024-01-01",
        "2024-01-01T00:00:00Z",
        "12:30:00",
        "1Gi",
        "-1Gi",
        " 1Gi",
        "1Gi ",
        "1.5Gi",
        "1e3Gi",
        "1Ei",
        "999999999999999999999Ei",
        "0.000000001m",
        "1Xi",
        "100m",
        "-100m",
        "1ki",
        "\u{FEFF}x",
        "\u{200B}",
        "\u{202E}abc",
        "\u{0085}",
        "\u{2028}",
        "a\u{0301}",
        "💥",
        "\u{10FFFF}",
        "\\",
        "\"\\\\\"",
        "<<",
        "=",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    v.push("x".repeat(70_000));
    v.push("a".repeat(64));
    v.push("a".repeat(254));
    v.push(format!("\"{}\"", "é".repeat(40_000)));
    v
}

const HOMOGLYPHS: &[(char, &[char])] = &[
    ('e', &['ｅ', 'е', 'ė', 'ℯ']),
    ('a', &['а', 'ａ', 'ɑ']),
    ('o', &['о', 'ο', '０', 'ｏ']),
    ('c', &['с', 'ϲ']),
    ('p', &['р', 'ρ']),
    ('i', &['і', 'ı', 'ｉ']),
    ('s', &['ѕ', 'ｓ']),
    ('n', &['ո', 'ｎ']),
    ('r', &['г', 'ｒ']),
    ('l', &['ӏ', '1', 'I']),
    ('m', &['ｍ', 'м']),
];

const INSERT_BYTES: &[u8] = b"\0\t\n\r :-#&*!|>'\"%@`{}[],?\\~=<.0123456789\x7f\x0b\x0c";

const INSERT_CHARS: &[&str] = &[
    "\u{FEFF}", "\u{200B}", "\u{202E}", "\u{0085}", "\u{2028}", "\u{2029}", "\u{00A0}", "\u{3000}", "ｅ", "е", "\u{0301}", "💥",
    "\u{FFFD}", "\u{1F}", "\r\n", "\t", "\0",
];

/// The mutations by name (some listed twice to be picked more often).
pub const MUTATIONS: &[&str] = &[
    "flip-bit",
    "insert-byte",
    "insert-char",
    "delete-bytes",
    "truncate",
    "delete-line",
    "duplicate-line",
    "swap-lines",
    "move-line",
    "reindent-line",
    "replace-scalar",
    "replace-scalar",
    "replace-scalar",
    "homoglyph-key",
    "duplicate-key",
    "empty-value",
    "toggle-quotes",
    "merge-key",
    "anchor-alias",
    "alias-bomb",
    "deep-flow",
    "deep-block-seq",
    "deep-block-map",
    "tab-indent",
    "doc-separator",
    "directive",
    "flow-document",
    "long-line",
    "crlf",
    "bom",
    "splice",
    "graft-line",
    "swap-kind",
    "many-documents",
    "comment",
    "jsonify",
];

/// Mutates texts within a size limit.
#[derive(Clone, Debug)]
pub struct Mutator {
    /// Longest text produced (at most [`MAX_INPUT`]).
    pub max_len: usize,
    values: Vec<String>,
}

impl Default for Mutator {
    fn default() -> Self {
        Self::new(MAX_INPUT)
    }
}

impl Mutator {
    pub fn new(max_len: usize) -> Self {
        Self { max_len: max_len.min(MAX_INPUT), values: interesting_values() }
    }

    /// Applies one to four stacked mutations to `input` (taking material from `others` for
    /// splices). Returns the text (never longer than `max_len`) and the names of the mutations.
    pub fn mutate(&self, rng: &mut Rng, input: &str, others: &[&str]) -> (String, Vec<&'static str>) {
        let mut text = input.to_owned();
        let mut applied = Vec::new();
        let stack = 1 + rng.below(4).min(rng.below(4));
        let mut attempts = 0;
        while applied.len() < stack && attempts < 20 {
            attempts += 1;
            let name = *rng.pick(MUTATIONS);
            if name == "jsonify" && !applied.is_empty() {
                // jsonify loads the text in this process: only the base input, which has run clean
                // (a seed or a pool entry), never a fresh mutant that might crash the loader
                continue;
            }
            if let Some(next) = self.apply(name, rng, &text, others) {
                if next.len() <= self.max_len && next != text {
                    text = next;
                    applied.push(name);
                }
            }
        }
        if text.len() > self.max_len {
            text = truncate_at_char(&text, self.max_len).to_owned();
        }
        (text, applied)
    }

    /// One named mutation, or `None` if it does not apply to this text.
    pub fn apply(&self, name: &str, rng: &mut Rng, text: &str, others: &[&str]) -> Option<String> {
        let room = self.max_len.saturating_sub(text.len());
        match name {
            "flip-bit" => {
                if text.is_empty() {
                    return None;
                }
                let mut bytes = text.as_bytes().to_vec();
                let i = rng.below(bytes.len());
                bytes[i] ^= 1 << rng.below(8);
                Some(lossy(bytes))
            }
            "insert-byte" => {
                let mut bytes = text.as_bytes().to_vec();
                let i = rng.below(bytes.len() + 1);
                let b = if rng.chance(1, 4) { rng.next_u64() as u8 } else { *rng.pick(INSERT_BYTES) };
                bytes.insert(i, b);
                Some(lossy(bytes))
            }
            "insert-char" => {
                let i = char_boundary(text, rng.below(text.len() + 1));
                Some(format!("{}{}{}", &text[..i], rng.pick(INSERT_CHARS), &text[i..]))
            }
            "delete-bytes" => {
                if text.is_empty() {
                    return None;
                }
                let mut bytes = text.as_bytes().to_vec();
                let i = rng.below(bytes.len());
                let n = rng.log_size(64).min(bytes.len() - i);
                bytes.drain(i..i + n);
                Some(lossy(bytes))
            }
            "truncate" => {
                if text.is_empty() {
                    return None;
                }
                Some(truncate_at_char(text, rng.below(text.len())).to_owned())
            }
            "delete-line" => {
                let mut lines = split_lines(text);
                if lines.is_empty() {
                    return None;
                }
                let i = rng.below(lines.len());
                let n = rng.log_size(8).min(lines.len() - i);
                lines.drain(i..i + n);
                Some(lines.concat())
            }
            "duplicate-line" => {
                let mut lines = split_lines(text);
                if lines.is_empty() {
                    return None;
                }
                let i = rng.below(lines.len());
                let n = rng.log_size(8).min(lines.len() - i);
                let copies = if rng.chance(1, 8) { rng.log_size(1000) } else { 1 };
                let block: Vec<String> = lines[i..i + n].to_vec();
                let block_len: usize = block.iter().map(|l| l.len() + 1).sum();
                if block_len * copies > room {
                    return None;
                }
                for _ in 0..copies {
                    for (k, l) in block.iter().enumerate() {
                        lines.insert(i + k, ensure_newline(l));
                    }
                }
                Some(lines.concat())
            }
            "swap-lines" => {
                let mut lines = split_lines(text);
                if lines.len() < 2 {
                    return None;
                }
                let (a, b) = (rng.below(lines.len()), rng.below(lines.len()));
                lines.swap(a, b);
                Some(fix_last_newlines(lines))
            }
            "move-line" => {
                let mut lines = split_lines(text);
                if lines.len() < 2 {
                    return None;
                }
                let line = lines.remove(rng.below(lines.len()));
                let to = rng.below(lines.len() + 1);
                lines.insert(to, line);
                Some(fix_last_newlines(lines))
            }
            "reindent-line" => {
                let mut lines = split_lines(text);
                if lines.is_empty() {
                    return None;
                }
                let i = rng.below(lines.len());
                let line = &lines[i];
                lines[i] = if rng.chance(1, 2) {
                    format!("{}{line}", " ".repeat(rng.range(1, 4)))
                } else {
                    let strip = line.len() - line.trim_start_matches(' ').len();
                    line[strip.min(rng.range(1, 4))..].to_owned()
                };
                Some(lines.concat())
            }
            "replace-scalar" => {
                let (mut lines, i, start) = pick_line(text, rng, value_start)?;
                let value = if rng.chance(1, 10) { random_number(rng) } else { rng.pick(&self.values).clone() };
                if value.len() > room + lines[i].len() {
                    return None;
                }
                let eol = line_ending(&lines[i]);
                lines[i] = format!("{}{value}{eol}", &lines[i][..start]);
                Some(lines.concat())
            }
            "homoglyph-key" => {
                let (mut lines, i, (ks, ke)) = pick_line(text, rng, key_range)?;
                let key = &lines[i][ks..ke];
                let mut new_key = String::new();
                let mut changed = false;
                let positions: Vec<usize> = key.char_indices().map(|(p, _)| p).collect();
                let target = *rng.pick(&positions);
                for (p, c) in key.char_indices() {
                    if p == target || (!changed && rng.chance(1, 6)) {
                        if let Some((_, subs)) = HOMOGLYPHS.iter().find(|(from, _)| *from == c.to_ascii_lowercase()) {
                            new_key.push(*rng.pick(subs));
                            changed = true;
                            continue;
                        }
                        if rng.chance(1, 3) {
                            new_key.extend(c.to_uppercase());
                            changed = true;
                            continue;
                        }
                    }
                    new_key.push(c);
                }
                if !changed {
                    new_key.push(*rng.pick(&['\u{200B}', ' ', '\u{00A0}', 's']));
                }
                lines[i] = format!("{}{new_key}{}", &lines[i][..ks], &lines[i][ke..]);
                Some(lines.concat())
            }
            "duplicate-key" => {
                let (mut lines, i, (ks, ke)) = pick_line(text, rng, key_range)?;
                let dup = format!("{}{}: {}\n", &lines[i][..ks], &lines[i][ks..ke], rng.pick(&self.values[..20]));
                lines.insert(i + 1, dup);
                Some(lines.concat())
            }
            "empty-value" => {
                let (mut lines, i, start) = pick_line(text, rng, value_start)?;
                let eol = line_ending(&lines[i]);
                lines[i] = format!("{}{eol}", lines[i][..start].trim_end());
                Some(lines.concat())
            }
            "toggle-quotes" => {
                let (mut lines, i, start) = pick_line(text, rng, value_start)?;
                let eol = line_ending(&lines[i]);
                let value = lines[i][start..].trim_end_matches(['\n', '\r']).to_owned();
                let new = if value.len() >= 2 && (value.starts_with('"') || value.starts_with('\'')) {
                    value[1..value.len() - 1].to_owned()
                } else if rng.chance(1, 2) {
                    format!("\"{value}\"")
                } else {
                    format!("'{value}'")
                };
                lines[i] = format!("{}{new}{eol}", &lines[i][..start]);
                Some(lines.concat())
            }
            "merge-key" => {
                let (mut lines, i, (ks, _)) = pick_line(text, rng, key_range)?;
                let indent = &lines[i][..ks].to_owned();
                let merge = match rng.below(6) {
                    0 => format!("{indent}<<: *x\n"),
                    1 => format!("{indent}<<: {{replicas: 3, extra: true}}\n"),
                    2 => format!("{indent}<<: [*a, *b]\n"),
                    3 => format!("{indent}<<: [{{a: 1}}, {{b: 2}}]\n"),
                    4 => format!("{indent}<<: 1\n"),
                    _ => format!("{indent}<<: *a\n"),
                };
                // Sometimes define the anchor the merge refers to, on an earlier mapping line.
                if rng.chance(1, 2) {
                    let earlier: Vec<usize> = (0..i).filter(|&j| lines[j].trim_end().ends_with(':') && key_range(&lines[j]).is_some()).collect();
                    if let Some(&j) = earlier.get(rng.below(earlier.len().max(1))) {
                        let eol = line_ending(&lines[j]);
                        let name = if merge.contains("*x") { "x" } else { "a" };
                        lines[j] = format!("{} &{name}{eol}", lines[j].trim_end_matches(['\n', '\r']));
                    }
                }
                lines.insert(i, merge);
                Some(lines.concat())
            }
            "anchor-alias" => {
                let (mut lines, candidates) = line_candidates(text, key_range);
                if candidates.len() < 2 {
                    return None;
                }
                let (a, _) = *rng.pick(&candidates);
                let (b, _) = *rng.pick(&candidates);
                let name = *rng.pick(&["a", "x", "anchor", "ｅ", "a1"]);
                // anchor on `a`'s value (scalar or block collection)
                let eol = line_ending(&lines[a]);
                let body = lines[a].trim_end_matches(['\n', '\r']).to_owned();
                lines[a] = match value_start(&body) {
                    Some(s) => format!("{}&{name} {}{eol}", &body[..s], &body[s..]),
                    None => format!("{body} &{name}{eol}"),
                };
                // alias as `b`'s value (which may come before the anchor: an undefined alias)
                let eol = line_ending(&lines[b]);
                let body = lines[b].trim_end_matches(['\n', '\r']).to_owned();
                let (_, ke) = key_range(&body)?;
                let alias_name = if rng.chance(1, 8) { "nope" } else { name };
                lines[b] = format!("{}: *{alias_name}{eol}", &body[..ke]);
                Some(lines.concat())
            }
            "alias-bomb" => {
                let levels = rng.range(2, 9);
                let width = rng.range(2, 10);
                let mut bomb = String::from("lol0: &l0 [\"lol\"]\n");
                for l in 1..=levels {
                    let refs = vec![format!("*l{}", l - 1); width].join(", ");
                    bomb.push_str(&format!("lol{l}: &l{l} [{refs}]\n"));
                }
                // put the bomb under a place that is read: metadata.labels / spec / top level
                let at = rng.below(3);
                let indented: String = match at {
                    0 => bomb.lines().map(|l| format!("  {l}\n")).collect(),
                    _ => bomb.clone(),
                };
                let mut lines = split_lines(text);
                let anchor_line = lines.iter().position(|l| l.starts_with("spec:") || l.starts_with("metadata:"));
                match (at, anchor_line) {
                    (0, Some(i)) => lines.insert(i + 1, indented),
                    _ => lines.push(format!("\n{indented}")),
                }
                let mut out = lines.concat();
                if rng.chance(1, 2) {
                    out.push_str(&format!("  replicas: *l{levels}\n"));
                }
                Some(out)
            }
            "deep-flow" => {
                let depth = rng.log_size(room.saturating_sub(16) / 2).max(1);
                let (open, close) = *rng.pick(&[("[", "]"), ("{a: ", "}"), ("{", "}"), ("[{a: ", "}]"), ("[", ""), ("{a: ", "")]);
                let per = open.len() + close.len();
                let depth = depth.min(room.saturating_sub(8) / per.max(1));
                if depth == 0 {
                    return None;
                }
                let nested = format!("{}1{}", open.repeat(depth), close.repeat(depth));
                Some(insert_as_value(rng, text, &nested))
            }
            "deep-block-seq" => {
                let depth = rng.log_size(room.saturating_sub(16) / 2).max(1);
                let nested = format!("{}x", "- ".repeat(depth));
                if rng.chance(1, 3) {
                    return Some(nested);
                }
                Some(insert_as_value(rng, text, &format!("\n  {nested}")))
            }
            "deep-block-map" => {
                // indentation grows with depth: the text is quadratic, so the depth stays moderate
                let mut depth = rng.log_size(4000);
                while depth > 1 && depth * (depth + 4) > room {
                    depth /= 2;
                }
                let mut nested = String::new();
                for d in 0..depth {
                    nested.push_str(&" ".repeat(d + 2));
                    nested.push_str("a:\n");
                }
                nested.push_str(&" ".repeat(depth + 2));
                nested.push_str("b: 1\n");
                let mut lines = split_lines(text);
                let at = lines.iter().position(|l| l.starts_with("spec:")).map(|i| i + 1).unwrap_or(lines.len());
                lines.insert(at, nested);
                Some(fix_last_newlines(lines))
            }
            "tab-indent" => {
                let (mut lines, i, ()) = pick_line(text, rng, |l| (l.starts_with(' ') || l.contains(": ")).then_some(()))?;
                let line = lines[i].clone();
                lines[i] = match rng.below(3) {
                    0 => {
                        let n = line.len() - line.trim_start_matches(' ').len();
                        format!("{}{}", "\t".repeat((n / 2).max(1)), &line[n..])
                    }
                    1 => format!("\t{line}"),
                    _ => line.replacen(": ", ":\t", 1),
                };
                Some(lines.concat())
            }
            "doc-separator" => {
                let mut lines = split_lines(text);
                let sep = *rng.pick(&["---\n", "...\n", "--- \n", "--- # c\n", "--- !tag\n", "--- |\n  text\n", "---\n---\n", "--- {}\n", "---\n...\n---\n"]);
                if rng.chance(1, 4) {
                    // the whole text again as a second document
                    if text.len() * 2 + 8 > self.max_len {
                        return None;
                    }
                    return Some(format!("{}{sep}{text}", ensure_newline(text)));
                }
                let i = rng.below(lines.len() + 1);
                lines.insert(i, sep.to_owned());
                Some(fix_last_newlines(lines))
            }
            "directive" => {
                let d = *rng.pick(&["%YAML 1.1\n---\n", "%YAML 1.2\n---\n", "%YAML 2.0\n---\n", "%TAG ! tag:x,2000:\n---\n", "%FOO bar\n---\n", "%YAML 1.2\n"]);
                Some(format!("{d}{text}"))
            }
            "flow-document" => {
                // a single-line document: every resource's keys on one line, padded to be long
                let kind = *rng.pick(&["RivvenCluster", "RivvenConnect", "RivvenTopic", "RivvenSchemaRegistry"]);
                let len = rng.log_size(room.clamp(100, 1_500_000));
                let mut doc = format!(
                    "{{\"apiVersion\": \"rivven.hupe1980.github.io/v1alpha1\", \"kind\": \"{kind}\", \"metadata\": {{\"name\": \"demo\", \"labels\": {{"
                );
                let mut i = 0;
                while doc.len() < len {
                    doc.push_str(&format!("\"k{i}\": \"v{i}\", "));
                    i += 1;
                }
                doc.push_str("\"last\": \"x\"}}, \"spec\": {\"replicas\": 1, \"clusterRef\": {\"name\": \"demo\"}");
                let ending = match rng.below(5) {
                    0 => "}}".to_owned(),
                    1 => format!(", \"replicas\": {}}}}}", rng.pick(&self.values[..30])),
                    2 => ", \"replicas\": ]}}".to_owned(), // syntax error at the end
                    3 => ", \"unknownField\": 1}}".to_owned(),
                    _ => ", \"storage\": {\"size\": \"-1Gi\"}}}".to_owned(),
                };
                doc.push_str(&ending);
                doc.push('\n');
                if doc.len() > room + text.len() {
                    return None;
                }
                if rng.chance(1, 2) {
                    Some(doc)
                } else {
                    Some(format!("{}---\n{doc}", ensure_newline(text)))
                }
            }
            "long-line" => {
                let mut lines = split_lines(text);
                if lines.is_empty() {
                    return None;
                }
                let n = if rng.chance(1, 2) { rng.range(65_000, 140_000) } else { rng.log_size(200_000) };
                if n + 64 > room {
                    return None;
                }
                let i = rng.below(lines.len());
                let eol = line_ending(&lines[i]);
                let body = lines[i].trim_end_matches(['\n', '\r']).to_owned();
                let pad = match rng.below(4) {
                    0 => " ".repeat(n),
                    1 => "x".repeat(n),
                    2 => "é".repeat(n / 2),
                    _ => format!("# {}", "c".repeat(n)),
                };
                let tail = *rng.pick(&["", " x: y", " : ", " \"", " ]", "\t", " *a", " 1e3"]);
                lines[i] = match value_start(&body) {
                    Some(s) if rng.chance(1, 2) => format!("{}{{pad: \"{}\", value: {}}}{tail}{eol}", &body[..s], pad.replace('"', ""), &body[s..]),
                    _ => format!("{body}{pad}{tail}{eol}"),
                };
                Some(lines.concat())
            }
            "crlf" => Some(match rng.below(4) {
                0 => text.replace("\r\n", "\n").replace('\n', "\r\n"),
                1 => text.replace('\n', "\r"),
                2 => {
                    let mut lines = split_lines(text);
                    if lines.is_empty() {
                        return None;
                    }
                    let i = rng.below(lines.len());
                    lines[i] = lines[i].replace('\n', "\r\n");
                    lines.concat()
                }
                _ => text.replacen('\n', "\r", 1),
            }),
            "bom" => Some(match rng.below(3) {
                0 => format!("\u{FEFF}{text}"),
                1 => format!("\u{FEFF}\u{FEFF}{text}"),
                _ => {
                    let i = char_boundary(text, rng.below(text.len() + 1));
                    format!("{}\u{FEFF}{}", &text[..i], &text[i..])
                }
            }),
            "splice" => {
                if others.is_empty() {
                    return None;
                }
                let other = others[rng.below(others.len())];
                let a = split_lines(text);
                let b = split_lines(other);
                let ca = rng.below(a.len() + 1);
                let cb = rng.below(b.len() + 1);
                let mut out = a[..ca].concat();
                if !out.is_empty() && !out.ends_with('\n') {
                    out.push('\n');
                }
                out.push_str(&b[cb..].concat());
                Some(out)
            }
            "graft-line" => {
                if others.is_empty() {
                    return None;
                }
                let other = split_lines(others[rng.below(others.len())]);
                if other.is_empty() {
                    return None;
                }
                let line = ensure_newline(&other[rng.below(other.len())]);
                let mut lines = split_lines(text);
                let i = rng.below(lines.len() + 1);
                lines.insert(i, line);
                Some(fix_last_newlines(lines))
            }
            "swap-kind" => {
                let kinds = ["RivvenCluster", "RivvenConnect", "RivvenTopic", "RivvenSchemaRegistry", "rivvencluster", "Rivvencluster", "ConfigMap", "RivvenClusterList"];
                let (mut lines, i, ()) = pick_line(text, rng, |l| (l.starts_with("kind:") || l.starts_with("apiVersion:")).then_some(()))?;
                let eol = line_ending(&lines[i]);
                lines[i] = if lines[i].starts_with("kind:") {
                    format!("kind: {}{eol}", rng.pick(&kinds))
                } else {
                    let v = ["rivven.hupe1980.github.io/v1alpha1", "rivven.hupe1980.github.io/v1", "v1", "rivven.hupe1980.github.io/", "/v1alpha1", "rivven.hupe1980.github.io/v1alpha1/x"];
                    format!("apiVersion: {}{eol}", rng.pick(&v))
                };
                Some(lines.concat())
            }
            "many-documents" => {
                let copies = rng.log_size(2000);
                let one = ensure_newline(text);
                if (one.len() + 4) * copies > self.max_len {
                    return None;
                }
                let mut out = String::new();
                for i in 0..copies {
                    if i > 0 {
                        out.push_str("---\n");
                    }
                    out.push_str(&one);
                }
                Some(out)
            }
            "comment" => {
                let i = char_boundary(text, rng.below(text.len() + 1));
                let c = *rng.pick(&[" # comment", "#", "\n# comment\n", " #", "# yaml-language-server: $schema=../x.json\n"]);
                Some(format!("{}{c}{}", &text[..i], &text[i..]))
            }
            "jsonify" => jsonify(text),
            _ => None,
        }
    }
}

/// The text's documents re-written as single-line JSON (valid YAML), one per `---`.
fn jsonify(text: &str) -> Option<String> {
    let mut loaded = Loaded::default();
    let mut diagnostics = Diagnostics::default();
    let caught = panic::catch_unwind(AssertUnwindSafe(|| {
        load::load_text(&mut loaded, "jsonify.yaml".into(), text.to_owned(), Default::default(), &mut diagnostics);
        loaded.documents.iter().filter_map(|d| serde_json::to_string(&d.value).ok()).collect::<Vec<_>>()
    }))
    .ok()?;
    if caught.is_empty() {
        return None;
    }
    Some(caught.join("\n---\n") + "\n")
}

fn random_number(rng: &mut Rng) -> String {
    match rng.below(6) {
        0 => (rng.next_u64() as i64).to_string(),
        1 => rng.next_u64().to_string(),
        2 => format!("{}e{}", rng.below(10), rng.below(400) as i64 - 200),
        3 => format!("{}.{}", rng.below(100_000), rng.below(1000)),
        4 => format!("{}{}", "9".repeat(rng.range(10, 400)), rng.pick(&["", "Gi", "m", "Ki", ".5"])),
        _ => rng.below(70_000).to_string(),
    }
}

/// Lines with their endings kept (the last may have none).
pub fn split_lines(text: &str) -> Vec<String> {
    text.split_inclusive('\n').map(str::to_owned).collect()
}

/// The lines of `text`, and for each line `find` accepts (in order) its index and what `find`
/// found in it. Draws nothing from the PRNG.
fn line_candidates<T>(text: &str, find: impl Fn(&str) -> Option<T>) -> (Vec<String>, Vec<(usize, T)>) {
    let lines = split_lines(text);
    let candidates = lines.iter().enumerate().filter_map(|(i, l)| find(l).map(|t| (i, t))).collect();
    (lines, candidates)
}

/// The lines of `text` with one of those `find` accepts picked at random: its index and what
/// `find` found in it. `None`, without a draw, when no line qualifies; otherwise exactly one
/// `rng.pick` over the candidates, so a seed replays the same mutations (and the committed
/// regression corpus stays meaningful).
fn pick_line<T: Copy>(text: &str, rng: &mut Rng, find: impl Fn(&str) -> Option<T>) -> Option<(Vec<String>, usize, T)> {
    let (lines, candidates) = line_candidates(text, find);
    if candidates.is_empty() {
        return None;
    }
    let &(i, t) = rng.pick(&candidates);
    Some((lines, i, t))
}

fn ensure_newline(line: &str) -> String {
    if line.ends_with('\n') {
        line.to_owned()
    } else {
        format!("{line}\n")
    }
}

/// After a reorder, every line but the last needs its ending.
fn fix_last_newlines(lines: Vec<String>) -> String {
    let n = lines.len();
    lines.into_iter().enumerate().map(|(i, l)| if i + 1 < n { ensure_newline(&l) } else { l }).collect()
}

fn line_ending(line: &str) -> &'static str {
    if line.ends_with("\r\n") {
        "\r\n"
    } else if line.ends_with('\n') {
        "\n"
    } else {
        ""
    }
}

/// Byte range of the key of a `key: value` / `key:` / `- key: value` line.
fn key_range(line: &str) -> Option<(usize, usize)> {
    let body = line.trim_end_matches(['\n', '\r']);
    let mut start = body.len() - body.trim_start_matches([' ', '-']).len();
    if body[start..].starts_with('#') {
        return None;
    }
    while body[start..].starts_with(' ') {
        start += 1;
    }
    let colon = body[start..].find(':').map(|i| i + start)?;
    let after = &body[colon + 1..];
    if !(after.is_empty() || after.starts_with(' ')) || colon == start {
        return None;
    }
    let key = &body[start..colon];
    if key.contains(['"', '\'', '{', '[', '#']) {
        return None;
    }
    Some((start, colon))
}

/// Byte offset of the scalar value of a `key: value` or `- value` line.
fn value_start(line: &str) -> Option<usize> {
    let body = line.trim_end_matches(['\n', '\r']);
    if let Some((_, colon)) = key_range(body) {
        let rest = &body[colon + 1..];
        let spaces = rest.len() - rest.trim_start().len();
        if rest.trim().is_empty() || rest.trim_start().starts_with('#') {
            return None;
        }
        return Some(colon + 1 + spaces);
    }
    let trimmed = body.trim_start();
    if let Some(rest) = trimmed.strip_prefix("- ") {
        if !rest.trim().is_empty() {
            return Some(body.len() - rest.len());
        }
    }
    None
}

/// Puts `nested` as the value of a random `key: value` line (or appends it as a new key).
fn insert_as_value(rng: &mut Rng, text: &str, nested: &str) -> String {
    let (mut lines, candidates) = line_candidates(text, value_start);
    if candidates.is_empty() || rng.chance(1, 5) {
        return format!("{}deep: {nested}\n", ensure_newline(text));
    }
    let &(i, start) = rng.pick(&candidates);
    let eol = line_ending(&lines[i]);
    lines[i] = format!("{}{nested}{}", &lines[i][..start], if eol.is_empty() { "\n" } else { eol });
    lines.concat()
}

fn lossy(bytes: Vec<u8>) -> String {
    match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn char_boundary(text: &str, mut i: usize) -> usize {
    i = i.min(text.len());
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn truncate_at_char(text: &str, len: usize) -> &str {
    &text[..char_boundary(text, len)]
}

// ---------------------------------------------------------------------------------------------
// Running one input
// ---------------------------------------------------------------------------------------------

/// What one run did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// No panic. `signature` summarizes the diagnostics' rules and the render (for the corpus
    /// feedback of the fuzzer): a new signature means the input reached somewhere new.
    Ok { signature: u64, rendered: bool },
    /// A panic: where (`file:line:column`) and its message.
    Panic { location: String, message: String },
}

/// One run's outcome and time.
#[derive(Clone, Debug)]
pub struct RunResult {
    pub outcome: Outcome,
    pub elapsed: Duration,
}

thread_local! {
    /// `Some` while a run on this thread is under [`run_caught`]: the first panic is recorded here.
    static CAPTURE: RefCell<Option<Option<(String, String)>>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Installs (once) a panic hook that records and silences panics of threads inside
/// [`run_caught`] and hands every other panic (a failing test's assert, say) to the previous hook.
pub fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let location = info.location().map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column())).unwrap_or_else(|| "<unknown>".into());
            let payload = info.payload();
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "<non-string panic payload>".into());
            let captured = CAPTURE
                .try_with(|c| match c.try_borrow_mut() {
                    Ok(mut slot) => match slot.as_mut() {
                        Some(first) => {
                            if first.is_none() {
                                *first = Some((location.clone(), message.clone()));
                            }
                            true
                        }
                        None => false,
                    },
                    Err(_) => false,
                })
                .unwrap_or(false);
            if !captured {
                previous(info);
            }
        }));
    });
}

/// load -> validate -> the three diagnostic formats -> (no errors) render -> stream. Returns the
/// signature of what happened. Panics are the caller's business.
pub fn pipeline(text: String) -> (u64, bool) {
    let compilation = compile_texts(&[("fuzz.yaml", text.as_str())], &CompileOptions::default());
    let report = Report::new(&compilation.diagnostics, &compilation.sources, false);
    let texts: Vec<String> = [Format::Human, Format::Short, Format::Json, Format::Sarif, Format::Github].iter().map(|f| emit::to_string(*f, &report, false)).collect();
    let mut hasher = DefaultHasher::new();
    let mut rules: Vec<(&str, String)> = report.diagnostics.iter().map(|d| (d.rule, d.severity.to_string())).collect();
    rules.sort();
    rules.dedup();
    rules.hash(&mut hasher);
    compilation.documents.min(4).hash(&mut hasher);
    (texts[0].is_empty(), texts[1].is_empty(), texts[2].len() > 2).hash(&mut hasher);
    for machine in &texts[2..4] {
        assert!(serde_json::from_str::<serde_json::Value>(machine).is_ok(), "a machine report is not JSON:\n{machine}");
    }
    let mut rendered_any = false;
    if compilation.renderable() {
        let rendered = rivven_render::render::Rendered { objects: compilation.objects() };
        let stream = rivven_render::output::stream(&rendered);
        let mut kinds: Vec<&str> = rendered.objects.iter().map(|o| o.kind.as_str()).collect();
        kinds.sort();
        kinds.dedup();
        kinds.hash(&mut hasher);
        stream.is_empty().hash(&mut hasher);
        rendered_any = true;
    }
    (hasher.finish(), rendered_any)
}

/// Runs [`pipeline`] on its own thread (with [`RUN_STACK`], named `thread_name` so that a stack
/// overflow, which aborts the process, names its input) under `catch_unwind`, timed.
pub fn run_caught(text: String, thread_name: &str) -> RunResult {
    run_caught_with(move || pipeline(text), thread_name)
}

/// [`run_caught`] for any closure (the harness's own tests use it).
pub fn run_caught_with(f: impl FnOnce() -> (u64, bool) + Send + 'static, thread_name: &str) -> RunResult {
    install_panic_hook();
    let start = Instant::now();
    let handle = std::thread::Builder::new()
        .name(thread_name.to_owned())
        .stack_size(RUN_STACK)
        .spawn(move || {
            CAPTURE.with(|c| *c.borrow_mut() = Some(None));
            let result = panic::catch_unwind(AssertUnwindSafe(f));
            let recorded = CAPTURE.with(|c| c.borrow_mut().take()).flatten();
            match result {
                Ok((signature, rendered)) => Outcome::Ok { signature, rendered },
                Err(payload) => {
                    let (location, message) = recorded.unwrap_or_else(|| {
                        let message = payload
                            .downcast_ref::<&str>()
                            .map(|s| s.to_string())
                            .or_else(|| payload.downcast_ref::<String>().cloned())
                            .unwrap_or_else(|| "<non-string panic payload>".into());
                        ("<unknown>".into(), message)
                    });
                    Outcome::Panic { location, message }
                }
            }
        })
        .expect("spawn a run thread");
    let outcome = handle.join().unwrap_or_else(|_| Outcome::Panic { location: "<unknown>".into(), message: "the run thread died".into() });
    RunResult { outcome, elapsed: start.elapsed() }
}

/// A stable short name for `text` (file names of findings).
pub fn text_hash(text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// The fuzz loop's state without the process supervision of the example: the seeds, a pool of
/// inputs that reached new signatures, and the choice of the next input.
pub struct Campaign {
    pub rng: Rng,
    pub mutator: Mutator,
    pub seeds: Vec<String>,
    pub pool: Vec<String>,
    pub seen: std::collections::HashSet<u64>,
    /// Largest input kept in the pool (larger ones are run but not bred from).
    pub pool_max_len: usize,
    pub pool_cap: usize,
}

impl Campaign {
    pub fn new(seed: u64, seeds: Vec<String>, mutator: Mutator) -> Self {
        Self { rng: Rng::new(seed), mutator, pool: seeds.clone(), seeds, seen: Default::default(), pool_max_len: 256 * 1024, pool_cap: 4096 }
    }

    /// The next input and the mutations that made it.
    pub fn next_input(&mut self) -> (String, Vec<&'static str>) {
        let base = if self.pool.is_empty() || self.rng.chance(3, 10) {
            self.rng.pick(&self.seeds).clone()
        } else {
            self.rng.pick(&self.pool).clone()
        };
        let others: Vec<&str> = (0..3).map(|_| self.seeds[self.rng.below(self.seeds.len())].as_str()).collect();
        self.mutator.mutate(&mut self.rng, &base, &others)
    }

    /// Feeds back an input's signature: new ones join the pool.
    pub fn feedback(&mut self, input: &str, signature: u64) {
        if self.seen.insert(signature) && input.len() <= self.pool_max_len {
            if self.pool.len() < self.pool_cap {
                self.pool.push(input.to_owned());
            } else {
                let i = self.rng.below(self.pool.len());
                self.pool[i] = input.to_owned();
            }
        }
    }
}
