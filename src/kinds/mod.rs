//! The kinds: one folder per family of emitted objects, each owning its
//! keys' rules, its resolve steps, its files, its checks of the rendered
//! objects and its messages. This is their registry, in the order their
//! steps run and their files are listed, and the drivers that run them:
//! validate → resolve (each environment, each service in it) → files.
//!
//! `core` makes each service's workload and each environment's namespace;
//! the kinds after it add to them; `delivery` builds and ships the result.

pub mod core;
pub mod delivery;
mod kind;
pub mod local;
pub mod logging;
pub mod mesh;
pub mod monitoring;
mod rules;
mod secrets;
mod tracing;
pub mod traffic;

use crate::config::{Config, Mtls};
use crate::diagnostics::{Error, Problem};
use crate::model::{Environment, Model, ProjectView};
use crate::output::{Rendered, Sources};
use crate::resolve::{Callers, Layers, Scope, builtin, callers, switches};
use crate::verify::Check;
pub use kind::Explained;
use kind::{EnvironmentStep, Kind, ServiceStep};
use std::borrow::Cow;

/// Every kind, in order.
static KINDS: [&dyn Kind; 9] = [
    &core::Core,
    &mesh::Mesh,
    &traffic::TrafficKind,
    &tracing::Tracing,
    &secrets::Secrets,
    &monitoring::Monitoring,
    &logging::Logging,
    &delivery::Delivery,
    &local::Local,
];

/// Every problem of `config` that its kinds' rules find, all at once.
pub fn validate(config: &Config) -> Vec<Problem> {
    let mut problems = Vec::new();
    for kind in KINDS {
        kind.validate(config, &mut problems);
    }
    problems
}

/// The model of `config`: every environment with its services, and what
/// builds and ships them; or every problem that stands in the way.
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
    // Environments are independent: one thread each, merged back in name order.
    let names: Vec<&String> = config.environments.keys().collect();
    let resolved = crate::parallel::each(&names, |name| {
        let mut found = Vec::new();
        let config = present(config, name);
        let callers = callers(&config, name);
        let environment = resolve_environment(&config, &callers, &project, name, &mut found);
        (environment, found)
    });
    let mut environments = Vec::new();
    for (environment, found) in resolved {
        environments.push(environment);
        problems.extend(found);
    }
    let mut delivery = delivery::resolve(config, &environments);
    if let Some(compose) = local::resolve(config, &environments, &mut problems) {
        delivery.compose = Some(compose);
        delivery.files.push(local::file());
    }
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

/// `config` as environment `name` sees it: without the services that
/// `enabled = false` leaves out of it, so that no kind names them there.
fn present<'a>(config: &'a Config, name: &str) -> Cow<'a, Config> {
    if config.services.values().all(|s| s.enabled_in(name)) {
        return Cow::Borrowed(config);
    }
    let mut present = config.clone();
    present.services.retain(|_, s| s.enabled_in(name));
    Cow::Owned(present)
}

/// Environment `name`: each service through every kind's steps, then the
/// environment's own objects, then the files of both.
fn resolve_environment(
    config: &Config,
    callers: &Callers<'_>,
    project: &ProjectView,
    name: &str,
    problems: &mut Vec<Problem>,
) -> Environment {
    let namespace = core::namespace(config, name);
    let on = switches(config, name);
    let ingress = mesh::ingress_gateway(config, project, name);
    let scope = Scope {
        environment: name,
        namespace: &namespace,
        on,
        mtls_strict: config.environments[name].mtls.unwrap_or(Mtls::Strict) == Mtls::Strict,
        gateway: &ingress,
        traffic: traffic::api(config, name),
    };
    // Ambient pods run no sidecar: the quota counts the app containers alone.
    let mut totals = core::Totals::new(on.mesh && !on.ambient);
    let mut services = Vec::new();
    for (service_name, service) in &config.services {
        let layers = Layers::new(config, name, Some((service_name, service)));
        let step = ServiceStep {
            config,
            project,
            scope: &scope,
            name: service_name,
            service,
            layers: &layers,
            callers,
        };
        let (mut resolved, pod) = core::workload(&step, problems);
        for kind in KINDS {
            kind.service(&step, &mut resolved);
        }
        for kind in KINDS {
            kind.finish(&step, &mut resolved);
        }
        totals.add(&resolved, &pod, service);
        for track in resolved.split.iter().flat_map(|s| &s.tracks) {
            let count = track.workload.replicas.unwrap_or(builtin::CANARY_REPLICAS);
            totals.add(&track.workload, &pod.track(count), service);
        }
        resolved.files = service_files(&resolved);
        services.push(resolved);
    }
    if on.ambient && services.iter().any(|s| s.has_service) {
        totals.add_waypoint();
    }
    let mut environment = core::environment(config, project, name, services, &totals, problems);
    let step = EnvironmentStep {
        config,
        project,
        name,
        namespace: &namespace,
        on,
        ingress: &ingress,
    };
    for kind in KINDS {
        kind.environment(&step, &mut environment);
    }
    let mut files = Vec::new();
    for kind in KINDS {
        kind.environment_files(&environment, &mut files);
    }
    environment.files = files;
    environment
}

/// The files of a service: every kind's for its own workload, then every
/// kind's for each other track of its split (a canary, `versions`).
fn service_files(service: &crate::model::Service) -> Vec<crate::model::ServiceFile> {
    let mut files = Vec::new();
    for kind in KINDS {
        kind.service_files(service, None, &mut files);
    }
    for (index, track) in service.split.iter().flat_map(|s| &s.tracks).enumerate() {
        let of = crate::model::TrackOf {
            index,
            name: &track.name,
        };
        for kind in KINDS {
            kind.service_files(&track.workload, Some(of), &mut files);
        }
    }
    files
}

/// Every kind's settings of `environment` as a whole, for `kiln explain`.
pub fn explain(config: &Config, environment: &Environment) -> Vec<Explained> {
    KINDS
        .iter()
        .flat_map(|kind| kind.explain(config, environment))
        .collect()
}

/// Every kind's checks of the rendered objects.
fn checks() -> Vec<(&'static str, Check)> {
    KINDS
        .iter()
        .flat_map(|kind| kind.checks().iter().copied())
        .collect()
}

/// Every problem the kinds' checks find in `rendered`, the render of `model`.
pub fn crosscheck(rendered: &Rendered, model: &Model) -> Vec<Problem> {
    crate::verify::check(rendered, model, &checks())
}

/// The same, with a problem in a file that a template override made as
/// an error naming the override (`sources` says which templates made each file).
pub fn crosscheck_made(
    rendered: &Rendered,
    model: &Model,
    sources: &Sources,
) -> (Vec<Problem>, Vec<Error>) {
    crate::verify::check_made(rendered, model, sources, &checks())
}

#[cfg(test)]
mod tests;
