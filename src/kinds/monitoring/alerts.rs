//! The alert rules of one environment: which alerts exist, their PromQL,
//! thresholds and severity. Part of resolve: it decides, templates lay out.

use crate::config::{Alerts, Config};
use crate::model::{AlertRule, EnvironmentMonitoring, Labels, RuleGroup, Service, Workload};

/// Thresholds of one environment, after defaults.
struct Thresholds {
    severity: String,
    error_percent: f64,
    latency_p99_ms: u32,
    volume_percent: u32,
}

/// Production pages someone; every other environment files a ticket, and
/// tolerates more before it does.
fn thresholds(environment: &str, alerts: Option<&Alerts>) -> Thresholds {
    let prod = matches!(environment, "prod" | "production");
    let alerts = alerts.cloned().unwrap_or_default();
    Thresholds {
        severity: alerts
            .severity
            .unwrap_or_else(|| if prod { "page" } else { "ticket" }.to_string()),
        error_percent: alerts.error_percent.unwrap_or(if prod { 2.0 } else { 5.0 }),
        latency_p99_ms: alerts
            .latency_p99_ms
            .unwrap_or(if prod { 500 } else { 1000 }),
        volume_percent: alerts.volume_percent.unwrap_or(if prod { 80 } else { 90 }),
    }
}

/// A PromQL string literal.
fn string(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The PrometheusRule of one environment. HTTP alerts read the metrics every
/// Istio sidecar exports, so they exist only with the mesh; workload alerts
/// read kube-state-metrics and the kubelet, which every cluster has.
pub fn monitoring(
    config: &Config,
    environment: &str,
    namespace: &str,
    mesh: bool,
    services: &[Service],
) -> EnvironmentMonitoring {
    let limits = thresholds(
        environment,
        config
            .environments
            .get(environment)
            .and_then(|e| e.alerts.as_ref()),
    );
    let ns = string(namespace);
    let rule =
        |alert: &str, expr: String, hold: &str, summary: &str, description: &str| AlertRule {
            alert: alert.into(),
            expr,
            hold: hold.into(),
            labels: Labels::from([
                ("severity".to_string(), limits.severity.clone()),
                ("environment".to_string(), environment.to_string()),
            ]),
            annotations: Labels::from([
                ("summary".to_string(), summary.to_string()),
                ("description".to_string(), description.to_string()),
            ]),
        };
    let mut groups = Vec::new();
    let serves_http = services.iter().any(|s| s.has_service);
    if mesh && serves_http {
        let requests = |extra: &str| {
            format!(
                "sum by (destination_service_name) (rate(istio_requests_total{{reporter=\"destination\", destination_service_namespace={ns}{extra}}}[5m]))"
            )
        };
        groups.push(RuleGroup {
            name: format!("{namespace}.http"),
            rules: vec![
                rule(
                    "HighErrorRatio",
                    format!(
                        "{} / {} * 100 > {}",
                        requests(", response_code=~\"5..\""),
                        requests(""),
                        limits.error_percent
                    ),
                    "5m",
                    "{{ $labels.destination_service_name }} answers too many requests with 5xx",
                    &format!(
                        "{{{{ $value | humanize }}}}% of the requests to {{{{ $labels.destination_service_name }}}} in {namespace} failed with 5xx over 5 minutes (threshold {}%).",
                        limits.error_percent
                    ),
                ),
                rule(
                    "HighLatencyP99",
                    format!(
                        "histogram_quantile(0.99, sum by (destination_service_name, le) (rate(istio_request_duration_milliseconds_bucket{{reporter=\"destination\", destination_service_namespace={ns}}}[5m]))) > {}",
                        limits.latency_p99_ms
                    ),
                    "10m",
                    "{{ $labels.destination_service_name }} is slow",
                    &format!(
                        "p99 latency of {{{{ $labels.destination_service_name }}}} in {namespace} is {{{{ $value | humanize }}}}ms (threshold {}ms).",
                        limits.latency_p99_ms
                    ),
                ),
            ],
        });
    }
    let mut workloads = vec![rule(
        "PodCrashLooping",
        format!(
            "max_over_time(kube_pod_container_status_waiting_reason{{namespace={ns}, reason=\"CrashLoopBackOff\"}}[5m]) >= 1"
        ),
        "15m",
        "{{ $labels.pod }} is crash-looping",
        "Container {{ $labels.container }} of pod {{ $labels.pod }} in {{ $labels.namespace }} keeps restarting.",
    )];
    if services.iter().any(|s| s.workload == Workload::Deployment) {
        workloads.push(rule(
            "DeploymentReplicasUnavailable",
            format!("kube_deployment_status_replicas_unavailable{{namespace={ns}}} > 0"),
            "15m",
            "{{ $labels.deployment }} has unavailable replicas",
            "{{ $value }} replicas of deployment {{ $labels.deployment }} in {{ $labels.namespace }} have been unavailable for 15 minutes.",
        ));
    }
    if services.iter().any(|s| s.workload == Workload::StatefulSet) {
        workloads.push(rule(
            "StatefulSetReplicasNotReady",
            format!(
                "kube_statefulset_status_replicas_ready{{namespace={ns}}} < kube_statefulset_status_replicas{{namespace={ns}}}"
            ),
            "15m",
            "{{ $labels.statefulset }} has replicas that are not ready",
            "Statefulset {{ $labels.statefulset }} in {{ $labels.namespace }} has had replicas not ready for 15 minutes.",
        ));
    }
    if services.iter().any(|s| s.storage.is_some()) {
        workloads.push(rule(
            "VolumeNearlyFull",
            format!(
                "kubelet_volume_stats_used_bytes{{namespace={ns}}} / kubelet_volume_stats_capacity_bytes{{namespace={ns}}} * 100 > {}",
                limits.volume_percent
            ),
            "15m",
            "volume {{ $labels.persistentvolumeclaim }} is nearly full",
            &format!(
                "Volume {{{{ $labels.persistentvolumeclaim }}}} in {{{{ $labels.namespace }}}} is {{{{ $value | humanize }}}}% full (threshold {}%).",
                limits.volume_percent
            ),
        ));
    }
    groups.push(RuleGroup {
        name: format!("{namespace}.workloads"),
        rules: workloads,
    });
    EnvironmentMonitoring {
        rule_name: namespace.to_string(),
        groups,
        // Without pods there is no sidecar to scrape.
        sidecar_monitor: mesh && !services.is_empty(),
        sidecar_port_name: crate::resolve::builtin::SIDECAR_METRICS_PORT_NAME.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_pages_and_is_stricter() {
        let prod = thresholds("prod", None);
        let dev = thresholds("dev", None);
        assert_eq!(
            (prod.severity.as_str(), dev.severity.as_str()),
            ("page", "ticket")
        );
        assert!(prod.error_percent < dev.error_percent);
        assert!(prod.latency_p99_ms < dev.latency_p99_ms);
        let set = Alerts {
            severity: Some("critical".into()),
            ..Alerts::default()
        };
        assert_eq!(thresholds("dev", Some(&set)).severity, "critical");
    }
}
