//! Rules of RivvenConnect, including the connector rules: each known connector type's generic
//! `config` is checked against the schema of its typed form.
use std::collections::{BTreeMap, HashMap};
use std::sync::OnceLock;

use serde_json::Value;

use super::super::context::RuleContext;
use super::super::schema_check::CompiledSchema;
use super::common;
use crate::model::connectors::registry::{self, Direction, KnownConnector};
use crate::model::{Kind, RivvenConnect};
use crate::validate::k8s;

/// Checks one connect resource (typed; the document passed schema validation).
pub fn check(ctx: &mut RuleContext<'_>, connect: &RivvenConnect) {
    let spec = &connect.spec;
    common::metadata(ctx, Kind::Connect, &connect.metadata);
    common::cluster_ref(ctx, &spec.cluster_ref);
    common::image(ctx, &spec.image, &spec.version);
    // The renderer sets RUST_LOG for `settings.logLevel` where the config's level is unused.
    let rendered_env: &[&str] = if crate::rivven::release(&spec.version).connect.rust_log(spec.settings.log_level).is_some() { &["RUST_LOG"] } else { &[] };
    common::pod(ctx, &spec.pod, rendered_env);
    for (i, source) in spec.sources.iter().enumerate() {
        if let Some(secret) = &source.config_secret_ref {
            common::secret_name(ctx, &format!("/spec/sources/{i}/configSecretRef"), secret);
        }
    }
    for (i, sink) in spec.sinks.iter().enumerate() {
        if let Some(secret) = &sink.config_secret_ref {
            common::secret_name(ctx, &format!("/spec/sinks/{i}/configSecretRef"), secret);
        }
        let offset = sink.start_offset.as_str();
        if !matches!(offset, "earliest" | "latest") {
            if let Err(why) = k8s::rfc3339(offset) {
                ctx.error("connect/start-offset", &format!("/spec/sinks/{i}/startOffset"), why).with_hint("use `earliest`, `latest` or an RFC 3339 date-time");
            }
        }
    }
    let release = crate::rivven::release(&spec.version);
    common::tls(ctx, &spec.tls, "the workers' broker connection", release, release.broker.tls);

    unique_names(ctx, "sources", spec.sources.iter().map(|s| s.name.as_str()));
    unique_names(ctx, "sinks", spec.sinks.iter().map(|s| s.name.as_str()));
    for (i, source) in spec.sources.iter().enumerate() {
        typed_forms(ctx, &format!("/spec/sources/{i}"), Direction::Source, &source.connector, source.typed.set_fields(), !source.config.is_empty());
    }
    for (i, sink) in spec.sinks.iter().enumerate() {
        typed_forms(ctx, &format!("/spec/sinks/{i}"), Direction::Sink, &sink.connector, sink.typed.set_fields(), !sink.config.is_empty());
    }

    super::cdc::check(ctx, &spec.sources, &spec.sinks, release);
    unread_options(ctx, release);
    let allowed = connect.metadata.annotations.get(ALLOW_LITERAL_SECRETS).is_some_and(|v| v == "true");
    for list in ["sources", "sinks"] {
        let items = ctx.doc.value.pointer(&format!("/spec/{list}")).and_then(Value::as_array).cloned().unwrap_or_default();
        for (i, item) in items.iter().enumerate() {
            literal_secrets(ctx, &format!("/spec/{list}/{i}"), item, allowed);
        }
    }
    let secrets = crate::model::secrets::secret_refs(connect);
    if secrets.len() > 1 {
        let names: Vec<&str> = secrets.iter().map(String::as_str).collect();
        ctx.warning("connect/secret-keys-shared", "/spec", format!("the Secrets {} all become environment variables of the same workers: a key present in several of them takes the value of the last one ({})", names.join(", "), names[names.len() - 1]))
            .with_hint("give credentials of different connectors distinct key names, or split the connectors into several RivvenConnects");
    }
    let active_sources = spec.sources.iter().filter(|s| s.enabled).count();
    if spec.replicas > 1 && active_sources > 0 {
        ctx.warning("connect/replicated-sources", "/spec/replicas", format!("{} workers without distributed mode each run every source: {active_sources} source(s) would run {} times", spec.replicas, spec.replicas))
            .with_hint("use `replicas: 1` for sources, or split sinks into their own RivvenConnect");
    }
    if !spec.settings.health.enabled {
        ctx.warning("connect/health-forced", "/spec/settings/health/enabled", "the health endpoint stays enabled in the rendered config: the pods' liveness probe needs its /live path");
    }
    let retry = &spec.settings.retry;
    if retry.max_backoff_ms < retry.initial_backoff_ms {
        ctx.error("connect/retry-backoff", "/spec/settings/retry/maxBackoffMs", format!("maxBackoffMs ({}) is below initialBackoffMs ({})", retry.max_backoff_ms, retry.initial_backoff_ms));
    }
    if spec.settings.health.port == spec.settings.metrics.port && spec.settings.metrics.enabled {
        ctx.error("connect/port-clash", "/spec/settings/metrics/port", format!("the metrics port {} is also the health port", spec.settings.metrics.port));
    }
}

/// Annotation that turns the literal-secret error into a warning (for test setups).
pub const ALLOW_LITERAL_SECRETS: &str = "rivven.hupe1980.github.io/allow-literal-secrets";

/// A credential written as a literal would land in the rendered ConfigMap: it belongs in the
/// Secret named by `configSecretRef`, referenced as `${KEY}`.
fn literal_secrets(ctx: &mut RuleContext<'_>, pointer: &str, value: &Value, allowed: bool) {
    match value {
        Value::Object(map) => {
            for (key, v) in map {
                let at = crate::source::pointer::join(pointer, key);
                if let Value::String(text) = v {
                    if crate::model::secrets::names_a_credential(key) && !text.is_empty() && !text.contains("${") {
                        let message = format!("`{key}` holds a literal credential, which would be written into the rendered ConfigMap");
                        let hint = format!("put the value into the Secret named by `configSecretRef` and write `{key}: ${{KEY}}` (KEY: its key in the Secret)");
                        if allowed {
                            ctx.warning("connect/literal-secret", &at, message).with_hint(format!("{hint}; allowed here by the annotation {ALLOW_LITERAL_SECRETS}"));
                        } else {
                            ctx.error("connect/literal-secret", &at, message).with_hint(format!("{hint}; for test setups, the annotation `{ALLOW_LITERAL_SECRETS}: \"true\"` makes this a warning"));
                        }
                        continue;
                    }
                }
                literal_secrets(ctx, &at, v, allowed);
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                literal_secrets(ctx, &format!("{pointer}/{i}"), item, allowed);
            }
        }
        _ => {}
    }
}

fn unique_names<'a>(ctx: &mut RuleContext<'_>, list: &str, names: impl Iterator<Item = &'a str>) {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, name) in names.enumerate() {
        if let Some(first) = seen.insert(name, i) {
            seen.insert(name, first);
            ctx.error("connect/duplicate-name", &format!("/spec/{list}/{i}/name"), format!("a connector named `{name}` is already listed in `{list}` (item {first})"))
                .with_hint("connector names must be unique within a RivvenConnect");
        }
    }
}

/// The typed form must match the connector type, and only one may be given.
fn typed_forms(ctx: &mut RuleContext<'_>, pointer: &str, direction: Direction, connector: &str, set: Vec<&'static str>, has_config: bool) {
    let known = registry::lookup(direction, connector);
    if known.is_none() {
        let names = registry::all().iter().filter(|k| k.direction == direction).flat_map(|k| k.types.iter().copied());
        if let Some(near) = crate::diagnostics::suggest::closest(connector, names) {
            ctx.warning("connector/near-known-type", &format!("{pointer}/connector"), format!("`{connector}` is not a known connector type, so it is treated as a custom connector and its `config` is not checked"))
                .with_hint(format!("did you mean `{near}`?"));
        }
    }
    if set.len() > 1 {
        ctx.error("connector/several-typed", pointer, format!("only one typed configuration may be given, found {}", set.join(", ")));
    }
    for field in &set {
        let matches = known.is_some_and(|k| k.typed_field == *field);
        if !matches {
            let owner = registry::by_typed_field(direction, field).map(|k| k.types[0]).unwrap_or("another connector");
            let hint = match known {
                Some(k) => format!("`connector: {connector}` takes `{}`", k.typed_field),
                None => format!("`{connector}` is a custom connector: configure it through `config`"),
            };
            ctx.error("connector/typed-mismatch", &format!("{pointer}/{field}"), format!("`{field}` configures `{owner}`, but this connector is `{connector}`"))
                .with_hint(hint);
        }
        if has_config && matches {
            ctx.error("connector/typed-and-config", &format!("{pointer}/config"), format!("give the configuration either as `{field}` or as `config`, not both"));
        }
    }
}

/// Checks the generic `config` of every known connector against its typed schema. Works on the
/// raw document, so it reports even when other parts of the document are invalid.
pub fn check_configs(doc: &crate::load::Document, out: &mut Vec<crate::diagnostics::Diagnostic>) {
    for (list, direction) in [("sources", Direction::Source), ("sinks", Direction::Sink)] {
        let Some(items) = doc.value.pointer(&format!("/spec/{list}")).and_then(Value::as_array) else { continue };
        for (i, item) in items.iter().enumerate() {
            let (Some(connector), Some(config)) = (item.get("connector").and_then(Value::as_str), item.get("config")) else { continue };
            if !config.is_object() {
                continue; // the document schema reports the type
            }
            if let Some(known) = registry::lookup(direction, connector) {
                connector_schema(known).check(doc, config, &format!("/spec/{list}/{i}/config"), out);
            }
        }
    }
}

fn connector_schema(known: &'static KnownConnector) -> &'static CompiledSchema {
    static COMPILED: OnceLock<BTreeMap<(bool, &'static str), CompiledSchema>> = OnceLock::new();
    let compiled = COMPILED.get_or_init(|| {
        registry::all()
            .iter()
            .map(|k| ((k.direction == Direction::Source, k.typed_field), CompiledSchema::new(crate::schema::connector_schema(k).clone())))
            .collect()
    });
    &compiled[&(known.direction == Direction::Source, known.typed_field)]
}

/// Options of a typed connector config that the release's program does not read: written in the
/// spec but left out of connect.yaml. Read from the document: only what the user wrote counts.
fn unread_options(ctx: &mut RuleContext<'_>, release: &'static crate::rivven::Release) {
    let doc = ctx.doc;
    for (list, direction) in [("sources", Direction::Source), ("sinks", Direction::Sink)] {
        let Some(items) = doc.value.pointer(&format!("/spec/{list}")).and_then(Value::as_array) else { continue };
        for (i, item) in items.iter().enumerate() {
            let Some(connector) = item.get("connector").and_then(Value::as_str) else { continue };
            let Some(known) = registry::lookup(direction, connector).filter(|_| crate::rivven::cdc::checks_options(release, connector)) else { continue };
            for field in [known.typed_field, "config"] {
                for written in item.get(field).and_then(Value::as_object).into_iter().flat_map(|m| m.keys()) {
                    let key = crate::model::names::snake_case(written);
                    if crate::rivven::cdc::reads_option(release, connector, &key) {
                        continue;
                    }
                    let pointer = format!("/spec/{list}/{i}/{field}/{}", crate::source::pointer::escape_token(written));
                    let instead = if connector == "stdout" && key == "pretty" { "; `pretty: true` with `format: json` is rendered as `format: pretty`" } else { "" };
                    ctx.warning("rivven/connector-option", &pointer, format!("the {connector} connector of rivven-connect {} does not read `{written}`: it is not rendered{instead}", release.version));
                }
            }
        }
    }
}
