//! `routes` (issue 16, routing): requests matched by path, headers or
//! query parameters, each sent to one track ahead of the service's default
//! split, in the Istio VirtualServices and the Gateway API routes alike.

use crate::config::{
    Config, Kind as Workload, Protocol, RouteRule, STABLE_TRACK, ServiceConfig, Traffic,
};
use crate::diagnostics::suggest;
use crate::diagnostics::{KeyPath, Problem};
use crate::model::{RetriesView, RouteMatch};

/// At most this many `routes` a service: each is a rule every request is
/// tested against, and a Gateway API route holds at most 16 rules.
pub const MAX_ROUTES: usize = 16;

/// The service's `routes` as matches, in order, with their rule. A route
/// without `path` takes `default_path` (the service's `route` at a
/// gateway, which must not catch other services' paths) as a prefix.
pub fn matches<'a>(
    service: &'a ServiceConfig,
    environment: &str,
    default_path: Option<&str>,
) -> Vec<(RouteMatch, &'a RouteRule)> {
    service
        .routes_in(environment)
        .iter()
        .map(|rule| (to_match(rule, default_path), rule))
        .collect()
}

/// One `routes` list as written: where, and the environments it applies in.
pub struct RouteList<'a> {
    pub key: KeyPath,
    pub rules: &'a [RouteRule],
    pub environments: Vec<&'a str>,
    /// Written in `[services.S.environments.E]`.
    pub own: bool,
}

/// The service's `routes` lists: its own, in the environments whose
/// `[services.S.environments.E]` has none, then each environment's, which
/// replaces it there.
pub fn lists<'a>(config: &'a Config, name: &str, service: &'a ServiceConfig) -> Vec<RouteList<'a>> {
    let key = KeyPath::new(&["services", name]);
    let replaced = |environment: &str| {
        service
            .overrides_in(environment)
            .is_some_and(|o| o.routes.is_some())
    };
    let own = service.routes.as_deref().map(|rules| RouteList {
        key: key.key("routes"),
        rules,
        environments: config
            .environments
            .keys()
            .map(String::as_str)
            .filter(|e| !replaced(e))
            .collect(),
        own: false,
    });
    let overrides = service.environments.iter().flatten().filter_map(|(e, o)| {
        let environment = config.environments.get_key_value(e)?.0.as_str();
        Some(RouteList {
            key: key.key("environments").key(e).key("routes"),
            rules: o.routes.as_deref()?,
            environments: vec![environment],
            own: true,
        })
    });
    own.into_iter().chain(overrides).collect()
}

/// A route's `timeout` and retry policy: its own where it sets them, else
/// the service's (`timeout`, `retries`), which the default rule carries.
pub fn policy(rule: &RouteRule, timeout: &str, retries: &RetriesView) -> (String, RetriesView) {
    (
        rule.timeout.clone().unwrap_or_else(|| timeout.to_string()),
        rule.retries
            .as_ref()
            .map_or_else(|| retries.clone(), |own| crate::resolve::retries(Some(own))),
    )
}

/// The tracks a route may send requests to in `environment`: those of the
/// service's split there (`stable` and `canary`, or the names of
/// `versions`), else `stable`, its pods; `None` when it splits nothing.
fn tracks_in(service: &ServiceConfig, environment: &str) -> Option<Vec<String>> {
    let web = service.kind.unwrap_or(Workload::Web) == Workload::Web;
    let (_, split) = service.split_in(environment).filter(|_| web)?;
    Some(split.tracks().into_iter().map(|t| t.name).collect())
}

fn to_match(rule: &RouteRule, default_path: Option<&str>) -> RouteMatch {
    let (path, exact) = match &rule.path {
        Some(path) => (Some(path.clone()), rule.exact.unwrap_or(false)),
        None => (default_path.map(str::to_string), false),
    };
    RouteMatch {
        path,
        exact,
        headers: rule.headers.clone().unwrap_or_default(),
        query: rule.query.clone().unwrap_or_default(),
    }
}

/// How a Gateway API controller ranks the rules of a route that match one
/// request (HTTPRoute's rule precedence): an exact path, then the longest
/// path, then the most headers, then the most query parameters. No path
/// is the prefix `/`.
fn precedence(matched: &RouteMatch) -> (bool, usize, usize, usize) {
    (
        matched.exact,
        matched.path.as_deref().map_or(1, str::len),
        matched.headers.len(),
        matched.query.len(),
    )
}

/// Whether one request can match both: paths that meet, and no header or
/// query parameter that the two want different values of.
fn overlap(a: &RouteMatch, b: &RouteMatch) -> bool {
    let paths = match (&a.path, &b.path) {
        (None, _) | (_, None) => true,
        (Some(x), Some(y)) => match (a.exact, b.exact) {
            (true, true) => x == y,
            (true, false) => under(x, y),
            (false, true) => under(y, x),
            (false, false) => under(x, y) || under(y, x),
        },
    };
    type Conditions = std::collections::BTreeMap<String, String>;
    let agree = |x: &Conditions, y: &Conditions| {
        x.iter()
            .all(|(name, value)| y.get(name).is_none_or(|other| other == value))
    };
    paths && agree(&a.headers, &b.headers) && agree(&a.query, &b.query)
}

/// An HTTP token (RFC 9110): what a header or query parameter name may be.
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 256
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// Absolute, no empty, `.` or `..` segment, no query, fragment or space.
fn is_clean_path(path: &str) -> bool {
    path.starts_with('/')
        && path.len() <= 1024
        && !path
            .bytes()
            .any(|b| b.is_ascii_control() || b" ?#%\\".contains(&b))
        && path
            .trim_end_matches('/')
            .split('/')
            .skip(1)
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
}

/// `path` is `prefix` or a path below it, segment by segment.
fn under(path: &str, prefix: &str) -> bool {
    let prefix = prefix.trim_end_matches('/');
    path == prefix || path.starts_with(&format!("{prefix}/"))
}

pub fn validate(config: &Config, problems: &mut Vec<Problem>) {
    for (name, service) in &config.services {
        for list in lists(config, name, service) {
            validate_list(config, name, service, &list, problems);
        }
    }
}

fn validate_list(
    config: &Config,
    name: &str,
    service: &ServiceConfig,
    list: &RouteList<'_>,
    problems: &mut Vec<Problem>,
) {
    let (key, routes) = (&list.key, list.rules);
    // `routes = []` of an environment turns the service's off there.
    if list.own && routes.is_empty() {
        return;
    }
    if routes.len() > MAX_ROUTES {
        problems.push(Problem::too_many_routes(key, routes.len()));
    }
    let canary_in = |environment: &str| tracks_in(service, environment).is_some();
    let splits = match list.own {
        true => list.environments.iter().any(|e| canary_in(e)),
        false => config.environments.keys().any(|e| canary_in(e)),
    };
    if service.route.is_none() && !splits {
        problems.push(Problem::routes_route_nothing(key));
    }
    let grpc = service.protocol == Some(Protocol::Grpc);
    // Where the Gateway API carries the routes, its controllers rank them
    // by how specific they are, whatever order they are written in.
    let mut ranked = None;
    for &environment in &list.environments {
        let api = super::api(config, environment);
        if api == Traffic::GatewayApi {
            ranked = ranked.or(Some(environment));
        }
        if api == Traffic::Ingress {
            problems.push(Problem::routes_on_ingress(key, environment));
        }
        if api == Traffic::GatewayApi && grpc {
            for (i, rule) in routes.iter().enumerate() {
                for (field, set) in [
                    ("path", rule.path.is_some()),
                    ("query", rule.query.is_some()),
                ] {
                    if set {
                        problems.push(Problem::grpc_route_matches(
                            &key.index(i).key(field),
                            environment,
                        ));
                    }
                }
            }
        }
    }
    let mut seen: Vec<RouteMatch> = Vec::new();
    for (i, rule) in routes.iter().enumerate() {
        let at = key.index(i);
        let empty = rule.path.is_none()
            && rule.headers.as_ref().is_none_or(|h| h.is_empty())
            && rule.query.as_ref().is_none_or(|q| q.is_empty());
        if empty {
            problems.push(Problem::route_matches_everything(&at));
        }
        if let Some(path) = &rule.path
            && !is_clean_path(path)
        {
            problems.push(Problem::bad_route_path(&at.key("path"), path));
        } else if let (Some(path), Some(prefix)) = (&rule.path, &service.route)
            && !under(path, prefix)
        {
            problems.push(Problem::route_path_outside(&at.key("path"), path, prefix));
        }
        if rule.exact.is_some() && rule.path.is_none() {
            problems.push(Problem::exact_without_path(&at.key("exact")));
        }
        for (field, table) in [("headers", &rule.headers), ("query", &rule.query)] {
            for (name, value) in table.iter().flatten() {
                let lower = field == "query" || !name.bytes().any(|b| b.is_ascii_uppercase());
                if !is_token(name) || !lower {
                    problems.push(Problem::bad_match_name(
                        &at.key(field).key(name),
                        field,
                        name,
                    ));
                }
                if value.is_empty() || value.len() > 4096 || value.chars().any(char::is_control) {
                    problems.push(Problem::bad_match_value(&at.key(field).key(name), field));
                }
            }
        }
        let own = to_match(rule, service.route.as_deref());
        if seen.contains(&own) {
            problems.push(Problem::route_matched_twice(&at));
        } else if let Some(environment) = ranked
            && let Some(earlier) = seen
                .iter()
                .position(|before| overlap(before, &own) && precedence(&own) > precedence(before))
        {
            problems.push(Problem::route_after_a_wider_one(
                &at,
                &key.index(earlier),
                environment,
            ));
        }
        seen.push(own);
        check_track(
            name,
            service,
            &list.environments,
            &at.key("to"),
            &rule.to,
            problems,
        );
    }
}

/// `to` names a track the service has in every environment the list
/// applies in and the service runs in.
fn check_track(
    name: &str,
    service: &ServiceConfig,
    environments: &[&str],
    key: &KeyPath,
    to: &str,
    problems: &mut Vec<Problem>,
) {
    let mut without: Vec<&str> = Vec::new();
    let mut known: Vec<String> = Vec::new();
    for &environment in environments {
        if !service.enabled_in(environment) {
            continue;
        }
        let tracks = tracks_in(service, environment);
        let tracks = tracks.unwrap_or_else(|| vec![STABLE_TRACK.to_string()]);
        if !tracks.iter().any(|t| t == to) {
            without.push(environment);
            for track in tracks {
                if !known.contains(&track) {
                    known.push(track);
                }
            }
        }
    }
    if without.is_empty() {
        return;
    }
    let splits_there = without.iter().any(|e| tracks_in(service, e).is_some());
    if to == "canary" && !splits_there {
        problems.push(Problem::route_to_missing_canary(key, name, &without));
    } else {
        let guess = suggest(to, known.iter().map(String::as_str));
        problems.push(Problem::route_to_unknown_track(
            key, to, &without, &known, guess,
        ));
    }
}
