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
    pub per_try_timeout: String,
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
    /// The in-mesh traffic split between the stable and canary Deployments.
    pub canary_route: Option<HttpRoute>,
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
