//! connect.yaml in rivven-connect's own format: snake_case keys, broker bootstrap through the
//! cluster's client Service, secrets only as `${VAR}` placeholders filled from the environment
//! (each `configSecretRef` enters the worker as environment variables named as the Secret's keys, so
//! cloud SDKs find e.g. `AWS_ACCESS_KEY_ID` where they look for it).
use serde_json::{json, Map, Value};

use crate::model::connect::{SinkConnectorSpec, SourceConnectorSpec};
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

/// The whole connect.yaml document.
pub fn connect_yaml(connect: &RivvenConnect, options: &RenderOptions) -> Value {
    let spec = &connect.spec;
    let settings = &spec.settings;
    let sources: Map<String, Value> = spec.sources.iter().map(|s| (s.name.clone(), source(s))).collect();
    let sinks: Map<String, Value> = spec.sinks.iter().map(|s| (s.name.clone(), sink(s))).collect();
    let mut global = json!({
        "state_dir": rivven::release(&spec.version).connect.state_dir,
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
    if let Some(level) = settings.log_level {
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

fn source(s: &SourceConnectorSpec) -> Value {
    let (config, tables) = connector_config(Direction::Source, &s.connector, s.typed.to_value(), &s.config, s.config_secret_ref.is_some());
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
    if !tables.is_empty() {
        out["tables"] = Value::Array(tables);
    }
    if let Some(r) = &s.rate_limit {
        let mut rl = json!({ "events_per_second": r.events_per_second });
        if let Some(b) = r.burst_capacity {
            rl["burst_size"] = json!(b);
        }
        out["rate_limit"] = rl;
    }
    out
}

fn sink(s: &SinkConnectorSpec) -> Value {
    let (config, _) = connector_config(Direction::Sink, &s.connector, s.typed.to_value(), &s.config, s.config_secret_ref.is_some());
    let start_offset = match s.start_offset.as_str() {
        "earliest" | "latest" => json!(s.start_offset),
        timestamp => json!({ "timestamp": timestamp }),
    };
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

/// The connector's `config` in rivven-connect's spelling, and the source-level `tables` list.
fn connector_config(
    direction: Direction,
    connector: &str,
    typed: Option<(&'static str, Value)>,
    generic: &Map<String, Value>,
    has_secret: bool,
) -> (Value, Vec<Value>) {
    let Some(known) = registry::lookup(direction, connector) else {
        // A custom connector: its keys are its own business.
        return (Value::Object(generic.clone()), Vec::new());
    };
    let raw = typed.map(|(_, v)| v).unwrap_or_else(|| Value::Object(generic.clone()));
    let schema = crate::schema::connector_schema(known);
    let mut config = snake_case_keys(&raw, schema, schema);
    let mut tables = Vec::new();
    if let Some(map) = config.as_object_mut() {
        if matches!(connector, "postgres-cdc" | "mysql-cdc") {
            cdc_spelling(map, &mut tables);
            if has_secret {
                // The Secret's keys are environment variables of the worker, named as in the Secret.
                for (key, fallback) in [("host", None), ("port", Some(if connector == "mysql-cdc" { "3306" } else { "5432" })), ("database", None), ("user", None), ("password", None)] {
                    map.entry(key).or_insert_with(|| match fallback {
                        Some(f) => json!(format!("${{{key}:-{f}}}")),
                        None => json!(format!("${{{key}}}")),
                    });
                }
            }
        }
    }
    (config, tables)
}

/// rivven-connect's CDC sources name the publication `publication_name`, take tables as
/// `schema.table` strings and column selections as `column_filters`; the per-table topic moves to
/// the source-level `tables` list. (Column masks have no equivalent: validation warns.)
fn cdc_spelling(config: &mut Map<String, Value>, tables: &mut Vec<Value>) {
    // Transform options are option names (`drop_tombstones`), not data: spell them like the rest.
    for transform in config.get_mut("transforms").and_then(Value::as_array_mut).into_iter().flatten() {
        if let Some(Value::Object(options)) = transform.get_mut("config") {
            *options = std::mem::take(options).into_iter().map(|(k, v)| (snake_case(&k), v)).collect();
        }
    }
    if config.contains_key("publication") {
        // Renamed in place, so the key keeps the user's position in connect.yaml.
        *config = std::mem::take(config).into_iter().map(|(k, v)| (if k == "publication" { "publication_name".into() } else { k }, v)).collect();
    }
    if let Some(Value::Array(items)) = config.get("tables").cloned() {
        let mut names = Vec::new();
        let mut filters = Map::new();
        for item in items {
            let table = item.get("table").and_then(Value::as_str).unwrap_or_default();
            let schema = item.get("schema").and_then(Value::as_str);
            let qualified = match schema {
                Some(s) => format!("{s}.{table}"),
                None => table.to_owned(),
            };
            let include = item.get("columns").cloned().unwrap_or(json!([]));
            let exclude = item.get("exclude_columns").cloned().unwrap_or(json!([]));
            if include.as_array().is_some_and(|a| !a.is_empty()) || exclude.as_array().is_some_and(|a| !a.is_empty()) {
                filters.insert(qualified.clone(), json!({ "include": include, "exclude": exclude }));
            }
            names.push(json!(qualified));
            let mut entry = json!({ "table": table });
            if let Some(s) = schema {
                entry["schema"] = json!(s);
            }
            if let Some(topic) = item.get("topic") {
                entry["topic"] = topic.clone();
            }
            tables.push(entry);
        }
        config.insert("tables".into(), Value::Array(names));
        if !filters.is_empty() {
            config.insert("column_filters".into(), Value::Object(filters));
        }
    }
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
                        Some(child) => (snake_case(k), snake_case_keys(v, root, child)),
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


/// `eventsPerSecond` -> `events_per_second`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn spells_keys() {
        assert_eq!(snake_case("eventsPerSecond"), "events_per_second");
        assert_eq!(snake_case("format"), "format");
    }
}
