//! The monitoring objects of an environment and of each service.

use super::Labels;
use serde::Serialize;

/// The per-environment objects of the monitoring layer.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentMonitoring {
    pub rule_name: String,
    pub groups: Vec<RuleGroup>,
    /// Scrape the Istio sidecars' own metrics, which the HTTP alerts read.
    pub sidecar_monitor: bool,
    /// Name of the sidecar's metrics port.
    pub sidecar_port_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleGroup {
    pub name: String,
    pub rules: Vec<AlertRule>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertRule {
    pub alert: String,
    pub expr: String,
    /// How long the condition must hold: Prometheus `for`.
    pub hold: String,
    pub labels: Labels,
    pub annotations: Labels,
}

/// A ServiceMonitor (the service has a Service) or PodMonitor (it does not).
#[derive(Debug, Clone, Serialize)]
pub struct Monitor {
    pub kind: MonitorKind,
    pub port_name: String,
    pub path: String,
    pub interval: String,
    /// Labels that select the Service (ServiceMonitor) or the pods (PodMonitor).
    pub selector: Labels,
}

/// Which Prometheus Operator object scrapes a service.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub enum MonitorKind {
    /// Through its Service.
    ServiceMonitor,
    /// Through its pods, when it has no Service.
    PodMonitor,
}
