//! The rules of the traffic keys: what each API needs (the mesh, a known
//! ingress controller, a domain for a certificate), gRPC routes, and the
//! keys that only one API reads.

use super::settings::{api, pick, tls};
use crate::config::{Config, Protocol, Traffic};
use crate::diagnostics::{KeyPath, Problem};
use crate::grammar::names;
use crate::resolve::switches;
use std::collections::BTreeMap;

/// The key that sets `field` for `environment`: its own, else the project's.
fn key_of(environment: &str, field: &str, own: bool) -> KeyPath {
    if own {
        KeyPath::new(&["environments", environment]).key(field)
    } else {
        KeyPath::new(&["project"]).key(field)
    }
}

pub fn validate(config: &Config, problems: &mut Vec<Problem>) {
    let project = KeyPath::new(&["project"]);
    let mut unexposed: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, environment) in &config.environments {
        let api = api(config, name);
        let on = switches(config, name);
        let traffic_key = key_of(name, "traffic", environment.traffic.is_some());
        let routed: Vec<(&String, &crate::config::ServiceConfig)> = config
            .services
            .iter()
            .filter(|(_, s)| s.route.is_some())
            .collect();
        match api {
            Traffic::Istio if !on.mesh => {
                for (service, _) in &routed {
                    unexposed.entry(service).or_default().push(name);
                }
            }
            Traffic::Ingress => {
                if on.mesh {
                    problems.push(Problem::ingress_with_mesh(&traffic_key, name));
                }
                let gateway = |get: fn(&crate::config::IngressGateway) -> bool| {
                    [
                        environment.gateway.as_ref(),
                        config.project.gateway.as_ref(),
                    ]
                    .into_iter()
                    .flatten()
                    .any(get)
                };
                let known = gateway(|g| g.namespace.is_some()) && gateway(|g| g.selector.is_some());
                if !routed.is_empty() && !known {
                    problems.push(Problem::ingress_needs_controller(&traffic_key, name));
                }
                for (service, own) in &routed {
                    if own.protocol == Some(Protocol::Grpc) {
                        let key = KeyPath::new(&["services", service]).key("route");
                        problems.push(Problem::grpc_route_needs_gateway_api(&key, name));
                    }
                }
                if let Some(plain) = pick(config, name, |e| e.plain_http, |p| p.plain_http)
                    && plain
                {
                    let own = environment.plain_http.is_some();
                    problems.push(Problem::plain_http_on_ingress(&key_of(
                        name,
                        "plain_http",
                        own,
                    )));
                }
            }
            _ => {}
        }
        let shared = pick(
            config,
            name,
            |e| e.gateway.as_ref()?.name.clone(),
            |p| p.gateway.as_ref()?.name.clone(),
        );
        if let Some(_tls) = tls(config, name) {
            let tls_key = key_of(name, "tls", environment.tls.is_some());
            if api == Traffic::GatewayApi && shared.is_some() {
                problems.push(Problem::tls_with_shared_gateway(&tls_key));
            } else if environment.domain.is_none() && !routed.is_empty() {
                problems.push(Problem::tls_needs_domain(&tls_key, name));
            }
        }
        let key = KeyPath::new(&["environments", name]);
        check_own_keys(
            &key,
            environment.gateway_class.as_deref(),
            environment.ingress_class.as_deref(),
            environment.gateway.as_ref().and_then(|g| g.name.as_deref()),
            problems,
        );
        let unused = [
            (
                "gateway_class",
                environment.gateway_class.is_some(),
                Traffic::GatewayApi,
            ),
            (
                "ingress_class",
                environment.ingress_class.is_some(),
                Traffic::Ingress,
            ),
        ];
        for (field, set, needs) in unused {
            if set && api != needs {
                problems.push(Problem::traffic_key_unused(&key.key(field), needs.as_str()));
            }
        }
        if environment
            .gateway
            .as_ref()
            .is_some_and(|g| g.name.is_some())
            && api != Traffic::GatewayApi
        {
            problems.push(Problem::traffic_key_unused(
                &key.key("gateway").key("name"),
                Traffic::GatewayApi.as_str(),
            ));
        }
    }
    for (service, environments) in unexposed {
        let key = KeyPath::new(&["services", service]).key("route");
        problems.push(Problem::route_exposes_nothing(&key, &environments));
    }
    // gRPC routes through the Gateway API match whole gRPC services.
    let grpc_anywhere = config
        .environments
        .keys()
        .any(|e| api(config, e) == Traffic::GatewayApi);
    for (name, service) in &config.services {
        if let (true, Some(Protocol::Grpc), Some(route)) =
            (grpc_anywhere, service.protocol, &service.route)
            && !is_grpc_route(route)
        {
            let key = KeyPath::new(&["services", name]).key("route");
            problems.push(Problem::bad_grpc_route(&key, route));
        }
    }
    let wide = &config.project;
    check_own_keys(
        &project,
        wide.gateway_class.as_deref(),
        wide.ingress_class.as_deref(),
        wide.gateway.as_ref().and_then(|g| g.name.as_deref()),
        problems,
    );
    let applies = |needs: Traffic, own: fn(&crate::config::EnvironmentConfig) -> bool| {
        config
            .environments
            .iter()
            .any(|(e, table)| !own(table) && api(config, e) == needs)
    };
    let project_keys = [
        (
            project.key("gateway_class"),
            wide.gateway_class.is_some(),
            Traffic::GatewayApi,
            applies(Traffic::GatewayApi, |e| e.gateway_class.is_some()),
        ),
        (
            project.key("ingress_class"),
            wide.ingress_class.is_some(),
            Traffic::Ingress,
            applies(Traffic::Ingress, |e| e.ingress_class.is_some()),
        ),
        (
            project.key("gateway").key("name"),
            wide.gateway.as_ref().is_some_and(|g| g.name.is_some()),
            Traffic::GatewayApi,
            applies(Traffic::GatewayApi, |e| {
                e.gateway.as_ref().is_some_and(|g| g.name.is_some())
            }),
        ),
    ];
    for (key, set, needs, used) in project_keys {
        if set && !used && !config.environments.is_empty() {
            problems.push(Problem::traffic_key_unused(&key, needs.as_str()));
        }
    }
    let tables = std::iter::once((project.key("tls"), wide.tls.as_ref())).chain(
        config.environments.iter().map(|(n, e)| {
            (
                KeyPath::new(&["environments", n]).key("tls"),
                e.tls.as_ref(),
            )
        }),
    );
    for (key, tls) in tables {
        if let Some(tls) = tls
            && !names::is_dns_subdomain(&tls.issuer)
        {
            problems.push(Problem::bad_class(&key.key("issuer"), &tls.issuer));
        }
    }
}

/// The names of a table's traffic keys.
fn check_own_keys(
    key: &KeyPath,
    gateway_class: Option<&str>,
    ingress_class: Option<&str>,
    gateway_name: Option<&str>,
    problems: &mut Vec<Problem>,
) {
    let named = [
        (key.key("gateway_class"), gateway_class),
        (key.key("ingress_class"), ingress_class),
        (key.key("gateway").key("name"), gateway_name),
    ];
    for (key, value) in named {
        if let Some(value) = value
            && !names::is_dns_subdomain(value)
        {
            problems.push(Problem::bad_class(&key, value));
        }
    }
}

/// `/`, or `/` and a gRPC service name (`package.Service`), as GRPCRoute's
/// `method.service` takes it.
pub fn is_grpc_route(route: &str) -> bool {
    let Some(service) = route.strip_prefix('/') else {
        return false;
    };
    service.is_empty()
        || (service.len() <= 1024
            && service.split('.').all(|part| {
                part.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                    && part.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            }))
}
