//! Merges built-in defaults, `[defaults]`, `[environments.E]`, `[services.S]`
//! and `[services.S.environments.E]` (lowest to highest) into one plain
//! model per environment. Everything that decides *what* to emit lives here.

use crate::config::{Config, Kind, Layer, Metrics, Mtls, Protocol, ServiceConfig};
use crate::error::{KeyPath, Problem};
use crate::model::*;
use crate::quantity::{Quantity, Unit};
use crate::validate::{image_tag, parse_secret_ref};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Built-in defaults, the lowest layer.
pub mod builtin {
    pub const REPLICAS: u32 = 1;
    pub const CPU: &str = "100m";
    pub const MEMORY: &str = "128Mi";
    pub const HEALTH: &str = "/healthz";
    pub const READY: &str = "/ready";
    pub const METRICS: &str = "/metrics";
    pub const AUTOSCALE_CPU: u32 = 80;
    pub const RUN_AS_USER: u32 = 10001;
    pub const DATA_PATH: &str = "/data";
    pub const MONITORING_NAMESPACE: &str = "monitoring";
    pub const MESH_NAMESPACE: &str = "istio-system";
    /// Resources of the injected Istio sidecar, pinned by pod annotations so
    /// that the namespace quota can account for them.
    pub const SIDECAR_CPU: &str = "100m";
    pub const SIDECAR_CPU_LIMIT: &str = "500m";
    pub const SIDECAR_MEMORY: &str = "128Mi";
    pub const SIDECAR_MEMORY_LIMIT: &str = "256Mi";
}

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

/// One table of `kiln.toml` that may set layered settings, and where it is.
struct Source<'a> {
    key: KeyPath,
    layer: Layer<'a>,
}

/// The layers that apply to one service in one environment, lowest first.
struct Layers<'a> {
    all: Vec<Source<'a>>,
    /// How many of `all` are project-wide (`[defaults]`, `[environments.E]`).
    wide: usize,
}

impl<'a> Layers<'a> {
    fn new(
        config: &'a Config,
        environment: &str,
        service: Option<(&str, &'a ServiceConfig)>,
    ) -> Self {
        let mut all = vec![Source {
            key: KeyPath::new(&["defaults"]),
            layer: config.defaults.layer(),
        }];
        if let Some(env) = config.environments.get(environment) {
            all.push(Source {
                key: KeyPath::new(&["environments", environment]),
                layer: env.layer(),
            });
        }
        let wide = all.len();
        if let Some((name, service)) = service {
            let key = KeyPath::new(&["services", name]);
            all.push(Source {
                key: key.clone(),
                layer: service.layer(),
            });
            if let Some(overrides) = service
                .environments
                .as_ref()
                .and_then(|e| e.get(environment))
            {
                all.push(Source {
                    key: key.key("environments").key(environment),
                    layer: overrides.layer(),
                });
            }
        }
        Layers { all, wide }
    }

    /// The highest layer's value of one setting, and the key it came from.
    fn pick<T>(&self, field: &str, get: impl Fn(&Layer<'a>) -> Option<T>) -> Option<(T, KeyPath)> {
        self.all
            .iter()
            .rev()
            .find_map(|source| get(&source.layer).map(|value| (value, source.key.key(field))))
    }

    /// Like `pick`, but with `own_only`, only from the service's own tables.
    fn pick_scoped<T>(
        &self,
        own_only: bool,
        field: &str,
        get: impl Fn(&Layer<'a>) -> Option<T>,
    ) -> Option<(T, KeyPath)> {
        let first = if own_only { self.wide } else { 0 };
        self.all[first..]
            .iter()
            .rev()
            .find_map(|source| get(&source.layer).map(|value| (value, source.key.key(field))))
    }

    /// Requests and limits; a limit defaults to twice its request.
    fn resources(&self, problems: &mut Vec<Problem>) -> (Resources, [Quantity; 4]) {
        let quantity =
            |value: &str, unit| Quantity::parse(value, unit).unwrap_or(Quantity::zero(unit));
        let mut pair = |request_field: &str,
                        limit_field: &str,
                        unit,
                        builtin: &str,
                        get: fn(&Layer<'a>) -> Option<&'a str>,
                        get_limit: fn(&Layer<'a>) -> Option<&'a str>| {
            let request = self
                .pick(request_field, get)
                .map_or(quantity(builtin, unit), |(v, _)| quantity(v, unit));
            let limit = match self.pick(limit_field, get_limit) {
                Some((value, key)) => {
                    let limit = quantity(value, unit);
                    if limit < request {
                        problems.push(Problem::limit_below_request(
                            &key,
                            value,
                            &request.to_string(),
                        ));
                    }
                    limit
                }
                None => request.times(2),
            };
            (request, limit)
        };
        let (cpu, cpu_limit) = pair(
            "cpu",
            "cpu_limit",
            Unit::Cpu,
            builtin::CPU,
            |l| l.cpu,
            |l| l.cpu_limit,
        );
        let (memory, memory_limit) = pair(
            "memory",
            "memory_limit",
            Unit::Bytes,
            builtin::MEMORY,
            |l| l.memory,
            |l| l.memory_limit,
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

pub fn resolve(config: &Config) -> Result<Model, Vec<Problem>> {
    let mut problems = Vec::new();
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
    let environments: Vec<Environment> = config
        .environments
        .keys()
        .map(|name| resolve_environment(config, &project, name, &mut problems))
        .collect();
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

fn common_labels(project: &ProjectView) -> Labels {
    let mut labels = Labels::new();
    labels.insert("app.kubernetes.io/part-of".into(), project.name.clone());
    labels.insert("app.kubernetes.io/managed-by".into(), "kiln".into());
    if let Some(team) = &project.team {
        labels.insert("team".into(), team.clone());
    }
    labels
}

fn resolve_environment(
    config: &Config,
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

    let mut services = Vec::new();
    let mut totals = Totals::default();
    for (service_name, service) in &config.services {
        let (resolved, pod) =
            resolve_service(config, project, name, service_name, service, problems);
        totals.add(&resolved, &pod, service);
        services.push(resolved);
    }
    let wide = Layers::new(config, name, None);
    let (default, default_quantities) = wide.resources(problems);
    let sidecar_cpu_limit =
        Quantity::parse(builtin::SIDECAR_CPU_LIMIT, Unit::Cpu).unwrap_or(Quantity::zero(Unit::Cpu));
    let sidecar_memory_limit = Quantity::parse(builtin::SIDECAR_MEMORY_LIMIT, Unit::Bytes)
        .unwrap_or(Quantity::zero(Unit::Bytes));
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
    Environment {
        name: name.to_string(),
        namespace,
        domain: environment.domain.clone(),
        mtls: match environment.mtls.unwrap_or(Mtls::Strict) {
            Mtls::Strict => "STRICT".into(),
            Mtls::Permissive => "PERMISSIVE".into(),
        },
        labels,
        services,
        quota: totals.quota(),
        limit_range,
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
        for (sum, part) in sums.iter_mut().zip(sidecar_plus(pod.quantities)) {
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

    fn quota(&self) -> Quota {
        let zero_cpu = Quantity::zero(Unit::Cpu);
        let zero_bytes = Quantity::zero(Unit::Bytes);
        let [requests_cpu, limits_cpu, requests_memory, limits_memory] = self
            .sums
            .unwrap_or([zero_cpu, zero_cpu, zero_bytes, zero_bytes]);
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

/// The labels that select a service's pods; never change them, as
/// Deployment selectors are immutable.
pub fn selector(service: &str) -> Labels {
    Labels::from([
        ("app.kubernetes.io/name".to_string(), service.to_string()),
        (
            "app.kubernetes.io/instance".to_string(),
            service.to_string(),
        ),
    ])
}

/// The ports callers reach a service on: the main port and any extra ports.
fn serving_ports(service: &ServiceConfig) -> Vec<u16> {
    let mut ports: Vec<u16> = service
        .port
        .into_iter()
        .chain(service.ports.iter().flatten().map(|(_, p)| *p))
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

fn resolve_service(
    config: &Config,
    project: &ProjectView,
    environment: &str,
    name: &str,
    service: &ServiceConfig,
    problems: &mut Vec<Problem>,
) -> (Service, Pod) {
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
    let autoscale = match kind {
        Kind::Cronjob => None,
        _ => layers
            .pick_scoped(own_only, "autoscale", |l| l.autoscale.cloned())
            .map(|(a, _)| AutoscaleView {
                min: a.min,
                max: a.max,
                cpu: a.cpu.unwrap_or(builtin::AUTOSCALE_CPU),
            }),
    };
    let replicas = match (kind, &autoscale) {
        (Kind::Cronjob, _) | (_, Some(_)) => None,
        _ => Some(
            layers
                .pick_scoped(own_only, "replicas", |l| l.replicas)
                .map_or(builtin::REPLICAS, |(r, _)| r),
        ),
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

    let mut pod_annotations = BTreeMap::from([
        (
            "kubectl.kubernetes.io/default-container".to_string(),
            name.to_string(),
        ),
        (
            "sidecar.istio.io/proxyCPU".to_string(),
            builtin::SIDECAR_CPU.to_string(),
        ),
        (
            "sidecar.istio.io/proxyCPULimit".to_string(),
            builtin::SIDECAR_CPU_LIMIT.to_string(),
        ),
        (
            "sidecar.istio.io/proxyMemory".to_string(),
            builtin::SIDECAR_MEMORY.to_string(),
        ),
        (
            "sidecar.istio.io/proxyMemoryLimit".to_string(),
            builtin::SIDECAR_MEMORY_LIMIT.to_string(),
        ),
    ]);
    if !env.is_empty() {
        // Pods restart when their settings change, as they would with Helm's checksum idiom.
        pod_annotations.insert("checksum/config".into(), checksum(&env));
    }
    if kind == Kind::Cronjob {
        // A classic sidecar never exits and would keep every Job running forever.
        pod_annotations.insert("sidecar.istio.io/nativeSidecar".into(), "true".into());
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

    let (ingress, egress) = traffic(config, project, name, service, metrics.as_ref());
    let has_service = matches!(kind, Kind::Web | Kind::Stateful) && service.port.is_some();
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
    };
    (
        resolved,
        Pod {
            quantities,
            count: pod_count,
        },
    )
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
    project: &ProjectView,
    name: &str,
    service: &ServiceConfig,
    metrics: Option<&MetricsView>,
) -> (Vec<IngressRule>, Vec<EgressRule>) {
    let own_ports = serving_ports(service);
    let mut ingress: Vec<IngressRule> = config
        .services
        .iter()
        .filter(|(caller, other)| {
            caller.as_str() != name && other.calls.iter().flatten().any(|callee| callee == name)
        })
        .filter(|_| !own_ports.is_empty())
        .map(|(caller, _)| IngressRule {
            pods: selector(caller),
            namespace: None,
            ports: own_ports.clone(),
        })
        .collect();
    if let (Some(_), Some(port)) = (&service.route, service.port) {
        ingress.push(IngressRule {
            pods: Labels::from([("istio".to_string(), "ingressgateway".to_string())]),
            namespace: Some(project.mesh_namespace.clone()),
            ports: vec![port],
        });
    }
    if let Some(metrics) = metrics {
        ingress.push(IngressRule {
            pods: Labels::new(),
            namespace: Some(project.monitoring_namespace.clone()),
            ports: vec![metrics.port],
        });
    }
    let mut callees: Vec<&String> = service.calls.iter().flatten().collect();
    callees.sort();
    callees.dedup();
    let egress = callees
        .into_iter()
        .filter_map(|callee| {
            let target = config.services.get(callee)?;
            let ports = serving_ports(target);
            (!ports.is_empty()).then(|| EgressRule {
                pods: selector(callee),
                ports,
            })
        })
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
    hex(&hasher.finalize())
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
