//! The checks of the core objects: workloads select their own pods,
//! Services reach pods on ports they have, NetworkPolicies admit ports
//! something listens on and let pods out to peers that exist.

use crate::verify::{Index, Object, selects};
use serde_yaml::{Mapping, Value};

/// A workload's selector must match the pods it creates, or the API server
/// refuses it.
pub fn own_pods(object: &Object<'_>, _: &Index<'_, '_>, report: &mut dyn FnMut(&str, String)) {
    let labels = match object.kind() {
        "Deployment" | "StatefulSet" | "DaemonSet" => {
            &object.value["spec"]["template"]["metadata"]["labels"]
        }
        _ => return,
    };
    let empty = Mapping::new();
    if !selects(
        &object.value["spec"]["selector"],
        labels.as_mapping().unwrap_or(&empty),
    ) {
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

pub fn service(service: &Object<'_>, env: &Index<'_, '_>, report: &mut dyn FnMut(&str, String)) {
    let empty = Mapping::new();
    let selector = service.value["spec"]["selector"]
        .as_mapping()
        .unwrap_or(&empty);
    let selected = env.pods_in(service.namespace(), selector);
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

pub fn network_policy(
    policy: &Object<'_>,
    env: &Index<'_, '_>,
    report: &mut dyn FnMut(&str, String),
) {
    let namespace = policy.namespace();
    let spec = &policy.value["spec"];
    let selected = env.pods_selected([namespace], &spec["podSelector"]);
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
            let peers = env.pods_selected([namespace], &peer["podSelector"]);
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
