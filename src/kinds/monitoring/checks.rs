//! The checks of the monitoring objects: every ServiceMonitor and
//! PodMonitor selects something, on a port it has, each pod once.

use crate::verify::{Index, Object};
use serde_yaml::Value;

fn match_names<'o>(monitor: &'o Object<'_>) -> impl Iterator<Item = &'o str> {
    monitor.value["spec"]["namespaceSelector"]["matchNames"]
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
}

pub fn service_monitor(
    monitor: &Object<'_>,
    env: &Index<'_, '_>,
    report: &mut dyn FnMut(&str, String),
) {
    let selector = &monitor.value["spec"]["selector"];
    let services: Vec<&Object<'_>> = env
        .service_labels
        .selected(match_names(monitor), selector)
        .into_iter()
        .map(|i| env.services[i])
        .collect();
    if services.is_empty() {
        report(
            monitor.file,
            format!("ServiceMonitor `{}` selects no Service", monitor.name()),
        );
    }
    // Two Services in front of the same pods (a split's per-track Services)
    // would have every pod scraped twice, each series counted double.
    let mut scraped: Vec<(&str, &str)> = Vec::new();
    for service in &services {
        let selector = service.value["spec"]["selector"].as_mapping();
        let pods = selector.map_or_else(Vec::new, |s| env.pods_in(service.namespace(), s));
        for pod in pods {
            match scraped.iter().find(|(file, _)| *file == pod.file) {
                Some((_, first)) => report(
                    monitor.file,
                    format!(
                        "ServiceMonitor `{}` scrapes the pods of `{}` twice, through Services `{first}` and `{}`",
                        monitor.name(),
                        pod.file,
                        service.name()
                    ),
                ),
                None => scraped.push((pod.file, service.name())),
            }
        }
    }
    for endpoint in monitor.value["spec"]["endpoints"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        let port = endpoint["port"].as_str().unwrap_or_default();
        for service in &services {
            let has = service.value["spec"]["ports"]
                .as_sequence()
                .into_iter()
                .flatten()
                .any(|p| p["name"] == port);
            if !has {
                report(
                    monitor.file,
                    format!(
                        "ServiceMonitor `{}` scrapes port `{port}`, which Service `{}` does not have",
                        monitor.name(),
                        service.name()
                    ),
                );
            }
        }
    }
}

pub fn pod_monitor(
    monitor: &Object<'_>,
    env: &Index<'_, '_>,
    report: &mut dyn FnMut(&str, String),
) {
    let selected = env.pods_selected(match_names(monitor), &monitor.value["spec"]["selector"]);
    if selected.is_empty() {
        report(
            monitor.file,
            format!("PodMonitor `{}` selects no pod", monitor.name()),
        );
    }
    for endpoint in monitor.value["spec"]["podMetricsEndpoints"]
        .as_sequence()
        .into_iter()
        .flatten()
    {
        let port = endpoint["port"].as_str().unwrap_or_default();
        for pod in &selected {
            if !pod.named_ports.contains_key(port) {
                report(
                    monitor.file,
                    format!(
                        "PodMonitor `{}` scrapes port `{port}`, which the pods of `{}` do not have",
                        monitor.name(),
                        pod.file
                    ),
                );
            }
        }
    }
}
