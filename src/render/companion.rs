//! The manifests that run the in-cluster companion (`rivven-render run`), for `rivven-render
//! install` (pure): its Namespace (Pod Security `restricted` enforced), ServiceAccount,
//! least-privilege RBAC (no Secret access at all), Deployment and metrics Service, optionally
//! preceded by the four CustomResourceDefinitions exactly as `rivven-render crd` prints them.
use std::collections::BTreeMap;

use k8s_openapi::api::apps::v1::{Deployment, DeploymentSpec};
use k8s_openapi::api::core::v1::{
    Capabilities, Container, Namespace, PodSecurityContext, PodSpec, PodTemplateSpec, Probe,
    ResourceRequirements, SeccompProfile, SecurityContext, Service, ServiceAccount, ServicePort, ServiceSpec,
};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding, RoleRef, Subject};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, ObjectMeta};
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::{common, RenderedObject};
use crate::model::{Kind, GROUP};
use crate::validate::k8s;

/// Name of the companion's ServiceAccount, Deployment, (Cluster)Role and binding, and Lease.
pub const NAME: &str = "rivven-render";
/// Name of the Role (and its binding) for the leader-election Lease, in the companion's namespace.
pub const LEADER_ELECTION_ROLE: &str = "rivven-render-leader-election";
/// Name of the Service in front of the metrics port.
pub const METRICS_SERVICE: &str = "rivven-render-metrics";
/// Where the companion runs unless told otherwise.
pub const DEFAULT_NAMESPACE: &str = "rivven-system";
/// The companion's metrics port (`run --metrics-addr`).
pub const METRICS_PORT: i32 = 8080;
/// The companion's health port (`run --health-addr`: `/healthz` and `/readyz`).
pub const HEALTH_PORT: i32 = 8081;
/// The non-root user and group of the image.
pub const IMAGE_UID: i64 = 65532;
/// This crate's version: the image tag and the `app.kubernetes.io/version` label.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The companion's image for this release.
pub fn default_image() -> String {
    format!("ghcr.io/rivven-render/rivven-render:{VERSION}")
}

/// What `install` is asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InstallOptions {
    /// Namespace the companion runs in (its Namespace object is emitted too).
    pub namespace: String,
    /// The one namespace the companion watches (`None`: all of them).
    pub watch_namespace: Option<String>,
    /// Replicas of the Deployment (leader election keeps one active).
    pub replicas: u32,
    /// The companion's image.
    pub image: String,
    /// Also emit the four CustomResourceDefinitions (first).
    pub crds: bool,
}

impl Default for InstallOptions {
    fn default() -> Self {
        Self { namespace: DEFAULT_NAMESPACE.to_owned(), watch_namespace: None, replicas: 2, image: default_image(), crds: false }
    }
}

impl InstallOptions {
    /// Why the options cannot be installed, naming the flag (`None`: they can).
    pub fn check(&self) -> Result<(), String> {
        k8s::dns1123_label(&self.namespace).map_err(|why| format!("--namespace {}: {why}", self.namespace))?;
        if self.namespace.starts_with("kube-") {
            return Err(format!("--namespace {}: `kube-` namespaces belong to Kubernetes itself (install would relabel it for Pod Security `restricted`)", self.namespace));
        }
        if let Some(ns) = &self.watch_namespace {
            k8s::dns1123_label(ns).map_err(|why| format!("--watch-namespace {ns}: {why}"))?;
        }
        if self.replicas == 0 || i32::try_from(self.replicas).is_err() {
            return Err(format!("--replicas {}: must be between 1 and {}", self.replicas, i32::MAX));
        }
        k8s::image_reference(&self.image).map_err(|why| format!("--image: {why}"))?;
        Ok(())
    }
}

/// Apply order of the kinds `install` emits: definitions, then the namespace, the identity and its
/// permissions, then what runs.
const INSTALL_ORDER: [&str; 9] =
    ["CustomResourceDefinition", "Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Service", "Deployment"];

fn install_rank(kind: &str) -> usize {
    INSTALL_ORDER.iter().position(|k| *k == kind).unwrap_or(INSTALL_ORDER.len())
}

/// The objects of an install, in apply order: with `crds`, the four CustomResourceDefinitions in the
/// order of `rivven-render crd`; then the companion's objects by kind (see [`INSTALL_ORDER`]),
/// namespace and name. The options must have passed [`InstallOptions::check`].
pub fn install_objects(options: &InstallOptions) -> Vec<RenderedObject> {
    let ns = options.namespace.as_str();
    let mut objects = vec![
        RenderedObject::new(&namespace(ns)),
        RenderedObject::new(&service_account(ns)),
        RenderedObject::new(&leader_election_role(ns)),
        RenderedObject::new(&leader_election_binding(ns)),
        RenderedObject::new(&metrics_service(ns)),
        RenderedObject::new(&deployment(options)),
    ];
    match &options.watch_namespace {
        Some(watched) => {
            objects.push(RenderedObject::new(&Role { metadata: metadata(NAME, Some(watched)), rules: Some(resource_rules()) }));
            objects.push(RenderedObject::new(&RoleBinding { metadata: metadata(NAME, Some(watched)), role_ref: role_ref("Role", NAME), subjects: Some(vec![subject(ns)]) }));
        }
        None => {
            objects.push(RenderedObject::new(&ClusterRole { metadata: metadata(NAME, None), rules: Some(resource_rules()), aggregation_rule: None }));
            objects.push(RenderedObject::new(&ClusterRoleBinding { metadata: metadata(NAME, None), role_ref: role_ref("ClusterRole", NAME), subjects: Some(vec![subject(ns)]) }));
        }
    }
    objects.sort_by(|a, b| (install_rank(&a.kind), &a.namespace, &a.name).cmp(&(install_rank(&b.kind), &b.namespace, &b.name)));
    if options.crds {
        let crds = Kind::ALL.iter().map(|k| RenderedObject::from_value(crate::schema::crd::crd(*k)));
        objects.splice(0..0, crds);
    }
    objects
}

/// Every label of the companion's objects.
pub fn labels() -> BTreeMap<String, String> {
    let mut labels = selector_labels();
    labels.insert("app.kubernetes.io/managed-by".into(), "rivven-render".into());
    labels.insert("app.kubernetes.io/part-of".into(), "rivven".into());
    labels.insert("app.kubernetes.io/version".into(), VERSION.into());
    labels.insert("app.kubernetes.io/component".into(), "companion".into());
    labels
}

/// The labels that select the companion's pods (stable across upgrades: selectors are immutable).
/// The rendered NetworkPolicies let pods with this label in (see `common::operations_peers`).
pub fn selector_labels() -> BTreeMap<String, String> {
    BTreeMap::from([("app.kubernetes.io/name".to_owned(), NAME.to_owned())])
}

fn metadata(name: &str, namespace: Option<&str>) -> ObjectMeta {
    ObjectMeta { name: Some(name.into()), namespace: namespace.map(str::to_owned), labels: Some(labels()), ..ObjectMeta::default() }
}

fn namespace(ns: &str) -> Namespace {
    let mut meta = metadata(ns, None);
    let labels = meta.labels.get_or_insert_with(BTreeMap::new);
    for mode in ["enforce", "audit", "warn"] {
        labels.insert(format!("pod-security.kubernetes.io/{mode}"), "restricted".into());
    }
    Namespace { metadata: meta, ..Namespace::default() }
}

fn service_account(ns: &str) -> ServiceAccount {
    ServiceAccount { metadata: metadata(NAME, Some(ns)), automount_service_account_token: Some(true), ..ServiceAccount::default() }
}

fn rule(api_group: &str, resources: &[&str], resource_names: &[&str], verbs: &[&str]) -> PolicyRule {
    let strings = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    PolicyRule {
        api_groups: Some(vec![api_group.to_owned()]),
        resources: Some(strings(resources)),
        resource_names: common::non_empty(strings(resource_names)),
        verbs: strings(verbs),
        non_resource_urls: None,
    }
}

/// What the companion may do with the resources it reconciles, in every watched namespace: list and
/// watch the four kinds (and patch topics, for their finalizer), patch their status, list and watch
/// the plan ConfigMaps and the pods it talks to. It merge-patches, never replaces, and a pass lists,
/// never gets one object. Nothing else, Secrets least of all.
pub fn resource_rules() -> Vec<PolicyRule> {
    let mut plurals: Vec<&str> = Kind::ALL.iter().map(|k| k.plural()).collect();
    plurals.sort_unstable();
    let statuses: Vec<String> = plurals.iter().map(|p| format!("{p}/status")).collect();
    let statuses: Vec<&str> = statuses.iter().map(String::as_str).collect();
    vec![
        rule(GROUP, &plurals, &[], &["list", "watch"]),
        rule(GROUP, &[Kind::Topic.plural()], &[], &["patch"]),
        rule(GROUP, &statuses, &[], &["patch"]),
        rule("", &["configmaps", "pods"], &[], &["list", "watch"]),
    ]
}

/// The Lease of leader election, in the companion's own namespace: `create` cannot be limited to a
/// name (the object does not exist yet when it is authorized), so it is a rule of its own.
pub fn leader_election_rules() -> Vec<PolicyRule> {
    vec![rule("coordination.k8s.io", &["leases"], &[], &["create"]), rule("coordination.k8s.io", &["leases"], &[NAME], &["get", "update"])]
}

fn leader_election_role(ns: &str) -> Role {
    Role { metadata: metadata(LEADER_ELECTION_ROLE, Some(ns)), rules: Some(leader_election_rules()) }
}

fn leader_election_binding(ns: &str) -> RoleBinding {
    RoleBinding { metadata: metadata(LEADER_ELECTION_ROLE, Some(ns)), role_ref: role_ref("Role", LEADER_ELECTION_ROLE), subjects: Some(vec![subject(ns)]) }
}

fn role_ref(kind: &str, name: &str) -> RoleRef {
    RoleRef { api_group: Some("rbac.authorization.k8s.io".into()), kind: kind.into(), name: name.into() }
}

fn subject(ns: &str) -> Subject {
    Subject { kind: "ServiceAccount".into(), name: NAME.into(), namespace: Some(ns.into()), api_group: None }
}

fn metrics_service(ns: &str) -> Service {
    Service {
        metadata: metadata(METRICS_SERVICE, Some(ns)),
        spec: Some(ServiceSpec {
            type_: Some("ClusterIP".into()),
            selector: Some(selector_labels()),
            ports: Some(vec![ServicePort {
                name: Some("metrics".into()),
                port: METRICS_PORT,
                target_port: Some(IntOrString::Int(METRICS_PORT)),
                protocol: Some("TCP".into()),
                ..ServicePort::default()
            }]),
            ..ServiceSpec::default()
        }),
        status: None,
    }
}

fn probe(path: &str, period: i32) -> Probe {
    common::http_probe(path, "health", period, 3)
}

/// The arguments of `rivven-render run` (the image's entrypoint is the binary).
pub fn run_args(options: &InstallOptions) -> Vec<String> {
    let mut args = vec!["run".to_owned(), format!("--metrics-addr=0.0.0.0:{METRICS_PORT}"), format!("--health-addr=0.0.0.0:{HEALTH_PORT}")];
    if let Some(watched) = &options.watch_namespace {
        args.push(format!("--namespace={watched}"));
    }
    args
}

fn deployment(options: &InstallOptions) -> Deployment {
    let quantities = |items: &[(&str, &str)]| items.iter().map(|(k, v)| ((*k).to_owned(), Quantity((*v).to_owned()))).collect::<BTreeMap<_, _>>();
    let container = Container {
        name: NAME.into(),
        image: Some(options.image.clone()),
        args: Some(run_args(options)),
        env: Some(vec![common::field_env("POD_NAME", "metadata.name"), common::field_env("POD_NAMESPACE", "metadata.namespace")]),
        ports: Some(common::container_ports(&[("metrics", METRICS_PORT), ("health", HEALTH_PORT)])),
        readiness_probe: Some(probe("/readyz", 10)),
        liveness_probe: Some(probe("/healthz", 20)),
        resources: Some(ResourceRequirements {
            requests: Some(quantities(&[("cpu", "50m"), ("memory", "32Mi")])),
            limits: Some(quantities(&[("memory", "128Mi")])),
            ..ResourceRequirements::default()
        }),
        security_context: Some(SecurityContext {
            allow_privilege_escalation: Some(false),
            read_only_root_filesystem: Some(true),
            run_as_non_root: Some(true),
            capabilities: Some(Capabilities { drop: Some(vec!["ALL".into()]), add: None }),
            ..SecurityContext::default()
        }),
        ..Container::default()
    };
    let selector = LabelSelector { match_labels: Some(selector_labels()), ..LabelSelector::default() };
    let pod = PodSpec {
        containers: vec![container],
        service_account_name: Some(NAME.into()),
        security_context: Some(PodSecurityContext {
            run_as_non_root: Some(true),
            run_as_user: Some(IMAGE_UID),
            run_as_group: Some(IMAGE_UID),
            seccomp_profile: Some(SeccompProfile { type_: "RuntimeDefault".into(), localhost_profile: None }),
            ..PodSecurityContext::default()
        }),
        termination_grace_period_seconds: Some(30),
        // Service links would inject `<SERVICE>_PORT`-style variables that nothing reads.
        enable_service_links: Some(false),
        // One replica per node where possible: the standby takes the Lease over when a node fails.
        affinity: Some(common::one_per_node(selector.clone())),
        ..PodSpec::default()
    };
    Deployment {
        metadata: metadata(NAME, Some(&options.namespace)),
        spec: Some(DeploymentSpec {
            replicas: Some(i32::try_from(options.replicas).unwrap_or(i32::MAX)),
            selector,
            template: PodTemplateSpec { metadata: Some(ObjectMeta { labels: Some(labels()), ..ObjectMeta::default() }), spec: Some(pod) },
            ..DeploymentSpec::default()
        }),
        status: None,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn objects(options: &InstallOptions) -> Vec<Value> {
        options.check().expect("valid options");
        install_objects(options).into_iter().map(|o| o.value).collect()
    }

    fn find<'a>(objects: &'a [Value], kind: &str, name: &str) -> &'a Value {
        objects.iter().find(|o| o["kind"] == kind && o["metadata"]["name"] == name).unwrap_or_else(|| panic!("no {kind} {name}"))
    }

    fn kinds(objects: &[Value]) -> Vec<String> {
        objects.iter().map(|o| format!("{}/{}", o["kind"].as_str().unwrap(), o["metadata"]["name"].as_str().unwrap())).collect()
    }

    fn every_rule(objects: &[Value]) -> Vec<&Value> {
        objects.iter().filter(|o| matches!(o["kind"].as_str(), Some("Role" | "ClusterRole"))).flat_map(|o| o["rules"].as_array().unwrap()).collect()
    }

    #[test]
    fn the_watch_namespace_chooses_a_role_or_a_cluster_role() {
        let table: [(Option<&str>, &[&str]); 3] = [
            (None, &["Namespace/rivven-system", "ServiceAccount/rivven-render", "ClusterRole/rivven-render", "ClusterRoleBinding/rivven-render", "Role/rivven-render-leader-election", "RoleBinding/rivven-render-leader-election", "Service/rivven-render-metrics", "Deployment/rivven-render"]),
            (Some("apps"), &["Namespace/rivven-system", "ServiceAccount/rivven-render", "Role/rivven-render", "Role/rivven-render-leader-election", "RoleBinding/rivven-render", "RoleBinding/rivven-render-leader-election", "Service/rivven-render-metrics", "Deployment/rivven-render"]),
            (Some("rivven-system"), &["Namespace/rivven-system", "ServiceAccount/rivven-render", "Role/rivven-render", "Role/rivven-render-leader-election", "RoleBinding/rivven-render", "RoleBinding/rivven-render-leader-election", "Service/rivven-render-metrics", "Deployment/rivven-render"]),
        ];
        for (watch, expected) in table {
            let objects = objects(&InstallOptions { watch_namespace: watch.map(str::to_owned), ..InstallOptions::default() });
            assert_eq!(kinds(&objects), expected.to_vec(), "{watch:?}");
            let (role_kind, scope) = if watch.is_some() { ("Role", watch) } else { ("ClusterRole", None) };
            let role = find(&objects, role_kind, NAME);
            assert_eq!(role["metadata"]["namespace"].as_str(), scope, "{watch:?}");
            let binding = find(&objects, &format!("{role_kind}Binding"), NAME);
            assert_eq!(binding["metadata"]["namespace"].as_str(), scope);
            assert_eq!(binding["roleRef"], json!({ "apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": NAME }));
            assert_eq!(binding["subjects"], json!([{ "kind": "ServiceAccount", "name": NAME, "namespace": "rivven-system" }]));
            let args = find(&objects, "Deployment", NAME)["spec"]["template"]["spec"]["containers"][0]["args"].clone();
            let mut expected_args = vec!["run".to_owned(), "--metrics-addr=0.0.0.0:8080".to_owned(), "--health-addr=0.0.0.0:8081".to_owned()];
            expected_args.extend(watch.map(|w| format!("--namespace={w}")));
            assert_eq!(args, json!(expected_args));
        }
    }

    #[test]
    fn the_rules_grant_exactly_what_the_companion_uses_and_never_secrets() {
        let status: Vec<String> = ["rivvenclusters", "rivvenconnects", "rivvenschemaregistries", "rivventopics"].iter().map(|p| format!("{p}/status")).collect();
        let expected = json!([
            { "apiGroups": [GROUP], "resources": ["rivvenclusters", "rivvenconnects", "rivvenschemaregistries", "rivventopics"], "verbs": ["list", "watch"] },
            { "apiGroups": [GROUP], "resources": ["rivventopics"], "verbs": ["patch"] },
            { "apiGroups": [GROUP], "resources": status, "verbs": ["patch"] },
            { "apiGroups": [""], "resources": ["configmaps", "pods"], "verbs": ["list", "watch"] },
        ]);
        let leases = json!([
            { "apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "verbs": ["create"] },
            { "apiGroups": ["coordination.k8s.io"], "resources": ["leases"], "resourceNames": ["rivven-render"], "verbs": ["get", "update"] },
        ]);
        for watch in [None, Some("apps".to_owned())] {
            let objects = objects(&InstallOptions { watch_namespace: watch.clone(), ..InstallOptions::default() });
            let role = find(&objects, if watch.is_some() { "Role" } else { "ClusterRole" }, NAME);
            assert_eq!(role["rules"], expected, "{watch:?}");
            let lease_role = find(&objects, "Role", LEADER_ELECTION_ROLE);
            assert_eq!(lease_role["metadata"]["namespace"], "rivven-system");
            assert_eq!(lease_role["rules"], leases);
            for rule in every_rule(&objects) {
                let text = rule.to_string();
                assert!(!text.contains("secret") && !text.contains('*'), "{text}");
                assert!(rule.get("resourceNames").is_none() || !rule["verbs"].as_array().unwrap().contains(&json!("create")), "create cannot be limited by name: {text}");
            }
        }
    }

    #[test]
    fn the_deployment_satisfies_pod_security_restricted() {
        for replicas in [1, 2, 3] {
            let objects = objects(&InstallOptions { replicas, ..InstallOptions::default() });
            let namespace = find(&objects, "Namespace", "rivven-system");
            assert_eq!(namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"], "restricted");
            let deployment = find(&objects, "Deployment", NAME);
            assert_eq!(deployment["metadata"]["namespace"], "rivven-system");
            assert_eq!(deployment["spec"]["replicas"], replicas);
            let pod = &deployment["spec"]["template"]["spec"];
            assert_eq!(pod["securityContext"], json!({ "runAsGroup": 65532, "runAsNonRoot": true, "runAsUser": 65532, "seccompProfile": { "type": "RuntimeDefault" } }));
            assert_eq!(pod["serviceAccountName"], NAME);
            assert_eq!(pod["terminationGracePeriodSeconds"], 30);
            for field in ["hostNetwork", "hostPID", "hostIPC", "volumes", "initContainers"] {
                assert!(pod.get(field).is_none(), "{field}");
            }
            let term = &pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"][0]["podAffinityTerm"];
            assert_eq!(term["topologyKey"], "kubernetes.io/hostname");
            assert_eq!(term["labelSelector"]["matchLabels"], deployment["spec"]["selector"]["matchLabels"]);
            let [container] = pod["containers"].as_array().unwrap().as_slice() else { panic!("one container") };
            assert!(container.get("command").is_none(), "the image's entrypoint is the binary");
            let security = &container["securityContext"];
            assert_eq!(security["allowPrivilegeEscalation"], false);
            assert_eq!(security["readOnlyRootFilesystem"], true);
            assert_eq!(security["capabilities"], json!({ "drop": ["ALL"] }));
            assert!(security.get("privileged").is_none() && security["capabilities"].get("add").is_none());
            assert_eq!(container["resources"], json!({ "limits": { "memory": "128Mi" }, "requests": { "cpu": "50m", "memory": "32Mi" } }));
            assert_eq!(container["readinessProbe"]["httpGet"], json!({ "path": "/readyz", "port": "health" }));
            assert_eq!(container["livenessProbe"]["httpGet"], json!({ "path": "/healthz", "port": "health" }));
            assert_eq!(container["ports"], json!([{ "containerPort": 8080, "name": "metrics", "protocol": "TCP" }, { "containerPort": 8081, "name": "health", "protocol": "TCP" }]));
            let env: Vec<(&str, &str)> = container["env"].as_array().unwrap().iter().map(|e| (e["name"].as_str().unwrap(), e["valueFrom"]["fieldRef"]["fieldPath"].as_str().unwrap())).collect();
            assert_eq!(env, [("POD_NAME", "metadata.name"), ("POD_NAMESPACE", "metadata.namespace")]);
            assert!(!container["args"].as_array().unwrap().iter().any(|a| a.as_str().unwrap().contains("leader-election")), "leader election stays on at any replica count");
        }
    }

    #[test]
    fn every_object_carries_the_labels_and_the_service_selects_the_pods() {
        let objects = objects(&InstallOptions::default());
        for object in &objects {
            let labels = &object["metadata"]["labels"];
            for (key, value) in [("name", "rivven-render"), ("managed-by", "rivven-render"), ("part-of", "rivven"), ("version", VERSION), ("component", "companion")] {
                assert_eq!(labels[format!("app.kubernetes.io/{key}")], value, "{object}");
            }
        }
        let deployment = find(&objects, "Deployment", NAME);
        assert_eq!(deployment["spec"]["selector"]["matchLabels"], json!({ "app.kubernetes.io/name": "rivven-render" }));
        assert_eq!(deployment["spec"]["template"]["metadata"]["labels"], json!(labels()));
        assert_eq!(deployment["spec"]["template"]["spec"]["containers"][0]["image"], format!("ghcr.io/rivven-render/rivven-render:{VERSION}"));
        let service = find(&objects, "Service", METRICS_SERVICE);
        assert_eq!(service["spec"]["type"], "ClusterIP");
        assert_eq!(service["spec"]["selector"], deployment["spec"]["selector"]["matchLabels"]);
        assert_eq!(service["spec"]["ports"], json!([{ "name": "metrics", "port": 8080, "protocol": "TCP", "targetPort": 8080 }]));
        assert_eq!(find(&objects, "ServiceAccount", NAME)["automountServiceAccountToken"], true);
        let namespaced: Vec<&Value> = objects.iter().filter(|o| !matches!(o["kind"].as_str(), Some("Namespace" | "ClusterRole" | "ClusterRoleBinding"))).collect();
        assert!(namespaced.iter().all(|o| o["metadata"]["namespace"] == "rivven-system"));
    }

    #[test]
    fn crds_come_first_exactly_as_the_crd_command_prints_them() {
        let plain = install_objects(&InstallOptions::default());
        let with = install_objects(&InstallOptions { crds: true, ..InstallOptions::default() });
        assert_eq!(with.len(), plain.len() + 4);
        let crds: String = with[..4].iter().map(|o| format!("---\n{}", crate::yaml::to_string(&o.value))).collect();
        assert_eq!(crds, crate::schema::crd_stream());
        assert!(with[..4].iter().all(|o| o.kind == "CustomResourceDefinition"));
        assert_eq!(with[4..], plain[..]);
    }

    #[test]
    fn bad_options_are_refused_naming_the_flag() {
        let table: [(InstallOptions, &str); 6] = [
            (InstallOptions { namespace: "Bad_NS".into(), ..InstallOptions::default() }, "--namespace Bad_NS: must be a DNS-1123 label"),
            (InstallOptions { namespace: "kube-system".into(), ..InstallOptions::default() }, "--namespace kube-system: `kube-` namespaces"),
            (InstallOptions { namespace: "a".repeat(64), ..InstallOptions::default() }, "characters long"),
            (InstallOptions { watch_namespace: Some("-x".into()), ..InstallOptions::default() }, "--watch-namespace -x: must be a DNS-1123 label"),
            (InstallOptions { replicas: 0, ..InstallOptions::default() }, "--replicas 0: must be between 1"),
            (InstallOptions { image: "Bad Image".into(), ..InstallOptions::default() }, "--image: `Bad Image` is not an image reference"),
        ];
        for (options, message) in table {
            let err = options.check().expect_err(message);
            assert!(err.starts_with(message) || err.contains(message), "{err}");
        }
        assert_eq!(InstallOptions::default().check(), Ok(()));
        assert_eq!(InstallOptions { watch_namespace: Some("default".into()), replicas: 1, image: "registry.local:5000/me/rr@sha256:0123456789abcdef0123456789abcdef".into(), ..InstallOptions::default() }.check(), Ok(()));
    }
}
