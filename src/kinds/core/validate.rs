//! The rules of the core keys: the project's and environments' names, each
//! service's name, image, ports, kind and what it needs, calls, volumes and
//! user, and the resources and variables of every layer.

use super::super::rules::{image_problem, secret_ref_problem};
use crate::config::limits::*;
use crate::config::{Config, Kind, Layer, Metrics, Protocol, ServiceConfig, Whole};
use crate::diagnostics::{KeyPath, Problem, suggest};
use crate::grammar::cron;
use crate::grammar::names::{self, is_version};
use crate::grammar::quantity::{Quantity, Refused, Unit};
use crate::grammar::reference::is_registry;
use std::collections::BTreeMap;

/// Ports the Istio sidecar listens on: a service may not take them, mesh or not.
const SIDECAR_PORTS: std::ops::RangeInclusive<u16> = 15000..=15090;

pub fn validate(config: &Config, problems: &mut Vec<Problem>) {
    check_project(config, problems);
    check_layer(
        &KeyPath::new(&["defaults"]),
        config.defaults.layer(),
        problems,
    );
    if config.environments.is_empty() {
        problems.push(Problem::no_environments());
    }
    for (name, environment) in &config.environments {
        let key = KeyPath::new(&["environments", name]);
        if !names::is_dns_label(name, MAX_ENVIRONMENT) {
            problems.push(Problem::not_a_label(&key, name, MAX_ENVIRONMENT, false));
        }
        check_layer(&key, environment.layer(), problems);
        super::shape::check_environment(environment, &key, problems);
    }
    super::environment::check_namespaces(config, problems);
    super::environment::check_enabled(config, problems);
    if config.services.len() > MAX_SERVICES {
        problems.push(Problem::too_large(
            &KeyPath::new(&["services"]),
            "services",
            MAX_SERVICES,
        ));
    }
    check_value_sizes(config, problems);
    for (name, service) in &config.services {
        let key = KeyPath::new(&["services", name]);
        if !names::is_dns1035_label(name, MAX_SERVICE) {
            problems.push(Problem::not_a_label(&key, name, MAX_SERVICE, true));
        }
        check_service(config, name, service, &key, problems);
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
    let built = config.services.iter().find(|(_, s)| s.language.is_some());
    if let (Some((service, _)), None) = (built, &project.registry) {
        problems.push(Problem::missing_registry(service));
    }
}

fn check_layer(key: &KeyPath, layer: Layer<'_>, problems: &mut Vec<Problem>) {
    super::podspec::check_layer(key, layer, problems);
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
    check_ports(service, key, problems);
    super::shape::check(config, name, service, key, problems);
    let listens = service.port.is_some();
    if kind.serves() && !listens {
        problems.push(Problem::missing_port(key, name, kind.as_str()));
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
    check_calls(
        config,
        name,
        service.calls.iter().flatten(),
        &key.key("calls"),
        problems,
    );
    check_kind_specific(name, service, kind, key, problems);
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
    super::podspec::check_service(name, service, kind, key, problems);
    check_ignored(service, kind, key, problems);
    check_egress(
        service.egress.iter().flatten(),
        &key.key("egress"),
        problems,
    );
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
        if kind == Kind::Cronjob && overrides.autoscale.is_some() {
            problems.push(Problem::autoscale_cronjob(&key.key("autoscale")));
        }
        check_calls(
            config,
            name,
            overrides.calls.iter().flatten(),
            &key.key("calls"),
            problems,
        );
        check_egress(
            overrides.egress.iter().flatten(),
            &key.key("egress"),
            problems,
        );
    }
}

/// Each callee in `calls` (of the service, or of one of its environments)
/// is another declared service that has a Service to call.
fn check_calls<'a>(
    config: &Config,
    name: &str,
    calls: impl Iterator<Item = &'a String>,
    key: &KeyPath,
    problems: &mut Vec<Problem>,
) {
    for (index, callee) in calls.enumerate() {
        let key = key.index(index);
        match config.services.get(callee) {
            None => problems.push(Problem::unknown_service(
                &key,
                callee,
                suggest(callee, config.services.keys().map(String::as_str)),
            )),
            Some(_) if callee == name => problems.push(Problem::calls_itself(&key, name)),
            Some(target) => {
                let target_kind = target.kind.unwrap_or(Kind::Web);
                if !target_kind.serves() || target.port.is_none() {
                    problems.push(Problem::calls_unreachable(&key, callee));
                }
            }
        }
    }
}

fn check_egress<'a>(
    rules: impl Iterator<Item = &'a crate::config::Egress>,
    key: &KeyPath,
    problems: &mut Vec<Problem>,
) {
    for (index, rule) in rules.enumerate() {
        let key = key.index(index);
        match (&rule.cidr, &rule.host) {
            (Some(cidr), None) if !is_cidr(cidr) => {
                problems.push(Problem::bad_cidr(&key.key("cidr"), cidr));
            }
            (None, Some(host)) if !is_egress_host(host) => {
                problems.push(Problem::bad_egress_host(&key.key("host"), host));
            }
            (Some(_), Some(_)) | (None, None) => {
                problems.push(Problem::egress_cidr_or_host(&key));
            }
            _ => {}
        }
        if !Whole::Port.contains(rule.port.into()) {
            problems.push(Problem::whole(
                &key.key("port"),
                &rule.port.to_string(),
                Whole::Port,
            ));
        }
    }
}

/// A fully qualified host name outside the cluster: lowercase DNS labels,
/// at least two, none of them an IP address or a cluster-local name.
fn is_egress_host(host: &str) -> bool {
    names::is_dns_subdomain(host)
        && host.contains('.')
        && host.parse::<std::net::IpAddr>().is_err()
        && !host.ends_with(".local")
        && !host.ends_with(".svc")
        && host
            .rsplit('.')
            .next()
            .is_some_and(|tld| !tld.bytes().all(|b| b.is_ascii_digit()))
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
    let http_probes = match &service.probes {
        Some(crate::config::ProbesSetting::Table(table)) if table.kind.is_some() => {
            table.kind == Some(crate::config::ProbeKindWord::Http)
        }
        _ => http == Protocol::Http,
    };
    if !http_probes {
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
            // The names kiln gives the main port and the metrics port.
            || Protocol::ALL.iter().any(|p| p.as_str() == name)
            || name == "http-metrics"
        {
            problems.push(Problem::bad_port_name(&key, name));
        }
        claim(*port, format!("ports.{name}"), key, problems);
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
        (Some(_), _) => problems.push(Problem::only_for_kind(
            &key.key("schedule"),
            Kind::Cronjob.as_str(),
        )),
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
        (Some(_), _) => problems.push(Problem::only_for_kind(
            &key.key("storage"),
            Kind::Stateful.as_str(),
        )),
        (None, _) => {}
    }
    if service.data_path.is_some() && kind != Kind::Stateful {
        problems.push(Problem::only_for_kind(
            &key.key("data_path"),
            Kind::Stateful.as_str(),
        ));
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
