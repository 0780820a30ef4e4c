//! The rendered objects of one environment, read back and indexed: the
//! pods each workload makes, and who carries which labels, so that a check
//! finds what a selector selects by a lookup.

use crate::resolve::builtin;
use serde_yaml::{Mapping, Value};
use std::collections::{BTreeMap, HashMap, HashSet};

/// One rendered object and the file it came from, read back with
/// `readback::parse`: what the checks read of it, not all of it.
pub struct Object<'a> {
    pub file: &'a str,
    pub value: Value,
    pub kind: String,
    pub name: String,
    pub namespace: String,
}

impl<'a> Object<'a> {
    pub fn new(file: &'a str, value: Value) -> Self {
        let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
        Object {
            file,
            kind: text(&value["kind"]),
            name: text(&value["metadata"]["name"]),
            namespace: text(&value["metadata"]["namespace"]),
            value,
        }
    }

    pub fn kind(&self) -> &str {
        &self.kind
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn namespace(&self) -> &str {
        &self.namespace
    }
}

/// The pods a workload creates, as far as selectors and ports are concerned.
pub struct Pods<'a> {
    pub file: &'a str,
    pub namespace: &'a str,
    pub labels: Mapping,
    /// Container ports by name, and every number, including the sidecar's
    /// when the namespace gets one injected.
    pub named_ports: BTreeMap<String, u64>,
    pub ports: Vec<u64>,
    pub service_account: String,
}

/// Labelled things (pods, Services) indexed by namespace and by each label,
/// so that a selector is a lookup, not a scan: the checks run once per
/// object, and a scan per check made `kiln check` cubic in the call graph.
pub struct Selection<'x> {
    pub labels: Vec<Option<&'x Mapping>>,
    pub in_namespace: HashMap<&'x str, Vec<usize>>,
    pub with_label: HashMap<(&'x str, &'x Value, &'x Value), Vec<usize>>,
}

impl<'x> Selection<'x> {
    pub fn new(items: impl IntoIterator<Item = (&'x str, Option<&'x Mapping>)>) -> Self {
        let mut selection = Selection {
            labels: Vec::new(),
            in_namespace: HashMap::new(),
            with_label: HashMap::new(),
        };
        for (i, (namespace, labels)) in items.into_iter().enumerate() {
            selection.labels.push(labels);
            selection.in_namespace.entry(namespace).or_default().push(i);
            for (key, value) in labels.into_iter().flatten() {
                selection
                    .with_label
                    .entry((namespace, key, value))
                    .or_default()
                    .push(i);
            }
        }
        selection
    }

    /// The items of `namespace` that can carry every label of `required`:
    /// those with its rarest label, or all of them when nothing is required.
    pub fn candidates<'s>(
        &'s self,
        namespace: &'s str,
        required: Option<&'s Mapping>,
    ) -> &'s [usize] {
        let all = self
            .in_namespace
            .get(namespace)
            .map_or(&[][..], Vec::as_slice);
        let Some(required) = required.filter(|r| !r.is_empty()) else {
            return all;
        };
        required
            .iter()
            .map(|(key, value)| {
                self.with_label
                    .get(&(namespace, key, value))
                    .map_or(&[][..], Vec::as_slice)
            })
            .min_by_key(|items| items.len())
            .unwrap_or(all)
    }

    /// The items of `namespace` with every label of `selector`, in order.
    pub fn matching(&self, namespace: &str, selector: &Mapping) -> Vec<usize> {
        let empty = Mapping::new();
        self.candidates(namespace, Some(selector))
            .iter()
            .copied()
            .filter(|&i| matches(selector, self.labels[i].unwrap_or(&empty)))
            .collect()
    }

    /// The items of any of `namespaces` that a `LabelSelector` selects, in order.
    pub fn selected<'n>(
        &self,
        namespaces: impl IntoIterator<Item = &'n str>,
        selector: &Value,
    ) -> Vec<usize> {
        let empty = Mapping::new();
        let required = selector["matchLabels"].as_mapping();
        let mut found: Vec<usize> = namespaces
            .into_iter()
            .collect::<HashSet<&str>>()
            .into_iter()
            .flat_map(|namespace| self.candidates(namespace, required))
            .copied()
            .filter(|&i| selects(selector, self.labels[i].unwrap_or(&empty)))
            .collect();
        found.sort_unstable();
        found
    }
}

/// What the checks of one environment look up, each indexed once.
pub struct Index<'x, 'a> {
    /// The ingress gateway's principal, wherever `gateway` says it runs.
    pub gateway: Option<&'x str>,
    pub namespaces: HashSet<&'x str>,
    pub pods: &'x [Pods<'a>],
    pub pod_labels: Selection<'x>,
    pub services: Vec<&'x Object<'a>>,
    pub service_labels: Selection<'x>,
    /// The first Service of each namespace and name, as a cluster keeps one.
    pub service_named: HashMap<(&'x str, &'x str), &'x Object<'a>>,
    pub service_accounts: HashSet<(&'x str, &'x str)>,
    /// Namespace and ServiceAccount of every pod.
    pub runs_as: HashSet<(&'x str, &'x str)>,
    /// Host and name of every DestinationRule subset.
    pub subsets: HashSet<(&'x str, &'x str)>,
    /// Every HTTPRoute, GRPCRoute and Ingress, for the checks that compare routes.
    pub routes: Vec<&'x Object<'a>>,
}

impl<'x, 'a> Index<'x, 'a> {
    pub fn new(objects: &'x [Object<'a>], pods: &'x [Pods<'a>], gateway: Option<&'x str>) -> Self {
        let of_kind = |kind: &'static str| objects.iter().filter(move |o| o.kind() == kind);
        let services: Vec<&Object<'_>> = of_kind("Service").collect();
        let mut service_named = HashMap::new();
        for service in &services {
            service_named
                .entry((service.namespace(), service.name()))
                .or_insert(*service);
        }
        let mut subsets = HashSet::new();
        for rule in of_kind("DestinationRule") {
            let Some(host) = rule.value["spec"]["host"].as_str() else {
                continue;
            };
            for subset in rule.value["spec"]["subsets"]
                .as_sequence()
                .into_iter()
                .flatten()
            {
                if let Some(name) = subset["name"].as_str() {
                    subsets.insert((host, name));
                }
            }
        }
        Index {
            gateway,
            namespaces: of_kind("Namespace").map(Object::name).collect(),
            pods,
            pod_labels: Selection::new(pods.iter().map(|p| (p.namespace, Some(&p.labels)))),
            service_labels: Selection::new(
                services
                    .iter()
                    .map(|s| (s.namespace(), s.value["metadata"]["labels"].as_mapping())),
            ),
            services,
            service_named,
            // A waypoint's ServiceAccount is Istio's, made with its pods.
            service_accounts: of_kind("ServiceAccount")
                .map(|o| (o.namespace(), o.name()))
                .chain(
                    objects
                        .iter()
                        .filter(|o| {
                            o.kind() == "Gateway"
                                && o.value["spec"]["gatewayClassName"] == builtin::WAYPOINT_CLASS
                        })
                        .map(|o| (o.namespace(), o.name())),
                )
                .collect(),
            runs_as: pods
                .iter()
                .map(|p| (p.namespace, p.service_account.as_str()))
                .collect(),
            subsets,
            routes: objects
                .iter()
                .filter(|o| matches!(o.kind(), "HTTPRoute" | "GRPCRoute" | "Ingress"))
                .collect(),
        }
    }

    /// The pods of `namespace` with every label of `selector`.
    pub fn pods_in(&self, namespace: &str, selector: &Mapping) -> Vec<&'x Pods<'a>> {
        let pods = self.pods;
        self.pod_labels
            .matching(namespace, selector)
            .into_iter()
            .map(|i| &pods[i])
            .collect()
    }

    /// The pods of any of `namespaces` that a `LabelSelector` selects.
    pub fn pods_selected<'n>(
        &self,
        namespaces: impl IntoIterator<Item = &'n str>,
        selector: &Value,
    ) -> Vec<&'x Pods<'a>> {
        let pods = self.pods;
        self.pod_labels
            .selected(namespaces, selector)
            .into_iter()
            .map(|i| &pods[i])
            .collect()
    }

    /// The Service a mesh host names: `name.namespace.svc.cluster.local`.
    pub fn service_for(&self, host: &str) -> Option<&'x Object<'a>> {
        let mut parts = host.split('.');
        let (name, namespace) = (parts.next()?, parts.next()?);
        self.service_named.get(&(namespace, name)).copied()
    }
}

pub fn pods_of<'a>(object: &'a Object<'a>, injected: &HashSet<&str>) -> Option<Pods<'a>> {
    let template = match object.kind() {
        "Deployment" | "StatefulSet" | "DaemonSet" => &object.value["spec"]["template"],
        "CronJob" => &object.value["spec"]["jobTemplate"]["spec"]["template"],
        _ => return None,
    };
    let namespace = object.namespace();
    let mut named_ports = BTreeMap::new();
    let mut ports = Vec::new();
    // Native sidecars (init containers that restart) serve ports like containers do.
    let sidecars = template["spec"]["initContainers"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter(|c| c["restartPolicy"] == "Always");
    for container in template["spec"]["containers"]
        .as_sequence()
        .into_iter()
        .flatten()
        .chain(sidecars)
    {
        for port in container["ports"].as_sequence().into_iter().flatten() {
            let number = port["containerPort"].as_u64().unwrap_or_default();
            ports.push(number);
            if let Some(name) = port["name"].as_str() {
                named_ports.insert(name.to_string(), number);
            }
        }
    }
    let mut labels = template["metadata"]["labels"]
        .as_mapping()
        .cloned()
        .unwrap_or_default();
    let opted_out = template["metadata"]["labels"]["sidecar.istio.io/inject"] == "false";
    if injected.contains(&namespace) && !opted_out {
        // What injection adds: the sidecar's metrics port, and the label
        // that marks a pod as part of the mesh.
        labels.insert("security.istio.io/tlsMode".into(), "istio".into());
        ports.push(u64::from(builtin::SIDECAR_METRICS_PORT));
        named_ports.insert(
            builtin::SIDECAR_METRICS_PORT_NAME.to_string(),
            u64::from(builtin::SIDECAR_METRICS_PORT),
        );
    }
    Some(Pods {
        file: object.file,
        namespace,
        labels,
        named_ports,
        ports,
        service_account: template["spec"]["serviceAccountName"]
            .as_str()
            .unwrap_or("default")
            .to_string(),
    })
}

/// The pods Istio runs for a waypoint (a Gateway of class `istio-waypoint`):
/// labelled with its name, taking HBONE tunnels, under a ServiceAccount of its name.
pub fn waypoint_pods<'a>(object: &'a Object<'a>) -> Option<Pods<'a>> {
    let waypoint = object.kind() == "Gateway"
        && object.value["spec"]["gatewayClassName"] == builtin::WAYPOINT_CLASS;
    if !waypoint {
        return None;
    }
    let mut labels = Mapping::new();
    labels.insert(
        builtin::WAYPOINT_POD_LABEL.into(),
        object.name().to_string().into(),
    );
    Some(Pods {
        file: object.file,
        namespace: object.namespace(),
        labels,
        named_ports: BTreeMap::new(),
        ports: vec![u64::from(builtin::HBONE_PORT)],
        service_account: object.name().to_string(),
    })
}

/// Whether `labels` has every key and value of `selector`.
pub fn matches(selector: &Mapping, labels: &Mapping) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// A `LabelSelector`: `matchLabels` plus `matchExpressions`.
pub fn selects(selector: &Value, labels: &Mapping) -> bool {
    let plain = selector["matchLabels"]
        .as_mapping()
        .is_none_or(|m| matches(m, labels));
    let expressions = selector["matchExpressions"]
        .as_sequence()
        .into_iter()
        .flatten()
        .all(|e| {
            let key = &e["key"];
            let values: Vec<&Value> = e["values"].as_sequence().into_iter().flatten().collect();
            match e["operator"].as_str() {
                Some("Exists") => labels.contains_key(key),
                Some("DoesNotExist") => !labels.contains_key(key),
                Some("In") => labels.get(key).is_some_and(|v| values.contains(&v)),
                Some("NotIn") => labels.get(key).is_none_or(|v| !values.contains(&v)),
                _ => false,
            }
        });
    plain && expressions
}
