//! Writes what a pass found: the status subresource of each Rivven resource whose status changed
//! (never a write for a steady resource), and the topic finalizers. Every write first checks that
//! this process still leads.
use std::sync::atomic::{AtomicBool, Ordering};

use kube::api::{Api, DynamicObject, Patch, PatchParams};
use futures::StreamExt;
use serde_json::json;

use crate::model::Kind;
use crate::reconcile::status::merge;

use super::clock;
use super::desired::TOPIC_FINALIZER;
use super::metrics::Metrics;
use super::pass::Outcome;
use super::report::merge_patch;
use super::world::{api_resource, CrObject, World};

/// Status writes in flight at once.
const CONCURRENT_WRITES: usize = 16;

fn api_for(client: &kube::Client, r: &CrObject) -> Api<DynamicObject> {
    Api::namespaced_with(client.clone(), &r.namespace, &api_resource(r.kind))
}

/// Writes the changed statuses and finalizers of a pass.
pub async fn write(client: &kube::Client, world: &World, outcome: &Outcome, metrics: &Metrics, leading: &AtomicBool) {
    if !world.crds {
        return;
    }
    // Finalizers first: their writes are conditional on the version read, which a status write
    // would change.
    for (id, wanted) in &outcome.finalizers {
        let Some(r) = world.resources.iter().find(|r| &r.id() == id && r.kind == Kind::Topic) else { continue };
        if !leading.load(Ordering::SeqCst) {
            return;
        }
        let mut finalizers: Vec<String> = r.finalizers.iter().filter(|f| *f != TOPIC_FINALIZER).cloned().collect();
        if *wanted {
            finalizers.push(TOPIC_FINALIZER.to_owned());
        }
        // The resourceVersion read makes this write conditional: a finalizer another controller
        // added meanwhile is never dropped (409, retried next pass).
        let patch = json!({ "metadata": { "finalizers": finalizers, "resourceVersion": r.resource_version } });
        metrics.kube_write("finalizer");
        if let Err(e) = api_for(client, r).patch(&r.name, &PatchParams::default(), &Patch::Merge(&patch)).await {
            super::log::warn("updating the finalizer failed", &[("resource", id), ("error", &e.to_string())]);
        }
    }
    let now = clock::now();
    let mut patches = Vec::new();
    for r in &world.resources {
        let Some(report) = outcome.reports.get(&r.id()) else { continue };
        let Some(new) = merge(&r.status, report.facts.clone(), &report.conditions, report.phase, r.generation, &now) else { continue };
        let old = serde_json::to_value(&r.status).unwrap_or_default();
        patches.push((r, json!({ "status": merge_patch(&old, &serde_json::to_value(&new).unwrap_or_default()) })));
    }
    // Several writes in flight: a thousand new topics get their status in about a second.
    futures::stream::iter(patches)
        .for_each_concurrent(CONCURRENT_WRITES, |(r, patch)| async move {
            if !leading.load(Ordering::SeqCst) {
                return;
            }
            metrics.kube_write("status");
            if let Err(e) = api_for(client, r).patch_status(&r.name, &PatchParams::default(), &Patch::Merge(&patch)).await {
                super::log::warn("writing status failed", &[("resource", &r.id()), ("error", &e.to_string())]);
            }
        })
        .await;
}
