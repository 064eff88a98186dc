//! `rivven-render status`: one read-only pass (no call changes anything, nothing is written), its
//! reports printed as a table like `kubectl get` or as JSON. It works with or without the CRDs,
//! so topics from plan ConfigMaps show too.
use std::path::PathBuf;

use super::metrics::Metrics;
use super::pass::{self, PassOptions, State};
use super::report::Report;

/// What to look at.
#[derive(Clone, Debug)]
pub struct LookOptions {
    /// The namespace (`None`: all).
    pub namespace: Option<String>,
    /// A kubeconfig file.
    pub kubeconfig: Option<PathBuf>,
    /// Connections per broker.
    pub broker_connections: usize,
    /// Follow clusterRefs into other namespaces.
    pub allow_cross_namespace: bool,
    /// The cluster domain.
    pub cluster_domain: String,
}

/// Looks once.
pub fn look(options: &LookOptions) -> Result<Vec<Report>, String> {
    super::runtime()?.block_on(async {
        let client = super::client(options.kubeconfig.as_deref()).await?;
        let world = super::world::read(&client, options.namespace.as_deref()).await?;
        let pass_options = PassOptions { write: false, connections: options.broker_connections, allow_cross_namespace: options.allow_cross_namespace, cluster_domain: options.cluster_domain.clone(), leading: None };
        let outcome = pass::run(&world, &mut State::default(), &pass_options, &Metrics::default()).await;
        let mut reports: Vec<Report> = outcome.reports.into_values().collect();
        reports.sort_by(|a, b| (a.kind, &a.namespace, &a.name).cmp(&(b.kind, &b.namespace, &b.name)));
        Ok(reports)
    })
}

fn ready(report: &Report) -> (&str, &str, &str) {
    report.conditions.iter().find(|c| c.type_ == "Ready").map_or(("Unknown", "", ""), |c| {
        let status = match c.status {
            crate::model::status::ConditionStatus::True => "True",
            crate::model::status::ConditionStatus::False => "False",
            crate::model::status::ConditionStatus::Unknown => "Unknown",
        };
        (status, c.reason, c.message.as_str())
    })
}

/// A table: KIND NAMESPACE NAME READY PHASE REASON MESSAGE.
pub fn table(reports: &[Report]) -> String {
    let mut rows = vec![["KIND".to_owned(), "NAMESPACE".into(), "NAME".into(), "READY".into(), "PHASE".into(), "REASON".into(), "MESSAGE".into()]];
    for r in reports {
        let (status, reason, message) = ready(r);
        rows.push([r.kind.to_owned(), r.namespace.clone(), r.name.clone(), status.to_owned(), r.phase.to_owned(), reason.to_owned(), message.to_owned()]);
    }
    let widths: Vec<usize> = (0..6).map(|i| rows.iter().map(|row| row[i].chars().count()).max().unwrap_or(0)).collect();
    let mut out = String::new();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if i < 6 {
                out.push_str(&format!("{cell:<width$}   ", width = widths[i]));
            } else {
                out.push_str(cell);
            }
        }
        out.push('\n');
    }
    if reports.is_empty() {
        out.push_str("(no Rivven resources and no plan ConfigMaps found)\n");
    }
    out
}

/// The reports as a JSON array: kind, namespace, name and the status the companion would write.
pub fn json(reports: &[Report]) -> String {
    let items: Vec<serde_json::Value> = reports
        .iter()
        .map(|r| {
            let status = crate::reconcile::status::merge(&Default::default(), r.facts.clone(), &r.conditions, r.phase, 0, &super::clock::now()).unwrap_or_default();
            let mut status = serde_json::to_value(status).unwrap_or_default();
            if let Some(o) = status.as_object_mut() {
                o.remove("observedGeneration");
                for c in o.get_mut("conditions").and_then(|c| c.as_array_mut()).into_iter().flatten() {
                    if let Some(c) = c.as_object_mut() {
                        c.remove("observedGeneration");
                        c.remove("lastTransitionTime");
                    }
                }
            }
            serde_json::json!({ "kind": r.kind, "namespace": r.namespace, "name": r.name, "status": status })
        })
        .collect();
    let mut text = serde_json::to_string_pretty(&items).unwrap_or_default();
    text.push('\n');
    text
}
