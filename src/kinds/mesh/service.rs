//! A service's own mesh objects: its DestinationRule, AuthorizationPolicy,
//! port-level mTLS exception and in-mesh canary split.

use super::gateway::{destinations, principal, service_host};
use crate::config::ServiceConfig;
use crate::model::*;
use crate::resolve::{Scope, TRACK, builtin};

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
    let subsets: Vec<Subset> = match &resolved.canary {
        None => Vec::new(),
        Some(_) => ["stable", "canary"]
            .into_iter()
            .map(|track| Subset {
                name: track.into(),
                labels: Labels::from([(TRACK.to_string(), track.to_string())]),
            })
            .collect(),
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
    let mut authorization = Vec::new();
    if !callers.is_empty() && !own_ports.is_empty() {
        authorization.push(AuthorizationRule {
            comment: "services whose `calls` name this one".into(),
            principals: callers
                .iter()
                .map(|caller| principal(scope.namespace, caller))
                .collect(),
            namespaces: Vec::new(),
            plaintext: false,
            ports: own_ports.clone(),
            methods: Vec::new(),
            paths: Vec::new(),
        });
    }
    if let (Some(_), Some(main)) = (&resolved.route, resolved.ports.first()) {
        authorization.push(AuthorizationRule {
            comment: "the ingress gateway, for the route".into(),
            principals: vec![scope.gateway.principal()],
            namespaces: Vec::new(),
            plaintext: false,
            ports: vec![main.port.to_string()],
            methods: Vec::new(),
            paths: Vec::new(),
        });
    }
    let external = resolved
        .ports
        .first()
        .filter(|_| resolved.has_service && resolved.service_type.is_external());
    if let Some(main) = external {
        authorization.push(AuthorizationRule {
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
        authorization.push(AuthorizationRule {
            comment: "Prometheus, with or without a sidecar: only GET of the metrics path".into(),
            principals: Vec::new(),
            namespaces: vec![project.monitoring_namespace.clone()],
            plaintext: scope.mtls_strict,
            ports: vec![metrics.port.to_string()],
            methods: vec!["GET".into()],
            paths: vec![metrics.path.clone()],
        });
    }
    let canary_route = resolved.canary.as_ref().and_then(|_| {
        let main = resolved.ports.first()?;
        Some(HttpRoute {
            name: resolved.name.clone(),
            prefix: None,
            destinations: destinations(resolved, scope.namespace, main.service_port),
            timeout: service
                .timeout
                .clone()
                .unwrap_or_else(|| builtin::TIMEOUT.into()),
            retries: resolved.retries.clone(),
        })
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
    }
}
