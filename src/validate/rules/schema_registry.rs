//! Rules of RivvenSchemaRegistry.
use super::super::context::RuleContext;
use super::common;
use crate::model::schema_registry::{AuthMethod, CompatibilitySpec, FormatsSpec, StorageMode};
use crate::model::{Kind, RivvenSchemaRegistry};

/// Checks one registry.
pub fn check(ctx: &mut RuleContext<'_>, registry: &RivvenSchemaRegistry) {
    let spec = &registry.spec;
    let release = crate::rivven::release(&spec.version);
    let (can, v) = (&release.registry, release.version);
    common::metadata(ctx, Kind::SchemaRegistry, &registry.metadata);
    common::cluster_ref(ctx, &spec.cluster_ref);
    common::image(ctx, &spec.image, &spec.version);
    common::pod(ctx, &spec.pod, &[]);
    common::tls(ctx, &spec.tls, "the registry", release, can.tls);

    if spec.server.bind_address.parse::<std::net::IpAddr>().is_err() {
        ctx.error("registry/bind-address", "/spec/server/bindAddress", format!("`{}` is not an IP address", spec.server.bind_address))
            .with_hint("rivven-schema binds an IP address such as `0.0.0.0`");
    }
    if ctx.is_set("/spec/server/requestTimeoutMs") && !can.request_timeout {
        ctx.warning("rivven/registry-request-timeout", "/spec/server/requestTimeoutMs", format!("rivven-schema {v} has no request timeout setting; this value is not applied"));
    }
    if ctx.is_set("/spec/server/corsEnabled") && !can.cors {
        ctx.warning("rivven/registry-cors", "/spec/server/corsEnabled", format!("rivven-schema {v} has no CORS setting; this value is not applied"));
    }
    if spec.storage.mode == StorageMode::Broker && !can.persistent_storage {
        ctx.warning("rivven/registry-memory-only", "/spec/storage/mode", format!("rivven-schema {v} keeps schemas in memory only: they are lost when a pod restarts"))
            .with_hint("set `storage.mode: memory` to say so explicitly; broker-backed storage exists only in the library");
    }
    if spec.replicas > 1 && !can.persistent_storage {
        ctx.warning("rivven/registry-replicas", "/spec/replicas", format!("{} replicas of rivven-schema {v} are independent in-memory registries that hand out diverging schema ids", spec.replicas))
            .with_hint("use `replicas: 1`");
    }
    auth(ctx, registry, release);
    if spec.metrics.enabled && ctx.is_set("/spec/metrics/enabled") && !spec.metrics.service_monitor_enabled && !can.metrics {
        ctx.warning("rivven/no-metrics", "/spec/metrics/enabled", format!("rivven-schema {v} serves no metrics endpoint; nothing can be scraped"));
    }
    if spec.metrics.service_monitor_enabled && !can.metrics {
        ctx.warning("rivven/no-metrics", "/spec/metrics/serviceMonitorEnabled", format!("rivven-schema {v} serves no metrics endpoint; no ServiceMonitor is rendered"));
    }
    if spec.formats != FormatsSpec::default() && !can.format_toggle {
        ctx.warning("rivven/registry-formats", "/spec/formats", format!("rivven-schema {v} accepts every format; turning formats off is not applied"));
    }
    if spec.compatibility != CompatibilitySpec::default() && !can.compatibility_flag {
        ctx.warning("rivven/compatibility-flag", "/spec/compatibility", format!("rivven-schema {v} ignores --compatibility: these levels are applied only through its API, from the registry plan, by the in-cluster companion"))
            .with_hint("without the companion, set them with `PUT /config` and `PUT /config/{subject}` after every registry restart");
    }
    if let Some(external) = &spec.external_registry {
        if external.enabled {
            if external.registry_url.as_deref().unwrap_or("").is_empty() {
                ctx.error("registry/external-url", "/spec/externalRegistry", "`externalRegistry.enabled` needs `registryUrl`");
            }
            if !can.external_sync {
                ctx.warning("rivven/registry-external-sync", "/spec/externalRegistry/enabled", format!("rivven-schema {v} cannot synchronise with an external registry; this is not applied"));
            }
        }
    }
}

fn auth(ctx: &mut RuleContext<'_>, registry: &RivvenSchemaRegistry, release: &crate::rivven::Release) {
    let auth = &registry.spec.auth;
    if !auth.enabled {
        return;
    }
    match auth.method {
        AuthMethod::Basic if auth.users.is_empty() => {
            ctx.error("registry/auth-users", "/spec/auth", "`auth.method: basic` needs at least one entry in `auth.users`");
        }
        AuthMethod::Jwt if auth.jwt.is_none() => {
            ctx.error("registry/auth-jwt", "/spec/auth/method", "`auth.method: jwt` needs an `auth.jwt` section");
        }
        AuthMethod::Cedar if auth.cedar.is_none() => {
            ctx.error("registry/auth-cedar", "/spec/auth/method", "`auth.method: cedar` needs an `auth.cedar` section");
        }
        _ => {}
    }
    if !release.registry.auth {
        ctx.warning("rivven/auth-unsupported", "/spec/auth/enabled", format!("rivven-schema {} has no authentication: the registry will accept every client", release.version))
            .with_hint("restrict access with a NetworkPolicy until authentication is available");
    }
}
