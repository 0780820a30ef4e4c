//! The rules of the pod keys: those every layer may set (`check_layer`)
//! and the service's own (`check_service`).

use crate::config::limits::{MAX_ENV_VALUE, MAX_FILES_BYTES};
use crate::config::{
    Kind, Layer, ProbeKindWord, Probes as ProbesTable, ProbesSetting, Protocol, ServiceConfig,
    Spread, TolerationOperator,
};
use crate::diagnostics::{KeyPath, Problem};
use crate::grammar::duration::whole_seconds;
use crate::grammar::names;
use crate::grammar::quantity::{Quantity, Refused, Unit};

/// Label keys kiln writes on every pod: a layer's `labels` may not set them,
/// since selectors and tooling rely on them.
const OWN_LABELS: [&str; 4] = ["app", "version", "track", "team"];
const OWN_LABEL_PREFIX: &str = "app.kubernetes.io/";
/// Annotation keys and prefixes kiln writes on pods (the mesh's, the
/// monitoring's, the restart checksums, `kubectl`'s default container).
const OWN_ANNOTATION_PREFIXES: [&str; 5] = [
    "checksum/",
    "sidecar.istio.io/",
    "prometheus.io/",
    "prometheus.istio.io/",
    "kubectl.kubernetes.io/",
];

/// The rules of the pod keys every layer may set.
pub fn check_layer(key: &KeyPath, layer: Layer<'_>, problems: &mut Vec<Problem>) {
    for (label, value) in layer.node_selector.into_iter().flatten() {
        let key = key.key("node_selector").key(label);
        if !names::is_label_key(label) {
            problems.push(Problem::bad_label_key(&key, label));
        }
        if !names::is_label_value(value) {
            problems.push(Problem::bad_label_value(&key, value));
        }
    }
    for (index, toleration) in layer.tolerations.into_iter().flatten().enumerate() {
        let key = key.key("tolerations").index(index);
        if let Some(taint) = &toleration.key
            && !names::is_label_key(taint)
        {
            problems.push(Problem::bad_label_key(&key.key("key"), taint));
        }
        let exists = toleration.operator == Some(TolerationOperator::Exists);
        match (&toleration.value, exists) {
            (Some(_), true) => problems.push(Problem::toleration_exists_value(&key.key("value"))),
            (Some(value), false) if !value.is_empty() && !names::is_label_value(value) => {
                problems.push(Problem::bad_label_value(&key.key("value"), value))
            }
            _ => {}
        }
        if toleration.key.is_none() && !exists {
            problems.push(Problem::toleration_needs_key(&key));
        }
    }
    if let Some(Spread::Key(topology)) = layer.spread
        && !names::is_label_key(topology)
    {
        problems.push(Problem::bad_label_key(&key.key("spread"), topology));
    }
    if let Some(grace) = layer.grace_period
        && whole_seconds(grace).is_none()
    {
        problems.push(Problem::bad_seconds(&key.key("grace_period"), grace));
    }
    for (index, secret) in layer.image_pull_secrets.into_iter().flatten().enumerate() {
        if !names::is_dns_subdomain(secret) || secret.is_empty() {
            problems.push(Problem::bad_object_name(
                &key.key("image_pull_secrets").index(index),
                secret,
                "Secret",
            ));
        }
    }
    for (label, value) in layer.labels.into_iter().flatten() {
        let key = key.key("labels").key(label);
        if !names::is_label_key(label) {
            problems.push(Problem::bad_label_key(&key, label));
        } else if OWN_LABELS.contains(&label.as_str()) || label.starts_with(OWN_LABEL_PREFIX) {
            problems.push(Problem::own_label(&key, label));
        }
        if !names::is_label_value(value) {
            problems.push(Problem::bad_label_value(&key, value));
        }
    }
    for (annotation, _) in layer.annotations.into_iter().flatten() {
        let key = key.key("annotations").key(annotation);
        if !names::is_label_key(annotation) {
            problems.push(Problem::bad_label_key(&key, annotation));
        } else if OWN_ANNOTATION_PREFIXES
            .iter()
            .any(|p| annotation.starts_with(p))
        {
            problems.push(Problem::own_annotation(&key, annotation));
        }
    }
}

/// The rules of the service-only pod keys.
pub fn check_service(
    name: &str,
    service: &ServiceConfig,
    kind: Kind,
    key: &KeyPath,
    problems: &mut Vec<Problem>,
) {
    for (field, list) in [
        ("command", &service.command),
        ("pre_stop", &service.pre_stop),
    ] {
        let Some(list) = list else { continue };
        if list.is_empty() {
            problems.push(Problem::empty_list(&key.key(field)));
        }
        for (index, word) in list.iter().enumerate() {
            if word.is_empty() {
                problems.push(Problem::empty_arg(&key.key(field).index(index)));
            }
        }
    }
    if kind == Kind::Cronjob && service.pre_stop.is_some() {
        problems.push(Problem::ignored_key(
            &key.key("pre_stop"),
            "a cronjob's pod runs to completion",
        ));
    }
    if let Some(ProbesSetting::Table(table)) = &service.probes {
        check_probes(service, kind, table, &key.key("probes"), problems);
    }
    if let Some(ProbesSetting::Table(_) | ProbesSetting::Enabled(false)) = &service.probes
        && kind == Kind::Cronjob
    {
        problems.push(Problem::ignored_key(
            &key.key("probes"),
            "a cronjob's pod is not probed",
        ));
    }
    for (annotation, _) in service
        .service_account
        .as_ref()
        .and_then(|s| s.annotations.as_ref())
        .into_iter()
        .flatten()
    {
        if !names::is_label_key(annotation) {
            problems.push(Problem::bad_label_key(
                &key.key("service_account")
                    .key("annotations")
                    .key(annotation),
                annotation,
            ));
        }
    }
    check_volumes(service, key, problems);
    check_containers(name, service, kind, key, problems);
    if let Some(class) = &service.storage_class {
        if kind != Kind::Stateful {
            problems.push(Problem::only_for_kind(
                &key.key("storage_class"),
                Kind::Stateful.as_str(),
            ));
        } else if !names::is_dns_subdomain(class) || class.is_empty() {
            problems.push(Problem::bad_object_name(
                &key.key("storage_class"),
                class,
                "StorageClass",
            ));
        }
    }
}

fn check_probes(
    service: &ServiceConfig,
    kind: Kind,
    table: &ProbesTable,
    key: &KeyPath,
    problems: &mut Vec<Problem>,
) {
    let http = match table.kind {
        Some(word) => word == ProbeKindWord::Http,
        None => {
            service.protocol.unwrap_or(if service.image.is_some() {
                Protocol::Tcp
            } else {
                Protocol::Http
            }) == Protocol::Http
        }
    };
    let exec = table.kind == Some(ProbeKindWord::Exec);
    match (&table.command, exec) {
        (None, true) => problems.push(Problem::probe_needs_command(&key.key("command"))),
        (Some(_), false) => problems.push(Problem::ignored_key(
            &key.key("command"),
            "only an `exec` probe runs a command",
        )),
        (Some(command), true) => {
            if command.is_empty() {
                problems.push(Problem::empty_list(&key.key("command")));
            }
            for (index, word) in command.iter().enumerate() {
                if word.is_empty() {
                    problems.push(Problem::empty_arg(&key.key("command").index(index)));
                }
            }
        }
        (None, false) => {}
    }
    if !http {
        for (field, set) in [
            ("headers", table.headers.is_some()),
            ("path", table.path.is_some()),
        ] {
            if set {
                problems.push(Problem::ignored_key(
                    &key.key(field),
                    "only an `http` probe sends a request",
                ));
            }
        }
    }
    if let Some(path) = &table.path {
        if !names::is_http_path(path) {
            problems.push(Problem::bad_http_path(&key.key("path"), path));
        }
        for field in ["health", "ready"] {
            let set = if field == "health" {
                service.health.is_some()
            } else {
                service.ready.is_some()
            };
            if set {
                problems.push(Problem::probe_path_twice(&key.key("path"), field));
            }
        }
    }
    for (name, value) in table.headers.iter().flatten() {
        let key = key.key("headers").key(name);
        let token = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
        if !token {
            problems.push(Problem::bad_header_name(&key, name));
        }
        if value.chars().any(char::is_control) {
            problems.push(Problem::bad_header_value(&key));
        }
    }
    if let Some(port) = table.port {
        let mut ports = service.serving_ports();
        ports.extend(service.metrics_port);
        if !ports.contains(&port) {
            problems.push(Problem::probe_port(&key.key("port"), port));
        }
    } else if !exec && service.port.is_none() && kind != Kind::Cronjob {
        problems.push(Problem::probe_without_port(key));
    }
    for field in ["startup", "period", "timeout"] {
        let value = match field {
            "startup" => &table.startup,
            "period" => &table.period,
            _ => &table.timeout,
        };
        if let Some(value) = value
            && whole_seconds(value).is_none_or(|s| s > 86_400)
        {
            problems.push(Problem::bad_seconds(&key.key(field), value));
        }
    }
    if let Some(failures) = table.failures
        && !(1..=1000).contains(&failures)
    {
        problems.push(Problem::out_of_range(
            &key.key("failures"),
            &failures.to_string(),
            "from 1 to 1000",
            "it is how many failed checks in a row count",
        ));
    }
}

fn check_volumes(service: &ServiceConfig, key: &KeyPath, problems: &mut Vec<Problem>) {
    // kiln's own volumes: `tmp`, `writable-N`, `data`, `files`.
    let mut names_seen: Vec<String> = vec!["tmp".into(), "data".into(), "files".into()];
    let mut paths: Vec<String> = vec!["/tmp".into()];
    paths.extend(service.data_path.iter().cloned());
    paths.extend(service.writable_paths.iter().flatten().cloned());
    for (index, volume) in service.volumes.iter().flatten().enumerate() {
        let key = key.key("volumes").index(index);
        if !names::is_dns_label(&volume.name, 63) || volume.name.starts_with("writable-") {
            problems.push(Problem::bad_volume_name(&key.key("name"), &volume.name));
        } else if names_seen.contains(&volume.name) {
            problems.push(Problem::duplicate_volume(&key.key("name"), &volume.name));
        } else {
            names_seen.push(volume.name.clone());
        }
        if !names::is_container_path(&volume.path) {
            problems.push(Problem::bad_absolute_path(&key.key("path"), &volume.path));
        } else if paths.contains(&volume.path.trim_end_matches('/').to_string()) {
            problems.push(Problem::duplicate_path(&key.key("path"), &volume.path));
        } else {
            paths.push(volume.path.trim_end_matches('/').to_string());
        }
        let sources = [
            ("config_map", volume.config_map.as_deref(), "ConfigMap"),
            ("secret", volume.secret.as_deref(), "Secret"),
            ("claim", volume.claim.as_deref(), "PersistentVolumeClaim"),
        ];
        let count = sources.iter().filter(|(_, v, _)| v.is_some()).count()
            + usize::from(volume.empty_dir.is_some());
        if count != 1 {
            problems.push(Problem::volume_source(&key));
        }
        for (field, value, what) in sources {
            if let Some(value) = value
                && (value.is_empty() || !names::is_dns_subdomain(value))
            {
                problems.push(Problem::bad_object_name(&key.key(field), value, what));
            }
        }
        if let Some(size) = volume.empty_dir.as_ref().and_then(|e| e.size.as_ref()) {
            let key = key.key("empty_dir").key("size");
            match Quantity::read(size, Unit::Bytes) {
                Ok(_) => {}
                Err(Refused::Malformed) => problems.push(Problem::bad_quantity(&key, size, "size")),
                Err(Refused::TooLarge) => {
                    problems.push(Problem::quantity_too_large(&key, size, "size"))
                }
            }
        }
    }
    let mut total = 0;
    for (path, contents) in service.files.iter().flatten() {
        let key = key.key("files").key(path);
        let clean = names::is_container_path(path)
            && !path.ends_with('/')
            && !path.contains("//")
            && !path.split('/').any(|part| part == ".");
        if !clean {
            problems.push(Problem::bad_file_path(&key, path));
        } else if paths
            .iter()
            .any(|mounted| path == mounted || path.starts_with(&format!("{mounted}/")))
        {
            problems.push(Problem::file_under_mount(&key, path));
        }
        if contents.len() > MAX_ENV_VALUE {
            problems.push(Problem::too_large(&key, "bytes", MAX_ENV_VALUE));
        }
        total += contents.len();
    }
    if total > MAX_FILES_BYTES {
        problems.push(Problem::too_large(
            &key.key("files"),
            "bytes in all",
            MAX_FILES_BYTES,
        ));
    }
}

/// Init containers and sidecars: names, images, words, ports, resources, mounts.
fn check_containers(
    service_name: &str,
    service: &ServiceConfig,
    kind: Kind,
    key: &KeyPath,
    problems: &mut Vec<Problem>,
) {
    let volumes: Vec<&str> = service
        .volumes
        .iter()
        .flatten()
        .map(|v| v.name.as_str())
        .chain((kind == Kind::Stateful).then_some("data"))
        .collect();
    // The app container's name is the service's.
    let mut names_seen: Vec<String> = Vec::new();
    let mut ports_seen: Vec<u16> = service.port.into_iter().collect();
    ports_seen.extend(service.ports.iter().flatten().map(|(_, p)| *p));
    ports_seen.extend(service.metrics_port);
    let mut port_names: Vec<String> = service
        .ports
        .iter()
        .flatten()
        .map(|(n, _)| n.clone())
        .collect();
    let mut monitored = 0;
    for (field, list) in [
        ("init_containers", &service.init_containers),
        ("sidecars", &service.sidecars),
    ] {
        for (index, container) in list.iter().flatten().enumerate() {
            let key = key.key(field).index(index);
            let name = &container.name;
            if !names::is_dns_label(name, 63) {
                problems.push(Problem::bad_container_name(&key.key("name"), name));
            } else if names_seen.contains(name) || name == service_name {
                problems.push(Problem::duplicate_container(&key.key("name"), name));
            } else {
                names_seen.push(name.clone());
            }
            if let Some(problem) =
                crate::kinds::rules::image_problem(&key.key("image"), &container.image)
            {
                problems.push(problem);
            }
            for (words_field, words) in [("command", &container.command), ("args", &container.args)]
            {
                for (i, word) in words.iter().flatten().enumerate() {
                    if word.is_empty() {
                        problems.push(Problem::empty_arg(&key.key(words_field).index(i)));
                    }
                }
                if words_field == "command" && words.as_ref().is_some_and(Vec::is_empty) {
                    problems.push(Problem::empty_list(&key.key("command")));
                }
            }
            for (var, _) in container.env.iter().flatten() {
                if !names::is_env_name(var) {
                    problems.push(Problem::bad_env_name(&key.key("env"), var));
                }
            }
            for (var, reference) in container.secrets.iter().flatten() {
                let key = key.key("secrets").key(var);
                if !names::is_env_name(var) {
                    problems.push(Problem::bad_env_name(&key, var));
                }
                if let Some(problem) = crate::kinds::rules::secret_ref_problem(&key, reference) {
                    problems.push(problem);
                }
            }
            for (quantity_field, value, unit) in [
                ("cpu", &container.cpu, Unit::Cpu),
                ("memory", &container.memory, Unit::Bytes),
            ] {
                if let Some(value) = value {
                    let what = if unit == Unit::Cpu { "cpu" } else { "memory" };
                    match Quantity::read(value, unit) {
                        Ok(q) if q.times(2).fits() => {}
                        Err(Refused::Malformed) => problems.push(Problem::bad_quantity(
                            &key.key(quantity_field),
                            value,
                            what,
                        )),
                        _ => problems.push(Problem::quantity_too_large(
                            &key.key(quantity_field),
                            value,
                            what,
                        )),
                    }
                }
            }
            if field == "init_containers" && container.ports.is_some() {
                problems.push(Problem::ignored_key(
                    &key.key("ports"),
                    "an init container exits before the app starts; give ports to a sidecar",
                ));
            }
            for (i, port) in container.ports.iter().flatten().enumerate() {
                let key = key.key("ports").index(i);
                if !names::is_port_name(&port.name)
                    || Protocol::ALL.iter().any(|p| p.as_str() == port.name)
                    || port.name == "http-metrics"
                    || port_names.contains(&port.name)
                {
                    problems.push(Problem::bad_port_name(&key.key("name"), &port.name));
                } else {
                    port_names.push(port.name.clone());
                }
                if port.port == 0
                    || (15000..=15090).contains(&port.port)
                    || ports_seen.contains(&port.port)
                {
                    problems.push(Problem::sidecar_port(&key.key("port"), port.port));
                } else {
                    ports_seen.push(port.port);
                }
                if let Some(path) = &port.path {
                    if !names::is_http_path(path) {
                        problems.push(Problem::bad_http_path(&key.key("path"), path));
                    }
                    if port.monitor != Some(true) {
                        problems.push(Problem::ignored_key(
                            &key.key("path"),
                            "only a port with `monitor = true` is scraped",
                        ));
                    }
                }
                if port.monitor == Some(true) {
                    monitored += 1;
                    if monitored > 1 {
                        problems.push(Problem::two_monitored(&key.key("monitor")));
                    }
                    for (metrics_field, set) in [
                        ("metrics", service.metrics.is_some()),
                        ("metrics_port", service.metrics_port.is_some()),
                    ] {
                        if set {
                            problems.push(Problem::monitor_and_metrics(
                                &key.key("monitor"),
                                metrics_field,
                            ));
                        }
                    }
                }
            }
            for (i, mount) in container.mounts.iter().flatten().enumerate() {
                let key = key.key("mounts").index(i);
                if !volumes.contains(&mount.volume.as_str()) {
                    problems.push(Problem::unknown_volume(
                        &key.key("volume"),
                        &mount.volume,
                        crate::diagnostics::suggest(&mount.volume, volumes.iter().copied()),
                    ));
                }
                if !names::is_container_path(&mount.path)
                    || mount.path.trim_end_matches('/') == "/tmp"
                {
                    problems.push(Problem::bad_absolute_path(&key.key("path"), &mount.path));
                }
            }
        }
    }
}
