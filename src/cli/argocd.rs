//! `rivven-render argocd generate`: an Argo CD Config Management Plugin (v2, sidecar). It renders
//! the application directory (the working directory) to standard output, manifests only; plain,
//! short lines on standard error. It never succeeds with an empty or partial output (empty output
//! plus auto-prune deletes the application), writes no file, and exits non-zero without output on
//! SIGTERM (Argo CD's deadline).
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::Value;

use super::io::sayln;
use super::{EXIT_INVALID, EXIT_OK, EXIT_USAGE};
use crate::compile::settings::Settings;
use crate::compile::{compile, Input};
use crate::diagnostics::emit::Format;

/// Arguments of `argocd`.
#[derive(Args, Debug)]
pub struct ArgocdArgs {
    #[command(subcommand)]
    command: ArgocdCommand,
}

#[derive(Subcommand, Debug)]
enum ArgocdCommand {
    /// Render the application directory to standard output (the plugin's `generate` command).
    Generate,
}

/// ` (application NAME, PATH@REVISION)` for error lines: which sync failed, at which commit.
fn application(env: &BTreeMap<String, String>) -> String {
    let var = |name: &str| env.get(name).map(String::as_str).filter(|v| !v.is_empty());
    let Some(name) = var("ARGOCD_APP_NAME") else { return String::new() };
    let revision = var("ARGOCD_APP_REVISION_SHORT").or(var("ARGOCD_APP_REVISION"));
    match (var("ARGOCD_APP_SOURCE_PATH"), revision) {
        (Some(path), Some(rev)) => format!(" (application {name}, {path}@{rev})"),
        (Some(path), None) => format!(" (application {name}, {path})"),
        _ => format!(" (application {name})"),
    }
}

/// The application directory's options file (and the plugin's discovery marker).
pub const APP_CONFIG_FILE: &str = "rivven-render.yaml";

/// The parameters the plugin announces (`plugin.yaml`), by name.
pub const PARAMETERS: [&str; 5] = ["paths", "clusterDomain", "rivvenVersion", "strict", "deny"];

/// Exit code after SIGTERM (128 + 15, as a shell reports it).
const EXIT_TERMINATED: i32 = 143;

/// Runs `argocd`.
pub fn run(args: &ArgocdArgs) -> u8 {
    match args.command {
        ArgocdCommand::Generate => generate(),
    }
}

extern "C" fn on_sigterm(_: libc::c_int) {
    // Only async-signal-safe calls here: leave at once, writing nothing.
    unsafe { libc::_exit(EXIT_TERMINATED) }
}

fn generate() -> u8 {
    // Argo CD signals the process group at its deadline; an inherited "ignore" must not keep us.
    unsafe {
        libc::signal(libc::SIGTERM, on_sigterm as extern "C" fn(libc::c_int) as libc::sighandler_t);
    }
    let env: BTreeMap<String, String> = std::env::vars_os().filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?))).collect();
    let app = application(&env);
    let failed = |message: &str, code: u8| {
        sayln!("rivven-render argocd generate{app}: {message}");
        code
    };
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    let base = match app_config(&cwd) {
        Ok(s) => s,
        Err(e) => return failed(&format!("{APP_CONFIG_FILE}: {e}"), EXIT_INVALID),
    };
    let settings = match settings_from_environment(&env, base) {
        Ok(s) => s,
        Err(e) => return failed(&e, EXIT_USAGE),
    };
    let mut options = match settings.options(false) {
        Ok(o) => o,
        Err(e) => return failed(&e, EXIT_USAGE),
    };
    options.confine = Some(cwd.clone());
    let mut inputs = Vec::new();
    for path in if settings.paths.is_empty() { vec![".".to_owned()] } else { settings.paths.clone() } {
        match crate::load::inside(&cwd, &path) {
            Ok(p) => inputs.push(Input::Path(p)),
            Err(e) => return failed(&format!("parameter paths: {e}"), EXIT_USAGE),
        }
    }
    let compilation = compile(&inputs, &options);
    super::print_diagnostics(&compilation, Format::Short, true);
    if compilation.failed_to_read() {
        return failed("an input could not be read (see above); nothing was output", EXIT_USAGE);
    }
    if !compilation.renderable() {
        return failed(&format!("{}; nothing was output", super::summary(&compilation.diagnostics)), EXIT_INVALID);
    }
    let mut out = Vec::new();
    let mut objects = 0;
    let written = compilation.render_each(&mut |object| {
        objects += 1;
        crate::output::write_object(&object, &mut out)
    });
    if let Err(e) = written {
        return failed(&format!("cannot render: {e}"), EXIT_USAGE);
    }
    if objects == 0 {
        return failed("nothing was rendered; an empty output would make Argo CD prune the application", EXIT_INVALID);
    }
    match super::io::write_plugin_output(&out) {
        Ok(()) => EXIT_OK,
        Err(e) => failed(&format!("cannot write the manifests: {e}"), EXIT_USAGE),
    }
}

/// The settings of `rivven-render.yaml` in the application directory (the defaults without one).
fn app_config(dir: &Path) -> Result<Settings, String> {
    let text = match std::fs::read_to_string(dir.join(APP_CONFIG_FILE)) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Settings::default()),
        Err(e) => return Err(e.to_string()),
    };
    let (documents, error) = crate::load::tree::documents(&crate::source::SourceFile::new(APP_CONFIG_FILE.into(), text));
    if let Some(e) = error {
        return Err(format!("not YAML: {}", e.message));
    }
    match documents.into_iter().next() {
        None => Ok(Settings::default()), // an empty marker file
        Some(Err(e)) => Err(e.message),
        Some(Ok((value, _))) => {
            let settings = Settings::from_config(&value)?;
            if !settings.resources.is_empty() {
                return Err("spec.resources is for the KRM function; in an application directory, write the resources as files".into());
            }
            Ok(settings)
        }
    }
}

/// The settings after the application's environment: `ARGOCD_ENV_*` (the Application's
/// `plugin.env`) over the config file, the parameters over both (`ARGOCD_APP_PARAMETERS`, else
/// `PARAM_*`; Argo CD sends no defaults, so an unset parameter keeps what was there), and the
/// cluster's facts (`ARGOCD_APP_NAMESPACE`, `KUBE_VERSION`, `KUBE_API_VERSIONS`). An unknown
/// parameter is an error: a misspelt one would otherwise be ignored.
pub fn settings_from_environment(env: &BTreeMap<String, String>, mut settings: Settings) -> Result<Settings, String> {
    let list = |text: &str| text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect::<Vec<_>>();
    let flag = |name: &str, text: &str| match text.trim() {
        "true" => Ok(true),
        "false" | "" => Ok(false),
        other => Err(format!("{name} is `{other}`: write true or false")),
    };
    let var = |name: &str| env.get(name).map(String::as_str).filter(|v| !v.is_empty());
    if let Some(v) = var("ARGOCD_ENV_CLUSTER_DOMAIN") {
        settings.cluster_domain = Some(v.to_owned());
    }
    if let Some(v) = var("ARGOCD_ENV_RIVVEN_VERSION") {
        settings.rivven_version = Some(v.to_owned());
    }
    if let Some(v) = var("ARGOCD_ENV_PATHS") {
        settings.paths = list(v);
    }
    if let Some(v) = var("ARGOCD_ENV_DENY") {
        settings.deny = list(v);
    }
    if let Some(v) = var("ARGOCD_ENV_STRICT") {
        settings.strict = flag("ARGOCD_ENV_STRICT", v)?;
    }
    for (name, value) in parameters(env)? {
        match (name.as_str(), value) {
            ("paths", Parameter::Array(v)) => settings.paths = v,
            ("deny", Parameter::Array(v)) => settings.deny = v,
            ("paths" | "deny", Parameter::String(v)) => *(if name == "paths" { &mut settings.paths } else { &mut settings.deny }) = list(&v),
            ("clusterDomain", Parameter::String(v)) => settings.cluster_domain = Some(v),
            ("rivvenVersion", Parameter::String(v)) => settings.rivven_version = Some(v),
            ("strict", Parameter::String(v)) => settings.strict = flag("parameter strict", &v)?,
            (known, _) if PARAMETERS.contains(&known) => return Err(format!("parameter {known} has the wrong type (see plugin.yaml)")),
            (unknown, _) => return Err(format!("unknown parameter `{unknown}`; the plugin takes {}", PARAMETERS.join(", "))),
        }
    }
    if let Some(ns) = var("ARGOCD_APP_NAMESPACE") {
        settings.namespace = Some(ns.to_owned());
    }
    if let Some(v) = var("KUBE_VERSION") {
        settings.kube_version = Some(v.to_owned());
    }
    if let Some(v) = var("KUBE_API_VERSIONS") {
        settings.api_versions = Some(list(v));
    }
    Ok(settings)
}

/// A parameter's value.
#[derive(Debug, PartialEq)]
enum Parameter {
    String(String),
    Array(Vec<String>),
    Map(BTreeMap<String, String>),
}

/// The parameters the Application sets, by name: `ARGOCD_APP_PARAMETERS` (JSON), or the
/// `PARAM_<NAME>[_<i>]` variables when it is absent.
fn parameters(env: &BTreeMap<String, String>) -> Result<Vec<(String, Parameter)>, String> {
    if let Some(json) = env.get("ARGOCD_APP_PARAMETERS").filter(|j| !j.trim().is_empty()) {
        let entries: Vec<Value> = serde_json::from_str(json).map_err(|e| format!("ARGOCD_APP_PARAMETERS is not a JSON list: {e}"))?;
        return entries
            .into_iter()
            .map(|entry| {
                let name = entry.get("name").and_then(Value::as_str).ok_or("ARGOCD_APP_PARAMETERS: an entry has no name")?.to_owned();
                let strings = |v: &Value| v.as_str().map(str::to_owned).ok_or_else(|| format!("parameter {name}: values must be strings"));
                let value = if let Some(array) = entry.get("array").and_then(Value::as_array) {
                    Parameter::Array(array.iter().map(strings).collect::<Result<_, _>>()?)
                } else if let Some(map) = entry.get("map").and_then(Value::as_object) {
                    Parameter::Map(map.iter().map(|(k, v)| Ok((k.clone(), strings(v)?))).collect::<Result<_, String>>()?)
                } else {
                    Parameter::String(entry.get("string").map(strings).transpose()?.unwrap_or_default())
                };
                Ok((name, value))
            })
            .collect();
    }
    let known: Vec<String> = PARAMETERS.iter().map(|n| format!("PARAM_{}", n.to_ascii_uppercase())).collect();
    if let Some(unknown) = env.keys().filter(|k| k.starts_with("PARAM_")).find(|k| !known.iter().any(|p| *k == p || k.strip_prefix(p.as_str()).is_some_and(|rest| rest.starts_with('_')))) {
        return Err(format!("unknown parameter variable `{unknown}`; the plugin takes {}", PARAMETERS.join(", ")));
    }
    let mut found = Vec::new();
    for name in PARAMETERS {
        let key = format!("PARAM_{}", name.to_ascii_uppercase());
        if let Some(v) = env.get(&key) {
            found.push((name.to_owned(), Parameter::String(v.clone())));
            continue;
        }
        let items: Vec<String> = (0..).map_while(|i| env.get(&format!("{key}_{i}")).cloned()).collect();
        if !items.is_empty() {
            found.push((name.to_owned(), Parameter::Array(items)));
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn parameters_win_over_plugin_env_which_wins_over_the_config_file() {
        let file = Settings { cluster_domain: Some("file.local".into()), rivven_version: Some("0.0.22".into()), paths: vec!["a".into()], ..Settings::default() };
        let e = env(&[
            ("ARGOCD_ENV_CLUSTER_DOMAIN", "env.local"),
            ("ARGOCD_ENV_PATHS", "b, c"),
            ("ARGOCD_APP_PARAMETERS", r#"[{"name": "clusterDomain", "string": "param.local"}, {"name": "deny", "array": ["warnings"]}]"#),
            ("ARGOCD_APP_NAMESPACE", "rivven"),
            ("KUBE_VERSION", "v1.30.2+k3s1"),
            ("KUBE_API_VERSIONS", "v1,apps/v1,policy/v1"),
        ]);
        let s = settings_from_environment(&e, file).unwrap();
        assert_eq!(s.cluster_domain.as_deref(), Some("param.local"));
        assert_eq!(s.rivven_version.as_deref(), Some("0.0.22"), "an unset parameter keeps the file's value");
        assert_eq!(s.paths, ["b", "c"]);
        assert_eq!(s.deny, ["warnings"]);
        assert_eq!(s.namespace.as_deref(), Some("rivven"));
        assert_eq!(s.api_versions, Some(vec!["v1".into(), "apps/v1".into(), "policy/v1".into()]));
        assert!(s.options(false).is_ok());
    }

    #[test]
    fn param_variables_are_read_without_the_json_and_unknown_parameters_are_refused() {
        let e = env(&[("PARAM_CLUSTERDOMAIN", "x.local"), ("PARAM_PATHS_0", "one"), ("PARAM_PATHS_1", "two"), ("PARAM_STRICT", "true")]);
        let typo = settings_from_environment(&env(&[("PARAM_CLUSTERDOMIAN", "x")]), Settings::default()).unwrap_err();
        assert!(typo.contains("unknown parameter variable `PARAM_CLUSTERDOMIAN`"), "{typo}");
        let s = settings_from_environment(&e, Settings::default()).unwrap();
        assert_eq!((s.cluster_domain.as_deref(), s.paths.as_slice(), s.strict), (Some("x.local"), &["one".to_owned(), "two".to_owned()][..], true));
        for (json, why) in [
            (r#"[{"name": "clusterDomian", "string": "x"}]"#, "unknown parameter `clusterDomian`"),
            (r#"[{"name": "strict", "string": "yes"}]"#, "write true or false"),
            (r#"[{"name": "clusterDomain", "map": {"a": "b"}}]"#, "wrong type"),
            ("not json", "not a JSON list"),
        ] {
            let e = settings_from_environment(&env(&[("ARGOCD_APP_PARAMETERS", json)]), Settings::default()).unwrap_err();
            assert!(e.contains(why), "{json}: {e}");
        }
    }
}
