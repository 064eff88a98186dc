//! Validation (pure): JSON Schema, field rules, connector rules and cross-resource rules. Every
//! document is checked and every finding reported: one bad document never hides another's errors.
use std::sync::OnceLock;

use serde::de::DeserializeOwned;

use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::load::Document;
use crate::source::ResourceRef;
use crate::model::{Kind, Rivven, RivvenClusterSpec, RivvenConnectSpec, RivvenSchemaRegistrySpec, RivvenTopicSpec};

pub mod context;
pub mod cross;
pub mod k8s;
pub mod rules;
pub mod schema_check;
pub mod summary;

use crate::source::pointer as paths;
use context::RuleContext;
use schema_check::CompiledSchema;

/// A resource that passed its schema, with where it was written.
#[derive(Debug)]
pub struct Typed<S> {
    /// The typed resource.
    pub resource: Rivven<S>,
    /// Its identity and document.
    pub reference: ResourceRef,
    /// Index of its document in the run (in the order checked).
    pub doc: usize,
}

/// The typed resources of a run, by kind, in input order.
#[derive(Debug, Default)]
pub struct Validated {
    /// RivvenClusters.
    pub clusters: Vec<Typed<RivvenClusterSpec>>,
    /// RivvenConnects.
    pub connects: Vec<Typed<RivvenConnectSpec>>,
    /// RivvenTopics.
    pub topics: Vec<Typed<RivvenTopicSpec>>,
    /// RivvenSchemaRegistries.
    pub registries: Vec<Typed<RivvenSchemaRegistrySpec>>,
}

impl Validated {
    /// The resources' references, by kind (clusters, connects, topics, registries), in input order.
    pub fn references(&self) -> impl Iterator<Item = &ResourceRef> {
        let c = self.clusters.iter().map(|t| &t.reference);
        let k = self.connects.iter().map(|t| &t.reference);
        let t = self.topics.iter().map(|t| &t.reference);
        let r = self.registries.iter().map(|t| &t.reference);
        c.chain(k).chain(t).chain(r)
    }

    /// Number of resources.
    pub fn len(&self) -> usize {
        self.clusters.len() + self.connects.len() + self.topics.len() + self.registries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The compiled document schema of a kind (compiled once per process).
pub fn kind_schema(kind: Kind) -> &'static CompiledSchema {
    static SCHEMAS: OnceLock<[CompiledSchema; 4]> = OnceLock::new();
    let schemas = SCHEMAS.get_or_init(|| Kind::ALL.map(|k| CompiledSchema::new(crate::schema::document_schema(k))));
    &schemas[Kind::ALL.iter().position(|k| *k == kind).expect("every kind is in ALL")]
}

/// Validation one document at a time (each may be dropped once checked), then the set as a whole.
/// The cross-resource rules read small facts of each resource, so a run that only validates keeps
/// no typed resource at all ([`Validator::facts_only`]).
pub struct Validator {
    keep_resources: bool,
    default_version: Option<String>,
    validated: Validated,
    facts: cross::Facts,
    summaries: Vec<summary::DocSummary>,
    out: Vec<Diagnostic>,
}

impl Default for Validator {
    fn default() -> Self {
        Self { keep_resources: true, default_version: None, validated: Validated::default(), facts: cross::Facts::default(), summaries: Vec::new(), out: Vec::new() }
    }
}

impl Validator {
    /// A validator that keeps no typed resource (its [`Validator::finish`] returns none).
    pub fn facts_only() -> Self {
        Self { keep_resources: false, ..Self::default() }
    }

    /// Resources that name no `spec.version` run this one.
    pub fn default_version(mut self, version: String) -> Self {
        self.default_version = Some(version);
        self
    }

    /// Checks one document and keeps its facts, its summary and (unless facts only) its typed resource.
    pub fn check(&mut self, doc: &Document) {
        let index = self.summaries.len();
        if self.schema_valid(doc) {
            let keep = self.keep_resources;
            // A document that names no version runs the run's default (when one was chosen).
            let version = self.default_version.as_deref().filter(|_| doc.value.pointer("/spec/version").is_none());
            let at = Site { doc, index, version };
            let (out, facts, v) = (&mut self.out, &mut self.facts, &mut self.validated);
            match doc.kind {
                Kind::Cluster => check_typed(at, out, rules::cluster::check, |s| Some(&mut s.version), |r| facts.cluster(r, index), keep.then_some(&mut v.clusters)),
                Kind::Connect => check_typed(at, out, rules::connect::check, |s| Some(&mut s.version), |r| facts.connect(r, index), keep.then_some(&mut v.connects)),
                Kind::Topic => check_typed(at, out, rules::topic::check, |_| None, |r| facts.topic(r, index), keep.then_some(&mut v.topics)),
                Kind::SchemaRegistry => {
                    check_typed(at, out, rules::schema_registry::check, |s| Some(&mut s.version), |r| facts.registry(r, index), keep.then_some(&mut v.registries))
                }
            }
        }
        self.summaries.push(summary::DocSummary::of(doc));
    }

    /// The schema checks of a document; whether it may be read as its typed resource.
    fn schema_valid(&mut self, doc: &Document) -> bool {
        let out = &mut self.out;
        let before = out.len();
        kind_schema(doc.kind).check(doc, &doc.value, "", out);
        if doc.kind == Kind::Connect {
            rules::connect::check_configs(doc, out);
        }
        for d in out[before..].iter_mut().filter(|d| d.resource.is_none()) {
            d.resource = Some(doc.reference());
        }
        // Field rules need the typed resource, which needs a schema-valid document.
        !out[before..].iter().any(|d| d.severity == crate::diagnostics::Severity::Error)
    }

    /// Runs the cross-resource rules and hands over the findings and the typed resources.
    pub fn finish(mut self, diagnostics: &mut Diagnostics) -> Validated {
        cross::check(&self.facts, &self.summaries, &mut self.out);
        diagnostics.extend(self.out);
        self.validated
    }

    /// Number of documents checked.
    pub fn documents(&self) -> usize {
        self.summaries.len()
    }
}

/// The document being checked: itself, its index in the run, and the default version it gets.
#[derive(Clone, Copy)]
struct Site<'a> {
    doc: &'a Document,
    index: usize,
    version: Option<&'a str>,
}

/// Reads the typed resource, runs its kind's field rules, records its facts and keeps it if asked.
fn check_typed<S: DeserializeOwned>(
    at: Site<'_>,
    out: &mut Vec<Diagnostic>,
    rules: fn(&mut RuleContext<'_>, &Rivven<S>),
    version_of: fn(&mut S) -> Option<&mut String>,
    facts: impl FnOnce(&Rivven<S>),
    into: Option<&mut Vec<Typed<S>>>,
) {
    let doc = at.doc;
    if let Some(mut resource) = typed::<S>(doc, out) {
        if let (Some(version), Some(field)) = (at.version, version_of(&mut resource.spec)) {
            *field = version.to_owned();
        }
        rules(&mut RuleContext { doc, out }, &resource);
        facts(&resource);
        if let Some(into) = into {
            into.push(Typed { resource, reference: doc.reference(), doc: at.index });
        }
    }
}

/// Deserializes a schema-valid document. The schema cannot say everything the types do (e.g. that
/// an integer fits a u32), so a failure is reported at the field it happened at.
fn typed<S: DeserializeOwned>(doc: &Document, out: &mut Vec<Diagnostic>) -> Option<Rivven<S>> {
    match serde_path_to_error::deserialize::<_, Rivven<S>>(&doc.value) {
        Ok(r) => Some(r),
        Err(e) => {
            let pointer = path_pointer(e.path());
            let value = doc.value.pointer(&pointer).map(|v| paths::show_value(&pointer, v)).unwrap_or_else(|| "the value".into());
            out.push(
                Diagnostic::error("schema/type", if paths::is_sensitive(&pointer) { format!("{value} cannot be read here") } else { format!("{value} cannot be read here: {}", paths::without_userinfo(&e.inner().to_string())) })
                    .at(doc.value_location(&pointer))
                    .field(&pointer, paths::display(&doc.value, &pointer))
                    .resource(Some(doc.reference()))
                    .hint("write a value of the type and range the field takes"),
            );
            None
        }
    }
}

/// The JSON pointer of a serde path (`spec.replicas` -> `/spec/replicas`).
fn path_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut pointer = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => pointer.push_str(&format!("/{index}")),
            Segment::Map { key } => pointer.push_str(&format!("/{}", crate::source::pointer::escape_token(key))),
            Segment::Enum { .. } | Segment::Unknown => {}
        }
    }
    pointer
}
