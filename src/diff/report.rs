//! The diff printed: a plan first (objects added, changed, replaced and removed, by Rivven
//! resource), then one line per consequence, then the changed fields with unified hunks. Three
//! formats: human (coloured on a terminal), markdown for pull-request comments (capped), JSON.
//! Every printed text goes through [`super::secrets::Masked::scrub`], the masks' last guard.
use std::fmt::Write;

use serde_json::{json, Value};

use super::consequence::{object_label, Consequence, Impact};
use super::fields::{FieldChange, FieldPath, Segment};
use super::{Action, Diff, ObjectDiff};

/// The longest markdown body by default: GitHub refuses comments over 65,536 characters.
pub const DEFAULT_MARKDOWN_LIMIT: usize = 60_000;

/// Lines of context around each change in the hunks.
const CONTEXT: usize = 3;

/// Longest value printed on a field line.
const VALUE_WIDTH: usize = 160;

/// `Plan: 1 to add, 2 to change, 1 to replace, 0 to remove (11 unchanged)`.
pub fn plan_line(diff: &Diff) -> String {
    format!(
        "Plan: {} to add, {} to change, {} to replace, {} to remove ({} unchanged)",
        diff.count(Action::Add),
        diff.count(Action::Change),
        diff.count(Action::Replace),
        diff.count(Action::Remove),
        diff.unchanged
    )
}

/// Workloads whose pods restart, and those whose pods stop (removed, or scaled down).
fn restarting_and_stopping(diff: &Diff) -> (usize, usize) {
    use super::Reason;
    let count = |reasons: &[Reason]| diff.consequences.iter().filter(|c| reasons.contains(&c.reason)).map(|c| &c.object).collect::<std::collections::BTreeSet<_>>().len();
    (count(&[Reason::RollingRestart, Reason::FullStop]), count(&[Reason::WorkloadRemoved, Reason::ScaleDown]))
}

/// Whether any pod restarts or stops, said once for the whole change (`None` when nothing changes).
pub fn restarts_line(diff: &Diff) -> Option<String> {
    if diff.is_empty() {
        return None;
    }
    let workloads = |n: usize| format!("{n} workload{}", if n == 1 { "" } else { "s" });
    Some(match restarting_and_stopping(diff) {
        (0, 0) => "no pod restarts: no pod template changes".to_owned(),
        (r, 0) => format!("pods restart in {}", workloads(r)),
        (0, s) => format!("no pod restarts; pods stop in {}", workloads(s)),
        (r, s) => format!("pods restart in {}; pods stop in {}", workloads(r), workloads(s)),
    })
}

/// The last words of a report.
pub fn verdict(diff: &Diff) -> &'static str {
    if diff.is_empty() {
        "no changes"
    } else if diff.is_disruptive() {
        "disruptive changes: some are refused, need a replacement or lose data (see the consequences)"
    } else {
        "changes, none disruptive"
    }
}

fn impact_word(impact: Impact) -> &'static str {
    match impact {
        Impact::Disruptive => "DISRUPTIVE",
        Impact::Restart => "restart",
        Impact::Info => "info",
    }
}

fn reason_word(c: &Consequence) -> String {
    serde_json::to_value(c.reason).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

/// A value in one line, cut at [`VALUE_WIDTH`] characters.
fn value(v: Option<&Value>) -> String {
    let text = super::consequence::short(v);
    let text = text.replace('\n', "\\n");
    if text.chars().count() > VALUE_WIDTH {
        let cut: String = text.chars().take(VALUE_WIDTH).collect();
        format!("{cut}…")
    } else {
        text
    }
}

/// A field path for people: inside a rendered connect.yaml, `source NAME: rest` and `sink NAME: rest`.
pub fn describe(path: &FieldPath) -> String {
    let Some(at) = path.0.iter().position(|s| *s == Segment::Embedded) else { return path.to_string() };
    let outer = FieldPath(path.0[..at].to_vec());
    let inner = &path.0[at + 1..];
    if let [Segment::Key(section), Segment::Key(name), rest @ ..] = inner {
        let noun = match section.as_str() {
            "sources" => Some("source"),
            "sinks" => Some("sink"),
            _ => None,
        };
        if let Some(noun) = noun {
            let rest = match rest {
                [Segment::Key(config), tail @ ..] if config == "config" && !tail.is_empty() => tail,
                _ => rest,
            };
            let rest = if rest.is_empty() { "(the whole entry)".to_owned() } else { FieldPath(rest.to_vec()).to_string() };
            return format!("{outer} › {noun} {name}: {rest}");
        }
    }
    path.to_string()
}

/// One line per changed field: `path: before -> after`, `+ path: value`, `- path: value`.
pub fn field_line(change: &FieldChange) -> String {
    let path = describe(&change.path);
    match (&change.before, &change.after) {
        (None, after) => format!("+ {path}: {}", value(after.as_ref())),
        (before, None) => format!("- {path}: {}", value(before.as_ref())),
        (before, after) => format!("~ {path}: {} -> {}", value(before.as_ref()), value(after.as_ref())),
    }
}

/// The unified hunks of an object's YAML (secrets masked).
pub fn hunks(object: &ObjectDiff) -> String {
    let text = |v: &Option<Value>| v.as_ref().map(crate::yaml::to_string).unwrap_or_default();
    let (old, new) = (text(&object.before), text(&object.after));
    let diff = similar::TextDiff::from_lines(&old, &new);
    let label = object_label(&object.object);
    diff.unified_diff().context_radius(CONTEXT).header(&format!("{label} (before)"), &format!("{label} (after)")).to_string()
}

struct Paint {
    on: bool,
}

impl Paint {
    fn wrap(&self, code: &str, text: &str) -> String {
        if self.on {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
    fn impact(&self, impact: Impact, text: &str) -> String {
        match impact {
            Impact::Disruptive => self.wrap("1;31", text),
            Impact::Restart => self.wrap("33", text),
            Impact::Info => self.wrap("2", text),
        }
    }
    fn line(&self, line: &str) -> String {
        match line.chars().next() {
            Some('+') if !line.starts_with("+++") => self.wrap("32", line),
            Some('-') if !line.starts_with("---") => self.wrap("31", line),
            Some('@') => self.wrap("36", line),
            _ => line.to_owned(),
        }
    }
}

/// The human report (colours only when `color`), through the last guard of the masks.
pub fn human(diff: &Diff, color: bool) -> String {
    diff.masked.scrub(human_text(diff, color))
}

fn human_text(diff: &Diff, color: bool) -> String {
    let paint = Paint { on: color };
    let mut out = String::new();
    let _ = writeln!(out, "{}", paint.wrap("1", &plan_line(diff)));
    if diff.is_empty() {
        let _ = writeln!(out, "\nno changes");
        return out;
    }
    let mut resource = None;
    for o in &diff.objects {
        if resource != Some(&o.resource) {
            let _ = writeln!(out, "\n{}", paint.wrap("1", &o.resource));
            resource = Some(&o.resource);
        }
        let worst = diff.consequences_of(&o.object).map(|c| c.impact).max();
        let mark = format!("{:>3} {}", o.action.mark(), object_label(&o.object));
        let _ = writeln!(out, "  {}", worst.map_or(mark.clone(), |i| paint.impact(i, &mark)));
    }
    if !diff.consequences.is_empty() {
        let _ = writeln!(out, "\n{}", paint.wrap("1", "Consequences:"));
        for c in &diff.consequences {
            let head = format!("{:<10} {}", impact_word(c.impact), reason_word(c));
            let _ = writeln!(out, "  {} {}: {}", paint.impact(c.impact, &head), object_label(&c.object), c.message);
            for command in &c.commands {
                let _ = writeln!(out, "      $ {command}");
            }
        }
    }
    if let Some(line) = restarts_line(diff) {
        let _ = writeln!(out, "\n{line}");
    }
    let _ = writeln!(out, "\n{}", paint.wrap("1", "Changes:"));
    for o in &diff.objects {
        let _ = writeln!(out, "\n{} {} ({})", o.action.mark(), paint.wrap("1", &object_label(&o.object)), o.resource);
        for c in &o.changes {
            let _ = writeln!(out, "    {}", field_line(c));
        }
        for line in hunks(o).lines() {
            let _ = writeln!(out, "  {}", paint.line(line));
        }
    }
    let _ = writeln!(out, "\n{}", verdict(diff));
    out
}

/// A markdown code fence longer than any run of backticks in `body`.
fn fence(lang: &str, body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let ticks = "`".repeat(longest.max(2) + 1);
    format!("{ticks}{lang}\n{}{}{ticks}\n", body, if body.ends_with('\n') || body.is_empty() { "" } else { "\n" })
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

fn cell(text: &str) -> String {
    html(text).replace('|', "\\|")
}

fn emoji(impact: Impact) -> &'static str {
    match impact {
        Impact::Disruptive => "🛑",
        Impact::Restart => "🔄",
        Impact::Info => "ℹ️",
    }
}

/// The markdown report for a pull-request comment, at most `limit` characters: the plan table,
/// the consequences, then one collapsible section per object; what does not fit is cut whole and
/// named in a closing note.
pub fn markdown(diff: &Diff, limit: usize) -> String {
    let mut pieces: Vec<(String, &'static str)> = Vec::new();
    let head = if diff.is_disruptive() { "🛑 disruptive changes" } else if diff.is_empty() { "no changes" } else { "changes, none disruptive" };
    let restarts = restarts_line(diff).map(|l| format!("{l}.\n\n")).unwrap_or_default();
    pieces.push((format!("### rivven-render diff: {head}\n\n**{}**\n\n{restarts}", plan_line(diff)), "the plan"));
    if !diff.objects.is_empty() {
        pieces.push(("| Resource | Object | Action |\n|---|---|---|\n".to_owned(), "the plan table"));
        for o in &diff.objects {
            let action = serde_json::to_value(o.action).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            pieces.push((format!("| {} | `{}` | {} |\n", cell(&o.resource), cell(&object_label(&o.object)), action), "plan rows"));
        }
        pieces.push(("\n".to_owned(), "the plan table"));
    }
    if !diff.consequences.is_empty() {
        pieces.push(("#### Consequences\n\n".to_owned(), "the consequences"));
        for c in &diff.consequences {
            let mut item = format!("- {} **{}** `{}`: {}\n", emoji(c.impact), reason_word(c), cell(&object_label(&c.object)), html(&c.message));
            if !c.commands.is_empty() {
                let body: String = c.commands.iter().map(|l| format!("{l}\n")).collect();
                for line in fence("sh", &body).lines() {
                    let _ = writeln!(item, "  {line}");
                }
            }
            pieces.push((item, "consequences"));
        }
        pieces.push(("\n".to_owned(), "the consequences"));
    }
    if !diff.objects.is_empty() {
        pieces.push(("#### Changes\n\n".to_owned(), "the changes"));
    }
    for o in &diff.objects {
        let mut body: String = o.changes.iter().map(|c| format!("# {}\n", field_line(c))).collect();
        body.push_str(&hunks(o));
        let summary = format!("{} <code>{}</code> ({}): {}", o.action.mark(), html(&object_label(&o.object)), html(&o.resource), fields_count(o));
        pieces.push((format!("<details><summary>{summary}</summary>\n\n{}\n</details>\n\n", fence("diff", &body)), "object diffs"));
    }
    let mut out = String::new();
    let note_room = 400;
    let mut cut: Vec<&str> = Vec::new();
    let mut cut_count = 0;
    let mut length = 0;
    for (text, what) in pieces {
        // The last guard runs on each part before it is measured, so the cap holds after it.
        let text = diff.masked.scrub(text);
        let chars = text.chars().count();
        if cut_count == 0 && length + chars + note_room <= limit {
            out.push_str(&text);
            length += chars;
        } else {
            cut_count += 1;
            if !cut.contains(&what) {
                cut.push(what);
            }
        }
    }
    if cut_count > 0 {
        let _ = write!(out, "\n> ✂️ Cut to stay under {limit} characters: {cut_count} more parts ({}) are not shown. Run `rivven-render diff` locally, or `--format json`, for everything.\n", cut.join(", "));
    }
    let _ = write!(out, "\n_{}_\n", verdict(diff));
    out
}

fn fields_count(o: &ObjectDiff) -> String {
    match o.action {
        Action::Add => "added".into(),
        Action::Remove => "removed".into(),
        _ => format!("{} field{}", o.changes.len(), if o.changes.len() == 1 { "" } else { "s" }),
    }
}

/// The JSON report as printed (pretty, one final newline), through the last guard of the masks.
pub fn json_text(diff: &Diff) -> String {
    let mut text = serde_json::to_string_pretty(&json(diff)).expect("the report serializes");
    text.push('\n');
    diff.masked.scrub(text)
}

/// The JSON report (version 1; documented in the README).
pub fn json(diff: &Diff) -> Value {
    let objects: Vec<Value> = diff
        .objects
        .iter()
        .map(|o| {
            let mut entry = json!(o.object);
            entry["resource"] = json!(o.resource);
            entry["action"] = json!(o.action);
            entry["changes"] = o.changes.iter().map(|c| json!({ "path": c.path.to_string(), "before": c.before, "after": c.after })).collect();
            entry
        })
        .collect();
    let count = |i: Impact| diff.consequences.iter().filter(|c| c.impact == i).count();
    let (restarts, stops) = restarting_and_stopping(diff);
    json!({
        "version": 1,
        "summary": {
            "add": diff.count(Action::Add),
            "change": diff.count(Action::Change),
            "replace": diff.count(Action::Replace),
            "remove": diff.count(Action::Remove),
            "unchanged": diff.unchanged,
            "changed": !diff.is_empty(),
            "disruptive": diff.is_disruptive(),
            "restarts": restarts,
            "stops": stops,
            "consequences": { "disruptive": count(Impact::Disruptive), "restart": count(Impact::Restart), "info": count(Impact::Info) },
        },
        "objects": objects,
        "consequences": diff.consequences,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_outgrow_the_backticks_inside() {
        assert!(fence("diff", "a ``` b\n").starts_with("````diff\n"));
        assert!(fence("diff", "plain\n").starts_with("```diff\n"));
    }

    #[test]
    fn connect_yaml_paths_read_as_sources_and_sinks() {
        let p = FieldPath(vec![
            Segment::Key("data".into()),
            Segment::Key("connect.yaml".into()),
            Segment::Embedded,
            Segment::Key("sources".into()),
            Segment::Key("postgres-cdc".into()),
            Segment::Key("config".into()),
            Segment::Key("snapshot".into()),
            Segment::Key("batch_size".into()),
        ]);
        assert_eq!(describe(&p), "data[\"connect.yaml\"] › source postgres-cdc: snapshot.batch_size");
    }
}
