//! The checks of the mesh objects: every DestinationRule names a Service
//! and subsets with pods, every AuthorizationPolicy admits principals that
//! exist, every VirtualService routes to Services and subsets that exist,
//! with weights that add up to 100.

use crate::resolve::builtin;
use crate::verify::{Index, Object};
use serde_yaml::{Mapping, Value};

pub fn destination_rule(
    rule: &Object<'_>,
    env: &Index<'_, '_>,
    report: &mut dyn FnMut(&str, String),
) {
    let host = rule.value["spec"]["host"].as_str().unwrap_or_default();
    let Some(service) = env.service_for(host) else {
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
        if env.pods_in(service.namespace(), &labels).is_empty() {
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

pub fn authorization_policy(
    policy: &Object<'_>,
    env: &Index<'_, '_>,
    report: &mut dyn FnMut(&str, String),
) {
    let empty = Mapping::new();
    let targets = policy.value["spec"]["targetRefs"].as_sequence();
    // Ambient: bound to Services (or a waypoint Gateway) that must exist here.
    for target in targets.into_iter().flatten() {
        let name = target["name"].as_str().unwrap_or_default();
        let kind = target["kind"].as_str().unwrap_or_default();
        let exists = match kind {
            "Service" => env.service_named.contains_key(&(policy.namespace(), name)),
            "Gateway" => env.pods.iter().any(|p| {
                p.namespace == policy.namespace()
                    && p.service_account == name
                    && p.labels.contains_key(builtin::WAYPOINT_POD_LABEL)
            }),
            _ => false,
        };
        if !exists {
            report(
                policy.file,
                format!(
                    "AuthorizationPolicy `{}` targets {kind} `{name}`, which is no Service or waypoint here",
                    policy.name()
                ),
            );
        }
    }
    let selector = policy.value["spec"]["selector"]["matchLabels"]
        .as_mapping()
        .unwrap_or(&empty);
    if targets.is_none() && env.pods_in(policy.namespace(), selector).is_empty() {
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
    let prefix = format!("{}/ns/", builtin::TRUST_DOMAIN);
    for principal in principals {
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
        let exists = if env.gateway == Some(principal) {
            true
        } else if env.namespaces.contains(namespace) {
            env.service_accounts.contains(&(namespace, account))
                && env.runs_as.contains(&(namespace, account))
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

pub fn virtual_service(
    service: &Object<'_>,
    env: &Index<'_, '_>,
    report: &mut dyn FnMut(&str, String),
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
            let target = env.service_for(host);
            if target.is_none() {
                report(
                    service.file,
                    format!(
                        "VirtualService `{}` routes to `{host}`, which is no Service here",
                        service.name()
                    ),
                );
            }
            // A destination names the Service's port, not the pods'.
            if let (Some(target), Some(number)) = (
                target,
                destination["destination"]["port"]["number"].as_u64(),
            ) && !target.value["spec"]["ports"]
                .as_sequence()
                .into_iter()
                .flatten()
                .any(|p| p["port"].as_u64() == Some(number))
            {
                report(
                    service.file,
                    format!(
                        "VirtualService `{}` routes to port {number} of `{host}`, which that Service does not have",
                        service.name()
                    ),
                );
            }
            let Some(subset) = destination["destination"]["subset"].as_str() else {
                continue;
            };
            if !env.subsets.contains(&(host, subset)) {
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
