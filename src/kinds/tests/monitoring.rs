//! The monitoring kind's monitors, rules and checks, on small configs.

use super::{APP, crosschecked, environment, model, rendered, service};
use crate::model::MonitorKind;

#[test]
fn a_service_is_scraped_through_its_service_and_a_worker_through_its_pods() {
    let model = model(APP);
    let api = service(&model, "prod", "api");
    let monitor = api.monitor.as_ref().expect("built services serve metrics");
    assert_eq!(monitor.kind, MonitorKind::ServiceMonitor);
    assert_eq!(
        (monitor.path.as_str(), monitor.interval.as_str()),
        ("/metrics", "30s")
    );
    assert_eq!(api.pod_annotations["prometheus.io/port"], "8080");
    let mailer = service(&model, "prod", "mailer");
    // A worker without a port has nothing to scrape.
    assert!(mailer.monitor.is_none() && mailer.metrics.is_none());
    // Third-party images serve no metrics unless told to.
    assert!(service(&model, "prod", "cache").monitor.is_none());
    let with_port = model_of_worker_with_port();
    assert_eq!(
        service(&with_port, "prod", "mailer")
            .monitor
            .as_ref()
            .map(|m| m.kind),
        Some(MonitorKind::PodMonitor)
    );
}

fn model_of_worker_with_port() -> crate::model::Model {
    model(&APP.replace(
        "version = \"2.0.0\"\ncalls = [\"api\"]\n",
        "version = \"2.0.0\"\ncalls = [\"api\"]\nport = 8081\n",
    ))
}

#[test]
fn monitoring_off_leaves_nothing_that_advertises_metrics() {
    let model = model(&APP.replace(
        "[environments.dev]\n",
        "[environments.dev]\nmonitoring = false\n",
    ));
    let api = service(&model, "dev", "api");
    assert!(api.monitor.is_none());
    assert!(!api.pod_annotations.contains_key("prometheus.io/scrape"));
    assert_eq!(
        api.pod_annotations["prometheus.istio.io/merge-metrics"],
        "false"
    );
    assert!(environment(&model, "dev").monitoring.is_none());
    assert!(environment(&model, "prod").monitoring.is_some());
}

#[test]
fn the_checks_find_a_monitor_that_scrapes_a_port_the_service_lacks() {
    let (mut files, model) = rendered(APP);
    let monitor = "deploy/prod/services/api/servicemonitor.yaml";
    let text = files[monitor].replace("port: \"http\"", "port: \"web\"");
    assert_ne!(text, files[monitor], "{}", files[monitor]);
    files.insert(monitor.to_string(), text);
    let found = crosschecked(&files, &model);
    assert!(
        found
            .iter()
            .any(|p| p.contains("scrapes port `web`, which Service `api` does not have")),
        "{found:#?}"
    );
}
