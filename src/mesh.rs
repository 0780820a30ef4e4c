//! The mesh layer of one environment: the gateway and its routes, and each
//! service's DestinationRule, AuthorizationPolicy, mTLS exception and canary.
//! Part of resolve: it decides, templates lay out.

use crate::builtin;
use crate::config::{Canary, Config, IngressGateway, RetryOn, RetrySetting, ServiceConfig};
use crate::model::*;
use crate::scope::Scope;

/// The ingress gateway of `environment`: each of its keys from
/// `[environments.E] gateway`, else `[project] gateway`, else Istio's default
/// install in `mesh_namespace`.
pub(crate) fn ingress_gateway(
    config: &Config,
    project: &ProjectView,
    environment: &str,
) -> IngressGatewayView {
    let own = config
        .environments
        .get(environment)
        .and_then(|e| e.gateway.as_ref());
    let wide = config.project.gateway.as_ref();
    let layers = [own, wide];
    let first = |get: fn(&IngressGateway) -> Option<&String>| {
        layers.iter().flatten().find_map(|g| get(g)).cloned()
    };
    IngressGatewayView {
        namespace: first(|g| g.namespace.as_ref())
            .unwrap_or_else(|| project.mesh_namespace.clone()),
        selector: layers
            .iter()
            .flatten()
            .find_map(|g| g.selector.clone())
            .unwrap_or_else(|| {
                let (key, value) = builtin::GATEWAY_SELECTOR;
                Labels::from([(key.to_string(), value.to_string())])
            }),
        service_account: first(|g| g.service_account.as_ref())
            .unwrap_or_else(|| builtin::GATEWAY_SERVICE_ACCOUNT.to_string()),
    }
}

/// `cluster.local/ns/<namespace>/sa/<account>`: how AuthorizationPolicies
/// name the pods that run as a ServiceAccount.
fn principal(namespace: &str, account: &str) -> String {
    format!("{}/ns/{namespace}/sa/{account}", builtin::TRUST_DOMAIN)
}

impl IngressGatewayView {
    /// The gateway pods' mesh identity.
    pub fn principal(&self) -> String {
        principal(&self.namespace, &self.service_account)
    }
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
    ingress: &IngressGatewayView,
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
                retries: service.retries.clone(),
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
        credential_namespace: ingress.namespace.clone(),
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
                    weight: Some(100_u32.saturating_sub(weight)),
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

/// The retry policy of a service's routes: the built-in one, turned off, or
/// with some of its keys changed.
pub(crate) fn retries(setting: Option<&RetrySetting>) -> RetriesView {
    let policy = match setting {
        Some(RetrySetting::Enabled(false)) => {
            return RetriesView {
                attempts: 0,
                per_try_timeout: builtin::PER_TRY_TIMEOUT.into(),
                retry_on: String::new(),
            };
        }
        Some(RetrySetting::Policy(policy)) => Some(policy),
        Some(RetrySetting::Enabled(true)) | None => None,
    };
    let on: &[RetryOn] = policy
        .and_then(|p| p.on.as_deref())
        .unwrap_or(&builtin::RETRY_ON);
    RetriesView {
        attempts: policy
            .and_then(|p| p.attempts)
            .unwrap_or(builtin::RETRY_ATTEMPTS),
        per_try_timeout: policy
            .and_then(|p| p.per_try_timeout.clone())
            .unwrap_or_else(|| builtin::PER_TRY_TIMEOUT.into()),
        retry_on: on
            .iter()
            .map(|condition| retry_on_name(*condition))
            .collect::<Vec<_>>()
            .join(","),
    }
}

/// A retry condition as Envoy's `retry_on` spells it.
pub(crate) fn retry_on_name(condition: RetryOn) -> &'static str {
    match condition {
        RetryOn::ConnectFailure => "connect-failure",
        RetryOn::RefusedStream => "refused-stream",
        RetryOn::ResetBeforeRequest => "reset-before-request",
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
        canary_route,
    }
}
