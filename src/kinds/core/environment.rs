//! The core of every environment: its namespace, labels, quota and limits.

use super::quota::Totals;
use crate::config::{Config, Mtls};
use crate::diagnostics::{Error, KeyPath, Problem};
use crate::grammar::names;
use crate::kinds::Explained;
use crate::model::{Environment, ProjectView, Service};
use crate::resolve::{Layers, common_labels};
use std::collections::BTreeMap;

/// Environment `name` with its resolved `services`, whose pods `totals`
/// adds up; the other kinds add their objects to it.
pub fn environment(
    config: &Config,
    project: &ProjectView,
    name: &str,
    services: Vec<Service>,
    totals: &Totals,
    problems: &mut Vec<Problem>,
) -> Environment {
    let environment = &config.environments[name];
    let namespace = namespace(config, name);
    let mut labels = common_labels(project);
    labels.insert("app.kubernetes.io/name".into(), project.name.clone());
    labels.insert("app.kubernetes.io/instance".into(), namespace.clone());
    labels.insert("app.kubernetes.io/component".into(), "environment".into());
    let wide = Layers::new(config, name, None);
    let (default, default_quantities) = wide.resources(problems);
    Environment {
        name: name.to_string(),
        namespace,
        domain: environment.domain.clone(),
        mtls: environment.mtls.unwrap_or(Mtls::Strict).into(),
        labels,
        services,
        quota: environment
            .quota
            .as_ref()
            .map_or(Some(0), |q| q.headroom())
            .map(|headroom| {
                totals.quota(&KeyPath::new(&["environments", name]), headroom, problems)
            }),
        limit_range: totals.limit_range(default, default_quantities),
        mesh: None,
        monitoring: None,
        logging: None,
        tracing: None,
        external_secrets: Vec::new(),
        traffic: None,
        files: Vec::new(),
    }
}

/// The namespace of `environment`, the one place it is decided: its
/// `namespace` key, else `{project}-{env}`.
pub fn namespace(config: &Config, environment: &str) -> String {
    config
        .environments
        .get(environment)
        .and_then(|e| e.namespace.clone())
        .unwrap_or_else(|| format!("{}-{environment}", config.project.name))
}

/// Each `namespace` is a DNS label, and no two environments share one:
/// the second would overwrite the first's objects in the cluster.
pub fn check_namespaces(config: &Config, problems: &mut Vec<Problem>) {
    let mut taken: BTreeMap<String, &str> = BTreeMap::new();
    for (name, environment) in &config.environments {
        let key = KeyPath::new(&["environments", name]);
        if let Some(own) = &environment.namespace
            && !names::is_dns_label(own, 63)
        {
            problems.push(Problem::not_a_label(&key.key("namespace"), own, 63, false));
        }
        let namespace = namespace(config, name);
        if let Some(first) = taken.get(&namespace) {
            // Located where a `namespace` is written: this one's, else the first's.
            let at = if environment.namespace.is_some() {
                key.key("namespace")
            } else {
                KeyPath::new(&["environments", first, "namespace"])
            };
            problems.push(Problem::duplicate_namespace(&at, &namespace, first, name));
        } else {
            taken.insert(namespace, name);
        }
    }
}

/// A service that is in an environment calls only services that are there
/// too: its policies would name a Service that does not exist.
pub fn check_enabled(config: &Config, problems: &mut Vec<Problem>) {
    for (caller, service) in &config.services {
        for environment in config.environments.keys() {
            if !service.enabled_in(environment) {
                continue;
            }
            let own = service
                .overrides_in(environment)
                .is_some_and(|o| o.calls.is_some());
            let key = match own {
                true => KeyPath::new(&["services", caller, "environments", environment, "calls"]),
                false => KeyPath::new(&["services", caller, "calls"]),
            };
            for (index, callee) in service.calls_in(environment).iter().enumerate() {
                if config
                    .services
                    .get(callee)
                    .is_some_and(|c| !c.enabled_in(environment))
                {
                    problems.push(Problem::calls_disabled(
                        &key.index(index),
                        caller,
                        callee,
                        environment,
                    ));
                }
            }
        }
    }
}

/// `namespace` as `kiln explain` shows it, and where it came from.
pub fn explain_namespace(config: &Config, environment: &Environment) -> Explained {
    let set = config
        .environments
        .get(&environment.name)
        .is_some_and(|e| e.namespace.is_some());
    Explained {
        key: "namespace".into(),
        value: serde_json::to_string(&environment.namespace).unwrap_or_default(),
        source: match set {
            true => format!("[environments.{}]", environment.name),
            false => "built-in default (`{project}-{env}`)".into(),
        },
    }
}

/// What a command says of `service` in `environment`, where it is disabled.
pub fn disabled(service: &str, environment: &str) -> Error {
    Error::Disabled {
        message: format!(
            "service `{service}` is disabled in environment `{environment}`\n  = hint: \
             `enabled = false` in `[services.{service}.environments.{environment}]` leaves it \
             out; explain it in an environment it runs in"
        ),
    }
}
