//! The ingress gateway of an environment (where it runs and who it is),
//! its Gateway and routes, and where each route sends its requests.

use crate::config::{Config, IngressGateway, Traffic};
use crate::model::*;
use crate::resolve::builtin;

/// The ingress gateway of `environment`: each of its keys from
/// `[environments.E] gateway`, else `[project] gateway`, else Istio's default
/// install in `mesh_namespace`. With `traffic = "gateway-api"` the defaults
/// are those of the pods Istio deploys for a Gateway: labelled with its name,
/// running as `{name}-{class}`.
pub fn ingress_gateway(
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
    let api_gateway = (crate::kinds::traffic::api(config, environment) == Traffic::GatewayApi)
        .then(|| {
            let name = first(|g| g.name.as_ref())
                .unwrap_or_else(|| crate::kinds::core::namespace(config, environment));
            let class = crate::kinds::traffic::gateway_class(config, environment);
            (name, class)
        });
    IngressGatewayView {
        namespace: first(|g| g.namespace.as_ref())
            .unwrap_or_else(|| project.mesh_namespace.clone()),
        selector: layers
            .iter()
            .flatten()
            .find_map(|g| g.selector.clone())
            .unwrap_or_else(|| match &api_gateway {
                Some((name, _)) => {
                    Labels::from([(builtin::GATEWAY_NAME_LABEL.to_string(), name.clone())])
                }
                None => {
                    let (key, value) = builtin::GATEWAY_SELECTOR;
                    Labels::from([(key.to_string(), value.to_string())])
                }
            }),
        service_account: first(|g| g.service_account.as_ref()).unwrap_or_else(
            || match &api_gateway {
                Some((name, class)) => format!("{name}-{class}"),
                None => builtin::GATEWAY_SERVICE_ACCOUNT.to_string(),
            },
        ),
    }
}

/// `cluster.local/ns/<namespace>/sa/<account>`: how AuthorizationPolicies
/// name the pods that run as a ServiceAccount.
pub fn principal(namespace: &str, account: &str) -> String {
    format!("{}/ns/{namespace}/sa/{account}", builtin::TRUST_DOMAIN)
}

impl IngressGatewayView {
    /// The gateway pods' mesh identity.
    pub fn principal(&self) -> String {
        principal(&self.namespace, &self.service_account)
    }
}

/// `{service}.{namespace}.svc.cluster.local`
pub fn service_host(service: &str, namespace: &str) -> String {
    format!("{service}.{namespace}.svc.cluster.local")
}

/// The Gateway and its routes, if any service has a `route`.
pub fn gateway(
    config: &Config,
    project: &ProjectView,
    environment: &str,
    namespace: &str,
    ingress: &IngressGatewayView,
    services: &[Service],
) -> Option<Gateway> {
    let mut routed: Vec<(HttpRoute, Vec<HttpRoute>)> = services
        .iter()
        .filter_map(|service| {
            let prefix = service.route.clone()?;
            let main = service.ports.first()?;
            let settings = &config.services[&service.name];
            let per_track = service.mesh.as_ref().is_some_and(|m| m.ambient);
            let default = HttpRoute {
                name: service.name.clone(),
                prefix: Some(prefix.clone()),
                destinations: destinations(service, namespace, main.service_port, per_track),
                timeout: settings
                    .timeout
                    .clone()
                    .unwrap_or_else(|| builtin::TIMEOUT.into()),
                retries: service.retries.clone(),
                fault: fault(settings, environment),
                matched: None,
            };
            let matched = match_routes(
                settings,
                environment,
                service,
                namespace,
                Some(&prefix),
                &default,
                per_track,
            );
            Some((default, matched))
        })
        .collect();
    if routed.is_empty() {
        return None;
    }
    // Istio takes the first route that matches: `/api/v2` must come before `/api`.
    routed.sort_by(|(a, _), (b, _)| {
        let length = |r: &HttpRoute| r.prefix.as_ref().map_or(0, String::len);
        length(b).cmp(&length(a)).then_with(|| a.name.cmp(&b.name))
    });
    // Each service's `routes`, in its own order, just before its default: their
    // paths lie under its prefix, so a longer prefix of another service still wins.
    let routes: Vec<HttpRoute> = routed
        .into_iter()
        .flat_map(|(default, matched)| matched.into_iter().chain([default]))
        .collect();
    let host = config.environments[environment]
        .domain
        .clone()
        .unwrap_or_else(|| format!("{environment}.{}.localhost", project.name));
    Some(Gateway {
        name: "ingress".into(),
        host,
        credential_name: format!("{namespace}-tls"),
        credential_namespace: ingress.namespace.clone(),
        plain_http: config.environments[environment]
            .plain_http
            .or(config.project.plain_http)
            .unwrap_or(false),
        routes,
    })
}

/// Where a request for `service` goes: its pods, or each track of its
/// split by weight, in the order of `Split::all`: a DestinationRule subset
/// of the Service, or in ambient (`per_track`) the track's own Service,
/// since waypoints support subsets only as alpha.
pub fn destinations(
    service: &Service,
    namespace: &str,
    port: u16,
    per_track: bool,
) -> Vec<Destination> {
    let host = service_host(&service.name, namespace);
    let Some(split) = &service.split else {
        return vec![Destination {
            host,
            port,
            subset: None,
            weight: None,
        }];
    };
    split
        .all()
        .into_iter()
        .map(|(track, weight, _)| match per_track {
            true => Destination {
                host: service_host(&format!("{}-{track}", service.name), namespace),
                port,
                subset: None,
                weight: Some(weight),
            },
            false => Destination {
                host: host.clone(),
                port,
                subset: Some(track.into()),
                weight: Some(weight),
            },
        })
        .collect()
}

/// The routes of the service's `routes`, in order, each a copy of
/// `default` that matches its conditions and goes to its track alone.
pub fn match_routes(
    settings: &crate::config::ServiceConfig,
    environment: &str,
    service: &Service,
    namespace: &str,
    default_path: Option<&str>,
    default: &HttpRoute,
    per_track: bool,
) -> Vec<HttpRoute> {
    let Some(main) = service.ports.first() else {
        return Vec::new();
    };
    let all = destinations(service, namespace, main.service_port, per_track);
    let names: Vec<&str> = match &service.split {
        Some(split) => split.all().into_iter().map(|(track, _, _)| track).collect(),
        None => vec![crate::config::STABLE_TRACK],
    };
    crate::kinds::traffic::routes::matches(settings, environment, default_path)
        .into_iter()
        .enumerate()
        .filter_map(|(i, (matched, rule))| {
            // Validation refuses a track the environment has no pods of.
            let destination = all.get(names.iter().position(|n| *n == rule.to)?)?.clone();
            let (timeout, retries) =
                crate::kinds::traffic::routes::policy(rule, &default.timeout, &default.retries);
            Some(HttpRoute {
                name: format!("{}-match-{}", service.name, i + 1),
                prefix: None,
                destinations: vec![Destination {
                    weight: None,
                    ..destination
                }],
                matched: Some(matched),
                timeout,
                retries,
                ..default.clone()
            })
        })
        .collect()
}

/// The `fault` of `[services.S.environments.E]`, if any.
pub fn fault(service: &crate::config::ServiceConfig, environment: &str) -> Option<FaultView> {
    let fault = service.overrides_in(environment)?.fault.as_ref()?;
    Some(FaultView {
        delay: fault.delay.clone(),
        abort: fault.abort,
        percent: fault.percent.unwrap_or(100),
    })
}
