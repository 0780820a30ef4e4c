//! The core objects every service and environment gets, mesh or not: the
//! Namespace with its quota, limits and default-deny policy; each service's
//! ServiceAccount, ConfigMap, workload (Deployment, StatefulSet or
//! CronJob), Services, autoscaler, disruption budget and NetworkPolicy.

mod checks;
mod environment;
mod files;
mod images;
mod network;
mod podspec;
mod problems;
mod quota;
mod shape;
mod validate;
mod workload;

pub use environment::{disabled, environment, namespace};
pub use podspec::SPREAD_KEY;
pub use quota::Totals;
pub use workload::{env_checksum, workload};

use super::kind::{Explained, Kind};
use crate::config::Config;
use crate::diagnostics::Problem;
use crate::model::{Environment, EnvironmentFile, Service, ServiceFile, TrackOf};
use crate::verify::Check;

pub struct Core;

impl Kind for Core {
    fn validate(&self, config: &Config, problems: &mut Vec<Problem>) {
        validate::validate(config, problems);
    }

    fn environment_files(&self, environment: &Environment, out: &mut Vec<EnvironmentFile>) {
        files::environment_files(environment, out);
    }

    fn service_files(
        &self,
        service: &Service,
        track: Option<TrackOf<'_>>,
        out: &mut Vec<ServiceFile>,
    ) {
        files::service_files(service, track, out);
    }

    fn checks(&self) -> &'static [(&'static str, Check)] {
        &[
            ("Deployment", checks::own_pods),
            ("StatefulSet", checks::own_pods),
            ("DaemonSet", checks::own_pods),
            ("Service", checks::service),
            ("NetworkPolicy", checks::network_policy),
        ]
    }

    fn explain(&self, config: &Config, environment: &Environment) -> Vec<Explained> {
        vec![
            shape::explain_quota(config, environment),
            environment::explain_namespace(config, environment),
        ]
    }
}

#[cfg(test)]
mod tests;
