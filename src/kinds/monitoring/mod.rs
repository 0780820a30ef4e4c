//! Monitoring (the Prometheus Operator): how Prometheus scrapes each
//! service (a ServiceMonitor, or a PodMonitor without a Service), the
//! sidecars' own metrics, and each environment's alert rules.

mod alerts;
mod checks;
mod files;
mod validate;

use super::kind::{EnvironmentStep, Kind, ServiceStep};
use crate::config::Config;
use crate::diagnostics::Problem;
use crate::model::{
    Environment, EnvironmentFile, Monitor, MonitorKind, Service, ServiceFile, TrackOf,
};
use crate::resolve::builtin;
use crate::verify::Check;

pub struct Monitoring;

impl Kind for Monitoring {
    fn validate(&self, config: &Config, problems: &mut Vec<Problem>) {
        validate::validate(config, problems);
    }

    /// The annotations Prometheus' pod discovery and Istio's metrics merging
    /// both read, and how Prometheus scrapes the service: through its
    /// Service if it has one, else its pods.
    fn service(&self, step: &ServiceStep<'_>, service: &mut Service) {
        let Some(metrics) = service
            .metrics
            .as_ref()
            .filter(|_| step.scope.on.monitoring)
        else {
            return;
        };
        let annotations = &mut service.pod_annotations;
        annotations.insert("prometheus.io/scrape".into(), "true".into());
        annotations.insert("prometheus.io/path".into(), metrics.path.clone());
        annotations.insert("prometheus.io/port".into(), metrics.port.to_string());
        service.monitor = Some(Monitor {
            kind: if service.has_service {
                MonitorKind::ServiceMonitor
            } else {
                MonitorKind::PodMonitor
            },
            port_name: metrics.port_name.clone(),
            path: metrics.path.clone(),
            interval: step
                .service
                .scrape_interval
                .clone()
                .unwrap_or_else(|| builtin::SCRAPE_INTERVAL.into()),
            selector: service.selector.clone(),
        });
    }

    fn environment(&self, step: &EnvironmentStep<'_>, environment: &mut Environment) {
        if step.on.monitoring {
            environment.monitoring = Some(alerts::monitoring(
                step.config,
                step.name,
                step.namespace,
                // The HTTP alerts and the PodMonitor read the sidecars' metrics,
                // which ambient pods do not have.
                step.on.mesh && !step.on.ambient,
                &environment.services,
            ));
        }
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
            ("ServiceMonitor", checks::service_monitor),
            ("PodMonitor", checks::pod_monitor),
        ]
    }
}
