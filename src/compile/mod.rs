//! The compile core every front door calls (the CLI commands, the tests, the benchmarks, and the
//! diff, plugin and in-cluster modes to come): inputs in; sources, typed resources, plans, rendered
//! objects and diagnostics out. It prints nothing, exits nothing and writes nothing.
use crate::diagnostics::{Deny, Diagnostic, Diagnostics};
use crate::load::{self, Document, LoadOptions};
use crate::model::plan::{RegistryPlan, TopicPlan};
use crate::render::{self, RenderOptions, RenderedObject};
use crate::source::SourceSet;
use crate::validate::{Validated, Validator};

pub use crate::load::Input;

pub mod settings;

/// The rule of an input without any Rivven resource.
pub const NO_RESOURCES_RULE: &str = "load/no-resources";

/// Documents parsed ahead of the checks.
const PARSED_AHEAD: usize = 16;

/// What a run is asked to do.
#[derive(Clone, Debug, Default)]
pub struct CompileOptions {
    /// Documents of other kinds are errors instead of notes.
    pub strict: bool,
    /// Where the manifests will run (the cluster domain of service addresses).
    pub render: RenderOptions,
    /// The Rivven version of resources that name none (`None`: the newest known release).
    pub default_version: Option<String>,
    /// Findings the team raises to errors.
    pub deny: Deny,
    /// Only validate: keep no typed resource (the cross-resource rules need only small facts of
    /// each document), so memory does not grow with the input. Nothing can be rendered then.
    pub validate_only: bool,
    /// The namespace of resources that name none (Argo CD's application namespace, `--namespace`).
    pub default_namespace: Option<String>,
    /// Drop the annotations kustomize and kpt add to items (`config.kubernetes.io/…`), so they are
    /// not copied to the rendered objects.
    pub drop_function_annotations: bool,
    /// Renames kustomize made before the KRM function ran (its references follow them).
    pub renames: Option<crate::load::krm::renames::Renames>,
    /// Read nothing outside this directory (the plugins' kustomization or application directory).
    pub confine: Option<std::path::PathBuf>,
}

/// A plan and the namespace its ConfigMap is rendered into (`None`: chosen at apply time): two
/// clusters of one name in two namespaces have two plans.
#[derive(Clone, Debug, PartialEq)]
pub struct Planned<T> {
    /// The namespace.
    pub namespace: Option<String>,
    /// The plan.
    pub plan: T,
}

/// Everything one run found and made.
#[derive(Debug)]
pub struct Compilation {
    /// The files read.
    pub sources: SourceSet,
    /// Number of Rivven documents read.
    pub documents: usize,
    /// The typed resources (none when only validating), each with its [`crate::source::ResourceRef`].
    pub validated: Validated,
    /// Every finding, with the severities the options chose.
    pub diagnostics: Diagnostics,
    options: CompileOptions,
}

impl Compilation {
    /// Whether the input may be rendered: no error was found and the resources were kept.
    pub fn renderable(&self) -> bool {
        !self.diagnostics.has_errors() && !self.options.validate_only
    }

    /// Whether an input could not be read, or is past one of the limits of a run (the CLI exits 2).
    pub fn failed_to_read(&self) -> bool {
        self.diagnostics.iter().any(|d| crate::diagnostics::is_read_failure(d.rule))
    }

    /// Renders resource by resource, handing each object over at once (memory holds one resource's
    /// objects at a time). Renders nothing unless [`Compilation::renderable`].
    pub fn render_each<E>(&self, each: &mut dyn FnMut(RenderedObject) -> Result<(), E>) -> Result<(), E> {
        if !self.renderable() {
            return Ok(());
        }
        render::render_each(&self.validated, &self.options.render, each)
    }

    /// Every rendered object, in output order (empty unless [`Compilation::renderable`]).
    pub fn objects(&self) -> Vec<RenderedObject> {
        let mut objects = Vec::new();
        let _ = self.render_each(&mut |o| {
            objects.push(o);
            Ok::<(), std::convert::Infallible>(())
        });
        objects
    }

    /// The topic plans (what the in-cluster companion applies on the brokers), by cluster.
    /// (Empty unless [`Compilation::renderable`], like the objects.)
    pub fn topic_plans(&self) -> Vec<Planned<TopicPlan>> {
        if !self.renderable() {
            return Vec::new();
        }
        render::topic::plans(&self.validated).into_iter().map(|((namespace, _), plan)| Planned { namespace, plan }).collect()
    }

    /// The registry plans, one per registry (empty unless [`Compilation::renderable`]).
    pub fn registry_plans(&self) -> Vec<Planned<RegistryPlan>> {
        if !self.renderable() {
            return Vec::new();
        }
        let plan = |r: &crate::model::RivvenSchemaRegistry| render::schema_registry::registry_plan(r, &self.options.render.cluster_domain);
        self.validated.registries.iter().map(|r| Planned { namespace: r.resource.namespace().map(str::to_owned), plan: plan(&r.resource) }).collect()
    }
}

impl Compilation {
    /// Points the findings about relocated documents at the same fields in their other file (where
    /// a field exists there; others keep their place).
    pub fn relocate(&mut self, relocations: &[load::krm::inputs::Relocation]) {
        for relocation in relocations {
            let Some(from) = self.sources.find(&relocation.from, None) else { continue };
            let known = self.sources.find(&relocation.to_name, Some(&relocation.to_text));
            let file = known.unwrap_or_else(|| self.sources.add(relocation.to_name.clone(), relocation.to_text.clone()));
            let source = self.sources.get(file);
            let Some(Ok((value, spans))) = load::tree::documents(source).0.into_iter().nth(relocation.document) else { continue };
            let place = |pointer: &str| {
                let pointer = format!("{}{pointer}", relocation.prefix);
                let pointer = pointer.as_str();
                let span = spans.nearest(pointer)?;
                let whole = matches!(value.pointer(pointer), Some(serde_json::Value::Object(_) | serde_json::Value::Array(_)));
                Some(crate::source::Location { file, bytes: if whole { span.key.unwrap_or(span.value) } else { span.value } })
            };
            for d in self.diagnostics.iter_mut().filter(|d| d.location.as_ref().is_some_and(|l| l.file == from)) {
                if let Some(location) = place(&d.pointer) {
                    d.location = Some(location);
                }
                if let Some(r) = d.resource.as_mut().filter(|r| r.file == from) {
                    r.file = file;
                    r.document = relocation.document;
                }
            }
        }
    }
}

/// Loads, validates and (lazily) renders the inputs. Every problem is a diagnostic of the
/// [`Compilation`], an unreadable input (`load/unreadable`) or one past a limit (`load/limit`)
/// included: see [`Compilation::failed_to_read`].
pub fn compile(inputs: &[Input], options: &CompileOptions) -> Compilation {
    let mut diagnostics = Diagnostics::default();
    let mut validator = if options.validate_only { Validator::facts_only() } else { Validator::default() };
    if let Some(version) = &options.default_version {
        validator = validator.default_version(version.clone());
    }
    if let Some(version) = &options.default_version {
        diagnostics.extend(default_version_findings(version));
    }
    let load_options = LoadOptions { strict: options.strict, default_namespace: options.default_namespace.as_deref(), drop_function_annotations: options.drop_function_annotations, renames: options.renames.as_ref(), confine: options.confine.as_deref() };
    // Both cores: one thread reads and parses, this one checks, a bounded queue between them (a
    // few documents in flight, so memory does not grow with the input).
    let (sources, load_diagnostics) = std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<Document>(PARSED_AHEAD);
        let loader = scope.spawn(move || {
            let mut found = Diagnostics::default();
            let sources = load::load_each(inputs, load_options, &mut found, &mut |doc| {
                let _ = send.send(doc);
            });
            (sources, found)
        });
        for doc in receive {
            validator.check(&doc);
        }
        loader.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    });
    diagnostics.extend(load_diagnostics);
    let documents = validator.documents();
    let validated = validator.finish(&mut diagnostics);
    if documents == 0 && !diagnostics.has_errors() {
        // Succeeding on nothing would let a GitOps tool prune everything it manages.
        diagnostics.push(Diagnostic::error(NO_RESOURCES_RULE, "no Rivven resource found in the input"));
    }
    if !diagnostics.has_errors() && !options.validate_only {
        diagnostics.extend(render::target_findings(&validated, &options.render));
    }
    options.deny.apply(&mut diagnostics);
    Compilation { sources, documents, validated, diagnostics, options: options.clone() }
}

/// What the run's default Rivven version gets, once for the run (resources that write their own
/// `spec.version` are checked at that field): an error for a value that cannot be an image tag, a
/// warning for a version the capability table does not know.
pub fn default_version_findings(version: &str) -> Vec<Diagnostic> {
    if let Err(why) = crate::validate::k8s::image_tag(version) {
        return vec![Diagnostic::error("image/reference", format!("--rivven-version `{version}` {why}"))];
    }
    if crate::rivven::known(version).is_some() {
        return Vec::new();
    }
    let newest = crate::rivven::NEWEST.version;
    vec![Diagnostic::warning(
        "rivven/version",
        format!("--rivven-version {version} is not a version rivven-render knows (known: {}); resources without `spec.version` are rendered as Rivven {newest}, whose flags it may not take", crate::rivven::known_versions()),
    )]
}

/// Compiles documents held in memory (a test, a KRM item): one input per (name, text).
pub fn compile_texts(texts: &[(&str, &str)], options: &CompileOptions) -> Compilation {
    let inputs: Vec<Input> = texts.iter().map(|(name, text)| Input::Text { name: (*name).to_owned(), text: (*text).to_owned() }).collect();
    compile(&inputs, options)
}
