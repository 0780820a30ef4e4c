//! Whole-config rules. Every rule runs, so one `kiln check` reports every
//! problem at once; each problem carries the key path it is about.

use crate::config::{
    Canary, Config, EnvironmentConfig, IngressGateway, KilnSource, Kind, Layer, Metrics, Protocol,
    Retries, RetrySetting, ServiceConfig, Whole,
};
use crate::cron;
use crate::error::{KeyPath, Problem};
use crate::load::suggest;
use crate::names;
use crate::quantity::{Quantity, Refused, Unit};
use std::collections::BTreeMap;

/// Longest project name: namespaces are `{project}-{env}` and must fit in 63.
pub const MAX_PROJECT: usize = 40;
/// Longest environment name.
pub const MAX_ENVIRONMENT: usize = 22;
/// Longest service name: leaves room for suffixes such as `-headless` and
/// for the 52 characters Kubernetes allows a CronJob.
pub const MAX_SERVICE: usize = 43;
/// Most services in one config: twice the largest app kiln is benchmarked on.
pub const MAX_SERVICES: usize = 2_000;
/// Longest `env` value: a ConfigMap holds at most 1 MiB in all.
pub const MAX_ENV_VALUE: usize = 64 * 1024;

/// Ports the Istio sidecar listens on.
const SIDECAR_PORTS: std::ops::RangeInclusive<u16> = 15000..=15090;

pub fn validate(config: &Config) -> Vec<Problem> {
    let mut problems = Vec::new();
    check_project(config, &mut problems);
    check_layer(
        &KeyPath::new(&["defaults"]),
        config.defaults.layer(),
        &mut problems,
    );
    if config.environments.is_empty() {
        problems.push(Problem::no_environments());
    }
    for (name, environment) in &config.environments {
        let key = KeyPath::new(&["environments", name]);
        if !names::is_dns_label(name, MAX_ENVIRONMENT) {
            problems.push(Problem::not_a_label(&key, name, MAX_ENVIRONMENT, false));
        }
        if let Some(domain) = &environment.domain
            && !(names::is_dns_subdomain(domain) && domain.contains('.'))
        {
            problems.push(Problem::bad_domain(&key.key("domain"), domain));
        }
        check_layer(&key, environment.layer(), &mut problems);
        check_environment_layers(config, name, environment, &key, &mut problems);
        if config.project.gitops.is_none() {
            if environment.auto_sync.is_some() {
                problems.push(Problem::needs_gitops(&key.key("auto_sync")));
            }
            if environment.cluster.is_some() {
                problems.push(Problem::needs_gitops(&key.key("cluster")));
            }
        }
        if let Some(cluster) = &environment.cluster
            && !is_cluster_url(cluster)
        {
            problems.push(Problem::bad_cluster(&key.key("cluster"), cluster));
        }
    }
    if config.services.len() > MAX_SERVICES {
        problems.push(Problem::too_large(
            &KeyPath::new(&["services"]),
            "services",
            MAX_SERVICES,
        ));
    }
    check_value_sizes(config, &mut problems);
    let mut routes: BTreeMap<&str, &str> = BTreeMap::new();
    for (name, service) in &config.services {
        let key = KeyPath::new(&["services", name]);
        if !names::is_dns1035_label(name, MAX_SERVICE) {
            problems.push(Problem::not_a_label(&key, name, MAX_SERVICE, true));
        }
        check_service(config, name, service, &key, &mut problems);
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
    }
    problems
}

/// The keys of the mesh, monitoring and logging layers in `[environments.E]`.
fn check_environment_layers(
    config: &Config,
    name: &str,
    environment: &EnvironmentConfig,
    key: &KeyPath,
    problems: &mut Vec<Problem>,
) {
    let on = crate::resolve::switches(config, name);
    let namespace = crate::resolve::logging_namespace(&config.project.name, name);
    if on.logging && namespace.len() > 63 {
        problems.push(Problem::logging_namespace_too_long(key, &namespace));
    }
    if let Some(gateway) = &environment.gateway {
        check_gateway(&key.key("gateway"), gateway, problems);
        if !on.mesh {
            problems.push(Problem::needs_mesh(&key.key("gateway"), Some(name)));
        }
    }
    if on.mesh {
        check_gateway_namespace(config, name, environment, key, &namespace, problems);
    }
    if let Some(es) = &environment.elasticsearch {
        let key = key.key("elasticsearch");
        if !names::is_host(&es.host) {
            problems.push(Problem::bad_host(&key.key("host"), &es.host));
        }
        if let Some(port) = es.port
            && !Whole::Port.contains(port.into())
        {
            problems.push(Problem::whole(
                &key.key("port"),
                &port.to_string(),
                Whole::Port,
            ));
        }
        if let Some(prefix) = &es.index_prefix
            && !names::is_index_prefix(prefix)
        {
            problems.push(Problem::bad_index_prefix(&key.key("index_prefix"), prefix));
        }
        if let Some(user) = &es.user
            && !names::is_label_value(user)
        {
            problems.push(Problem::bad_label_value(&key.key("user"), user));
        }
        if let Some(password) = &es.password
            && let Some(problem) = secret_ref_problem(&key.key("password"), password)
        {
            problems.push(problem);
        }
    }
    if let Some(alerts) = &environment.alerts {
        let key = key.key("alerts");
        if let Some(severity) = &alerts.severity
            && !names::is_label_value(severity)
        {
            problems.push(Problem::bad_label_value(&key.key("severity"), severity));
        }
        if let Some(percent) = alerts.error_percent
            && !(percent > 0.0 && percent <= 100.0)
        {
            problems.push(Problem::out_of_range(
                &key.key("error_percent"),
                &percent.to_string(),
                "more than 0 and at most 100",
                "it is the percent of answers that are 5xx errors",
            ));
        }
        if let Some(latency) = alerts.latency_p99_ms
            && !Whole::LatencyMs.contains(latency)
        {
            problems.push(Problem::whole(
                &key.key("latency_p99_ms"),
                &latency.to_string(),
                Whole::LatencyMs,
            ));
        }
        if let Some(percent) = alerts.volume_percent
            && !Whole::VolumePercent.contains(percent)
        {
            problems.push(Problem::whole(
                &key.key("volume_percent"),
                &percent.to_string(),
                Whole::VolumePercent,
            ));
        }
    }
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
    let own = format!("{}-{name}", config.project.name);
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
        (key.key("scrape_interval"), service.scrape_interval.as_ref()),
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
            && !names::is_duration(value)
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
    let has_canary = service.canary.is_some()
        || service
            .environments
            .iter()
            .flatten()
            .any(|(_, o)| o.canary.is_some());
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
    let called = matches!(kind, Kind::Web | Kind::Stateful) && service.port.is_some();
    for (field, set) in [
        ("connection_pool", service.connection_pool.is_some()),
        ("outlier_detection", service.outlier_detection.is_some()),
    ] {
        if set && !called {
            problems.push(Problem::needs_service(&key.key(field)));
        }
    }
    // A canary is a traffic split, which only the mesh can do.
    for environment in config.environments.keys() {
        let own = service
            .environments
            .as_ref()
            .and_then(|e| e.get(environment))
            .and_then(|o| {
                o.canary
                    .as_ref()
                    .map(|_| key.key("environments").key(environment))
            });
        let canary_key = own.or_else(|| service.canary.as_ref().map(|_| key.clone()));
        if let Some(canary_key) = canary_key
            && !crate::resolve::switches(config, environment).mesh
        {
            problems.push(Problem::canary_without_mesh(
                &canary_key.key("canary"),
                environment,
            ));
        }
    }
}

fn check_project(config: &Config, problems: &mut Vec<Problem>) {
    let key = KeyPath::new(&["project"]);
    let project = &config.project;
    if !names::is_dns_label(&project.name, MAX_PROJECT) {
        problems.push(Problem::not_a_label(
            &key.key("name"),
            &project.name,
            MAX_PROJECT,
            false,
        ));
    }
    if let Some(team) = &project.team
        && !names::is_label_value(team)
    {
        problems.push(Problem::bad_label_value(&key.key("team"), team));
    }
    if let Some(registry) = &project.registry
        && !is_registry(registry)
    {
        problems.push(Problem::bad_registry(&key.key("registry"), registry));
    }
    for field in ["monitoring_namespace", "mesh_namespace"] {
        let value = if field == "mesh_namespace" {
            &project.mesh_namespace
        } else {
            &project.monitoring_namespace
        };
        if let Some(namespace) = value
            && !names::is_dns_label(namespace, 63)
        {
            problems.push(Problem::not_a_label(&key.key(field), namespace, 63, false));
        }
    }
    if let Some(gateway) = &project.gateway {
        check_gateway(&key.key("gateway"), gateway, problems);
        let meshed = config
            .environments
            .keys()
            .any(|e| crate::resolve::switches(config, e).mesh);
        if !meshed && !config.environments.is_empty() {
            problems.push(Problem::needs_mesh(&key.key("gateway"), None));
        }
    }
    let built = config.services.iter().find(|(_, s)| s.language.is_some());
    if let (Some((service, _)), None) = (built, &project.registry) {
        problems.push(Problem::missing_registry(service));
    }
    if let Some(url) = &project.repo_url
        && !is_repo_url(url)
    {
        problems.push(Problem::bad_repo_url(&key.key("repo_url"), url));
    }
    if project.gitops.is_some() && project.repo_url.is_none() {
        problems.push(Problem::missing_repo_url());
    }
    if let Some(branch) = &project.branch
        && !is_branch(branch)
    {
        problems.push(Problem::bad_branch(&key.key("branch"), branch));
    }
    if let Some(source) = &project.kiln {
        check_kiln_source(&key.key("kiln"), source, !project.ci.is_empty(), problems);
    }
}

/// `project.kiln`: exactly one source, each with its partner key, every
/// value pinned (a commit, a digest, an exact version), nothing that moves.
fn check_kiln_source(
    key: &KeyPath,
    source: &KilnSource,
    has_ci: bool,
    problems: &mut Vec<Problem>,
) {
    if !has_ci {
        problems.push(Problem::kiln_source_without_ci(key));
    }
    let set: Vec<&str> = [
        ("git", source.git.is_some()),
        ("image", source.image.is_some()),
        ("version", source.version.is_some()),
        ("action", source.action.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    if set.len() != 1 {
        problems.push(Problem::kiln_source_count(key, &set));
    }
    for (main, partner, main_set, partner_set) in [
        ("git", "rev", source.git.is_some(), source.rev.is_some()),
        (
            "version",
            "index",
            source.version.is_some(),
            source.index.is_some(),
        ),
    ] {
        match (main_set, partner_set) {
            (true, false) => problems.push(Problem::kiln_source_needs(&key.key(main), partner)),
            (false, true) => problems.push(Problem::kiln_source_only_with(&key.key(partner), main)),
            _ => {}
        }
    }
    let checks: [KilnRule<'_>; 6] = [
        ("git", &source.git, is_https_url),
        ("rev", &source.rev, is_commit),
        ("image", &source.image, is_pinned_image),
        ("version", &source.version, is_exact_version),
        ("index", &source.index, is_cargo_index),
        ("action", &source.action, is_action_ref),
    ];
    for (field, value, valid) in checks {
        if let Some(value) = value
            && !valid(value)
        {
            problems.push(Problem::bad_kiln_source(&key.key(field), value, field));
        }
    }
}

/// A key of `project.kiln`, its value, and what a valid one is.
type KilnRule<'a> = (&'a str, &'a Option<String>, fn(&str) -> bool);

/// A Cargo registry index: `sparse+https://...` or a git index at `https://...`.
fn is_cargo_index(url: &str) -> bool {
    is_https_url(url.strip_prefix("sparse+").unwrap_or(url))
}

/// `https://host[/path]`, with no user or password in it.
fn is_https_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or_default();
    is_plain(url)
        && !authority.is_empty()
        && !authority.starts_with(':')
        && !authority.contains('@')
}

/// `owner/repo@<full commit SHA>`, as a workflow's `uses:` pins an action
/// of GitHub: owner and repository named as GitHub allows.
fn is_action_ref(action: &str) -> bool {
    let Some((path, rev)) = action.split_once('@') else {
        return false;
    };
    let Some((owner, repo)) = path.split_once('/') else {
        return false;
    };
    let owner_ok = (1..=39).contains(&owner.len())
        && !owner.starts_with('-')
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let repo_ok = (1..=100).contains(&repo.len())
        && repo != "."
        && repo != ".."
        && repo
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    owner_ok && repo_ok && is_commit(rev)
}

/// A full commit SHA, as git prints it.
fn is_commit(rev: &str) -> bool {
    rev.len() == 40
        && rev
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `repository[:tag]@sha256:<64 hex digits>`.
fn is_pinned_image(image: &str) -> bool {
    let Some((name, digest)) = image.split_once("@sha256:") else {
        return false;
    };
    let digest_ok = digest.len() == 64
        && digest
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let (repository, tag) = match name.rsplit_once(':') {
        // A colon after the last `/` starts a tag; one before it is a registry port.
        Some((repository, tag)) if !tag.contains('/') => (repository, Some(tag)),
        _ => (name, None),
    };
    let tag_ok = tag.is_none_or(|tag| {
        !tag.is_empty()
            && tag.len() <= 128
            && !tag.starts_with(['.', '-'])
            && tag
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    });
    digest_ok && tag_ok && is_registry(repository)
}

/// One exact release: `MAJOR.MINOR.PATCH`, optionally `-pre.release`.
fn is_exact_version(version: &str) -> bool {
    let (core, pre) = match version.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (version, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    let number_ok = |n: &&str| {
        !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
            && (n.len() == 1 || !n.starts_with('0'))
    };
    let pre_ok = pre.is_none_or(|pre| {
        pre.split('.').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    });
    version.len() <= 64 && numbers.len() == 3 && numbers.iter().all(number_ok) && pre_ok
}

/// Characters that may not appear in a URL or branch kiln writes into a
/// pipeline or an Application: they would end a value or start a new one.
fn is_plain(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 512
        && !text.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(
                    c,
                    '"' | '\'' | '`' | '$' | '\\' | '{' | '}' | '<' | '>' | '|' | ';'
                )
        })
}

/// `https://host/path`, `ssh://user@host/path` or scp-like `user@host:path`.
fn is_repo_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("ssh://"))
        .or_else(|| {
            url.split_once('@')
                .and_then(|(_, r)| r.contains(':').then_some(r))
        });
    is_plain(url) && rest.is_some_and(|rest| rest.len() > 2 && !rest.starts_with(['/', ':']))
}

/// `https://host[:port][/path]`.
fn is_cluster_url(url: &str) -> bool {
    is_plain(url)
        && url
            .strip_prefix("https://")
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with(['/', ':']))
}

/// A branch name git accepts, in the subset that needs no quoting anywhere.
fn is_branch(branch: &str) -> bool {
    branch.len() <= 255
        && branch.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !branch.ends_with(['/', '.'])
        && !branch.contains("..")
        && !branch.contains("//")
        && !branch.ends_with(".lock")
        && branch
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'))
}

/// An image repository prefix: `{registry}/{service}` must be an image name.
fn is_registry(registry: &str) -> bool {
    crate::reference::check_name(&format!("{registry}/x")).is_ok()
}

fn check_layer(key: &KeyPath, layer: Layer<'_>, problems: &mut Vec<Problem>) {
    for (field, value, unit) in [
        ("cpu", layer.cpu, Unit::Cpu),
        ("cpu_limit", layer.cpu_limit, Unit::Cpu),
        ("memory", layer.memory, Unit::Bytes),
        ("memory_limit", layer.memory_limit, Unit::Bytes),
    ] {
        if let Some(value) = value {
            let what = if unit == Unit::Cpu { "cpu" } else { "memory" };
            match Quantity::read(value, unit) {
                Ok(_) => {}
                Err(Refused::Malformed) => {
                    problems.push(Problem::bad_quantity(&key.key(field), value, what))
                }
                Err(Refused::TooLarge) => {
                    problems.push(Problem::quantity_too_large(&key.key(field), value, what))
                }
            }
        }
    }
    if let Some(autoscale) = layer.autoscale {
        let key = key.key("autoscale");
        if !Whole::Pods.contains(autoscale.min) {
            problems.push(Problem::whole(
                &key.key("min"),
                &autoscale.min.to_string(),
                Whole::Pods,
            ));
        }
        if autoscale.min > autoscale.max {
            problems.push(Problem::autoscale_range(&key, autoscale.min, autoscale.max));
        }
        if let Some(cpu) = autoscale.cpu
            && !Whole::AutoscaleCpu.contains(cpu)
        {
            problems.push(Problem::whole(
                &key.key("cpu"),
                &cpu.to_string(),
                Whole::AutoscaleCpu,
            ));
        }
    }
    if let Some(RetrySetting::Policy(policy)) = layer.retries {
        check_retries(&key.key("retries"), policy, problems);
    }
    for (name, _) in layer.env.into_iter().flatten() {
        if !names::is_env_name(name) {
            problems.push(Problem::bad_env_name(&key.key("env"), name));
        }
    }
    for (name, reference) in layer.secrets.into_iter().flatten() {
        let key = key.key("secrets").key(name);
        if !names::is_env_name(name) {
            problems.push(Problem::bad_env_name(&key, name));
        }
        if let Some(problem) = secret_ref_problem(&key, reference) {
            problems.push(problem);
        }
        if layer.env.is_some_and(|env| env.contains_key(name)) {
            problems.push(Problem::env_and_secret(&key, name));
        }
    }
}

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
        && !names::is_duration(timeout)
    {
        problems.push(Problem::bad_duration(&key.key("per_try_timeout"), timeout));
    }
    // Istio reads an empty `retryOn` as its own default, which retries 503s.
    if policy.on.as_ref().is_some_and(Vec::is_empty) {
        problems.push(Problem::no_retry_conditions(&key.key("on")));
    }
}

/// What is wrong with a `secret-name:key` reference, if anything.
fn secret_ref_problem(key: &KeyPath, reference: &str) -> Option<Problem> {
    match reference.split_once(':') {
        _ if parse_secret_ref(reference).is_some() => None,
        // A key of Secret-key characters that is still refused (`..`, too long);
        // anything else looks like a value, not a reference.
        Some((name, secret_key))
            if names::is_dns_subdomain(name)
                && !secret_key.is_empty()
                && secret_key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) =>
        {
            Some(Problem::bad_secret_key(key, reference, secret_key))
        }
        _ => Some(Problem::bad_secret_ref(key, reference)),
    }
}

/// Splits `secret-name:key`.
pub fn parse_secret_ref(reference: &str) -> Option<(&str, &str)> {
    let (name, key) = reference.split_once(':')?;
    (names::is_dns_subdomain(name) && names::is_secret_key(key)).then_some((name, key))
}

fn check_service(
    config: &Config,
    name: &str,
    service: &ServiceConfig,
    key: &KeyPath,
    problems: &mut Vec<Problem>,
) {
    let kind = service.kind.unwrap_or(Kind::Web);
    check_layer(key, service.layer(), problems);
    check_image_source(name, service, key, problems);
    for (field, value) in [
        ("build_image", &service.build_image),
        ("runtime_image", &service.runtime_image),
    ] {
        let Some(image) = value else { continue };
        if service.language.is_none() {
            problems.push(Problem::only_for_built(&key.key(field)));
        } else if let Some(problem) = image_problem(&key.key(field), image) {
            problems.push(problem);
        } else if !is_plain(image) {
            problems.push(Problem::bad_image(&key.key(field), image));
        }
    }
    check_ports(service, key, problems);
    let listens = service.port.is_some();
    if matches!(kind, Kind::Web | Kind::Stateful) && !listens {
        let kind_name = if kind == Kind::Web { "web" } else { "stateful" };
        problems.push(Problem::missing_port(key, name, kind_name));
    }
    if let Some(route) = &service.route {
        let key = key.key("route");
        if kind != Kind::Web || !listens {
            problems.push(Problem::route_needs_web(&key));
        } else if !names::is_http_path(route) {
            problems.push(Problem::bad_http_path(&key, route));
        }
    }
    for (field, value) in [("health", &service.health), ("ready", &service.ready)] {
        if let Some(path) = value
            && !names::is_http_path(path)
        {
            problems.push(Problem::bad_http_path(&key.key(field), path));
        }
    }
    if let Some(Metrics::Path(path)) = &service.metrics
        && !names::is_http_path(path)
    {
        problems.push(Problem::bad_http_path(&key.key("metrics"), path));
    }
    for (index, callee) in service.calls.iter().flatten().enumerate() {
        let key = key.key("calls").index(index);
        match config.services.get(callee) {
            None => problems.push(Problem::unknown_service(
                &key,
                callee,
                suggest(callee, config.services.keys().map(String::as_str)),
            )),
            Some(_) if callee == name => problems.push(Problem::calls_itself(&key, name)),
            Some(target) => {
                let target_kind = target.kind.unwrap_or(Kind::Web);
                if !matches!(target_kind, Kind::Web | Kind::Stateful) || target.port.is_none() {
                    problems.push(Problem::calls_unreachable(&key, callee));
                }
            }
        }
    }
    if let Some(canary) = &service.canary {
        check_canary(&key.key("canary"), canary, service, kind, problems);
    }
    check_kind_specific(name, service, kind, key, problems);
    check_service_layers(config, service, kind, key, problems);
    for (index, path) in service.writable_paths.iter().flatten().enumerate() {
        if !names::is_container_path(path) {
            problems.push(Problem::bad_absolute_path(
                &key.key("writable_paths").index(index),
                path,
            ));
        }
    }
    if let Some(path) = &service.data_path
        && !names::is_container_path(path)
    {
        problems.push(Problem::bad_absolute_path(&key.key("data_path"), path));
    }
    for (field, id) in [
        ("run_as_user", service.run_as_user),
        ("run_as_group", service.run_as_group),
    ] {
        if id == Some(0) {
            problems.push(Problem::root_user(&key.key(field)));
        }
    }
    check_mounts(service, key, problems);
    check_ignored(service, kind, key, problems);
    for (index, rule) in service.egress.iter().flatten().enumerate() {
        let key = key.key("egress").index(index);
        if !is_cidr(&rule.cidr) {
            problems.push(Problem::bad_cidr(&key.key("cidr"), &rule.cidr));
        }
        if !Whole::Port.contains(rule.port.into()) {
            problems.push(Problem::whole(
                &key.key("port"),
                &rule.port.to_string(),
                Whole::Port,
            ));
        }
    }
    for (index, arg) in service.args.iter().flatten().enumerate() {
        if arg.is_empty() {
            problems.push(Problem::empty_arg(&key.key("args").index(index)));
        }
    }
    for (environment, overrides) in service.environments.iter().flatten() {
        let key = key.key("environments").key(environment);
        if !config.environments.contains_key(environment) {
            problems.push(Problem::unknown_environment(
                &key,
                environment,
                suggest(environment, config.environments.keys().map(String::as_str)),
            ));
        }
        check_layer(&key, overrides.layer(), problems);
        if let Some(version) = &overrides.version {
            if service.image.is_some() {
                problems.push(Problem::image_for_third_party(
                    &key.key("version"),
                    "version",
                ));
            } else if !is_version(version) {
                problems.push(Problem::bad_version(&key.key("version"), version));
            }
        }
        if let Some(canary) = &overrides.canary {
            check_canary(&key.key("canary"), canary, service, kind, problems);
        }
        if kind == Kind::Cronjob && overrides.autoscale.is_some() {
            problems.push(Problem::autoscale_cronjob(&key.key("autoscale")));
        }
    }
    check_canary_versions(config, service, key, problems);
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
        let overrides = service
            .environments
            .as_ref()
            .and_then(|e| e.get(environment));
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

/// `address/prefix`, IPv4 or IPv6.
fn is_cidr(cidr: &str) -> bool {
    let Some((address, prefix)) = cidr.split_once('/') else {
        return false;
    };
    let Ok(prefix) = prefix.parse::<u8>() else {
        return false;
    };
    match address.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(_)) => prefix <= 32,
        Ok(std::net::IpAddr::V6(_)) => prefix <= 128,
        Err(_) => false,
    }
}

/// Every writable path is its own volume mount; Kubernetes rejects a path mounted twice.
fn check_mounts(service: &ServiceConfig, key: &KeyPath, problems: &mut Vec<Problem>) {
    let mut seen = vec!["/tmp"];
    if let Some(data) = &service.data_path {
        seen.push(data);
    }
    for (index, path) in service.writable_paths.iter().flatten().enumerate() {
        let trimmed = path.trim_end_matches('/');
        if seen.contains(&trimmed) {
            problems.push(Problem::duplicate_path(
                &key.key("writable_paths").index(index),
                path,
            ));
        } else {
            seen.push(trimmed);
        }
    }
}

/// Keys that would be silently ignored are mistakes worth saying so.
fn check_ignored(service: &ServiceConfig, kind: Kind, key: &KeyPath, problems: &mut Vec<Problem>) {
    let http = service.protocol.unwrap_or(if service.image.is_some() {
        Protocol::Tcp
    } else {
        Protocol::Http
    });
    if http != Protocol::Http {
        for (field, value) in [("health", &service.health), ("ready", &service.ready)] {
            if value.is_some() {
                problems.push(Problem::only_for_http(&key.key(field)));
            }
        }
    }
    if kind == Kind::Cronjob && service.replicas.is_some() {
        problems.push(Problem::ignored_key(
            &key.key("replicas"),
            "a cronjob runs one pod per schedule",
        ));
    }
    if service.metrics_port.is_some() && service.metrics == Some(Metrics::Enabled(false)) {
        problems.push(Problem::ignored_key(
            &key.key("metrics_port"),
            "`metrics` is false",
        ));
    }
}

fn is_version(version: &str) -> bool {
    names::is_label_value(version) && version != "latest"
}

fn check_image_source(
    name: &str,
    service: &ServiceConfig,
    key: &KeyPath,
    problems: &mut Vec<Problem>,
) {
    match (&service.language, &service.image) {
        (Some(_), Some(_)) => problems.push(Problem::both_image_sources(key, name)),
        (None, None) => problems.push(Problem::no_image_source(key, name)),
        (Some(_), None) => match &service.version {
            None => problems.push(Problem::missing_version(key, name)),
            Some(version) if !is_version(version) => {
                problems.push(Problem::bad_version(&key.key("version"), version))
            }
            Some(_) => {}
        },
        (None, Some(image)) => {
            if let Some(problem) = image_problem(&key.key("image"), image) {
                problems.push(problem);
            }
            if service.version.is_some() {
                problems.push(Problem::image_for_third_party(
                    &key.key("version"),
                    "version",
                ));
            }
        }
    }
}

/// The tag of `repo:tag` or `repo:tag@sha256:…`, if the reference is one a
/// runtime pulls, pinned, and its tag is usable as a label.
pub fn image_tag(image: &str) -> Option<&str> {
    crate::reference::parse(image)
        .ok()?
        .tag
        .filter(|tag| is_version(tag))
}

/// The problem with an image reference, if any: not a reference at all, or not pinned.
fn image_problem(key: &KeyPath, image: &str) -> Option<Problem> {
    match crate::reference::parse(image) {
        Err(reason) => Some(Problem::bad_image_reference(key, image, &reason)),
        Ok(_) if image_tag(image).is_none() => Some(Problem::bad_image(key, image)),
        Ok(_) => None,
    }
}

fn check_ports(service: &ServiceConfig, key: &KeyPath, problems: &mut Vec<Problem>) {
    let mut taken: BTreeMap<u16, String> = BTreeMap::new();
    let mut claim = |port: u16, owner: String, key: KeyPath, problems: &mut Vec<Problem>| {
        if !Whole::Port.contains(port.into()) {
            problems.push(Problem::whole(&key, &port.to_string(), Whole::Port));
        } else if SIDECAR_PORTS.contains(&port) {
            problems.push(Problem::reserved_port(&key, port));
        } else if let Some(other) = taken.get(&port) {
            problems.push(Problem::duplicate_port(&key, port, other));
        } else {
            taken.insert(port, owner);
        }
    };
    if let Some(port) = service.port {
        claim(port, "port".to_string(), key.key("port"), problems);
    }
    // The metrics port may be the main port or an extra port: that is sharing, not a clash.
    let extra_ports: Vec<u16> = service.ports.iter().flatten().map(|(_, p)| *p).collect();
    if let Some(port) = service.metrics_port
        && service.port != Some(port)
        && !extra_ports.contains(&port)
    {
        claim(
            port,
            "metrics_port".to_string(),
            key.key("metrics_port"),
            problems,
        );
    }
    for (name, port) in service.ports.iter().flatten() {
        let key = key.key("ports").key(name);
        if !names::is_port_name(name)
            || matches!(name.as_str(), "http" | "grpc" | "tcp" | "http-metrics")
        {
            problems.push(Problem::bad_port_name(&key, name));
        }
        claim(*port, format!("ports.{name}"), key, problems);
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
    if kind != Kind::Web || service.language.is_none() || service.port.is_none() {
        problems.push(Problem::canary_not_web(key));
    }
}

fn check_kind_specific(
    name: &str,
    service: &ServiceConfig,
    kind: Kind,
    key: &KeyPath,
    problems: &mut Vec<Problem>,
) {
    match (&service.schedule, kind) {
        (None, Kind::Cronjob) => problems.push(Problem::missing_schedule(key, name)),
        (Some(schedule), Kind::Cronjob) => {
            if let Err(reason) = cron::check(schedule) {
                problems.push(Problem::bad_schedule(
                    &key.key("schedule"),
                    schedule,
                    &reason,
                ));
            }
        }
        (Some(_), _) => problems.push(Problem::only_for_kind(&key.key("schedule"), "cronjob")),
        (None, _) => {}
    }
    match (&service.storage, kind) {
        (None, Kind::Stateful) => problems.push(Problem::missing_storage(key, name)),
        (Some(storage), Kind::Stateful) => match Quantity::read(storage, Unit::Bytes) {
            Ok(_) => {}
            Err(Refused::Malformed) => problems.push(Problem::bad_quantity(
                &key.key("storage"),
                storage,
                "storage",
            )),
            Err(Refused::TooLarge) => problems.push(Problem::quantity_too_large(
                &key.key("storage"),
                storage,
                "storage",
            )),
        },
        (Some(_), _) => problems.push(Problem::only_for_kind(&key.key("storage"), "stateful")),
        (None, _) => {}
    }
    if service.data_path.is_some() && kind != Kind::Stateful {
        problems.push(Problem::only_for_kind(&key.key("data_path"), "stateful"));
    }
    if kind == Kind::Cronjob && service.autoscale.is_some() {
        problems.push(Problem::autoscale_cronjob(&key.key("autoscale")));
    }
}

/// Values bound for a ConfigMap must fit in one.
fn check_value_sizes(config: &Config, problems: &mut Vec<Problem>) {
    let mut tables: Vec<(KeyPath, Layer<'_>)> =
        vec![(KeyPath::new(&["defaults"]), config.defaults.layer())];
    for (name, environment) in &config.environments {
        tables.push((KeyPath::new(&["environments", name]), environment.layer()));
    }
    for (name, service) in &config.services {
        let key = KeyPath::new(&["services", name]);
        for (environment, overrides) in service.environments.iter().flatten() {
            tables.push((key.key("environments").key(environment), overrides.layer()));
        }
        tables.push((key, service.layer()));
    }
    for (key, layer) in tables {
        for (name, value) in layer.env.into_iter().flatten() {
            if value.len() > MAX_ENV_VALUE {
                problems.push(Problem::too_large(
                    &key.key("env").key(name),
                    "bytes",
                    MAX_ENV_VALUE,
                ));
            }
        }
    }
}
