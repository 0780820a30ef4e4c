//! Whole-config rules. Every rule runs, so one `kiln check` reports every
//! problem at once; each problem carries the key path it is about.

use crate::config::{
    Canary, Config, EnvironmentConfig, Kind, Layer, Metrics, Protocol, ServiceConfig,
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
    if let Some(es) = &environment.elasticsearch {
        let key = key.key("elasticsearch");
        if !names::is_host(&es.host) {
            problems.push(Problem::bad_host(&key.key("host"), &es.host));
        }
        if es.port == Some(0) {
            problems.push(Problem::zero_port(&key.key("port")));
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
            && parse_secret_ref(password).is_none()
        {
            problems.push(Problem::bad_secret_ref(&key.key("password"), password));
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
                "(0, 100]",
                "it is the percent of answers that are 5xx errors",
            ));
        }
        if alerts.latency_p99_ms == Some(0) {
            problems.push(Problem::out_of_range(
                &key.key("latency_p99_ms"),
                "0",
                "1..",
                "it is the p99 latency in milliseconds above which the alert fires",
            ));
        }
        if let Some(percent) = alerts.volume_percent
            && !(1..=99).contains(&percent)
        {
            problems.push(Problem::out_of_range(
                &key.key("volume_percent"),
                &percent.to_string(),
                "1..=99",
                "it is the percent of a volume in use above which the alert fires",
            ));
        }
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
    let per_try = service
        .retries
        .as_ref()
        .and_then(|r| r.per_try_timeout.as_ref());
    let outlier = service.outlier_detection.as_ref();
    let durations = [
        (key.key("timeout"), service.timeout.as_ref()),
        (key.key("scrape_interval"), service.scrape_interval.as_ref()),
        (key.key("retries").key("per_try_timeout"), per_try),
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
    if let Some(attempts) = service.retries.as_ref().and_then(|r| r.attempts)
        && attempts > 10
    {
        problems.push(Problem::out_of_range(
            &key.key("retries").key("attempts"),
            &attempts.to_string(),
            "0..=10",
            "it is how often a failed request is tried again; 0 turns retries off",
        ));
    }
    if let Some(percent) = outlier.and_then(|o| o.max_ejection_percent)
        && !(1..=100).contains(&percent)
    {
        problems.push(Problem::out_of_range(
            &key.key("outlier_detection").key("max_ejection_percent"),
            &percent.to_string(),
            "1..=100",
            "it is the most pods, in percent, ejected from the pool at once",
        ));
    }
    let has_canary = service.canary.is_some()
        || service
            .environments
            .iter()
            .flatten()
            .any(|(_, o)| o.canary.is_some());
    if service.route.is_none() && !has_canary {
        for (field, set) in [
            ("timeout", service.timeout.is_some()),
            ("retries", service.retries.is_some()),
        ] {
            if set {
                problems.push(Problem::needs_route_or_canary(&key.key(field)));
            }
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

/// An image repository: lowercase path components separated by `/`, with an
/// optional `host[:port]` first, and no tag.
fn is_registry(registry: &str) -> bool {
    let mut parts = registry.split('/');
    let host = parts.next().unwrap_or_default();
    let (host, port) = host.split_once(':').unwrap_or((host, "0"));
    let path_ok = parts.all(|part| {
        !part.is_empty()
            && part.bytes().all(|b| {
                b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'-')
            })
    });
    !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-'))
        && port.parse::<u16>().is_ok()
        && path_ok
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
        if autoscale.min == 0 {
            problems.push(Problem::autoscale_min_zero(&key));
        }
        if autoscale.min > autoscale.max {
            problems.push(Problem::autoscale_range(&key, autoscale.min, autoscale.max));
        }
        if let Some(cpu) = autoscale.cpu
            && !(1..=100).contains(&cpu)
        {
            problems.push(Problem::autoscale_cpu(&key, cpu));
        }
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
        if parse_secret_ref(reference).is_none() {
            problems.push(Problem::bad_secret_ref(&key, reference));
        }
        if layer.env.is_some_and(|env| env.contains_key(name)) {
            problems.push(Problem::env_and_secret(&key, name));
        }
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
        } else if image_tag(image).is_none() || !is_plain(image) {
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
        if rule.port == 0 {
            problems.push(Problem::zero_port(&key.key("port")));
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
            if image_tag(image).is_none() {
                problems.push(Problem::bad_image(&key.key("image"), image));
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

/// The tag of `repo:tag` or `repo:tag@sha256:…`, if it is pinned and usable as a label.
pub fn image_tag(image: &str) -> Option<&str> {
    let without_digest = image.split_once('@').map_or(image, |(name, _)| name);
    let last = without_digest.rsplit('/').next()?;
    let (repository, tag) = last.split_once(':')?;
    let clean = |s: &str| !s.is_empty() && !s.chars().any(|c| c.is_whitespace() || c.is_control());
    (clean(repository) && clean(image) && is_version(tag)).then_some(tag)
}

fn check_ports(service: &ServiceConfig, key: &KeyPath, problems: &mut Vec<Problem>) {
    let mut taken: BTreeMap<u16, String> = BTreeMap::new();
    let mut claim = |port: u16, owner: String, key: KeyPath, problems: &mut Vec<Problem>| {
        if port == 0 {
            problems.push(Problem::zero_port(&key));
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
    if canary.weight > 100 {
        problems.push(Problem::canary_weight(&key.key("weight"), canary.weight));
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
