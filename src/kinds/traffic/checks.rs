//! The checks of the routes: every backend is a Service here that serves
//! the port (a grpc port for a GRPCRoute), weights add up to 100, every
//! parent exists, and no two routes claim the same host and path.

use crate::verify::{Index, Object};
use serde_yaml::Value;

pub fn route(route: &Object<'_>, env: &Index<'_, '_>, report: &mut dyn FnMut(&str, String)) {
    let grpc = route.kind() == "GRPCRoute";
    let what = format!("{} `{}`", route.kind(), route.name());
    for parent in seq(&route.value["spec"]["parentRefs"]) {
        if parent["kind"].as_str() == Some("Service") {
            let name = parent["name"].as_str().unwrap_or_default();
            if !env.service_named.contains_key(&(route.namespace(), name)) {
                report(
                    route.file,
                    format!("{what} has parent Service `{name}`, which is no Service here"),
                );
            }
        }
    }
    for rule in seq(&route.value["spec"]["rules"]) {
        let backends: Vec<&Value> = seq(&rule["backendRefs"]).collect();
        let weights: Vec<u64> = backends
            .iter()
            .filter_map(|b| b["weight"].as_u64())
            .collect();
        if backends.len() > 1 || !weights.is_empty() {
            let total: u64 = weights.iter().sum();
            if weights.len() != backends.len() || total != 100 {
                report(
                    route.file,
                    format!("the weights of {what} add up to {total}, not 100"),
                );
            }
        }
        for backend in backends {
            let name = backend["name"].as_str().unwrap_or_default();
            let port = backend["port"].as_u64();
            let Some(service) = env.service_named.get(&(route.namespace(), name)) else {
                report(
                    route.file,
                    format!("{what} sends requests to `{name}`, which is no Service here"),
                );
                continue;
            };
            let served = seq(&service.value["spec"]["ports"]).find(|p| p["port"].as_u64() == port);
            match served {
                None => report(
                    route.file,
                    format!(
                        "{what} sends requests to port {} of Service `{name}`, which does not serve it",
                        port.unwrap_or(0)
                    ),
                ),
                Some(p) if grpc && p["appProtocol"].as_str() != Some("grpc") => report(
                    route.file,
                    format!(
                        "{what} sends requests to port {} of Service `{name}`, which is not a grpc port",
                        port.unwrap_or(0)
                    ),
                ),
                Some(_) => {}
            }
            if env
                .pods_in(service.namespace(), &selector(service))
                .is_empty()
            {
                report(
                    route.file,
                    format!("{what} sends requests to Service `{name}`, which selects no pod"),
                );
            }
        }
    }
    claimed_twice(route, env, report);
}

pub fn ingress(ingress: &Object<'_>, env: &Index<'_, '_>, report: &mut dyn FnMut(&str, String)) {
    for rule in seq(&ingress.value["spec"]["rules"]) {
        for path in seq(&rule["http"]["paths"]) {
            let name = path["backend"]["service"]["name"]
                .as_str()
                .unwrap_or_default();
            let port = path["backend"]["service"]["port"]["number"].as_u64();
            let served = env
                .service_named
                .get(&(ingress.namespace(), name))
                .is_some_and(|s| {
                    seq(&s.value["spec"]["ports"]).any(|p| p["port"].as_u64() == port)
                });
            if !served {
                report(
                    ingress.file,
                    format!(
                        "Ingress `{}` sends `{}` to port {} of `{name}`, which no Service here serves",
                        ingress.name(),
                        path["path"].as_str().unwrap_or_default(),
                        port.unwrap_or(0)
                    ),
                );
            }
        }
    }
    claimed_twice(ingress, env, report);
}

/// What a route claims: `(parent, host, path)` for each of its matches. An
/// Ingress's parent is its class; a GRPCRoute's path is `/service`.
fn claims(object: &Object<'_>) -> Vec<(String, String, String)> {
    let spec = &object.value["spec"];
    let mut out = Vec::new();
    if object.kind() == "Ingress" {
        let class = spec["ingressClassName"].as_str().unwrap_or_default();
        for rule in seq(&spec["rules"]) {
            let host = rule["host"].as_str().unwrap_or_default();
            for path in seq(&rule["http"]["paths"]) {
                let path = path["path"].as_str().unwrap_or_default();
                out.push((format!("ingress {class}"), host.into(), path.into()));
            }
        }
        return out;
    }
    let parents: Vec<String> = seq(&spec["parentRefs"])
        .map(|p| {
            let namespace = p["namespace"].as_str().unwrap_or(object.namespace());
            // A listener (`sectionName`) of a Gateway is a parent of its own.
            format!(
                "{} {namespace}/{} {}",
                p["kind"].as_str().unwrap_or("Gateway"),
                p["name"].as_str().unwrap_or_default(),
                p["sectionName"].as_str().unwrap_or_default()
            )
        })
        .collect();
    let hosts: Vec<&str> = seq(&spec["hostnames"]).filter_map(Value::as_str).collect();
    let hosts = if hosts.is_empty() { vec!["*"] } else { hosts };
    let mut paths = Vec::new();
    for rule in seq(&spec["rules"]) {
        let matches: Vec<&Value> = seq(&rule["matches"]).collect();
        if matches.is_empty() {
            paths.push("/".to_string());
        }
        for m in matches {
            let path = if let Some(path) = m["path"]["value"].as_str() {
                path.to_string()
            } else if let Some(service) = m["method"]["service"].as_str() {
                format!("/{service}")
            } else {
                "/".to_string()
            };
            // An exact path, headers and query parameters (`routes`) narrow the claim.
            let mut narrowed = path;
            if m["path"]["type"].as_str() == Some("Exact") {
                narrowed.push_str(" (exact)");
            }
            for (field, sign) in [("headers", ""), ("queryParams", "?")] {
                for condition in seq(&m[field]) {
                    narrowed.push_str(&format!(
                        " {sign}{}={}",
                        condition["name"].as_str().unwrap_or_default(),
                        condition["value"].as_str().unwrap_or_default()
                    ));
                }
            }
            paths.push(narrowed);
        }
    }
    for parent in &parents {
        for host in &hosts {
            for path in &paths {
                out.push((parent.clone(), host.to_string(), path.clone()));
            }
        }
    }
    out
}

/// Reports, on the later of two routes (by kind and name), a host and path
/// that both claim through the same parent: which one wins is up to the controller.
fn claimed_twice(object: &Object<'_>, env: &Index<'_, '_>, report: &mut dyn FnMut(&str, String)) {
    let own = claims(object);
    if own.is_empty() {
        return;
    }
    for (i, (_, host, path)) in own.iter().enumerate() {
        if own[..i].contains(&own[i]) {
            report(
                object.file,
                format!(
                    "{} `{}` claims `{host}{path}` twice",
                    object.kind(),
                    object.name()
                ),
            );
        }
    }
    let me = (object.kind(), object.namespace(), object.name());
    for other in &env.routes {
        let them = (other.kind(), other.namespace(), other.name());
        if them >= me {
            continue;
        }
        let theirs = claims(other);
        if let Some((_, host, path)) = own.iter().find(|c| theirs.contains(c)) {
            report(
                object.file,
                format!(
                    "{} `{}` claims `{host}{path}`, which {} `{}` claims already",
                    object.kind(),
                    object.name(),
                    other.kind(),
                    other.name()
                ),
            );
        }
    }
}

fn selector(service: &Object<'_>) -> serde_yaml::Mapping {
    service.value["spec"]["selector"]
        .as_mapping()
        .cloned()
        .unwrap_or_default()
}

fn seq(value: &Value) -> impl Iterator<Item = &Value> {
    value.as_sequence().into_iter().flatten()
}
