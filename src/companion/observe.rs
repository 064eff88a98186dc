//! What is observable of clusters and connect workers, for their status: broker pods and their
//! `/health`; worker pods, their `/live`, and whether each source's topic grows between passes
//! (rivven-connect 0.0.22 exposes no per-connector state, so nothing here says "running" unless
//! it was seen).
use std::time::Duration;

use crate::model::status::{MemberState, ResourceStatus};
use crate::model::Kind;

use super::broker::{Job, JobResult};
use super::desired::Desired;
use super::http;
use super::metrics::Metrics;
use super::pass::{broker_pods, Outcome, PassOptions, State};
use super::report::{report, Standing};
use super::world::{CrObject, PodView, World};

async fn get_ok(address: &str, path: &str) -> (bool, String) {
    match http::request("GET", address, path, None, Duration::from_secs(3)).await {
        Ok(r) if r.status == 200 => (true, format!("{path}: HTTP 200")),
        Ok(r) => (false, format!("{path}: HTTP {}", r.status)),
        Err(e) => (false, e),
    }
}

/// A source connector's state from its workers and its topic's end offsets now and at the last look.
pub fn source_state(workers_live: bool, now: Option<u64>, before: Option<u64>) -> (&'static str, &'static str) {
    match (workers_live, now, before) {
        (false, _, _) => ("WorkersNotLive", "its workers are not all live (/live)"),
        (true, Some(now), Some(before)) if now > before => ("Producing", "its topic's end offsets grew since the last look"),
        (true, Some(_), Some(_)) => ("Idle", "its topic's end offsets did not move since the last look"),
        (true, Some(_), None) => ("Unknown", "its topic's end offsets were read for the first time; the next look says whether they move"),
        (true, None, _) => ("Unknown", "its topic's end offsets could not be read"),
    }
}

/// The total end offset of a topic on the connect's cluster, when a ready broker answers.
async fn end_offset(world: &World, state: &mut State, options: &PassOptions, metrics: &Metrics, connect: &CrObject, topic: &str) -> Option<u64> {
    let cluster = super::desired::cluster_of(connect);
    let address = broker_pods(world, &cluster).into_iter().find(|p| p.ready).and_then(|p| p.address("client", 9092))?;
    let mut pool = state.take_pool(&address, options.connections).await.ok()?;
    let result = pool.run(vec![Job::EndOffset(topic.to_owned())], metrics).await.pop();
    state.keep_pool(pool);
    match result {
        Some(JobResult::EndOffset(Ok(total))) => Some(total),
        _ => None,
    }
}

/// Reports on every RivvenCluster and RivvenConnect that is not refused.
pub async fn clusters_and_connects(world: &World, state: &mut State, options: &PassOptions, desired: &Desired, metrics: &Metrics, out: &mut Outcome) {
    for r in world.resources.iter().filter(|r| !r.deleting && !desired.refused.contains_key(&r.id())) {
        match r.kind {
            Kind::Cluster => cluster(world, options, r, out).await,
            Kind::Connect => connect(world, state, options, metrics, r, out).await,
            _ => {}
        }
    }
}

async fn cluster(world: &World, options: &PassOptions, r: &CrObject, out: &mut Outcome) {
    let key = (r.namespace.clone(), r.name.clone());
    let pods = broker_pods(world, &key);
    let want = r.spec("/replicas").and_then(|v| v.as_u64()).unwrap_or(1) as u32;
    let mut brokers = Vec::new();
    for p in &pods {
        let (healthy, message) = match p.address("http", 9094) {
            Some(address) if p.ready => get_ok(&address, "/health").await,
            _ => (false, format!("pod {}", if p.phase.is_empty() { "not started" } else { &p.phase })),
        };
        brokers.push(MemberState { name: p.name.clone(), state: if healthy { "Healthy" } else { "Unhealthy" }.into(), message: Some(message) });
    }
    brokers.sort_by(|a, b| a.name.cmp(&b.name));
    let healthy = brokers.iter().filter(|b| b.state == "Healthy").count() as u32;
    let bootstrap = format!("{}.{}.svc.{}:9092", crate::model::names::cluster_workload(&r.name), r.namespace, options.cluster_domain);
    let facts = ResourceStatus { ready_replicas: Some(healthy), replicas: Some(want), bootstrap_servers: Some(bootstrap), brokers, ..ResourceStatus::default() };
    let standing = if healthy >= want && want > 0 {
        Standing::Ready { reason: "BrokersReady", message: format!("{healthy} of {want} brokers ready and healthy (/health)"), degraded: None }
    } else {
        Standing::Progressing { reason: "BrokersNotReady", message: format!("{healthy} of {want} brokers ready and healthy (/health)") }
    };
    out.reports.insert(r.id(), report(r.kind.name(), &r.namespace, &r.name, &standing, facts));
}

async fn connect(world: &World, state: &mut State, options: &PassOptions, metrics: &Metrics, r: &CrObject, out: &mut Outcome) {
    let pods: Vec<&PodView> = world.pods.iter().filter(|p| p.is(&r.namespace, "rivven-connect", &r.name)).collect();
    let want = r.spec("/replicas").and_then(|v| v.as_u64()).unwrap_or(1) as u32;
    let mut live = 0;
    for p in &pods {
        let is_live = match p.address("health", 8080) {
            Some(address) if p.phase == "Running" && p.ports.contains_key("health") => get_ok(&address, "/live").await.0,
            _ => p.ready,
        };
        live += u32::from(is_live);
    }
    let all_live = !pods.is_empty() && live == pods.len() as u32;
    let workers = format!("{live} of {} worker pods live", pods.len());
    let mut connectors = Vec::new();
    for c in r.spec("/sources").and_then(|v| v.as_array()).into_iter().flatten() {
        let name = c.get("name").and_then(|n| n.as_str()).unwrap_or_default();
        let topic = c.get("topic").and_then(|t| t.as_str()).unwrap_or_default();
        let now = if all_live && !topic.is_empty() { end_offset(world, state, options, metrics, r, topic).await } else { None };
        let key = (r.id(), topic.to_owned());
        let before = state.offsets.get(&key).copied();
        let (s, why) = source_state(all_live, now, before);
        if let Some(now) = now {
            state.offsets.insert(key, now);
        }
        connectors.push(MemberState { name: format!("source/{name}"), state: s.into(), message: Some(format!("{workers}; {why} (topic `{topic}`)")) });
    }
    for c in r.spec("/sinks").and_then(|v| v.as_array()).into_iter().flatten() {
        let name = c.get("name").and_then(|n| n.as_str()).unwrap_or_default();
        let s = if pods.is_empty() { "NoWorkers" } else if all_live { "WorkersLive" } else { "WorkersNotLive" };
        connectors.push(MemberState { name: format!("sink/{name}"), state: s.into(), message: Some(format!("{workers}; rivven-connect 0.0.22 exposes no per-connector state")) });
    }
    let facts = ResourceStatus { ready_replicas: Some(live), replicas: Some(want), connectors, ..ResourceStatus::default() };
    let standing = if live >= want && want > 0 {
        Standing::Ready { reason: "WorkersLive", message: format!("{live} of {want} workers live (/live)"), degraded: None }
    } else {
        Standing::Progressing { reason: "WorkersNotLive", message: format!("{live} of {want} workers live (/live)") }
    };
    out.reports.insert(r.id(), report(r.kind.name(), &r.namespace, &r.name, &standing, facts));
}

#[cfg(test)]
mod tests {
    use super::source_state;

    #[test]
    fn a_source_is_producing_only_when_its_offsets_were_seen_moving() {
        let table = [
            (false, Some(10), Some(5), "WorkersNotLive"),
            (true, Some(10), Some(5), "Producing"),
            (true, Some(10), Some(10), "Idle"),
            (true, Some(10), None, "Unknown"),
            (true, None, Some(10), "Unknown"),
        ];
        for (live, now, before, want) in table {
            assert_eq!(source_state(live, now, before).0, want, "{live} {now:?} {before:?}");
        }
    }
}
