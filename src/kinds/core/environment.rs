//! The core of every environment: its namespace, labels, quota and limits.

use super::quota::Totals;
use crate::config::{Config, Mtls};
use crate::diagnostics::{KeyPath, Problem};
use crate::model::{Environment, ProjectView, Service};
use crate::resolve::{Layers, common_labels};

/// Environment `name` with its resolved `services`, whose pods `totals`
/// adds up; the other kinds add their objects to it.
pub fn environment(
    config: &Config,
    project: &ProjectView,
    name: &str,
    services: Vec<Service>,
    totals: &Totals,
    problems: &mut Vec<Problem>,
) -> Environment {
    let environment = &config.environments[name];
    let namespace = namespace(project, name);
    let mut labels = common_labels(project);
    labels.insert("app.kubernetes.io/name".into(), project.name.clone());
    labels.insert("app.kubernetes.io/instance".into(), namespace.clone());
    labels.insert("app.kubernetes.io/component".into(), "environment".into());
    let wide = Layers::new(config, name, None);
    let (default, default_quantities) = wide.resources(problems);
    Environment {
        name: name.to_string(),
        namespace,
        domain: environment.domain.clone(),
        mtls: environment.mtls.unwrap_or(Mtls::Strict).into(),
        labels,
        services,
        quota: environment
            .quota
            .as_ref()
            .map_or(Some(0), |q| q.headroom())
            .map(|headroom| {
                totals.quota(&KeyPath::new(&["environments", name]), headroom, problems)
            }),
        limit_range: totals.limit_range(default, default_quantities),
        mesh: None,
        monitoring: None,
        logging: None,
        tracing: None,
        external_secrets: Vec::new(),
        traffic: None,
        files: Vec::new(),
    }
}

/// `{project}-{env}`
pub fn namespace(project: &ProjectView, environment: &str) -> String {
    format!("{}-{environment}", project.name)
}
