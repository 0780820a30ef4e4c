//! The rules of the mesh keys: the ingress gateway and where it runs,
//! routes, timeouts, retries, the connection pool and outlier detection,
//! and canaries, which only the mesh can split traffic for.

use crate::config::{
    Canary, Config, EnvironmentConfig, IngressGateway, Kind, Retries, RetrySetting, RouteRule,
    ServiceConfig, Traffic, Whole,
};
use crate::diagnostics::{KeyPath, Problem};
use crate::grammar::duration::{is_duration, millis};
use crate::grammar::names::{self, is_version};
use crate::kinds::logging::logging_namespace;
use crate::resolve::{Layers, builtin, switches};
use std::collections::BTreeMap;

pub fn validate(config: &Config, problems: &mut Vec<Problem>) {
    let project = KeyPath::new(&["project"]);
    if let Some(namespace) = &config.project.mesh_namespace
        && !names::is_dns_label(namespace, 63)
    {
        problems.push(Problem::not_a_label(
            &project.key("mesh_namespace"),
            namespace,
            63,
            false,
        ));
    }
    if let Some(gateway) = &config.project.gateway {
        check_gateway(&project.key("gateway"), gateway, problems);
        // The Gateway API and an Ingress use `gateway` without the mesh.
        let meshed = config.environments.keys().any(|e| {
            switches(config, e).mesh || crate::kinds::traffic::api(config, e) != Traffic::Istio
        });
        if !meshed && !config.environments.is_empty() {
            problems.push(Problem::needs_mesh(&project.key("gateway"), None));
        }
    }
    let meshed = config.environments.keys().any(|e| switches(config, e).mesh);
    if config.project.mesh_mode.is_some() && !meshed && !config.environments.is_empty() {
        problems.push(Problem::needs_mesh(&project.key("mesh_mode"), None));
    }
    for (key, layer) in config.layers() {
        if let Some(RetrySetting::Policy(policy)) = layer.retries {
            check_retries(&key.key("retries"), policy, problems);
        }
    }
    for (name, environment) in &config.environments {
        let key = KeyPath::new(&["environments", name]);
        if let Some(domain) = &environment.domain
            && !is_domain(domain)
        {
            problems.push(Problem::bad_domain(&key.key("domain"), domain));
        }
        let on = switches(config, name);
        if let Some(gateway) = &environment.gateway {
            check_gateway(&key.key("gateway"), gateway, problems);
            if !on.mesh && crate::kinds::traffic::api(config, name) == Traffic::Istio {
                problems.push(Problem::needs_mesh(&key.key("gateway"), Some(name)));
            }
        }
        if environment.mesh_mode.is_some() && !on.mesh {
            problems.push(Problem::needs_mesh(&key.key("mesh_mode"), Some(name)));
        }
        if on.mesh {
            let logging = logging_namespace(&crate::kinds::core::namespace(config, name));
            check_gateway_namespace(config, name, environment, &key, &logging, problems);
        }
    }
    let mut routes: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, service) in &config.services {
        let key = KeyPath::new(&["services", name]);
        let kind = service.kind.unwrap_or(Kind::Web);
        let listens = service.port.is_some();
        if let Some(route) = &service.route {
            let key = key.key("route");
            if kind != Kind::Web || !listens {
                problems.push(Problem::route_needs_web(&key));
            } else if !names::is_http_path(route) {
                problems.push(Problem::bad_http_path(&key, route));
            }
        }

        if let Some(route) = &service.route {
            match routes.get(route.as_str()) {
                Some(other) => {
                    problems.push(Problem::duplicate_route(&key.key("route"), route, other))
                }
                None => {
                    routes.insert(route, name);
                }
            }
        }
        if let Some(canary) = &service.canary {
            check_canary(&key.key("canary"), canary, service, kind, problems);
        }
        let rules = super::versions::VersionRules {
            config,
            name,
            service,
            kind,
        };
        rules.check_layer(
            &key,
            service.versions.as_ref(),
            service.canary.is_some(),
            problems,
        );
        for (environment, overrides) in service.environments.iter().flatten() {
            if let Some(fault) = &overrides.fault {
                let key = key.key("environments").key(environment).key("fault");
                check_fault(config, environment, &key, fault, service, problems);
            }
            if let Some(canary) = &overrides.canary {
                let key = key.key("environments").key(environment).key("canary");
                check_canary(&key, canary, service, kind, problems);
            }
            rules.check_layer(
                &key.key("environments").key(environment),
                overrides.versions.as_ref(),
                overrides.canary.is_some(),
                problems,
            );
        }
        rules.check_versions(&key, problems);
        // Each route's own policy (issue 16, route-policies).
        for list in crate::kinds::traffic::routes::lists(config, name, service) {
            for (i, rule) in list.rules.iter().enumerate() {
                let at = list.key.index(i);
                check_policy(
                    config,
                    name,
                    service,
                    &list.environments,
                    &at,
                    rule,
                    problems,
                );
            }
        }
        check_service_layers(config, service, kind, &key, problems);
        check_canary_versions(config, service, &key, problems);
    }
}

/// A host name with a dot, or a wildcard over one (`*.example.com`).
fn is_domain(domain: &str) -> bool {
    let name = domain.strip_prefix("*.").unwrap_or(domain);
    names::is_dns_subdomain(name) && (name.contains('.') || name != domain)
}

/// `gateway = { namespace, selector, service_account }`, in `[project]` or `[environments.E]`.
fn check_gateway(key: &KeyPath, gateway: &IngressGateway, problems: &mut Vec<Problem>) {
    if let Some(namespace) = &gateway.namespace
        && !names::is_dns_label(namespace, 63)
    {
        problems.push(Problem::not_a_label(
            &key.key("namespace"),
            namespace,
            63,
            false,
        ));
    }
    if let Some(selector) = &gateway.selector {
        let key = key.key("selector");
        if selector.is_empty() {
            problems.push(Problem::empty_gateway_selector(&key));
        }
        for (label, value) in selector {
            if !names::is_label_key(label) {
                problems.push(Problem::bad_label_key(&key, label));
            }
            if !names::is_label_value(value) {
                problems.push(Problem::bad_label_value(&key.key(label), value));
            }
        }
    }
    if let Some(account) = &gateway.service_account
        && !names::is_dns_subdomain(account)
    {
        problems.push(Problem::bad_service_account(
            &key.key("service_account"),
            account,
        ));
    }
}

/// The gateway cannot share a namespace kiln writes a default-deny policy
/// into: that policy would shut it off from the internet.
fn check_gateway_namespace(
    config: &Config,
    name: &str,
    environment: &EnvironmentConfig,
    key: &KeyPath,
    logging: &str,
    problems: &mut Vec<Problem>,
) {
    let project = KeyPath::new(&["project"]);
    let (at, gateway_namespace) = match (
        environment
            .gateway
            .as_ref()
            .and_then(|g| g.namespace.as_ref()),
        config
            .project
            .gateway
            .as_ref()
            .and_then(|g| g.namespace.as_ref()),
        config.project.mesh_namespace.as_ref(),
    ) {
        (Some(own), _, _) => (key.key("gateway").key("namespace"), own),
        (None, Some(wide), _) => (project.key("gateway").key("namespace"), wide),
        (None, None, Some(mesh)) => (project.key("mesh_namespace"), mesh),
        (None, None, None) => return,
    };
    let own = crate::kinds::core::namespace(config, name);
    if *gateway_namespace == own || gateway_namespace == logging {
        problems.push(Problem::gateway_in_environment(
            &at,
            gateway_namespace,
            name,
        ));
    }
}

/// The mesh and monitoring keys of `[services.S]`.
fn check_service_layers(
    config: &Config,
    service: &ServiceConfig,
    kind: Kind,
    key: &KeyPath,
    problems: &mut Vec<Problem>,
) {
    let outlier = service.outlier_detection.as_ref();
    let durations = [
        (key.key("timeout"), service.timeout.as_ref()),
        (
            key.key("outlier_detection").key("interval"),
            outlier.and_then(|o| o.interval.as_ref()),
        ),
        (
            key.key("outlier_detection").key("base_ejection_time"),
            outlier.and_then(|o| o.base_ejection_time.as_ref()),
        ),
    ];
    for (key, value) in durations {
        if let Some(value) = value
            && !is_duration(value)
        {
            problems.push(Problem::bad_duration(&key, value));
        }
    }
    if let Some(percent) = outlier.and_then(|o| o.max_ejection_percent)
        && !Whole::EjectionPercent.contains(percent)
    {
        problems.push(Problem::whole(
            &key.key("outlier_detection").key("max_ejection_percent"),
            &percent.to_string(),
            Whole::EjectionPercent,
        ));
    }
    let has_canary = config
        .environments
        .keys()
        .any(|e| service.split_in(e).is_some());
    if service.route.is_none() && !has_canary {
        // `retries` from `[defaults]` or an environment may well meet services
        // without routes; the service's own tables say it of this one.
        let own_retries = service.environments.iter().flatten().filter_map(|(e, o)| {
            o.retries
                .as_ref()
                .map(|_| key.key("environments").key(e).key("retries"))
        });
        let own = [
            (key.key("timeout"), service.timeout.is_some()),
            (key.key("retries"), service.retries.is_some()),
        ];
        for field in own
            .into_iter()
            .filter_map(|(field, set)| set.then_some(field))
            .chain(own_retries)
        {
            problems.push(Problem::needs_route_or_canary(&field));
        }
    }
    let called = kind.serves() && service.port.is_some();
    for (field, set) in [
        ("connection_pool", service.connection_pool.is_some()),
        ("outlier_detection", service.outlier_detection.is_some()),
    ] {
        if set && !called {
            problems.push(Problem::needs_service(&key.key(field)));
        }
    }
    // A split needs the mesh or the Gateway API; in ambient it goes through
    // per-track Services and a GAMMA route on the waypoint.
    for environment in config.environments.keys() {
        let Some((own, split)) = service.split_in(environment) else {
            continue;
        };
        let at = match own {
            Some(own) => key.key("environments").key(own),
            None => key.clone(),
        };
        let on = switches(config, environment);
        // The Gateway API splits by weighted backends, mesh or not.
        if !on.mesh && crate::kinds::traffic::api(config, environment) != Traffic::GatewayApi {
            problems.push(Problem::canary_without_mesh(
                &at.key(split.key()),
                environment,
            ));
        }
    }
}

/// `retries = { attempts, on, per_try_timeout }` of a layer or of a route.
fn check_retries(key: &KeyPath, policy: &Retries, problems: &mut Vec<Problem>) {
    if let Some(attempts) = policy.attempts
        && !Whole::Attempts.contains(attempts)
    {
        problems.push(Problem::whole(
            &key.key("attempts"),
            &attempts.to_string(),
            Whole::Attempts,
        ));
    }
    if let Some(timeout) = &policy.per_try_timeout
        && !is_duration(timeout)
    {
        problems.push(Problem::bad_duration(&key.key("per_try_timeout"), timeout));
    }
    // Istio reads an empty `retryOn` as its own default, which retries 503s.
    if policy.on.as_ref().is_some_and(Vec::is_empty) {
        problems.push(Problem::no_retry_conditions(&key.key("on")));
    }
}

/// A canary at the version its stable pods already run splits traffic
/// between two copies of the same image: in each environment, the canary
/// that applies there must differ from the version deployed there.
fn check_canary_versions(
    config: &Config,
    service: &ServiceConfig,
    key: &KeyPath,
    problems: &mut Vec<Problem>,
) {
    let mut same: BTreeMap<String, (KeyPath, String, Vec<&str>)> = BTreeMap::new();
    for environment in config.environments.keys() {
        let overrides = service.overrides_in(environment);
        let canary = match overrides.and_then(|o| o.canary.as_ref()) {
            Some(canary) => (key.key("environments").key(environment), canary),
            None => match &service.canary {
                Some(canary) => (key.clone(), canary),
                None => continue,
            },
        };
        let stable = overrides
            .and_then(|o| o.version.as_ref())
            .or(service.version.as_ref());
        if stable == Some(&canary.1.version) {
            let canary_key = canary.0.key("canary").key("version");
            same.entry(canary_key.to_string())
                .or_insert_with(|| (canary_key, canary.1.version.clone(), Vec::new()))
                .2
                .push(environment);
        }
    }
    for (_, (canary_key, version, environments)) in same {
        problems.push(Problem::canary_is_stable(
            &canary_key,
            &version,
            &environments,
        ));
    }
}

fn check_canary(
    key: &KeyPath,
    canary: &Canary,
    service: &ServiceConfig,
    kind: Kind,
    problems: &mut Vec<Problem>,
) {
    if !Whole::Weight.contains(canary.weight) {
        problems.push(Problem::whole(
            &key.key("weight"),
            &canary.weight.to_string(),
            Whole::Weight,
        ));
    }
    if !is_version(&canary.version) {
        problems.push(Problem::bad_version(&key.key("version"), &canary.version));
    }
    // A third-party `image` gets a canary too: the same repository at `version`.
    if kind != Kind::Web || service.port.is_none() {
        problems.push(Problem::canary_not_web(key));
    }
}

/// `fault = { delay, abort, percent }` of `[services.S.environments.E]`:
/// Istio's fault injection, so only on the Istio routes of a routed or
/// canaried service in a meshed environment.
fn check_fault(
    config: &Config,
    environment: &str,
    key: &KeyPath,
    fault: &crate::config::Fault,
    service: &ServiceConfig,
    problems: &mut Vec<Problem>,
) {
    if let Some(delay) = &fault.delay
        && !is_duration(delay)
    {
        problems.push(Problem::bad_duration(&key.key("delay"), delay));
    }
    if let Some(abort) = fault.abort
        && !(200..=599).contains(&abort)
    {
        problems.push(Problem::bad_fault_number(
            &key.key("abort"),
            abort.into(),
            200,
            599,
        ));
    }
    if let Some(percent) = fault.percent
        && percent > 100
    {
        problems.push(Problem::bad_fault_number(
            &key.key("percent"),
            percent.into(),
            0,
            100,
        ));
    }
    if fault.delay.is_none() && fault.abort.is_none() {
        problems.push(Problem::empty_fault(key));
    }
    let istio = switches(config, environment).mesh
        && crate::kinds::traffic::api(config, environment) == Traffic::Istio;
    // In ambient the in-mesh split is a GAMMA route, which takes no fault.
    let split = service.split_in(environment).is_some();
    let ambient = switches(config, environment).ambient;
    if !istio {
        problems.push(Problem::fault_needs_istio(key, environment));
    } else if service.route.is_none() && split && ambient {
        problems.push(Problem::fault_on_ambient_split(key, environment));
    } else if service.route.is_none() && !split {
        problems.push(Problem::needs_route_or_canary(key));
    }
}

/// A route's own `timeout` and `retries`: the checks of the service's, and
/// each try's timeout within the route's, in every environment it runs in.
fn check_policy(
    config: &Config,
    name: &str,
    service: &ServiceConfig,
    environments: &[&str],
    at: &KeyPath,
    rule: &RouteRule,
    problems: &mut Vec<Problem>,
) {
    if let Some(timeout) = &rule.timeout
        && !is_duration(timeout)
    {
        problems.push(Problem::bad_duration(&at.key("timeout"), timeout));
    }
    if let Some(RetrySetting::Policy(policy)) = &rule.retries {
        check_retries(&at.key("retries"), policy, problems);
    }
    if rule.timeout.is_none() && rule.retries.is_none() {
        // The service's own timeout and retries, as every other rule of it.
        return;
    }
    let service_timeout = service.timeout.as_deref().unwrap_or(builtin::TIMEOUT);
    let mut over: Vec<&str> = Vec::new();
    let mut found: Option<(String, String)> = None;
    for &environment in environments {
        if !service.enabled_in(environment) {
            continue;
        }
        let layers = Layers::new(config, environment, Some((name, service)));
        let inherited = crate::resolve::retries(
            layers
                .pick(false, "retries", |l| l.retries)
                .map(|p| p.value),
        );
        let (timeout, retries) =
            crate::kinds::traffic::routes::policy(rule, service_timeout, &inherited);
        let Some(per_try) = retries.per_try_timeout else {
            continue;
        };
        let (Some(whole), Some(each)) = (millis(&timeout), millis(&per_try)) else {
            continue;
        };
        if retries.attempts > 0 && each > whole {
            over.push(environment);
            found.get_or_insert((timeout, per_try));
        }
    }
    let Some((timeout, per_try)) = found else {
        return;
    };
    let own_per_try = matches!(
        &rule.retries,
        Some(RetrySetting::Policy(p)) if p.per_try_timeout.is_some()
    );
    let key = match (own_per_try, rule.timeout.is_some()) {
        (true, _) => at.key("retries").key("per_try_timeout"),
        (false, true) => at.key("timeout"),
        (false, false) => at.key("retries"),
    };
    problems.push(Problem::per_try_over_timeout(
        &key, &per_try, &timeout, &over,
    ));
}
