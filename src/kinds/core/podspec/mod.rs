//! The pod keys of issue 15: how they resolve into the workload
//! (`probes`, `extras`); their rules are in `rules.rs`.

mod rules;

pub use rules::{check_layer, check_service};

use crate::config::{
    Capability, Container, Layer, ProbeKindWord, Probes as ProbesTable, ProbesSetting, Protocol,
    ServiceConfig, Spread, TolerationOperator,
};
use crate::grammar::duration::whole_seconds;
use crate::grammar::quantity::{Quantity, Unit};
use crate::grammar::secret::parse_secret_ref;
use crate::kinds::kind::ServiceStep;
use crate::model::{
    EmptyDirView, ExtraContainer, ExtraMount, FileView, FilesView, Header, PodExtras, Port,
    ProbeKind, ProbeTiming, Probes, Resources, SecretEnv, TolerationView, VolumeView, Workload,
};
use crate::resolve::builtin;
use std::collections::BTreeMap;

/// The topology key of kiln's spread when no layer changes it.
pub const SPREAD_KEY: &str = "kubernetes.io/hostname";

/// The probes of a service's container: kiln's, changed by `probes`.
pub fn probes(
    service: &ServiceConfig,
    workload: Workload,
    protocol: Protocol,
    ports: &[Port],
) -> Option<Probes> {
    let table = match &service.probes {
        Some(ProbesSetting::Enabled(false)) => return None,
        Some(ProbesSetting::Table(table)) => table.clone(),
        Some(ProbesSetting::Enabled(true)) | None => ProbesTable::default(),
    };
    if workload == Workload::CronJob {
        return None;
    }
    let kind = match table.kind {
        Some(ProbeKindWord::Http) => ProbeKind::Http,
        Some(ProbeKindWord::Grpc) => ProbeKind::Grpc,
        Some(ProbeKindWord::Tcp) => ProbeKind::Tcp,
        Some(ProbeKindWord::Exec) => ProbeKind::Exec,
        None => match protocol {
            Protocol::Http => ProbeKind::Http,
            Protocol::Grpc => ProbeKind::Grpc,
            Protocol::Tcp => ProbeKind::Tcp,
        },
    };
    let probed = match table.port {
        Some(number) => ports.iter().find(|p| p.port == number),
        None => ports.first(),
    };
    let (port_name, port) = match (probed, kind) {
        (Some(p), _) => (p.name.clone(), p.port),
        // A command needs no port: a worker can have exec probes.
        (None, ProbeKind::Exec) => (String::new(), 0),
        (None, _) => return None,
    };
    let path = |own: &Option<String>, builtin: &str| {
        table
            .path
            .clone()
            .or_else(|| own.clone())
            .unwrap_or_else(|| builtin.into())
    };
    let seconds = |text: &Option<String>| {
        text.as_deref()
            .and_then(whole_seconds)
            .map(|s| u32::try_from(s).unwrap_or(u32::MAX))
    };
    let timeout = seconds(&table.timeout);
    let period = seconds(&table.period);
    let startup_period = builtin::STARTUP_PROBE.period_seconds;
    let startup = ProbeTiming {
        period_seconds: startup_period,
        timeout_seconds: timeout.unwrap_or(builtin::STARTUP_PROBE.timeout_seconds),
        // The budget, in asks of the startup probe, rounded up.
        failure_threshold: seconds(&table.startup)
            .map_or(builtin::STARTUP_PROBE.failure_threshold, |budget| {
                budget.div_ceil(startup_period).max(1)
            }),
    };
    let timing = |builtin: ProbeTiming| ProbeTiming {
        period_seconds: period.unwrap_or(builtin.period_seconds),
        timeout_seconds: timeout.unwrap_or(builtin.timeout_seconds),
        failure_threshold: table.failures.unwrap_or(builtin.failure_threshold),
    };
    Some(Probes {
        kind,
        port_name,
        port,
        command: table.command.clone().unwrap_or_default(),
        headers: table
            .headers
            .iter()
            .flatten()
            .map(|(name, value)| Header {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
        liveness_path: path(&service.health, builtin::HEALTH),
        readiness_path: path(&service.ready, builtin::READY),
        startup,
        liveness: timing(builtin::LIVENESS_PROBE),
        readiness: timing(builtin::READINESS_PROBE),
    })
}

/// The other pod keys, resolved through the layers; and the labels and
/// annotations the layers add to the pod template.
pub fn extras(
    step: &ServiceStep<'_>,
    workload: Workload,
    pod_labels: &mut BTreeMap<String, String>,
    pod_annotations: &mut BTreeMap<String, String>,
) -> PodExtras {
    let ServiceStep {
        name,
        service,
        layers,
        ..
    } = *step;
    let own_only = false;
    fn merged<'a>(
        layers: &crate::resolve::Layers<'a>,
        get: fn(&Layer<'a>) -> Option<&'a BTreeMap<String, String>>,
    ) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        for source in &layers.all {
            for (k, v) in get(&source.layer).into_iter().flatten() {
                out.insert(k.clone(), v.clone());
            }
        }
        out
    }
    for (k, v) in merged(layers, |l| l.labels) {
        pod_labels.entry(k).or_insert(v);
    }
    for (k, v) in merged(layers, |l| l.annotations) {
        pod_annotations.entry(k).or_insert(v);
    }
    let spread = match layers
        .pick(own_only, "spread", |l| l.spread.cloned())
        .map(|p| p.value)
    {
        _ if workload == Workload::CronJob => None,
        Some(Spread::Enabled(false)) => None,
        Some(Spread::Key(key)) => Some(key),
        Some(Spread::Enabled(true)) | None => Some(SPREAD_KEY.to_string()),
    };
    let tolerations = layers
        .pick(own_only, "tolerations", |l| l.tolerations.cloned())
        .map(|p| p.value)
        .unwrap_or_default()
        .into_iter()
        .map(|t| TolerationView {
            operator: match t.operator {
                Some(TolerationOperator::Exists) => "Exists",
                _ => "Equal",
            }
            .to_string(),
            key: t.key,
            value: t.value,
            effect: t.effect.map(|e| format!("{e:?}")),
        })
        .collect();
    let files = service
        .files
        .as_ref()
        .filter(|f| !f.is_empty())
        .map(|files| {
            let files: Vec<FileView> = files
                .iter()
                .enumerate()
                .map(|(index, (path, contents))| FileView {
                    key: file_key(index, path),
                    path: path.clone(),
                    contents: contents.clone(),
                })
                .collect();
            // Pods restart when a file changes, as they do for `env`.
            pod_annotations.insert("checksum/files".into(), checksum_files(&files));
            FilesView {
                config_map: format!("{name}-files"),
                files,
            }
        });
    let volumes = service
        .volumes
        .iter()
        .flatten()
        .map(|v| VolumeView {
            name: v.name.clone(),
            path: v.path.clone(),
            read_only: v
                .read_only
                .unwrap_or(v.config_map.is_some() || v.secret.is_some()),
            config_map: v.config_map.clone(),
            secret: v.secret.clone(),
            claim: v.claim.clone(),
            empty_dir: v.empty_dir.as_ref().map(|e| EmptyDirView {
                medium: e.medium.map(|m| format!("{m:?}")),
                size: e
                    .size
                    .as_ref()
                    .map(|s| Quantity::parse(s, Unit::Bytes).map_or(s.clone(), |q| q.to_string())),
            }),
        })
        .collect();
    PodExtras {
        command: service.command.clone().unwrap_or_default(),
        grace_period: layers
            .pick(own_only, "grace_period", |l| l.grace_period)
            .and_then(|p| whole_seconds(p.value)),
        pre_stop: service.pre_stop.clone().unwrap_or_default(),
        node_selector: merged(layers, |l| l.node_selector),
        tolerations,
        spread,
        image_pull_secrets: layers
            .pick(own_only, "image_pull_secrets", |l| {
                l.image_pull_secrets.cloned()
            })
            .map(|p| p.value)
            .unwrap_or_default(),
        service_account_annotations: service
            .service_account
            .as_ref()
            .and_then(|s| s.annotations.clone())
            .unwrap_or_default(),
        low_ports: service
            .capabilities
            .iter()
            .flatten()
            .any(|c| *c == Capability::NetBindService),
        volumes,
        files,
        storage_class: service.storage_class.clone(),
        init_containers: service
            .init_containers
            .iter()
            .flatten()
            .map(extra_container)
            .collect(),
        sidecars: service
            .sidecars
            .iter()
            .flatten()
            .map(extra_container)
            .collect(),
    }
}

/// The requests of an extra container when it names none: exporters and
/// init steps are small.
pub const EXTRA_CPU: &str = "50m";
pub const EXTRA_MEMORY: &str = "64Mi";

/// An init container or sidecar: its requests, limits twice them.
fn extra_container(container: &Container) -> ExtraContainer {
    let (cpu, memory) = extra_quantities(container);
    ExtraContainer {
        name: container.name.clone(),
        image: container.image.clone(),
        command: container.command.clone().unwrap_or_default(),
        args: container.args.clone().unwrap_or_default(),
        env: container
            .env
            .iter()
            .flatten()
            .map(|(name, value)| Header {
                name: name.clone(),
                value: value.clone(),
            })
            .collect(),
        secrets: container
            .secrets
            .iter()
            .flatten()
            .filter_map(|(var, reference)| {
                parse_secret_ref(reference).map(|(secret, key)| SecretEnv {
                    var: var.clone(),
                    secret: secret.into(),
                    key: key.into(),
                })
            })
            .collect(),
        ports: container
            .ports
            .iter()
            .flatten()
            .map(|p| Port {
                name: p.name.clone(),
                port: p.port,
                service_port: p.port,
                protocol: if p.monitor == Some(true) {
                    Protocol::Http
                } else {
                    Protocol::Tcp
                },
            })
            .collect(),
        resources: Resources {
            cpu_request: cpu.to_string(),
            cpu_limit: cpu.times(2).to_string(),
            memory_request: memory.to_string(),
            memory_limit: memory.times(2).to_string(),
        },
        mounts: container
            .mounts
            .iter()
            .flatten()
            .map(|m| ExtraMount {
                name: m.volume.clone(),
                path: m.path.clone(),
                read_only: m.read_only.unwrap_or(true),
            })
            .collect(),
    }
}

/// An extra container's CPU and memory requests.
pub fn extra_quantities(container: &Container) -> (Quantity, Quantity) {
    let read = |value: &Option<String>, builtin: &str, unit| {
        value
            .as_deref()
            .and_then(|v| Quantity::parse(v, unit))
            .or_else(|| Quantity::parse(builtin, unit))
            .unwrap_or(Quantity::zero(unit))
    };
    (
        read(&container.cpu, EXTRA_CPU, Unit::Cpu),
        read(&container.memory, EXTRA_MEMORY, Unit::Bytes),
    )
}

/// What one pod asks for beyond its app container, as `[cpu request, cpu
/// limit, memory request, memory limit]`: every sidecar, and the largest
/// init container where it asks for more (init containers run one at a
/// time, before the sidecars start).
pub fn extra_pod_quantities(service: &ServiceConfig, app: [Quantity; 4]) -> [Quantity; 4] {
    let four = |c: &Container| {
        let (cpu, memory) = extra_quantities(c);
        [cpu, cpu.times(2), memory, memory.times(2)]
    };
    let mut total = app;
    for sidecar in service.sidecars.iter().flatten() {
        for (sum, part) in total.iter_mut().zip(four(sidecar)) {
            *sum = sum.plus(part);
        }
    }
    for init in service.init_containers.iter().flatten() {
        for (sum, part) in total.iter_mut().zip(four(init)) {
            *sum = (*sum).max(part);
        }
    }
    total
}

/// A file's key in the ConfigMap: its place in the list, then its name
/// reduced to the characters a key may hold, so keys never collide.
fn file_key(index: usize, path: &str) -> String {
    let base = path.rsplit('/').next().unwrap_or_default();
    let base: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .take(200)
        .collect();
    format!("{index}-{base}")
}

fn checksum_files(files: &[FileView]) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for file in files {
        hasher.update(file.path.as_bytes());
        hasher.update([0]);
        hasher.update(file.contents.as_bytes());
        hasher.update([0]);
    }
    crate::digest::hex(&hasher.finalize())
}

/// The largest CPU and memory limit of one container of the pod: the app's
/// (`app` as `[cpu request, cpu limit, memory request, memory limit]`) or an
/// extra container's.
pub fn widest_limits(service: &ServiceConfig, app: [Quantity; 4]) -> [Quantity; 2] {
    let mut widest = [app[1], app[3]];
    for container in service
        .init_containers
        .iter()
        .flatten()
        .chain(service.sidecars.iter().flatten())
    {
        let (cpu, memory) = extra_quantities(container);
        widest[0] = widest[0].max(cpu.times(2));
        widest[1] = widest[1].max(memory.times(2));
    }
    widest
}
