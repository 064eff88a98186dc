//! Calls to one broker through rivven-client. A client allows one request in flight (about 43 ms
//! each on 0.0.22), so a pass spreads its calls over a bounded pool of connections, and reads in
//! batches (`describe_topic_configs` takes many topics at once).
use std::collections::{BTreeMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use rivven_client::Client;

use super::metrics::Metrics;
use crate::reconcile::topics::TopicCall;

/// Topics per `describe_topic_configs` call.
const DESCRIBE_BATCH: usize = 100;
/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A pool of connections to one broker address.
pub struct Pool {
    /// `host:port`.
    pub address: String,
    clients: Vec<Client>,
}

/// A failed call: the broker's message (for [`crate::reconcile::topics::BrokerError::classify`])
/// or a connection failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CallError {
    /// The broker answered with an error string.
    Server(String),
    /// The connection failed (the pool is rebuilt).
    Connection(String),
}

impl CallError {
    fn from(e: rivven_client::Error) -> Self {
        match e {
            rivven_client::Error::ServerError(m) => CallError::Server(m),
            other => CallError::Connection(other.to_string()),
        }
    }

    /// For people.
    pub fn message(&self) -> &str {
        match self {
            CallError::Server(m) | CallError::Connection(m) => m,
        }
    }
}

/// One unit of work on one connection.
#[derive(Clone, Debug)]
pub enum Job {
    /// `get_metadata(topic)`.
    Metadata(String),
    /// `describe_topic_configs(topics)`.
    Describe(Vec<String>),
    /// The calls for one topic, in order (a create, then its configs).
    Apply(String, Vec<TopicCall>),
    /// `get_metadata(topic)`, then `get_offset_bounds` of each partition: the sum of end offsets.
    EndOffset(String),
}

/// What a job found.
#[derive(Clone, Debug)]
pub enum JobResult {
    /// A topic's partition count.
    Partitions(Result<u32, CallError>),
    /// Configs by topic.
    Configs(Result<BTreeMap<String, BTreeMap<String, String>>, CallError>),
    /// How an apply went: the partition count the broker gave back (create/grow), and the
    /// first error (the calls after it are not made).
    Applied { partitions: Option<u32>, error: Option<CallError> },
    /// The sum of a topic's end offsets.
    EndOffset(Result<u64, CallError>),
}

impl Pool {
    /// Opens `size` connections.
    pub async fn connect(address: &str, size: usize) -> Result<Pool, String> {
        let mut clients = Vec::with_capacity(size);
        for _ in 0..size.max(1) {
            let mut client = Client::connect_with_timeout(address, Duration::from_secs(5)).await.map_err(|e| format!("connecting to broker {address}: {e}"))?;
            client.set_request_timeout(REQUEST_TIMEOUT);
            clients.push(client);
        }
        Ok(Pool { address: address.to_owned(), clients })
    }

    /// Whether a connection broke (the pool is then dropped and opened again next pass).
    pub fn broken(&self) -> bool {
        self.clients.iter().any(Client::is_poisoned)
    }

    /// `list_topics`.
    pub async fn list_topics(&mut self, metrics: &Metrics) -> Result<Vec<String>, CallError> {
        let client = self.clients.first_mut().ok_or_else(|| CallError::Connection("no connection".into()))?;
        let started = Instant::now();
        let result = client.list_topics().await.map_err(CallError::from);
        metrics.broker_call("list_topics", started.elapsed(), result.is_err());
        result
    }

    /// Runs jobs over every connection at once; results in job order.
    pub async fn run(&mut self, jobs: Vec<Job>, metrics: &Metrics) -> Vec<JobResult> {
        let count = jobs.len();
        let queue = Mutex::new(jobs.into_iter().enumerate().collect::<VecDeque<_>>());
        let done = Mutex::new(Vec::with_capacity(count));
        let workers = self.clients.iter_mut().map(|client| {
            let (queue, done) = (&queue, &done);
            async move {
                loop {
                    let next = queue.lock().unwrap_or_else(|p| p.into_inner()).pop_front();
                    let Some((index, job)) = next else { break };
                    let result = run_job(client, job, metrics).await;
                    done.lock().unwrap_or_else(|p| p.into_inner()).push((index, result));
                }
            }
        });
        futures::future::join_all(workers).await;
        let mut done = done.into_inner().unwrap_or_else(|p| p.into_inner());
        done.sort_by_key(|(i, _)| *i);
        done.into_iter().map(|(_, r)| r).collect()
    }
}

/// Splits topic names into describe jobs.
pub fn describe_jobs(names: &[String]) -> Vec<Job> {
    names.chunks(DESCRIBE_BATCH).map(|chunk| Job::Describe(chunk.to_vec())).collect()
}

async fn timed<T>(metrics: &Metrics, call: &str, f: impl std::future::Future<Output = rivven_client::Result<T>>) -> Result<T, CallError> {
    let started = Instant::now();
    let result = f.await.map_err(CallError::from);
    metrics.broker_call(call, started.elapsed(), result.is_err());
    result
}

async fn run_job(client: &mut Client, job: Job, metrics: &Metrics) -> JobResult {
    match job {
        Job::Metadata(name) => JobResult::Partitions(timed(metrics, "get_metadata", client.get_metadata(name)).await.map(|(_, p)| p)),
        Job::Describe(names) => {
            let refs: Vec<&str> = names.iter().map(String::as_str).collect();
            let result = timed(metrics, "describe_topic_configs", client.describe_topic_configs(&refs)).await;
            JobResult::Configs(result.map(|m| m.into_iter().map(|(t, c)| (t, c.into_iter().collect())).collect()))
        }
        Job::EndOffset(name) => {
            let partitions = match timed(metrics, "get_metadata", client.get_metadata(name.clone())).await {
                Ok((_, p)) => p,
                Err(e) => return JobResult::EndOffset(Err(e)),
            };
            let mut total = 0;
            for partition in 0..partitions {
                match timed(metrics, "get_offset_bounds", client.get_offset_bounds(name.clone(), partition)).await {
                    Ok((_, end)) => total += end,
                    Err(e) => return JobResult::EndOffset(Err(e)),
                }
            }
            JobResult::EndOffset(Ok(total))
        }
        Job::Apply(name, calls) => {
            let mut partitions = None;
            for call in calls {
                let result = match call {
                    TopicCall::Create { partitions: p } => timed(metrics, "create_topic", client.create_topic(name.clone(), Some(p))).await.map(|got| partitions = Some(got)),
                    TopicCall::GrowPartitions { to } => timed(metrics, "create_partitions", client.create_partitions(name.clone(), to)).await.map(|got| partitions = Some(got)),
                    TopicCall::AlterConfig { set, reset } => {
                        let mut entries: Vec<(&str, Option<&str>)> = set.iter().map(|(k, v)| (k.as_str(), Some(v.as_str()))).collect();
                        entries.extend(reset.iter().map(|k| (k.as_str(), None)));
                        timed(metrics, "alter_topic_config", client.alter_topic_config(name.clone(), &entries)).await.map(|_| ())
                    }
                    TopicCall::Delete => timed(metrics, "delete_topic", client.delete_topic(name.clone())).await,
                };
                match result {
                    Ok(()) => {}
                    // A create that raced another process (or a retried pass): the topic is there.
                    Err(CallError::Server(m)) if crate::reconcile::topics::BrokerError::classify(&m) == crate::reconcile::topics::BrokerError::AlreadyExists => {}
                    Err(e) => return JobResult::Applied { partitions, error: Some(e) },
                }
            }
            JobResult::Applied { partitions, error: None }
        }
    }
}
