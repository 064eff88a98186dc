//! Table tests of the workload rules: each row changes one thing of a broker StatefulSet, a worker
//! Deployment or a Service and names the reasons (and impacts) the analysis must give.
use serde_json::{json, Value};

use super::*;
use crate::diff::consequence::{Impact, Reason};
use crate::diff::fields::changes;
use crate::render::RenderedObject;

fn statefulset() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "StatefulSet",
        "metadata": {"name": "rivven-demo", "namespace": "data", "labels": {"app.kubernetes.io/component": "broker"}},
        "spec": {
            "replicas": 3, "serviceName": "rivven-demo-headless", "podManagementPolicy": "Parallel",
            "selector": {"matchLabels": {"app": "a"}},
            "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain", "whenScaled": "Retain"},
            "template": {"metadata": {"annotations": {"rivven.hupe1980.github.io/config-hash": "1"}}, "spec": {"containers": [{"name": "rivvend", "image": "rivvend:0.0.22", "env": [{"name": "A", "value": "1"}], "resources": {}, "readinessProbe": {"periodSeconds": 5}, "securityContext": {"runAsNonRoot": true}}]}},
            "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "fast", "resources": {"requests": {"storage": "10Gi"}}}}]
        }
    })
}

fn deployment() -> Value {
    json!({
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "rivven-connect-p", "labels": {"app.kubernetes.io/component": "connect"}},
        "spec": {"replicas": 2, "strategy": {"type": "Recreate"}, "selector": {"matchLabels": {"app": "c"}},
                 "template": {"spec": {"containers": [{"name": "c", "image": "c:1"}]}}}
    })
}

fn service() -> Value {
    json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "rivven-demo"},
           "spec": {"type": "ClusterIP", "selector": {"app": "a"}, "ports": [{"name": "client", "port": 9092}]}})
}

fn reasons(before: &Value, edit: &dyn Fn(&mut Value)) -> Vec<(Reason, Impact)> {
    let mut after = before.clone();
    edit(&mut after);
    let object = RenderedObject::from_value(before.clone()).object_ref();
    let found = changes(before, &after, &|_: &str| None);
    let pair = Pair { object: &object, before: Some(before), after: Some(&after), changes: &found };
    consequences(pair).into_iter().map(|c| (c.reason, c.impact)).collect()
}

fn set(pointer: &'static str, value: Value) -> impl Fn(&mut Value) {
    move |v: &mut Value| *v.pointer_mut(pointer).unwrap_or_else(|| panic!("{pointer}")) = value.clone()
}

use Impact::{Disruptive, Info, Restart};
use Reason::*;

#[test]
fn statefulset_rules() {
    let sts = statefulset();
    type Row = (&'static str, Box<dyn Fn(&mut Value)>, Vec<(Reason, Impact)>);
    let rows: Vec<Row> = vec![
        ("storage grows", Box::new(set("/spec/volumeClaimTemplates/0/spec/resources/requests/storage", json!("20Gi"))), vec![(RequiresReplace, Disruptive), (StorageResize, Restart), (NoRestart, Info)]),
        ("storage shrinks", Box::new(set("/spec/volumeClaimTemplates/0/spec/resources/requests/storage", json!("5Gi"))), vec![(RequiresReplace, Disruptive), (StorageRefused, Disruptive), (NoRestart, Info)]),
        ("same size written otherwise", Box::new(set("/spec/volumeClaimTemplates/0/spec/resources/requests/storage", json!("10240Mi"))), vec![(NoRestart, Info)]),
        ("storage class", Box::new(set("/spec/volumeClaimTemplates/0/spec/storageClassName", json!("slow"))), vec![(RequiresReplace, Disruptive), (StorageRefused, Disruptive), (NoRestart, Info)]),
        ("access modes", Box::new(set("/spec/volumeClaimTemplates/0/spec/accessModes", json!(["ReadWriteMany"]))), vec![(RequiresReplace, Disruptive), (StorageRefused, Disruptive), (NoRestart, Info)]),
        ("selector", Box::new(set("/spec/selector/matchLabels/app", json!("b"))), vec![(RequiresReplace, Disruptive), (NoRestart, Info)]),
        ("service name", Box::new(set("/spec/serviceName", json!("other"))), vec![(RequiresReplace, Disruptive), (NoRestart, Info)]),
        ("pod management policy", Box::new(set("/spec/podManagementPolicy", json!("OrderedReady"))), vec![(RequiresReplace, Disruptive), (NoRestart, Info)]),
        ("image", Box::new(set("/spec/template/spec/containers/0/image", json!("rivvend:0.0.23"))), vec![(RollingRestart, Restart)]),
        ("config hash", Box::new(set("/spec/template/metadata/annotations/rivven.hupe1980.github.io~1config-hash", json!("2"))), vec![(RollingRestart, Restart)]),
        ("env", Box::new(set("/spec/template/spec/containers/0/env/0/value", json!("2"))), vec![(RollingRestart, Restart)]),
        ("resources", Box::new(set("/spec/template/spec/containers/0/resources", json!({"limits": {"cpu": "1"}}))), vec![(RollingRestart, Restart)]),
        ("probe", Box::new(set("/spec/template/spec/containers/0/readinessProbe/periodSeconds", json!(10))), vec![(RollingRestart, Restart)]),
        ("security context", Box::new(set("/spec/template/spec/containers/0/securityContext/runAsNonRoot", json!(false))), vec![(RollingRestart, Restart)]),
        ("scale down", Box::new(set("/spec/replicas", json!(1))), vec![(NoRestart, Info), (ScaleDown, Disruptive)]),
        ("scale up", Box::new(set("/spec/replicas", json!(5))), vec![(NoRestart, Info), (ScaleUp, Info)]),
        ("claim retention", Box::new(set("/spec/persistentVolumeClaimRetentionPolicy/whenScaled", json!("Delete"))), vec![(NoRestart, Info)]),
        ("update strategy", Box::new(|v: &mut Value| v["spec"]["updateStrategy"] = json!({"type": "OnDelete"})), vec![(NoRestart, Info)]),
    ];
    for (what, edit, expected) in rows {
        assert_eq!(reasons(&sts, &*edit), expected, "{what}");
    }
}

#[test]
fn restart_messages_name_the_cause_and_the_count() {
    let sts = statefulset();
    let mut after = sts.clone();
    after["spec"]["template"]["spec"]["containers"][0]["image"] = json!("rivvend:0.0.23");
    after["spec"]["template"]["metadata"]["annotations"]["rivven.hupe1980.github.io/config-hash"] = json!("2");
    let object = RenderedObject::from_value(sts.clone()).object_ref();
    let found = changes(&sts, &after, &|_: &str| None);
    let c = consequences(Pair { object: &object, before: Some(&sts), after: Some(&after), changes: &found });
    assert_eq!(c[0].message, "3 brokers restart (image, config hash), one at a time, highest ordinal first");
}

#[test]
fn storage_messages_give_the_commands_per_broker() {
    let sts = statefulset();
    let mut after = sts.clone();
    after["spec"]["volumeClaimTemplates"][0]["spec"]["resources"]["requests"]["storage"] = json!("20Gi");
    let object = RenderedObject::from_value(sts.clone()).object_ref();
    let found = changes(&sts, &after, &|_: &str| None);
    let c = consequences(Pair { object: &object, before: Some(&sts), after: Some(&after), changes: &found });
    assert_eq!(c[0].commands[0], "kubectl delete statefulset rivven-demo -n data --cascade=orphan");
    assert!(c[0].message.contains("3 brokers running") && c[0].message.contains("whenDeleted: Retain"), "{}", c[0].message);
    assert_eq!(c[1].commands.len(), 3);
    assert_eq!(c[1].commands[2], r#"kubectl patch pvc data-rivven-demo-2 -n data -p '{"spec":{"resources":{"requests":{"storage":"20Gi"}}}}'"#);
}

#[test]
fn scale_down_names_the_removed_brokers_and_their_claims() {
    let sts = statefulset();
    let mut after = sts.clone();
    after["spec"]["replicas"] = json!(1);
    let object = RenderedObject::from_value(sts.clone()).object_ref();
    let found = changes(&sts, &after, &|_: &str| None);
    let c = consequences(Pair { object: &object, before: Some(&sts), after: Some(&after), changes: &found });
    let m = &c[1].message;
    assert!(m.contains("rivven-demo-2, rivven-demo-1 removed") && m.contains("data-rivven-demo-2, data-rivven-demo-1") && m.contains("kept"), "{m}");
    after["spec"]["persistentVolumeClaimRetentionPolicy"]["whenScaled"] = json!("Delete");
    let found = changes(&sts, &after, &|_: &str| None);
    let c = consequences(Pair { object: &object, before: Some(&sts), after: Some(&after), changes: &found });
    assert!(c.iter().any(|c| c.message.contains("the data is lost")));
}

#[test]
fn deployment_rules() {
    let d = deployment();
    assert_eq!(reasons(&d, &set("/spec/selector/matchLabels/app", json!("x"))), vec![(RequiresReplace, Disruptive), (NoRestart, Info)]);
    assert_eq!(reasons(&d, &set("/spec/template/spec/containers/0/image", json!("c:2"))), vec![(FullStop, Restart)]);
    assert_eq!(reasons(&d, &set("/spec/replicas", json!(1))), vec![(NoRestart, Info), (ScaleDown, Restart)]);
    let mut rolling = d.clone();
    rolling["spec"]["strategy"] = json!({"type": "RollingUpdate"});
    assert_eq!(reasons(&rolling, &set("/spec/template/spec/containers/0/image", json!("c:2"))), vec![(RollingRestart, Restart)]);
}

#[test]
fn service_rules() {
    let s = service();
    assert_eq!(reasons(&s, &set("/spec/ports/0/port", json!(9093))), vec![(ServiceChange, Restart)]);
    assert_eq!(reasons(&s, &set("/spec/type", json!("LoadBalancer"))), vec![(ServiceChange, Restart)]);
    assert_eq!(reasons(&s, &set("/spec/selector/app", json!("b"))), vec![(ServiceChange, Restart)]);
    assert_eq!(reasons(&s, &|v: &mut Value| v["spec"]["clusterIP"] = json!("None")), vec![(RequiresReplace, Disruptive)]);
    assert_eq!(reasons(&s, &|v: &mut Value| v["metadata"]["labels"] = json!({"a": "b"})), vec![]);
    assert_eq!(reasons(&s, &|v: &mut Value| v["spec"]["ports"].as_array_mut().unwrap().push(json!({"name": "extra", "port": 1}))), vec![], "a port added breaks no client");
    assert_eq!(reasons(&s, &|v: &mut Value| v["spec"]["ports"] = json!([])), vec![(ServiceChange, Restart)]);
}

#[test]
fn removed_workloads_stop_their_pods() {
    let sts = statefulset();
    let object = RenderedObject::from_value(sts.clone()).object_ref();
    let c = consequences(Pair { object: &object, before: Some(&sts), after: None, changes: &[] });
    assert_eq!((c[0].reason, c[0].impact), (WorkloadRemoved, Restart));
    let mut deleting = sts.clone();
    deleting["spec"]["persistentVolumeClaimRetentionPolicy"]["whenDeleted"] = json!("Delete");
    let c = consequences(Pair { object: &object, before: Some(&deleting), after: None, changes: &[] });
    assert_eq!((c[0].reason, c[0].impact), (WorkloadRemoved, Disruptive));
}

#[test]
fn pod_disruption_budget_selectors_are_mutable_in_policy_v1() {
    let pdb = json!({"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": {"name": "p"}, "spec": {"selector": {"matchLabels": {"a": "1"}}}});
    assert_eq!(reasons(&pdb, &set("/spec/selector/matchLabels/a", json!("2"))), vec![]);
}

#[test]
fn quantities() {
    for (text, bytes) in [("10Gi", 10.0 * 1_073_741_824.0), ("10240Mi", 10.0 * 1_073_741_824.0), ("1G", 1e9), ("500", 500.0), ("1.5Ki", 1536.0), ("100m", 0.1)] {
        assert_eq!(quantity(text), Some(bytes), "{text}");
    }
    assert_eq!(quantity("ten"), None);
}
