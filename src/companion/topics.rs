//! One cluster's topics in one pass: read what the broker has (one `list_topics`, configs in
//! batches, partition counts over the pool), decide each topic purely
//! ([`crate::reconcile::topics::decide`]), make the calls, and read the configs back, so the
//! status says what the broker really holds.
use std::collections::{BTreeMap, BTreeSet};

use crate::reconcile::topics::{decide, desired_config, BrokerError, ObservedTopic, TopicCall, TopicReport};

use super::broker::{describe_jobs, CallError, Job, JobResult, Pool};
use super::desired::{DesiredTopic, Removal};
use super::metrics::Metrics;

/// The replication factor every topic has on Rivven 0.0.22: only standalone brokers run.
pub const BROKER_REPLICATION_FACTOR: u16 = 1;

/// How one topic ended this pass.
#[derive(Clone, Debug, PartialEq)]
pub struct TopicResult {
    /// The broker name.
    pub name: String,
    /// Whether it is as its spec says (as far as 0.0.22 can make it).
    pub ready: bool,
    /// The Ready condition's reason.
    pub reason: &'static str,
    /// For people.
    pub message: String,
    /// Something 0.0.22 cannot do for it (reason, message): the Degraded condition.
    pub degraded: Option<(&'static str, String)>,
    /// The partition count the broker reports.
    pub partitions: Option<u32>,
    /// The broker's values of the keys the spec sets.
    pub config: BTreeMap<String, String>,
    /// Whether trying again later can help (an error that needs no change of the resource).
    pub retry: bool,
}

/// How a removal went: `Ok` once the broker topic is gone or kept as asked.
pub type RemovalResult = (String, Result<&'static str, String>);

/// Reconciles one cluster's topics. `applied` are the keys the companion set before, by topic;
/// `may_write` says, right before each batch of writes, whether writing is allowed (false for a
/// read-only look, `rivven-render status`, and once this process is no longer the leader).
pub async fn reconcile(pool: &mut Pool, topics: &[&DesiredTopic], removals: &[&Removal], applied: &BTreeMap<String, BTreeSet<String>>, may_write: &dyn Fn() -> bool, metrics: &Metrics) -> Result<(Vec<TopicResult>, Vec<RemovalResult>), CallError> {
    let write = may_write();
    let existing: BTreeSet<String> = pool.list_topics(metrics).await?.into_iter().collect();
    let present: Vec<String> = topics.iter().map(|t| t.topic.name.clone()).filter(|n| existing.contains(n)).collect();
    let mut jobs = describe_jobs(&present);
    let describes = jobs.len();
    jobs.extend(present.iter().cloned().map(Job::Metadata));
    let results = pool.run(jobs, metrics).await;
    let mut configs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut partitions: BTreeMap<String, Result<u32, CallError>> = BTreeMap::new();
    for (i, result) in results.into_iter().enumerate() {
        match result {
            JobResult::Configs(Ok(found)) => configs.extend(found),
            JobResult::Configs(Err(e)) => return Err(e),
            JobResult::Partitions(p) => {
                partitions.insert(present[i - describes].clone(), p);
            }
            JobResult::Applied { .. } | JobResult::EndOffset(_) => {}
        }
    }
    let none = BTreeSet::new();
    let mut out = Vec::with_capacity(topics.len());
    let mut apply: Vec<(usize, Vec<TopicCall>)> = Vec::new();
    for t in topics {
        let name = &t.topic.name;
        let observed = match partitions.get(name) {
            None => None,
            Some(Ok(p)) => Some(ObservedTopic { partitions: *p, config: configs.get(name).cloned().unwrap_or_default() }),
            Some(Err(e)) => {
                out.push(failed(name, e));
                continue;
            }
        };
        let decision = decide(Some(&t.topic), observed.as_ref(), applied.get(name).unwrap_or(&none), t.topic.delete_on_remove, Some(BROKER_REPLICATION_FACTOR));
        let want = desired_config(&t.topic.config);
        let mut result = TopicResult {
            name: name.clone(),
            ready: true,
            reason: "Ready",
            message: format!("topic `{name}` is on the broker as specified"),
            degraded: None,
            partitions: observed.as_ref().map(|o| o.partitions),
            config: observed.as_ref().map(|o| o.config.iter().filter(|(k, _)| want.contains_key(*k)).map(|(k, v)| (k.clone(), v.clone())).collect()).unwrap_or_default(),
            retry: false,
        };
        for report in &decision.reports {
            match report {
                TopicReport::PartitionDecreaseRefused { observed, desired } => {
                    result.ready = false;
                    result.reason = report.reason();
                    result.message = format!("partitions can only grow: the broker has {observed}, the spec asks for {desired}; nothing was changed");
                }
                TopicReport::ReplicationFactorNotApplied { desired, broker } => {
                    result.degraded = Some((report.reason(), format!("replicationFactor {desired} is not applied: Rivven 0.0.22 sets no replication factor per topic and runs standalone brokers, so every partition has {broker} replica")));
                }
                TopicReport::Retained => {}
            }
        }
        if !decision.calls.is_empty() {
            if write {
                apply.push((out.len(), decision.calls));
            } else {
                result.ready = false;
                result.reason = if observed.is_none() { "NotCreated" } else { "Drifted" };
                result.message = format!("would call: {}", decision.calls.iter().map(describe_call).collect::<Vec<_>>().join(", "));
            }
        }
        out.push(result);
    }
    if !apply.is_empty() && may_write() {
        let jobs = apply.iter().map(|(i, calls)| Job::Apply(out[*i].name.clone(), calls.clone())).collect();
        let results = pool.run(jobs, metrics).await;
        let mut changed = Vec::new();
        for ((i, _), result) in apply.iter().zip(results) {
            let JobResult::Applied { partitions, error } = result else { continue };
            let r = &mut out[*i];
            if let Some(p) = partitions {
                r.partitions = Some(p);
            }
            match error {
                None => changed.push(r.name.clone()),
                Some(e) => *r = TopicResult { partitions: r.partitions, ..failed(&r.name, &e) },
            }
        }
        read_back(pool, &mut out, &changed, topics, metrics).await?;
    }
    let mut removed = Vec::new();
    for removal in removals {
        removed.push((removal.resource.clone(), remove(pool, removal, existing.contains(&removal.name), may_write(), metrics).await));
    }
    Ok((out, removed))
}

/// Reads the configs of the topics just changed, so the status shows what the broker holds.
async fn read_back(pool: &mut Pool, out: &mut [TopicResult], changed: &[String], topics: &[&DesiredTopic], metrics: &Metrics) -> Result<(), CallError> {
    let mut found = BTreeMap::new();
    for result in pool.run(describe_jobs(changed), metrics).await {
        if let JobResult::Configs(configs) = result {
            found.extend(configs?);
        }
    }
    let wanted: BTreeMap<&str, BTreeMap<String, String>> = topics.iter().map(|t| (t.topic.name.as_str(), desired_config(&t.topic.config))).collect();
    for r in out.iter_mut().filter(|r| changed.contains(&r.name)) {
        let want = wanted.get(r.name.as_str()).cloned().unwrap_or_default();
        let have: BTreeMap<String, String> = found.get(&r.name).cloned().unwrap_or_default();
        r.config = have.iter().filter(|(k, _)| want.contains_key(*k)).map(|(k, v)| (k.clone(), v.clone())).collect();
        if let Some((key, value)) = want.iter().find(|(k, v)| have.get(*k) != Some(*v)) {
            *r = TopicResult { partitions: r.partitions, config: r.config.clone(), ..failed(&r.name, &CallError::Server(format!("the broker reports {key}={} after setting it to {value}", have.get(key).map_or("nothing", String::as_str)))) };
            r.retry = true;
        }
    }
    Ok(())
}

async fn remove(pool: &mut Pool, removal: &Removal, exists: bool, write: bool, metrics: &Metrics) -> Result<&'static str, String> {
    if !removal.delete_on_remove {
        return Ok("Retained");
    }
    if !exists {
        return Ok("Deleted");
    }
    if !write {
        return Err(format!("would delete broker topic `{}`", removal.name));
    }
    match pool.run(vec![Job::Apply(removal.name.clone(), vec![TopicCall::Delete])], metrics).await.pop() {
        Some(JobResult::Applied { error: None, .. }) => Ok("Deleted"),
        Some(JobResult::Applied { error: Some(CallError::Server(m)), .. }) if BrokerError::classify(&m) == BrokerError::NotFound => Ok("Deleted"),
        Some(JobResult::Applied { error: Some(e), .. }) => Err(format!("deleting broker topic `{}`: {}", removal.name, e.message())),
        _ => Err(format!("deleting broker topic `{}`: no answer", removal.name)),
    }
}

fn failed(name: &str, e: &CallError) -> TopicResult {
    let (reason, retry) = match e {
        CallError::Server(m) => {
            let kind = BrokerError::classify(m);
            (kind.reason(), kind.retryable())
        }
        CallError::Connection(_) => ("BrokerUnreachable", true),
    };
    TopicResult { name: name.to_owned(), ready: false, reason, message: format!("broker: {}", e.message()), degraded: None, partitions: None, config: BTreeMap::new(), retry }
}

fn describe_call(call: &TopicCall) -> String {
    match call {
        TopicCall::Create { partitions } => format!("create with {partitions} partitions"),
        TopicCall::GrowPartitions { to } => format!("grow to {to} partitions"),
        TopicCall::AlterConfig { set, reset } => {
            let mut parts: Vec<String> = set.iter().map(|(k, v)| format!("{k}={v}")).collect();
            parts.extend(reset.iter().map(|k| format!("reset {k}")));
            format!("set {}", parts.join(" "))
        }
        TopicCall::Delete => "delete".into(),
    }
}
