//! The words of the `routes` problems.

use crate::diagnostics::{KeyPath, Problem};

impl Problem {
    pub fn too_many_routes(key: &KeyPath, count: usize) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` has {count} routes; at most {} are allowed",
                super::routes::MAX_ROUTES
            ),
            Some("merge routes that go to the same track (a prefix `path` covers the paths under it)".into()),
        )
    }

    pub fn routes_route_nothing(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` routes nothing: the service has neither a `route` nor a `canary`"),
            Some("set `route` to expose the service through the gateway, or a `canary` to split it inside the mesh".into()),
        )
    }

    pub fn routes_on_ingress(key: &KeyPath, environment: &str) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` matches requests, but `traffic` is `ingress` in environment `{environment}`, and an Ingress cannot match headers or query parameters"
            ),
            Some(format!(
                "set `traffic = \"gateway-api\"` or `traffic = \"istio\"` in `[environments.{environment}]`, or drop `routes`"
            )),
        )
    }

    pub fn grpc_route_matches(key: &KeyPath, environment: &str) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` is set on a `grpc` service, whose GRPCRoute in environment `{environment}` (`traffic = \"gateway-api\"`) matches on headers and gRPC methods only"
            ),
            Some("match on `headers` instead (gRPC metadata is sent as headers), or use `traffic = \"istio\"` there".into()),
        )
    }

    pub fn route_matches_everything(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` has no `path`, `headers` or `query`, so it would take every request"),
            Some(
                "add a condition, or send a share of all requests with `canary = { weight = ... }`"
                    .into(),
            ),
        )
    }

    pub fn bad_route_path(key: &KeyPath, path: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` is `{path}`, which is not an absolute, clean path"),
            Some("start it with `/`, with no empty, `.` or `..` segment, and no `?`, `#`, `%`, `\\` or space: `/api/v2`".into()),
        )
    }

    pub fn route_path_outside(key: &KeyPath, path: &str, prefix: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` is `{path}`, outside the service's `route` `{prefix}`"),
            Some(format!(
                "at the gateway the service serves `{prefix}` and the paths below it: use a path such as `{}/...`, or route `{path}` to the service that serves it",
                prefix.trim_end_matches('/')
            )),
        )
    }

    pub fn exact_without_path(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` is set, but the route has no `path` to match exactly"),
            Some("add `path`, or drop `exact`".into()),
        )
    }

    pub fn bad_match_name(key: &KeyPath, field: &str, name: &str) -> Self {
        let what = if field == "headers" {
            "header"
        } else {
            "query parameter"
        };
        let lower = if field == "headers" {
            "a lowercase "
        } else {
            "an "
        };
        Problem::at(
            key,
            format!("`{key}` names {what} `{name}`, which is not {lower}HTTP token"),
            Some(format!(
                "use letters, digits and `-`, `_`, `.`{}: `end-user`",
                if field == "headers" {
                    ", in lowercase"
                } else {
                    ""
                }
            )),
        )
    }

    pub fn bad_match_value(key: &KeyPath, field: &str) -> Self {
        let what = if field == "headers" {
            "header"
        } else {
            "query parameter"
        };
        Problem::at(
            key,
            format!("`{key}` is empty or has control characters"),
            Some(format!("give the exact {what} value to match")),
        )
    }

    pub fn route_matched_twice(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` matches the same requests as an earlier route, so it is never taken"),
            Some("change its conditions, or drop it".into()),
        )
    }

    pub fn route_after_a_wider_one(key: &KeyPath, earlier: &KeyPath, environment: &str) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` is more specific than `{earlier}`, and a request can match both: in `{environment}` the Gateway API sends it by `{key}`, the most specific, not by `{earlier}`, the first written (as Istio would)"
            ),
            Some(format!(
                "list `{key}` before `{earlier}`, so that the order written is the order taken (an exact path, then the longest path, then the most headers, then the most query parameters)"
            )),
        )
    }

    pub fn route_to_missing_canary(key: &KeyPath, service: &str, environments: &[&str]) -> Self {
        let list = crate::diagnostics::quoted(environments);
        Problem::at(
            key,
            format!("`{key}` is `canary`, but the service has no canary in {list}"),
            Some(format!(
                "set `canary = {{ version = \"...\", weight = 0 }}` in `[services.{service}]` (or `[services.{service}.environments.{}]`), or send the route `to = \"stable\"`",
                environments[0]
            )),
        )
    }

    pub fn route_to_unknown_track(
        key: &KeyPath,
        to: &str,
        environments: &[&str],
        known: &[String],
        guess: Option<&str>,
    ) -> Self {
        let quote = |words: &mut dyn Iterator<Item = &str>| {
            words
                .map(|w| format!("`{w}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let list = quote(&mut environments.iter().copied());
        let tracks = quote(&mut known.iter().map(String::as_str));
        let message = match guess {
            Some(guess) => format!(
                "`{key}` is `{to}`, which is not a track of the service in {list}; did you mean `{guess}`?"
            ),
            None => format!("`{key}` is `{to}`, which is not a track of the service in {list}"),
        };
        Problem::at(
            key,
            message,
            Some(format!(
                "a route goes to one of the service's tracks there ({tracks}): `stable` and `canary` with a `canary`, the names of `versions` with versions"
            )),
        )
    }

    pub fn per_try_over_timeout(
        key: &KeyPath,
        per_try: &str,
        timeout: &str,
        environments: &[&str],
    ) -> Self {
        let list = environments
            .iter()
            .map(|e| format!("`{e}`"))
            .collect::<Vec<_>>()
            .join(", ");
        Problem::at(
            key,
            format!(
                "`{key}` makes the route's retries wait `{per_try}` for each try, longer than its whole `timeout` `{timeout}`, in {list}"
            ),
            Some(format!(
                "a try must fit in the route's timeout: give the route `retries = {{ per_try_timeout = \"{timeout}\" }}` or less, a longer `timeout`, or `retries = false`"
            )),
        )
    }
}
