//! The offline diff (pure): two compiled sides in, the objects that change (matched by
//! [`ObjectRef`]), their changed fields and what those changes do to the running system out.
//! Secret-like values are masked before anything is compared, so nothing here can print one.
use std::collections::BTreeMap;

use serde_json::Value;

use crate::diagnostics::{Diagnostics, Severity};
use crate::render::{ObjectRef, RenderedObject};

pub mod consequence;
pub mod fields;
pub mod plans;
pub mod report;
pub mod secrets;
pub mod workloads;

pub use consequence::{Consequence, Impact, Reason};
use fields::FieldChange;
use secrets::Masked;

/// The annotation naming the Rivven resource an object was rendered from.
pub const SOURCE_ANNOTATION: &str = "rivven.hupe1980.github.io/source";

/// What happens to one object.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Created.
    Add,
    /// Updated in place.
    Change,
    /// Deleted and created again (the API server rejects the update).
    Replace,
    /// Deleted (when the GitOps tool prunes).
    Remove,
}

impl Action {
    /// The mark in front of an object in the plan.
    pub fn mark(self) -> &'static str {
        match self {
            Action::Add => "+",
            Action::Change => "~",
            Action::Replace => "-/+",
            Action::Remove => "-",
        }
    }
}

/// One object that is added, changed, replaced or removed (secret values masked).
#[derive(Clone, Debug)]
pub struct ObjectDiff {
    /// The object.
    pub object: ObjectRef,
    /// The Rivven resource it comes from (`Kind/name` or `Kind/namespace/name`).
    pub resource: String,
    /// What happens to it.
    pub action: Action,
    /// Its changed fields (for an added or removed object: none).
    pub changes: Vec<FieldChange>,
    /// The object before, masked.
    pub before: Option<Value>,
    /// The object after, masked.
    pub after: Option<Value>,
}

/// The whole difference between two sides.
#[derive(Debug, Default)]
pub struct Diff {
    /// Objects that differ, by resource, then kind and name.
    pub objects: Vec<ObjectDiff>,
    /// Objects identical on both sides.
    pub unchanged: usize,
    /// What the changes do, in the order of the objects.
    pub consequences: Vec<Consequence>,
    /// The values masked (for the last check of the printed output).
    pub masked: Masked,
}

impl Diff {
    /// Whether nothing changes.
    pub fn is_empty(&self) -> bool {
        self.objects.is_empty() && self.consequences.is_empty()
    }

    /// Whether any change is refused, needs a replacement or loses data.
    pub fn is_disruptive(&self) -> bool {
        self.objects.iter().any(|o| o.action == Action::Replace) || self.consequences.iter().any(|c| c.impact == Impact::Disruptive)
    }

    /// How many objects get this action.
    pub fn count(&self, action: Action) -> usize {
        self.objects.iter().filter(|o| o.action == action).count()
    }

    /// The consequences about one object.
    pub fn consequences_of<'a>(&'a self, object: &'a ObjectRef) -> impl Iterator<Item = &'a Consequence> + 'a {
        self.consequences.iter().filter(move |c| &c.object == object)
    }
}

/// Reads a ConfigMap value that holds a document: JSON, or YAML whose top level is a mapping.
pub fn parse_embedded(text: &str) -> Option<Value> {
    if let Ok(value) = serde_json::from_str::<Value>(text) {
        return value.is_object().then_some(value);
    }
    if !text.contains('\n') {
        return None;
    }
    let file = crate::source::SourceFile::new(String::new(), text.to_owned());
    let (mut documents, error) = crate::load::tree::parse_stream(text, &file, 0, &mut 0);
    if error.is_some() || documents.len() != 1 {
        return None;
    }
    documents.pop()?.ok().map(|(value, _)| value).filter(Value::is_object)
}

fn resource_of(object: &Value) -> String {
    object.pointer("/metadata/annotations").and_then(|a| a.get(SOURCE_ANNOTATION)).and_then(Value::as_str).unwrap_or("(not from a Rivven resource)").to_owned()
}

fn release_of(object: Option<&Value>) -> &'static crate::rivven::Release {
    let version = object.and_then(|o| o.pointer("/metadata/labels/app.kubernetes.io~1version")).and_then(Value::as_str);
    version.map_or(crate::rivven::NEWEST, crate::rivven::release)
}

/// Compares two sides held in memory (see [`diff_each`]).
pub fn diff(before: Vec<RenderedObject>, after: Vec<RenderedObject>, before_findings: &Diagnostics, after_findings: &Diagnostics) -> Diff {
    diff_each(|each| before.into_iter().for_each(each), |each| after.into_iter().for_each(each), before_findings, after_findings)
}

/// Compares two sides, each rendered object by object: the old side is kept as compact JSON text
/// (a fraction of the memory of the trees), each new object is compared as it comes and dropped when
/// unchanged. `before_findings` and `after_findings` are the sides' diagnostics: a warning about the
/// Rivven release that only the new side has is a consequence of the change.
pub fn diff_each(before: impl FnOnce(&mut dyn FnMut(RenderedObject)), after: impl FnOnce(&mut dyn FnMut(RenderedObject)), before_findings: &Diagnostics, after_findings: &Diagnostics) -> Diff {
    let mut old: BTreeMap<ObjectRef, String> = BTreeMap::new();
    before(&mut |o| {
        let text = serde_json::to_string(&o.value).expect("JSON values serialize");
        old.insert(o.object_ref(), text);
    });
    let mut out = Diff::default();
    let mut changed: Vec<(ObjectRef, Option<Value>, Option<Value>)> = Vec::new();
    after(&mut |o| {
        let key = o.object_ref();
        match old.remove(&key) {
            Some(text) if text == serde_json::to_string(&o.value).expect("JSON values serialize") => out.unchanged += 1,
            Some(text) => changed.push((key, Some(serde_json::from_str(&text).expect("written above")), Some(o.value))),
            None => changed.push((key, None, Some(o.value))),
        }
    });
    changed.extend(old.into_iter().map(|(key, text)| (key, Some(serde_json::from_str(&text).expect("written above")), None)));
    for (object, old, new) in changed {
        out.add(object, old, new);
    }
    out.consequences.extend(release_limits(before_findings, after_findings));
    // By resource, then in apply order, as `render` writes them.
    let key = |o: &ObjectDiff| (o.resource.clone(), crate::render::kind_rank(&o.object.kind), o.object.clone());
    out.objects.sort_by_key(key);
    // Consequences in the same order, each object's in the order of the rules; a release warning
    // (about the Rivven resource itself) after its resource's objects.
    let resources: BTreeMap<&ObjectRef, &str> = out.objects.iter().map(|o| (&o.object, o.resource.as_str())).collect();
    let key = |c: &Consequence| {
        let resource = resources.get(&c.object).map_or_else(|| consequence::object_label(&c.object), |r| (*r).to_owned());
        (resource, crate::render::kind_rank(&c.object.kind), c.object.clone())
    };
    let mut consequences = std::mem::take(&mut out.consequences);
    consequences.sort_by_cached_key(key);
    out.consequences = consequences;
    out
}

impl Diff {
    /// Analyses one object that differs between the sides.
    fn add(&mut self, object: ObjectRef, old: Option<Value>, new: Option<Value>) {
        let resource = resource_of(new.as_ref().or(old.as_ref()).expect("one side has the object"));
        let (old, new) = secrets::mask_pair(&object.kind, old.as_ref(), new.as_ref(), &mut self.masked);
        let changes = match (&old, &new) {
            (Some(a), Some(b)) => fields::changes(a, b, &parse_embedded),
            _ => Vec::new(),
        };
        let pair = workloads::Pair { object: &object, before: old.as_ref(), after: new.as_ref(), changes: &changes };
        let mut found = workloads::consequences(pair);
        found.extend(plans::consequences(&object, old.as_ref(), new.as_ref(), release_of(new.as_ref().or(old.as_ref()))));
        let action = match (&old, &new) {
            (None, _) => Action::Add,
            (_, None) => Action::Remove,
            _ if found.iter().any(|c| c.reason == Reason::RequiresReplace) => Action::Replace,
            _ => Action::Change,
        };
        self.consequences.extend(found);
        self.objects.push(ObjectDiff { object, resource, action, changes, before: old, after: new });
    }
}

/// Rules whose warning means the new pods cannot run at all.
const CANNOT_RUN: [&str; 1] = ["rivven/cluster-mode"];

/// Warnings about what the Rivven release cannot do that only the new side has.
fn release_limits(before: &Diagnostics, after: &Diagnostics) -> Vec<Consequence> {
    let key = |d: &crate::diagnostics::Diagnostic| (d.rule, d.resource.as_ref().map(|r| r.to_string()), d.pointer.clone(), d.message.clone());
    let old: Vec<_> = before.iter().filter(|d| d.rule.starts_with("rivven/")).map(key).collect();
    after
        .iter()
        .filter(|d| d.severity == Severity::Warning && d.rule.starts_with("rivven/") && d.rule != "rivven/version")
        .filter(|d| !old.contains(&key(d)))
        .map(|d| {
            let object = match &d.resource {
                Some(r) => ObjectRef { api_version: crate::model::API_VERSION.to_owned(), kind: r.kind.name().to_owned(), namespace: r.namespace.clone(), name: r.name.clone() },
                None => ObjectRef { api_version: String::new(), kind: String::new(), namespace: None, name: String::new() },
            };
            let impact = if CANNOT_RUN.contains(&d.rule) { Impact::Disruptive } else { Impact::Info };
            let at = if d.path.is_empty() { String::new() } else { format!(" ({})", d.path) };
            Consequence::new(Reason::RivvenLimit, impact, &object, format!("only a warning allows this change{at}: {} [{}]", d.message, d.rule))
        })
        .collect()
}

#[cfg(test)]
#[path = "mod_tests.rs"]
mod tests;
