//! Merges built-in defaults, `[defaults]`, `[environments.E]`, the service's
//! `preset`, `[services.S]` and `[services.S.environments.E]` (lowest to
//! highest) into one plain
//! model per environment. Everything that decides *what* to emit lives here
//! and in the three layer modules it calls: `mesh`, `alerts` and `logging`.

use crate::builtin;
use crate::config::{Config, Kind, Layer, Metrics, Mtls, Protocol, ServiceConfig};
use crate::diagnostics::{KeyPath, Problem};
use crate::grammar::quantity::{Quantity, Unit};
use crate::grammar::reference::image_tag;
use crate::grammar::secret::parse_secret_ref;
use crate::labels::{common_labels, selector};
use crate::model::*;
use crate::scope::{Scope, switches};
use crate::{logging, mesh};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// How a well-known third-party image runs: its own user, and where it writes.
struct ImageDefaults {
    user: u32,
    data_path: &'static str,
    writable: &'static [&'static str],
    read_only_root: bool,
    env: &'static [(&'static str, &'static str)],
}

/// Working defaults for the official images the presets use. Anything else
/// runs as `builtin::RUN_AS_USER` with a read-only root.
fn image_defaults(image: &str) -> Option<ImageDefaults> {
    let name = image.split(['@', ':']).next().unwrap_or(image);
    let name = name.strip_prefix("docker.io/").unwrap_or(name);
    let name = name.strip_prefix("library/").unwrap_or(name);
    let alpine = image.contains("alpine");
    Some(match name {
        "redis" => ImageDefaults {
            user: 999,
            data_path: "/data",
            writable: &[],
            read_only_root: true,
            env: &[],
        },
        "postgres" => ImageDefaults {
            user: if alpine { 70 } else { 999 },
            data_path: "/var/lib/postgresql/data",
            writable: &["/var/run/postgresql"],
            read_only_root: true,
            // initdb refuses a volume root that holds lost+found.
            env: &[("PGDATA", "/var/lib/postgresql/data/pgdata")],
        },
        "mysql" => ImageDefaults {
            user: 999,
            data_path: "/var/lib/mysql",
            writable: &["/var/run/mysqld"],
            read_only_root: true,
            env: &[],
        },
        "mongo" => ImageDefaults {
            user: 999,
            data_path: "/data/db",
            writable: &["/data/configdb"],
            read_only_root: true,
            env: &[],
        },
        // The entrypoint writes its generated config under /etc/rabbitmq.
        "rabbitmq" => ImageDefaults {
            user: 999,
            data_path: "/var/lib/rabbitmq",
            writable: &[],
            read_only_root: false,
            env: &[],
        },
        _ => return None,
    })
}

/// A setting's winning value, where it was set, and how high that layer is.
pub(crate) struct Picked<T> {
    pub value: T,
    pub key: KeyPath,
    pub rank: usize,
}

/// One table of `kiln.toml` that may set layered settings, and where it is.
pub(crate) struct Source<'a> {
    pub key: KeyPath,
    /// How `kiln explain` names it: `[defaults]`, ``preset `http-api` ``, ...
    pub label: String,
    pub layer: Layer<'a>,
}

/// The layers that apply to one service in one environment, lowest first.
pub(crate) struct Layers<'a> {
    pub all: Vec<Source<'a>>,
    /// How many of `all` are project-wide (`[defaults]`, `[environments.E]`).
    wide: usize,
}

impl<'a> Layers<'a> {
    pub(crate) fn new(
        config: &'a Config,
        environment: &str,
        service: Option<(&str, &'a ServiceConfig)>,
    ) -> Self {
        let source = |key: KeyPath, layer| Source {
            label: format!("[{key}]"),
            key,
            layer,
        };
        let mut all = vec![source(KeyPath::new(&["defaults"]), config.defaults.layer())];
        if let Some(env) = config.environments.get(environment) {
            all.push(source(
                KeyPath::new(&["environments", environment]),
                env.layer(),
            ));
        }
        let wide = all.len();
        if let Some((name, service)) = service {
            let key = KeyPath::new(&["services", name]);
            // A preset describes what kind of service this is: more specific
            // than project-wide settings, less than the service's own table.
            if let (Some(preset), Some(preset_name)) =
                (config.preset_layers.get(name), service.preset.as_deref())
            {
                all.push(Source {
                    key: key.key("preset"),
                    label: format!("preset `{preset_name}`"),
                    layer: preset.layer(),
                });
            }
            all.push(source(key.clone(), service.layer()));
            if let Some(overrides) = service
                .environments
                .as_ref()
                .and_then(|e| e.get(environment))
            {
                all.push(source(
                    key.key("environments").key(environment),
                    overrides.layer(),
                ));
            }
        }
        Layers { all, wide }
    }

    /// The highest layer's value of one setting, where it came from, and
    /// its rank (higher ranks win). With `own_only`, only the service's own
    /// tables count.
    pub(crate) fn pick<T>(
        &self,
        own_only: bool,
        field: &str,
        get: impl Fn(&Layer<'a>) -> Option<T>,
    ) -> Option<Picked<T>> {
        let first = if own_only { self.wide } else { 0 };
        self.all
            .iter()
            .enumerate()
            .skip(first)
            .rev()
            .find_map(|(rank, source)| {
                get(&source.layer).map(|value| Picked {
                    value,
                    key: source.key.key(field),
                    rank,
                })
            })
    }

    /// Requests and limits. A limit defaults to twice its request; a limit
    /// from a lower layer than its request gives way to that default when
    /// it would fall below the request.
    pub(crate) fn resources(&self, problems: &mut Vec<Problem>) -> (Resources, [Quantity; 4]) {
        let quantity =
            |value: &str, unit| Quantity::parse(value, unit).unwrap_or(Quantity::zero(unit));
        let mut pair = |fields: [&str; 2],
                        unit,
                        builtin: &str,
                        get: [fn(&Layer<'a>) -> Option<&'a str>; 2]| {
            let picked_request = self.pick(false, fields[0], get[0]);
            let request = picked_request
                .as_ref()
                .map_or(quantity(builtin, unit), |p| quantity(p.value, unit));
            let request_rank = picked_request.as_ref().map_or(0, |p| p.rank);
            let limit = match self.pick(false, fields[1], get[1]) {
                Some(picked) if quantity(picked.value, unit) >= request => {
                    quantity(picked.value, unit)
                }
                Some(picked) if picked.rank < request_rank => request.times(2),
                Some(picked) => {
                    problems.push(Problem::limit_below_request(
                        &picked.key,
                        picked.value,
                        &request.to_string(),
                    ));
                    quantity(picked.value, unit)
                }
                None => request.times(2),
            };
            if let (false, Some(picked)) = (limit.fits(), &picked_request) {
                problems.push(Problem::default_limit_too_large(&picked.key, fields[1]));
            }
            (request, limit)
        };
        let (cpu, cpu_limit) = pair(
            ["cpu", "cpu_limit"],
            Unit::Cpu,
            builtin::CPU,
            [|l| l.cpu, |l| l.cpu_limit],
        );
        let (memory, memory_limit) = pair(
            ["memory", "memory_limit"],
            Unit::Bytes,
            builtin::MEMORY,
            [|l| l.memory, |l| l.memory_limit],
        );
        let resources = Resources {
            cpu_request: cpu.to_string(),
            cpu_limit: cpu_limit.to_string(),
            memory_request: memory.to_string(),
            memory_limit: memory_limit.to_string(),
        };
        (resources, [cpu, cpu_limit, memory, memory_limit])
    }

    /// `env` and `secrets` merged by key. A higher layer that moves a variable
    /// from one map to the other wins over the lower layer.
    fn variables(&self) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
        let mut env = BTreeMap::new();
        let mut secrets = BTreeMap::new();
        for source in &self.all {
            for (name, value) in source.layer.env.into_iter().flatten() {
                secrets.remove(name);
                env.insert(name.clone(), value.clone());
            }
            for (name, value) in source.layer.secrets.into_iter().flatten() {
                env.remove(name);
                secrets.insert(name.clone(), value.clone());
            }
        }
        (env, secrets)
    }
}

/// For each service, the services that call it, in name order.
type Callers<'a> = BTreeMap<&'a str, Vec<&'a str>>;

fn callers(config: &Config) -> Callers<'_> {
    let mut callers: Callers<'_> = BTreeMap::new();
    for (caller, service) in &config.services {
        let mut callees: Vec<&str> = service.calls.iter().flatten().map(String::as_str).collect();
        callees.sort_unstable();
        callees.dedup();
        for callee in callees.into_iter().filter(|callee| *callee != caller) {
            callers.entry(callee).or_default().push(caller);
        }
    }
    callers
}

pub fn resolve(config: &Config) -> Result<Model, Vec<Problem>> {
    let mut problems = Vec::new();
    let callers = callers(config);
    let project = ProjectView {
        name: config.project.name.clone(),
        team: config.project.team.clone(),
        monitoring_namespace: config
            .project
            .monitoring_namespace
            .clone()
            .unwrap_or_else(|| builtin::MONITORING_NAMESPACE.to_string()),
        mesh_namespace: config
            .project
            .mesh_namespace
            .clone()
            .unwrap_or_else(|| builtin::MESH_NAMESPACE.to_string()),
    };
    // Environments are independent: one thread each, merged back in name order.
    let names: Vec<&String> = config.environments.keys().collect();
    let resolved = crate::parallel::each(&names, |name| {
        let mut found = Vec::new();
        let environment = resolve_environment(config, &callers, &project, name, &mut found);
        (environment, found)
    });
    let mut environments = Vec::new();
    for (environment, found) in resolved {
        environments.push(environment);
        problems.extend(found);
    }
    let delivery = crate::delivery::resolve(config, &environments);
    if problems.is_empty() {
        Ok(Model {
            project,
            environments,
            delivery,
        })
    } else {
        Err(problems)
    }
}

fn resolve_environment(
    config: &Config,
    callers: &Callers<'_>,
    project: &ProjectView,
    name: &str,
    problems: &mut Vec<Problem>,
) -> Environment {
    let environment = &config.environments[name];
    let namespace = format!("{}-{name}", project.name);
    let mut labels = common_labels(project);
    labels.insert("app.kubernetes.io/name".into(), project.name.clone());
    labels.insert("app.kubernetes.io/instance".into(), namespace.clone());
    labels.insert("app.kubernetes.io/component".into(), "environment".into());

    let on = switches(config, name);
    let ingress = mesh::ingress_gateway(config, project, name);
    let mut services = Vec::new();
    let mut totals = Totals {
        sidecar: on.mesh,
        ..Totals::default()
    };
    for (service_name, service) in &config.services {
        let (resolved, pod) = resolve_service(
            config,
            callers,
            project,
            &Scope {
                environment: name,
                namespace: &namespace,
                on,
                mtls_strict: environment.mtls.unwrap_or(Mtls::Strict) == Mtls::Strict,
                gateway: &ingress,
            },
            service_name,
            service,
            problems,
        );
        totals.add(&resolved, &pod, service);
        if let Some(canary) = &resolved.canary {
            // One canary pod plus its surge pod, at the stable pod's size.
            let canary_pod = Pod {
                quantities: pod.quantities,
                count: u64::from(builtin::CANARY_REPLICAS) + 1,
            };
            totals.add(&canary.workload, &canary_pod, service);
        }
        services.push(resolved);
    }
    let wide = Layers::new(config, name, None);
    let (default, default_quantities) = wide.resources(problems);
    let (sidecar_cpu_limit, sidecar_memory_limit) = if on.mesh {
        (
            Quantity::parse(builtin::SIDECAR_CPU_LIMIT, Unit::Cpu),
            Quantity::parse(builtin::SIDECAR_MEMORY_LIMIT, Unit::Bytes),
        )
    } else {
        (None, None)
    };
    let sidecar_cpu_limit = sidecar_cpu_limit.unwrap_or(Quantity::zero(Unit::Cpu));
    let sidecar_memory_limit = sidecar_memory_limit.unwrap_or(Quantity::zero(Unit::Bytes));
    let limit_range = LimitRange {
        // The namespace default must fit under the ceiling too, or the LimitRange is rejected.
        max_cpu: max_of(totals.max_cpu, sidecar_cpu_limit.max(default_quantities[1])).to_string(),
        max_memory: max_of(
            totals.max_memory,
            sidecar_memory_limit.max(default_quantities[3]),
        )
        .to_string(),
        default,
    };
    let mtls = match environment.mtls.unwrap_or(Mtls::Strict) {
        Mtls::Strict => "STRICT",
        Mtls::Permissive => "PERMISSIVE",
    };
    let mesh = on.mesh.then(|| EnvironmentMesh {
        gateway: mesh::gateway(config, project, name, &namespace, &ingress, &services),
        gateway_principal: ingress.principal(),
        gateway_selector: ingress.selector.clone(),
        ingress: ingress.clone(),
    });
    let monitoring = on
        .monitoring
        .then(|| crate::alerts::monitoring(config, name, &namespace, on.mesh, &services));
    let logging = on
        .logging
        .then(|| logging::logging(config, project, name, &namespace));
    Environment {
        name: name.to_string(),
        namespace,
        domain: environment.domain.clone(),
        mtls: mtls.into(),
        labels,
        services,
        quota: totals.quota(&KeyPath::new(&["environments", name]), problems),
        limit_range,
        mesh,
        monitoring,
        logging,
    }
}

/// What one pod of a service asks for: requests and limits of the app
/// container plus the sidecar.
struct Pod {
    quantities: [Quantity; 4],
    count: u64,
}

#[derive(Default)]
struct Totals {
    /// Whether every pod also runs the Istio sidecar.
    sidecar: bool,
    pods: u64,
    sums: Option<[Quantity; 4]>,
    claims: u64,
    storage: Option<Quantity>,
    max_cpu: Option<Quantity>,
    max_memory: Option<Quantity>,
}

impl Totals {
    fn add(&mut self, service: &Service, pod: &Pod, config: &ServiceConfig) {
        self.pods += pod.count;
        let sums = self.sums.get_or_insert([
            Quantity::zero(Unit::Cpu),
            Quantity::zero(Unit::Cpu),
            Quantity::zero(Unit::Bytes),
            Quantity::zero(Unit::Bytes),
        ]);
        let quantities = if self.sidecar {
            sidecar_plus(pod.quantities)
        } else {
            pod.quantities
        };
        for (sum, part) in sums.iter_mut().zip(quantities) {
            *sum = sum.plus(part.times(u128::from(pod.count)));
        }
        self.max_cpu = Some(max_of(self.max_cpu, pod.quantities[1]));
        self.max_memory = Some(max_of(self.max_memory, pod.quantities[3]));
        if let (Some(_), Some(size)) = (&service.storage, &config.storage) {
            let replicas = pod.count;
            let size = Quantity::parse(size, Unit::Bytes).unwrap_or(Quantity::zero(Unit::Bytes));
            self.claims += replicas;
            let total = self.storage.get_or_insert(Quantity::zero(Unit::Bytes));
            *total = total.plus(size.times(u128::from(replicas)));
        }
    }

    /// The namespace's ResourceQuota; a sum no quantity holds is a problem of `key`.
    fn quota(&self, key: &KeyPath, problems: &mut Vec<Problem>) -> Quota {
        let zero_cpu = Quantity::zero(Unit::Cpu);
        let zero_bytes = Quantity::zero(Unit::Bytes);
        let [requests_cpu, limits_cpu, requests_memory, limits_memory] = self
            .sums
            .unwrap_or([zero_cpu, zero_cpu, zero_bytes, zero_bytes]);
        for (what, sums) in [
            ("cpu", [requests_cpu, limits_cpu]),
            ("memory", [requests_memory, limits_memory]),
            ("storage", [self.storage.unwrap_or(zero_bytes); 2]),
        ] {
            if !sums.iter().all(|sum| sum.fits()) {
                problems.push(Problem::quota_too_large(key, what));
            }
        }
        Quota {
            pods: self.pods.to_string(),
            requests_cpu: requests_cpu.to_string(),
            limits_cpu: limits_cpu.to_string(),
            requests_memory: requests_memory.to_string(),
            limits_memory: limits_memory.to_string(),
            persistent_volume_claims: self.claims.to_string(),
            requests_storage: self.storage.unwrap_or(zero_bytes).to_string(),
        }
    }
}

fn max_of(current: Option<Quantity>, other: Quantity) -> Quantity {
    current.map_or(other, |q| q.max(other))
}

/// A pod's app container plus its sidecar.
fn sidecar_plus(app: [Quantity; 4]) -> [Quantity; 4] {
    let sidecar = [
        (builtin::SIDECAR_CPU, Unit::Cpu),
        (builtin::SIDECAR_CPU_LIMIT, Unit::Cpu),
        (builtin::SIDECAR_MEMORY, Unit::Bytes),
        (builtin::SIDECAR_MEMORY_LIMIT, Unit::Bytes),
    ];
    let mut total = app;
    for (sum, (value, unit)) in total.iter_mut().zip(sidecar) {
        *sum = sum.plus(Quantity::parse(value, unit).unwrap_or(Quantity::zero(unit)));
    }
    total
}

fn kind_name(kind: Kind) -> &'static str {
    match kind {
        Kind::Web => "web",
        Kind::Worker => "worker",
        Kind::Stateful => "stateful",
        Kind::Cronjob => "cronjob",
    }
}

fn protocol_name(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Http => "http",
        Protocol::Grpc => "grpc",
        Protocol::Tcp => "tcp",
    }
}

fn resolve_service(
    config: &Config,
    callers: &Callers<'_>,
    project: &ProjectView,
    scope: &Scope<'_>,
    name: &str,
    service: &ServiceConfig,
    problems: &mut Vec<Problem>,
) -> (Service, Pod) {
    let environment = scope.environment;
    let layers = Layers::new(config, environment, Some((name, service)));
    let overrides = service
        .environments
        .as_ref()
        .and_then(|e| e.get(environment));
    let kind = service.kind.unwrap_or(Kind::Web);
    let built = service.image.is_none();

    let (image, version) = match &service.image {
        Some(image) => (
            image.clone(),
            image_tag(image).unwrap_or_default().to_string(),
        ),
        None => {
            let version = overrides
                .and_then(|o| o.version.clone())
                .or_else(|| service.version.clone())
                .unwrap_or_default();
            let registry = config.project.registry.as_deref().unwrap_or_default();
            (format!("{registry}/{name}:{version}"), version)
        }
    };
    let known = service.image.as_deref().and_then(image_defaults);

    let mut labels = common_labels(project);
    labels.extend(selector(name));
    labels.insert("app.kubernetes.io/version".into(), version.clone());
    labels.insert("app.kubernetes.io/component".into(), kind_name(kind).into());
    labels.insert("app".into(), name.into());
    labels.insert("version".into(), version.clone());

    let protocol = service
        .protocol
        .unwrap_or(if built { Protocol::Http } else { Protocol::Tcp });
    let mut ports = Vec::new();
    if let Some(port) = service.port {
        ports.push(Port {
            name: protocol_name(protocol).into(),
            port,
            protocol: protocol_name(protocol).into(),
        });
    }
    for (port_name, port) in service.ports.iter().flatten() {
        ports.push(Port {
            name: port_name.clone(),
            port: *port,
            protocol: "tcp".into(),
        });
    }
    let metrics = resolve_metrics(service, kind, built, &mut ports);

    let probes = match (kind, ports.first()) {
        (Kind::Cronjob, _) | (_, None) => None,
        (_, Some(main)) => Some(Probes {
            kind: if protocol == Protocol::Http {
                "http".into()
            } else {
                "tcp".into()
            },
            port_name: main.name.clone(),
            liveness_path: service
                .health
                .clone()
                .unwrap_or_else(|| builtin::HEALTH.into()),
            readiness_path: service
                .ready
                .clone()
                .unwrap_or_else(|| builtin::READY.into()),
        }),
    };

    // Environment-wide replica counts and autoscaling are for stateless
    // services; a database or a job scales only when the service says so.
    let own_only = !matches!(kind, Kind::Web | Kind::Worker);
    // Whichever of `replicas` and `autoscale` is set in the higher layer
    // wins, so a service can pin a count where its environment autoscales.
    let picked_autoscale = layers.pick(own_only, "autoscale", |l| l.autoscale.cloned());
    let picked_replicas = layers.pick(own_only, "replicas", |l| l.replicas);
    let autoscale = match (kind, picked_autoscale, &picked_replicas) {
        (Kind::Cronjob, _, _) => None,
        (_, Some(a), Some(r)) if r.rank > a.rank => None,
        (_, Some(a), _) => Some(AutoscaleView {
            min: a.value.min,
            max: a.value.max,
            cpu: a.value.cpu.unwrap_or(builtin::AUTOSCALE_CPU),
        }),
        (_, None, _) => None,
    };
    let replicas = match (kind, &autoscale) {
        (Kind::Cronjob, _) | (_, Some(_)) => None,
        _ => Some(picked_replicas.map_or(builtin::REPLICAS, |r| r.value)),
    };
    let fewest = autoscale.as_ref().map_or(replicas.unwrap_or(0), |a| a.min);
    let most = autoscale.as_ref().map_or(replicas.unwrap_or(1), |a| a.max);

    let (resources, quantities) = layers.resources(problems);
    let (mut env, secret_refs) = layers.variables();
    for (var, value) in known.iter().flat_map(|k| k.env) {
        env.entry((*var).to_string())
            .or_insert_with(|| (*value).to_string());
    }
    let secrets = secret_refs
        .iter()
        .filter_map(|(var, reference)| {
            parse_secret_ref(reference).map(|(secret, key)| SecretEnv {
                var: var.clone(),
                secret: secret.into(),
                key: key.into(),
            })
        })
        .collect();

    let mut pod_annotations = BTreeMap::from([(
        "kubectl.kubernetes.io/default-container".to_string(),
        name.to_string(),
    )]);
    if scope.on.mesh {
        for (key, value) in [
            ("sidecar.istio.io/proxyCPU", builtin::SIDECAR_CPU),
            ("sidecar.istio.io/proxyCPULimit", builtin::SIDECAR_CPU_LIMIT),
            ("sidecar.istio.io/proxyMemory", builtin::SIDECAR_MEMORY),
            (
                "sidecar.istio.io/proxyMemoryLimit",
                builtin::SIDECAR_MEMORY_LIMIT,
            ),
        ] {
            pod_annotations.insert(key.into(), value.into());
        }
        if kind == Kind::Cronjob {
            // A classic sidecar never exits and would keep every Job running forever.
            pod_annotations.insert("sidecar.istio.io/nativeSidecar".into(), "true".into());
        }
    }
    if !env.is_empty() {
        // Pods restart when their settings change, as they would with Helm's checksum idiom.
        pod_annotations.insert("checksum/config".into(), checksum(&env));
    }
    match (&metrics, scope.on.monitoring) {
        (Some(metrics), true) => {
            // The convention Prometheus' pod discovery and Istio's metrics merging both read.
            pod_annotations.insert("prometheus.io/scrape".into(), "true".into());
            pod_annotations.insert("prometheus.io/path".into(), metrics.path.clone());
            pod_annotations.insert("prometheus.io/port".into(), metrics.port.to_string());
        }
        // Without monitoring nothing may advertise metrics: the sidecar injector
        // would otherwise add `prometheus.io/*` annotations for its merged endpoint.
        (_, false) if scope.on.mesh => {
            pod_annotations.insert("prometheus.istio.io/merge-metrics".into(), "false".into());
        }
        _ => {}
    }

    let read_only_root = service
        .read_only_root
        .or(known.as_ref().map(|k| k.read_only_root))
        .unwrap_or(true);
    let user = service
        .run_as_user
        .or(known.as_ref().map(|k| k.user))
        .unwrap_or(builtin::RUN_AS_USER);
    let security = Security {
        run_as_user: user,
        run_as_group: service.run_as_group.unwrap_or(user),
        read_only_root,
    };
    let writable: Vec<String> = match &service.writable_paths {
        Some(paths) => paths.clone(),
        None => known
            .as_ref()
            .map(|k| k.writable.iter().map(|p| (*p).to_string()).collect())
            .unwrap_or_default(),
    };
    let mut scratch = vec![Mount {
        name: "tmp".into(),
        path: "/tmp".into(),
    }];
    scratch.extend(
        writable
            .into_iter()
            .filter(|path| path != "/tmp")
            .enumerate()
            .map(|(i, path)| Mount {
                name: format!("writable-{i}"),
                path,
            }),
    );
    let storage = match (kind, &service.storage) {
        (Kind::Stateful, Some(size)) => Some(Storage {
            size: Quantity::parse(size, Unit::Bytes)
                .map_or_else(|| size.clone(), |q| q.to_string()),
            path: service
                .data_path
                .clone()
                .or(known.as_ref().map(|k| k.data_path.to_string()))
                .unwrap_or_else(|| builtin::DATA_PATH.into()),
        }),
        _ => None,
    };

    let (ingress, egress) = traffic(
        config,
        callers,
        project,
        scope,
        name,
        service,
        metrics.as_ref(),
    );
    let has_service = matches!(kind, Kind::Web | Kind::Stateful) && service.port.is_some();
    let mut pod_labels = labels.clone();
    let mut pod_selector = selector(name);
    if matches!(kind, Kind::Web | Kind::Worker) {
        for set in [&mut pod_labels, &mut pod_selector] {
            set.insert(mesh::TRACK.into(), "stable".into());
        }
    }
    let pod_count = match kind {
        Kind::Cronjob => 1,
        // StatefulSets replace pods one at a time, without a surge pod.
        Kind::Stateful => u64::from(most),
        Kind::Web | Kind::Worker => u64::from(most) + 1,
    };
    let resolved = Service {
        name: name.to_string(),
        kind: kind_name(kind).into(),
        image,
        version,
        pod_labels,
        pod_selector,
        labels,
        selector: selector(name),
        service_account: name.to_string(),
        config_map: (!env.is_empty()).then(|| format!("{name}-env")),
        pod_annotations,
        ports,
        has_service,
        headless_service: (kind == Kind::Stateful && has_service)
            .then(|| format!("{name}-headless")),
        metrics,
        probes,
        replicas,
        disruption_budget: kind != Kind::Cronjob && fewest > 1,
        autoscale,
        resources,
        env,
        secrets,
        route: service.route.clone(),
        args: service.args.clone().unwrap_or_default(),
        security,
        scratch,
        storage,
        schedule: service.schedule.clone(),
        ingress,
        egress,
        retries: mesh::retries(
            layers
                .pick(false, "retries", |l| l.retries)
                .map(|p| p.value),
        ),
        mesh: None,
        monitor: None,
        canary: None,
    };
    let mut resolved = resolved;
    resolved.monitor = monitor(service, scope, &resolved);
    let canary = overrides
        .and_then(|o| o.canary.as_ref())
        .or(service.canary.as_ref())
        .filter(|_| scope.on.mesh && kind == Kind::Web);
    resolved.canary = canary.map(|canary| mesh::canary_of(config, &resolved, canary));
    if scope.on.mesh {
        let callers = callers.get(resolved.name.as_str());
        resolved.mesh = Some(mesh::service_mesh(
            callers.map_or(&[], Vec::as_slice),
            project,
            scope,
            service,
            &resolved,
        ));
    }
    (
        resolved,
        Pod {
            quantities,
            count: pod_count,
        },
    )
}

/// How Prometheus scrapes a service: through its Service if it has one, else its pods.
fn monitor(service: &ServiceConfig, scope: &Scope<'_>, resolved: &Service) -> Option<Monitor> {
    let metrics = resolved.metrics.as_ref().filter(|_| scope.on.monitoring)?;
    Some(Monitor {
        kind: if resolved.has_service {
            "ServiceMonitor".into()
        } else {
            "PodMonitor".into()
        },
        port_name: metrics.port_name.clone(),
        path: metrics.path.clone(),
        interval: service
            .scrape_interval
            .clone()
            .unwrap_or_else(|| builtin::SCRAPE_INTERVAL.into()),
        selector: resolved.selector.clone(),
    })
}

/// Metrics are on by default for built services that listen somewhere;
/// third-party images rarely serve Prometheus metrics, so for them it is opt-in.
fn resolve_metrics(
    service: &ServiceConfig,
    kind: Kind,
    built: bool,
    ports: &mut Vec<Port>,
) -> Option<MetricsView> {
    let path = match &service.metrics {
        Some(Metrics::Enabled(false)) => return None,
        Some(Metrics::Path(path)) => path.clone(),
        Some(Metrics::Enabled(true)) => builtin::METRICS.to_string(),
        None if built => builtin::METRICS.to_string(),
        None => return None,
    };
    if kind == Kind::Cronjob {
        return None;
    }
    let port = service.metrics_port.or(service.port)?;
    let port_name = match ports.iter().find(|p| p.port == port) {
        Some(existing) => existing.name.clone(),
        None => {
            ports.push(Port {
                name: "http-metrics".into(),
                port,
                protocol: "http".into(),
            });
            "http-metrics".into()
        }
    };
    Some(MetricsView {
        path,
        port,
        port_name,
    })
}

/// NetworkPolicy peers: exactly the declared callers in, the called services out.
fn traffic(
    config: &Config,
    callers: &Callers<'_>,
    project: &ProjectView,
    scope: &Scope<'_>,
    name: &str,
    service: &ServiceConfig,
    metrics: Option<&MetricsView>,
) -> (Vec<IngressRule>, Vec<EgressRule>) {
    let own_ports = service.serving_ports();
    let mut ingress: Vec<IngressRule> = callers
        .get(name)
        .into_iter()
        .flatten()
        .filter(|_| !own_ports.is_empty())
        .map(|caller| IngressRule {
            pods: selector(caller),
            namespace: None,
            ports: own_ports.clone(),
        })
        .collect();
    let on = scope.on;
    if let (Some(_), Some(port), true) = (&service.route, service.port, on.mesh) {
        ingress.push(IngressRule {
            pods: scope.gateway.selector.clone(),
            namespace: Some(scope.gateway.namespace.clone()),
            ports: vec![port],
        });
    }
    // Prometheus scrapes the metrics port and, in the mesh, the sidecar's own
    // metrics, which the HTTP alerts are computed from.
    let mut scraped: Vec<u16> = metrics.map(|m| m.port).into_iter().collect();
    if on.mesh {
        scraped.push(builtin::SIDECAR_METRICS_PORT);
    }
    if on.monitoring && !scraped.is_empty() {
        ingress.push(IngressRule {
            pods: Labels::new(),
            namespace: Some(project.monitoring_namespace.clone()),
            ports: scraped,
        });
    }
    let mut callees: Vec<&String> = service.calls.iter().flatten().collect();
    callees.sort();
    callees.dedup();
    let egress = callees
        .into_iter()
        .filter_map(|callee| {
            let target = config.services.get(callee)?;
            let ports = target.serving_ports();
            (!ports.is_empty()).then(|| EgressRule {
                pods: selector(callee),
                cidr: None,
                ports,
            })
        })
        .chain(service.egress.iter().flatten().map(|rule| EgressRule {
            pods: Labels::new(),
            cidr: Some(rule.cidr.clone()),
            ports: vec![rule.port],
        }))
        .collect();
    (ingress, egress)
}

fn checksum(env: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (name, value) in env {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
        hasher.update([0]);
    }
    crate::digest::hex(&hasher.finalize())
}
