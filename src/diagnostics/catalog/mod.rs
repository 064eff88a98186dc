//! The rule catalog: every rule a finding can carry, with its stable id, default severity, a
//! one-line summary and an explanation with an example of the fix. `rivven-render rules` lists it,
//! `rivven-render explain RULE` prints one entry, and SARIF's `tool.driver.rules[]` is built from it.
use std::sync::OnceLock;

use super::Severity;

mod cdc;
mod connect;
mod fields;
mod load;
mod names;
mod platform;
mod schema;

/// One rule of the catalog.
#[derive(Debug)]
pub struct Rule {
    /// Stable id, `family/name` (never reused for another kind of finding).
    pub id: &'static str,
    /// Severity when no option changes it (`--deny` raises it to an error).
    pub severity: Severity,
    /// One line: what the finding says is wrong.
    pub summary: &'static str,
    /// Why it matters and what to do, in a few sentences.
    pub explanation: &'static str,
    /// A YAML example of the fix (what to write instead).
    pub example: &'static str,
}

/// Every rule, sorted by id.
pub fn rules() -> &'static [&'static Rule] {
    static ALL: OnceLock<Vec<&'static Rule>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut all: Vec<&'static Rule> =
            [load::RULES, schema::RULES, names::RULES, fields::RULES, connect::RULES, cdc::RULES, platform::RULES].into_iter().flatten().collect();
        all.sort_by_key(|r| r.id);
        all
    })
}

/// The rule of an id.
pub fn rule(id: &str) -> Option<&'static Rule> {
    let all = rules();
    all.binary_search_by_key(&id, |r| r.id).ok().map(|i| all[i])
}

/// Position of a rule in [`rules`] (SARIF's `ruleIndex`).
pub fn index_of(id: &str) -> Option<usize> {
    rules().binary_search_by_key(&id, |r| r.id).ok()
}
