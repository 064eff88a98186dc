//! One registry's compatibility levels in one pass, through rivven-schema's REST API on every
//! ready pod (replicas of 0.0.22 registries are independent memories): read the levels, make the
//! calls [`crate::reconcile::registry::decide`] asks for, and read them back.
use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::model::schema_registry::CompatibilityLevel;
use crate::reconcile::registry::{decide, RegistryCall};

use super::desired::DesiredRegistry;
use super::http;
use super::metrics::Metrics;

const TIMEOUT: Duration = Duration::from_secs(5);

/// What one registry pod holds after the pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RegistryResult {
    /// The global level read back.
    pub global: Option<CompatibilityLevel>,
    /// The per-subject levels read back.
    pub subjects: BTreeMap<String, CompatibilityLevel>,
    /// Calls made (or, read-only, that would be made).
    pub calls: usize,
}

fn level(body: &str) -> Option<CompatibilityLevel> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    let text = value.get("compatibilityLevel").or_else(|| value.get("compatibility"))?.clone();
    serde_json::from_value(text).ok()
}

async fn call(metrics: &Metrics, method: &str, address: &str, path: &str, body: Option<&str>) -> Result<http::Response, String> {
    let started = Instant::now();
    let response = http::request(method, address, path, body, TIMEOUT).await;
    metrics.registry_call(&format!("{method} {}", if path.starts_with("/config/") { "/config/{subject}" } else { path }), started.elapsed());
    let response = response?;
    if response.status >= 300 {
        return Err(format!("{method} {path} on registry {address}: HTTP {}: {}", response.status, response.body.trim()));
    }
    Ok(response)
}

fn subject_path(subject: &str) -> String {
    format!("/config/{}", crate::source::pointer::percent_encode(subject, b""))
}

async fn read(metrics: &Metrics, address: &str, registry: &DesiredRegistry) -> Result<(Option<CompatibilityLevel>, BTreeMap<String, CompatibilityLevel>), String> {
    let global = level(&call(metrics, "GET", address, "/config", None).await?.body);
    let mut subjects = BTreeMap::new();
    for s in &registry.plan.subjects {
        if let Some(l) = level(&call(metrics, "GET", address, &subject_path(&s.subject), None).await?.body) {
            subjects.insert(s.subject.clone(), l);
        }
    }
    Ok((global, subjects))
}

/// Makes one registry pod at `address` (`ip:port`) hold the levels of its plan.
pub async fn reconcile(metrics: &Metrics, address: &str, registry: &DesiredRegistry, write: bool) -> Result<RegistryResult, String> {
    let (global, subjects) = read(metrics, address, registry).await?;
    let calls = decide(&registry.plan, global, &subjects);
    if calls.is_empty() || !write {
        return Ok(RegistryResult { global, subjects, calls: calls.len() });
    }
    for c in &calls {
        let (path, level) = match c {
            RegistryCall::SetGlobal(l) => ("/config".to_owned(), l),
            RegistryCall::SetSubject(s, l) => (subject_path(s), l),
        };
        let body = serde_json::json!({ "compatibility": level }).to_string();
        call(metrics, "PUT", address, &path, Some(&body)).await?;
    }
    let (global, subjects) = read(metrics, address, registry).await?;
    Ok(RegistryResult { global, subjects, calls: calls.len() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_read_in_both_spellings_and_subjects_are_escaped() {
        assert_eq!(level(r#"{"compatibilityLevel":"FULL"}"#), Some(CompatibilityLevel::Full));
        assert_eq!(level(r#"{"compatibility":"BACKWARD_TRANSITIVE"}"#), Some(CompatibilityLevel::BackwardTransitive));
        assert_eq!(level(r#"{"error_code":40401}"#), None);
        assert_eq!(level("<html>"), None);
        assert_eq!(subject_path("orders-value"), "/config/orders-value");
        assert_eq!(subject_path("a/b c"), "/config/a%2Fb%20c");
    }
}
