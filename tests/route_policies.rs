//! Per-route `timeout` and `retries` (issue 16, branch route-policies),
//! through the binary: a route's own policy lands in its rule of the Istio
//! VirtualServices and of the Gateway API routes, while the service's other
//! rules keep the service's; bad and unsafe policies are refused at their line.

use crate::{Repo, built};
use serde_yaml::Value;

/// A routed web service with a canary: a slow path with its own timeout and
/// no retries, a route with its own retry policy, and one with neither.
fn config(project: &str) -> String {
    format!(
        r#"
[project]
name = "shop"
registry = "ghcr.io/acme/shop"
monitoring = false
logging = false
{project}

[environments.dev]
domain = "dev.shop.example.com"

[services.users]
language = "node"
version = "1.4.2"
port = 8080
route = "/users"
timeout = "7s"
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
    let repo = built(&config("traffic = \"gateway-api\""));
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
            [("30s", 0), ("7s", 1), ("7s", 2), ("7s", 2)],
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
