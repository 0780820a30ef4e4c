//! What the traffic APIs make of a service and of an environment.

use super::settings::{api, gateway_class, pick, tls};
use crate::config::{IssuerKind, Protocol, STABLE_TRACK, Traffic};
use crate::kinds::kind::{EnvironmentStep, ServiceStep};
use crate::model::*;
use crate::resolve::{TRACK, builtin};
use std::collections::BTreeMap;

/// A service's HTTPRoute or GRPCRoute from the Gateway, its in-mesh split
/// and the per-track Services that weighted backends name.
pub fn service(step: &ServiceStep<'_>, service: &mut Service) {
    let scope = step.scope;
    let gateway_api = scope.traffic == Traffic::GatewayApi;
    // In ambient a split goes through per-track Services and a GAMMA
    // route whatever carries the routes at the edge.
    let ambient_split = scope.on.ambient && service.split.is_some();
    if !gateway_api && !ambient_split {
        return;
    }
    let Some(main) = service.ports.first() else {
        return;
    };
    let grpc = main.protocol == Protocol::Grpc;
    let port = main.service_port;
    let tracks: Vec<(TrackService, u32)> = service
        .split
        .iter()
        .flat_map(|split| split.all())
        .map(|(track, weight, label)| {
            let mut selector = service.selector.clone();
            selector.insert(TRACK.into(), label.into());
            // `track` tells the ServiceMonitor to leave it out: it would
            // scrape the same pods a second time.
            let mut labels = service.labels.clone();
            labels.insert(TRACK.into(), track.into());
            let own = TrackService {
                name: format!("{}-{track}", service.name),
                track: track.into(),
                labels,
                selector,
            };
            (own, weight)
        })
        .collect();
    let backends = match tracks.is_empty() {
        true => vec![Backend {
            service: service.name.clone(),
            port,
            weight: None,
        }],
        false => tracks
            .iter()
            .map(|(track, weight)| Backend {
                service: track.name.clone(),
                port,
                weight: Some(*weight),
            })
            .collect(),
    };
    let timeout = step
        .service
        .timeout
        .clone()
        .unwrap_or_else(|| builtin::TIMEOUT.into());
    let route_of = |prefix: String| TrafficRoute {
        name: service.name.clone(),
        grpc,
        grpc_service: prefix
            .strip_prefix('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        prefix,
        backends: backends.clone(),
        timeout: timeout.clone(),
        retries: service.retries.clone(),
        matched: None,
    };
    // With `traffic = "istio"` the ingress gateway's VirtualService carries the route.
    let route = service.route.clone().filter(|_| gateway_api).map(route_of);
    // Inside the mesh a request for the Service is split as the Gateway splits it.
    let mesh_route = service
        .split
        .as_ref()
        .filter(|_| scope.on.mesh)
        .map(|_| route_of("/".to_string()));
    // Each of `routes` is a rule of its own, before the default one, to one track.
    let matches_of = |default: &Option<TrafficRoute>, default_path: Option<&str>| {
        let Some(default) = default else {
            return Vec::new();
        };
        super::routes::matches(step.service, scope.environment, default_path)
            .into_iter()
            .filter_map(|(matched, rule)| {
                let track = rule.to.as_str();
                let backend = match tracks.is_empty() {
                    true if track == STABLE_TRACK => backends[0].clone(),
                    true => return None,
                    false => backends[tracks.iter().position(|(t, _)| t.track == track)?].clone(),
                };
                let (timeout, retries) =
                    super::routes::policy(rule, &default.timeout, &default.retries);
                Some(TrafficRoute {
                    backends: vec![Backend {
                        weight: None,
                        ..backend
                    }],
                    matched: Some(matched),
                    timeout,
                    retries,
                    ..default.clone()
                })
            })
            .collect()
    };
    let matches = matches_of(&route, service.route.as_deref());
    let mesh_matches = matches_of(&mesh_route, None);
    let mut tracks = tracks.into_iter().map(|(track, _)| track);
    service.track_service = tracks.next();
    if let Some(split) = &mut service.split {
        for (other, track) in split.tracks.iter_mut().zip(tracks) {
            other.workload.track_service = Some(track);
        }
    }
    if route.is_some() || mesh_route.is_some() {
        service.traffic = Some(ServiceTraffic {
            route,
            mesh_route,
            matches,
            mesh_matches,
        });
    }
}

/// The environment's Gateway, Ingress and Certificate.
pub fn environment(step: &EnvironmentStep<'_>, environment: &mut Environment) {
    let config = step.config;
    let name = step.name;
    let api = api(config, name);
    let host = config.environments[name]
        .domain
        .clone()
        .unwrap_or_else(|| format!("{name}.{}.localhost", step.project.name));
    let tls_secret = format!("{}-tls", step.namespace);
    let mut routes: Vec<TrafficRoute> = match api {
        Traffic::Istio => Vec::new(),
        Traffic::GatewayApi => environment
            .services
            .iter()
            .filter_map(|s| s.traffic.as_ref()?.route.clone())
            .collect(),
        Traffic::Ingress => environment
            .services
            .iter()
            .filter_map(|s| {
                let main = s.ports.first()?;
                Some(TrafficRoute {
                    name: s.name.clone(),
                    grpc: false,
                    prefix: s.route.clone()?,
                    grpc_service: None,
                    backends: vec![Backend {
                        service: s.name.clone(),
                        port: main.service_port,
                        weight: None,
                    }],
                    timeout: String::new(),
                    retries: RetriesView::default(),
                    matched: None,
                })
            })
            .collect(),
    };
    // Longest prefix first, as the Istio routes: the order a reader expects.
    routes.sort_by(|a, b| {
        b.prefix
            .len()
            .cmp(&a.prefix.len())
            .then_with(|| a.name.cmp(&b.name))
    });
    let plain_http = pick(config, name, |e| e.plain_http, |p| p.plain_http).unwrap_or(false);
    let shared = pick(
        config,
        name,
        |e| e.gateway.as_ref()?.name.clone(),
        |p| p.gateway.as_ref()?.name.clone(),
    );
    let gateway_namespace = step.ingress.namespace.clone();
    let istio_gateway = environment
        .mesh
        .as_ref()
        .is_some_and(|m| m.gateway.is_some());
    let routed = !routes.is_empty();
    let (parent, gateway) = match api {
        Traffic::GatewayApi if routed => {
            let own = shared.is_none();
            let parent = GatewayParent {
                name: shared.unwrap_or_else(|| step.namespace.to_string()),
                namespace: gateway_namespace.clone(),
                section: (own && !plain_http).then(|| "https".to_string()),
            };
            let gateway = own.then(|| ApiGateway {
                class: gateway_class(config, name),
                plain_http,
                routes_from: step.namespace.to_string(),
            });
            (Some(parent), gateway)
        }
        _ => (None, None),
    };
    let tls = tls(config, name);
    let issuer_kind = tls.map(|t| t.kind.unwrap_or(IssuerKind::ClusterIssuer));
    let ingress = (api == Traffic::Ingress && routed).then(|| {
        let mut annotations = BTreeMap::new();
        if let (Some(tls), Some(kind)) = (tls, issuer_kind) {
            // cert-manager's ingress-shim makes the Certificate from these.
            let key = match kind {
                IssuerKind::ClusterIssuer => "cert-manager.io/cluster-issuer",
                IssuerKind::Issuer => "cert-manager.io/issuer",
            };
            annotations.insert(key.to_string(), tls.issuer.clone());
        }
        IngressView {
            class: pick(
                config,
                name,
                |e| e.ingress_class.clone(),
                |p| p.ingress_class.clone(),
            ),
            annotations,
        }
    });
    // The Secret the gateway serves lives beside the gateway's pods.
    let certificate = match (tls, issuer_kind) {
        (Some(tls), Some(kind)) if gateway.is_some() || istio_gateway => Some(Certificate {
            name: tls_secret.clone(),
            namespace: gateway_namespace,
            issuer: tls.issuer.clone(),
            issuer_kind: kind,
            dns_names: vec![host.clone()],
        }),
        _ => None,
    };
    if parent.is_none() && ingress.is_none() && certificate.is_none() {
        return;
    }
    environment.traffic = Some(EnvironmentTraffic {
        api,
        host,
        tls_secret,
        controller: step.ingress.clone(),
        parent,
        gateway,
        ingress,
        certificate,
        routes,
    });
}
