//! Disruption rules for workloads, volumes and Services (pure): what the API server rejects, which
//! pods restart and why, what scaling and storage changes cost.
use serde_json::Value;

use super::consequence::{namespace_flag, object_label, short, Consequence, Impact, Reason};
use super::fields::{FieldChange, FieldPath};
use crate::render::ObjectRef;

/// One object on both sides (secret values already masked).
#[derive(Clone, Copy, Debug)]
pub struct Pair<'a> {
    /// The object.
    pub object: &'a ObjectRef,
    /// Before (`None`: added).
    pub before: Option<&'a Value>,
    /// After (`None`: removed).
    pub after: Option<&'a Value>,
    /// Its changed fields.
    pub changes: &'a [FieldChange],
}

/// StatefulSet spec fields the API server lets an update change; every other spec field is
/// immutable ("updates to statefulset spec for fields other than ... are forbidden").
const STATEFULSET_MUTABLE: [&str; 7] = ["replicas", "ordinals", "template", "updateStrategy", "revisionHistoryLimit", "persistentVolumeClaimRetentionPolicy", "minReadySeconds"];

/// The changed fields the API server rejects on an update of this kind (pure; table-tested, and
/// checked against the testbed's API server).
pub fn immutable_changes<'a>(kind: &str, changes: &'a [FieldChange]) -> Vec<&'a FieldChange> {
    changes
        .iter()
        // The API server compares quantities by value (`10Gi` and `10240Mi` are one size).
        .filter(|c| !same_quantity(c))
        .filter(|c| match kind {
            "StatefulSet" => c.path.starts_with(&["spec", "*"]) && c.path.keys().nth(1).is_some_and(|field| !STATEFULSET_MUTABLE.contains(&field)),
            "Deployment" | "ReplicaSet" | "DaemonSet" => c.path.starts_with(&["spec", "selector"]),
            "Service" => c.path.starts_with(&["spec", "clusterIP"]) || c.path.starts_with(&["spec", "clusterIPs"]),
            "Job" => c.path.starts_with(&["spec", "selector"]) || c.path.starts_with(&["spec", "template"]),
            // policy/v1 PodDisruptionBudgets take any spec update (the testbed's API server agrees).
            _ => false,
        })
        .collect()
}

fn same_quantity(change: &FieldChange) -> bool {
    if !change.path.keys().any(|k| k == "resources" || k == "storage") {
        return false;
    }
    match (change.before.as_ref().and_then(Value::as_str), change.after.as_ref().and_then(Value::as_str)) {
        (Some(a), Some(b)) => quantity(a).is_some_and(|x| quantity(b) == Some(x)),
        _ => false,
    }
}

/// Why pods restart: the parts of the pod template that changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cause {
    /// A container image.
    Image,
    /// The config hash annotation (a ConfigMap the pods read changed).
    ConfigHash,
    /// Environment variables.
    Env,
    /// Resource requests or limits.
    Resources,
    /// A probe.
    Probe,
    /// A security context.
    SecurityContext,
    /// Anything else in the pod template.
    PodTemplate,
}

impl Cause {
    /// The word used in messages.
    pub fn word(self) -> &'static str {
        match self {
            Cause::Image => "image",
            Cause::ConfigHash => "config hash",
            Cause::Env => "env",
            Cause::Resources => "resources",
            Cause::Probe => "probe",
            Cause::SecurityContext => "security context",
            Cause::PodTemplate => "pod template",
        }
    }
}

/// The causes of a restart, in a stable order (empty: the pod template did not change).
pub fn restart_causes(changes: &[FieldChange]) -> Vec<Cause> {
    let mut causes: Vec<Cause> = changes.iter().filter(|c| c.path.starts_with(&["spec", "template"])).map(|c| cause(&c.path)).collect();
    causes.sort();
    causes.dedup();
    causes
}

fn cause(path: &FieldPath) -> Cause {
    let keys: Vec<&str> = path.keys().collect();
    let has = |k: &str| keys.contains(&k);
    if keys.last() == Some(&"image") {
        Cause::Image
    } else if keys.iter().any(|k| k.ends_with("config-hash")) {
        Cause::ConfigHash
    } else if has("env") || has("envFrom") {
        Cause::Env
    } else if has("resources") {
        Cause::Resources
    } else if has("livenessProbe") || has("readinessProbe") || has("startupProbe") {
        Cause::Probe
    } else if has("securityContext") {
        Cause::SecurityContext
    } else {
        Cause::PodTemplate
    }
}

fn replicas(object: Option<&Value>) -> u64 {
    object.map(|o| o.pointer("/spec/replicas").and_then(Value::as_u64).unwrap_or(1)).unwrap_or(0)
}

/// What the pods of a workload are called in messages.
fn pod_noun(object: &Value) -> &'static str {
    match object.pointer("/metadata/labels/app.kubernetes.io~1component").and_then(Value::as_str) {
        Some("broker") => "broker",
        Some("schema-registry") => "registry pod",
        Some("connect") => "worker",
        _ => "pod",
    }
}

fn plural(n: u64, noun: &str) -> String {
    format!("{n} {noun}{}", if n == 1 { "" } else { "s" })
}

/// `1 worker stops`, `2 workers stop`.
fn plural_verb(n: u64, noun: &str, verb: &str) -> String {
    format!("{} {verb}{}", plural(n, noun), if n == 1 { "s" } else { "" })
}

fn list(changes: &[&FieldChange]) -> String {
    changes.iter().map(|c| c.path.to_string()).collect::<Vec<_>>().join(", ")
}

/// Every consequence of the change of one workload, volume-claim template or Service.
pub fn consequences(pair: Pair<'_>) -> Vec<Consequence> {
    let kind = pair.object.kind.as_str();
    match (pair.before, pair.after) {
        (Some(before), None) if matches!(kind, "StatefulSet" | "Deployment") => vec![removed(pair.object, before)],
        (Some(before), Some(after)) => {
            let mut out = Vec::new();
            let immutable = immutable_changes(kind, pair.changes);
            if !immutable.is_empty() {
                out.push(replace(pair.object, before, &immutable));
            }
            if kind == "StatefulSet" {
                out.extend(storage(pair.object, before, after));
            }
            if matches!(kind, "StatefulSet" | "Deployment") {
                out.extend(pods(pair.object, before, after, pair.changes));
            }
            if kind == "Service" {
                out.extend(service(pair.object, pair.changes));
            }
            out
        }
        _ => Vec::new(),
    }
}

fn replace(object: &ObjectRef, before: &Value, immutable: &[&FieldChange]) -> Consequence {
    let ns = namespace_flag(object);
    let kind = object.kind.to_lowercase();
    let name = &object.name;
    let mut message = format!("the API server rejects a change of {} (immutable): {} must be deleted and created again", list(immutable), object_label(object));
    if object.kind == "StatefulSet" {
        let n = replicas(Some(before));
        let noun = pod_noun(before);
        let claims = if before.pointer("/spec/persistentVolumeClaimRetentionPolicy/whenDeleted").and_then(Value::as_str) == Some("Delete") {
            "a plain delete also deletes their PVCs (whenDeleted: Delete)"
        } else {
            "the PVCs are kept either way (whenDeleted: Retain)"
        };
        message.push_str(&format!(
            ". Deleting it with --cascade=orphan keeps the {} running until the new StatefulSet adopts them; a plain delete stops all of them (downtime), and {claims}",
            plural(n, noun)
        ));
    } else if object.kind == "Deployment" {
        message.push_str(&format!(". With --cascade=orphan the old pods keep running and must be deleted by hand once the new {} are ready", pod_noun(before)));
    }
    Consequence::new(Reason::RequiresReplace, Impact::Disruptive, object, message)
        .commands(vec![format!("kubectl delete {kind} {name} {ns} --cascade=orphan"), format!("kubectl apply {ns} -f <rendered {} manifest>", object.kind)])
}

fn removed(object: &ObjectRef, before: &Value) -> Consequence {
    let n = replicas(Some(before));
    let noun = pod_noun(before);
    let mut message = format!("{} is removed: its {} once your GitOps tool prunes it", object_label(object), plural_verb(n, noun, "stop"));
    let mut impact = Impact::Restart;
    if object.kind == "StatefulSet" {
        if before.pointer("/spec/persistentVolumeClaimRetentionPolicy/whenDeleted").and_then(Value::as_str) == Some("Delete") {
            message.push_str("; their PVCs are deleted with it (whenDeleted: Delete): the data is lost");
            impact = Impact::Disruptive;
        } else {
            message.push_str("; their PVCs are kept (whenDeleted: Retain)");
        }
    }
    Consequence::new(Reason::WorkloadRemoved, impact, object, message)
}

/// Restarts and scaling.
fn pods(object: &ObjectRef, before: &Value, after: &Value, changes: &[FieldChange]) -> Vec<Consequence> {
    let mut out = Vec::new();
    let (old, new) = (replicas(Some(before)), replicas(Some(after)));
    let noun = pod_noun(after);
    let causes = restart_causes(changes);
    let recreate = after.pointer("/spec/strategy/type").and_then(Value::as_str) == Some("Recreate");
    let kept = old.min(new);
    if !causes.is_empty() && kept > 0 {
        let why = causes.iter().map(|c| c.word()).collect::<Vec<_>>().join(", ");
        if recreate {
            out.push(Consequence::new(
                Reason::FullStop,
                Impact::Restart,
                object,
                format!("{} ({why}); the Recreate strategy stops every one before the new ones start: a full stop", plural_verb(kept, noun, "restart")),
            ));
        } else {
            let order = if object.kind == "StatefulSet" { "one at a time, highest ordinal first" } else { "a rolling update" };
            out.push(Consequence::new(Reason::RollingRestart, Impact::Restart, object, format!("{} ({why}), {order}", plural_verb(kept, noun, "restart"))));
        }
    } else if causes.is_empty() && !changes.is_empty() {
        out.push(Consequence::new(Reason::NoRestart, Impact::Info, object, format!("the pod template does not change: no {noun} restarts")));
    }
    if new > old {
        out.push(Consequence::new(Reason::ScaleUp, Impact::Info, object, format!("{old} -> {new} {noun}s: {} added", plural(new - old, noun))));
    } else if new < old {
        out.push(scale_down(object, before, after, old, new));
    }
    out
}

fn scale_down(object: &ObjectRef, before: &Value, after: &Value, old: u64, new: u64) -> Consequence {
    let noun = pod_noun(before);
    let removed: Vec<String> = (new..old).rev().map(|i| format!("{}-{i}", object.name)).collect();
    if object.kind != "StatefulSet" {
        return Consequence::new(Reason::ScaleDown, Impact::Restart, object, format!("{old} -> {new} {noun}s: {}", plural_verb(old - new, noun, "stop")));
    }
    let claims: Vec<String> = claim_templates(before).iter().flat_map(|t| (new..old).rev().map(move |i| format!("{t}-{}-{i}", object.name))).collect();
    let deleted = after.pointer("/spec/persistentVolumeClaimRetentionPolicy/whenScaled").and_then(Value::as_str) == Some("Delete");
    let what = if deleted {
        format!("their PVCs ({}) are deleted (whenScaled: Delete): the data is lost", claims.join(", "))
    } else {
        format!("their PVCs ({}) are kept (whenScaled: Retain), but the partitions stored only there are offline until they come back", claims.join(", "))
    };
    Consequence::new(Reason::ScaleDown, Impact::Disruptive, object, format!("{old} -> {new} {noun}s: {} removed, with the data they hold; {what}", removed.join(", ")))
}

fn claim_templates(statefulset: &Value) -> Vec<String> {
    statefulset.pointer("/spec/volumeClaimTemplates").and_then(Value::as_array).map(|ts| ts.iter().filter_map(|t| t.pointer("/metadata/name").and_then(Value::as_str).map(str::to_owned)).collect()).unwrap_or_default()
}

/// Volume claim template changes: what PVCs can take.
fn storage(object: &ObjectRef, before: &Value, after: &Value) -> Vec<Consequence> {
    let mut out = Vec::new();
    let templates = |v: &Value| v.pointer("/spec/volumeClaimTemplates").and_then(Value::as_array).cloned().unwrap_or_default();
    let (old, new) = (templates(before), templates(after));
    let n = replicas(Some(after)).max(replicas(Some(before)));
    for t in &new {
        let name = t.pointer("/metadata/name").and_then(Value::as_str).unwrap_or("");
        let Some(o) = old.iter().find(|o| o.pointer("/metadata/name").and_then(Value::as_str) == Some(name)) else { continue };
        let size = |v: &Value| v.pointer("/spec/resources/requests/storage").and_then(Value::as_str).map(str::to_owned);
        let class = |v: &Value| v.pointer("/spec/storageClassName").and_then(Value::as_str).map(str::to_owned);
        let modes = |v: &Value| v.pointer("/spec/accessModes").cloned();
        if class(o) != class(t) {
            let show = |c: Option<String>| c.unwrap_or_else(|| "the default class".into());
            out.push(Consequence::new(Reason::StorageRefused, Impact::Disruptive, object, format!("volume `{name}`: storage class {} -> {}: a PVC cannot change class; the data must be copied to new volumes", show(class(o)), show(class(t)))));
        }
        if modes(o) != modes(t) {
            out.push(Consequence::new(Reason::StorageRefused, Impact::Disruptive, object, format!("volume `{name}`: the access modes of a bound PVC cannot change")));
        }
        let (Some(a), Some(b)) = (size(o), size(t)) else { continue };
        match (quantity(&a), quantity(&b)) {
            (Some(x), Some(y)) if y < x => out.push(Consequence::new(Reason::StorageRefused, Impact::Disruptive, object, format!("volume `{name}`: {a} -> {b}: a PVC cannot shrink; the data must be copied to new, smaller volumes"))),
            (Some(x), Some(y)) if y > x => {
                let commands = (0..n).map(|i| format!("kubectl patch pvc {name}-{}-{i} {} -p '{{\"spec\":{{\"resources\":{{\"requests\":{{\"storage\":\"{b}\"}}}}}}}}'", object.name, namespace_flag(object))).collect();
                let class = class(t).unwrap_or_else(|| "<default class>".into());
                out.push(
                    Consequence::new(
                        Reason::StorageResize,
                        Impact::Restart,
                        object,
                        format!("volume `{name}`: {a} -> {b}: the StatefulSet does not resize existing PVCs; patch each one, which works only where the StorageClass allows expansion (`kubectl get storageclass {class} -o jsonpath='{{.allowVolumeExpansion}}'`; rivven-render cannot see it offline)"),
                    )
                    .commands(commands),
                );
            }
            _ => {}
        }
    }
    out
}

/// Service changes clients notice.
fn service(object: &ObjectRef, changes: &[FieldChange]) -> Vec<Consequence> {
    // A port added breaks no client; a changed or removed one, a new type or selector may.
    let added_port = |c: &FieldChange| c.path.0.len() == 3 && c.path.starts_with(&["spec", "ports", "*"]) && c.before.is_none();
    let visible: Vec<&FieldChange> = changes
        .iter()
        .filter(|c| c.path.starts_with(&["spec", "type"]) || c.path.starts_with(&["spec", "ports"]) || c.path.starts_with(&["spec", "selector"]))
        .filter(|c| !added_port(c))
        .collect();
    if visible.is_empty() {
        return Vec::new();
    }
    let details: Vec<String> = visible.iter().map(|c| format!("{} {} -> {}", c.path, short(c.before.as_ref()), short(c.after.as_ref()))).collect();
    vec![Consequence::new(Reason::ServiceChange, Impact::Restart, object, format!("clients notice: {}", details.join("; ")))]
}

/// A Kubernetes quantity in base units (`10Gi`, `500M`, `1.5Ti`, `100m`); `None` when not one.
pub fn quantity(text: &str) -> Option<f64> {
    const SUFFIXES: [(&str, f64); 13] = [
        ("Ki", 1024.0),
        ("Mi", 1_048_576.0),
        ("Gi", 1_073_741_824.0),
        ("Ti", 1_099_511_627_776.0),
        ("Pi", 1_125_899_906_842_624.0),
        ("Ei", 1_152_921_504_606_846_976.0),
        ("k", 1e3),
        ("M", 1e6),
        ("G", 1e9),
        ("T", 1e12),
        ("P", 1e15),
        ("E", 1e18),
        ("m", 1e-3),
    ];
    let text = text.trim();
    let (number, factor) = SUFFIXES.iter().find_map(|(s, f)| text.strip_suffix(s).map(|n| (n, *f))).unwrap_or((text, 1.0));
    number.parse::<f64>().ok().filter(|n| n.is_finite() && *n >= 0.0).map(|n| n * factor)
}

#[cfg(test)]
#[path = "workloads_tests.rs"]
mod tests;
