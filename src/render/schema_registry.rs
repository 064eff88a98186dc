//! RivvenSchemaRegistry -> Deployment, Service, ConfigMap (the registry plan the in-cluster
//! companion applies), PodDisruptionBudget with more than one replica.
use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    ConfigMap, Container, EmptyDirVolumeSource, PodSpec, PodTemplateSpec, Probe, Service,
    ServiceSpec, Volume, VolumeMount,
};

use super::common::{self, Owner};
use super::{RenderOptions, RenderedObject};
use crate::model::plan::{self, RegistryPlan, SubjectCompatibility};
use crate::model::{names, Kind, RivvenSchemaRegistry};
use crate::rivven;

/// Key of the registry plan in the ConfigMap.
pub const PLAN_KEY: &str = "registry-plan.json";

/// Renders one registry.
pub fn render(registry: &RivvenSchemaRegistry, options: &RenderOptions) -> Vec<RenderedObject> {
    let owner = Owner::of(registry, Kind::SchemaRegistry, "rivven-schema", "schema-registry", &registry.spec.version);
    let mut objects = vec![
        RenderedObject::new(&plan(registry, &owner, &options.cluster_domain)),
        RenderedObject::new(&service(registry, &owner)),
        RenderedObject::new(&deployment(registry, &owner)),
    ];
    if registry.spec.network_policy.enabled {
        let workers = vec![common::rivven_pods("rivven-connect")];
        let mut rules = vec![common::IngressRule { ports: vec![i32::from(registry.spec.server.port)], from: common::client_sources(&registry.spec.network_policy.allow_from, workers) }];
        if let Some(from) = &mut rules[0].from {
            from.extend(common::operations_peers());
        }
        objects.push(RenderedObject::new(&common::network_policy(&owner, names::registry_workload(registry.name()), rules)));
    }
    let pdb = &registry.spec.pod_disruption_budget;
    if pdb.enabled && registry.spec.replicas > 1 {
        objects.push(RenderedObject::new(&common::pod_disruption_budget(&owner, names::registry_pdb(registry.name()), pdb.max_unavailable)));
    }
    objects
}

/// What the registry's API must be told after start: rivven-schema ignores `--compatibility`, so
/// the in-cluster companion sets the levels with `PUT /config` and `PUT /config/{subject}`.
pub fn registry_plan(registry: &RivvenSchemaRegistry, cluster_domain: &str) -> RegistryPlan {
    let compat = &registry.spec.compatibility;
    let host = match registry.namespace() {
        Some(ns) => format!("{}.{ns}.svc.{cluster_domain}", names::registry_workload(registry.name())),
        None => names::registry_workload(registry.name()),
    };
    RegistryPlan {
        registry: format!("http://{host}:{}", registry.spec.server.port),
        compatibility: compat.default_level,
        subjects: compat.per_subject.iter().map(|(s, l)| SubjectCompatibility { subject: s.clone(), compatibility: *l }).collect(),
    }
}

fn plan(registry: &RivvenSchemaRegistry, owner: &Owner<'_>, cluster_domain: &str) -> ConfigMap {
    ConfigMap {
        metadata: owner.metadata(names::registry_config(registry.name())),
        data: Some(BTreeMap::from([(PLAN_KEY.to_owned(), plan::to_text(&registry_plan(registry, cluster_domain)))])),
        ..ConfigMap::default()
    }
}

fn service(registry: &RivvenSchemaRegistry, owner: &Owner<'_>) -> Service {
    Service {
        metadata: common::service_metadata(owner, names::registry_workload(registry.name()), "client"),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(owner.selector_labels()),
            ports: Some(common::service_ports(&[("http", i32::from(registry.spec.server.port))])),
            ..ServiceSpec::default()
        }),
        status: None,
    }
}

fn probe(path: &str, period: i32) -> Probe {
    common::http_probe(path, "http", period, 3)
}

fn deployment(registry: &RivvenSchemaRegistry, owner: &Owner<'_>) -> Deployment {
    let spec = &registry.spec;
    let release = rivven::release(&spec.version);
    let mut container = Container {
        name: "rivven-schema".into(),
        image: Some(rivven::image_reference(&spec.image, &spec.version)),
        args: Some(vec!["serve".into(), format!("--host={}", spec.server.bind_address), format!("--port={}", spec.server.port)]),
        ports: Some(common::container_ports(&[("http", i32::from(spec.server.port))])),
        readiness_probe: Some(probe(release.registry.ready_path, 5)),
        liveness_probe: Some(probe(release.registry.live_path, 10)),
        volume_mounts: Some(vec![VolumeMount { name: "tmp".into(), mount_path: "/tmp".into(), ..VolumeMount::default() }]),
        ..Container::default()
    };
    common::apply_container_overrides(&mut container, &spec.pod);
    let mut pod = PodSpec {
        containers: vec![container],
        volumes: Some(vec![Volume { name: "tmp".into(), empty_dir: Some(EmptyDirVolumeSource::default()), ..Volume::default() }]),
        ..PodSpec::default()
    };
    common::apply_pod_overrides(&mut pod, &spec.pod, rivven::release(&spec.version).image_uid);
    common::spread_over_nodes(&mut pod, owner, spec.replicas);
    Deployment {
        metadata: owner.metadata(names::registry_workload(registry.name())),
        spec: Some(DeploymentSpec {
            replicas: Some(i32::try_from(spec.replicas).unwrap_or(i32::MAX)),
            selector: owner.selector(),
            template: PodTemplateSpec { metadata: Some(common::pod_template_metadata(owner, &spec.pod, None)), spec: Some(pod) },
            ..DeploymentSpec::default()
        }),
        status: None,
    }
}
