//! The monitoring objects' files.

use crate::model::{Environment, EnvironmentFile, MonitorKind, Service, ServiceFile, TrackOf};
use crate::output::paths;

/// The environment's PrometheusRule, and the PodMonitor of its sidecars.
pub fn environment_files(environment: &Environment, out: &mut Vec<EnvironmentFile>) {
    let Some(monitoring) = &environment.monitoring else {
        return;
    };
    let mut push = |template, file| {
        out.push(EnvironmentFile {
            template,
            path: paths::monitoring_file(file),
            fluent_conf: None,
            embeds: None,
        })
    };
    push("prometheus/prometheusrule.yaml.tera", "prometheusrule.yaml");
    if monitoring.sidecar_monitor {
        push(
            "prometheus/podmonitor-sidecars.yaml.tera",
            "podmonitor-sidecars.yaml",
        );
    }
}

/// A service's ServiceMonitor or PodMonitor.
pub fn service_files(service: &Service, track: Option<TrackOf<'_>>, out: &mut Vec<ServiceFile>) {
    let (template, file) = match service.monitor.as_ref().map(|m| m.kind) {
        Some(MonitorKind::ServiceMonitor) => {
            ("prometheus/servicemonitor.yaml.tera", "servicemonitor.yaml")
        }
        Some(MonitorKind::PodMonitor) => ("prometheus/podmonitor.yaml.tera", "podmonitor.yaml"),
        None => return,
    };
    out.push(ServiceFile {
        template,
        file: file.into(),
        track: track.map(|t| t.index),
        part: None,
    });
}
