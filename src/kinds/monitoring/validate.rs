//! The rules of the monitoring keys: where Prometheus runs, how often it
//! scrapes, and each environment's alert thresholds.

use crate::config::{Config, Whole};
use crate::diagnostics::{KeyPath, Problem};
use crate::grammar::duration::is_duration;
use crate::grammar::names;

pub fn validate(config: &Config, problems: &mut Vec<Problem>) {
    let project = KeyPath::new(&["project"]);
    if let Some(namespace) = &config.project.monitoring_namespace
        && !names::is_dns_label(namespace, 63)
    {
        problems.push(Problem::not_a_label(
            &project.key("monitoring_namespace"),
            namespace,
            63,
            false,
        ));
    }
    for (name, environment) in &config.environments {
        let key = KeyPath::new(&["environments", name]);
        if let Some(alerts) = &environment.alerts {
            let key = key.key("alerts");
            if let Some(severity) = &alerts.severity
                && !names::is_label_value(severity)
            {
                problems.push(Problem::bad_label_value(&key.key("severity"), severity));
            }
            if let Some(percent) = alerts.error_percent
                && !(percent > 0.0 && percent <= 100.0)
            {
                problems.push(Problem::out_of_range(
                    &key.key("error_percent"),
                    &percent.to_string(),
                    "more than 0 and at most 100",
                    "it is the percent of answers that are 5xx errors",
                ));
            }
            if let Some(latency) = alerts.latency_p99_ms
                && !Whole::LatencyMs.contains(latency)
            {
                problems.push(Problem::whole(
                    &key.key("latency_p99_ms"),
                    &latency.to_string(),
                    Whole::LatencyMs,
                ));
            }
            if let Some(percent) = alerts.volume_percent
                && !Whole::VolumePercent.contains(percent)
            {
                problems.push(Problem::whole(
                    &key.key("volume_percent"),
                    &percent.to_string(),
                    Whole::VolumePercent,
                ));
            }
        }
    }
    for (name, service) in &config.services {
        if let Some(interval) = &service.scrape_interval
            && !is_duration(interval)
        {
            let key = KeyPath::new(&["services", name, "scrape_interval"]);
            problems.push(Problem::bad_duration(&key, interval));
        }
    }
}
