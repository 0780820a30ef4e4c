//! The mesh layer of one environment: the gateway and its routes, and each
//! service's DestinationRule, AuthorizationPolicy, mTLS exception and canary.
//! Part of resolve: it decides, templates lay out.

use crate::config::{Canary, Config, ServiceConfig};
use crate::model::*;
use crate::resolve::{Scope, builtin, serving_ports};

/// Labels of the ingress gateway pods of Istio's default install.
pub(crate) fn gateway_selector() -> Labels {
    Labels::from([("istio".to_string(), "ingressgateway".to_string())])
}

/// `{service}.{namespace}.svc.cluster.local`
fn service_host(service: &str, namespace: &str) -> String {
    format!("{service}.{namespace}.svc.cluster.local")
}

/// The Gateway and its routes, if any service has a `route`.
pub(crate) fn gateway(
    config: &Config,
    project: &ProjectView,
    environment: &str,
    namespace: &str,
    services: &[Service],
) -> Option<Gateway> {
    let mut routes: Vec<HttpRoute> = services
        .iter()
        .filter_map(|service| {
            let prefix = service.route.clone()?;
            let main = service.ports.first()?;
            let settings = &config.services[&service.name];
            Some(HttpRoute {
                name: service.name.clone(),
                prefix: Some(prefix),
                destinations: destinations(service, namespace, main.port),
                timeout: settings
                    .timeout
                    .clone()
                    .unwrap_or_else(|| builtin::TIMEOUT.into()),
                retries: retries(settings),
            })
        })
        .collect();
    if routes.is_empty() {
        return None;
    }
    // Istio takes the first route that matches: `/api/v2` must come before `/api`.
    routes.sort_by(|a, b| {
        let length = |r: &HttpRoute| r.prefix.as_ref().map_or(0, String::len);
        length(b).cmp(&length(a)).then_with(|| a.name.cmp(&b.name))
    });
    let host = config.environments[environment]
        .domain
        .clone()
        .unwrap_or_else(|| format!("{environment}.{}.localhost", project.name));
    Some(Gateway {
        name: "ingress".into(),
        host,
        credential_name: format!("{namespace}-tls"),
        routes,
    })
}

/// Where a request for `service` goes: its pods, or its stable and canary
/// subsets by weight.
fn destinations(service: &Service, namespace: &str, port: u16) -> Vec<Destination> {
    let host = service_host(&service.name, namespace);
    match &service.canary {
        None => vec![Destination {
            host,
            port,
            subset: None,
            weight: None,
        }],
        Some(canary) => {
            let weight = canary.weight;
            vec![
                Destination {
                    host: host.clone(),
                    port,
                    subset: Some("stable".into()),
                    weight: Some(100 - weight),
                },
                Destination {
                    host,
                    port,
                    subset: Some("canary".into()),
                    weight: Some(weight),
                },
            ]
        }
    }
}

fn retries(service: &ServiceConfig) -> RetriesView {
    let retries = service.retries.as_ref();
    RetriesView {
        attempts: retries
            .and_then(|r| r.attempts)
            .unwrap_or(builtin::RETRY_ATTEMPTS),
        per_try_timeout: retries
            .and_then(|r| r.per_try_timeout.clone())
            .unwrap_or_else(|| builtin::PER_TRY_TIMEOUT.into()),
        retry_on: builtin::RETRY_ON.into(),
    }
}

/// The label that tells a service's stable pods from its canary pods.
pub const TRACK: &str = "track";

/// The canary Deployment: the stable one at another version, one pod, its own `track`.
pub(crate) fn canary_of(config: &Config, stable: &Service, canary: &Canary) -> CanaryView {
    let mut workload = stable.clone();
    let registry = config.project.registry.as_deref().unwrap_or_default();
    workload.name = format!("{}-canary", stable.name);
    workload.image = format!("{registry}/{}:{}", stable.name, canary.version);
    workload.version = canary.version.clone();
    for labels in [&mut workload.labels, &mut workload.pod_labels] {
        labels.insert("app.kubernetes.io/version".into(), canary.version.clone());
        labels.insert("version".into(), canary.version.clone());
    }
    for labels in [&mut workload.pod_labels, &mut workload.pod_selector] {
        labels.insert(TRACK.into(), "canary".into());
    }
    workload.pod_annotations.insert(
        "kubectl.kubernetes.io/default-container".into(),
        workload.name.clone(),
    );
    workload.replicas = Some(builtin::CANARY_REPLICAS);
    workload.autoscale = None;
    workload.disruption_budget = false;
    workload.monitor = None;
    CanaryView {
        weight: canary.weight,
        workload: Box::new(workload),
    }
}

/// A service's DestinationRule, AuthorizationPolicy, port-level mTLS
/// exception and canary split.
/// `callers`: the services whose `calls` name this one, in name order.
pub(crate) fn service_mesh(
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
    let principal = |namespace: &str, account: &str| {
        format!("{}/ns/{namespace}/sa/{account}", builtin::TRUST_DOMAIN)
    };
    let own_ports: Vec<String> = serving_ports(service).iter().map(u16::to_string).collect();
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
            principals: vec![principal(
                &project.mesh_namespace,
                builtin::GATEWAY_SERVICE_ACCOUNT,
            )],
            namespaces: Vec::new(),
            plaintext: false,
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
            destinations: destinations(resolved, scope.namespace, main.port),
            timeout: service
                .timeout
                .clone()
                .unwrap_or_else(|| builtin::TIMEOUT.into()),
            retries: retries(service),
        })
    });
    ServiceMesh {
        host,
        destination_rule,
        authorization,
        // A Prometheus without a sidecar speaks plain text: under STRICT its
        // scrapes would be refused, so the metrics port alone stays PERMISSIVE.
        permissive_port: metrics.filter(|_| scope.mtls_strict).map(|m| m.port),
        canary_route,
    }
}
