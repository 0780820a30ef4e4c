//! A service's own mesh objects: its DestinationRule, AuthorizationPolicy,
//! port-level mTLS exception and in-mesh canary split.

use super::gateway::{destinations, principal, service_host};
use crate::config::ServiceConfig;
use crate::model::*;
use crate::resolve::{Scope, TRACK, builtin};
use std::collections::{BTreeMap, BTreeSet};

/// A service's DestinationRule, AuthorizationPolicy, port-level mTLS
/// exception and canary split.
/// `callers`: the services whose `calls` name this one, in name order.
pub fn service_mesh(
    callers: &[&str],
    project: &ProjectView,
    scope: &Scope<'_>,
    service: &ServiceConfig,
    resolved: &Service,
) -> ServiceMesh {
    let host = service_host(&resolved.name, scope.namespace);
    // In ambient each track has a Service of its own instead of a subset.
    let subsets: Vec<Subset> = match &resolved.split {
        Some(split) if !scope.on.ambient => split
            .all()
            .into_iter()
            .map(|(track, _, label)| Subset {
                name: track.into(),
                labels: Labels::from([(TRACK.to_string(), label.to_string())]),
            })
            .collect(),
        _ => Vec::new(),
    };
    let destination_rule = resolved.has_service.then(|| {
        let pool = service.connection_pool.as_ref();
        let outlier = service.outlier_detection.as_ref();
        DestinationRule {
            max_connections: pool
                .and_then(|p| p.max_connections)
                .unwrap_or(builtin::MAX_CONNECTIONS),
            max_pending_requests: pool
                .and_then(|p| p.max_pending_requests)
                .unwrap_or(builtin::MAX_PENDING_REQUESTS),
            max_requests: pool
                .and_then(|p| p.max_requests)
                .unwrap_or(builtin::MAX_REQUESTS),
            consecutive_5xx_errors: outlier
                .and_then(|o| o.consecutive_5xx_errors)
                .unwrap_or(builtin::CONSECUTIVE_5XX_ERRORS),
            interval: outlier
                .and_then(|o| o.interval.clone())
                .unwrap_or_else(|| builtin::OUTLIER_INTERVAL.into()),
            base_ejection_time: outlier
                .and_then(|o| o.base_ejection_time.clone())
                .unwrap_or_else(|| builtin::BASE_EJECTION_TIME.into()),
            max_ejection_percent: outlier
                .and_then(|o| o.max_ejection_percent)
                .unwrap_or(builtin::MAX_EJECTION_PERCENT),
            subsets,
        }
    });
    let own_ports: Vec<String> = service.serving_ports().iter().map(u16::to_string).collect();
    let rule = |comment: &str, principals: Vec<String>, ports: Vec<String>| AuthorizationRule {
        comment: comment.into(),
        principals,
        namespaces: Vec::new(),
        plaintext: false,
        ports,
        methods: Vec::new(),
        paths: Vec::new(),
    };
    let callers_rule = (!callers.is_empty() && !own_ports.is_empty()).then(|| {
        rule(
            "services whose `calls` name this one",
            callers
                .iter()
                .map(|caller| principal(scope.namespace, caller))
                .collect(),
            own_ports.clone(),
        )
    });
    let mut direct = Vec::new();
    if let (Some(_), Some(main)) = (&resolved.route, resolved.ports.first()) {
        direct.push(rule(
            "the ingress gateway, for the route",
            vec![scope.gateway.principal()],
            vec![main.port.to_string()],
        ));
    }
    let external = resolved
        .ports
        .first()
        .filter(|_| resolved.has_service && resolved.service_type.is_external());
    if let Some(main) = external {
        direct.push(AuthorizationRule {
            comment: format!(
                "the outside, in plain text, through the {} Service",
                resolved.service_type.as_str()
            ),
            principals: Vec::new(),
            namespaces: Vec::new(),
            plaintext: true,
            ports: vec![main.port.to_string()],
            methods: Vec::new(),
            paths: Vec::new(),
        });
    }
    let metrics = resolved.metrics.as_ref().filter(|_| scope.on.monitoring);
    if let Some(metrics) = metrics {
        direct.push(AuthorizationRule {
            comment: "Prometheus, with or without a sidecar: only GET of the metrics path".into(),
            principals: Vec::new(),
            namespaces: vec![project.monitoring_namespace.clone()],
            plaintext: scope.mtls_strict,
            ports: vec![metrics.port.to_string()],
            methods: vec!["GET".into()],
            paths: vec![metrics.path.clone()],
        });
    }
    let ambient = scope.on.ambient;
    let waypoint = (ambient && resolved.has_service).then(|| builtin::WAYPOINT_NAME.to_string());
    if ambient {
        // ztunnel enforces L4 only, and an ALLOW rule it cannot read admits
        // nothing: its rules keep principals, namespaces and ports. The
        // ingress gateway and Prometheus reach the pods directly, not
        // through the waypoint, so the metrics path cannot be enforced.
        for rule in &mut direct {
            if !rule.paths.is_empty() {
                rule.comment = "Prometheus, with or without the mesh, to the metrics port (ztunnel sees no paths)".into();
            }
            rule.methods.clear();
            rule.paths.clear();
        }
    }
    let (authorization, ztunnel) = match &waypoint {
        // Requests by Service name go through the waypoint, which enforces
        // `calls` with the callers' own identities; ztunnel then sees the
        // waypoint's identity.
        Some(waypoint) => {
            let mut ztunnel = Vec::new();
            if !own_ports.is_empty() {
                ztunnel.push(rule(
                    "the namespace's waypoint, which enforces `calls`",
                    vec![principal(scope.namespace, waypoint)],
                    own_ports.clone(),
                ));
            }
            ztunnel.extend(direct);
            (callers_rule.into_iter().collect(), ztunnel)
        }
        None => (callers_rule.into_iter().chain(direct).collect(), Vec::new()),
    };
    // Under the Gateway API, and in ambient (where a VirtualService on a
    // waypoint is alpha), the split inside the mesh is an HTTPRoute (GAMMA).
    let istio = scope.traffic == crate::config::Traffic::Istio && !ambient;
    let canary_route = resolved.split.as_ref().filter(|_| istio).and_then(|_| {
        let main = resolved.ports.first()?;
        Some(HttpRoute {
            name: resolved.name.clone(),
            prefix: None,
            destinations: destinations(resolved, scope.namespace, main.service_port, false),
            timeout: service
                .timeout
                .clone()
                .unwrap_or_else(|| builtin::TIMEOUT.into()),
            retries: resolved.retries.clone(),
            fault: super::gateway::fault(service, scope.environment),
            matched: None,
        })
    });
    let match_routes = canary_route.as_ref().map_or_else(Vec::new, |default| {
        let environment = scope.environment;
        super::gateway::match_routes(
            service,
            environment,
            resolved,
            scope.namespace,
            None,
            default,
            false,
        )
    });
    ServiceMesh {
        host,
        destination_rule,
        authorization,
        // A Prometheus without a sidecar speaks plain text: under STRICT its
        // scrapes would be refused, so the metrics port alone stays PERMISSIVE.
        permissive_port: metrics.filter(|_| scope.mtls_strict).map(|m| m.port),
        external_port: external
            .filter(|main| scope.mtls_strict && metrics.is_none_or(|m| m.port != main.port))
            .map(|main| main.port),
        canary_route,
        match_routes,
        ambient,
        policy_targets: waypoint
            .iter()
            .flat_map(|_| {
                let tracks = resolved.split.iter().flat_map(|split| split.all());
                let tracks = tracks.map(|(track, _, _)| format!("{}-{track}", resolved.name));
                std::iter::once(resolved.name.clone()).chain(tracks)
            })
            .collect(),
        waypoint,
        ztunnel,
        service_entries: service_entries(&resolved.name, service, scope.environment),
    }
}

/// The ServiceEntries of a service's `egress` hosts: one per set of ports,
/// so that each host is known to the mesh on the ports its own entries
/// name, never on another host's.
fn service_entries(name: &str, service: &ServiceConfig, environment: &str) -> Vec<ServiceEntry> {
    let mut ports_of: BTreeMap<String, BTreeSet<u16>> = BTreeMap::new();
    for rule in service.egress_in(environment) {
        if let Some(host) = &rule.host {
            ports_of.entry(host.clone()).or_default().insert(rule.port);
        }
    }
    let mut hosts_of: BTreeMap<BTreeSet<u16>, Vec<String>> = BTreeMap::new();
    for (host, ports) in ports_of {
        hosts_of.entry(ports).or_default().push(host);
    }
    hosts_of
        .into_iter()
        .enumerate()
        .map(|(i, (ports, hosts))| {
            let suffix = match i {
                0 => String::new(),
                _ => format!("-{}", i + 1),
            };
            ServiceEntry {
                name: format!("{name}-egress{suffix}"),
                file: format!("serviceentry{suffix}.yaml"),
                hosts,
                ports: ports.into_iter().map(entry_port).collect(),
            }
        })
        .collect()
}

fn entry_port(number: u16) -> EntryPort {
    let protocol = if number == 443 { "TLS" } else { "TCP" };
    EntryPort {
        number,
        name: format!("{}-{number}", protocol.to_lowercase()),
        protocol: protocol.into(),
    }
}
