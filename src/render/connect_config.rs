//! connect.yaml in rivven-connect's own format: snake_case keys, broker bootstrap through the
//! cluster's client Service, secrets only as `${VAR}` placeholders filled from the environment
//! (each `configSecretRef` enters the worker as environment variables named as the Secret's keys, so
//! cloud SDKs find e.g. `AWS_ACCESS_KEY_ID` where they look for it).
use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::model::connect::{CdcConfig, SinkConnectorSpec, SourceConnectorSpec};
use crate::model::connectors::registry::{self, Direction};
use crate::model::RivvenConnect;
use super::RenderOptions;
use crate::rivven;

/// `host:port` of the referenced cluster's client Service.
pub fn bootstrap_server(connect: &RivvenConnect, cluster_domain: &str) -> String {
    let r = &connect.spec.cluster_ref;
    let port = rivven::release(&connect.spec.version).broker.client_port;
    match r.namespace.as_deref().or(connect.namespace()) {
        Some(ns) => format!("{}.{ns}.svc.{cluster_domain}:{port}", crate::model::names::cluster_workload(&r.name)),
        None => format!("{}:{port}", crate::model::names::cluster_workload(&r.name)),
    }
}

/// connect.yaml as text. rivven-connect substitutes `${VAR}` in the raw text before parsing it,
/// so placeholders are quoted (a password `12345` or `a: b` stays a string), except where the
/// program wants a number (the port) or a YAML tag (a timestamp start offset).
pub fn connect_yaml_text(connect: &RivvenConnect, options: &RenderOptions) -> String {
    let mut style = crate::yaml::Style { quote_placeholders: true, ..Default::default() };
    let value = connect_yaml(connect, options, &mut style.raw);
    crate::yaml::to_string_styled(&value, &style)
}

/// The whole connect.yaml document; `raw` receives the scalars to write verbatim, by pointer.
pub fn connect_yaml(connect: &RivvenConnect, options: &RenderOptions, raw: &mut BTreeMap<String, String>) -> Value {
    let spec = &connect.spec;
    let settings = &spec.settings;
    let release = rivven::release(&spec.version);
    let mut sources = Map::new();
    for s in &spec.sources {
        let owner = super::cdc_config::Owner { namespace: connect.namespace().unwrap_or_default(), resource: connect.name(), source: &s.name };
        let (value, port) = source(s, &owner, release);
        if let Some(port) = port {
            // The renderer's own `${port:-N}`: a number once substituted, so it stays bare.
            raw.insert(format!("/sources/{}/config/port", crate::source::pointer::escape_token(&s.name)), port);
        }
        sources.insert(s.name.clone(), value);
    }
    let mut sinks = Map::new();
    for s in &spec.sinks {
        if !matches!(s.start_offset.as_str(), "earliest" | "latest") {
            // The program's StartOffset takes a timestamp only as the tag `!timestamp "..."`.
            let pointer = format!("/sinks/{}/start_offset", crate::source::pointer::escape_token(&s.name));
            raw.insert(pointer, format!("!timestamp {}", serde_json::to_string(&s.start_offset).expect("a string serializes")));
        }
        sinks.insert(s.name.clone(), sink(s, release));
    }
    let mut global = json!({
        "topic": {
            "auto_create": settings.topic.auto_create,
            "default_partitions": settings.topic.default_partitions,
            "default_replication_factor": settings.topic.default_replication_factor,
        },
        "retry": {
            "max_retries": settings.retry.max_retries,
            "initial_backoff_ms": settings.retry.initial_backoff_ms,
            "max_backoff_ms": settings.retry.max_backoff_ms,
            "backoff_multiplier": settings.retry.backoff_multiplier,
        },
        // Always on: the pods' liveness probe reads /live from it.
        "health": { "enabled": true, "port": settings.health.port, "path": settings.health.path },
        "metrics": { "enabled": settings.metrics.enabled, "port": settings.metrics.port },
    });
    if release.connect.state_dir_used {
        global["state_dir"] = json!(release.connect.state_dir);
    }
    if let Some(level) = settings.log_level.filter(|_| release.connect.log_level_setting) {
        global["log_level"] = serde_json::to_value(level).expect("log level serializes");
    }
    json!({
        "version": "1.0",
        "broker": { "bootstrap_servers": [bootstrap_server(connect, &options.cluster_domain)] },
        "sources": sources,
        "sinks": sinks,
        "settings": global,
    })
}

/// A source entry, and the port placeholder the renderer wrote into its config, if any.
fn source(s: &SourceConnectorSpec, owner: &super::cdc_config::Owner<'_>, release: &'static rivven::Release) -> (Value, Option<String>) {
    let (config, port) = cdc_source_config(s, owner, release).unwrap_or_else(|| (connector_config(Direction::Source, &s.connector, s.typed.to_value(), &s.config, release), None));
    let mut out = json!({ "connector": s.connector, "topic": s.topic, "enabled": s.enabled, "config": config });
    if let Some(t) = &s.topic_config {
        let mut tc = Map::new();
        if let Some(p) = t.partitions {
            tc.insert("partitions".into(), json!(p));
        }
        if let Some(rf) = t.replication_factor {
            tc.insert("replication_factor".into(), json!(rf));
        }
        tc.insert("auto_create".into(), json!(t.auto_create));
        out["topic_config"] = Value::Object(tc);
    }
    if let Some(r) = &s.rate_limit {
        let mut rl = json!({ "events_per_second": r.events_per_second });
        if let Some(b) = r.burst_capacity {
            rl["burst_size"] = json!(b);
        }
        out["rate_limit"] = rl;
    }
    (out, port)
}

fn sink(s: &SinkConnectorSpec, release: &'static rivven::Release) -> Value {
    let config = connector_config(Direction::Sink, &s.connector, s.typed.to_value(), &s.config, release);
    // A timestamp is written as a YAML tag (see `connect_yaml`).
    let start_offset = json!(s.start_offset);
    let mut out = json!({
        "connector": s.connector,
        "topics": s.topics,
        "consumer_group": s.consumer_group,
        "enabled": s.enabled,
        "start_offset": start_offset,
        "config": config,
    });
    if let Some(r) = &s.rate_limit {
        let mut rl = json!({ "events_per_second": r.events_per_second });
        if let Some(b) = r.burst_capacity {
            rl["burst_capacity"] = json!(b);
        }
        out["rate_limit"] = rl;
    }
    out
}

/// The connector's `config` in rivven-connect's spelling (the CDC sources: [`cdc_source_config`]).
fn connector_config(direction: Direction, connector: &str, typed: Option<(&'static str, Value)>, generic: &Map<String, Value>, release: &'static rivven::Release) -> Value {
    let Some(known) = registry::lookup(direction, connector) else {
        // A custom connector: its keys are its own business.
        return Value::Object(generic.clone());
    };
    let raw = typed.map(|(_, v)| v).unwrap_or_else(|| Value::Object(generic.clone()));
    let schema = crate::schema::connector_schema(known);
    let mut config = snake_case_keys(&raw, schema, schema);
    if let Some(map) = config.as_object_mut() {
        if connector == "stdout" && map.get("pretty") == Some(&Value::Bool(true)) && map.get("format") == Some(&json!("json")) {
            // The program's spelling of indented JSON.
            map.insert("format".into(), json!("pretty"));
        }
        // Keys the program does not read are left out (the rules name those the spec sets).
        for key in rivven::cdc::unread_keys(release, connector, map) {
            map.remove(&key);
        }
    }
    config
}

/// A CDC source's `config` and the port placeholder written into it (`None` for other sources).
/// The rules refuse a config that does not read as its typed form (`rivven/cdc-config`), so
/// nothing is rendered from one.
fn cdc_source_config(s: &SourceConnectorSpec, owner: &super::cdc_config::Owner<'_>, release: &'static rivven::Release) -> Option<(Value, Option<String>)> {
    let mut config = match s.cdc_config()?.1 {
        Ok(CdcConfig::Postgres(c)) => super::cdc_config::postgres(&c, owner, release),
        Ok(CdcConfig::Mysql(c)) => super::cdc_config::mysql(&c, owner, release),
        Err(_) => Map::new(),
    };
    let port = s.config_secret_ref.is_some().then(|| super::cdc_config::connection_placeholders(&s.connector, &mut config));
    Some((Value::Object(config), port))
}

/// Renames the properties the schema declares (camelCase -> snake_case), leaving the keys of free
/// maps (column names, headers) exactly as written.
fn snake_case_keys(value: &Value, root: &Value, schema: &Value) -> Value {
    let schema = crate::schema::resolve(root, schema);
    match value {
        Value::Object(map) => {
            let props = schema.get("properties").and_then(Value::as_object);
            let extra = schema.get("additionalProperties").filter(|a| a.is_object());
            Value::Object(
                map.iter()
                    .map(|(k, v)| match props.and_then(|p| p.get(k)) {
                        Some(child) => (crate::model::names::snake_case(k), snake_case_keys(v, root, child)),
                        None => (k.clone(), extra.map_or_else(|| v.clone(), |e| snake_case_keys(v, root, e))),
                    })
                    .collect(),
            )
        }
        Value::Array(items) => {
            let item_schema = schema.get("items").unwrap_or(&Value::Null);
            Value::Array(items.iter().map(|v| snake_case_keys(v, root, item_schema)).collect())
        }
        other => other.clone(),
    }
}



