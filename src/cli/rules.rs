//! `rivven-render rules` and `rivven-render explain RULE`: the rule catalog.
use clap::{Args, ValueEnum};
use serde_json::json;

use super::io::{sayln, to_stdout};
use super::{EXIT_OK, EXIT_USAGE};
use crate::diagnostics::catalog::{self, Rule};
use crate::diagnostics::suggest;

/// How `rules` prints the catalog.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RulesFormat {
    /// One row per rule: id, default severity, summary.
    Table,
    /// A JSON array of every rule with its explanation and example.
    Json,
}

/// Arguments of `rules`.
#[derive(Args, Debug)]
pub struct RulesArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = RulesFormat::Table)]
    format: RulesFormat,
}

/// Arguments of `explain`.
#[derive(Args, Debug)]
pub struct ExplainArgs {
    /// The rule id, e.g. `cluster/min-isr`.
    #[arg(value_name = "RULE")]
    rule: String,
}

/// The catalog as a table.
pub fn table() -> String {
    let rules = catalog::rules();
    let width = rules.iter().map(|r| r.id.len()).max().unwrap_or(4);
    let mut out = format!("{:width$}  {:8}  {}\n", "RULE", "SEVERITY", "SUMMARY");
    for r in rules {
        out.push_str(&format!("{:width$}  {:8}  {}\n", r.id, r.severity.to_string(), r.summary));
    }
    out
}

/// One rule, explained.
pub fn explanation(rule: &Rule) -> String {
    let example = rule.example.lines().map(|l| format!("    {l}")).collect::<Vec<_>>().join("\n");
    format!("{} ({} by default)\n\n{}\n\n{}\n\nExample of the fix:\n\n{example}\n", rule.id, rule.severity, rule.summary, rule.explanation)
}

/// Runs `rules`.
pub fn run_rules(args: &RulesArgs) -> u8 {
    let text = match args.format {
        RulesFormat::Table => table(),
        RulesFormat::Json => {
            let rules: Vec<_> = catalog::rules()
                .iter()
                .map(|r| json!({ "id": r.id, "severity": r.severity, "summary": r.summary, "explanation": r.explanation, "example": r.example }))
                .collect();
            let mut text = serde_json::to_string_pretty(&rules).expect("rules serialize");
            text.push('\n');
            text
        }
    };
    match to_stdout(|out| out.write_all(text.as_bytes())) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    }
}

/// Runs `explain`.
pub fn run_explain(args: &ExplainArgs) -> u8 {
    let Some(rule) = catalog::rule(&args.rule) else {
        let near = suggest::closest(&args.rule, catalog::rules().iter().map(|r| r.id)).map(|s| format!("; did you mean `{s}`?")).unwrap_or_default();
        sayln!("rivven-render: no rule `{}` (`rivven-render rules` lists them){near}", args.rule);
        return EXIT_USAGE;
    };
    match to_stdout(|out| out.write_all(explanation(rule).as_bytes())) {
        Ok(()) => EXIT_OK,
        Err(code) => code,
    }
}
