//! The objects of the traffic APIs other than Istio's own: the Gateway API
//! (Gateway, HTTPRoute, GRPCRoute), the Ingress, and cert-manager's
//! Certificate for the environment's domain.

use super::{Labels, RetriesView, RouteMatch};
use crate::config::{IssuerKind, Traffic};
use serde::Serialize;
use std::collections::BTreeMap;

/// How one environment's routes reach its services.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentTraffic {
    pub api: Traffic,
    /// The public host name the routes answer on; may be a wildcard (`*.example.com`).
    pub host: String,
    /// The TLS Secret the gateway or Ingress serves.
    pub tls_secret: String,
    /// Where the Gateway's or the ingress controller's pods run, and who they are.
    pub controller: super::IngressGatewayView,
    /// `gateway-api`: the Gateway the routes attach to.
    pub parent: Option<GatewayParent>,
    /// `gateway-api`: the Gateway kiln writes; `None` when attaching to an existing one.
    pub gateway: Option<ApiGateway>,
    /// `ingress`: the Ingress.
    pub ingress: Option<IngressView>,
    /// The cert-manager Certificate, with `tls` and kiln's own gateway.
    pub certificate: Option<Certificate>,
    /// One per routed service, longest prefix first. Only the environment's
    /// own files see them (as `traffic_routes`), as with the Istio routes.
    #[serde(skip)]
    pub routes: Vec<TrafficRoute>,
}

/// A Gateway that routes name as their parent.
#[derive(Debug, Clone, Serialize)]
pub struct GatewayParent {
    pub name: String,
    pub namespace: String,
    /// The listener routes attach to: `https`, or none (every listener) with `plain_http`.
    pub section: Option<String>,
}

/// The Gateway kiln writes for an environment.
#[derive(Debug, Clone, Serialize)]
pub struct ApiGateway {
    pub class: String,
    /// Serve the routes on port 80 too; otherwise port 80 only redirects to HTTPS.
    pub plain_http: bool,
    /// The namespace whose routes the Gateway admits: the environment's.
    pub routes_from: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct IngressView {
    pub class: Option<String>,
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Certificate {
    pub name: String,
    pub namespace: String,
    pub issuer: String,
    pub issuer_kind: IssuerKind,
    pub dns_names: Vec<String>,
}

/// A route of one service, as an HTTPRoute, a GRPCRoute or an Ingress path.
#[derive(Debug, Clone, Serialize)]
pub struct TrafficRoute {
    pub name: String,
    /// A GRPCRoute rather than an HTTPRoute.
    pub grpc: bool,
    pub prefix: String,
    /// For a GRPCRoute: the gRPC service the prefix names; `None` for every service.
    pub grpc_service: Option<String>,
    pub backends: Vec<Backend>,
    pub timeout: String,
    pub retries: RetriesView,
    /// The conditions of one of `routes`; replaces `prefix` when set.
    pub matched: Option<RouteMatch>,
}

/// A Service a route sends requests to, and its share of them.
#[derive(Debug, Clone, Serialize)]
pub struct Backend {
    pub service: String,
    pub port: u16,
    /// Percent of the route's requests; `None` with a single backend.
    pub weight: Option<u32>,
}

/// A service's own traffic objects.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceTraffic {
    /// Its HTTPRoute or GRPCRoute from the Gateway.
    pub route: Option<TrafficRoute>,
    /// Its in-mesh split: an HTTPRoute whose parent is its own Service (GAMMA).
    pub mesh_route: Option<TrafficRoute>,
    /// The rules of `routes`, in order, before `route`'s.
    pub matches: Vec<TrafficRoute>,
    /// The rules of `routes`, in order, before `mesh_route`'s.
    pub mesh_matches: Vec<TrafficRoute>,
}

/// The Service of one track's pods alone, `<service>-<track>`.
#[derive(Debug, Clone, Serialize)]
pub struct TrackService {
    pub name: String,
    /// The track, as routes name it.
    pub track: String,
    /// The service's own labels (its version's) and `track`.
    pub labels: Labels,
    pub selector: Labels,
}
