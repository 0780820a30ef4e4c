//! The `compose.yaml` that runs one environment's services on a developer's
//! machine, as its template sees it.

use serde::Serialize;
use std::collections::BTreeMap;

/// `compose.yaml`: the services of `environment`, decided in `kinds::local`.
#[derive(Debug, Clone, Serialize)]
pub struct Compose {
    /// The environment it runs (`project.local_env`).
    pub environment: String,
    pub services: Vec<ComposeService>,
    /// Named volumes, one per stateful service.
    pub volumes: Vec<String>,
    /// The variables of `.env.local`, by name: what the secrets read.
    pub variables: Vec<LocalVariable>,
    /// The pinned image every readiness companion runs.
    pub probe_image: String,
}

/// One service, as `docker compose` runs it.
#[derive(Debug, Clone, Serialize)]
pub struct ComposeService {
    pub name: String,
    /// Build context of a built service, repo-relative; its Dockerfile is in it.
    pub build: Option<String>,
    /// A third-party image, run as it is.
    pub image: Option<String>,
    /// The container's `args`.
    pub command: Vec<String>,
    pub ports: Vec<Published>,
    /// `env` and the secrets, ready for compose: a literal `$` doubled, a
    /// secret as `${VAR:?...}` read from `.env.local`.
    pub environment: BTreeMap<String, String>,
    pub volumes: Vec<super::Mount>,
    /// What it waits for: the readiness companion of each service it calls.
    pub depends_on: Vec<Wait>,
    /// `jobs` for a cronjob: run by hand (`docker compose run`), never by `up`.
    pub profiles: Vec<String>,
    /// Its readiness companion; `None` without a probe (cronjobs, no port).
    pub ready: Option<Readiness>,
}

/// A container port published on the loopback address.
#[derive(Debug, Clone, Serialize)]
pub struct Published {
    pub host: u16,
    pub container: u16,
}

/// One entry of `depends_on`.
#[derive(Debug, Clone, Serialize)]
pub struct Wait {
    pub service: String,
    /// `service_healthy` or `service_started`.
    pub condition: &'static str,
}

/// A small container beside a service whose healthcheck asks the service
/// what its readiness probe asks: the runtime images kiln builds on
/// (distroless) have no shell, `wget` or `nc` to run a healthcheck in.
#[derive(Debug, Clone, Serialize)]
pub struct Readiness {
    /// `<service>_ready`: `_` is never in a service's name.
    pub name: String,
    /// The healthcheck's `test`, exec form.
    pub test: Vec<String>,
    pub interval: String,
    pub timeout: String,
    pub retries: u32,
    pub start_period: String,
}

/// One variable of `.env.local`: the value of one key of one Secret.
#[derive(Debug, Clone, Serialize)]
pub struct LocalVariable {
    pub name: String,
    pub secret: String,
    pub key: String,
    /// The services that read it.
    pub services: Vec<String>,
}
