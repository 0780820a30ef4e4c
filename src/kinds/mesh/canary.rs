//! A traffic split: besides the service's own Deployment, one per other
//! track (a canary, or each of `versions`) at another version, which the
//! mesh or the Gateway API sends a share of the traffic to.

use crate::config::{Config, SplitSetting, TrackSetting};
use crate::grammar::reference::image_tag;
use crate::model::{Service, Split, TrackView};
use crate::resolve::{TRACK, builtin};

/// The split of `stable`, the service's own workload, by `setting`.
pub fn split_of(config: &Config, stable: &Service, setting: SplitSetting<'_>) -> Split {
    let mut tracks = setting.tracks().into_iter();
    let own = tracks.next();
    Split {
        track: own.as_ref().map(|t| t.name.clone()).unwrap_or_default(),
        weight: own.map_or(0, |t| t.weight),
        canary: matches!(setting, SplitSetting::Canary(_)),
        tracks: tracks
            .filter(|track| track.version.is_some() || track.image.is_some())
            .map(|track| track_of(config, stable, &track))
            .collect(),
    }
}

/// The Deployment of another track: the stable one at its `version` (or `image`),
/// `replicas` pods (one by default), its own `track` and its `env` over the
/// service's. Every field of the stable workload is named here, kept or
/// replaced, so a field added to `Service` does not compile until it says
/// what another track makes of it.
fn track_of(config: &Config, stable: &Service, track: &TrackSetting) -> TrackView {
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
        mut config_map,
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
        mut env,
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
        split: _,
        track_service: _,
        otel,
        pod,
        files: _,
    } = stable.clone();
    let registry = config.project.registry.as_deref().unwrap_or_default();
    let version = match (&track.image, &track.version) {
        (Some(image), _) => image_tag(image).unwrap_or_default().to_string(),
        (None, version) => version.clone().unwrap_or_default(),
    };
    for labels in [&mut labels, &mut pod_labels] {
        labels.insert("app.kubernetes.io/version".into(), version.clone());
        labels.insert("version".into(), version.clone());
    }
    for labels in [&mut pod_labels, &mut pod_selector] {
        labels.insert(TRACK.into(), track.name.clone());
    }
    let own_name = format!("{name}-{}", track.name);
    pod_annotations.insert(
        "kubectl.kubernetes.io/default-container".into(),
        own_name.clone(),
    );
    if !track.env.is_empty() {
        // Its own variables over the service's, in a ConfigMap of its own.
        env.extend(track.env.clone());
        config_map = Some(format!("{own_name}-env"));
        pod_annotations.insert(
            "checksum/config".into(),
            crate::kinds::core::env_checksum(&env),
        );
    }
    let built = config.services.get(&name).is_none_or(|s| s.image.is_none());
    let image = match &track.image {
        Some(own) => own.clone(),
        None if built => format!("{registry}/{name}:{version}"),
        None => retagged(&image, &version),
    };
    let workload = Service {
        image,
        name: own_name,
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
        // One pod unless told: the split is by weight, not by pod count.
        replicas: Some(track.replicas.unwrap_or(builtin::CANARY_REPLICAS)),
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
        split: None,
        track_service: None,
        otel,
        pod,
        files: Vec::new(),
    };
    TrackView {
        name: track.name.clone(),
        weight: track.weight,
        workload: Box::new(workload),
    }
}

/// `image`'s repository at the tag `version`: what a version of a
/// third-party service runs.
pub(super) fn retagged(image: &str, version: &str) -> String {
    format!("{}:{version}", image_repository(image))
}

/// `image` without its tag or digest: `redis` of `redis:7.2-alpine`,
/// `registry:5000/team/app` of `registry:5000/team/app:1.0@sha256:…`.
pub(super) fn image_repository(image: &str) -> &str {
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
