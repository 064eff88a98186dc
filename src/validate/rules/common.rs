//! Rules shared by the kinds: Kubernetes' rules for every value that ends up in a rendered object
//! (names, namespaces, labels, annotations, references, quantities, env names, images), TLS and
//! image versions.
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{EnvVar, ResourceRequirements};

use super::super::context::RuleContext;
use super::super::k8s::{self, Verdict};
use crate::source::pointer as paths;
use crate::model::common::{ClusterRef, PodOverrides, TlsSpec};
use crate::model::names::{self, NameRule};
use crate::model::{Kind, ObjectMeta};

/// Annotation keys this tool writes on the objects it renders (counted in the size limit).
const RENDERED_ANNOTATION_BYTES: usize = 200;

/// The resource's own metadata: its namespace, labels and annotations, and the names of every
/// object it renders.
pub fn metadata(ctx: &mut RuleContext<'_>, kind: Kind, meta: &ObjectMeta) {
    if let Some(ns) = &meta.namespace {
        namespace(ctx, "/metadata/namespace", ns);
    }
    match kind {
        Kind::Topic => {
            if let Err(why) = k8s::dns1123_subdomain(&meta.name) {
                ctx.error("name/dns-label", "/metadata/name", format!("`{}` {why}", short(&meta.name)))
                    .with_hint("Kubernetes object names are lower-case letters, digits, `-` and `.`; set `topicName` for a broker topic name of another form");
            }
        }
        _ => object_names(ctx, kind, &meta.name, "/metadata/name"),
    }
    // A RivvenTopic's labels are not copied anywhere (its plan is per cluster).
    labels(ctx, "/metadata/labels", &meta.labels, kind != Kind::Topic);
    annotations(ctx, "/metadata/annotations", &meta.annotations, 0);
}

fn short(s: &str) -> String {
    if s.chars().count() > 80 { format!("{}...", s.chars().take(77).collect::<String>()) } else { s.to_owned() }
}

/// A namespace: a DNS-1123 label (it also becomes part of every output file name).
pub fn namespace(ctx: &mut RuleContext<'_>, pointer: &str, ns: &str) {
    if let Err(why) = k8s::dns1123_label(ns) {
        ctx.error("name/namespace", pointer, format!("the namespace `{}` {why}", short(ns)))
            .with_hint("namespaces are DNS-1123 labels, e.g. `streaming`");
    }
}

/// The resource's name must yield valid names for every object rendered from it.
fn object_names(ctx: &mut RuleContext<'_>, kind: Kind, name: &str, pointer: &str) {
    if let Err(why) = k8s::dns1035_label(name) {
        ctx.error("name/dns-label", pointer, format!("`{}` cannot name the rendered objects: it {why}", short(name)))
            .with_hint("use lower-case letters, digits and `-`, starting with a letter and not ending with `-`");
        return;
    }
    let too_long = names::objects(kind, name).into_iter().filter(|o| o.name.len() > o.rule.max_len()).max_by_key(|o| o.name.len() - o.rule.max_len());
    if let Some(o) = too_long {
        let room = o.rule.max_len() - (o.name.len() - name.len());
        let what = match o.rule {
            NameRule::StatefulSet => format!("StatefulSet `{}` (with its revision-hash label)", o.name),
            _ => format!("{} `{}`", o.kind, o.name),
        };
        ctx.error("name/too-long", pointer, format!("`{name}` is {} characters long; at most {room} fit", name.len()))
            .with_hint(format!("the rendered {what} must stay within Kubernetes' length limits"));
    }
}

/// `clusterRef`: a cluster name whose rendered names are valid, and a valid namespace.
pub fn cluster_ref(ctx: &mut RuleContext<'_>, r: &ClusterRef) {
    if let Some(ns) = &r.namespace {
        namespace(ctx, "/spec/clusterRef/namespace", ns);
    }
    let ok = k8s::dns1035_label(&r.name).is_ok() && names::objects(Kind::Cluster, &r.name).iter().all(|o| o.name.len() <= o.rule.max_len());
    if !ok {
        ctx.error("ref/cluster-name", "/spec/clusterRef/name", format!("`{}` cannot name a RivvenCluster", short(&r.name)))
            .with_hint("RivvenCluster names are lower-case letters, digits and `-`, starting with a letter, at most 45 characters");
    }
}

/// Label keys and values (copied to rendered objects); warns about keys rivven-render sets itself.
pub fn labels(ctx: &mut RuleContext<'_>, pointer: &str, labels: &BTreeMap<String, String>, reserved_warning: bool) {
    for (key, value) in labels {
        let at = paths::join(pointer, key);
        if let Err(why) = k8s::qualified_name(key) {
            ctx.key_error("labels/key", &at, format!("the label key `{}` {why}", short(key))).with_hint("e.g. `team` or `example.com/team`");
            continue;
        }
        if let Err(why) = k8s::label_value(value) {
            ctx.error("labels/value", &at, format!("the value of label `{key}` {why}"));
        }
        if reserved_warning && crate::model::RESERVED_LABELS.contains(&key.as_str()) {
            ctx.warning("labels/reserved", &at, format!("`{key}` is set by rivven-render on every rendered object; this value is not used"))
                .with_hint("remove it, or use a label key of your own");
        }
    }
}

/// Annotation keys and their total size (at most 256 KiB per object, ours included).
pub fn annotations(ctx: &mut RuleContext<'_>, pointer: &str, annotations: &BTreeMap<String, String>, ours: usize) {
    let mut size = ours;
    for (key, value) in annotations {
        size += key.len() + value.len();
        if let Err(why) = k8s::qualified_name(key) {
            ctx.key_error("annotations/key", &paths::join(pointer, key), format!("the annotation key `{}` {why}", short(key)));
        }
    }
    if size > k8s::MAX_ANNOTATIONS_BYTES {
        ctx.error("annotations/too-large", pointer, format!("the annotations take {size} bytes; Kubernetes allows {} per object", k8s::MAX_ANNOTATIONS_BYTES));
    }
}

/// A reference to a Secret (or ConfigMap) by name.
pub fn secret_name(ctx: &mut RuleContext<'_>, pointer: &str, name: &str) {
    if let Err(why) = k8s::dns1123_subdomain(name) {
        ctx.error("ref/secret-name", pointer, format!("`{}` cannot name a Secret: it {why}", short(name)));
    }
}

/// A key of a Secret or ConfigMap.
pub fn data_key(ctx: &mut RuleContext<'_>, pointer: &str, key: &str) {
    if let Err(why) = k8s::data_key(key) {
        ctx.error("ref/secret-key", pointer, format!("`{}` {why}", short(key)));
    }
}

fn report(ctx: &mut RuleContext<'_>, rule: &'static str, pointer: &str, what: &str, verdict: Verdict) {
    if let Err(why) = verdict {
        ctx.error(rule, pointer, format!("{what} {why}"));
    }
}

/// The pod knobs shared by the workload kinds; `rendered_env` are the variables the builder sets.
pub fn pod(ctx: &mut RuleContext<'_>, pod: &PodOverrides, rendered_env: &[&str]) {
    super::pod::check(ctx, pod, rendered_env);
    resources(ctx, pod.resources.as_deref());
    labels(ctx, "/spec/podLabels", &pod.pod_labels, true);
    annotations(ctx, "/spec/podAnnotations", &pod.pod_annotations, RENDERED_ANNOTATION_BYTES);
    labels(ctx, "/spec/nodeSelector", &pod.node_selector, false);
    for (i, name) in pod.image_pull_secrets.iter().enumerate() {
        secret_name(ctx, &format!("/spec/imagePullSecrets/{i}"), name);
    }
    if let Some(sa) = &pod.service_account.name {
        report(ctx, "ref/name", "/spec/serviceAccount/name", "the ServiceAccount name", k8s::dns1123_subdomain(sa));
    }
    if let Some(pc) = &pod.priority_class_name {
        report(ctx, "ref/name", "/spec/priorityClassName", "the PriorityClass name", k8s::dns1123_subdomain(pc));
    }
    for (i, var) in pod.env.iter().enumerate() {
        env_var(ctx, &format!("/spec/env/{i}"), var);
    }
}

fn env_var(ctx: &mut RuleContext<'_>, pointer: &str, var: &EnvVar) {
    report(ctx, "env/name", &format!("{pointer}/name"), &format!("`{}`", short(&var.name)), k8s::env_var_name(&var.name));
    let Some(from) = &var.value_from else { return };
    if let Some(s) = &from.secret_key_ref {
        secret_name(ctx, &format!("{pointer}/valueFrom/secretKeyRef/name"), &s.name);
        data_key(ctx, &format!("{pointer}/valueFrom/secretKeyRef/key"), &s.key);
    }
    if let Some(c) = &from.config_map_key_ref {
        report(ctx, "ref/name", &format!("{pointer}/valueFrom/configMapKeyRef/name"), "the ConfigMap name", k8s::dns1123_subdomain(&c.name));
        data_key(ctx, &format!("{pointer}/valueFrom/configMapKeyRef/key"), &c.key);
    }
}

/// Resource names and quantities, by Kubernetes' grammar; requests must not exceed limits.
pub fn resources(ctx: &mut RuleContext<'_>, resources: Option<&ResourceRequirements>) {
    let Some(resources) = resources else { return };
    for (field, map) in [("requests", &resources.requests), ("limits", &resources.limits)] {
        for (name, q) in map.iter().flatten() {
            let pointer = format!("/spec/resources/{field}/{}", crate::source::pointer::escape_token(name));
            let standard = matches!(name.as_str(), "cpu" | "memory" | "ephemeral-storage") || name.starts_with("hugepages-");
            if !(standard || name.contains('/') && k8s::qualified_name(name).is_ok()) {
                ctx.key_error("resources/name", &pointer, format!("`{name}` is not a resource name"))
                    .with_hint("use `cpu`, `memory`, `ephemeral-storage`, `hugepages-<size>` or an extended resource such as `example.com/gpu`");
            }
            match k8s::quantity(&q.0) {
                Err(why) => {
                    ctx.error("resources/quantity", &pointer, why).with_hint("write e.g. `500m` or `2` for CPU, `512Mi` or `2Gi` for memory");
                }
                Ok(v) if v < 0.0 => {
                    ctx.error("resources/quantity", &pointer, format!("`{}` is negative", q.0));
                }
                Ok(v) if v.fract() != 0.0 && matches!(name.as_str(), "memory" | "ephemeral-storage") => {
                    ctx.warning("resources/fractional-bytes", &pointer, format!("`{}` is a fraction of a byte; Kubernetes rounds it and warns", q.0))
                        .with_hint("write whole bytes, e.g. `512Mi` rather than `100m`");
                }
                Ok(_) => {}
            }
        }
    }
    let (Some(requests), Some(limits)) = (&resources.requests, &resources.limits) else { return };
    for (name, request) in requests {
        let Some(limit) = limits.get(name) else { continue };
        if let (Ok(r), Ok(l)) = (k8s::quantity(&request.0), k8s::quantity(&limit.0)) {
            if r > l {
                ctx.error("resources/request-over-limit", &format!("/spec/resources/requests/{name}"), format!("the {name} request {} exceeds its limit {}", request.0, limit.0));
            }
        }
    }
}

/// `tls.enabled` needs a certificate Secret, and a release whose program cannot serve TLS warns.
pub fn tls(ctx: &mut RuleContext<'_>, tls: &TlsSpec, what: &str, release: &crate::rivven::Release, serves_tls: bool) {
    if let Some(name) = tls.cert_secret_name.as_deref().filter(|n| !n.is_empty()) {
        secret_name(ctx, "/spec/tls/certSecretName", name);
    }
    if !tls.enabled {
        return;
    }
    if tls.cert_secret_name.as_deref().unwrap_or("").is_empty() {
        ctx.error("tls/cert-secret", "/spec/tls", "`tls.enabled` needs `tls.certSecretName`")
            .with_hint("name a Secret of type kubernetes.io/tls");
    }
    if serves_tls {
        return;
    }
    ctx.warning("rivven/tls-unsupported", "/spec/tls/enabled", format!("Rivven {} cannot serve TLS: {what} will run without it", release.version))
        .with_hint("the default rivvend build ignores --tls-enabled and a TLS build panics at start; keep traffic inside the cluster network");
}

/// The image and version: a tag the registry can hold, and a reference a container runtime parses.
/// A version the resource does not write comes from `--rivven-version`, which the compile step
/// checks once for the whole run.
pub fn image(ctx: &mut RuleContext<'_>, image: &str, version: &str) {
    let written = ctx.is_set("/spec/version");
    if let Err(why) = k8s::image_tag(version) {
        if written {
            ctx.error("image/reference", "/spec/version", format!("`{}` cannot be an image tag: it {why}", short(version)));
        }
        return;
    }
    if let Err(why) = k8s::image_reference(&crate::rivven::image_reference(image, version)) {
        ctx.error("image/reference", "/spec/image", why).with_hint("e.g. `ghcr.io/hupe1980/rivvend`, `my.registry:5000/rivvend:1.2.3` or `...@sha256:<digest>`");
    }
    if written && crate::rivven::known(version).is_none() {
        let newest = crate::rivven::NEWEST.version;
        ctx.warning(
            "rivven/version",
            "/spec/version",
            format!("Rivven {version} is not a version rivven-render knows (known: {}); it is rendered as Rivven {newest}, whose flags it may not take", crate::rivven::known_versions()),
        )
        .with_hint(format!("use `{newest}`, or check the rendered flags against the programs of {version}"));
    }
}
