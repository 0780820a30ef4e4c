//! The mesh objects of an environment and of each service.

use super::Labels;
use serde::Serialize;

/// The mesh objects of one environment's namespace.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentMesh {
    /// The ingress Gateway and its VirtualService, when some service has a `route`.
    pub gateway: Option<Gateway>,
    /// Labels the ingress gateway pods carry.
    pub gateway_selector: Labels,
    /// The mesh identity of the ingress gateway pods: `cluster.local/ns/<ns>/sa/<sa>`.
    pub gateway_principal: String,
    /// Where the ingress gateway runs, its labels and its ServiceAccount.
    pub ingress: IngressGatewayView,
    /// Ambient mode: the namespace is captured by ztunnel, and no pod gets a sidecar.
    pub ambient: bool,
    /// Ambient mode: the waypoint proxy every Service of the namespace uses,
    /// when some service has one.
    pub waypoint: Option<Waypoint>,
}

/// A waypoint proxy: a Gateway of class `istio-waypoint` that Istio runs
/// as a Deployment named after it, under a ServiceAccount of that name.
#[derive(Debug, Clone, Serialize)]
pub struct Waypoint {
    pub name: String,
    pub class: String,
    /// `cluster.local/ns/<ns>/sa/<name>`: who ztunnel sees when a request
    /// came through the waypoint.
    pub principal: String,
}

/// The ingress gateway an environment's routes go through.
#[derive(Debug, Clone, Serialize)]
pub struct IngressGatewayView {
    pub namespace: String,
    pub selector: Labels,
    pub service_account: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Gateway {
    pub name: String,
    pub host: String,
    /// The TLS Secret, in the ingress gateway's namespace.
    pub credential_name: String,
    /// That namespace.
    pub credential_namespace: String,
    /// Serve the routes on port 80 too, instead of redirecting to HTTPS.
    pub plain_http: bool,
    /// Longest prefix first: Istio takes the first route that matches.
    /// One per routed service, so only the gateway's own VirtualService sees
    /// them (as `routes`): copying them into every service's context would
    /// make rendering quadratic in the number of services.
    #[serde(skip)]
    pub routes: Vec<HttpRoute>,
}

/// One HTTP route of a VirtualService.
#[derive(Debug, Clone, Serialize)]
pub struct HttpRoute {
    pub name: String,
    /// `None` matches every request (the canary split inside the mesh).
    pub prefix: Option<String>,
    pub destinations: Vec<Destination>,
    pub timeout: String,
    pub retries: RetriesView,
    /// Delays and aborts injected into this route (`fault`).
    pub fault: Option<FaultView>,
    /// The conditions of one of `routes`; replaces `prefix` when set.
    pub matched: Option<RouteMatch>,
}

/// What a request must carry to take a route of `routes`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RouteMatch {
    pub path: Option<String>,
    pub exact: bool,
    pub headers: std::collections::BTreeMap<String, String>,
    pub query: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FaultView {
    pub delay: Option<String>,
    pub abort: Option<u16>,
    pub percent: u8,
}

#[derive(Debug, Clone, Serialize)]
pub struct Destination {
    pub host: String,
    pub port: u16,
    pub subset: Option<String>,
    /// Percent of the route's traffic; `None` with a single destination.
    pub weight: Option<u32>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct RetriesView {
    /// 0: never retried.
    pub attempts: u32,
    /// `None`: each try may take the route's whole timeout. kiln's retry
    /// conditions never retry a try that timed out (the app may have acted
    /// on it), so a shorter one would only fail slow requests early.
    pub per_try_timeout: Option<String>,
    /// Envoy's `retry_on` conditions, comma-separated; empty when `attempts` is 0.
    pub retry_on: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceMesh {
    /// Cluster-local name of the Service, as Istio hosts are written.
    pub host: String,
    pub destination_rule: Option<DestinationRule>,
    pub authorization: Vec<AuthorizationRule>,
    /// Port that accepts plain text under STRICT mTLS, for a sidecar-less Prometheus.
    pub permissive_port: Option<u16>,
    /// The main port of a `NodePort` or `LoadBalancer` Service, which the
    /// outside reaches in plain text: PERMISSIVE under STRICT mTLS too, when
    /// it is not `permissive_port` already.
    pub external_port: Option<u16>,
    /// The in-mesh traffic split between the tracks (stable and canary, or `versions`).
    pub canary_route: Option<HttpRoute>,
    /// The in-mesh routes of `routes`, in order, before `canary_route`.
    pub match_routes: Vec<HttpRoute>,
    /// Ambient mode.
    pub ambient: bool,
    /// Ambient mode, with a Service: the waypoint its requests go through.
    /// `authorization` then binds to the Service with `targetRefs` (the
    /// waypoint enforces it) and `ztunnel` holds the L4 policy of the pods.
    pub waypoint: Option<String>,
    /// With a waypoint, the Services `authorization` binds to: the
    /// service's, then each per-track Service of its split, so that `calls`
    /// holds whichever one a caller names.
    pub policy_targets: Vec<String>,
    /// Ambient mode, with a waypoint: the rules ztunnel enforces at the pods,
    /// L4 only (principals, namespaces and ports).
    pub ztunnel: Vec<AuthorizationRule>,
    /// The named hosts of `egress`, known to the mesh: one entry per set
    /// of ports, hosts with the same ports together.
    pub service_entries: Vec<ServiceEntry>,
}

/// An Istio ServiceEntry: hosts outside the mesh, resolved by DNS.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceEntry {
    pub name: String,
    /// Its file under `services/<name>/`: `serviceentry.yaml`, `serviceentry-2.yaml`, ….
    #[serde(skip)]
    pub file: String,
    /// Sorted, once each.
    pub hosts: Vec<String>,
    pub ports: Vec<EntryPort>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EntryPort {
    pub number: u16,
    /// `tls-443`, `tcp-5432`.
    pub name: String,
    /// `TLS` on 443, where the client speaks TLS and the proxy routes by SNI; `TCP` elsewhere.
    pub protocol: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DestinationRule {
    pub max_connections: u32,
    pub max_pending_requests: u32,
    pub max_requests: u32,
    pub consecutive_5xx_errors: u32,
    pub interval: String,
    pub base_ejection_time: String,
    pub max_ejection_percent: u32,
    pub subsets: Vec<Subset>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Subset {
    pub name: String,
    pub labels: Labels,
}

/// One ALLOW rule: requests from any of the sources, to the ports (and, if
/// set, only these methods and paths).
#[derive(Debug, Clone, Serialize)]
pub struct AuthorizationRule {
    /// What the rule is for, written as a comment.
    pub comment: String,
    pub principals: Vec<String>,
    pub namespaces: Vec<String>,
    /// Admit requests without a mesh identity (plain text).
    pub plaintext: bool,
    pub ports: Vec<String>,
    pub methods: Vec<String>,
    pub paths: Vec<String>,
}
