//! The cluster the manifests are rendered for (`--kube-version`, `--api-versions`, Argo CD's
//! `KUBE_VERSION` and `KUBE_API_VERSIONS`): an object whose API that cluster does not serve is left
//! out, or moved to a served alternative. Pure: one decision per object, with table tests.
use std::collections::BTreeSet;

use serde_json::Value;

/// The oldest Kubernetes release the rendered objects are valid for (`seccompProfile` in security
/// contexts is 1.19).
pub const OLDEST_KUBERNETES: KubeVersion = KubeVersion { major: 1, minor: 19 };

/// The release that serves `policy/v1` PodDisruptionBudgets (`policy/v1beta1` is gone in 1.25).
const POLICY_V1: KubeVersion = KubeVersion { major: 1, minor: 21 };

/// The release whose StatefulSets honour `persistentVolumeClaimRetentionPolicy` by default (beta).
const PVC_RETENTION: KubeVersion = KubeVersion { major: 1, minor: 27 };

/// A Kubernetes release, `major.minor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct KubeVersion {
    /// Major version.
    pub major: u32,
    /// Minor version.
    pub minor: u32,
}

impl std::fmt::Display for KubeVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl KubeVersion {
    /// Reads `1.36`, `v1.36.3`, `1.36.3+k3s1`, `v1.30.2-gke.1587003` or `1.29+` (what
    /// `kubectl version` and Argo CD's `KUBE_VERSION` print).
    pub fn parse(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a Kubernetes version (e.g. 1.36 or v1.36.3)");
        let core = text.trim().strip_prefix('v').unwrap_or(text.trim());
        let core = core.split(['+', '-']).next().unwrap_or_default();
        let mut parts = core.split('.');
        let number = |part: Option<&str>| part.filter(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())).and_then(|p| p.parse::<u32>().ok());
        let major = number(parts.next()).ok_or_else(bad)?;
        let minor = number(parts.next()).ok_or_else(bad)?;
        if parts.next().is_some_and(|patch| number(Some(patch)).is_none()) || parts.next().is_some() {
            return Err(bad());
        }
        let version = Self { major, minor };
        if version < OLDEST_KUBERNETES {
            return Err(format!("Kubernetes {version} is older than {OLDEST_KUBERNETES}, the oldest release rivven-render renders for"));
        }
        Ok(version)
    }
}

/// The API group/versions a cluster serves (Argo CD's `KUBE_API_VERSIONS`, Helm's `--api-versions`):
/// `group/version` entries (`v1` for the core group); `group/version/Kind` entries name one kind.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiVersions(BTreeSet<String>);

impl ApiVersions {
    /// Reads a comma-separated list (blanks around entries ignored).
    pub fn parse(text: &str) -> Self {
        Self(text.split(',').map(str::trim).filter(|e| !e.is_empty()).map(str::to_owned).collect())
    }

    /// Whether `api_version` (`group/version`) is served, for `kind`.
    fn serves(&self, api_version: &str, kind: &str) -> bool {
        self.0.contains(api_version) || self.0.contains(&format!("{api_version}/{kind}"))
    }
}

/// The cluster rendered for; the default knows nothing and changes nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Target {
    /// Its Kubernetes release, when known.
    pub kube_version: Option<KubeVersion>,
    /// The APIs it serves, when known.
    pub api_versions: Option<ApiVersions>,
}

/// What happens to one rendered object for a [`Target`].
#[derive(Clone, Debug, PartialEq)]
pub enum Fit {
    /// Rendered as it is.
    Keep,
    /// Rendered with another apiVersion (or without a field), for the reason given.
    Changed(String),
    /// Left out, for the reason given.
    Omitted(String),
}

impl Target {
    /// Whether the target changes anything.
    pub fn is_default(&self) -> bool {
        self.kube_version.is_none() && self.api_versions.is_none()
    }

    /// Fits one object to the target, in place (see [`Fit`]).
    pub fn fit(&self, object: &mut Value) -> Fit {
        let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str).unwrap_or_default().to_owned();
        let (api_version, kind) = (text("/apiVersion"), text("/kind"));
        let served = |api: &str| self.api_versions.as_ref().is_none_or(|apis| apis.serves(api, &kind));
        match (api_version.as_str(), kind.as_str()) {
            ("monitoring.coreos.com/v1", "ServiceMonitor") if !served("monitoring.coreos.com/v1") => {
                Fit::Omitted("monitoring.coreos.com/v1 is not served by the target cluster (the prometheus-operator CRDs are not installed)".into())
            }
            ("policy/v1", "PodDisruptionBudget") => {
                let old_release = self.kube_version.is_some_and(|v| v < POLICY_V1);
                let listed_old_only = self.api_versions.as_ref().is_some_and(|apis| !apis.serves("policy/v1", &kind) && apis.serves("policy/v1beta1", &kind));
                if !(old_release || listed_old_only) {
                    return Fit::Keep;
                }
                object["apiVersion"] = Value::from("policy/v1beta1");
                let why = match self.kube_version {
                    Some(v) if old_release => format!("Kubernetes {v} serves PodDisruptionBudgets only as policy/v1beta1 (policy/v1 is {POLICY_V1})"),
                    _ => "the target cluster serves PodDisruptionBudgets only as policy/v1beta1".to_owned(),
                };
                Fit::Changed(why)
            }
            ("apps/v1", "StatefulSet") if self.kube_version.is_some_and(|v| v < PVC_RETENTION) => {
                let policy = object.pointer_mut("/spec").and_then(Value::as_object_mut).and_then(|spec| spec.remove("persistentVolumeClaimRetentionPolicy"));
                match policy {
                    Some(_) => Fit::Changed(format!(
                        "persistentVolumeClaimRetentionPolicy left out: Kubernetes {} ignores it unless the StatefulSetAutoDeletePVC feature gate is on (default from {PVC_RETENTION}), so the volumes are kept when pods or the StatefulSet go",
                        self.kube_version.map(|v| v.to_string()).unwrap_or_default()
                    )),
                    None => Fit::Keep,
                }
            }
            _ => Fit::Keep,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn versions_are_read_as_kubectl_and_argo_cd_print_them() {
        let table = [("1.36", (1, 36)), ("v1.36.3", (1, 36)), ("1.30.2+k3s1", (1, 30)), ("v1.30.2-gke.1587003", (1, 30)), ("1.29+", (1, 29)), (" 1.21 ", (1, 21))];
        for (text, (major, minor)) in table {
            assert_eq!(KubeVersion::parse(text), Ok(KubeVersion { major, minor }), "{text}");
        }
        for bad in ["", "1", "one.two", "1.x", "1.36.3.4", "v", "1..2", "1.36.x"] {
            assert!(KubeVersion::parse(bad).is_err(), "{bad} was accepted");
        }
        assert!(KubeVersion::parse("1.18").unwrap_err().contains("older than 1.19"));
    }

    #[test]
    fn every_changed_or_omitted_object_is_a_note_naming_it() {
        let cluster = "apiVersion: rivven.hupe1980.github.io/v1alpha1\nkind: RivvenCluster\nmetadata:\n  name: demo\nspec:\n  replicas: 1\n  metrics:\n    enabled: true\n    serviceMonitorEnabled: true\n";
        let mut options = crate::compile::CompileOptions::default();
        options.render.target = Target { kube_version: Some(KubeVersion { major: 1, minor: 20 }), api_versions: Some(ApiVersions::parse("v1,apps/v1")) };
        let compilation = crate::compile::compile_texts(&[("cluster.yaml", cluster)], &options);
        let notes: Vec<&str> = compilation.diagnostics.iter().filter(|d| d.rule == "platform/target-api").map(|d| d.message.as_str()).collect();
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert!(notes.iter().any(|n| n.starts_with("ServiceMonitor rivven-demo left out")));
        assert!(notes.iter().any(|n| n.starts_with("PodDisruptionBudget rivven-demo-pdb changed")));
        assert!(notes.iter().any(|n| n.starts_with("StatefulSet rivven-demo changed")));
        assert!(!compilation.objects().iter().any(|o| o.kind == "ServiceMonitor"));
        let default = crate::compile::compile_texts(&[("cluster.yaml", cluster)], &crate::compile::CompileOptions::default());
        assert!(!default.diagnostics.iter().any(|d| d.rule == "platform/target-api"));
    }

    fn object(api_version: &str, kind: &str) -> Value {
        json!({"apiVersion": api_version, "kind": kind, "metadata": {"name": "x"}, "spec": {"persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Delete"}}})
    }

    #[test]
    fn each_object_fits_the_target_or_is_left_out_with_a_reason() {
        let at = |v: &str| Target { kube_version: Some(KubeVersion::parse(v).unwrap()), api_versions: None };
        let serving = |apis: &str| Target { kube_version: None, api_versions: Some(ApiVersions::parse(apis)) };
        // (target, apiVersion, kind, expected fit, apiVersion after)
        let table: Vec<(Target, &str, &str, &str, &str)> = vec![
            (Target::default(), "monitoring.coreos.com/v1", "ServiceMonitor", "keep", "monitoring.coreos.com/v1"),
            (at("1.19"), "monitoring.coreos.com/v1", "ServiceMonitor", "keep", "monitoring.coreos.com/v1"),
            (serving("v1,apps/v1,policy/v1"), "monitoring.coreos.com/v1", "ServiceMonitor", "omitted", "monitoring.coreos.com/v1"),
            (serving("v1,monitoring.coreos.com/v1"), "monitoring.coreos.com/v1", "ServiceMonitor", "keep", "monitoring.coreos.com/v1"),
            (serving("v1,monitoring.coreos.com/v1/ServiceMonitor"), "monitoring.coreos.com/v1", "ServiceMonitor", "keep", "monitoring.coreos.com/v1"),
            (at("1.20"), "policy/v1", "PodDisruptionBudget", "changed", "policy/v1beta1"),
            (at("1.21"), "policy/v1", "PodDisruptionBudget", "keep", "policy/v1"),
            (serving("v1,policy/v1beta1"), "policy/v1", "PodDisruptionBudget", "changed", "policy/v1beta1"),
            (serving("v1,policy/v1,policy/v1beta1"), "policy/v1", "PodDisruptionBudget", "keep", "policy/v1"),
            // A list that names neither is partial: nothing better to choose.
            (serving("v1"), "policy/v1", "PodDisruptionBudget", "keep", "policy/v1"),
            (at("1.26"), "apps/v1", "StatefulSet", "changed", "apps/v1"),
            (at("1.27"), "apps/v1", "StatefulSet", "keep", "apps/v1"),
            (at("1.20"), "apps/v1", "Deployment", "keep", "apps/v1"),
            (at("1.20"), "v1", "ConfigMap", "keep", "v1"),
        ];
        for (target, api_version, kind, expected, after) in table {
            let mut value = object(api_version, kind);
            let fit = target.fit(&mut value);
            let got = match &fit {
                Fit::Keep => "keep",
                Fit::Changed(_) => "changed",
                Fit::Omitted(_) => "omitted",
            };
            assert_eq!(got, expected, "{target:?} {api_version} {kind}: {fit:?}");
            assert_eq!(value["apiVersion"], after, "{target:?} {kind}");
            if kind == "StatefulSet" {
                assert_eq!(value.pointer("/spec/persistentVolumeClaimRetentionPolicy").is_some(), expected == "keep");
            }
        }
    }
}
