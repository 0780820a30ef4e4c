//! Logging: a Fluentd DaemonSet per environment, in its own namespace, that
//! ships the environment's container logs to Elasticsearch (or its stdout).

mod files;
mod fluentd;
mod problems;
mod validate;

pub use fluentd::logging_namespace;

use super::kind::{EnvironmentStep, Kind};
use crate::config::Config;
use crate::diagnostics::Problem;
use crate::model::{Environment, EnvironmentFile};

pub struct Logging;

impl Kind for Logging {
    fn validate(&self, config: &Config, problems: &mut Vec<Problem>) {
        validate::validate(config, problems);
    }

    fn environment(&self, step: &EnvironmentStep<'_>, environment: &mut Environment) {
        if step.on.logging {
            environment.logging = Some(fluentd::logging(
                step.config,
                step.project,
                step.name,
                step.namespace,
            ));
        }
    }

    fn environment_files(&self, environment: &Environment, out: &mut Vec<EnvironmentFile>) {
        files::environment_files(environment, out);
    }
}
