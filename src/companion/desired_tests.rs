//! Table tests of [`desired`]: worlds built by hand from the documents a user would apply.
use std::collections::BTreeMap;

use serde_json::{json, Value};

use super::*;
use crate::companion::world::{CrObject, PlanContent, PlanMap, World};
use crate::model::plan::{BrokerTopicConfig, PlannedTopic, RegistryPlan, SubjectCompatibility, TopicPlan};
use crate::model::schema_registry::CompatibilityLevel;
use crate::model::{Kind, API_VERSION};

const T0: &str = "2026-01-01T00:00:00Z";
const T1: &str = "2026-01-02T00:00:00Z";

/// A resource as `world::read` makes it: the document carries the annotations (not the finalizers).
#[allow(clippy::too_many_arguments)]
fn cr(kind: Kind, ns: &str, name: &str, created: &str, spec: Value, annotations: &[(&str, &str)], finalizers: &[&str], deleting: bool) -> CrObject {
    let annotations: BTreeMap<String, String> = annotations.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect();
    let mut metadata = json!({ "name": name, "namespace": ns });
    if !annotations.is_empty() {
        metadata["annotations"] = json!(annotations);
    }
    CrObject {
        kind,
        namespace: ns.into(),
        name: name.into(),
        generation: 1,
        resource_version: "1".into(),
        created: created.into(),
        annotations,
        finalizers: finalizers.iter().map(|f| (*f).to_owned()).collect(),
        deleting,
        document: json!({ "apiVersion": API_VERSION, "kind": kind.name(), "metadata": metadata, "spec": spec }),
        status: Default::default(),
    }
}

/// A live resource without annotations or finalizers.
fn live(kind: Kind, ns: &str, name: &str, created: &str, spec: Value) -> CrObject {
    cr(kind, ns, name, created, spec, &[], &[], false)
}

fn cluster(ns: &str, name: &str) -> CrObject {
    live(Kind::Cluster, ns, name, T0, json!({ "replicas": 1 }))
}

fn topic_on(ns: &str, name: &str, created: &str, cluster: &str) -> CrObject {
    live(Kind::Topic, ns, name, created, json!({ "clusterRef": { "name": cluster } }))
}

fn world(resources: Vec<CrObject>, plan_maps: Vec<PlanMap>) -> World {
    World { crds: true, resources, plan_maps, pods: Vec::new() }
}

/// A planned topic with the compile core's defaults (3 partitions, RF 1, no config).
fn planned(name: &str, source: &str) -> PlannedTopic {
    PlannedTopic { name: name.into(), partitions: 3, replication_factor: 1, config: BrokerTopicConfig::default(), delete_on_remove: false, source: source.into() }
}

fn wanted(ns: &str, cluster: &str, topic: PlannedTopic, origin: Origin) -> DesiredTopic {
    DesiredTopic { cluster: (ns.into(), cluster.into()), topic, origin }
}

/// A topic wanted by the RivvenTopic its plan entry names.
fn by_resource(ns: &str, cluster: &str, topic: PlannedTopic) -> DesiredTopic {
    let origin = Origin::Resource(topic.source.clone());
    wanted(ns, cluster, topic, origin)
}

fn refusal(reason: &'static str, message: &str) -> Refusal {
    Refusal { reason, message: message.into() }
}

fn refused(entries: &[(&str, Refusal)]) -> BTreeMap<String, Refusal> {
    entries.iter().map(|(id, r)| ((*id).to_owned(), r.clone())).collect()
}

fn topic_map(ns: &str, name: &str, cluster: &str, topics: Vec<PlannedTopic>) -> PlanMap {
    PlanMap { namespace: ns.into(), name: name.into(), instance: cluster.into(), plan: Ok(PlanContent::Topics(TopicPlan { cluster: cluster.into(), topics })) }
}

fn registry_map(ns: &str, name: &str, instance: &str, plan: RegistryPlan) -> PlanMap {
    PlanMap { namespace: ns.into(), name: name.into(), instance: instance.into(), plan: Ok(PlanContent::Registry(plan)) }
}

fn registry_plan(ns: &str, name: &str, compatibility: CompatibilityLevel, subjects: &[(&str, CompatibilityLevel)]) -> RegistryPlan {
    RegistryPlan {
        registry: format!("http://rivven-schema-{name}.{ns}.svc.cluster.local:8081"),
        compatibility,
        subjects: subjects.iter().map(|(s, c)| SubjectCompatibility { subject: (*s).into(), compatibility: *c }).collect(),
    }
}

fn registry(ns: &str, name: &str, plan: RegistryPlan, origin: Origin) -> DesiredRegistry {
    DesiredRegistry { registry: (ns.into(), name.into()), plan, origin }
}

const UNMANAGED: &str = "annotation rivven.hupe1980.github.io/managed: \"false\": not managed, nothing is changed or deleted";
const CROSS: &str = "clusterRef points into namespace `infra`; the companion follows it only with --allow-cross-namespace";

#[test]
fn each_world_gets_exactly_its_desired_state() {
    let cross = DesiredOptions { allow_cross_namespace: true };
    let strict = DesiredOptions::default();
    let unmanaged = [(MANAGED_ANNOTATION, "false")];
    let delete_spec = json!({ "clusterRef": { "name": "demo" }, "topicName": "Orders_v1", "deleteOnRemove": true });
    let orders = |ns: &str, name: &str, created: &str| live(Kind::Topic, ns, name, created, json!({ "clusterRef": { "name": "demo" }, "topicName": "orders" }));
    let plan_orders = planned("orders", "RivvenTopic/apps/orders");
    let mut plan_orders_wider = plan_orders.clone();
    plan_orders_wider.partitions = 6;
    let mut bad_map = topic_map("apps", "rivven-broken-topics", "broken", vec![]);
    bad_map.plan = Err("topics.json: expected value at line 1 column 1".into());
    let registry_spec = json!({
        "clusterRef": { "name": "demo" },
        "storage": { "mode": "memory" },
        "compatibility": { "defaultLevel": "FULL", "perSubject": { "orders-value": "NONE" } },
    });
    let registry_resource = live(Kind::SchemaRegistry, "apps", "schemas", T0, registry_spec);
    let schemas_plan = registry_plan("apps", "schemas", CompatibilityLevel::Full, &[("orders-value", CompatibilityLevel::None)]);
    let other_plan = registry_plan("apps", "other", CompatibilityLevel::Forward, &[]);

    let table: Vec<(&str, World, &DesiredOptions, Desired)> = vec![
        (
            "1. a RivvenTopic beside its cluster: its broker name, partitions and broker config keys",
            world(
                vec![
                    cluster("apps", "demo"),
                    live(Kind::Topic, "apps", "orders", T0, json!({ "clusterRef": { "name": "demo" }, "topicName": "Orders_v1", "partitions": 6, "config": { "retentionMs": 86400000, "cleanupPolicy": "compact" } })),
                ],
                vec![],
            ),
            &strict,
            Desired {
                topics: vec![by_resource(
                    "apps",
                    "demo",
                    PlannedTopic {
                        partitions: 6,
                        config: BrokerTopicConfig { retention_ms: Some("86400000".into()), cleanup_policy: Some("compact".into()), ..BrokerTopicConfig::default() },
                        ..planned("Orders_v1", "RivvenTopic/apps/orders")
                    },
                )],
                ..Desired::default()
            },
        ),
        (
            "2. a RivvenTopic whose cluster is not in the world is still desired (the compile core only warns)",
            world(vec![topic_on("apps", "orders", T0, "elsewhere")], vec![]),
            &strict,
            Desired { topics: vec![by_resource("apps", "elsewhere", planned("orders", "RivvenTopic/apps/orders"))], ..Desired::default() },
        ),
        (
            "3a. two RivvenTopics for one broker topic: the older wins",
            world(vec![cluster("apps", "demo"), orders("apps", "a-new", T1), orders("apps", "b-old", T0)], vec![]),
            &strict,
            Desired {
                topics: vec![by_resource("apps", "demo", planned("orders", "RivvenTopic/apps/b-old"))],
                refused: refused(&[("RivvenTopic/apps/a-new", refusal("ResourceConflict", "broker topic `orders` is managed by the older RivvenTopic/apps/b-old"))]),
                ..Desired::default()
            },
        ),
        (
            "3b. created at the same time: the name breaks the tie",
            world(vec![cluster("apps", "demo"), orders("apps", "b", T0), orders("apps", "a", T0)], vec![]),
            &strict,
            Desired {
                topics: vec![by_resource("apps", "demo", planned("orders", "RivvenTopic/apps/a"))],
                refused: refused(&[("RivvenTopic/apps/b", refusal("ResourceConflict", "broker topic `orders` is managed by the older RivvenTopic/apps/a"))]),
                ..Desired::default()
            },
        ),
        (
            "4a. a clusterRef into another namespace is refused",
            world(vec![cluster("infra", "demo"), live(Kind::Topic, "apps", "orders", T0, json!({ "clusterRef": { "name": "demo", "namespace": "infra" } }))], vec![]),
            &strict,
            Desired { refused: refused(&[("RivvenTopic/apps/orders", refusal("CrossNamespaceRefused", CROSS))]), ..Desired::default() },
        ),
        (
            "4b. ... and followed with allow_cross_namespace",
            world(vec![cluster("infra", "demo"), live(Kind::Topic, "apps", "orders", T0, json!({ "clusterRef": { "name": "demo", "namespace": "infra" } }))], vec![]),
            &cross,
            Desired { topics: vec![by_resource("infra", "demo", planned("orders", "RivvenTopic/apps/orders"))], ..Desired::default() },
        ),
        (
            "5a. managed: \"false\" is refused and asks for no topic",
            world(vec![cluster("apps", "demo"), cr(Kind::Topic, "apps", "orders", T0, json!({ "clusterRef": { "name": "demo" } }), &unmanaged, &[], false)], vec![]),
            &strict,
            Desired { refused: refused(&[("RivvenTopic/apps/orders", refusal("Unmanaged", UNMANAGED))]), ..Desired::default() },
        ),
        (
            "5b. managed: \"false\" being deleted with the finalizer: removed, never deleted on the broker",
            world(vec![cluster("apps", "demo"), cr(Kind::Topic, "apps", "orders", T0, delete_spec.clone(), &unmanaged, &[TOPIC_FINALIZER], true)], vec![]),
            &strict,
            Desired {
                removals: vec![Removal { cluster: ("apps".into(), "demo".into()), name: "Orders_v1".into(), delete_on_remove: false, resource: "RivvenTopic/apps/orders".into() }],
                ..Desired::default()
            },
        ),
        (
            "6a. deleted with the finalizer and deleteOnRemove: the broker topic is deleted",
            world(vec![cluster("apps", "demo"), cr(Kind::Topic, "apps", "orders", T0, delete_spec.clone(), &[], &[TOPIC_FINALIZER], true)], vec![]),
            &strict,
            Desired {
                removals: vec![Removal { cluster: ("apps".into(), "demo".into()), name: "Orders_v1".into(), delete_on_remove: true, resource: "RivvenTopic/apps/orders".into() }],
                ..Desired::default()
            },
        ),
        (
            "6b. deleted without the finalizer: nothing at all",
            world(vec![cluster("apps", "demo"), cr(Kind::Topic, "apps", "orders", T0, delete_spec.clone(), &[], &[], true)], vec![]),
            &strict,
            Desired::default(),
        ),
        (
            "6c. deleted while another resource took its topic name: the finalizer goes, the topic stays",
            world(vec![cluster("apps", "demo"), cr(Kind::Topic, "apps", "orders", T0, delete_spec.clone(), &[], &[TOPIC_FINALIZER], true), live(Kind::Topic, "apps", "orders-v2", T1, json!({ "clusterRef": { "name": "demo" }, "topicName": "Orders_v1", "partitions": 6 }))], vec![]),
            &strict,
            Desired {
                topics: vec![by_resource("apps", "demo", PlannedTopic { partitions: 6, ..planned("Orders_v1", "RivvenTopic/apps/orders-v2") })],
                removals: vec![Removal { cluster: ("apps".into(), "demo".into()), name: "Orders_v1".into(), delete_on_remove: false, resource: "RivvenTopic/apps/orders".into() }],
                ..Desired::default()
            },
        ),
        (
            "6d. deleted after pointing its clusterRef into another namespace: nothing is deleted there",
            world(vec![cr(Kind::Topic, "apps", "orders", T0, json!({ "clusterRef": { "name": "demo", "namespace": "infra" }, "topicName": "Orders_v1", "deleteOnRemove": true }), &[], &[TOPIC_FINALIZER], true)], vec![]),
            &strict,
            Desired { removals: vec![Removal { cluster: ("infra".into(), "demo".into()), name: "Orders_v1".into(), delete_on_remove: false, resource: "RivvenTopic/apps/orders".into() }], ..Desired::default() },
        ),
        (
            "8a. a topic only in a plan ConfigMap",
            world(vec![], vec![topic_map("apps", "rivven-demo-topics", "demo", vec![plan_orders.clone()])]),
            &strict,
            Desired { topics: vec![wanted("apps", "demo", plan_orders.clone(), Origin::PlanMap("apps/rivven-demo-topics".into()))], ..Desired::default() },
        ),
        (
            "8b. the same topic in a plan and a resource, equal: the resource's, no warning",
            world(vec![cluster("apps", "demo"), topic_on("apps", "orders", T0, "demo")], vec![topic_map("apps", "rivven-demo-topics", "demo", vec![plan_orders.clone()])]),
            &strict,
            Desired { topics: vec![by_resource("apps", "demo", plan_orders.clone())], ..Desired::default() },
        ),
        (
            "8c. ... differing: the resource's, and a warning on the resource",
            world(vec![cluster("apps", "demo"), topic_on("apps", "orders", T0, "demo")], vec![topic_map("apps", "rivven-demo-topics", "demo", vec![plan_orders_wider.clone()])]),
            &strict,
            Desired {
                topics: vec![by_resource("apps", "demo", plan_orders.clone())],
                warnings: BTreeMap::from([("RivvenTopic/apps/orders".to_owned(), vec!["ConfigMap apps/rivven-demo-topics also describes topic `orders` differently; this resource wins".to_owned()])]),
                ..Desired::default()
            },
        ),
        (
            "8d. an unreadable plan ConfigMap is listed, the readable ones still count",
            world(vec![], vec![bad_map, topic_map("apps", "rivven-demo-topics", "demo", vec![plan_orders.clone()])]),
            &strict,
            Desired {
                topics: vec![wanted("apps", "demo", plan_orders.clone(), Origin::PlanMap("apps/rivven-demo-topics".into()))],
                unreadable_maps: vec![("apps/rivven-broken-topics".into(), "topics.json: expected value at line 1 column 1".into())],
                ..Desired::default()
            },
        ),
        (
            "8e. two plan ConfigMaps for one topic: the first by namespace/name only",
            world(vec![], vec![topic_map("apps", "m2", "demo", vec![plan_orders_wider.clone()]), topic_map("apps", "m1", "demo", vec![plan_orders.clone()])]),
            &strict,
            Desired { topics: vec![wanted("apps", "demo", plan_orders.clone(), Origin::PlanMap("apps/m1".into()))], ..Desired::default() },
        ),
        (
            "8f. a plan's topic whose resource exists but is unmanaged: the resource wins, the plan brings nothing back",
            world(vec![cluster("apps", "demo"), cr(Kind::Topic, "apps", "orders", T0, json!({ "clusterRef": { "name": "demo" } }), &[(MANAGED_ANNOTATION, "false")], &[], false)], vec![topic_map("apps", "rivven-demo-topics", "demo", vec![plan_orders.clone()])]),
            &strict,
            Desired { refused: refused(&[("RivvenTopic/apps/orders", refusal("Unmanaged", "annotation rivven.hupe1980.github.io/managed: \"false\": not managed, nothing is changed or deleted"))]), ..Desired::default() },
        ),
        (
            "9a. a RivvenSchemaRegistry: its levels, keyed by (namespace, name)",
            world(vec![cluster("apps", "demo"), registry_resource.clone()], vec![]),
            &strict,
            Desired { registries: vec![registry("apps", "schemas", schemas_plan.clone(), Origin::Resource("RivvenSchemaRegistry/apps/schemas".into()))], ..Desired::default() },
        ),
        (
            "9b. a registry plan ConfigMap of another registry is added; one of the same registry is not",
            world(
                vec![cluster("apps", "demo"), registry_resource.clone()],
                vec![
                    registry_map("apps", "rivven-schema-schemas-config", "schemas", registry_plan("apps", "schemas", CompatibilityLevel::None, &[])),
                    registry_map("apps", "rivven-schema-other-config", "other", other_plan.clone()),
                ],
            ),
            &strict,
            Desired {
                registries: vec![
                    registry("apps", "other", other_plan.clone(), Origin::PlanMap("apps/rivven-schema-other-config".into())),
                    registry("apps", "schemas", schemas_plan.clone(), Origin::Resource("RivvenSchemaRegistry/apps/schemas".into())),
                ],
                ..Desired::default()
            },
        ),
    ];
    for (case, world, options, expected) in table {
        assert_eq!(desired(&world, options), expected, "{case}");
    }
}

/// Case 7: an invalid resource is refused with the compile core's finding; the valid one beside
/// it, in the same pass, is still desired.
#[test]
fn one_invalid_resource_never_hides_the_others() {
    let on_demo = |extra: Value| {
        let mut spec = json!({ "clusterRef": { "name": "demo" } });
        spec.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        live(Kind::Topic, "apps", "bad", T0, spec)
    };
    let table: Vec<(&str, CrObject, &str)> = vec![
        ("partitions 0", on_demo(json!({ "partitions": 0 })), "0 is out of range: it must be at least 1 [schema/range] at spec.partitions"),
        ("a field the schema does not know", on_demo(json!({ "partitionz": 3 })), "unknown field `partitionz` [schema/unknown-field] at spec.partitionz"),
        (
            "a replication factor above the cluster's brokers",
            on_demo(json!({ "replicationFactor": 3 })),
            "replicationFactor 3 exceeds the 1 broker(s) of RivvenCluster `demo` [topic/replication-factor] at spec.replicationFactor",
        ),
    ];
    for (case, bad, message) in table {
        for resources in [vec![cluster("apps", "demo"), bad.clone(), topic_on("apps", "good", T0, "demo")], vec![topic_on("apps", "good", T0, "demo"), bad, cluster("apps", "demo")]] {
            let expected = Desired {
                topics: vec![by_resource("apps", "demo", planned("good", "RivvenTopic/apps/good"))],
                refused: refused(&[("RivvenTopic/apps/bad", refusal("InvalidSpec", message))]),
                ..Desired::default()
            };
            assert_eq!(desired(&world(resources, vec![]), &DesiredOptions::default()), expected, "{case}");
        }
    }
}

/// Case 10: the order of the world's resources does not change the outcome.
#[test]
fn shuffled_resources_give_the_same_desired() {
    let resources = vec![
        cluster("apps", "demo"),
        cluster("infra", "demo"),
        topic_on("apps", "zeta", T0, "demo"),
        topic_on("apps", "alpha", T1, "demo"),
        live(Kind::Topic, "apps", "gamma", T0, json!({ "clusterRef": { "name": "demo" }, "topicName": "zeta" })),
        live(Kind::Topic, "apps", "beta", T0, json!({ "clusterRef": { "name": "demo", "namespace": "infra" } })),
        live(Kind::Topic, "infra", "delta", T0, json!({ "clusterRef": { "name": "demo" }, "partitions": 0 })),
        cr(Kind::Topic, "apps", "unmanaged", T0, json!({ "clusterRef": { "name": "demo" } }), &[(MANAGED_ANNOTATION, "false")], &[], false),
        live(Kind::SchemaRegistry, "apps", "schemas", T0, json!({ "clusterRef": { "name": "demo" }, "storage": { "mode": "memory" } })),
        live(Kind::SchemaRegistry, "infra", "schemas", T0, json!({ "clusterRef": { "name": "demo" }, "storage": { "mode": "memory" } })),
        cr(Kind::Topic, "apps", "going-b", T0, json!({ "clusterRef": { "name": "demo" }, "deleteOnRemove": true }), &[], &[TOPIC_FINALIZER], true),
        cr(Kind::Topic, "apps", "going-a", T0, json!({ "clusterRef": { "name": "demo" }, "deleteOnRemove": true }), &[], &[TOPIC_FINALIZER], true),
    ];
    let wider_alpha = PlannedTopic { partitions: 6, ..planned("alpha", "RivvenTopic/apps/alpha") };
    let maps = vec![topic_map("apps", "rivven-demo-topics", "demo", vec![wider_alpha, planned("from-plan", "RivvenTopic/apps/gone")])];
    let options = DesiredOptions::default();
    let expected = desired(&world(resources.clone(), maps.clone()), &options);
    assert_eq!(expected.topics.iter().map(|t| t.topic.name.as_str()).collect::<Vec<_>>(), ["alpha", "from-plan", "zeta"]);
    assert_eq!(expected.registries.iter().map(|r| &r.registry).collect::<Vec<_>>(), [&("apps".to_owned(), "schemas".to_owned()), &("infra".to_owned(), "schemas".to_owned())]);
    assert_eq!(expected.warnings.keys().collect::<Vec<_>>(), ["RivvenTopic/apps/alpha"]);
    assert_eq!(expected.removals.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["going-a", "going-b"]);
    assert_eq!(expected.refused.keys().collect::<Vec<_>>(), ["RivvenTopic/apps/beta", "RivvenTopic/apps/unmanaged", "RivvenTopic/apps/zeta", "RivvenTopic/infra/delta"]);
    for turn in 1..resources.len() {
        let mut shuffled = resources.clone();
        shuffled.rotate_left(turn);
        if turn % 2 == 0 {
            shuffled.reverse();
        }
        assert_eq!(desired(&world(shuffled, maps.clone()), &options), expected, "rotated by {turn}");
    }
}

