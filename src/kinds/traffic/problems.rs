//! The words of the traffic keys' problems.

use crate::diagnostics::{KeyPath, Problem, quoted};

impl Problem {
    pub fn route_exposes_nothing(key: &KeyPath, environments: &[&str]) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` exposes nothing in {}: the mesh is off there and `traffic` is `istio`, whose gateway needs the mesh",
                quoted(environments)
            ),
            Some(format!(
                "set `traffic = \"gateway-api\"` or `traffic = \"ingress\"` in `[environments.{}]` (or `[project]`), or turn the mesh on there",
                environments[0]
            )),
        )
    }

    pub fn ingress_with_mesh(key: &KeyPath, environment: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` is `ingress`, but the mesh is on in environment `{environment}`"),
            Some(format!(
                "an ingress controller outside the mesh has no mesh identity, so the services' mTLS and AuthorizationPolicies refuse it: use `traffic = \"gateway-api\"` with the mesh, or set `mesh = false` in `[environments.{environment}]`"
            )),
        )
    }

    pub fn ingress_needs_controller(key: &KeyPath, environment: &str) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` is `ingress` in environment `{environment}`, but kiln does not know where the ingress controller runs"
            ),
            Some("set `gateway = { namespace = \"...\", selector = { ... } }` to the namespace and pod labels of the controller (`kubectl get pods -A -l app.kubernetes.io/component=controller --show-labels`), so that the NetworkPolicies admit it".to_string()),
        )
    }

    pub fn grpc_route_needs_gateway_api(key: &KeyPath, environment: &str) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` routes a `grpc` port through an Ingress in environment `{environment}`, which has no standard way to speak gRPC to it"
            ),
            Some(
                "use `traffic = \"gateway-api\"` (a GRPCRoute) or `traffic = \"istio\"` there"
                    .to_string(),
            ),
        )
    }

    pub fn bad_grpc_route(key: &KeyPath, route: &str) -> Self {
        Problem::at(
            key,
            format!("`{route}` in `{key}` is not `/` or `/` and a gRPC service name"),
            Some("a GRPCRoute matches whole gRPC services: write `/` for every service, or `/package.Service` (`/orders.v1.Orders`)".to_string()),
        )
    }

    pub fn tls_needs_domain(key: &KeyPath, environment: &str) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` asks for a certificate, but environment `{environment}` has no `domain`"
            ),
            Some(format!(
                "set `domain` in `[environments.{environment}]` to the public host name the certificate is for"
            )),
        )
    }

    pub fn tls_with_shared_gateway(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` has no effect: the routes attach to an existing Gateway (`gateway.name`), whose listeners and certificate are its owner's"
            ),
            Some(
                "remove `tls`, or remove `gateway.name` to let kiln write the Gateway".to_string(),
            ),
        )
    }

    pub fn traffic_key_unused(key: &KeyPath, needs: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` has no effect: `traffic` is not `{needs}` where it applies"),
            Some(format!("remove it, or set `traffic = \"{needs}\"`")),
        )
    }

    pub fn plain_http_on_ingress(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` has no effect on an Ingress: whether it redirects plain HTTP is the controller's setting"
            ),
            Some("remove it, or use `traffic = \"gateway-api\"`".to_string()),
        )
    }

    pub fn bad_class(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a Kubernetes object name"),
            Some("use lowercase letters, digits, `-` and `.`, as `kubectl get gatewayclasses,ingressclasses` lists them".to_string()),
        )
    }
}
