//! Per-route `timeout` and `retries` (issue 16, branch route-policies),
//! through the binary: a route's own policy lands in its rule of the Istio
//! VirtualServices and of the Gateway API routes, while the service's other
//! rules keep the service's; bad and unsafe policies are refused at their line.

use crate::{Repo, built};
use serde_yaml::Value;

/// A routed web service with a canary: a slow path with its own timeout and
/// no retries, a route with its own retry policy, and one with neither.
fn config(project: &str) -> String {
    let head = crate::routed_users(project);
    format!(
        r#"{head}timeout = "7s"
retries = {{ attempts = 2, per_try_timeout = "3s" }}
canary = {{ version = "1.5.0", weight = 25 }}
routes = [
  {{ path = "/users/export", timeout = "30s", retries = {{ attempts = 0 }}, to = "stable" }},
  {{ headers = {{ end-user = "jason" }}, retries = {{ attempts = 1, on = ["connect-failure"], per_try_timeout = "2s" }}, to = "canary" }},
  {{ path = "/users/status", exact = true, to = "stable" }},
]
"#
    )
}

fn seq(value: &Value) -> &Vec<Value> {
    value
        .as_sequence()
        .unwrap_or_else(|| panic!("not a list: {value:?}"))
}

/// `(timeout, attempts, perTryTimeout, retryOn)` of an Istio HTTP route.
type Policy = (String, u64, Option<String>, Option<String>);

/// Each Istio HTTP route's name and policy, in order.
fn policies(vs: &Value) -> Vec<(String, Policy)> {
    seq(&vs["spec"]["http"])
        .iter()
        .map(|r| {
            let text = |v: &Value| v.as_str().map(str::to_string);
            let policy = (
                r["timeout"].as_str().unwrap().to_string(),
                r["retries"]["attempts"].as_u64().unwrap(),
                text(&r["retries"]["perTryTimeout"]),
                text(&r["retries"]["retryOn"]),
            );
            (r["name"].as_str().unwrap().to_string(), policy)
        })
        .collect()
}

fn policy(timeout: &str, attempts: u64, per_try: Option<&str>, on: Option<&str>) -> Policy {
    (
        timeout.to_string(),
        attempts,
        per_try.map(str::to_string),
        on.map(str::to_string),
    )
}

#[test]
fn a_route_s_timeout_and_retries_land_in_its_virtualservice_rules_and_the_others_keep_the_service_s()
 {
    let repo = built(&config(""));
    let service = policy(
        "7s",
        2,
        Some("3s"),
        Some("connect-failure,refused-stream,reset-before-request"),
    );
    let expected = vec![
        ("users-match-1".to_string(), policy("30s", 0, None, None)),
        (
            "users-match-2".to_string(),
            policy("7s", 1, Some("2s"), Some("connect-failure")),
        ),
        ("users-match-3".to_string(), service.clone()),
        ("users".to_string(), service),
    ];
    // The gateway's VirtualService, and the in-mesh one of the canary split.
    for file in [
        "deploy/dev/mesh/virtualservice.yaml",
        "deploy/dev/services/users/virtualservice.yaml",
    ] {
        assert_eq!(policies(&repo.yaml(file)), expected, "{file}");
    }
    repo.kiln(&["check"]).success();
}

#[test]
fn a_route_s_timeout_and_retries_land_in_its_httproute_rules() {
    // The exact path before the header route that also matches it: the
    // Gateway API refuses a list whose order its ranking would not keep.
    let config = config("traffic = \"gateway-api\"");
    let jason = config
        .lines()
        .find(|line| line.contains("end-user"))
        .unwrap()
        .to_string();
    let status = config
        .lines()
        .find(|line| line.contains("/users/status"))
        .unwrap()
        .to_string();
    let config = config.replace(
        &format!("{jason}\n{status}\n"),
        &format!("{status}\n{jason}\n"),
    );
    let repo = built(&config);
    for file in [
        "deploy/dev/services/users/httproute.yaml",
        "deploy/dev/services/users/httproute-mesh.yaml",
    ] {
        let route = repo.yaml(file);
        let rules: Vec<(&str, u64)> = seq(&route["spec"]["rules"])
            .iter()
            .map(|r| {
                (
                    r["timeouts"]["request"].as_str().unwrap(),
                    r["retry"]["attempts"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            rules,
            [("30s", 0), ("7s", 2), ("7s", 1), ("7s", 2)],
            "{file}"
        );
    }
    repo.kiln(&["check"]).success();
}

#[test]
fn an_unsafe_per_route_retry_is_refused_at_its_line_with_a_hint() {
    let config = config("").replace("on = [\"connect-failure\"]", "on = [\"5xx\"]");
    let repo = Repo::with_config(&config);
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.users.routes[1].retries.on[0]`")
        .stderr_has("retries requests the app may already have acted on")
        .stderr_has("kiln.toml:22:71")
        .stderr_has("hint:")
        .stderr_has("`connect-failure`");
    assert!(!repo.exists("deploy"), "nothing written");
}

#[test]
fn bad_route_policies_are_located_all_at_once() {
    let config = config("")
        .replace("timeout = \"30s\"", "timeout = \"half a minute\"")
        .replace("attempts = 1,", "attempts = 11,")
        .replace(
            "exact = true, to",
            "exact = true, retries = { on = [] }, to",
        );
    Repo::with_config(&config)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`half a minute` in `services.users.routes[0].timeout` is not a duration")
        .stderr_has("kiln.toml:21:")
        .stderr_has("`services.users.routes[1].retries.attempts` must be from 0 to 10, not 11")
        .stderr_has("`services.users.routes[2].retries.on` is empty")
        .stderr_has("nothing was written");
}

#[test]
fn a_try_must_fit_in_the_route_s_timeout() {
    // The route's 1s timeout is shorter than the service's 3s tries it keeps.
    let short = config("").replace("exact = true, to", "exact = true, timeout = \"1s\", to");
    Repo::with_config(&short)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.users.routes[2].timeout` makes the route's retries wait `3s` for each try, longer than its whole `timeout` `1s`, in `dev`")
        .stderr_has("hint: a try must fit in the route's timeout");
    // Its own per-try timeout longer than the service's 7s timeout it keeps.
    let long = config("").replace("per_try_timeout = \"2s\"", "per_try_timeout = \"8s\"");
    Repo::with_config(&long)
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.users.routes[1].retries.per_try_timeout` makes the route's retries wait `8s`");
    // Without retries there is no try to fit.
    built(&short.replace(
        "timeout = \"1s\", to",
        "timeout = \"1s\", retries = false, to",
    ));
}

#[test]
fn explain_shows_each_route_s_timeout_and_retries_and_where_they_came_from() {
    let repo = built(&config(""));
    let run = repo.kiln(&["explain", "dev", "users", "routes"]).success();
    let line = |key: &str| {
        run.stdout
            .lines()
            .find(|l| l.starts_with(&format!("{key} ")))
            .unwrap_or_else(|| panic!("no `{key}` in:\n{}", run.stdout))
            .to_string()
    };
    let export = line("routes[0].timeout");
    assert!(
        export.contains("\"30s\"") && export.ends_with("# `routes[0]`"),
        "{export}"
    );
    assert!(line("routes[0].retries").contains("= false"));
    let inherited = line("routes[2].timeout");
    assert!(
        inherited.contains("\"7s\"") && inherited.ends_with("# the service's `timeout`"),
        "{inherited}"
    );
    let retries = line("routes[2].retries");
    assert!(
        retries.contains("attempts = 2") && retries.contains("per_try_timeout = \"3s\""),
        "{retries}"
    );
    assert!(line("routes[1].retries").contains("on = [\"connect-failure\"]"));
}

/// A service with versions only in prod, and routes per environment.
fn layered(service_routes: &str, prod_routes: &str, dev_routes: &str) -> String {
    format!(
        r#"
[project]
name = "shop"
registry = "ghcr.io/acme/shop"
monitoring = false
logging = false

[environments.dev]
[environments.prod]

[services.users]
language = "node"
version = "1.4.2"
port = 8080
route = "/users"
{service_routes}

[services.users.environments.prod]
versions = {{ v1 = {{ weight = 90 }}, v2 = {{ version = "2.0.0", weight = 10 }} }}
{prod_routes}

[services.users.environments.dev]
{dev_routes}
"#
    )
}

/// The names of the gateway VirtualService's HTTP routes in `environment`.
fn gateway_routes(repo: &Repo, environment: &str) -> Vec<String> {
    let vs = repo.yaml(&format!("deploy/{environment}/mesh/virtualservice.yaml"));
    seq(&vs["spec"]["http"])
        .iter()
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect()
}

const TO_V2: &str = r#"routes = [{ headers = { end-user = "jason" }, timeout = "6s", to = "v2" }]"#;

#[test]
fn a_prod_only_route_to_a_version_only_prod_has_reaches_prod_alone() {
    let repo = built(&layered("", TO_V2, ""));
    assert_eq!(gateway_routes(&repo, "prod"), ["users-match-1", "users"]);
    assert_eq!(gateway_routes(&repo, "dev"), ["users"]);
    let vs = repo.yaml("deploy/prod/mesh/virtualservice.yaml");
    let first = &vs["spec"]["http"][0];
    assert_eq!(
        first["route"][0]["destination"]["subset"].as_str(),
        Some("v2")
    );
    assert_eq!(first["timeout"].as_str(), Some("6s"));
    // The in-mesh split of prod's versions carries it too.
    let mesh = repo.yaml("deploy/prod/services/users/virtualservice.yaml");
    assert_eq!(
        mesh["spec"]["http"][0]["match"][0]["headers"]["end-user"]["exact"].as_str(),
        Some("jason")
    );
    let explained = repo.kiln(&["explain", "prod", "users", "routes"]).success();
    assert!(
        explained
            .stdout
            .contains("# [services.users.environments.prod]"),
        "{}",
        explained.stdout
    );
    assert!(
        explained.stdout.contains("routes[0].timeout"),
        "{}",
        explained.stdout
    );
    let dev = repo.kiln(&["explain", "dev", "users", "routes"]).success();
    assert!(!dev.stdout.contains("routes[0]"), "{}", dev.stdout);
    repo.kiln(&["check"]).success();
    // Under the Gateway API, prod's HTTPRoute alone has the rule.
    let config = layered("", TO_V2, "").replace(
        "logging = false\n",
        "logging = false\ntraffic = \"gateway-api\"\n",
    );
    let repo = built(&config);
    let rules = |environment: &str| {
        let route = repo.yaml(&format!(
            "deploy/{environment}/services/users/httproute.yaml"
        ));
        seq(&route["spec"]["rules"]).len()
    };
    assert_eq!((rules("dev"), rules("prod")), (1, 2));
    let prod = repo.yaml("deploy/prod/services/users/httproute.yaml");
    assert_eq!(
        prod["spec"]["rules"][0]["backendRefs"][0]["name"].as_str(),
        Some("users-v2")
    );
    assert_eq!(
        prod["spec"]["rules"][0]["timeouts"]["request"].as_str(),
        Some("6s")
    );
    repo.kiln(&["check"]).success();
}

#[test]
fn the_same_route_at_service_level_is_refused_where_the_version_is_missing() {
    Repo::with_config(&layered(TO_V2, "", ""))
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has(
            "`services.users.routes[0].to` is `v2`, which is not a track of the service in `dev`",
        );
}

#[test]
fn an_environment_s_routes_are_checked_there_and_located_in_its_table() {
    let bad = r#"routes = [{ path = "/orders", timeout = "soon", to = "v3" }]"#;
    Repo::with_config(&layered("", bad, ""))
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.users.environments.prod.routes[0].path` is `/orders`, outside the service's `route` `/users`")
        .stderr_has("`soon` in `services.users.environments.prod.routes[0].timeout` is not a duration")
        .stderr_has("`services.users.environments.prod.routes[0].to` is `v3`, which is not a track of the service in `prod`")
        .stderr_has("one of the service's tracks there (`v1`, `v2`)")
        .stderr_has("kiln.toml:20:41");
    // A route to `canary` in dev, which has no split.
    let dev = r#"routes = [{ headers = { end-user = "jason" }, to = "canary" }]"#;
    Repo::with_config(&layered("", "", dev))
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.users.environments.dev.routes[0].to` is `canary`, but the service has no canary in `dev`");
}

#[test]
fn routes_empty_in_an_environment_removes_them_there() {
    let service = r#"routes = [{ path = "/users/status", exact = true, to = "stable" }]"#;
    let repo = built(&layered(service, "routes = []", ""));
    assert_eq!(gateway_routes(&repo, "dev"), ["users-match-1", "users"]);
    assert_eq!(gateway_routes(&repo, "prod"), ["users"]);
    let prod = repo.kiln(&["explain", "prod", "users", "routes"]).success();
    assert!(prod.stdout.contains("routes = []"), "{}", prod.stdout);
    // Off where an Ingress carries the routes, which cannot match them.
    let ingress = layered(service, "routes = []", "")
        .replace("[environments.prod]\n", "[environments.prod]\ntraffic = \"ingress\"\nmesh = false\ngateway = { namespace = \"ingress-nginx\", selector = { app = \"nginx\" } }\n")
        .replace("versions = { v1 = { weight = 90 }, v2 = { version = \"2.0.0\", weight = 10 } }\n", "");
    built(&ingress);
    Repo::with_config(&ingress.replace("routes = []", ""))
        .kiln(&["build"])
        .fails_with(2)
        .stderr_has("`services.users.routes` matches requests, but `traffic` is `ingress` in environment `prod`");
}
