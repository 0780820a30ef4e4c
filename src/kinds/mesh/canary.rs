//! The canary: a second Deployment of a web service at another version,
//! which the mesh sends a share of the traffic to.

use crate::config::{Canary, Config};
use crate::model::{CanaryView, Service};
use crate::resolve::{TRACK, builtin};

/// The canary Deployment: the stable one at another version, one pod, its
/// own `track`. Every field of the stable workload is named here, kept or
/// replaced, so a field added to `Service` does not compile until it says
/// what a canary makes of it.
pub fn canary_of(config: &Config, stable: &Service, canary: &Canary) -> CanaryView {
    let Service {
        name,
        kind,
        workload,
        rollout,
        image,
        version: _,
        mut labels,
        selector,
        mut pod_labels,
        mut pod_selector,
        service_account,
        config_map,
        mut pod_annotations,
        ports,
        has_service,
        service_type,
        node_port,
        env_fields,
        env_from,
        headless_service,
        metrics,
        probes,
        replicas: _,
        autoscale: _,
        disruption_budget: _,
        resources,
        env,
        secrets,
        route,
        args,
        security,
        scratch,
        storage,
        schedule,
        ingress,
        egress,
        retries,
        mesh,
        traffic: _,
        monitor: _,
        canary: _,
        otel,
        pod,
        files: _,
    } = stable.clone();
    let registry = config.project.registry.as_deref().unwrap_or_default();
    let version = canary.version.clone();
    for labels in [&mut labels, &mut pod_labels] {
        labels.insert("app.kubernetes.io/version".into(), version.clone());
        labels.insert("version".into(), version.clone());
    }
    for labels in [&mut pod_labels, &mut pod_selector] {
        labels.insert(TRACK.into(), "canary".into());
    }
    let canary_name = format!("{name}-canary");
    pod_annotations.insert(
        "kubectl.kubernetes.io/default-container".into(),
        canary_name.clone(),
    );
    let built = config.services.get(&name).is_none_or(|s| s.image.is_none());
    let image = if built {
        format!("{registry}/{name}:{version}")
    } else {
        format!("{}:{version}", image_repository(&image))
    };
    let workload = Service {
        image,
        name: canary_name,
        kind,
        workload,
        rollout,
        version,
        labels,
        selector,
        pod_labels,
        pod_selector,
        service_account,
        config_map,
        pod_annotations,
        ports,
        has_service,
        service_type,
        node_port,
        env_fields,
        env_from,
        headless_service,
        metrics,
        probes,
        // One pod: the split is by weight, not by pod count.
        replicas: Some(builtin::CANARY_REPLICAS),
        autoscale: None,
        disruption_budget: false,
        resources,
        env,
        secrets,
        route,
        args,
        security,
        scratch,
        storage,
        schedule,
        ingress,
        egress,
        retries,
        mesh,
        traffic: None,
        // The stable workload's monitor scrapes the canary's pods too.
        monitor: None,
        canary: None,
        otel,
        pod,
        files: Vec::new(),
    };
    CanaryView {
        weight: canary.weight,
        workload: Box::new(workload),
    }
}

/// `image` without its tag or digest: `redis` of `redis:7.2-alpine`,
/// `registry:5000/team/app` of `registry:5000/team/app:1.0@sha256:…`.
fn image_repository(image: &str) -> &str {
    let image = image.split_once('@').map_or(image, |(name, _)| name);
    let last = image.rfind('/').map_or(0, |slash| slash + 1);
    match image[last..].rfind(':') {
        Some(colon) => &image[..last + colon],
        None => image,
    }
}

#[cfg(test)]
mod image_tests {
    #[test]
    fn the_repository_of_an_image_drops_tag_and_digest() {
        use super::image_repository;
        assert_eq!(image_repository("redis:7.2-alpine"), "redis");
        assert_eq!(
            image_repository("registry:5000/team/app:1.0@sha256:ab"),
            "registry:5000/team/app"
        );
        assert_eq!(
            image_repository("registry:5000/team/app"),
            "registry:5000/team/app"
        );
    }
}
