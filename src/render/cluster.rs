//! RivvenCluster -> StatefulSet, headless and client Services, ConfigMap (the broker's settings,
//! read as environment), PodDisruptionBudget, optional ServiceMonitor.
use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{StatefulSet, StatefulSetPersistentVolumeClaimRetentionPolicy, StatefulSetSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapEnvSource, Container, EmptyDirVolumeSource, EnvFromSource, EnvVar, EnvVarSource,
    PersistentVolumeClaim, PersistentVolumeClaimSpec, PodSpec, PodTemplateSpec, Probe, SecretKeySelector, Service,
    ServicePort, ServiceSpec, Volume, VolumeMount, VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::common::{self, Owner};
use super::RenderedObject;
use crate::model::{names, Kind, RivvenCluster};
use super::RenderOptions;
use crate::rivven::{self, Broker};

/// What the cluster's rivvend release needs.
fn broker(cluster: &RivvenCluster) -> &'static Broker {
    &rivven::release(&cluster.spec.version).broker
}

fn owner(cluster: &RivvenCluster) -> Owner<'_> {
    Owner::of(cluster, Kind::Cluster, "rivven", "broker", &cluster.spec.version)
}

/// Renders one cluster.
pub fn render(cluster: &RivvenCluster, options: &RenderOptions) -> Vec<RenderedObject> {
    let owner = owner(cluster);
    let config_map = config_map(cluster, &owner, options);
    let hash = common::config_hash(&[&serde_json::to_string(&config_map.data).expect("data serializes")]);
    let mut objects = vec![
        RenderedObject::new(&config_map),
        RenderedObject::new(&headless_service(cluster, &owner)),
        RenderedObject::new(&client_service(cluster, &owner)),
        RenderedObject::new(&stateful_set(cluster, &owner, &hash)),
    ];
    let pdb = &cluster.spec.pod_disruption_budget;
    if pdb.enabled {
        objects.push(RenderedObject::new(&common::pod_disruption_budget(&owner, names::cluster_pdb(cluster.name()), pdb.max_unavailable)));
    }
    if cluster.spec.network_policy.enabled {
        objects.push(RenderedObject::new(&network_policy(cluster, &owner)));
    }
    if cluster.spec.metrics.enabled && cluster.spec.metrics.service_monitor_enabled {
        // rivvend serves metrics on its API port (see `Broker::metrics_port`).
        objects.push(RenderedObject::from_value(common::service_monitor(&owner, &names::cluster_workload(cluster.name()), "http", broker(cluster).metrics_path)));
    }
    objects
}

/// The broker settings as `RIVVEN_*` variables, which rivvend reads from its environment.
fn config_map(cluster: &RivvenCluster, owner: &Owner<'_>, options: &RenderOptions) -> ConfigMap {
    let c = &cluster.spec.config;
    let mut data: BTreeMap<String, String> = BTreeMap::new();
    let mut set = |key: &str, value: String| {
        data.insert(key.to_owned(), value);
    };
    set("RIVVEN_DATA_DIR", broker(cluster).data_dir.into());
    set("RIVVEN_DEFAULT_PARTITIONS", c.default_partitions.to_string());
    set("RIVVEN_REPLICATION_FACTOR", c.default_replication_factor.to_string());
    set("RIVVEN_MIN_ISR", c.min_insync_replicas.to_string());
    set("RIVVEN_MAX_SEGMENT_SIZE", c.log_segment_bytes.to_string());
    set("RIVVEN_MAX_CONNECTIONS_PER_IP", c.max_connections_per_ip.to_string());
    set("RIVVEN_MAX_TOTAL_CONNECTIONS", c.max_total_connections.to_string());
    set("RIVVEN_RATE_LIMIT_PER_IP", c.rate_limit_per_ip.to_string());
    set("RIVVEN_MAX_REQUEST_SIZE", c.max_request_size.to_string());
    set("RIVVEN_IDLE_TIMEOUT_SECS", c.idle_timeout_secs.to_string());
    set("RUST_LOG", c.log_level.clone());
    if !broker(cluster).users {
        // A broker that cannot create users fails every admin request unless authentication is off.
        set("RIVVEN_NO_REQUIRE_AUTH", "true".into());
    }
    if cluster.spec.replicas > 1 {
        set("RIVVEN_MODE", "cluster".into());
        set("RIVVEN_CLUSTER_NAME", cluster.name().into());
        set("RIVVEN_SEEDS", seeds(cluster, &options.cluster_domain));
        set("RIVVEN_RAFT_HEARTBEAT_MS", c.raft_heartbeat_ms.to_string());
        set("RIVVEN_RAFT_ELECTION_MIN_MS", c.raft_election_min_ms.to_string());
        set("RIVVEN_RAFT_ELECTION_MAX_MS", c.raft_election_max_ms.to_string());
    } else {
        set("RIVVEN_MODE", "standalone".into());
    }
    ConfigMap { metadata: owner.metadata(names::cluster_config(cluster.name())), data: Some(data), ..ConfigMap::default() }
}

/// Every broker's cluster address, through the headless Service's per-pod DNS names.
fn seeds(cluster: &RivvenCluster, cluster_domain: &str) -> String {
    let sts = names::cluster_workload(cluster.name());
    let headless = names::cluster_headless(cluster.name());
    let domain = match cluster.namespace() {
        Some(ns) => format!("{headless}.{ns}.svc.{cluster_domain}"),
        None => headless,
    };
    let port = broker(cluster).cluster_port;
    (0..cluster.spec.replicas).map(|i| format!("{sts}-{i}.{domain}:{port}")).collect::<Vec<_>>().join(",")
}

fn ports(broker: &Broker, cluster_mode: bool) -> Vec<(&'static str, i32)> {
    let mut ports = vec![("client", broker.client_port), ("http", broker.api_port)];
    if cluster_mode {
        ports.push(("cluster", broker.cluster_port));
    }
    ports
}

fn service_ports(cluster: &RivvenCluster) -> Vec<ServicePort> {
    common::service_ports(&ports(broker(cluster), cluster.spec.replicas > 1))
}

fn headless_service(cluster: &RivvenCluster, owner: &Owner<'_>) -> Service {
    Service {
        metadata: common::service_metadata(owner, names::cluster_headless(cluster.name()), "headless"),
        spec: Some(ServiceSpec {
            cluster_ip: Some("None".into()),
            // Brokers must find each other before they are ready.
            publish_not_ready_addresses: Some(true),
            selector: Some(owner.selector_labels()),
            ports: Some(service_ports(cluster)),
            ..ServiceSpec::default()
        }),
        status: None,
    }
}

fn client_service(cluster: &RivvenCluster, owner: &Owner<'_>) -> Service {
    Service {
        metadata: common::service_metadata(owner, names::cluster_workload(cluster.name()), "client"),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(owner.selector_labels()),
            ports: Some(common::service_ports(&ports(broker(cluster), false))),
            ..ServiceSpec::default()
        }),
        status: None,
    }
}

/// Clients (connect workers, registries and the companion, which creates the topics, always, plus
/// `allowFrom`) on the client port, the other brokers on the cluster port, and the companion,
/// monitoring and the brokers on the HTTP API port.
fn network_policy(cluster: &RivvenCluster, owner: &Owner<'_>) -> k8s_openapi::api::networking::v1::NetworkPolicy {
    let brokers = k8s_openapi::api::networking::v1::NetworkPolicyPeer { pod_selector: Some(owner.selector()), ..Default::default() };
    let rivven_clients = vec![common::rivven_pods("rivven-connect"), common::rivven_pods("rivven-schema"), common::rivven_pods("rivven-render")];
    let b = broker(cluster);
    let mut rules = vec![common::IngressRule { ports: vec![b.client_port], from: common::client_sources(&cluster.spec.network_policy.allow_from, rivven_clients) }];
    if cluster.spec.replicas > 1 {
        rules.push(common::IngressRule { ports: vec![b.cluster_port], from: Some(vec![brokers.clone()]) });
    }
    let mut api = common::operations_peers();
    api.push(brokers);
    rules.push(common::IngressRule { ports: vec![b.api_port], from: Some(api) });
    common::network_policy(owner, names::cluster_workload(cluster.name()), rules)
}

fn http_probe(broker: &Broker, period: i32, failures: i32) -> Probe {
    common::http_probe(broker.health_path, "http", period, failures)
}

fn stateful_set(cluster: &RivvenCluster, owner: &Owner<'_>, config_hash: &str) -> StatefulSet {
    let spec = &cluster.spec;
    let cluster_mode = spec.replicas > 1;
    let b = broker(cluster);
    let mut args = vec![format!("--bind=0.0.0.0:{}", b.client_port), format!("--api-bind=0.0.0.0:{}", b.api_port)];
    let mut env = vec![common::field_env("POD_NAME", "metadata.name"), common::field_env("POD_IP", "status.podIP")];
    if cluster_mode {
        args.push("--node-id=$(POD_NAME)".into());
        args.push(format!("--cluster-bind=0.0.0.0:{}", b.cluster_port));
        args.push(format!("--advertise-addr=$(POD_IP):{}", b.cluster_port));
        let (secret, key) = match &spec.cluster_auth_secret_ref {
            Some(r) => (r.name.clone(), r.key.clone()),
            None => (names::cluster_auth_secret(cluster.name()), "token".to_owned()),
        };
        env.push(EnvVar {
            name: "RIVVEN_CLUSTER_AUTH_TOKEN".into(),
            value_from: Some(EnvVarSource { secret_key_ref: Some(SecretKeySelector { name: secret, key, optional: Some(false) }), ..EnvVarSource::default() }),
            ..EnvVar::default()
        });
    }
    let mut container = Container {
        name: "rivvend".into(),
        image: Some(rivven::image_reference(&spec.image, &spec.version)),
        args: Some(args),
        env: Some(env),
        env_from: Some(vec![EnvFromSource {
            config_map_ref: Some(ConfigMapEnvSource { name: names::cluster_config(cluster.name()), optional: Some(false) }),
            ..EnvFromSource::default()
        }]),
        ports: Some(common::container_ports(&ports(b, cluster_mode))),
        startup_probe: Some(Probe { failure_threshold: Some(30), ..http_probe(b, 2, 30) }),
        readiness_probe: Some(http_probe(b, 5, 3)),
        // Liveness asks only whether the broker still accepts connections, and tolerates a minute of
        // failures: a loaded broker that is briefly unready must not be killed (an outage with one broker).
        liveness_probe: Some(Probe {
            tcp_socket: Some(k8s_openapi::api::core::v1::TCPSocketAction { port: IntOrString::String("client".into()), host: None }),
            period_seconds: Some(10),
            timeout_seconds: Some(5),
            failure_threshold: Some(6),
            ..Probe::default()
        }),
        volume_mounts: Some(vec![
            VolumeMount { name: "data".into(), mount_path: b.data_dir.into(), ..VolumeMount::default() },
            VolumeMount { name: "tmp".into(), mount_path: "/tmp".into(), ..VolumeMount::default() },
        ]),
        ..Container::default()
    };
    common::apply_container_overrides(&mut container, &spec.pod);

    let mut pod = PodSpec {
        containers: vec![container],
        termination_grace_period_seconds: Some(i64::from(spec.termination_grace_period_seconds).max(b.drain_seconds)),
        volumes: Some(vec![Volume { name: "tmp".into(), empty_dir: Some(EmptyDirVolumeSource::default()), ..Volume::default() }]),
        ..PodSpec::default()
    };
    common::apply_pod_overrides(&mut pod, &spec.pod, rivven::release(&spec.version).image_uid);
    common::spread_over_nodes(&mut pod, owner, spec.replicas);

    let retention = if spec.storage.delete_claim { "Delete" } else { "Retain" };
    let claim = PersistentVolumeClaim {
        metadata: ObjectMeta { name: Some("data".into()), labels: Some(owner.selector_labels()), ..ObjectMeta::default() },
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".into()]),
            storage_class_name: (!spec.storage.storage_class_name.is_empty()).then(|| spec.storage.storage_class_name.clone()),
            resources: Some(VolumeResourceRequirements { requests: Some(BTreeMap::from([("storage".into(), Quantity(spec.storage.size.clone()))])), limits: None }),
            ..PersistentVolumeClaimSpec::default()
        }),
        status: None,
    };
    StatefulSet {
        metadata: owner.metadata(names::cluster_workload(cluster.name())),
        spec: Some(StatefulSetSpec {
            replicas: Some(i32::try_from(spec.replicas).unwrap_or(i32::MAX)),
            service_name: Some(names::cluster_headless(cluster.name())),
            selector: owner.selector(),
            // Brokers of a cluster must start together to find their seeds.
            pod_management_policy: Some("Parallel".into()),
            persistent_volume_claim_retention_policy: Some(StatefulSetPersistentVolumeClaimRetentionPolicy {
                when_deleted: Some(retention.into()),
                when_scaled: Some(retention.into()),
            }),
            template: PodTemplateSpec {
                metadata: Some(common::pod_template_metadata(owner, &spec.pod, Some(config_hash))),
                spec: Some(pod),
            },
            volume_claim_templates: Some(vec![claim]),
            ..StatefulSetSpec::default()
        }),
        status: None,
    }
}
