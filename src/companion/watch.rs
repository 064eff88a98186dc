//! Watches that wake the pass loop when something it depends on really changes: a Rivven pod's
//! readiness, address or restarts (a restarted broker forgets topic configs, a restarted registry
//! its levels), a Rivven resource's generation, finalizers, annotations or deletion, a plan
//! ConfigMap's content. Status writes (the companion's own) change none of these, so they wake
//! nothing and a steady state has no passes beyond `--resync`.
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use kube::api::{Api, DynamicObject, ListParams, WatchEvent, WatchParams};
use serde::de::DeserializeOwned;
use tokio::sync::Notify;

use super::world::{dynamic, typed, MANAGED_BY, PART_OF};
use crate::model::Kind;

/// What about an object matters to a pass.
type Signature = String;

fn pod_signature(pod: &Pod) -> Signature {
    let status = pod.status.as_ref();
    let ready = status.and_then(|s| s.conditions.as_ref()).into_iter().flatten().any(|c| c.type_ == "Ready" && c.status == "True");
    let restarts: i32 = status.and_then(|s| s.container_statuses.as_ref()).into_iter().flatten().map(|c| c.restart_count).sum();
    format!("{:?}|{ready}|{restarts}|{:?}|{}", status.and_then(|s| s.pod_ip.as_ref()), pod.metadata.uid, pod.metadata.deletion_timestamp.is_some())
}

fn resource_signature(object: &DynamicObject) -> Signature {
    let m = &object.metadata;
    format!("{:?}|{:?}|{:?}|{:?}|{}", m.generation, m.finalizers, m.annotations, m.labels, m.deletion_timestamp.is_some())
}

fn map_signature(map: &ConfigMap) -> Signature {
    format!("{:?}|{:?}", map.data, map.metadata.labels)
}

/// Starts every watch; each wakes `wake` on a change that matters.
pub fn spawn_all(client: &kube::Client, namespace: Option<&str>, wake: Arc<Notify>) {
    let ns = namespace.map(str::to_owned);
    let pods: Api<Pod> = typed(client, ns.as_deref());
    tokio::spawn(watch_forever(pods, PART_OF, pod_signature, wake.clone()));
    let maps: Api<ConfigMap> = typed(client, ns.as_deref());
    tokio::spawn(watch_forever(maps, MANAGED_BY, map_signature, wake.clone()));
    for kind in Kind::ALL {
        let resources = dynamic(client, ns.as_deref(), kind);
        tokio::spawn(watch_forever(resources, "", resource_signature, wake.clone()));
    }
}

fn key<K: kube::Resource>(object: &K) -> String {
    let m = object.meta();
    format!("{}/{}", m.namespace.as_deref().unwrap_or_default(), m.name.as_deref().unwrap_or_default())
}

/// Lists, then watches from the list's version; on any error (a CRD not installed yet, a 410
/// Gone, a dropped connection) waits and starts again.
async fn watch_forever<K>(api: Api<K>, labels: &'static str, signature: fn(&K) -> Signature, wake: Arc<Notify>)
where
    K: kube::Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    let mut seen: BTreeMap<String, Signature> = BTreeMap::new();
    // A kind that could not be listed (its CRD not installed yet) has had no pass see its objects.
    let mut unlisted = false;
    loop {
        let list_params = if labels.is_empty() { ListParams::default() } else { ListParams::default().labels(labels) };
        let list = match api.list(&list_params).await {
            Ok(list) => list,
            Err(_) => {
                unlisted = true;
                tokio::time::sleep(Duration::from_secs(5)).await;
                continue;
            }
        };
        let now: BTreeMap<String, Signature> = list.items.iter().map(|o| (key(o), signature(o))).collect();
        // The first list at start needs no wake (the first pass reads everything anyway).
        if (unlisted || !seen.is_empty()) && now != seen {
            wake.notify_one();
        }
        unlisted = false;
        seen = now;
        let version = list.metadata.resource_version.clone().unwrap_or_else(|| "0".into());
        let mut params = WatchParams::default().timeout(290);
        if !labels.is_empty() {
            params = params.labels(labels);
        }
        let Ok(stream) = api.watch(&params, &version).await else {
            tokio::time::sleep(Duration::from_secs(2)).await;
            continue;
        };
        let mut stream = std::pin::pin!(stream);
        while let Some(event) = stream.next().await {
            let changed = match event {
                Ok(WatchEvent::Added(o)) | Ok(WatchEvent::Modified(o)) => {
                    let s = signature(&o);
                    seen.insert(key(&o), s.clone()) != Some(s)
                }
                Ok(WatchEvent::Deleted(o)) => seen.remove(&key(&o)).is_some(),
                Ok(WatchEvent::Bookmark(_)) => false,
                Ok(WatchEvent::Error(_)) | Err(_) => break,
            };
            if changed {
                wake.notify_one();
            }
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
