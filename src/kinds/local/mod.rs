//! Local development: `project.local = "compose"` writes `compose.yaml` at
//! the repo root, which runs the services of one environment
//! (`project.local_env`, default `dev`) with `docker compose`, from the same
//! resolved model as its manifests: the same images or build contexts,
//! versions, `env`, `args`, ports, volumes and readiness probes. Secrets
//! are never values: each is a `${VAR}` that compose reads from
//! `.env.local`, a skeleton of names that kiln writes once and never again.

mod problems;

use super::kind::{Explained, Kind};
use crate::config::{Config, Kind as ServiceKind, LocalRun};
use crate::diagnostics::{KeyPath, Problem};
use crate::model::{
    Compose, ComposeService, DeliveryContext, DeliveryFile, Environment, FileFormat, LocalVariable,
    Mount, ProbeKind, Probes, Published, Readiness, Service, Wait,
};
use crate::output::paths;
use std::collections::{BTreeMap, BTreeSet};

/// Built-in defaults of the local development keys.
pub mod builtin {
    /// The environment `compose.yaml` runs.
    pub const LOCAL_ENV: &str = "dev";
    /// What readiness companions run: busybox's `wget` and `nc`, pinned.
    pub const PROBE_IMAGE: &str = "busybox:1.37.0";
    /// The compose profile of cronjobs: `docker compose run <job>` runs one.
    pub const JOBS_PROFILE: &str = "jobs";
}

pub struct Local;

impl Kind for Local {
    fn validate(&self, config: &Config, problems: &mut Vec<Problem>) {
        let key = KeyPath::new(&["project", "local_env"]);
        let Some(name) = &config.project.local_env else {
            check_default(config, problems);
            return;
        };
        if config.project.local.is_none() {
            problems.push(Problem::local_env_without_local(&key));
        } else if !config.environments.contains_key(name) {
            let known: Vec<&str> = config.environments.keys().map(String::as_str).collect();
            problems.push(Problem::unknown_local_env(&key, name, &known));
        }
    }

    fn explain(&self, config: &Config, environment: &Environment) -> Vec<Explained> {
        let source = match (&config.project.local, &config.project.local_env) {
            (None, _) => "not set".to_string(),
            (Some(_), Some(_)) => "[project]".to_string(),
            (Some(_), None) => "[project] (`local_env` built-in default `dev`)".to_string(),
        };
        let value = if local_env(config) == Some(environment.name.as_str()) {
            format!("\"compose\" ({} runs this environment)", paths::COMPOSE)
        } else {
            "- (compose.yaml runs no environment, or another one)".to_string()
        };
        vec![Explained {
            key: "local".into(),
            value,
            source,
        }]
    }
}

/// The environment `compose.yaml` runs, when there is one.
pub fn local_env(config: &Config) -> Option<&str> {
    config.project.local?;
    Some(
        config
            .project
            .local_env
            .as_deref()
            .unwrap_or(builtin::LOCAL_ENV),
    )
}

/// Without `local_env`, the default `dev` must exist.
fn check_default(config: &Config, problems: &mut Vec<Problem>) {
    if config.project.local == Some(LocalRun::Compose)
        && config.project.local_env.is_none()
        && !config.environments.contains_key(builtin::LOCAL_ENV)
    {
        let known: Vec<&str> = config.environments.keys().map(String::as_str).collect();
        problems.push(Problem::unknown_local_env(
            &KeyPath::new(&["project", "local"]),
            builtin::LOCAL_ENV,
            &known,
        ));
    }
}

/// `compose.yaml`'s file, for the delivery files.
pub fn file() -> DeliveryFile {
    DeliveryFile {
        template: "compose/compose.yaml.tera".to_string(),
        path: paths::COMPOSE.to_string(),
        sees: DeliveryContext::Compose,
        format: FileFormat::Yaml,
    }
}

/// The compose model of the environment `project.local_env` names, from
/// its resolved services; `None` without `project.local`.
pub fn resolve(
    config: &Config,
    environments: &[Environment],
    problems: &mut Vec<Problem>,
) -> Option<Compose> {
    let name = local_env(config)?;
    let environment = environments.iter().find(|e| e.name == name)?;
    let variables = variables(environment, problems);
    let var_of: BTreeMap<(&str, &str), &str> = variables
        .iter()
        .map(|v| ((v.secret.as_str(), v.key.as_str()), v.name.as_str()))
        .collect();
    let ports = host_ports(&environment.services);
    let ready: BTreeMap<&str, Readiness> = environment
        .services
        .iter()
        .filter_map(|s| Some((s.name.as_str(), readiness(s)?)))
        .collect();
    let services = environment
        .services
        .iter()
        .map(|service| {
            let calls = config.services[&service.name]
                .calls_in(&environment.name)
                .iter()
                .filter(|callee| config.services.contains_key(callee.as_str()));
            let depends_on = calls
                .map(|callee| match ready.get(callee.as_str()) {
                    Some(companion) => Wait {
                        service: companion.name.clone(),
                        condition: "service_healthy",
                    },
                    None => Wait {
                        service: callee.clone(),
                        condition: "service_started",
                    },
                })
                .collect();
            let mut env: BTreeMap<String, String> = service
                .env
                .iter()
                .map(|(k, v)| (k.clone(), v.replace('$', "$$")))
                .collect();
            for secret in &service.secrets {
                let var = var_of[&(secret.secret.as_str(), secret.key.as_str())];
                env.insert(
                    secret.var.clone(),
                    format!("${{{var}:?set {var} in .env.local and run docker compose --env-file .env.local}}"),
                );
            }
            let built = config.services[&service.name].language.is_some();
            ComposeService {
                name: service.name.clone(),
                build: built.then(|| paths::service_source_dir(&service.name)),
                image: (!built).then(|| service.image.clone()),
                command: service.args.clone(),
                ports: ports.get(service.name.as_str()).cloned().unwrap_or_default(),
                environment: env,
                volumes: service
                    .storage
                    .iter()
                    .map(|storage| Mount {
                        name: volume(&service.name),
                        path: storage.path.clone(),
                    })
                    .collect(),
                depends_on,
                profiles: (service.kind == ServiceKind::Cronjob)
                    .then(|| builtin::JOBS_PROFILE.to_string())
                    .into_iter()
                    .collect(),
                ready: ready.get(service.name.as_str()).cloned(),
            }
        })
        .collect();
    Some(Compose {
        environment: name.to_string(),
        services,
        volumes: environment
            .services
            .iter()
            .filter(|s| s.storage.is_some())
            .map(|s| volume(&s.name))
            .collect(),
        variables,
        probe_image: builtin::PROBE_IMAGE.to_string(),
    })
}

/// The named volume of a stateful service.
fn volume(service: &str) -> String {
    format!("{service}-data")
}

/// The variable of `.env.local` that holds key `key` of Secret `secret`:
/// `SECRET__KEY`, upper case, each `-` and `.` an `_`.
pub fn variable_name(secret: &str, key: &str) -> String {
    let upper = |s: &str| {
        s.chars()
            .map(|c| match c {
                '-' | '.' => '_',
                c => c.to_ascii_uppercase(),
            })
            .collect::<String>()
    };
    format!("{}__{}", upper(secret), upper(key))
}

/// Every Secret key the environment's services read, once each, as a
/// variable of `.env.local`; two that would share a name are a problem.
fn variables(environment: &Environment, problems: &mut Vec<Problem>) -> Vec<LocalVariable> {
    let mut by_name: BTreeMap<String, LocalVariable> = BTreeMap::new();
    for service in &environment.services {
        for secret in &service.secrets {
            let name = variable_name(&secret.secret, &secret.key);
            let variable = by_name
                .entry(name.clone())
                .or_insert_with(|| LocalVariable {
                    name: name.clone(),
                    secret: secret.secret.clone(),
                    key: secret.key.clone(),
                    services: Vec::new(),
                });
            if (variable.secret.as_str(), variable.key.as_str())
                != (secret.secret.as_str(), secret.key.as_str())
            {
                let key = KeyPath::new(&["services", &service.name, "secrets", &secret.var]);
                problems.push(Problem::local_variable_clash(
                    &key,
                    &name,
                    &format!("{}:{}", variable.secret, variable.key),
                    &format!("{}:{}", secret.secret, secret.key),
                ));
            } else if !variable.services.contains(&service.name) {
                variable.services.push(service.name.clone());
            }
        }
    }
    by_name.into_values().collect()
}

/// The host port of every container port, published on 127.0.0.1: its own
/// number when no service before it (in name order) took it, else the
/// next number above that no service listens on or took.
fn host_ports(services: &[Service]) -> BTreeMap<&str, Vec<Published>> {
    let declared: BTreeSet<u16> = services
        .iter()
        .flat_map(|s| s.ports.iter().map(|p| p.port))
        .collect();
    let mut taken: BTreeSet<u16> = BTreeSet::new();
    let mut out = BTreeMap::new();
    for service in services {
        let mut published = Vec::new();
        let mut own: Vec<u16> = service.ports.iter().map(|p| p.port).collect();
        own.sort_unstable();
        own.dedup();
        for container in own {
            let mut host = container;
            while taken.contains(&host) || (host != container && declared.contains(&host)) {
                // Ports run out above 65535: wrap to the unprivileged range.
                host = if host == u16::MAX { 1024 } else { host + 1 };
            }
            taken.insert(host);
            published.push(Published { host, container });
        }
        out.insert(service.name.as_str(), published);
    }
    out
}

/// The companion that tells compose when `service` is ready: its
/// readiness probe, asked from outside with busybox (`wget` for HTTP, `nc`
/// for TCP and gRPC; none for exec), at the probe's own period, timeout and failure threshold, and
/// the startup probe's budget as the start period.
fn readiness(service: &Service) -> Option<Readiness> {
    let Probes {
        kind,
        port_name,
        readiness_path,
        startup,
        readiness,
        ..
    } = service.probes.as_ref()?;
    let port = service.ports.iter().find(|p| &p.name == port_name)?.port;
    let timeout = readiness.timeout_seconds.to_string();
    let test = match kind {
        ProbeKind::Http => vec![
            "CMD".to_string(),
            "wget".to_string(),
            "-q".to_string(),
            "-O".to_string(),
            "/dev/null".to_string(),
            "-T".to_string(),
            timeout,
            format!("http://{}:{port}{readiness_path}", service.name),
        ],
        // busybox has no gRPC health client: a gRPC probe is asked as a
        // TCP connection, which says the server listens, not that it serves.
        ProbeKind::Tcp | ProbeKind::Grpc => vec![
            "CMD".to_string(),
            "nc".to_string(),
            "-z".to_string(),
            "-w".to_string(),
            timeout,
            service.name.clone(),
            port.to_string(),
        ],
        // An exec probe runs in the service's own image, which the companion
        // is not: callers wait for the service to start, not to be ready.
        ProbeKind::Exec => return None,
    };
    Some(Readiness {
        name: format!("{}_ready", service.name),
        test,
        interval: format!("{}s", readiness.period_seconds),
        timeout: format!("{}s", readiness.timeout_seconds),
        retries: readiness.failure_threshold,
        start_period: format!("{}s", startup.period_seconds * startup.failure_threshold),
    })
}

/// `.env.local` as kiln writes it the first time: a comment, then each
/// variable with no value.
pub fn env_skeleton(compose: &Compose) -> String {
    let mut text = String::from(
        "# Secrets for `docker compose --env-file .env.local up`, one per line: NAME=value.\n\
         # Written once by kiln (project.local); kiln never reads or overwrites it.\n\
         # Keep it out of git: add `.env.local` to .gitignore.\n",
    );
    for variable in &compose.variables {
        text.push_str(&format!(
            "\n# key `{}` of Secret `{}`, read by {}\n{}=\n",
            variable.key,
            variable.secret,
            variable.services.join(", "),
            variable.name
        ));
    }
    text
}
