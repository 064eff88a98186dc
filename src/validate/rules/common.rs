//! Rules shared by the workload kinds: object names, quantities, TLS, image versions.
use k8s_openapi::api::core::v1::ResourceRequirements;

use super::super::context::RuleContext;
use super::super::quantity;
use crate::model::common::TlsSpec;
use crate::model::DEFAULT_RIVVEN_VERSION;

/// Longest name of a Service (a DNS-1035 label).
const DNS_LABEL_MAX: usize = 63;

/// Checks that `name` yields valid object names: a DNS-1035 label that stays within `max_len`
/// once the longest prefix and suffix are added (`longest` names that object for the message).
pub fn object_name(ctx: &mut RuleContext<'_>, name: &str, max_len: usize, longest: &str) {
    let valid_label = name.len() <= DNS_LABEL_MAX
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && name.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if !valid_label {
        ctx.error("name/dns-label", "/metadata/name", format!("`{name}` cannot name the rendered Services"))
            .with_hint("use lower-case letters, digits and `-`, starting with a letter and not ending with `-`");
    } else if name.len() > max_len {
        ctx.error("name/too-long", "/metadata/name", format!("`{name}` is {} characters long; at most {max_len} fit", name.len()))
            .with_hint(format!("the rendered {longest} must stay within Kubernetes' length limits"));
    }
}

/// Resource quantities must parse, and requests must not exceed limits.
pub fn resources(ctx: &mut RuleContext<'_>, resources: Option<&ResourceRequirements>) {
    let Some(resources) = resources else { return };
    for (field, map) in [("requests", &resources.requests), ("limits", &resources.limits)] {
        for (name, q) in map.iter().flatten() {
            if quantity::parse(&q.0).is_none() {
                ctx.error("resources/quantity", &format!("/spec/resources/{field}/{name}"), format!("`{}` is not a Kubernetes quantity", q.0))
                    .with_hint("write e.g. `500m` or `2` for CPU, `512Mi` or `2Gi` for memory");
            }
        }
    }
    let (Some(requests), Some(limits)) = (&resources.requests, &resources.limits) else { return };
    for (name, request) in requests {
        let Some(limit) = limits.get(name) else { continue };
        if let (Some(r), Some(l)) = (quantity::parse(&request.0), quantity::parse(&limit.0)) {
            if r > l {
                ctx.error("resources/request-over-limit", &format!("/spec/resources/requests/{name}"), format!("the {name} request {} exceeds its limit {}", request.0, limit.0));
            }
        }
    }
}

/// `tls.enabled` needs a certificate Secret, and Rivven 0.0.22 cannot serve TLS at all.
pub fn tls(ctx: &mut RuleContext<'_>, tls: &TlsSpec, what: &str) {
    if !tls.enabled {
        return;
    }
    if tls.cert_secret_name.as_deref().unwrap_or("").is_empty() {
        ctx.error("tls/cert-secret", "/spec/tls", "`tls.enabled` needs `tls.certSecretName`")
            .with_hint("name a Secret of type kubernetes.io/tls");
    }
    ctx.warning("rivven/tls-unsupported", "/spec/tls/enabled", format!("Rivven 0.0.22 cannot serve TLS: {what} will run without it"))
        .with_hint("the default rivvend build ignores --tls-enabled and a TLS build panics at start; keep traffic inside the cluster network");
}

/// A version other than the one rivven-render knows the flags of.
pub fn version(ctx: &mut RuleContext<'_>, version: &str) {
    if version != DEFAULT_RIVVEN_VERSION {
        ctx.warning("rivven/version", "/spec/version", format!("rivven-render renders for Rivven {DEFAULT_RIVVEN_VERSION}; version {version} may take other flags"))
            .with_hint(format!("use `{DEFAULT_RIVVEN_VERSION}`, the release whose programs rivven-render was tested against"));
    }
}
