//! The invalid corpus's files and their headers, read the same way by every test that uses them
//! (the corpus test itself, SARIF, the rule catalog). See tests/invalid_corpus.rs for the format.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

/// The corpus directory.
pub fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/invalid")
}

/// One `# expect:` line (with its optional `# hint:`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expect {
    pub severity: String,
    pub rule: String,
    /// `None` for `at -`.
    pub position: Option<(usize, usize)>,
    pub path: String,
    pub hint: Option<String>,
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = self.position.map_or("-".to_owned(), |(l, c)| format!("{l}:{c}"));
        write!(f, "# expect: {} {} at {at}", self.severity, self.rule)?;
        if !self.path.is_empty() {
            write!(f, " {}", self.path)?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\n# hint: {h}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Default)]
pub struct Header {
    pub strict: bool,
    pub expects: Vec<Expect>,
}

pub fn parse_header(name: &str, text: &str) -> Header {
    let mut header = Header::default();
    for line in text.lines() {
        let Some(comment) = line.strip_prefix('#') else { break };
        let comment = comment.trim();
        if let Some(rest) = comment.strip_prefix("expect:") {
            header.expects.push(parse_expect(name, rest.trim()));
        } else if let Some(rest) = comment.strip_prefix("hint:") {
            let last = header.expects.last_mut().unwrap_or_else(|| panic!("{name}: `# hint:` before any `# expect:`"));
            assert!(last.hint.is_none(), "{name}: two `# hint:` lines for one `# expect:`");
            last.hint = Some(rest.trim().to_owned());
        } else if let Some(rest) = comment.strip_prefix("options:") {
            for option in rest.split_whitespace() {
                match option {
                    "--strict" => header.strict = true,
                    other => panic!("{name}: unknown option `{other}`"),
                }
            }
        }
    }
    header
}

pub fn parse_expect(name: &str, text: &str) -> Expect {
    let bad = || panic!("{name}: cannot read `# expect: {text}` (want `SEVERITY RULE at LINE:COLUMN [PATH]`)");
    let mut parts = text.splitn(4, ' ');
    let (Some(severity), Some(rule), Some(at), Some(rest)) = (parts.next(), parts.next(), parts.next(), parts.next()) else { bad() };
    if at != "at" || !matches!(severity, "error" | "warning" | "note") {
        bad();
    }
    let (position, path) = rest.split_once(' ').unwrap_or((rest, ""));
    let position = if position == "-" {
        None
    } else {
        let (l, c) = position.split_once(':').unwrap_or_else(|| bad());
        Some((l.parse().unwrap_or_else(|_| bad()), c.parse().unwrap_or_else(|_| bad())))
    };
    Expect { severity: severity.into(), rule: rule.into(), position, path: path.trim().into(), hint: None }
}

/// Every corpus case, sorted.
pub fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/invalid exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml")))
        .collect();
    files.sort();
    files
}

pub fn case_name(path: &Path) -> String {
    path.file_name().expect("a file").to_string_lossy().into_owned()
}

