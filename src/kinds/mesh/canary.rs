//! The canary: a second Deployment of a web service at another version,
//! which the mesh sends a share of the traffic to.

use crate::config::{Canary, Config};
use crate::model::{CanaryView, Service};
use crate::resolve::{TRACK, builtin};

/// The canary Deployment: the stable one at another version, one pod, its own `track`.
pub fn canary_of(config: &Config, stable: &Service, canary: &Canary) -> CanaryView {
    let mut workload = stable.clone();
    let registry = config.project.registry.as_deref().unwrap_or_default();
    workload.name = format!("{}-canary", stable.name);
    workload.image = format!("{registry}/{}:{}", stable.name, canary.version);
    workload.version = canary.version.clone();
    for labels in [&mut workload.labels, &mut workload.pod_labels] {
        labels.insert("app.kubernetes.io/version".into(), canary.version.clone());
        labels.insert("version".into(), canary.version.clone());
    }
    for labels in [&mut workload.pod_labels, &mut workload.pod_selector] {
        labels.insert(TRACK.into(), "canary".into());
    }
    workload.pod_annotations.insert(
        "kubectl.kubernetes.io/default-container".into(),
        workload.name.clone(),
    );
    workload.replicas = Some(builtin::CANARY_REPLICAS);
    workload.autoscale = None;
    workload.disruption_budget = false;
    workload.monitor = None;
    CanaryView {
        weight: canary.weight,
        workload: Box::new(workload),
    }
}
