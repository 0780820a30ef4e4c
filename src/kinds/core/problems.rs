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

    pub fn duplicate_namespace(key: &KeyPath, namespace: &str, first: &str, second: &str) -> Self {
        Problem::at(
            key,
            format!(
                "environments `{first}` and `{second}` both use the namespace `{namespace}` (`{key}`)"
            ),
            Some("give each environment its own `namespace`".to_string()),
        )
    }

    pub fn calls_disabled(key: &KeyPath, caller: &str, callee: &str, environment: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` names `{callee}`, which is disabled in environment `{environment}`"),
            Some(format!(
                "disable `{caller}` there too, or give it its own `calls` without `{callee}` in \
                 `[services.{caller}.environments.{environment}]`"
            )),
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
            Some("grpc services get gRPC health probes and tcp services TCP probes on their port; remove this key, or set `probes = { kind = \"http\" }`".to_string()),
        )
    }

    pub fn ignored_key(key: &KeyPath, why: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` has no effect: {why}"),
            Some("remove it".to_string()),
        )
    }

    pub fn bad_egress_host(key: &KeyPath, value: &str) -> Self {
        let hint = if value.starts_with("*.") {
            "wildcards are not accepted: an Istio ServiceEntry cannot resolve `*.` hosts by DNS; name each host, such as `api.example.com`"
        } else {
            "write a lowercase host name outside the cluster, such as `api.stripe.com`; for an address range use `cidr`"
        };
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a host name outside the cluster"),
            Some(hint.to_string()),
        )
    }

    pub fn egress_cidr_or_host(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs exactly one of `cidr` and `host`"),
            Some("write `{ cidr = \"203.0.113.0/24\", port = 443 }` or `{ host = \"api.stripe.com\", port = 443 }`, one destination per entry".to_string()),
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

/// The pod keys of issue 15 (podspec).
impl Problem {
    pub fn empty_list(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` is empty"),
            Some("give at least one word, or remove the key".to_string()),
        )
    }

    pub fn bad_seconds(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a duration of whole seconds"),
            Some("write it as `30s`, `2m` or `1m30s`, above zero and at most a day".to_string()),
        )
    }

    pub fn bad_object_name(key: &KeyPath, name: &str, what: &str) -> Self {
        Problem::at(
            key,
            format!("`{name}` in `{key}` is not a valid {what} name"),
            Some(
                "use lowercase letters, digits, `-` and `.`, as Kubernetes names objects"
                    .to_string(),
            ),
        )
    }

    pub fn toleration_exists_value(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` is set with `operator = \"Exists\"`"),
            Some(
                "`Exists` matches any value: remove `value`, or use `operator = \"Equal\"`"
                    .to_string(),
            ),
        )
    }

    pub fn toleration_needs_key(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` has no `key`"),
            Some(
                "name the taint with `key`, or tolerate every taint with `operator = \"Exists\"`"
                    .to_string(),
            ),
        )
    }

    pub fn own_label(key: &KeyPath, label: &str) -> Self {
        Problem::at(
            key,
            format!("`{label}` in `{key}` is a label kiln sets itself"),
            Some("kiln's selectors rely on `app`, `version`, `track`, `team` and `app.kubernetes.io/*`; use another key".to_string()),
        )
    }

    pub fn own_annotation(key: &KeyPath, annotation: &str) -> Self {
        Problem::at(
            key,
            format!("`{annotation}` in `{key}` is an annotation kiln sets itself"),
            Some("kiln writes `checksum/*`, `sidecar.istio.io/*`, `prometheus.io/*`, `prometheus.istio.io/*` and `kubectl.kubernetes.io/*`; use the kiln.toml key for it, or another annotation".to_string()),
        )
    }

    pub fn probe_needs_command(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("an `exec` probe needs `{key}`"),
            Some("add `command = [\"/bin/check\"]`, or choose another `kind`".to_string()),
        )
    }

    pub fn probe_path_twice(key: &KeyPath, field: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` and `{field}` both set a probe path"),
            Some(format!(
                "keep `{key}` for both probes, or `health` and `ready` for each; remove `{field}`"
            )),
        )
    }

    pub fn bad_header_name(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("`{name}` in `{key}` is not an HTTP header name"),
            Some("use letters, digits and `-`, such as `X-Probe`".to_string()),
        )
    }

    pub fn bad_header_value(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` holds a control character"),
            Some("a header value is one line of text".to_string()),
        )
    }

    pub fn probe_port(key: &KeyPath, port: u16) -> Self {
        Problem::at(
            key,
            format!("port {port} in `{key}` is not a port of the service"),
            Some("probe `port`, one of `ports`, or `metrics_port`".to_string()),
        )
    }

    pub fn probe_without_port(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` probes a service without a `port`"),
            Some("add `port`, or use `kind = \"exec\"` with a `command`".to_string()),
        )
    }

    pub fn bad_volume_name(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("`{name}` in `{key}` is not a valid volume name"),
            Some("use a DNS label such as `cache`, not starting with `writable-`".to_string()),
        )
    }

    pub fn duplicate_volume(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("volume `{name}` in `{key}` is named twice"),
            Some(
                "give each volume its own name; kiln uses `tmp`, `data` and `files` itself"
                    .to_string(),
            ),
        )
    }

    pub fn volume_source(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs exactly one of `config_map`, `secret`, `empty_dir` and `claim`"),
            Some("say where the volume comes from, once".to_string()),
        )
    }

    pub fn bad_file_path(key: &KeyPath, path: &str) -> Self {
        Problem::at(
            key,
            format!("`{path}` in `{key}` is not a clean absolute file path"),
            Some(
                "use a path such as `/etc/app/app.conf`, without `.`, `..`, `//` or a trailing `/`"
                    .to_string(),
            ),
        )
    }

    pub fn file_under_mount(key: &KeyPath, path: &str) -> Self {
        Problem::at(
            key,
            format!("`{path}` in `{key}` is inside another mount of the service"),
            Some(
                "put files outside `/tmp`, `data_path`, `writable_paths` and `volumes`".to_string(),
            ),
        )
    }

    pub fn bad_container_name(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("`{name}` in `{key}` is not a valid container name"),
            Some("use a DNS label such as `exporter`".to_string()),
        )
    }

    pub fn duplicate_container(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("container `{name}` in `{key}` is named twice in the pod"),
            Some(
                "give each init container and sidecar its own name, other than the service's"
                    .to_string(),
            ),
        )
    }

    pub fn sidecar_port(key: &KeyPath, port: u16) -> Self {
        Problem::at(
            key,
            format!("port {port} in `{key}` is taken or reserved"),
            Some("give every port of the pod its own number, outside 15000-15090 (the Istio sidecar's)".to_string()),
        )
    }

    pub fn two_monitored(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` is a second monitored port"),
            Some(
                "Prometheus scrapes one metrics port per service; keep `monitor = true` on one"
                    .to_string(),
            ),
        )
    }

    pub fn monitor_and_metrics(key: &KeyPath, field: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` and `{field}` both name the service's metrics"),
            Some(format!(
                "the monitored sidecar port is the metrics port; remove `{field}`"
            )),
        )
    }

    pub fn unknown_volume(key: &KeyPath, name: &str, suggestion: Option<&str>) -> Self {
        Problem::at(
            key,
            format!("unknown volume `{name}` in `{key}`"),
            did_you_mean(suggestion).or_else(|| {
                Some(
                    "name a volume of the service's `volumes` (or `data` of a stateful service)"
                        .to_string(),
                )
            }),
        )
    }
}
