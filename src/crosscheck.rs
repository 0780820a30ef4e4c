//! Checks across the rendered objects of each environment, read back from
//! the YAML exactly as a cluster would read it: every selector finds the
//! pods it means, every named port exists, every principal is a real
//! ServiceAccount, every traffic split adds up. A failure here is a bug in
//! kiln, never in `kiln.toml`; `kiln check` and `kiln build` refuse to go on.

use crate::error::Problem;
use crate::model::Model;
use crate::render::Rendered;
use crate::resolve::builtin;
use serde_yaml::{Mapping, Value};
use std::collections::BTreeMap;

/// One rendered object and the file it came from.
struct Object<'a> {
    file: &'a str,
    value: Value,
}

impl Object<'_> {
    fn kind(&self) -> &str {
        self.value["kind"].as_str().unwrap_or_default()
    }

    fn name(&self) -> &str {
        self.value["metadata"]["name"].as_str().unwrap_or_default()
    }

    fn namespace(&self) -> &str {
        self.value["metadata"]["namespace"]
            .as_str()
            .unwrap_or_default()
    }
}

/// The pods a workload creates, as far as selectors and ports are concerned.
struct Pods<'a> {
    file: &'a str,
    namespace: &'a str,
    labels: Mapping,
    /// Container ports by name, and every number, including the sidecar's
    /// when the namespace gets one injected.
    named_ports: BTreeMap<String, u64>,
    ports: Vec<u64>,
    service_account: String,
}

/// Every problem of every environment in `rendered`, the render of `model`.
pub fn check(rendered: &Rendered, model: &Model) -> Vec<Problem> {
    let mut environments: BTreeMap<&str, Vec<Object<'_>>> = BTreeMap::new();
    let mut problems = Vec::new();
    for (file, text) in rendered {
        // Only the manifests under `deploy/<env>/`; Dockerfiles and pipelines are not objects.
        let Some(environment) = crate::paths::environment_of(file) else {
            continue;
        };
        if file.ends_with("kustomization.yaml") {
            continue;
        }
        match serde_yaml::from_str::<Value>(text) {
            Ok(value) => environments
                .entry(environment)
                .or_default()
                .push(Object { file, value }),
            Err(err) => problems.push(Problem::inconsistent(file, &format!("is not YAML: {err}"))),
        }
    }
    for (name, objects) in &environments {
        // The one identity from outside the environment that may be admitted.
        let gateway = model
            .environments
            .iter()
            .find(|e| e.name == *name)
            .and_then(|e| e.mesh.as_ref())
            .map(|mesh| mesh.gateway_principal.as_str());
        check_environment(objects, gateway, &mut problems);
    }
    problems
}

fn check_environment(objects: &[Object<'_>], gateway: Option<&str>, problems: &mut Vec<Problem>) {
    let injected: Vec<&str> = objects
        .iter()
        .filter(|o| {
            o.kind() == "Namespace" && o.value["metadata"]["labels"]["istio-injection"] == "enabled"
        })
        .map(Object::name)
        .collect();
    let namespaces: Vec<&str> = objects
        .iter()
        .filter(|o| o.kind() == "Namespace")
        .map(Object::name)
        .collect();
    let pods: Vec<Pods<'_>> = objects
        .iter()
        .filter_map(|o| pods_of(o, &injected))
        .collect();
    let mut report = |file: &str, message: String| {
        problems.push(Problem::inconsistent(file, &message));
    };
    for object in objects {
        check_own_pods(object, &mut report);
        match object.kind() {
            "Service" => check_service(object, &pods, &mut report),
            "ServiceMonitor" => check_service_monitor(object, objects, &mut report),
            "PodMonitor" => check_pod_monitor(object, &pods, &mut report),
            "DestinationRule" => check_destination_rule(object, objects, &pods, &mut report),
            "AuthorizationPolicy" => check_authorization_policy(
                object,
                objects,
                &namespaces,
                &pods,
                gateway,
                &mut report,
            ),
            "NetworkPolicy" => check_network_policy(object, &pods, &mut report),
            "VirtualService" => check_virtual_service(object, objects, &mut report),
            _ => {}
        }
    }
}

fn pods_of<'a>(object: &'a Object<'a>, injected: &[&str]) -> Option<Pods<'a>> {
    let template = match object.kind() {
        "Deployment" | "StatefulSet" | "DaemonSet" => &object.value["spec"]["template"],
        "CronJob" => &object.value["spec"]["jobTemplate"]["spec"]["template"],
        _ => return None,
    };
    let namespace = object.namespace();
    let mut named_ports = BTreeMap::new();
    let mut ports = Vec::new();
    for container in template["spec"]["containers"]
        .as_sequence()
        .into_iter()
        .flatten()
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

/// A workload's selector must match the pods it creates, or the API server
/// refuses it.
fn check_own_pods(object: &Object<'_>, report: &mut impl FnMut(&str, String)) {
    let labels = match object.kind() {
        "Deployment" | "StatefulSet" | "DaemonSet" => {
            &object.value["spec"]["template"]["metadata"]["labels"]
        }
        _ => return,
    };
    let labels = labels.as_mapping().cloned().unwrap_or_default();
    if !selects(&object.value["spec"]["selector"], &labels) {
        report(
            object.file,
            format!(
                "the selector of {} `{}` does not match its own pods",
                object.kind(),
                object.name()
            ),
        );
    }
}

/// Whether `labels` has every key and value of `selector`.
fn matches(selector: &Mapping, labels: &Mapping) -> bool {
    selector.iter().all(|(k, v)| labels.get(k) == Some(v))
}

/// A `LabelSelector`: `matchLabels` plus `matchExpressions`.
fn selects(selector: &Value, labels: &Mapping) -> bool {
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

fn labels_of(object: &Object<'_>) -> Mapping {
    object.value["metadata"]["labels"]
        .as_mapping()
        .cloned()
        .unwrap_or_default()
}

fn pods_in<'p, 'a>(pods: &'p [Pods<'a>], namespace: &str, selector: &Mapping) -> Vec<&'p Pods<'a>> {
    pods.iter()
        .filter(|p| p.namespace == namespace && matches(selector, &p.labels))
        .collect()
}

fn check_service(service: &Object<'_>, pods: &[Pods<'_>], report: &mut impl FnMut(&str, String)) {
    let selector = service.value["spec"]["selector"]
        .as_mapping()
        .cloned()
        .unwrap_or_default();
    let selected = pods_in(pods, service.namespace(), &selector);
    if selector.is_empty() || selected.is_empty() {
        report(
            service.file,
            format!(
                "the selector of Service `{}` matches no pod",
                service.name()
            ),
        );
    }
    for port in service.value["spec"]["ports"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        let target = &port["targetPort"];
        for pod in &selected {
            let found = match target {
                Value::String(name) => pod.named_ports.contains_key(name),
                Value::Number(n) => n.as_u64().is_some_and(|n| pod.ports.contains(&n)),
                _ => false,
            };
            if !found {
                report(
                    service.file,
                    format!(
                        "Service `{}` targets port {}, which the pods of `{}` do not have",
                        service.name(),
                        yaml_text(target),
                        pod.file
                    ),
                );
            }
        }
    }
}

fn yaml_text(value: &Value) -> String {
    match value {
        Value::String(s) => format!("`{s}`"),
        Value::Number(n) => n.to_string(),
        other => format!("{other:?}"),
    }
}

fn match_names(monitor: &Object<'_>) -> Vec<String> {
    monitor.value["spec"]["namespaceSelector"]["matchNames"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|n| n.as_str().map(str::to_string))
        .collect()
}

fn check_service_monitor(
    monitor: &Object<'_>,
    objects: &[Object<'_>],
    report: &mut impl FnMut(&str, String),
) {
    let namespaces = match_names(monitor);
    let selector = &monitor.value["spec"]["selector"];
    let services: Vec<&Object<'_>> = objects
        .iter()
        .filter(|o| o.kind() == "Service")
        .filter(|o| namespaces.iter().any(|n| n == o.namespace()))
        .filter(|o| selects(selector, &labels_of(o)))
        .collect();
    if services.is_empty() {
        report(
            monitor.file,
            format!("ServiceMonitor `{}` selects no Service", monitor.name()),
        );
    }
    for endpoint in monitor.value["spec"]["endpoints"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        let port = endpoint["port"].as_str().unwrap_or_default();
        for service in &services {
            let has = service.value["spec"]["ports"]
                .as_sequence()
                .into_iter()
                .flatten()
                .any(|p| p["name"] == port);
            if !has {
                report(
                    monitor.file,
                    format!(
                        "ServiceMonitor `{}` scrapes port `{port}`, which Service `{}` does not have",
                        monitor.name(),
                        service.name()
                    ),
                );
            }
        }
    }
}

fn check_pod_monitor(
    monitor: &Object<'_>,
    pods: &[Pods<'_>],
    report: &mut impl FnMut(&str, String),
) {
    let namespaces = match_names(monitor);
    let selector = &monitor.value["spec"]["selector"];
    let selected: Vec<&Pods<'_>> = pods
        .iter()
        .filter(|p| namespaces.iter().any(|n| n == p.namespace) && selects(selector, &p.labels))
        .collect();
    if selected.is_empty() {
        report(
            monitor.file,
            format!("PodMonitor `{}` selects no pod", monitor.name()),
        );
    }
    for endpoint in monitor.value["spec"]["podMetricsEndpoints"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        let port = endpoint["port"].as_str().unwrap_or_default();
        for pod in &selected {
            if !pod.named_ports.contains_key(port) {
                report(
                    monitor.file,
                    format!(
                        "PodMonitor `{}` scrapes port `{port}`, which the pods of `{}` do not have",
                        monitor.name(),
                        pod.file
                    ),
                );
            }
        }
    }
}

/// The Service a mesh host names: `name.namespace.svc.cluster.local`.
fn service_for<'o, 'a>(host: &str, objects: &'o [Object<'a>]) -> Option<&'o Object<'a>> {
    let mut parts = host.split('.');
    let (name, namespace) = (parts.next()?, parts.next()?);
    objects
        .iter()
        .find(|o| o.kind() == "Service" && o.name() == name && o.namespace() == namespace)
}

fn check_destination_rule(
    rule: &Object<'_>,
    objects: &[Object<'_>],
    pods: &[Pods<'_>],
    report: &mut impl FnMut(&str, String),
) {
    let host = rule.value["spec"]["host"].as_str().unwrap_or_default();
    let Some(service) = service_for(host, objects) else {
        report(
            rule.file,
            format!(
                "DestinationRule `{}` names host `{host}`, which is no Service here",
                rule.name()
            ),
        );
        return;
    };
    let selector = service.value["spec"]["selector"]
        .as_mapping()
        .cloned()
        .unwrap_or_default();
    for subset in rule.value["spec"]["subsets"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        let mut labels = selector.clone();
        for (k, v) in subset["labels"].as_mapping().into_iter().flatten() {
            labels.insert(k.clone(), v.clone());
        }
        if pods_in(pods, service.namespace(), &labels).is_empty() {
            report(
                rule.file,
                format!(
                    "subset `{}` of DestinationRule `{}` matches no pod of Service `{}`",
                    subset["name"].as_str().unwrap_or_default(),
                    rule.name(),
                    service.name()
                ),
            );
        }
    }
}

fn check_authorization_policy(
    policy: &Object<'_>,
    objects: &[Object<'_>],
    namespaces: &[&str],
    pods: &[Pods<'_>],
    gateway: Option<&str>,
    report: &mut impl FnMut(&str, String),
) {
    let selector = policy.value["spec"]["selector"]["matchLabels"]
        .as_mapping()
        .cloned()
        .unwrap_or_default();
    if pods_in(pods, policy.namespace(), &selector).is_empty() {
        report(
            policy.file,
            format!("AuthorizationPolicy `{}` selects no pod", policy.name()),
        );
    }
    let principals = policy.value["spec"]["rules"]
        .as_sequence()
        .into_iter()
        .flatten()
        .flat_map(|r| r["from"].as_sequence().into_iter().flatten())
        .flat_map(|f| {
            f["source"]["principals"]
                .as_sequence()
                .into_iter()
                .flatten()
        })
        .filter_map(Value::as_str);
    for principal in principals {
        let prefix = format!("{}/ns/", builtin::TRUST_DOMAIN);
        let parsed = principal
            .strip_prefix(&prefix)
            .and_then(|rest| rest.split_once("/sa/"));
        let Some((namespace, account)) = parsed else {
            report(
                policy.file,
                format!("principal `{principal}` is not `{prefix}<namespace>/sa/<account>`"),
            );
            continue;
        };
        let exists = if gateway == Some(principal) {
            // The ingress gateway, wherever `gateway` says it runs.
            true
        } else if namespaces.contains(&namespace) {
            objects.iter().any(|o| {
                o.kind() == "ServiceAccount" && o.name() == account && o.namespace() == namespace
            }) && pods
                .iter()
                .any(|p| p.namespace == namespace && p.service_account == account)
        } else {
            // Outside this environment, only the ingress gateway is ever admitted.
            false
        };
        if !exists {
            report(
                policy.file,
                format!(
                    "AuthorizationPolicy `{}` admits `{principal}`, a ServiceAccount no pod here runs as",
                    policy.name()
                ),
            );
        }
    }
}

fn check_network_policy(
    policy: &Object<'_>,
    pods: &[Pods<'_>],
    report: &mut impl FnMut(&str, String),
) {
    let namespace = policy.namespace();
    let spec = &policy.value["spec"];
    let selected: Vec<&Pods<'_>> = pods
        .iter()
        .filter(|p| p.namespace == namespace && selects(&spec["podSelector"], &p.labels))
        .collect();
    for rule in spec["ingress"].as_sequence().into_iter().flatten() {
        for port in rule["ports"].as_sequence().into_iter().flatten() {
            let number = port["port"].as_u64().unwrap_or_default();
            for pod in &selected {
                if !pod.ports.contains(&number) {
                    report(
                        policy.file,
                        format!(
                            "NetworkPolicy `{}` admits port {number}, on which the pods of `{}` listen to nothing",
                            policy.name(),
                            pod.file
                        ),
                    );
                }
            }
        }
    }
    for rule in spec["egress"].as_sequence().into_iter().flatten() {
        for peer in rule["to"].as_sequence().into_iter().flatten() {
            // Peers in other namespaces (DNS, istiod) are not rendered here.
            if !peer["namespaceSelector"].is_null() || peer["podSelector"].is_null() {
                continue;
            }
            let peers: Vec<&Pods<'_>> = pods
                .iter()
                .filter(|p| p.namespace == namespace && selects(&peer["podSelector"], &p.labels))
                .collect();
            if peers.is_empty() {
                report(
                    policy.file,
                    format!(
                        "NetworkPolicy `{}` lets pods out to a peer that matches no pod",
                        policy.name()
                    ),
                );
            }
            for port in rule["ports"].as_sequence().into_iter().flatten() {
                let number = port["port"].as_u64().unwrap_or_default();
                for target in &peers {
                    if !target.ports.contains(&number) {
                        report(
                            policy.file,
                            format!(
                                "NetworkPolicy `{}` lets pods out to port {number}, on which the pods of `{}` listen to nothing",
                                policy.name(),
                                target.file
                            ),
                        );
                    }
                }
            }
        }
    }
}

fn check_virtual_service(
    service: &Object<'_>,
    objects: &[Object<'_>],
    report: &mut impl FnMut(&str, String),
) {
    for route in service.value["spec"]["http"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        let destinations: Vec<&Value> =
            route["route"].as_sequence().into_iter().flatten().collect();
        let weights: Vec<u64> = destinations
            .iter()
            .filter_map(|d| d["weight"].as_u64())
            .collect();
        if destinations.len() > 1 || !weights.is_empty() {
            let total: u64 = weights.iter().sum();
            if weights.len() != destinations.len() || total != 100 {
                report(
                    service.file,
                    format!(
                        "the weights of route `{}` of VirtualService `{}` add up to {total}, not 100",
                        route["name"].as_str().unwrap_or_default(),
                        service.name()
                    ),
                );
            }
        }
        for destination in destinations {
            let host = destination["destination"]["host"]
                .as_str()
                .unwrap_or_default();
            if service_for(host, objects).is_none() {
                report(
                    service.file,
                    format!(
                        "VirtualService `{}` routes to `{host}`, which is no Service here",
                        service.name()
                    ),
                );
            }
            let Some(subset) = destination["destination"]["subset"].as_str() else {
                continue;
            };
            let defined = objects.iter().any(|o| {
                o.kind() == "DestinationRule"
                    && o.value["spec"]["host"] == host
                    && o.value["spec"]["subsets"]
                        .as_sequence()
                        .into_iter()
                        .flatten()
                        .any(|s| s["name"] == subset)
            });
            if !defined {
                report(
                    service.file,
                    format!(
                        "VirtualService `{}` routes to subset `{subset}` of `{host}`, which no DestinationRule defines",
                        service.name()
                    ),
                );
            }
        }
    }
}
