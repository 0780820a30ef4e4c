//! The core objects' files: the namespace's own, and each service's.

use crate::model::{Environment, EnvironmentFile, Service, ServiceFile, TrackOf};
use crate::output::paths;

/// The Namespace, its ResourceQuota and LimitRange, and the default-deny
/// NetworkPolicy.
pub fn environment_files(environment: &Environment, out: &mut Vec<EnvironmentFile>) {
    for (template, file) in [
        ("k8s/namespace.yaml.tera", "namespace.yaml"),
        ("k8s/resourcequota.yaml.tera", "resourcequota.yaml"),
        ("k8s/limitrange.yaml.tera", "limitrange.yaml"),
        (
            "k8s/networkpolicy-default-deny.yaml.tera",
            "networkpolicy-default-deny.yaml",
        ),
    ] {
        if file == "resourcequota.yaml" && environment.quota.is_none() {
            continue;
        }
        out.push(EnvironmentFile {
            template,
            path: paths::namespace_file(file),
            fluent_conf: None,
            embeds: None,
        });
    }
}

/// The ServiceAccount, ConfigMap, workload, Services, autoscaler,
/// disruption budget and NetworkPolicy of a service; of its canary, only
/// the second Deployment.
pub fn service_files(service: &Service, track: Option<TrackOf<'_>>, out: &mut Vec<ServiceFile>) {
    let mut push = |template, file: &str| {
        out.push(ServiceFile {
            template,
            file: file.into(),
            track: track.map(|t| t.index),
            part: None,
        })
    };
    if let Some(track) = track {
        // A version with `env` of its own has its own ConfigMap.
        if service.config_map.as_deref() == Some(&format!("{}-env", service.name)) {
            push(
                "k8s/configmap.yaml.tera",
                &format!("configmap-{}.yaml", track.name),
            );
        }
        let (template, _) = service.workload.file();
        push(template, &format!("deployment-{}.yaml", track.name));
        return;
    }
    push("k8s/serviceaccount.yaml.tera", "serviceaccount.yaml");
    if service.config_map.is_some() {
        push("k8s/configmap.yaml.tera", "configmap.yaml");
    }
    if service.pod.files.is_some() {
        push("k8s/configmap-files.yaml.tera", "configmap-files.yaml");
    }
    let (template, file) = service.workload.file();
    push(template, file);
    if service.has_service {
        push("k8s/service.yaml.tera", "service.yaml");
    }
    if service.headless_service.is_some() {
        push("k8s/service-headless.yaml.tera", "service-headless.yaml");
    }
    if service.autoscale.is_some() {
        push("k8s/hpa.yaml.tera", "hpa.yaml");
    }
    if service.disruption_budget {
        push("k8s/pdb.yaml.tera", "pdb.yaml");
    }
    push("k8s/networkpolicy.yaml.tera", "networkpolicy.yaml");
}
