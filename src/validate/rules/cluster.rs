//! Rules of RivvenCluster.
use super::super::context::RuleContext;
use super::super::k8s;
use super::common;
use crate::model::cluster::BrokerConfig;
use crate::model::{Kind, RivvenCluster};

/// Checks one cluster.
pub fn check(ctx: &mut RuleContext<'_>, cluster: &RivvenCluster) {
    let spec = &cluster.spec;
    let release = crate::rivven::release(&spec.version);
    common::metadata(ctx, Kind::Cluster, &cluster.metadata);
    common::image(ctx, &spec.image, &spec.version);
    let env: &[&str] = if spec.replicas > 1 { &["POD_NAME", "POD_IP", "RIVVEN_CLUSTER_AUTH_TOKEN"] } else { &["POD_NAME", "POD_IP"] };
    common::pod(ctx, &spec.pod, env);
    common::tls(ctx, &spec.tls, "the brokers", release, release.broker.tls);
    broker_config(ctx, &spec.config, spec.replicas, release);

    if !matches!(k8s::quantity(&spec.storage.size), Ok(v) if v > 0.0) {
        ctx.error("cluster/storage-size", "/spec/storage/size", format!("`{}` is not a positive Kubernetes quantity", spec.storage.size))
            .with_hint("write e.g. `10Gi`");
    }
    if !spec.storage.storage_class_name.is_empty() {
        if let Err(why) = k8s::dns1123_subdomain(&spec.storage.storage_class_name) {
            ctx.error("ref/name", "/spec/storage/storageClassName", format!("the StorageClass name {why}"));
        }
    }
    if let Some(r) = &spec.cluster_auth_secret_ref {
        common::secret_name(ctx, "/spec/clusterAuthSecretRef/name", &r.name);
        common::data_key(ctx, "/spec/clusterAuthSecretRef/key", &r.key);
    }
    if spec.replicas > 1 {
        if !release.broker.cluster_mode {
            ctx.warning(
                "rivven/cluster-mode",
                "/spec/replicas",
                format!("{} brokers need rivvend's cluster mode, which cannot start in Rivven {}", spec.replicas, release.version),
            )
            .with_hint("every `--mode cluster` node exits with `Failed to open redb: Is a directory (os error 21)`; use `replicas: 1` until a fixed release");
        }
        if spec.cluster_auth_secret_ref.is_none() {
            ctx.warning("cluster/auth-secret", "/spec/replicas", format!("cluster mode needs a token: the pods will read key `token` of Secret `{}`, which you must create", crate::model::names::cluster_auth_secret(cluster.name())))
                .with_hint("set `clusterAuthSecretRef` to name your own Secret; rivven-render never writes secret values");
        }
    }
    if ctx.is_set("/spec/metrics/port") && !release.broker.metrics_port {
        let b = &release.broker;
        ctx.warning(
            "rivven/metrics-port",
            "/spec/metrics/port",
            format!("rivvend {} serves metrics only on its API port ({}, path {}); `metrics.port` is not used", release.version, b.api_port, b.metrics_path),
        );
    }
}

fn broker_config(ctx: &mut RuleContext<'_>, config: &BrokerConfig, replicas: u32, release: &crate::rivven::Release) {
    if config.min_insync_replicas > config.default_replication_factor {
        ctx.error(
            "cluster/min-isr",
            "/spec/config/minInsyncReplicas",
            format!("minInsyncReplicas ({}) exceeds defaultReplicationFactor ({})", config.min_insync_replicas, config.default_replication_factor),
        )
        .with_hint("rivvend refuses to start when --min-isr is greater than --replication-factor");
    }
    if u32::from(config.default_replication_factor) > replicas {
        ctx.error(
            "cluster/replication-factor",
            "/spec/config/defaultReplicationFactor",
            format!("defaultReplicationFactor ({}) exceeds the number of brokers ({replicas})", config.default_replication_factor),
        );
    }
    if config.raft_election_min_ms <= config.raft_heartbeat_ms {
        ctx.error(
            "cluster/raft-timing",
            "/spec/config/raftElectionMinMs",
            format!("the Raft election timeout ({} ms) must be greater than the heartbeat interval ({} ms)", config.raft_election_min_ms, config.raft_heartbeat_ms),
        );
    }
    if config.raft_election_max_ms < config.raft_election_min_ms {
        ctx.error(
            "cluster/raft-timing",
            "/spec/config/raftElectionMaxMs",
            format!("raftElectionMaxMs ({}) is below raftElectionMinMs ({})", config.raft_election_max_ms, config.raft_election_min_ms),
        );
    }
    if ctx.is_set("/spec/config/logRetentionHours") && !release.broker.retention_setting {
        ctx.warning("rivven/broker-retention", "/spec/config/logRetentionHours", format!("rivvend {} has no broker-wide retention setting; this value is not applied", release.version))
            .with_hint("set `config.retentionMs` on each RivvenTopic instead");
    }
}
