//! The options of a run as every front door writes them (CLI flags, the KRM function's
//! `RivvenRender` config, Argo CD's parameters and environment), checked in one place.
use serde::Deserialize;

use super::CompileOptions;
use crate::diagnostics::{Deny, Severity};
use crate::render::target::{ApiVersions, KubeVersion, Target};
use crate::render::{RenderOptions, DEFAULT_CLUSTER_DOMAIN};

use crate::model::{RENDER_CONFIG_API_VERSION, RENDER_CONFIG_KIND};

/// What to compile and how: the `spec` of a `RivvenRender` config; every field is optional.
#[derive(Clone, Debug, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Settings {
    /// Files or directories to compile, relative to the kustomization or application directory.
    #[serde(default)]
    pub paths: Vec<String>,
    /// Rivven resources written inline (KRM generator).
    #[serde(default)]
    pub resources: Vec<serde_json::Value>,
    /// The cluster's DNS domain (`cluster.local`).
    pub cluster_domain: Option<String>,
    /// The Rivven version of resources that name none.
    pub rivven_version: Option<String>,
    /// The target cluster's Kubernetes release.
    pub kube_version: Option<String>,
    /// The API group/versions the target cluster serves.
    pub api_versions: Option<Vec<String>>,
    /// The namespace of resources that name none.
    pub namespace: Option<String>,
    /// Documents of other kinds are errors.
    #[serde(default)]
    pub strict: bool,
    /// Rules raised to errors (`warnings` for every warning).
    #[serde(default)]
    pub deny: Vec<String>,
}

impl Settings {
    /// The settings of a `RivvenRender` config document (a KRM functionConfig, an Argo CD
    /// application's `rivven-render.yaml`).
    pub fn from_config(config: &serde_json::Value) -> Result<Self, String> {
        let field = |key: &str| config.get(key).and_then(serde_json::Value::as_str).unwrap_or_default();
        if !crate::load::krm::is_render_config(config) {
            return Err(format!(
                "the config is a `{}` `{}`; rivven-render takes `apiVersion: {RENDER_CONFIG_API_VERSION}`, `kind: {RENDER_CONFIG_KIND}`",
                field("apiVersion"),
                field("kind")
            ));
        }
        match config.get("spec") {
            None | Some(serde_json::Value::Null) => Ok(Self::default()),
            Some(spec) => serde_json::from_value(spec.clone()).map_err(|e| format!("spec: {e}")),
        }
    }

    /// The compile options, or why a value makes no sense (the message names the setting by its
    /// CLI flag).
    pub fn options(&self, validate_only: bool) -> Result<CompileOptions, String> {
        let deny = Deny::parse(&self.deny)?;
        let rivven_version = self.rivven_version.as_deref().filter(|v| !v.is_empty());
        if let Some(d) = rivven_version.map(super::default_version_findings).unwrap_or_default().into_iter().find(|d| d.severity == Severity::Error) {
            return Err(d.message);
        }
        let cluster_domain = self.cluster_domain.as_deref().filter(|d| !d.is_empty()).unwrap_or(DEFAULT_CLUSTER_DOMAIN);
        crate::validate::k8s::dns1123_subdomain(cluster_domain).map_err(|why| format!("--cluster-domain {cluster_domain}: {why}"))?;
        let kube_version = match self.kube_version.as_deref().filter(|v| !v.trim().is_empty()) {
            Some(v) => Some(KubeVersion::parse(v).map_err(|why| format!("--kube-version: {why}"))?),
            None => None,
        };
        let api_versions = self.api_versions.as_ref().filter(|v| !v.is_empty()).map(|list| ApiVersions::parse(&list.join(",")));
        let namespace = self.namespace.as_deref().filter(|n| !n.is_empty());
        if let Some(ns) = namespace {
            crate::validate::k8s::dns1123_label(ns).map_err(|why| format!("--namespace {ns}: {why}"))?;
        }
        Ok(CompileOptions {
            strict: self.strict,
            render: RenderOptions { cluster_domain: cluster_domain.to_owned(), target: Target { kube_version, api_versions } },
            default_version: rivven_version.map(str::to_owned),
            deny,
            validate_only,
            default_namespace: namespace.map(str::to_owned),
            drop_function_annotations: false,
            renames: None,
            confine: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_is_checked_before_anything_is_read() {
        let ok = Settings { kube_version: Some("v1.20.4".into()), api_versions: Some(vec!["v1".into(), "apps/v1".into()]), namespace: Some("rivven".into()), ..Settings::default() };
        let options = ok.options(false).unwrap();
        assert_eq!(options.render.target.kube_version, Some(KubeVersion { major: 1, minor: 20 }));
        assert_eq!(options.default_namespace.as_deref(), Some("rivven"));
        assert_eq!(options.render.cluster_domain, "cluster.local");
        let bad = [
            Settings { deny: vec!["no/such-rule".into()], ..Settings::default() },
            Settings { rivven_version: Some("bad tag!".into()), ..Settings::default() },
            Settings { cluster_domain: Some("Not_A_Domain".into()), ..Settings::default() },
            Settings { kube_version: Some("1.18".into()), ..Settings::default() },
            Settings { namespace: Some("Upper".into()), ..Settings::default() },
        ];
        for settings in bad {
            assert!(settings.options(false).is_err(), "{settings:?} was accepted");
        }
        // Empty strings are "not set", as Argo CD sends unset parameters.
        let empty = Settings { rivven_version: Some(String::new()), cluster_domain: Some(String::new()), kube_version: Some(String::new()), namespace: Some(String::new()), ..Settings::default() };
        assert!(empty.options(false).unwrap().render.target.is_default());
    }
}
