//! The words of the problems of `kiln.toml`, until each moves beside the
//! rule that finds it.

use super::problem::did_you_mean;
use super::{KeyPath, Problem};

/// The three ways `project.kiln` can say where CI gets kiln.
const KILN_SOURCES: &str = "set `kiln = { git = \"https://...\", rev = \"<commit sha>\" }`, \
     `kiln = { image = \"...@sha256:...\" }` or `kiln = { version = \"x.y.z\", index = \"sparse+https://...\" }` \
     in `[project]`";

/// What `kiln check` says when it writes pipelines but `project.kiln` is not set.
pub fn no_kiln_source_note() -> String {
    format!(
        "note: `project.kiln` is not set, so the CI drift job only checks, with `sha256sum`, that \
         `kiln.toml` and the generated files are what `kiln build` left (`.kiln/drift.sh`)\n  \
         = hint: to run `kiln check` and `kiln diff --exit-code` in CI as well, {KILN_SOURCES} \
         (docs/pipelines.md)"
    )
}

impl Problem {
    pub fn not_a_label(
        key: &KeyPath,
        value: &str,
        max: usize,
        must_start_with_letter: bool,
    ) -> Self {
        let first = if must_start_with_letter {
            "a lowercase letter"
        } else {
            "a lowercase letter or digit"
        };
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a valid name"),
            Some(format!(
                "names become Kubernetes names and file paths: use lowercase letters, digits and `-`, \
                 starting with {first}, ending with a letter or digit, at most {max} characters"
            )),
        )
    }

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

    pub fn zero_port(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` cannot be 0"),
            Some("use a port between 1 and 65535".to_string()),
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

    pub fn bad_image(key: &KeyPath, image: &str) -> Self {
        Problem::at(
            key,
            format!("image `{image}` in `{key}` has no pinned tag"),
            Some("name an exact tag such as `redis:7.2-alpine`; `latest` and untagged images are not reproducible".to_string()),
        )
    }

    pub fn bad_image_reference(key: &KeyPath, image: &str, reason: &str) -> Self {
        Problem::at(
            key,
            format!("`{image}` in `{key}` is not an image reference a container runtime can pull: {reason}"),
            Some("write `[registry/]repository:tag`, lowercase, such as `redis:7.2-alpine` or `ghcr.io/acme/api:1.4.2`".to_string()),
        )
    }

    pub fn bad_secret_key(key: &KeyPath, reference: &str, secret_key: &str) -> Self {
        Problem::at(
            key,
            format!("`{secret_key}` in `{key}` (`{reference}`) is not a key a Kubernetes Secret can hold"),
            Some("a Secret key is letters, digits, `-`, `_` and `.`, at most 253 characters, and not `.` or `..`".to_string()),
        )
    }

    pub fn canary_is_stable(key: &KeyPath, version: &str, environments: &[&str]) -> Self {
        let environments = environments
            .iter()
            .map(|e| format!("`{e}`"))
            .collect::<Vec<_>>()
            .join(", ");
        Problem::at(
            key,
            format!("`{key}` is `{version}`, the version the stable pods run in {environments}"),
            Some("a canary tries another version: give it the new version, or, once the rollout is done, set `version` to it and remove `canary`".to_string()),
        )
    }

    pub fn bad_version(key: &KeyPath, version: &str) -> Self {
        Problem::at(
            key,
            format!("`{version}` in `{key}` is not a usable version"),
            Some("use letters, digits, `.`, `-` and `_`, starting and ending with a letter or digit, at most 63 characters; `latest` is not allowed".to_string()),
        )
    }

    pub fn bad_label_value(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` cannot be a Kubernetes label value"),
            Some("use letters, digits, `.`, `-` and `_`, starting and ending with a letter or digit, at most 63 characters".to_string()),
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

    /// A request so large that its default limit, twice the request, is more
    /// than a Kubernetes quantity holds.
    pub fn default_limit_too_large(key: &KeyPath, limit: &str) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` is so large that its default limit, twice the request, is more than Kubernetes can hold"
            ),
            Some(format!(
                "set `{limit}` (at most {} {}), or lower the request",
                crate::grammar::quantity::MAX_TEXT,
                if limit == "cpu_limit" {
                    "cores"
                } else {
                    "bytes"
                }
            )),
        )
    }

    /// An environment whose ResourceQuota would not fit in a quantity.
    pub fn quota_too_large(key: &KeyPath, what: &str) -> Self {
        Problem::at(
            key,
            format!(
                "the pods of `{key}` together need more {what} than a Kubernetes quantity can hold, so its ResourceQuota cannot be written"
            ),
            Some(format!(
                "the quota adds up every pod's requests and limits: lower `replicas`, `autoscale.max` or the {what} of its services"
            )),
        )
    }

    pub fn limit_below_request(key: &KeyPath, limit: &str, request: &str) -> Self {
        Problem::at(
            key,
            format!("limit `{limit}` in `{key}` is below the request `{request}`"),
            Some("a limit must be at least the request".to_string()),
        )
    }

    pub fn autoscale_range(key: &KeyPath, min: u32, max: u32) -> Self {
        Problem::at(
            key,
            format!("`{key}` has min {min} above max {max}"),
            Some("set `min` to at most `max`".to_string()),
        )
    }

    pub fn autoscale_min_zero(key: &KeyPath) -> Self {
        Problem::at(key, format!("`{key}.min` must be at least 1"), None)
    }

    pub fn autoscale_cpu(key: &KeyPath, cpu: u32) -> Self {
        Problem::at(
            key,
            format!("`{key}.cpu` is {cpu}, outside 1..=100"),
            Some("it is the target CPU utilisation in percent of the request".to_string()),
        )
    }

    pub fn autoscale_cronjob(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` cannot apply to a cronjob"),
            Some("remove `autoscale` from this service".to_string()),
        )
    }

    pub fn canary_weight(key: &KeyPath, weight: u32) -> Self {
        Problem::at(
            key,
            format!("canary weight {weight} in `{key}` is outside 0..=100"),
            Some("it is the percent of traffic the canary receives".to_string()),
        )
    }

    pub fn canary_not_web(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs a `web` service built from source with a `port`"),
            Some(
                "traffic can only be split between versions of a service that serves requests"
                    .to_string(),
            ),
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

    pub fn route_needs_web(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs a `web` service with a `port`"),
            None,
        )
    }

    pub fn bad_http_path(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not an absolute URL path"),
            Some("start it with `/`, and leave out spaces, `?` and `#`".to_string()),
        )
    }

    pub fn duplicate_route(key: &KeyPath, route: &str, other: &str) -> Self {
        Problem::at(
            key,
            format!("route `{route}` in `{key}` is already taken by service `{other}`"),
            Some("give every routed service its own prefix".to_string()),
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

    pub fn bad_secret_ref(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a secret reference"),
            Some(
                "write `secret-name:key`; kiln never stores secret values, only where to find them"
                    .to_string(),
            ),
        )
    }

    pub fn bad_domain(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a host name"),
            Some("use lowercase DNS names such as `shop.example.com`".to_string()),
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

    pub fn only_for_built(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies to services built from source"),
            Some("set `language` and `version` for a service you build, or remove it".to_string()),
        )
    }

    pub fn missing_repo_url() -> Self {
        Problem::at(
            &KeyPath::new(&["project", "gitops"]),
            "`project.gitops` is set, so `project.repo_url` is required".to_string(),
            Some(
                "add `repo_url = \"https://github.com/your-org/your-app.git\"` to `[project]`: \
                 Argo CD reads `deploy/<env>` from that repository"
                    .to_string(),
            ),
        )
    }

    pub fn bad_repo_url(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a git repository URL"),
            Some(
                "use `https://host/path.git`, `ssh://git@host/path.git` or `git@host:path.git`, without spaces"
                    .to_string(),
            ),
        )
    }

    pub fn bad_cluster(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a cluster API server URL"),
            Some("use `https://host[:port]`, as in `https://kubernetes.default.svc`".to_string()),
        )
    }

    pub fn bad_branch(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a usable branch name"),
            Some(
                "use letters, digits, `.`, `_`, `-` and `/`, starting with a letter or digit, without `..`"
                    .to_string(),
            ),
        )
    }

    pub fn needs_gitops(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies when `project.gitops` is set"),
            Some("add `gitops = \"argocd\"` to `[project]`, or remove it".to_string()),
        )
    }

    pub fn too_large(key: &KeyPath, what: &str, max: usize) -> Self {
        Problem::at(
            key,
            format!("`{key}` is too large: at most {max} {what}"),
            None,
        )
    }

    pub fn bad_duration(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a duration"),
            Some(
                "write whole numbers with the units `h`, `m`, `s` and `ms`, in that order, such as `30s` or `1m30s`"
                    .to_string(),
            ),
        )
    }

    pub fn out_of_range(key: &KeyPath, value: &str, range: &str, meaning: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` is {value}, outside {range}"),
            Some(meaning.to_string()),
        )
    }

    pub fn needs_route_or_canary(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` has no effect: the service has no `route` and no `canary`"),
            Some(
                "timeouts and retries apply to the gateway route and the canary split; remove the key or add a `route`"
                    .to_string(),
            ),
        )
    }

    pub fn no_retry_conditions(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` is empty"),
            Some(
                "name the failures to retry, or write `retries = false` to turn retries off"
                    .to_string(),
            ),
        )
    }

    pub fn empty_gateway_selector(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` is empty"),
            Some("give the labels of the ingress gateway pods, such as `{ istio = \"ingress\" }`; `kubectl get pods -n <namespace> --show-labels` shows them".to_string()),
        )
    }

    pub fn bad_label_key(key: &KeyPath, label: &str) -> Self {
        Problem::at(
            key,
            format!("`{label}` in `{key}` is not a Kubernetes label key"),
            Some("use an optional DNS prefix and `/`, then at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit".to_string()),
        )
    }

    pub fn bad_service_account(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a ServiceAccount name"),
            Some("use lowercase letters, digits, `-` and `.`, as `kubectl get serviceaccounts -n <namespace>` lists them".to_string()),
        )
    }

    pub fn needs_mesh(key: &KeyPath, environment: Option<&str>) -> Self {
        let (message, hint) = match environment {
            Some(environment) => (
                format!("`{key}` has no effect: the mesh is off in environment `{environment}`"),
                format!("remove it, or set `mesh = true` in `[environments.{environment}]`"),
            ),
            None => (
                format!("`{key}` has no effect: the mesh is off in every environment"),
                "remove it, or turn the mesh on somewhere".to_string(),
            ),
        };
        Problem::at(key, message, Some(hint))
    }

    pub fn gateway_in_environment(key: &KeyPath, namespace: &str, environment: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` is `{namespace}`, a namespace kiln writes for environment `{environment}`"),
            Some("its default-deny NetworkPolicy would cut the ingress gateway off; run the gateway in a namespace of its own, such as `istio-ingress`".to_string()),
        )
    }

    pub fn needs_service(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs a `web` or `stateful` service with a `port`"),
            Some("only a service that others call has a DestinationRule to tune".to_string()),
        )
    }

    pub fn canary_without_mesh(key: &KeyPath, environment: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs the mesh, which is off in environment `{environment}`"),
            Some(format!(
                "the traffic split is an Istio VirtualService: remove the canary, or set `mesh = true` in `[environments.{environment}]`"
            )),
        )
    }

    pub fn logging_namespace_too_long(key: &KeyPath, namespace: &str) -> Self {
        Problem::at(
            key,
            format!("the logging namespace `{namespace}` of `{key}` is longer than 63 characters"),
            Some(
                "Fluentd runs in `{project}-{env}-logging`: shorten the project or environment name, or set `logging = false`"
                    .to_string(),
            ),
        )
    }

    pub fn bad_host(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a host name or IPv4 address"),
            Some(
                "use a lowercase DNS name such as `logs.example.com`, without a scheme or port"
                    .to_string(),
            ),
        )
    }

    pub fn bad_index_prefix(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a usable Elasticsearch index prefix"),
            Some(
                "use at most 200 lowercase letters, digits, `-`, `_` and `.`, starting with a letter or digit"
                    .to_string(),
            ),
        )
    }

    /// `project.kiln` names no source, or more than one.
    pub fn kiln_source_count(key: &KeyPath, set: &[&str]) -> Self {
        let message = if set.is_empty() {
            format!("`{key}` says nothing about where CI gets kiln")
        } else {
            let named: Vec<String> = set.iter().map(|s| format!("`{s}`")).collect();
            format!(
                "`{key}` sets {}: CI can get kiln from one source only",
                named.join(" and ")
            )
        };
        Problem::at(
            key,
            message,
            Some(format!("{KILN_SOURCES}, or remove `{key}`")),
        )
    }

    /// `project.kiln.git` without `rev`, or `version` without `index`.
    pub fn kiln_source_needs(key: &KeyPath, other: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs `{other}` beside it"),
            Some(KILN_SOURCES.to_string()),
        )
    }

    /// `project.kiln.rev` without `git`, or `index` without `version`.
    pub fn kiln_source_only_with(key: &KeyPath, other: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies with `{other}`"),
            Some(KILN_SOURCES.to_string()),
        )
    }

    /// A value of `project.kiln` that is not what its key takes.
    pub fn bad_kiln_source(key: &KeyPath, value: &str, what: &str) -> Self {
        let hint = match what {
            "git" => "use the `https://` URL of a git repository, without a user or password in it",
            "rev" => {
                "pin a commit: its full 40-character SHA in lowercase, as `git rev-parse HEAD` prints it; a branch or tag can move"
            }
            "image" => {
                "pin the image by digest, such as `ghcr.io/acme/kiln:0.1.0@sha256:` and the 64 hex digits `docker buildx imagetools inspect` prints"
            }
            "version" => {
                "name one exact release such as `0.1.0` (or `0.2.0-rc.1`), without `^`, `~`, `=` or `*`"
            }
            _ => {
                "use the index URL of the Cargo registry, `sparse+https://...` or `https://...`, without a user or password in it"
            }
        };
        Problem::at(
            key,
            format!(
                "`{value}` in `{key}` is not a pinned {}",
                match what {
                    "git" => "git repository URL",
                    "rev" => "commit",
                    "image" => "image",
                    "version" => "version",
                    _ => "registry index URL",
                }
            ),
            Some(hint.to_string()),
        )
    }

    pub fn kiln_source_without_ci(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies when `project.ci` names a CI system"),
            Some(
                "add `ci = [\"github\"]` (or `gitlab`, `jenkins`) to `[project]`, or remove it"
                    .to_string(),
            ),
        )
    }

    /// A rendered object contradicts another: always a bug in kiln, never in `kiln.toml`.
    pub fn foreign_lock_entry(key: &KeyPath, file: &str, path: &str, reason: &str) -> Self {
        Problem::at(
            key,
            format!("`{file}` names `{path}`, but {reason}"),
            Some(format!(
                "`{file}` is written by kiln alone, and kiln touches nothing else: \
                 restore it with `git checkout -- {file}`, or delete it and run `kiln build`"
            )),
        )
    }

    pub fn bad_lock_hash(key: &KeyPath, file: &str, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` in `{file}` is `{value}`, not a sha256 (64 lowercase hex digits)"),
            Some(format!(
                "`{file}` is written by kiln alone: restore it with `git checkout -- {file}`"
            )),
        )
    }

    pub fn inconsistent(file: &str, message: &str) -> Self {
        Problem::at(
            &KeyPath::default(),
            format!("generated `{file}`: {message}"),
            Some("this is a bug in kiln, not in your kiln.toml; please report it with your kiln.toml".to_string()),
        )
    }
}
