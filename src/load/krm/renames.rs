//! Kustomize's renames, followed by the function. Kustomize fixes the fields that name a renamed
//! object (namePrefix, nameSuffix, namespace) only after every transformer of a build, the
//! function included; so the function sees a `clusterRef` still naming `shop` when the cluster is
//! already `prod-shop`. The items carry kustomize's name history
//! (`internal.config.kubernetes.io/previousNames` and `previousNamespaces`): the references of the
//! Rivven items are renamed from it before they are compiled, as kustomize would have renamed them.
use std::collections::BTreeMap;

use serde_json::Value;

use super::annotation;

/// Old (kind, namespace, name) -> current name, from the items' name history.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Renames {
    renamed: BTreeMap<(String, String, String), String>,
    current: BTreeMap<(String, String, String), ()>,
}

/// The namespace kustomize writes for an object that names none.
const DEFAULT_NAMESPACE: &str = "default";

impl Renames {
    /// The renames recorded on the items.
    pub fn of(items: &[&Value]) -> Self {
        let mut renames = Self::default();
        for item in items {
            let text = |pointer: &str| item.pointer(pointer).and_then(Value::as_str).unwrap_or_default().to_owned();
            let (kind, name) = (text("/kind"), text("/metadata/name"));
            let namespace = item.pointer("/metadata/namespace").and_then(Value::as_str).unwrap_or(DEFAULT_NAMESPACE).to_owned();
            renames.current.insert((kind.clone(), namespace.clone(), name.clone()), ());
            let list = |key: &str| annotation(item, key).map(|v| v.split(',').map(str::to_owned).collect::<Vec<_>>()).unwrap_or_default();
            let (names, namespaces) = (list("internal.config.kubernetes.io/previousNames"), list("internal.config.kubernetes.io/previousNamespaces"));
            for (old, ns) in names.iter().zip(namespaces.iter().chain(std::iter::repeat(&namespace))) {
                if *old != name || *ns != namespace {
                    renames.renamed.insert((kind.clone(), ns.clone(), old.clone()), name.clone());
                }
            }
        }
        renames
    }

    /// Whether nothing was renamed.
    pub fn is_empty(&self) -> bool {
        self.renamed.is_empty()
    }

    /// The current name of what `name` (of `kind`, in `namespace`) was, if it was renamed and no
    /// object of that kind has that name now.
    fn current(&self, kind: &str, namespace: Option<&str>, name: &str) -> Option<&String> {
        let ns = namespace.unwrap_or(DEFAULT_NAMESPACE).to_owned();
        let key = (kind.to_owned(), ns, name.to_owned());
        if self.current.contains_key(&key) {
            return None;
        }
        self.renamed.get(&key)
    }

    /// Renames the references of one Rivven document: its `clusterRef` (a RivvenCluster) and the
    /// Secrets it names.
    pub fn apply(&self, document: &mut Value) {
        let own_namespace = document.pointer("/metadata/namespace").and_then(Value::as_str).map(str::to_owned);
        let cluster_namespace = document.pointer("/spec/clusterRef/namespace").and_then(Value::as_str).map(str::to_owned).or_else(|| own_namespace.clone());
        self.rename(document, "/spec/clusterRef/name", "RivvenCluster", cluster_namespace.as_deref());
        let mut secret_fields = vec!["/spec/clusterAuthSecretRef/name".to_owned(), "/spec/tls/certSecretName".to_owned()];
        for list in ["sources", "sinks"] {
            let count = document.pointer(&format!("/spec/{list}")).and_then(Value::as_array).map_or(0, Vec::len);
            secret_fields.extend((0..count).map(|i| format!("/spec/{list}/{i}/configSecretRef")));
        }
        for field in secret_fields {
            self.rename(document, &field, "Secret", own_namespace.as_deref());
        }
    }

    fn rename(&self, document: &mut Value, pointer: &str, kind: &str, namespace: Option<&str>) {
        let Some(old) = document.pointer(pointer).and_then(Value::as_str) else { return };
        if let Some(new) = self.current(kind, namespace, old).cloned() {
            if let Some(field) = document.pointer_mut(pointer) {
                *field = Value::from(new);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn references_follow_the_names_kustomize_changed() {
        let history = |names: &str, namespaces: &str| json!({"internal.config.kubernetes.io/previousNames": names, "internal.config.kubernetes.io/previousNamespaces": namespaces});
        let cluster = json!({"kind": "RivvenCluster", "metadata": {"name": "prod-shop", "namespace": "shop-prod", "annotations": history("shop,shop", "default,shop-prod")}});
        let secret = json!({"kind": "Secret", "metadata": {"name": "prod-pg", "namespace": "shop-prod", "annotations": history("pg,pg", "default,shop-prod")}});
        let other = json!({"kind": "RivvenCluster", "metadata": {"name": "kept", "namespace": "shop-prod"}});
        let renames = Renames::of(&[&cluster, &secret, &other]);
        let mut connect = json!({"kind": "RivvenConnect", "metadata": {"name": "prod-c", "namespace": "shop-prod"}, "spec": {"clusterRef": {"name": "shop"}, "sources": [{"configSecretRef": "pg"}, {"configSecretRef": "unknown"}]}});
        renames.apply(&mut connect);
        assert_eq!(connect["spec"]["clusterRef"]["name"], "prod-shop");
        assert_eq!(connect["spec"]["sources"][0]["configSecretRef"], "prod-pg");
        assert_eq!(connect["spec"]["sources"][1]["configSecretRef"], "unknown");
        // A reference to a cluster of another namespace, or to a name that exists now, stays.
        for (reference, expected) in [(json!({"name": "shop", "namespace": "elsewhere"}), "shop"), (json!({"name": "kept"}), "kept")] {
            let mut topic = json!({"kind": "RivvenTopic", "metadata": {"name": "t", "namespace": "shop-prod"}, "spec": {"clusterRef": reference}});
            renames.apply(&mut topic);
            assert_eq!(topic["spec"]["clusterRef"]["name"], expected);
        }
        assert!(Renames::of(&[&other]).is_empty());
    }
}
