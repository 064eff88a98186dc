//! Prometheus metrics of the companion, served as text on `--metrics-addr` `/metrics`:
//! reconciles, errors and durations per kind, broker and registry call latency, managed resources,
//! Kubernetes writes and leadership.
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// A count and a sum of seconds (a Prometheus summary without quantiles).
#[derive(Clone, Copy, Debug, Default)]
struct Timing {
    count: u64,
    seconds: f64,
}

#[derive(Debug, Default)]
struct Values {
    reconciles: BTreeMap<String, u64>,
    errors: BTreeMap<String, u64>,
    durations: BTreeMap<String, Timing>,
    broker_calls: BTreeMap<String, Timing>,
    broker_errors: BTreeMap<String, u64>,
    registry_calls: BTreeMap<String, Timing>,
    kube_writes: BTreeMap<String, u64>,
    managed: BTreeMap<String, u64>,
    leader: bool,
    passes: u64,
}

/// The companion's metrics (shared by its tasks).
#[derive(Debug, Default)]
pub struct Metrics {
    values: Mutex<Values>,
}

impl Metrics {
    fn with<T>(&self, f: impl FnOnce(&mut Values) -> T) -> T {
        let mut values = self.values.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut values)
    }

    /// One reconcile of a resource of `kind`, how long it took and whether it failed.
    pub fn reconciled(&self, kind: &str, took: Duration, failed: bool) {
        self.with(|v| {
            *v.reconciles.entry(kind.to_owned()).or_default() += 1;
            if failed {
                *v.errors.entry(kind.to_owned()).or_default() += 1;
            }
            let t = v.durations.entry(kind.to_owned()).or_default();
            t.count += 1;
            t.seconds += took.as_secs_f64();
        });
    }

    /// One broker call (`create_topic`, `alter_topic_config`, …).
    pub fn broker_call(&self, call: &str, took: Duration, failed: bool) {
        self.with(|v| {
            let t = v.broker_calls.entry(call.to_owned()).or_default();
            t.count += 1;
            t.seconds += took.as_secs_f64();
            if failed {
                *v.broker_errors.entry(call.to_owned()).or_default() += 1;
            }
        });
    }

    /// One registry REST call (`GET /config`, …).
    pub fn registry_call(&self, call: &str, took: Duration) {
        self.with(|v| {
            let t = v.registry_calls.entry(call.to_owned()).or_default();
            t.count += 1;
            t.seconds += took.as_secs_f64();
        });
    }

    /// One write to the Kubernetes API (`status`, `finalizer`, `lease`).
    pub fn kube_write(&self, what: &str) {
        self.with(|v| *v.kube_writes.entry(what.to_owned()).or_default() += 1);
    }

    /// Broker calls made so far (all kinds of call).
    pub fn broker_calls_total(&self) -> u64 {
        self.with(|v| v.broker_calls.values().map(|t| t.count).sum())
    }

    /// Kubernetes writes made so far of one kind.
    pub fn kube_writes(&self, what: &str) -> u64 {
        self.with(|v| v.kube_writes.get(what).copied().unwrap_or(0))
    }

    /// How many resources of each kind are managed now.
    pub fn set_managed(&self, managed: BTreeMap<String, u64>) {
        self.with(|v| v.managed = managed);
    }

    /// Whether this process is the leader.
    pub fn set_leader(&self, leader: bool) {
        self.with(|v| v.leader = leader);
    }

    /// One pass over everything ended.
    pub fn pass_done(&self) {
        self.with(|v| v.passes += 1);
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        self.with(|v| {
            let mut out = String::new();
            family(&mut out, "counter", "rivven_render_reconciles_total", "Reconciles of Rivven resources.", "kind", &v.reconciles);
            family(&mut out, "counter", "rivven_render_reconcile_errors_total", "Reconciles that ended in an error.", "kind", &v.errors);
            summary(&mut out, "rivven_render_reconcile_duration_seconds", "Time spent reconciling, per kind.", "kind", &v.durations);
            summary(&mut out, "rivven_render_broker_call_duration_seconds", "Latency of rivven-client calls to brokers.", "call", &v.broker_calls);
            family(&mut out, "counter", "rivven_render_broker_call_errors_total", "Broker calls that failed.", "call", &v.broker_errors);
            summary(&mut out, "rivven_render_registry_call_duration_seconds", "Latency of schema registry REST calls.", "call", &v.registry_calls);
            family(&mut out, "counter", "rivven_render_kube_writes_total", "Writes to the Kubernetes API.", "what", &v.kube_writes);
            family(&mut out, "gauge", "rivven_render_managed_resources", "Rivven resources managed now.", "kind", &v.managed);
            out.push_str(&format!("# HELP rivven_render_leader Whether this companion holds the leader Lease.\n# TYPE rivven_render_leader gauge\nrivven_render_leader {}\n", u8::from(v.leader)));
            out.push_str(&format!("# HELP rivven_render_passes_total Passes over every resource.\n# TYPE rivven_render_passes_total counter\nrivven_render_passes_total {}\n", v.passes));
            out
        })
    }
}

fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

/// One counter or gauge family with a value per label.
fn family(out: &mut String, type_: &str, name: &str, help: &str, key: &str, values: &BTreeMap<String, u64>) {
    out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {type_}\n"));
    for (k, v) in values {
        out.push_str(&format!("{name}{{{key}=\"{}\"}} {v}\n", label(k)));
    }
}

fn summary(out: &mut String, name: &str, help: &str, key: &str, values: &BTreeMap<String, Timing>) {
    out.push_str(&format!("# HELP {name} {help}\n# TYPE {name} summary\n"));
    for (k, t) in values {
        let k = label(k);
        out.push_str(&format!("{name}_sum{{{key}=\"{k}\"}} {:.6}\n{name}_count{{{key}=\"{k}\"}} {}\n", t.seconds, t.count));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exposition_has_one_family_per_metric_and_escaped_labels() {
        let m = Metrics::default();
        m.reconciled("RivvenTopic", Duration::from_millis(250), false);
        m.reconciled("RivvenTopic", Duration::from_millis(250), true);
        m.broker_call("create_topic", Duration::from_millis(40), false);
        m.kube_write("status");
        m.set_leader(true);
        let text = m.render();
        assert!(text.contains("rivven_render_reconciles_total{kind=\"RivvenTopic\"} 2\n"), "{text}");
        assert!(text.contains("rivven_render_reconcile_errors_total{kind=\"RivvenTopic\"} 1\n"), "{text}");
        assert!(text.contains("rivven_render_reconcile_duration_seconds_sum{kind=\"RivvenTopic\"} 0.500000\n"), "{text}");
        assert!(text.contains("rivven_render_leader 1\n"), "{text}");
        assert_eq!(text.matches("# TYPE ").count(), 10, "{text}");
        assert_eq!(label("a\"b\\c"), "a\\\"b\\\\c");
        assert_eq!((m.broker_calls_total(), m.kube_writes("status"), m.kube_writes("lease")), (1, 1, 0));
    }
}
