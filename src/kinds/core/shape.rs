//! The rules of a service's shape (issue 15): the Service in front of its
//! pods (`service_port`, `service_type`, `node_port`) and the variables it
//! reads without kiln holding their values (`env_fields`, `env_from`).

use crate::config::{
    Config, EnvironmentConfig, Kind, QuotaSetting, QuotaTable, ServiceConfig, parse_percent,
};
use crate::diagnostics::{KeyPath, Problem};
use crate::grammar::names;
use crate::kinds::kind::Explained;
use crate::model::Environment;

/// The range Kubernetes allocates node ports from by default
/// (`--service-node-port-range`).
pub const NODE_PORTS: std::ops::RangeInclusive<u16> = 30000..=32767;

/// The pod fields Kubernetes lets `env[].valueFrom.fieldRef` read, besides
/// `metadata.labels['…']` and `metadata.annotations['…']`.
pub const POD_FIELDS: &[&str] = &[
    "metadata.name",
    "metadata.namespace",
    "metadata.uid",
    "spec.nodeName",
    "spec.serviceAccountName",
    "status.hostIP",
    "status.hostIPs",
    "status.podIP",
    "status.podIPs",
];

pub fn check(
    config: &Config,
    name: &str,
    service: &ServiceConfig,
    key: &KeyPath,
    problems: &mut Vec<Problem>,
) {
    let fronted = service.kind.unwrap_or(Kind::Web).serves() && service.port.is_some();
    let without =
        "the service has no Service: it needs `kind = \"web\"` or `\"stateful\"` and a `port`";
    if let Some(service_port) = service.service_port {
        if !fronted {
            problems.push(Problem::ignored_key(&key.key("service_port"), without));
        }
        // The Service's other ports keep their container numbers.
        let mut others: Vec<(String, u16)> = service
            .ports
            .iter()
            .flatten()
            .map(|(n, p)| (format!("ports.{n}"), *p))
            .collect();
        if let Some(metrics) = service.metrics_port
            && Some(metrics) != service.port
        {
            others.push(("metrics_port".into(), metrics));
        }
        if let Some((other, _)) = others.iter().find(|(_, p)| *p == service_port) {
            problems.push(Problem::duplicate_port(
                &key.key("service_port"),
                service_port,
                other,
            ));
        }
    }
    let external = service.service_type.is_some_and(|t| t.is_external());
    if service.service_type.is_some() && !fronted {
        problems.push(Problem::ignored_key(&key.key("service_type"), without));
    }
    if let Some(node_port) = service.node_port {
        let key = key.key("node_port");
        if !external {
            problems.push(Problem::node_port_without_type(&key));
        } else if !NODE_PORTS.contains(&node_port) {
            problems.push(Problem::bad_node_port(&key, node_port));
        }
    }
    check_node_ports_unique(config, name, service, key, problems);

    for (var, field) in service.env_fields.iter().flatten() {
        let key = key.key("env_fields").key(var);
        if !names::is_env_name(var) {
            problems.push(Problem::bad_env_name(&key, var));
        }
        if !is_pod_field(field) {
            problems.push(Problem::bad_pod_field(&key, field));
        }
        let elsewhere = config
            .layers()
            .into_iter()
            .chain(
                config
                    .preset_layers
                    .get(name)
                    .map(|p| (key.clone(), p.layer())),
            )
            .filter(|(table, _)| {
                let table = table.to_string();
                !table.starts_with("services.")
                    || table == format!("services.{name}")
                    || table.starts_with(&format!("services.{name}."))
            })
            .any(|(_, layer)| {
                layer.env.is_some_and(|e| e.contains_key(var))
                    || layer.secrets.is_some_and(|s| s.contains_key(var))
            });
        if elsewhere {
            problems.push(Problem::env_field_elsewhere(&key, var));
        }
    }
    for (index, source) in service.env_from.iter().flatten().enumerate() {
        let key = key.key("env_from").index(index);
        match (&source.secret, &source.config_map) {
            (Some(_), Some(_)) | (None, None) => problems.push(Problem::env_from_one(&key)),
            (Some(object), None) | (None, Some(object)) => {
                let field = if source.secret.is_some() {
                    "secret"
                } else {
                    "config_map"
                };
                if !names::is_dns_subdomain(object) || object.is_empty() {
                    problems.push(Problem::bad_object_name(
                        &key.key(field),
                        object,
                        if field == "secret" {
                            "Secret"
                        } else {
                            "ConfigMap"
                        },
                    ));
                }
            }
        }
    }
}

/// `quota = { headroom }`: a whole percent.
pub fn check_environment(
    environment: &EnvironmentConfig,
    key: &KeyPath,
    problems: &mut Vec<Problem>,
) {
    if let Some(QuotaSetting::Quota(QuotaTable {
        headroom: Some(text),
    })) = &environment.quota
        && parse_percent(text).is_none()
    {
        problems.push(Problem::bad_headroom(
            &key.key("quota").key("headroom"),
            text,
        ));
    }
}

/// `quota` as `kiln explain` shows it: the environment's, or the exact sum.
pub fn explain_quota(config: &Config, environment: &Environment) -> Explained {
    let set = config
        .environments
        .get(&environment.name)
        .and_then(|e| e.quota.as_ref());
    let value = match (
        &environment.quota,
        set.map_or(Some(0), QuotaSetting::headroom),
    ) {
        (Some(_), Some(percent)) => format!("{{ headroom = \"{percent}%\" }}"),
        _ => "false".to_string(),
    };
    Explained {
        key: "quota".into(),
        value,
        source: match set {
            Some(_) => format!("[environments.{}]", environment.name),
            None => "built-in default".into(),
        },
    }
}

/// Two Services may not claim the same node port: the API server refuses the second.
fn check_node_ports_unique(
    config: &Config,
    name: &str,
    service: &ServiceConfig,
    key: &KeyPath,
    problems: &mut Vec<Problem>,
) {
    let Some(port) = service.node_port else {
        return;
    };
    if let Some((first, _)) = config
        .services
        .iter()
        .take_while(|(other, _)| other.as_str() != name)
        .find(|(_, other)| other.node_port == Some(port))
    {
        problems.push(Problem::duplicate_port(
            &key.key("node_port"),
            port,
            &format!("services.{first}.node_port"),
        ));
    }
}

/// A field `fieldRef` may read in `env`.
pub fn is_pod_field(field: &str) -> bool {
    if POD_FIELDS.contains(&field) {
        return true;
    }
    ["metadata.labels", "metadata.annotations"]
        .iter()
        .any(|prefix| {
            field
                .strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix("['"))
                .and_then(|rest| rest.strip_suffix("']"))
                .is_some_and(names::is_label_key)
        })
}

/// The problems of a service's shape (`shape.rs`).
impl Problem {
    pub fn node_port_without_type(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs a Service that has node ports"),
            Some(
                "set `service_type = \"NodePort\"` or `\"LoadBalancer\"`, or remove it".to_string(),
            ),
        )
    }

    pub fn bad_node_port(key: &KeyPath, port: u16) -> Self {
        Problem::at(
            key,
            format!("node port {port} in `{key}` is outside 30000-32767"),
            Some(
                "pick a port from Kubernetes' node port range, or leave it out and let Kubernetes pick"
                    .to_string(),
            ),
        )
    }

    pub fn bad_pod_field(key: &KeyPath, field: &str) -> Self {
        Problem::at(
            key,
            format!("`{field}` in `{key}` is not a pod field a variable can read"),
            Some(format!(
                "use one of {}, `metadata.labels['KEY']` or `metadata.annotations['KEY']`",
                super::shape::POD_FIELDS
                    .iter()
                    .map(|f| format!("`{f}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        )
    }

    pub fn env_field_elsewhere(key: &KeyPath, var: &str) -> Self {
        Problem::at(
            key,
            format!("`{var}` is set both in `env_fields` and in `env` or `secrets`"),
            Some("a variable comes from one place; remove one of them".to_string()),
        )
    }

    pub fn env_from_one(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` must name exactly one of `secret` and `config_map`"),
            Some("write `{ secret = \"name\" }` or `{ config_map = \"name\" }`".to_string()),
        )
    }

    pub fn bad_headroom(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a headroom"),
            Some("write a whole percent from `0%` to `1000%`, such as `\"25%\"`".to_string()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pod_fields_are_the_ones_kubernetes_allows_in_env() {
        for good in [
            "status.podIP",
            "metadata.labels['app.kubernetes.io/name']",
            "metadata.annotations['team']",
            "spec.nodeName",
        ] {
            assert!(is_pod_field(good), "{good}");
        }
        for bad in [
            "status.podip",
            "metadata.labels",
            "metadata.labels['']",
            "metadata.labels[app]",
            "spec.containers",
            "",
        ] {
            assert!(!is_pod_field(bad), "{bad}");
        }
    }
}
