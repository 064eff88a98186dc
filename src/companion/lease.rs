//! Leader election on a `coordination.k8s.io/v1` Lease in the companion's namespace. The holder
//! renews it every `RENEW`; another process takes it over only once it has not been renewed for
//! its duration, and every write carries the resourceVersion it read (optimistic concurrency: of
//! two processes taking an expired lease, the API server lets one win). A holder that cannot renew
//! in time stops acting at once, before anyone else may take over; on SIGTERM it releases the lease.
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::api::{Api, PostParams};

use super::log;
use super::metrics::Metrics;

/// The Lease's name.
pub const LEASE_NAME: &str = "rivven-render";
/// How long a lease holds without renewal.
pub const DURATION: Duration = Duration::from_secs(15);
/// How often the holder renews, and others retry.
pub const RENEW: Duration = Duration::from_secs(2);

/// What a look at the lease decides, purely.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// Ours already: renew it.
    Renew,
    /// Nobody's, released, or expired: take it (one more transition).
    Take,
    /// Someone else holds it.
    Wait,
}

/// The pod part of an identity (`{pod}_{process}`).
fn pod_of(identity: &str) -> &str {
    identity.rsplit_once('_').map_or(identity, |(pod, _)| pod)
}

/// Decides from the holder, the last renewal and the duration of a lease. `fresh`: this process
/// started less than a lease duration ago. A fresh process whose own pod held the lease (its
/// predecessor was killed or crashed) leaves an expired lease to a standby in another pod for one
/// more duration: a container that just crashed is the least likely to be healthy, and with no
/// standby it takes over after that.
pub fn claim(identity: &str, holder: Option<&str>, renewed: Option<Timestamp>, duration: Duration, now: Timestamp, fresh: bool) -> Claim {
    match holder.filter(|h| !h.is_empty()) {
        Some(h) if h == identity => Claim::Renew,
        None => Claim::Take,
        Some(h) => {
            let limit = SignedDuration::try_from(duration).unwrap_or(SignedDuration::MAX);
            let idle = renewed.map(|at| now.duration_since(at));
            let defer = fresh && pod_of(h) == pod_of(identity);
            match idle {
                Some(idle) if idle <= limit => Claim::Wait,
                Some(idle) if defer && idle <= limit.saturating_mul(2) => Claim::Wait,
                _ => Claim::Take,
            }
        }
    }
}

/// The elector: a flag the reconcile loop reads before every write.
pub struct Elector {
    api: Api<Lease>,
    identity: String,
    leading: Arc<AtomicBool>,
    metrics: Arc<Metrics>,
    started: Instant,
}

impl Elector {
    /// An elector for `identity` on the lease in `namespace`.
    pub fn new(client: kube::Client, namespace: &str, identity: String, leading: Arc<AtomicBool>, metrics: Arc<Metrics>) -> Self {
        Elector { api: Api::namespaced(client, namespace), identity, leading, metrics, started: Instant::now() }
    }

    /// Tries once: `Ok(None)` when we hold the lease afterwards, `Ok(Some(wait))` when someone
    /// else does (`wait`: until its lease may be taken, when known).
    async fn try_once(&self) -> Result<Option<Option<Duration>>, String> {
        let now = Timestamp::now();
        let current = self.api.get_opt(LEASE_NAME).await.map_err(|e| format!("reading Lease {LEASE_NAME}: {e}"))?;
        let spec = |transitions: i32, acquired: Option<MicroTime>| LeaseSpec {
            holder_identity: Some(self.identity.clone()),
            lease_duration_seconds: Some(DURATION.as_secs() as i32),
            acquire_time: acquired.or(Some(MicroTime(now))),
            renew_time: Some(MicroTime(now)),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        };
        let Some(mut lease) = current else {
            let lease = Lease { metadata: ObjectMeta { name: Some(LEASE_NAME.into()), ..ObjectMeta::default() }, spec: Some(spec(0, None)) };
            self.metrics.kube_write("lease");
            return match self.api.create(&PostParams::default(), &lease).await {
                Ok(_) => Ok(None),
                Err(kube::Error::Api(s)) if s.code == 409 => Ok(Some(None)),
                Err(e) => Err(format!("creating Lease {LEASE_NAME}: {e}")),
            };
        };
        let old = lease.spec.clone().unwrap_or_default();
        let duration = old.lease_duration_seconds.map(|s| Duration::from_secs(s.max(1) as u64)).unwrap_or(DURATION);
        let transitions = old.lease_transitions.unwrap_or(0);
        let fresh = self.started.elapsed() < DURATION;
        let new = match claim(&self.identity, old.holder_identity.as_deref(), old.renew_time.as_ref().map(|t| t.0), duration, now, fresh) {
            Claim::Wait => {
                // Try again right when the holder's lease runs out (its last renewal plus its duration).
                let left = old.renew_time.as_ref().and_then(|t| Duration::try_from(SignedDuration::try_from(duration).ok()? - now.duration_since(t.0)).ok());
                return Ok(Some(left));
            }
            Claim::Renew => spec(transitions, old.acquire_time.clone()),
            Claim::Take => spec(transitions.saturating_add(1), None),
        };
        lease.spec = Some(new);
        self.metrics.kube_write("lease");
        match self.api.replace(LEASE_NAME, &PostParams::default(), &lease).await {
            Ok(_) => Ok(None),
            // Someone wrote it since we read it: they won this round.
            Err(kube::Error::Api(s)) if s.code == 409 => Ok(Some(None)),
            Err(e) => Err(format!("updating Lease {LEASE_NAME}: {e}")),
        }
    }

    /// Runs until `stop` is set: keeps the flag true exactly while the lease is ours, and clears
    /// it as soon as a renewal has not succeeded for the lease duration minus one renew period.
    pub async fn run(&self, stop: Arc<AtomicBool>) {
        let mut last_success: Option<Instant> = None;
        while !stop.load(Ordering::SeqCst) {
            let was = self.leading.load(Ordering::SeqCst);
            // A stalled API connection must not keep the flag up: a renewal gets one renew period.
            let result = match tokio::time::timeout(RENEW, self.try_once()).await {
                Ok(result) => result,
                Err(_) => Err(format!("renewing Lease {LEASE_NAME} took longer than {}s", RENEW.as_secs())),
            };
            let mut pause = RENEW;
            let holding = match result {
                Ok(None) => {
                    last_success = Some(Instant::now());
                    true
                }
                Ok(Some(left)) => {
                    // A standby tries again as soon as the lease may be taken, not up to a renew
                    // period later: a takeover within the lease duration of the last renewal.
                    if let Some(left) = left {
                        pause = pause.min(left + Duration::from_millis(50));
                    }
                    false
                }
                Err(e) => {
                    log::warn("leader election", &[("error", &e)]);
                    was && last_success.is_some_and(|at| at.elapsed() < DURATION.saturating_sub(RENEW))
                }
            };
            if holding != was {
                self.leading.store(holding, Ordering::SeqCst);
                self.metrics.set_leader(holding);
                log::info(if holding { "became the leader" } else { "lost the leadership: no more writes" }, &[("identity", &self.identity), ("lease", LEASE_NAME)]);
            }
            tokio::time::sleep(pause).await;
        }
    }

    /// Gives the lease up (SIGTERM), so another process takes over at once.
    pub async fn release(&self) {
        if !self.leading.swap(false, Ordering::SeqCst) {
            return;
        }
        self.metrics.set_leader(false);
        let Ok(Some(mut lease)) = self.api.get_opt(LEASE_NAME).await else { return };
        let Some(spec) = lease.spec.as_mut() else { return };
        if spec.holder_identity.as_deref() != Some(self.identity.as_str()) {
            return;
        }
        spec.holder_identity = None;
        spec.renew_time = None;
        self.metrics.kube_write("lease");
        match self.api.replace(LEASE_NAME, &PostParams::default(), &lease).await {
            Ok(_) => log::info("released the leadership", &[("identity", &self.identity)]),
            Err(e) => log::warn("releasing the lease", &[("error", &e.to_string())]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_taken_only_when_free_or_expired() {
        let now: Timestamp = "2026-12-02T10:00:30Z".parse().unwrap();
        let at = |s: &str| Some(s.parse::<Timestamp>().unwrap());
        let d = Duration::from_secs(15);
        let me = "pod-a_10-1";
        // (case, holder, renewed, this process started less than a duration ago, claim)
        let table = [
            ("ours", Some(me), at("2026-12-02T10:00:29Z"), false, Claim::Renew),
            ("ours, even late", Some(me), at("2026-12-02T09:00:00Z"), true, Claim::Renew),
            ("nobody's", None, None, false, Claim::Take),
            ("released", Some(""), at("2026-12-02T10:00:29Z"), true, Claim::Take),
            ("held and fresh", Some("pod-b_7-2"), at("2026-12-02T10:00:20Z"), false, Claim::Wait),
            ("held, exactly at its duration", Some("pod-b_7-2"), at("2026-12-02T10:00:15Z"), false, Claim::Wait),
            ("held but expired", Some("pod-b_7-2"), at("2026-12-02T10:00:14Z"), false, Claim::Take),
            ("held, never renewed", Some("pod-b_7-2"), None, false, Claim::Take),
            ("expired, held by this pod's killed process, we just restarted: a standby goes first", Some("pod-a_9-3"), at("2026-12-02T10:00:14Z"), true, Claim::Wait),
            ("... and still nobody took it after two durations", Some("pod-a_9-3"), at("2026-12-02T09:59:59Z"), true, Claim::Take),
            ("... we have run for a duration", Some("pod-a_9-3"), at("2026-12-02T10:00:14Z"), false, Claim::Take),
            ("expired, another pod's, we just started", Some("pod-b_7-2"), at("2026-12-02T10:00:14Z"), true, Claim::Take),
        ];
        for (case, holder, renewed, fresh, want) in table {
            assert_eq!(claim(me, holder, renewed, d, now, fresh), want, "{case}");
        }
    }
}
