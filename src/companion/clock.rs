//! Wall-clock time as Kubernetes writes it (RFC 3339, UTC, seconds; leases take microseconds).
use k8s_openapi::jiff::{Timestamp, Unit};

/// Now, to the second: `2026-12-02T10:00:00Z`.
pub fn now() -> String {
    Timestamp::now().round(Unit::Second).unwrap_or_else(|_| Timestamp::now()).strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

