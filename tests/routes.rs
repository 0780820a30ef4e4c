//! `routes` (issue 16, routing), through the binary: header, query and
//! path matches in the Istio VirtualServices and the Gateway API routes,
//! in order and before the default split, and the errors of each.

use crate::{Repo, built};
use serde_yaml::Value;

/// A routed web service with a canary and three routes, under `project`.
fn config(project: &str, canary: bool) -> String {
    let head = crate::routed_users(project);
    format!(
        r#"{head}timeout = "7s"
{}
routes = [
  {{ headers = {{ end-user = "jason" }}, to = "canary" }},
  {{ path = "/users/account", query = {{ debug = "1" }}, to = "canary" }},
  {{ path = "/users/status", exact = true, to = "stable" }},
]
"#,
        if canary {
            r#"canary = { version = "1.5.0", weight = 25 }"#
        } else {
            ""
        }
    )
}

fn seq(value: &Value) -> &Vec<Value> {
    value
        .as_sequence()
        .unwrap_or_else(|| panic!("not a list: {value:?}"))
}

#[test]
fn the_gateway_virtualservice_matches_headers_query_and_paths_in_order_before_the_split() {
    let repo = built(&config("", true));
    let vs = repo.yaml("deploy/dev/mesh/virtualservice.yaml");
    let http = seq(&vs["spec"]["http"]);
    let names: Vec<&str> = http.iter().map(|r| r["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        ["users-match-1", "users-match-2", "users-match-3", "users"]
    );
    let first = &http[0]["match"][0];
    // No `path`: the service's own prefix, so the route catches no other service's paths.
    assert_eq!(first["uri"]["prefix"].as_str(), Some("/users"));
    assert_eq!(
        first["headers"]["end-user"]["exact"].as_str(),
        Some("jason")
    );
    assert_eq!(
        http[0]["route"][0]["destination"]["subset"].as_str(),
        Some("canary")
    );
    assert!(http[0]["route"][0]["weight"].is_null());
    let second = &http[1]["match"][0];
    assert_eq!(second["uri"]["prefix"].as_str(), Some("/users/account"));
    assert_eq!(second["queryParams"]["debug"]["exact"].as_str(), Some("1"));
    assert_eq!(
        http[2]["match"][0]["uri"]["exact"].as_str(),
        Some("/users/status")
    );
    assert_eq!(
        http[2]["route"][0]["destination"]["subset"].as_str(),
        Some("stable")
    );
    // The service's timeout and its safe retry policy apply to each match rule.
    for route in http {
        assert_eq!(route["timeout"].as_str(), Some("7s"));
        assert_eq!(
            route["retries"]["retryOn"].as_str(),
            Some("connect-failure,refused-stream,reset-before-request")
        );
    }
    assert_eq!(
        seq(&http[3]["route"]).len(),
        2,
        "the default split stays last"
    );
}

#[test]
fn a_longer_prefix_of_another_service_still_comes_first() {
    let config = config("", true)
        + "\n[services.admin]\nlanguage = \"go\"\nversion = \"1.0.0\"\nport = 8080\nroute = \"/users/admin\"\n";
    let repo = built(&config);
    let vs = repo.yaml("deploy/dev/mesh/virtualservice.yaml");
    let names: Vec<&str> = seq(&vs["spec"]["http"])
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "admin",
            "users-match-1",
            "users-match-2",
            "users-match-3",
            "users"
        ]
    );
}

#[test]
fn the_in_mesh_virtualservice_matches_without_the_gateway_prefix() {
    let repo = built(&config("", true));
    let vs = repo.yaml("deploy/dev/services/users/virtualservice.yaml");
    let http = seq(&vs["spec"]["http"]);
    assert_eq!(http.len(), 4);
    let first = &http[0]["match"][0];
    assert!(
        first["uri"].is_null(),
        "inside the mesh every path: {first:?}"
    );
    assert_eq!(
        first["headers"]["end-user"]["exact"].as_str(),
        Some("jason")
    );
    assert!(http[3]["match"].is_null());
}

#[test]
fn the_httproute_has_a_rule_per_route_in_order_before_the_weighted_one() {
    // Most specific first, as the Gateway API ranks them (the order the
    // fixture writes them in is refused there: see the next test).
    let repo = built(&most_specific_first(&config(
        "traffic = \"gateway-api\"",
        true,
    )));
    let route = repo.yaml("deploy/dev/services/users/httproute.yaml");
    let rules = seq(&route["spec"]["rules"]);
    assert_eq!(rules.len(), 4);
    let first = &rules[0]["matches"][0];
    assert_eq!(first["path"]["type"].as_str(), Some("Exact"));
    assert_eq!(first["path"]["value"].as_str(), Some("/users/status"));
    assert_eq!(
        rules[0]["backendRefs"][0]["name"].as_str(),
        Some("users-stable")
    );
    let second = &rules[1]["matches"][0];
    assert_eq!(second["queryParams"][0]["name"].as_str(), Some("debug"));
    assert_eq!(second["queryParams"][0]["value"].as_str(), Some("1"));
    let third = &rules[2]["matches"][0];
    assert_eq!(third["path"]["value"].as_str(), Some("/users"));
    assert_eq!(third["headers"][0]["type"].as_str(), Some("Exact"));
    assert_eq!(third["headers"][0]["name"].as_str(), Some("end-user"));
    assert_eq!(third["headers"][0]["value"].as_str(), Some("jason"));
    assert_eq!(
        rules[2]["backendRefs"][0]["name"].as_str(),
        Some("users-canary")
    );
    for rule in rules {
        assert_eq!(rule["timeouts"]["request"].as_str(), Some("7s"));
    }
    assert_eq!(seq(&rules[3]["backendRefs"]).len(), 2);
    // Inside the mesh (GAMMA): the same rules without the gateway's prefix.
    let mesh = repo.yaml("deploy/dev/services/users/httproute-mesh.yaml");
    let rules = seq(&mesh["spec"]["rules"]);
    assert_eq!(rules.len(), 4);
    assert!(rules[2]["matches"][0]["path"].is_null());
    repo.kiln(&["check"]).success();
}

/// The fixture's three routes, the most specific first.
fn most_specific_first(config: &str) -> String {
    let jason = "  { headers = { end-user = \"jason\" }, to = \"canary\" },\n";
    let account = "  { path = \"/users/account\", query = { debug = \"1\" }, to = \"canary\" },\n";
    let status = "  { path = \"/users/status\", exact = true, to = \"stable\" },\n";
    let written = format!("{jason}{account}{status}");
    assert!(config.contains(&written), "{config}");
    config.replace(&written, &format!("{status}{account}{jason}"))
}

#[test]
fn under_the_gateway_api_a_route_after_a_wider_one_is_refused() {
    // The Gateway API takes the most specific rule whatever the order, so a
    // list whose order says otherwise would not do what it reads as.
    Repo::with_config(&config("traffic = \"gateway-api\"", true))
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has(
            "`services.users.routes[1]` is more specific than `services.users.routes[0]`, and a request can match both: in `dev` the Gateway API sends it by `services.users.routes[1]`",
        )
        .stderr_has("list `services.users.routes[1]` before `services.users.routes[0]`")
        .stderr_has("nothing was written");
    // Under Istio the first that matches is taken: the order is the user's.
    built(&config("", true));
    // Routes that no request can match both of are in any order.
    let disjoint = config("traffic = \"gateway-api\"", true).replace(
        "{ path = \"/users/account\", query = { debug = \"1\" }, to = \"canary\" }",
        "{ path = \"/users/account\", headers = { end-user = \"ann\" }, to = \"canary\" }",
    );
    Repo::with_config(&most_specific_first(&config(
        "traffic = \"gateway-api\"",
        true,
    )))
    .kiln(&["build"])
    .success();
    let run = Repo::with_config(&disjoint).kiln(&["build"]);
    assert!(
        !run.stderr.contains("routes[1]` is more specific"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_route_to_the_canary_needs_a_canary() {
    Repo::with_config(&config("", false))
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has(
            "`services.users.routes[0].to` is `canary`, but the service has no canary in `dev`",
        )
        .stderr_has("`services.users.routes[1].to` is `canary`")
        .stderr_has("kiln.toml:20:44")
        .stderr_has("[services.users.environments.dev]");
}

#[test]
fn a_route_to_stable_without_a_canary_goes_to_the_service() {
    let config = config("", false).replace("to = \"canary\"", "to = \"stable\"");
    let repo = built(&config);
    let vs = repo.yaml("deploy/dev/mesh/virtualservice.yaml");
    let http = seq(&vs["spec"]["http"]);
    assert_eq!(http.len(), 4);
    assert!(http[0]["route"][0]["destination"]["subset"].is_null());
}

#[test]
fn a_grpcroute_refuses_path_and_query_but_matches_headers() {
    let edge = include_str!("../examples/edge/kiln.toml");
    let repo = built(edge);
    let route = repo.yaml("deploy/staging/services/orders/grpcroute.yaml");
    let first = &route["spec"]["rules"][0]["matches"][0];
    assert_eq!(
        first["method"]["service"].as_str(),
        Some("orders.v1.Orders")
    );
    assert_eq!(first["headers"][0]["name"].as_str(), Some("x-tenant"));
    let bad = edge.replace(
        "routes = [{ headers = { x-tenant = \"internal\" }, to = \"stable\" }]",
        "routes = [{ path = \"/orders.v1.Orders/Get\", query = { a = \"b\" }, to = \"stable\" }]",
    );
    assert_ne!(bad, edge);
    Repo::with_config(&bad)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.orders.routes[0].path` is set on a `grpc` service")
        .stderr_has("`services.orders.routes[0].query` is set on a `grpc` service")
        .stderr_has("hint: match on `headers` instead");
}

#[test]
fn an_ingress_refuses_routes() {
    let config = config("traffic = \"ingress\"\nmesh = false", true)
        + "\n[environments.dev.gateway]\nnamespace = \"ingress-nginx\"\nselector = { app = \"nginx\" }\n";
    Repo::with_config(&config)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.users.routes` matches requests, but `traffic` is `ingress` in environment `dev`")
        .stderr_has("kiln.toml:");
}

#[test]
fn bad_headers_paths_and_twins_are_located_all_at_once() {
    let config = config("", true).replace(
        "  { path = \"/users/status\", exact = true, to = \"stable\" },\n",
        "  { path = \"/users/status\", exact = true, to = \"stable\" },\n  { headers = { End-User = \"x\", ok = \"\" }, to = \"stable\" },\n  { path = \"users//x\", to = \"stable\" },\n  { path = \"/usersx\", to = \"stable\" },\n  { headers = { end-user = \"jason\" }, to = \"stable\" },\n  { to = \"stable\" },\n",
    );
    let run = Repo::with_config(&config).kiln(&["build"]).fails_with(2);
    run.stderr_has("`services.users.routes[3].headers.End-User` names header `End-User`, which is not a lowercase HTTP token")
        .stderr_has("`services.users.routes[3].headers.ok` is empty")
        .stderr_has("`services.users.routes[4].path` is `users//x`, which is not an absolute, clean path")
        .stderr_has("`services.users.routes[5].path` is `/usersx`, outside the service's `route` `/users`")
        .stderr_has("`services.users.routes[6]` matches the same requests as an earlier route")
        .stderr_has("`services.users.routes[7]` has no `path`, `headers` or `query`")
        .stderr_has("nothing was written");
}

#[test]
fn at_most_sixteen_routes() {
    let many: String = (0..17)
        .map(|i| format!("  {{ headers = {{ n = \"{i}\" }}, to = \"stable\" }},\n"))
        .collect();
    let config = config("", true)
        .split("routes = [")
        .next()
        .unwrap()
        .to_string()
        + "routes = [\n"
        + &many
        + "]\n";
    Repo::with_config(&config)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.users.routes` has 17 routes; at most 16 are allowed");
}
