//! RivvenConnect -> Deployment, ConfigMap with connect.yaml, Service, optional ServiceMonitor.
use std::collections::{BTreeMap, BTreeSet};

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec, DeploymentStrategy};
use k8s_openapi::api::core::v1::{
    ConfigMap, ConfigMapVolumeSource, Container, EmptyDirVolumeSource, EnvFromSource, EnvVar, HTTPGetAction, PodSpec,
    PodTemplateSpec, Probe, SecretEnvSource, Service, ServiceSpec, TCPSocketAction, Volume, VolumeMount,
};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::common::{self, Owner};
use super::connect_config::connect_yaml_text;
use super::{RenderOptions, RenderedObject};
use crate::model::{names, Kind, RivvenConnect};
use crate::rivven;

/// File name of the worker configuration in its ConfigMap.
pub const CONFIG_FILE: &str = "connect.yaml";

/// Renders one connect resource.
pub fn render(connect: &RivvenConnect, options: &RenderOptions) -> Vec<RenderedObject> {
    let owner = Owner::of(connect, Kind::Connect, "rivven-connect", "connect", &connect.spec.version);
    let config_text = format!("# Rendered by rivven-render from {}; do not edit.\n{}", owner.source(), connect_yaml_text(connect, options));
    let secrets = crate::model::secrets::secret_refs(connect);
    let hash = common::config_hash(&[&config_text, &secrets.iter().cloned().collect::<Vec<_>>().join(",")]);
    let config_map = ConfigMap {
        metadata: owner.metadata(names::connect_config(connect.name())),
        data: Some(BTreeMap::from([(CONFIG_FILE.to_owned(), config_text)])),
        ..ConfigMap::default()
    };
    let mut objects = vec![RenderedObject::new(&config_map), RenderedObject::new(&service(connect, &owner)), RenderedObject::new(&deployment(connect, &owner, &hash, &secrets))];
    let pdb = &connect.spec.pod_disruption_budget;
    if pdb.enabled && connect.spec.replicas > 1 {
        objects.push(RenderedObject::new(&common::pod_disruption_budget(&owner, names::connect_pdb(connect.name()), pdb.max_unavailable)));
    }
    if connect.spec.network_policy.enabled {
        // Workers serve no clients: health and metrics are for the companion and monitoring (and `allowFrom`).
        let mut from = common::operations_peers();
        from.extend(connect.spec.network_policy.allow_from.iter().cloned());
        let ports = ports(connect).into_iter().map(|(_, p)| p).collect();
        objects.push(RenderedObject::new(&common::network_policy(&owner, names::connect_workload(connect.name()), vec![common::IngressRule { ports, from: Some(from) }])));
    }
    let metrics = &connect.spec.settings.metrics;
    if metrics.enabled && metrics.service_monitor_enabled {
        objects.push(RenderedObject::from_value(common::service_monitor(&owner, &names::connect_workload(connect.name()), "metrics", rivven::release(&connect.spec.version).connect.metrics_path)));
    }
    objects
}

fn ports(connect: &RivvenConnect) -> Vec<(&'static str, i32)> {
    let settings = &connect.spec.settings;
    let mut ports = vec![("health", i32::from(settings.health.port))];
    if settings.metrics.enabled {
        ports.push(("metrics", i32::from(settings.metrics.port)));
    }
    ports
}

fn service(connect: &RivvenConnect, owner: &Owner<'_>) -> Service {
    Service {
        metadata: common::service_metadata(owner, names::connect_workload(connect.name()), "client"),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(owner.selector_labels()),
            ports: Some(common::service_ports(&ports(connect))),
            ..ServiceSpec::default()
        }),
        status: None,
    }
}

fn deployment(connect: &RivvenConnect, owner: &Owner<'_>, config_hash: &str, secrets: &BTreeSet<String>) -> Deployment {
    let spec = &connect.spec;
    let program = &rivven::release(&spec.version).connect;
    let env_from: Vec<EnvFromSource> = secrets
        .iter()
        .map(|secret| EnvFromSource {
            secret_ref: Some(SecretEnvSource { name: secret.clone(), optional: Some(false) }),
            ..EnvFromSource::default()
        })
        .collect();
    let mut container = Container {
        name: "rivven-connect".into(),
        image: Some(rivven::image_reference(&spec.image, &spec.version)),
        args: Some(vec!["-c".into(), format!("{}/{CONFIG_FILE}", program.config_dir), "run".into()]),
        env_from: common::non_empty(env_from),
        // The level reaches the program through RUST_LOG where the config's log_level is unused.
        env: log_level_env(connect),
        ports: Some(common::container_ports(&ports(connect))),
        // Only the live path answers 200 (`Connect::health_endpoints`): readiness is the open port.
        liveness_probe: Some(Probe {
            http_get: Some(HTTPGetAction { path: Some(program.live_path.into()), port: IntOrString::String("health".into()), ..HTTPGetAction::default() }),
            initial_delay_seconds: Some(5),
            period_seconds: Some(10),
            timeout_seconds: Some(3),
            failure_threshold: Some(3),
            ..Probe::default()
        }),
        readiness_probe: Some(Probe {
            tcp_socket: Some(TCPSocketAction { port: IntOrString::String("health".into()), host: None }),
            period_seconds: Some(5),
            failure_threshold: Some(3),
            ..Probe::default()
        }),
        volume_mounts: Some(vec![
            VolumeMount { name: "config".into(), mount_path: program.config_dir.into(), read_only: Some(true), ..VolumeMount::default() },
            VolumeMount { name: "tmp".into(), mount_path: "/tmp".into(), ..VolumeMount::default() },
        ]),
        ..Container::default()
    };
    common::apply_container_overrides(&mut container, &spec.pod);
    let empty_dir = |name: &str| Volume { name: name.into(), empty_dir: Some(EmptyDirVolumeSource::default()), ..Volume::default() };
    let mut pod = PodSpec {
        containers: vec![container],
        volumes: Some(vec![
            Volume {
                name: "config".into(),
                config_map: Some(ConfigMapVolumeSource { name: names::connect_config(connect.name()), ..ConfigMapVolumeSource::default() }),
                ..Volume::default()
            },
            empty_dir("tmp"),
        ]),
        ..PodSpec::default()
    };
    common::apply_pod_overrides(&mut pod, &spec.pod, rivven::release(&spec.version).image_uid);
    common::spread_over_nodes(&mut pod, owner, spec.replicas);
    Deployment {
        metadata: owner.metadata(names::connect_workload(connect.name())),
        spec: Some(DeploymentSpec {
            replicas: Some(i32::try_from(spec.replicas).unwrap_or(i32::MAX)),
            selector: owner.selector(),
            // Sources must not run twice during a roll: stop the old worker before the new starts.
            strategy: Some(DeploymentStrategy { type_: Some("Recreate".into()), rolling_update: None }),
            template: PodTemplateSpec { metadata: Some(common::pod_template_metadata(owner, &spec.pod, Some(config_hash))), spec: Some(pod) },
            ..DeploymentSpec::default()
        }),
        status: None,
    }
}

/// `RUST_LOG` for `settings.logLevel`, when the release reads no level from its config.
fn log_level_env(connect: &RivvenConnect) -> Option<Vec<EnvVar>> {
    let level = rivven::release(&connect.spec.version).connect.rust_log(connect.spec.settings.log_level)?;
    Some(vec![EnvVar { name: "RUST_LOG".into(), value: Some(crate::model::spelling(&level)), ..EnvVar::default() }])
}
