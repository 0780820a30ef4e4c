//! The words of the mesh keys' problems.

use crate::diagnostics::{KeyPath, Problem};

impl Problem {
    pub fn canary_is_stable(key: &KeyPath, version: &str, environments: &[&str]) -> Self {
        let environments = crate::diagnostics::quoted(environments);
        Problem::at(
            key,
            format!("`{key}` is `{version}`, the version the stable pods run in {environments}"),
            Some("a canary tries another version: give it the new version, or, once the rollout is done, set `version` to it and remove `canary`".to_string()),
        )
    }

    pub fn canary_not_web(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs a `web` service with a `port`"),
            Some(
                "traffic can only be split between versions of a service that serves requests: set `kind = \"web\"` and its `port`, or remove the canary"
                    .to_string(),
            ),
        )
    }

    pub fn route_needs_web(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs a `web` service with a `port`"),
            None,
        )
    }

    pub fn duplicate_route(key: &KeyPath, route: &str, other: &str) -> Self {
        Problem::at(
            key,
            format!("route `{route}` in `{key}` is already taken by service `{other}`"),
            Some("give every routed service its own prefix".to_string()),
        )
    }

    pub fn bad_domain(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a host name"),
            Some("use lowercase DNS names such as `shop.example.com`, or a wildcard such as `*.shop.example.com`".to_string()),
        )
    }

    pub fn needs_route_or_canary(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` has no effect: the service has no `route` and no `canary`"),
            Some(
                "timeouts and retries apply to the gateway route and the canary split; remove the key or add a `route`"
                    .to_string(),
            ),
        )
    }

    pub fn no_retry_conditions(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` is empty"),
            Some(
                "name the failures to retry, or write `retries = false` to turn retries off"
                    .to_string(),
            ),
        )
    }

    pub fn empty_gateway_selector(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` is empty"),
            Some("give the labels of the ingress gateway pods, such as `{ istio = \"ingress\" }`; `kubectl get pods -n <namespace> --show-labels` shows them".to_string()),
        )
    }

    pub fn bad_label_key(key: &KeyPath, label: &str) -> Self {
        Problem::at(
            key,
            format!("`{label}` in `{key}` is not a Kubernetes label key"),
            Some("use an optional DNS prefix and `/`, then at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit".to_string()),
        )
    }

    pub fn bad_service_account(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a ServiceAccount name"),
            Some("use lowercase letters, digits, `-` and `.`, as `kubectl get serviceaccounts -n <namespace>` lists them".to_string()),
        )
    }

    pub fn needs_mesh(key: &KeyPath, environment: Option<&str>) -> Self {
        let (message, hint) = match environment {
            Some(environment) => (
                format!("`{key}` has no effect: the mesh is off in environment `{environment}`"),
                format!("remove it, or set `mesh = true` in `[environments.{environment}]`"),
            ),
            None => (
                format!("`{key}` has no effect: the mesh is off in every environment"),
                "remove it, or turn the mesh on somewhere".to_string(),
            ),
        };
        Problem::at(key, message, Some(hint))
    }

    pub fn gateway_in_environment(key: &KeyPath, namespace: &str, environment: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` is `{namespace}`, a namespace kiln writes for environment `{environment}`"),
            Some("its default-deny NetworkPolicy would cut the ingress gateway off; run the gateway in a namespace of its own, such as `istio-ingress`".to_string()),
        )
    }

    pub fn needs_service(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs a `web` or `stateful` service with a `port`"),
            Some("only a service that others call has a DestinationRule to tune".to_string()),
        )
    }

    pub fn canary_without_mesh(key: &KeyPath, environment: &str) -> Self {
        let split = match key.to_string().ends_with(".versions") {
            true => "`versions`",
            false => "the canary",
        };
        Problem::at(
            key,
            format!("`{key}` needs the mesh, which is off in environment `{environment}`"),
            Some(format!(
                "the traffic split is an Istio VirtualService: remove {split}, set `mesh = true` in `[environments.{environment}]`, or split at the gateway with `traffic = \"gateway-api\"`"
            )),
        )
    }

    pub fn bad_fault_number(key: &KeyPath, value: u32, low: u32, high: u32) -> Self {
        Problem::at(
            key,
            format!("`{key}` must be from {low} to {high}, not {value}"),
            None,
        )
    }

    pub fn empty_fault(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` injects nothing"),
            Some("give a `delay` (`\"2s\"`), an `abort` status (`503`), or both".to_string()),
        )
    }

    pub fn fault_needs_istio(key: &KeyPath, environment: &str) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` needs Istio's routes, which environment `{environment}` does not have"
            ),
            Some(format!(
                "fault injection is an Istio VirtualService setting: the mesh must be on and `traffic` `istio` in `[environments.{environment}]`; the Gateway API and Ingress have no standard fault filter"
            )),
        )
    }

    pub fn fault_on_ambient_split(key: &KeyPath, environment: &str) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` has no effect: in environment `{environment}`, ambient mode, the service has no `route` and its split is an HTTPRoute"
            ),
            Some(
                "fault injection needs an Istio VirtualService: give the service a `route` (the gateway's VirtualService takes the fault), or remove `fault`"
                    .to_string(),
            ),
        )
    }
}
