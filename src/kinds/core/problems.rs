//! The words of the core keys' problems.

use crate::diagnostics::{KeyPath, Problem, did_you_mean};

impl Problem {
    pub fn no_environments() -> Self {
        Problem::at(
            &KeyPath::new(&["environments"]),
            "no environments defined".to_string(),
            Some("add at least one, e.g. `[environments.dev]`".to_string()),
        )
    }

    pub fn unknown_service(key: &KeyPath, name: &str, suggestion: Option<&str>) -> Self {
        Problem::at(
            key,
            format!("unknown service `{name}` in `{key}`"),
            did_you_mean(suggestion),
        )
    }

    pub fn calls_itself(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("service `{name}` lists itself in `{key}`"),
            Some("a service always reaches itself; remove it from `calls`".to_string()),
        )
    }

    pub fn calls_unreachable(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` names `{name}`, which has no Service to call"),
            Some("only `web` and `stateful` services with a `port` can be called".to_string()),
        )
    }

    pub fn duplicate_port(key: &KeyPath, port: u16, other: &str) -> Self {
        Problem::at(
            key,
            format!("port {port} in `{key}` is already used by `{other}`"),
            Some("give every port of a service its own number".to_string()),
        )
    }

    pub fn reserved_port(key: &KeyPath, port: u16) -> Self {
        Problem::at(
            key,
            format!("port {port} in `{key}` is reserved by the Istio sidecar"),
            Some("pick a port outside 15000-15090".to_string()),
        )
    }

    pub fn missing_version(key: &KeyPath, service: &str) -> Self {
        Problem::at(
            key,
            format!("service `{service}` is built from source but has no `version`"),
            Some(format!(
                "add `version = \"1.0.0\"` to `[services.{service}]`; it is the image tag"
            )),
        )
    }

    pub fn no_image_source(key: &KeyPath, service: &str) -> Self {
        Problem::at(
            key,
            format!(
                "service `{service}` needs either `language` (built by you) or `image` (a third-party image)"
            ),
            None,
        )
    }

    pub fn both_image_sources(key: &KeyPath, service: &str) -> Self {
        Problem::at(
            key,
            format!("service `{service}` sets both `language` and `image`"),
            Some("keep `language` + `version` for an image you build, or `image` for a third-party one".to_string()),
        )
    }

    pub fn image_for_third_party(key: &KeyPath, what: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` sets `{what}`, which only applies to services built from source"),
            Some("change the tag inside `image` instead".to_string()),
        )
    }

    pub fn duplicate_path(key: &KeyPath, path: &str) -> Self {
        Problem::at(
            key,
            format!("`{path}` in `{key}` is mounted twice"),
            Some("list each writable path once, and not the `data_path` or `/tmp`, which are always writable".to_string()),
        )
    }

    pub fn only_for_http(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies to services whose `protocol` is `http`"),
            Some("grpc and tcp services get TCP probes on their port; remove this key".to_string()),
        )
    }

    pub fn ignored_key(key: &KeyPath, why: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` has no effect: {why}"),
            Some("remove it".to_string()),
        )
    }

    pub fn bad_cidr(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a CIDR block"),
            Some(
                "write an address and prefix length, such as `203.0.113.0/24` or `2001:db8::/32`"
                    .to_string(),
            ),
        )
    }

    pub fn missing_registry(service: &str) -> Self {
        Problem::at(
            &KeyPath::new(&["project", "registry"]),
            format!("service `{service}` is built from source, so `project.registry` is required"),
            Some("add `registry = \"ghcr.io/your-org/your-app\"` to `[project]`".to_string()),
        )
    }

    pub fn bad_registry(key: &KeyPath, registry: &str) -> Self {
        Problem::at(
            key,
            format!("`{registry}` in `{key}` is not an image repository"),
            Some(
                "use a host and path such as `ghcr.io/acme/shop`, without a tag or trailing `/`"
                    .to_string(),
            ),
        )
    }

    pub fn bad_quantity(key: &KeyPath, value: &str, what: &str) -> Self {
        let example = if what == "cpu" {
            "`250m` or `1`"
        } else {
            "`256Mi` or `1Gi`"
        };
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a {what} quantity Kubernetes accepts"),
            Some(format!(
                "write a number with an optional unit, such as {example}"
            )),
        )
    }

    pub fn quantity_too_large(key: &KeyPath, value: &str, what: &str) -> Self {
        let unit = if what == "cpu" { "cores" } else { "bytes" };
        Problem::at(
            key,
            format!("`{value}` in `{key}` is more {what} than Kubernetes can hold"),
            Some(format!(
                "a quantity holds at most {} {unit}, and the API server silently caps a larger one",
                crate::grammar::quantity::MAX_TEXT
            )),
        )
    }

    pub fn autoscale_range(key: &KeyPath, min: u32, max: u32) -> Self {
        Problem::at(
            key,
            format!("`{key}` has min {min} above max {max}"),
            Some("set `min` to at most `max`".to_string()),
        )
    }

    pub fn autoscale_cronjob(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` cannot apply to a cronjob"),
            Some("remove `autoscale` from this service".to_string()),
        )
    }

    pub fn missing_schedule(key: &KeyPath, service: &str) -> Self {
        Problem::at(
            key,
            format!("cronjob `{service}` has no `schedule`"),
            Some("add a cron schedule such as `schedule = \"0 2 * * *\"`".to_string()),
        )
    }

    pub fn bad_schedule(key: &KeyPath, schedule: &str, reason: &str) -> Self {
        Problem::at(
            key,
            format!("`{schedule}` in `{key}` is not a valid cron schedule: {reason}"),
            Some(
                "use five fields, minute hour day-of-month month day-of-week (0-6 or `sun`-`sat`), \
                 such as `0 2 * * *`, or a descriptor such as `@daily` or `@every 6h`"
                    .to_string(),
            ),
        )
    }

    pub fn only_for_kind(key: &KeyPath, kind: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies to `{kind}` services"),
            Some("remove it, or set `kind`".to_string()),
        )
    }

    pub fn missing_storage(key: &KeyPath, service: &str) -> Self {
        Problem::at(
            key,
            format!("stateful service `{service}` has no `storage`"),
            Some("add the volume size, such as `storage = \"5Gi\"`".to_string()),
        )
    }

    pub fn unknown_environment(key: &KeyPath, name: &str, suggestion: Option<&str>) -> Self {
        let hint = did_you_mean(suggestion)
            .or_else(|| Some("declare it under `[environments]` first".to_string()));
        Problem::at(
            key,
            format!("unknown environment `{name}` in `{key}`"),
            hint,
        )
    }

    pub fn missing_port(key: &KeyPath, service: &str, kind: &str) -> Self {
        Problem::at(
            key,
            format!("{kind} service `{service}` has no `port`"),
            Some("add the port it listens on, such as `port = 8080`".to_string()),
        )
    }

    pub fn bad_env_name(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("`{name}` in `{key}` is not a valid environment variable name"),
            Some("use letters, digits and `_`, not starting with a digit".to_string()),
        )
    }

    pub fn env_and_secret(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("`{name}` is set both in `env` and in `secrets`"),
            Some("a variable comes from one place; remove one of them".to_string()),
        )
    }

    pub fn bad_absolute_path(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not an absolute path"),
            Some("use a path such as `/var/cache/app`, without `..`".to_string()),
        )
    }

    pub fn bad_port_name(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("`{name}` in `{key}` is not a valid port name"),
            Some(
                "use at most 15 lowercase letters, digits and `-`, with at least one letter"
                    .to_string(),
            ),
        )
    }

    pub fn root_user(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` is 0, which is root"),
            Some("pods run as non-root; use the image's own non-root id".to_string()),
        )
    }

    pub fn empty_arg(key: &KeyPath) -> Self {
        Problem::at(key, format!("`{key}` contains an empty string"), None)
    }

    pub fn too_large(key: &KeyPath, what: &str, max: usize) -> Self {
        Problem::at(
            key,
            format!("`{key}` is too large: at most {max} {what}"),
            None,
        )
    }
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

    pub fn bad_object_name(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("`{name}` in `{key}` is not a Kubernetes object name"),
            Some(
                "use lowercase letters, digits, `-` and `.`, starting and ending with a letter or digit"
                    .to_string(),
            ),
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
