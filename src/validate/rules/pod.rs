//! Kubernetes' rules for the Kubernetes-typed pod knobs a spec passes through (tolerations, affinity,
//! topology spread, security contexts, resources, env, pull secrets): the API server's validation,
//! so that a pod it would refuse is refused here, at the field (`pod/invalid`). rivven-render's own
//! pod rules have their own ids: `pod/reserved-env`, `pod/duplicate-entry`, `pod/resource-claims`.
use std::collections::HashSet;

use k8s_openapi::api::core::v1::{
    Affinity, EnvVar, NodeSelectorRequirement, NodeSelectorTerm, PodAffinityTerm, ResourceRequirements, SeccompProfile, Toleration,
    TopologySpreadConstraint,
};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use super::super::context::RuleContext;
use super::super::k8s;
use crate::model::common::PodOverrides;

/// A field Kubernetes would refuse in the rendered pod template.
const RULE: &str = "pod/invalid";
/// An env variable the builder sets itself in this container (rivven-render's own rule).
const RESERVED_ENV: &str = "pod/reserved-env";
/// An env variable or pull Secret listed twice (rivven-render's own rule).
const DUPLICATE_ENTRY: &str = "pod/duplicate-entry";
/// Resource claims, which rivven-render cannot render (its own rule).
const RESOURCE_CLAIMS: &str = "pod/resource-claims";

fn bad(ctx: &mut RuleContext<'_>, pointer: &str, message: impl Into<String>) {
    ctx.error(RULE, pointer, message);
}

/// Every check of this module, for one spec's pod knobs; `rendered_env` are the variables the
/// builder sets itself (a user variable of the same name would be a duplicate).
pub fn check(ctx: &mut RuleContext<'_>, pod: &PodOverrides, rendered_env: &[&str]) {
    for (i, t) in pod.tolerations.iter().enumerate() {
        toleration(ctx, &format!("/spec/tolerations/{i}"), t);
    }
    if let Some(a) = &pod.affinity {
        affinity(ctx, a);
    }
    for (i, c) in pod.topology_spread_constraints.iter().enumerate() {
        spread(ctx, &format!("/spec/topologySpreadConstraints/{i}"), c);
    }
    if let Some(sc) = &pod.pod_security_context {
        seccomp(ctx, "/spec/podSecurityContext/seccompProfile", sc.seccomp_profile.as_ref());
        if let Some(policy) = sc.se_linux_change_policy.as_deref().filter(|p| *p != "Recursive") {
            bad(ctx, "/spec/podSecurityContext/seLinuxChangePolicy", format!("`{policy}` is not supported: Kubernetes 1.36 accepts `Recursive` (`MountOption` needs the SELinuxMount feature gate)"));
        }
    }
    if let Some(sc) = &pod.security_context {
        seccomp(ctx, "/spec/securityContext/seccompProfile", sc.seccomp_profile.as_ref());
    }
    if let Some(r) = &pod.resources {
        resources(ctx, r);
    }
    let mut names: HashSet<&str> = rendered_env.iter().copied().collect();
    for (i, var) in pod.env.iter().enumerate() {
        let pointer = format!("/spec/env/{i}");
        if rendered_env.contains(&var.name.as_str()) {
            ctx.error(RESERVED_ENV, &format!("{pointer}/name"), format!("`{}` is set by rivven-render itself in this container", var.name));
        } else if !names.insert(&var.name) {
            ctx.error(DUPLICATE_ENTRY, &format!("{pointer}/name"), format!("`{}` is listed twice", var.name));
        }
        env_source(ctx, &pointer, var);
    }
    let mut secrets = HashSet::new();
    for (i, name) in pod.image_pull_secrets.iter().enumerate() {
        if !secrets.insert(name) {
            ctx.error(DUPLICATE_ENTRY, &format!("/spec/imagePullSecrets/{i}"), format!("`{name}` is listed twice"));
        }
    }
}

fn qualified_key(ctx: &mut RuleContext<'_>, pointer: &str, key: &str) {
    if let Err(why) = k8s::qualified_name(key) {
        bad(ctx, pointer, format!("the key `{key}` {why}"));
    }
}

fn toleration(ctx: &mut RuleContext<'_>, pointer: &str, t: &Toleration) {
    let key = t.key.as_deref().unwrap_or("");
    let operator = t.operator.as_deref().unwrap_or("Equal");
    let value = t.value.as_deref().unwrap_or("");
    if !key.is_empty() {
        qualified_key(ctx, &format!("{pointer}/key"), key);
    }
    match operator {
        "Equal" if key.is_empty() => bad(ctx, &format!("{pointer}/operator"), "a toleration without `key` must use `operator: Exists`"),
        "Equal" => {
            if let Err(why) = k8s::label_value(value) {
                bad(ctx, &format!("{pointer}/value"), format!("the value {why}"));
            }
        }
        "Exists" if !value.is_empty() => bad(ctx, &format!("{pointer}/value"), "`operator: Exists` takes no `value`"),
        "Exists" => {}
        other => bad(ctx, &format!("{pointer}/operator"), format!("`{other}` is not a toleration operator: use `Equal` or `Exists`")),
    }
    let effect = t.effect.as_deref().unwrap_or("");
    if !matches!(effect, "" | "NoSchedule" | "PreferNoSchedule" | "NoExecute") {
        bad(ctx, &format!("{pointer}/effect"), format!("`{effect}` is not a taint effect: use `NoSchedule`, `PreferNoSchedule` or `NoExecute`"));
    }
    if t.toleration_seconds.is_some() && effect != "NoExecute" {
        bad(ctx, &format!("{pointer}/tolerationSeconds"), "`tolerationSeconds` needs `effect: NoExecute`");
    }
}

fn selector(ctx: &mut RuleContext<'_>, pointer: &str, s: &LabelSelector) {
    for (key, value) in s.match_labels.iter().flatten() {
        qualified_key(ctx, &format!("{pointer}/matchLabels"), key);
        if let Err(why) = k8s::label_value(value) {
            bad(ctx, &format!("{pointer}/matchLabels"), format!("the value of `{key}` {why}"));
        }
    }
    for (i, e) in s.match_expressions.iter().flatten().enumerate() {
        let at = format!("{pointer}/matchExpressions/{i}");
        qualified_key(ctx, &format!("{at}/key"), &e.key);
        let values = e.values.as_deref().unwrap_or(&[]);
        match e.operator.as_str() {
            "In" | "NotIn" if values.is_empty() => bad(ctx, &at, format!("`{}` needs `values`", e.operator)),
            "Exists" | "DoesNotExist" if !values.is_empty() => bad(ctx, &at, format!("`{}` takes no `values`", e.operator)),
            "In" | "NotIn" | "Exists" | "DoesNotExist" => {}
            other => bad(ctx, &format!("{at}/operator"), format!("`{other}` is not a selector operator: use `In`, `NotIn`, `Exists` or `DoesNotExist`")),
        }
        label_values(ctx, &format!("{at}/values"), values);
    }
}

fn label_values(ctx: &mut RuleContext<'_>, pointer: &str, values: &[String]) {
    for (j, v) in values.iter().enumerate() {
        if let Err(why) = k8s::label_value(v) {
            bad(ctx, &format!("{pointer}/{j}"), format!("the value {why}"));
        }
    }
}

fn weight(ctx: &mut RuleContext<'_>, pointer: &str, w: i32) {
    if !(1..=100).contains(&w) {
        bad(ctx, pointer, format!("weight {w} must be between 1 and 100"));
    }
}

fn topology_key(ctx: &mut RuleContext<'_>, pointer: &str, key: &str) {
    if key.is_empty() {
        bad(ctx, pointer, "`topologyKey` must not be empty");
    } else {
        qualified_key(ctx, pointer, key);
    }
}

fn pod_term(ctx: &mut RuleContext<'_>, pointer: &str, term: &PodAffinityTerm) {
    topology_key(ctx, &format!("{pointer}/topologyKey"), &term.topology_key);
    if let Some(s) = &term.label_selector {
        selector(ctx, &format!("{pointer}/labelSelector"), s);
    }
    if let Some(s) = &term.namespace_selector {
        selector(ctx, &format!("{pointer}/namespaceSelector"), s);
    }
}

fn node_requirement(ctx: &mut RuleContext<'_>, pointer: &str, r: &NodeSelectorRequirement) {
    qualified_key(ctx, &format!("{pointer}/key"), &r.key);
    let values = r.values.as_deref().unwrap_or(&[]);
    match r.operator.as_str() {
        "In" | "NotIn" if values.is_empty() => bad(ctx, pointer, format!("`{}` needs `values`", r.operator)),
        "In" | "NotIn" => label_values(ctx, &format!("{pointer}/values"), values),
        "Exists" | "DoesNotExist" if !values.is_empty() => bad(ctx, pointer, format!("`{}` takes no `values`", r.operator)),
        "Exists" | "DoesNotExist" => {}
        "Gt" | "Lt" if values.len() != 1 || values[0].parse::<i64>().is_err() => bad(ctx, pointer, format!("`{}` takes exactly one integer value", r.operator)),
        "Gt" | "Lt" => {}
        other => bad(ctx, &format!("{pointer}/operator"), format!("`{other}` is not a node selector operator")),
    }
}

fn node_term(ctx: &mut RuleContext<'_>, pointer: &str, term: &NodeSelectorTerm) {
    for (i, r) in term.match_expressions.iter().flatten().enumerate() {
        node_requirement(ctx, &format!("{pointer}/matchExpressions/{i}"), r);
    }
    for (i, r) in term.match_fields.iter().flatten().enumerate() {
        let at = format!("{pointer}/matchFields/{i}");
        if r.key != "metadata.name" {
            bad(ctx, &format!("{at}/key"), format!("`{}` is not a node field: only `metadata.name` is supported", r.key));
        }
        if !matches!(r.operator.as_str(), "In" | "NotIn") || r.values.as_ref().is_none_or(|v| v.len() != 1) {
            bad(ctx, &at, "a node field selector takes `In` or `NotIn` with exactly one value");
        }
    }
}

fn affinity(ctx: &mut RuleContext<'_>, a: &Affinity) {
    for (field, terms) in [("podAffinity", a.pod_affinity.as_ref().map(|p| (&p.required_during_scheduling_ignored_during_execution, &p.preferred_during_scheduling_ignored_during_execution))), ("podAntiAffinity", a.pod_anti_affinity.as_ref().map(|p| (&p.required_during_scheduling_ignored_during_execution, &p.preferred_during_scheduling_ignored_during_execution)))] {
        let Some((required, preferred)) = terms else { continue };
        for (i, term) in required.iter().flatten().enumerate() {
            pod_term(ctx, &format!("/spec/affinity/{field}/requiredDuringSchedulingIgnoredDuringExecution/{i}"), term);
        }
        for (i, w) in preferred.iter().flatten().enumerate() {
            let at = format!("/spec/affinity/{field}/preferredDuringSchedulingIgnoredDuringExecution/{i}");
            weight(ctx, &format!("{at}/weight"), w.weight);
            pod_term(ctx, &format!("{at}/podAffinityTerm"), &w.pod_affinity_term);
        }
    }
    if let Some(n) = &a.node_affinity {
        if let Some(required) = &n.required_during_scheduling_ignored_during_execution {
            for (i, term) in required.node_selector_terms.iter().enumerate() {
                node_term(ctx, &format!("/spec/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/{i}"), term);
            }
        }
        for (i, p) in n.preferred_during_scheduling_ignored_during_execution.iter().flatten().enumerate() {
            let at = format!("/spec/affinity/nodeAffinity/preferredDuringSchedulingIgnoredDuringExecution/{i}");
            weight(ctx, &format!("{at}/weight"), p.weight);
            node_term(ctx, &format!("{at}/preference"), &p.preference);
        }
    }
}

fn spread(ctx: &mut RuleContext<'_>, pointer: &str, c: &TopologySpreadConstraint) {
    if c.max_skew <= 0 {
        bad(ctx, &format!("{pointer}/maxSkew"), "`maxSkew` must be greater than zero");
    }
    topology_key(ctx, &format!("{pointer}/topologyKey"), &c.topology_key);
    match c.when_unsatisfiable.as_str() {
        "DoNotSchedule" | "ScheduleAnyway" => {}
        other => bad(ctx, &format!("{pointer}/whenUnsatisfiable"), format!("`{other}` is not allowed: use `DoNotSchedule` or `ScheduleAnyway`")),
    }
    if let Some(min) = c.min_domains {
        if min <= 0 {
            bad(ctx, &format!("{pointer}/minDomains"), "`minDomains` must be greater than zero");
        } else if c.when_unsatisfiable != "DoNotSchedule" {
            bad(ctx, &format!("{pointer}/minDomains"), "`minDomains` needs `whenUnsatisfiable: DoNotSchedule`");
        }
    }
    if let Some(s) = &c.label_selector {
        selector(ctx, &format!("{pointer}/labelSelector"), s);
    }
}

fn seccomp(ctx: &mut RuleContext<'_>, pointer: &str, profile: Option<&SeccompProfile>) {
    let Some(p) = profile else { return };
    match p.type_.as_str() {
        "RuntimeDefault" | "Unconfined" if p.localhost_profile.is_some() => bad(ctx, pointer, "`localhostProfile` goes only with `type: Localhost`"),
        "RuntimeDefault" | "Unconfined" => {}
        "Localhost" if p.localhost_profile.as_deref().unwrap_or("").is_empty() => bad(ctx, pointer, "`type: Localhost` needs `localhostProfile`"),
        "Localhost" => {}
        other => bad(ctx, &format!("{pointer}/type"), format!("`{other}` is not a seccomp profile type: use `RuntimeDefault` or `Localhost`")),
    }
}

/// Extended resources and huge pages cannot be overcommitted: whole numbers (extended), a limit, and
/// a request equal to it. Dynamic resource claims need pod-level claims this tool does not render.
fn resources(ctx: &mut RuleContext<'_>, r: &ResourceRequirements) {
    if r.claims.as_ref().is_some_and(|c| !c.is_empty()) {
        ctx.error(RESOURCE_CLAIMS, "/spec/resources/claims", "resource claims need the pod's `resourceClaims`, which rivven-render does not render");
    }
    let requests = r.requests.clone().unwrap_or_default();
    let limits = r.limits.clone().unwrap_or_default();
    for (field, map) in [("requests", &requests), ("limits", &limits)] {
        for (name, q) in map {
            let extended = name.contains('/') && !name.starts_with("kubernetes.io/");
            let huge = name.starts_with("hugepages-");
            if !(extended || huge) {
                continue;
            }
            let pointer = format!("/spec/resources/{field}/{}", crate::source::pointer::escape_token(name));
            if extended && k8s::quantity(&q.0).is_ok_and(|v| v.fract() != 0.0) {
                bad(ctx, &pointer, format!("`{name}` is an extended resource: its quantity must be a whole number"));
            }
            if field == "requests" {
                match limits.get(name) {
                    None => bad(ctx, &pointer, format!("`{name}` cannot be overcommitted: set a limit equal to the request")),
                    Some(limit) if k8s::quantity(&limit.0).ok() != k8s::quantity(&q.0).ok() => {
                        bad(ctx, &pointer, format!("`{name}` cannot be overcommitted: its request must equal its limit {}", limit.0))
                    }
                    Some(_) => {}
                }
            }
        }
    }
}

const FIELD_PATHS: [&str; 9] = ["metadata.name", "metadata.namespace", "metadata.uid", "spec.nodeName", "spec.serviceAccountName", "status.hostIP", "status.hostIPs", "status.podIP", "status.podIPs"];

fn env_source(ctx: &mut RuleContext<'_>, pointer: &str, var: &EnvVar) {
    let Some(from) = &var.value_from else { return };
    if var.value.as_deref().is_some_and(|v| !v.is_empty()) {
        bad(ctx, &format!("{pointer}/valueFrom"), "give either `value` or `valueFrom`, not both");
    }
    let sources = [from.field_ref.is_some(), from.resource_field_ref.is_some(), from.config_map_key_ref.is_some(), from.secret_key_ref.is_some(), from.file_key_ref.is_some()];
    if sources.iter().filter(|s| **s).count() != 1 {
        bad(ctx, &format!("{pointer}/valueFrom"), "`valueFrom` takes exactly one source");
    }
    if let Some(f) = &from.field_ref {
        let path = f.field_path.as_str();
        let labelled = ["metadata.labels['", "metadata.annotations['"].iter().any(|p| path.starts_with(p) && path.ends_with("']"));
        if !FIELD_PATHS.contains(&path) && !labelled {
            bad(ctx, &format!("{pointer}/valueFrom/fieldRef/fieldPath"), format!("`{path}` is not a field the downward API supports (e.g. `metadata.name`, `status.podIP`)"));
        }
    }
    if let Some(r) = &from.resource_field_ref {
        let at = format!("{pointer}/valueFrom/resourceFieldRef");
        let resource = r.resource.as_str();
        let known = ["limits.", "requests."].iter().any(|p| resource.strip_prefix(p).is_some_and(|n| matches!(n, "cpu" | "memory" | "ephemeral-storage") || n.starts_with("hugepages-")));
        if !known {
            bad(ctx, &format!("{at}/resource"), format!("`{resource}` is not a container resource (e.g. `limits.cpu`, `requests.memory`)"));
        } else if let Some(d) = &r.divisor {
            let ok = if resource.ends_with(".cpu") { matches!(d.0.as_str(), "1m" | "1") } else { matches!(d.0.as_str(), "1" | "1k" | "1M" | "1G" | "1T" | "1P" | "1E" | "1Ki" | "1Mi" | "1Gi" | "1Ti" | "1Pi" | "1Ei") };
            if !ok {
                bad(ctx, &format!("{at}/divisor"), format!("`{}` is not a divisor Kubernetes supports for {resource} (`1`, `1m` for CPU; `1`, `1Ki`, `1Mi`, ... for bytes)", d.0));
            }
        }
    }
}
