//! The traffic APIs (issue 16), through the binary: the Gateway API (own
//! and shared Gateway, HTTPRoute, GRPCRoute, weighted canary backends, the
//! in-mesh split), the Ingress without a mesh, cert-manager, plain HTTP and
//! wildcard hosts, the errors of each, and the cross-checks of the routes.

use crate::{Repo, built};
use kiln::model::Model;
use kiln::render::{Rendered, Renderer};
use serde_yaml::Value;

const EDGE: &str = include_str!("../examples/edge/kiln.toml");
const PLAIN: &str = include_str!("../examples/plain/kiln.toml");

/// A routed web service with a canary, in one environment, under `project`.
fn one(project: &str) -> String {
    let head = crate::routed_users(project);
    format!(
        r#"{head}canary = {{ version = "1.5.0", weight = 25 }}
"#
    )
}

fn str_at<'v>(value: &'v Value, path: &[&str]) -> &'v str {
    let mut at = value;
    for key in path {
        at = match key.parse::<usize>() {
            Ok(i) => &at[i],
            Err(_) => &at[*key],
        };
    }
    at.as_str()
        .unwrap_or_else(|| panic!("no string at {path:?} in {value:?}"))
}

#[test]
fn gateway_api_writes_a_gateway_with_https_and_a_redirect() {
    let repo = built(EDGE);
    let gateway = repo.yaml("deploy/staging/traffic/gateway.yaml");
    assert_eq!(str_at(&gateway, &["metadata", "namespace"]), "istio-system");
    assert_eq!(str_at(&gateway, &["spec", "gatewayClassName"]), "istio");
    let https = &gateway["spec"]["listeners"][1];
    assert_eq!(https["port"].as_u64(), Some(443));
    assert_eq!(
        str_at(https, &["tls", "certificateRefs", "0", "name"]),
        "edge-staging-tls"
    );
    assert_eq!(
        str_at(
            https,
            &[
                "allowedRoutes",
                "namespaces",
                "selector",
                "matchLabels",
                "kubernetes.io/metadata.name"
            ]
        ),
        "edge-staging"
    );
    let redirect = repo.yaml("deploy/staging/traffic/httproute-redirect.yaml");
    assert_eq!(
        str_at(&redirect, &["spec", "parentRefs", "0", "sectionName"]),
        "http"
    );
    assert_eq!(
        str_at(
            &redirect,
            &[
                "spec",
                "rules",
                "0",
                "filters",
                "0",
                "requestRedirect",
                "scheme"
            ]
        ),
        "https"
    );
    // Istio's own gateway objects are not written under the Gateway API.
    assert!(
        !repo
            .path()
            .join("deploy/staging/mesh/gateway.yaml")
            .exists()
    );
    assert!(
        !repo
            .path()
            .join("deploy/staging/services/web/virtualservice.yaml")
            .exists()
    );
}

#[test]
fn gateway_api_splits_a_canary_by_weighted_backends_at_the_gateway_and_in_the_mesh() {
    let repo = built(EDGE);
    let route = repo.yaml("deploy/staging/services/web/httproute.yaml");
    assert_eq!(
        str_at(&route, &["spec", "parentRefs", "0", "name"]),
        "edge-staging"
    );
    assert_eq!(
        str_at(&route, &["spec", "parentRefs", "0", "sectionName"]),
        "https"
    );
    // The default rule comes after those of `routes`.
    let rules = route["spec"]["rules"].as_sequence().unwrap();
    let backends = &rules[rules.len() - 1]["backendRefs"];
    assert_eq!(str_at(backends, &["0", "name"]), "web-stable");
    assert_eq!(backends[0]["weight"].as_u64(), Some(90));
    assert_eq!(str_at(backends, &["1", "name"]), "web-canary");
    assert_eq!(backends[1]["weight"].as_u64(), Some(10));
    assert_eq!(
        str_at(&route, &["spec", "rules", "0", "timeouts", "request"]),
        "10s"
    );
    // The per-track Services select the pods of one track each.
    let canary = repo.yaml("deploy/staging/services/web/service-canary.yaml");
    assert_eq!(str_at(&canary, &["spec", "selector", "track"]), "canary");
    let deployment = repo.yaml("deploy/staging/services/web/deployment-canary.yaml");
    assert_eq!(
        str_at(
            &deployment,
            &["spec", "template", "metadata", "labels", "track"]
        ),
        "canary"
    );
    // Inside the mesh: an HTTPRoute whose parent is the Service (GAMMA).
    let mesh = repo.yaml("deploy/staging/services/web/httproute-mesh.yaml");
    assert_eq!(
        str_at(&mesh, &["spec", "parentRefs", "0", "kind"]),
        "Service"
    );
    assert_eq!(str_at(&mesh, &["spec", "parentRefs", "0", "name"]), "web");
    let rules = mesh["spec"]["rules"].as_sequence().unwrap();
    assert_eq!(
        rules[rules.len() - 1]["backendRefs"][1]["weight"].as_u64(),
        Some(10)
    );
}

#[test]
fn gateway_api_keeps_retries_to_failures_the_app_never_saw() {
    let repo = built(EDGE);
    let route = repo.yaml("deploy/staging/services/web/httproute.yaml");
    let retry = &route["spec"]["rules"][0]["retry"];
    assert_eq!(retry["attempts"].as_u64(), Some(3));
    // No status codes: a 503 may follow a request the app acted on.
    assert!(retry.get("codes").is_none(), "{retry:?}");
    let off = built(
        &one("traffic = \"gateway-api\"\nretries = false")
            .replace("[environments.dev]", "[environments.dev]\nretries = false")
            .replace("retries = false\n\n[environments", "\n[environments"),
    );
    let route = off.yaml("deploy/dev/services/users/httproute.yaml");
    assert_eq!(
        route["spec"]["rules"][0]["retry"]["attempts"].as_u64(),
        Some(0)
    );
}

#[test]
fn a_grpc_service_gets_a_grpc_route_to_its_grpc_port() {
    let repo = built(EDGE);
    let route = repo.yaml("deploy/staging/services/orders/grpcroute.yaml");
    assert_eq!(str_at(&route, &["kind"]), "GRPCRoute");
    assert_eq!(
        str_at(
            &route,
            &["spec", "rules", "0", "matches", "0", "method", "service"]
        ),
        "orders.v1.Orders"
    );
    assert_eq!(
        route["spec"]["rules"][0]["backendRefs"][0]["port"].as_u64(),
        Some(9090)
    );
    let service = repo.yaml("deploy/staging/services/orders/service.yaml");
    assert_eq!(
        str_at(&service, &["spec", "ports", "0", "appProtocol"]),
        "grpc"
    );
    assert!(
        !repo
            .path()
            .join("deploy/staging/services/orders/httproute.yaml")
            .exists()
    );
}

#[test]
fn a_grpc_route_must_name_a_grpc_service() {
    let config = EDGE.replace("route = \"/orders.v1.Orders\"", "route = \"/orders/v1\"");
    Repo::with_config(&config)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has(
            "`/orders/v1` in `services.orders.route` is not `/` or `/` and a gRPC service name",
        )
        .stderr_has("kiln.toml:");
}

#[test]
fn cert_manager_writes_a_certificate_into_the_gateway_secret() {
    let repo = built(EDGE);
    let certificate = repo.yaml("deploy/staging/traffic/certificate.yaml");
    assert_eq!(str_at(&certificate, &["apiVersion"]), "cert-manager.io/v1");
    assert_eq!(
        str_at(&certificate, &["metadata", "namespace"]),
        "istio-system"
    );
    assert_eq!(
        str_at(&certificate, &["spec", "secretName"]),
        "edge-staging-tls"
    );
    assert_eq!(
        str_at(&certificate, &["spec", "dnsNames", "0"]),
        "staging.edge.example.com"
    );
    assert_eq!(
        str_at(&certificate, &["spec", "issuerRef", "kind"]),
        "ClusterIssuer"
    );
    assert_eq!(
        str_at(&certificate, &["spec", "issuerRef", "name"]),
        "letsencrypt-staging"
    );
    // The same for Istio's own gateway, whose credentialName is that Secret.
    let istio = built(&one("tls = { issuer = \"ca\", kind = \"Issuer\" }"));
    let certificate = istio.yaml("deploy/dev/traffic/certificate.yaml");
    assert_eq!(
        str_at(&certificate, &["spec", "issuerRef", "kind"]),
        "Issuer"
    );
    let gateway = istio.yaml("deploy/dev/mesh/gateway.yaml");
    assert_eq!(
        str_at(&gateway, &["spec", "servers", "1", "tls", "credentialName"]),
        str_at(&certificate, &["spec", "secretName"])
    );
}

#[test]
fn a_certificate_needs_a_domain_and_kiln_s_own_gateway() {
    let config = one("traffic = \"gateway-api\"\ntls = { issuer = \"le\" }")
        .replace("domain = \"dev.shop.example.com\"\n", "");
    Repo::with_config(&config)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`project.tls` asks for a certificate, but environment `dev` has no `domain`");
    let config = EDGE.replace(
        "gateway = { name = \"public\", namespace = \"infra-gateways\" }",
        "gateway = { name = \"public\", namespace = \"infra-gateways\" }\ntls = { issuer = \"le\" }",
    );
    Repo::with_config(&config)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has(
            "`environments.prod.tls` has no effect: the routes attach to an existing Gateway",
        );
}

#[test]
fn gateway_api_attaches_to_a_shared_gateway_in_another_namespace() {
    let repo = built(EDGE);
    assert!(
        !repo
            .path()
            .join("deploy/prod/traffic/gateway.yaml")
            .exists()
    );
    let route = repo.yaml("deploy/prod/services/web/httproute.yaml");
    let parent = &route["spec"]["parentRefs"][0];
    assert_eq!(str_at(parent, &["name"]), "public");
    assert_eq!(str_at(parent, &["namespace"]), "infra-gateways");
    assert!(parent.get("sectionName").is_none());
    // A wildcard host, as asked.
    assert_eq!(
        str_at(&route, &["spec", "hostnames", "0"]),
        "*.edge.example.com"
    );
    // Its pods are Istio's for that Gateway: admitted by name and identity.
    let policy = repo.read("deploy/prod/services/web/networkpolicy.yaml");
    assert!(
        policy.contains("gateway.networking.k8s.io/gateway-name: \"public\""),
        "{policy}"
    );
    assert!(
        policy.contains("kubernetes.io/metadata.name: \"infra-gateways\""),
        "{policy}"
    );
    let authorization = repo.read("deploy/prod/services/web/authorizationpolicy.yaml");
    assert!(
        authorization.contains("cluster.local/ns/infra-gateways/sa/public-istio"),
        "{authorization}"
    );
}

#[test]
fn gateway_class_is_settable_per_environment() {
    let config = one("traffic = \"gateway-api\"").replace(
        "[environments.dev]\n",
        "[environments.dev]\ngateway_class = \"eg\"\n",
    );
    let repo = built(&config);
    let gateway = repo.yaml("deploy/dev/traffic/gateway.yaml");
    assert_eq!(str_at(&gateway, &["spec", "gatewayClassName"]), "eg");
    let authorization = repo.read("deploy/dev/services/users/authorizationpolicy.yaml");
    assert!(authorization.contains("sa/shop-dev-eg"), "{authorization}");
    let repo = Repo::with_config(&config.replace("traffic = \"gateway-api\"", ""));
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`environments.dev.gateway_class` has no effect: `traffic` is not `gateway-api` where it applies");
    let bad = config.replace(
        "gateway_class = \"eg\"",
        "gateway_class = \"Envoy Gateway\"",
    );
    Repo::with_config(&bad)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has(
            "`Envoy Gateway` in `environments.dev.gateway_class` is not a Kubernetes object name",
        );
}

#[test]
fn gateway_api_without_the_mesh_still_splits_at_the_gateway() {
    let repo = built(&one("traffic = \"gateway-api\"\nmesh = false"));
    let route = repo.yaml("deploy/dev/services/users/httproute.yaml");
    assert_eq!(
        route["spec"]["rules"][0]["backendRefs"][1]["weight"].as_u64(),
        Some(25)
    );
    assert!(
        repo.path()
            .join("deploy/dev/services/users/deployment-canary.yaml")
            .exists()
    );
    // No mesh: no in-mesh split, no Istio objects, no sidecar.
    assert!(
        !repo
            .path()
            .join("deploy/dev/services/users/httproute-mesh.yaml")
            .exists()
    );
    assert!(!repo.path().join("deploy/dev/mesh").exists());
    let deployment = repo.read("deploy/dev/services/users/deployment.yaml");
    assert!(!deployment.contains("sidecar.istio.io"), "{deployment}");
}

#[test]
fn plain_http_serves_the_routes_on_port_80() {
    let repo = built(&one("traffic = \"gateway-api\"\nplain_http = true"));
    assert!(
        !repo
            .path()
            .join("deploy/dev/traffic/httproute-redirect.yaml")
            .exists()
    );
    let route = repo.yaml("deploy/dev/services/users/httproute.yaml");
    assert!(route["spec"]["parentRefs"][0].get("sectionName").is_none());
    let istio = built(&one("plain_http = true"));
    let gateway = istio.read("deploy/dev/mesh/gateway.yaml");
    assert!(!gateway.contains("httpsRedirect"), "{gateway}");
    let redirecting = built(&one(""));
    assert!(
        redirecting
            .read("deploy/dev/mesh/gateway.yaml")
            .contains("httpsRedirect: true")
    );
}

#[test]
fn a_wildcard_domain_is_a_host_and_a_bare_star_is_not() {
    let repo = built(&one("").replace("dev.shop.example.com", "*.dev.shop.example.com"));
    let gateway = repo.read("deploy/dev/mesh/gateway.yaml");
    assert!(
        gateway.contains("- \"*.dev.shop.example.com\""),
        "{gateway}"
    );
    Repo::with_config(&one("").replace("dev.shop.example.com", "*"))
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`*` in `environments.dev.domain` is not a host name");
}

#[test]
fn ingress_writes_an_ingress_without_the_mesh() {
    let repo = built(PLAIN);
    let ingress = repo.yaml("deploy/prod/traffic/ingress.yaml");
    assert_eq!(str_at(&ingress, &["apiVersion"]), "networking.k8s.io/v1");
    assert_eq!(str_at(&ingress, &["spec", "ingressClassName"]), "traefik");
    assert_eq!(
        str_at(
            &ingress,
            &["metadata", "annotations", "cert-manager.io/cluster-issuer"]
        ),
        "letsencrypt"
    );
    assert_eq!(
        str_at(&ingress, &["spec", "tls", "0", "secretName"]),
        "plain-prod-tls"
    );
    let paths = &ingress["spec"]["rules"][0]["http"]["paths"];
    // Longest prefix first.
    assert_eq!(str_at(paths, &["0", "path"]), "/api");
    assert_eq!(str_at(paths, &["0", "backend", "service", "name"]), "api");
    assert_eq!(
        paths[0]["backend"]["service"]["port"]["number"].as_u64(),
        Some(8080)
    );
    assert_eq!(str_at(paths, &["1", "path"]), "/");
    // The controller's pods may reach the routed services.
    let policy = repo.read("deploy/prod/services/api/networkpolicy.yaml");
    assert!(
        policy.contains("kubernetes.io/metadata.name: \"traefik\""),
        "{policy}"
    );
    assert!(
        policy.contains("app.kubernetes.io/name: \"traefik\""),
        "{policy}"
    );
    // cert-manager's ingress-shim owns the certificate: no second owner.
    assert!(
        !repo
            .path()
            .join("deploy/prod/traffic/certificate.yaml")
            .exists()
    );
    assert!(!repo.path().join("deploy/prod/mesh").exists());
    let dev = repo.yaml("deploy/dev/traffic/ingress.yaml");
    assert!(dev["metadata"].get("annotations").is_none());
}

#[test]
fn ingress_refuses_the_mesh_grpc_and_an_unknown_controller() {
    Repo::with_config(&PLAIN.replace("mesh = false\n", ""))
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`project.traffic` is `ingress`, but the mesh is on in environment `dev`")
        .stderr_has("use `traffic = \"gateway-api\"` with the mesh");
    Repo::with_config(&PLAIN.replace("gateway = { namespace = \"traefik\", selector = { \"app.kubernetes.io/name\" = \"traefik\" } }\n", ""))
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("kiln does not know where the ingress controller runs");
    Repo::with_config(&PLAIN.replace("port = 8080\n", "port = 8080\nprotocol = \"grpc\"\n"))
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.api.route` routes a `grpc` port through an Ingress");
    Repo::with_config(&PLAIN.replace(
        "ingress_class = \"traefik\"",
        "ingress_class = \"traefik\"\nplain_http = true",
    ))
    .kiln(&["build"])
    .fails_with(2)
    .stderr_has("`project.plain_http` has no effect on an Ingress");
}

#[test]
fn a_route_without_the_mesh_under_istio_is_an_error_not_a_no_op() {
    let config = one("mesh = false").replace("canary = { version = \"1.5.0\", weight = 25 }\n", "");
    let repo = Repo::with_config(&config);
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.users.route` exposes nothing in `dev`: the mesh is off there and `traffic` is `istio`")
        .stderr_has("set `traffic = \"gateway-api\"` or `traffic = \"ingress\"` in `[environments.dev]`")
        .stderr_has("kiln.toml:16:9");
    assert!(!repo.path().join("deploy").exists());
}

#[test]
fn a_canary_of_an_image_service_runs_the_image_at_the_canary_version() {
    let config = one("")
        .replace(
            "language = \"node\"\nversion = \"1.4.2\"",
            "image = \"nginxinc/nginx-unprivileged:1.27.3\"",
        )
        .replace("version = \"1.5.0\"", "version = \"1.27.4\"");
    let repo = built(&config);
    let canary = repo.read("deploy/dev/services/users/deployment-canary.yaml");
    assert!(
        canary.contains("image: \"nginxinc/nginx-unprivileged:1.27.4\""),
        "{canary}"
    );
    let split = repo.yaml("deploy/dev/services/users/virtualservice.yaml");
    assert_eq!(
        split["spec"]["http"][0]["route"][1]["weight"].as_u64(),
        Some(25)
    );
}

#[test]
fn explain_shows_the_traffic_settings_and_their_source() {
    let repo = Repo::with_config(EDGE);
    repo.kiln(&["explain", "staging", "web"])
        .success()
        .stdout_has("traffic")
        .stdout_has("\"gateway-api\"")
        .stdout_has("letsencrypt-staging");
}

/// Renders a `kiln.toml` through the library, as `kiln build` does.
fn render(text: &str) -> (Rendered, Model) {
    let config = kiln::config::load::parse(text).expect("parses");
    assert!(kiln::kinds::validate(&config).is_empty());
    let model = kiln::kinds::resolve(&config).expect("resolves");
    (Renderer::new().unwrap().render(&model).unwrap(), model)
}

/// The edge example with one edit of a staging file, and what the checks find.
fn broken(edits: &[(&str, &str, &str)]) -> Vec<String> {
    let (mut rendered, model) = render(EDGE);
    for (file, from, to) in edits {
        let path = format!("deploy/staging/{file}");
        let text = rendered
            .get_mut(&path)
            .unwrap_or_else(|| panic!("no {path}"));
        assert!(text.contains(from), "{path} lacks {from:?}");
        *text = text.replacen(from, to, 1);
    }
    kiln::kinds::crosscheck(&rendered, &model)
        .into_iter()
        .map(|p| p.message)
        .collect()
}

#[track_caller]
fn found(messages: &[String], expected: &str) {
    assert!(
        messages.iter().any(|m| m.contains(expected)),
        "expected {expected:?} in {messages:?}"
    );
}

#[test]
fn the_checks_find_route_backends_weights_and_grpc_ports() {
    assert!(broken(&[]).is_empty(), "{:?}", broken(&[]));
    found(
        &broken(&[("services/web/httproute.yaml", "weight: 90", "weight: 80")]),
        "the weights of HTTPRoute `web` add up to 90, not 100",
    );
    found(
        &broken(&[(
            "services/web/httproute.yaml",
            "name: \"web-canary\"",
            "name: \"web-beta\"",
        )]),
        "HTTPRoute `web` sends requests to `web-beta`, which is no Service here",
    );
    found(
        &broken(&[(
            "services/web/httproute-mesh.yaml",
            "port: 3000\n          weight: 90",
            "port: 3001\n          weight: 90",
        )]),
        "sends requests to port 3001 of Service `web-stable`, which does not serve it",
    );
    found(
        &broken(&[(
            "services/orders/service.yaml",
            "appProtocol: \"grpc\"",
            "appProtocol: \"http\"",
        )]),
        "GRPCRoute `orders` sends requests to port 9090 of Service `orders`, which is not a grpc port",
    );
    found(
        &broken(&[(
            "services/web/service-canary.yaml",
            "name: \"web\"\n    track: \"canary\"\n  ports",
            "name: \"web\"\n    track: \"beta\"\n  ports",
        )]),
        "sends requests to Service `web-canary`, which selects no pod",
    );
    found(
        &broken(&[(
            "services/web/httproute-mesh.yaml",
            "kind: Service\n      name: \"web\"",
            "kind: Service\n      name: \"wbe\"",
        )]),
        "HTTPRoute `web-mesh` has parent Service `wbe`, which is no Service here",
    );
}

#[test]
fn the_checks_find_two_routes_claiming_one_host_and_path() {
    found(
        &broken(&[(
            "services/docs/httproute.yaml",
            "value: \"/docs\"",
            "value: \"/\"",
        )]),
        "HTTPRoute `web` claims `staging.edge.example.com/`, which HTTPRoute `docs` claims already",
    );
    let (mut rendered, model) = render(PLAIN);
    let path = "deploy/prod/traffic/ingress.yaml";
    let text = rendered.get_mut(path).unwrap();
    *text = text.replacen("path: \"/api\"", "path: \"/\"", 1);
    let messages: Vec<String> = kiln::kinds::crosscheck(&rendered, &model)
        .into_iter()
        .map(|p| p.message)
        .collect();
    found(
        &messages,
        "Ingress `ingress` claims `shop.example.com/` twice",
    );
}

#[test]
fn prereqs_name_the_gateway_pods_and_only_the_secrets_cert_manager_does_not_make() {
    let repo = Repo::with_config(PLAIN);
    let run = repo.kiln(&["prereqs"]).success();
    let (dev, prod) = run
        .stdout
        .split_once("deploy/prod")
        .expect("both environments");
    assert!(
        dev.contains("plain-dev-tls in plain-dev of type `kubernetes.io/tls`"),
        "{dev}"
    );
    assert!(!prod.contains("plain-prod-tls"), "{prod}");
    assert!(
        prod.contains("pods `app.kubernetes.io/name: traefik`"),
        "{prod}"
    );
    let edge = Repo::with_config(EDGE).kiln(&["prereqs"]).success();
    assert!(!edge.stdout.contains("edge-staging-tls"), "{}", edge.stdout);
    assert!(
        edge.stdout
            .contains("running as ServiceAccount `public-istio`"),
        "{}",
        edge.stdout
    );
}

const SHOP: &str = include_str!("../examples/shop/kiln.toml");

#[test]
fn fault_injects_delays_and_aborts_into_the_istio_routes_of_one_environment() {
    let repo = built(SHOP);
    let gateway = repo.yaml("deploy/staging/mesh/virtualservice.yaml");
    let users = gateway["spec"]["http"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "users")
        .expect("a users route");
    let fault = &users["fault"];
    assert_eq!(str_at(fault, &["delay", "fixedDelay"]), "2s");
    assert_eq!(fault["delay"]["percentage"]["value"].as_u64(), Some(10));
    assert_eq!(fault["abort"]["httpStatus"].as_u64(), Some(503));
    // The in-mesh canary split too: callers inside the mesh feel it as well.
    let split = repo.yaml("deploy/staging/services/users/virtualservice.yaml");
    assert_eq!(
        split["spec"]["http"][0]["fault"]["abort"]["httpStatus"].as_u64(),
        Some(503)
    );
    // Only where it is set.
    let prod = repo.read("deploy/prod/mesh/virtualservice.yaml");
    assert!(!prod.contains("fault"), "{prod}");
    let delay_only = built(&SHOP.replace(
        "fault = { delay = \"2s\", abort = 503, percent = 10 }",
        "fault = { delay = \"1s\" }",
    ));
    let split = delay_only.yaml("deploy/staging/services/users/virtualservice.yaml");
    let fault = &split["spec"]["http"][0]["fault"];
    assert_eq!(fault["delay"]["percentage"]["value"].as_u64(), Some(100));
    assert!(fault.get("abort").is_none(), "{fault:?}");
}

#[test]
fn a_fault_is_checked_at_its_keys() {
    let bad = SHOP.replace(
        "fault = { delay = \"2s\", abort = 503, percent = 10 }",
        "fault = { delay = \"soon\", abort = 42, percent = 101 }",
    );
    Repo::with_config(&bad)
        .kiln(&["check"])
        .fails_with(2)
        .stderr_has("`soon` in `services.users.environments.staging.fault.delay`")
        .stderr_has(
            "`services.users.environments.staging.fault.abort` must be from 200 to 599, not 42",
        )
        .stderr_has(
            "`services.users.environments.staging.fault.percent` must be from 0 to 100, not 101",
        );
    let empty = SHOP.replace(
        "fault = { delay = \"2s\", abort = 503, percent = 10 }",
        "fault = {}",
    );
    Repo::with_config(&empty)
        .kiln(&["check"])
        .fails_with(2)
        .stderr_has("`services.users.environments.staging.fault` injects nothing");
    let gateway_api = SHOP.replace(
        "[environments.staging]\n",
        "[environments.staging]\ntraffic = \"gateway-api\"\n",
    );
    Repo::with_config(&gateway_api)
        .kiln(&["check"])
        .fails_with(2)
        .stderr_has("`services.users.environments.staging.fault` needs Istio's routes, which environment `staging` does not have");
}
