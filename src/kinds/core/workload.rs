//! The core of every service: its workload (a Deployment, StatefulSet or
//! CronJob) and what the core objects around it read: image, labels,
//! ports, probes, replicas or autoscaling, resources, variables, security,
//! volumes. The other kinds add to the workload this makes.

use super::images::image_defaults;
use super::network;
use super::quota::Pod;
use crate::config::{Kind, Metrics, Protocol, ServiceConfig, ServiceType};
use crate::diagnostics::Problem;
use crate::grammar::quantity::{Quantity, Unit};
use crate::grammar::reference::image_tag;
use crate::grammar::secret::parse_secret_ref;
use crate::kinds::kind::ServiceStep;
use crate::model::*;
use crate::resolve::{TRACK, builtin, common_labels, selector};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The workload of one service in one environment, as the core objects
/// lay it out, and what one of its pods asks for; the other kinds add to it.
pub fn workload(step: &ServiceStep<'_>, problems: &mut Vec<Problem>) -> (Service, Pod) {
    let ServiceStep {
        config,
        project,
        name,
        service,
        layers,
        ..
    } = *step;
    let overrides = step.overrides();
    let kind = service.kind.unwrap_or(Kind::Web);
    let workload = Workload::from(kind);
    let built = service.image.is_none();

    let (image, version) = match &service.image {
        Some(image) => (
            image.clone(),
            image_tag(image).unwrap_or_default().to_string(),
        ),
        None => {
            let version = overrides
                .and_then(|o| o.version.clone())
                .or_else(|| service.version.clone())
                .unwrap_or_default();
            let registry = config.project.registry.as_deref().unwrap_or_default();
            (format!("{registry}/{name}:{version}"), version)
        }
    };
    let known = service.image.as_deref().and_then(image_defaults);

    let mut labels = common_labels(project);
    labels.extend(selector(name));
    labels.insert("app.kubernetes.io/version".into(), version.clone());
    labels.insert("app.kubernetes.io/component".into(), kind.as_str().into());
    labels.insert("app".into(), name.into());
    labels.insert("version".into(), version.clone());

    let protocol = service
        .protocol
        .unwrap_or(if built { Protocol::Http } else { Protocol::Tcp });
    let mut ports = Vec::new();
    if let Some(port) = service.port {
        ports.push(Port {
            name: protocol.as_str().into(),
            port,
            service_port: service.service_port.unwrap_or(port),
            protocol,
        });
    }
    for (port_name, port) in service.ports.iter().flatten() {
        ports.push(Port {
            name: port_name.clone(),
            port: *port,
            service_port: *port,
            protocol: Protocol::Tcp,
        });
    }
    let metrics = resolve_metrics(service, kind, built, &mut ports);

    let probes = super::podspec::probes(service, workload, protocol, &ports);

    // Environment-wide replica counts and autoscaling are for stateless
    // services; a database or a job scales only when the service says so.
    let own_only = !workload.is_stateless();
    // Whichever of `replicas` and `autoscale` is set in the higher layer
    // wins, so a service can pin a count where its environment autoscales.
    let picked_autoscale = layers.pick(own_only, "autoscale", |l| l.autoscale.cloned());
    let picked_replicas = layers.pick(own_only, "replicas", |l| l.replicas);
    let autoscale = match (workload, picked_autoscale, &picked_replicas) {
        (Workload::CronJob, _, _) => None,
        (_, Some(a), Some(r)) if r.rank > a.rank => None,
        (_, Some(a), _) => Some(AutoscaleView {
            min: a.value.min,
            max: a.value.max,
            cpu: a.value.cpu.unwrap_or(builtin::AUTOSCALE_CPU),
        }),
        (_, None, _) => None,
    };
    let replicas = match (workload, &autoscale) {
        (Workload::CronJob, _) | (_, Some(_)) => None,
        _ => Some(picked_replicas.map_or(builtin::REPLICAS, |r| r.value)),
    };
    let fewest = autoscale.as_ref().map_or(replicas.unwrap_or(0), |a| a.min);
    let most = autoscale.as_ref().map_or(replicas.unwrap_or(1), |a| a.max);

    let (resources, quantities) = layers.resources(problems);
    let (mut env, secret_refs) = layers.variables();
    for (var, value) in known.iter().flat_map(|k| k.env) {
        env.entry((*var).to_string())
            .or_insert_with(|| (*value).to_string());
    }
    let secrets = secret_refs
        .iter()
        .filter_map(|(var, reference)| {
            parse_secret_ref(reference).map(|(secret, key)| SecretEnv {
                var: var.clone(),
                secret: secret.into(),
                key: key.into(),
            })
        })
        .collect();

    let mut pod_annotations = BTreeMap::from([(
        "kubectl.kubernetes.io/default-container".to_string(),
        name.to_string(),
    )]);
    if !env.is_empty() {
        // Pods restart when their settings change, as they would with Helm's checksum idiom.
        pod_annotations.insert("checksum/config".into(), env_checksum(&env));
    }
    let read_only_root = service
        .read_only_root
        .or(known.as_ref().map(|k| k.read_only_root))
        .unwrap_or(true);
    let user = service
        .run_as_user
        .or(known.as_ref().map(|k| k.user))
        .unwrap_or(builtin::RUN_AS_USER);
    let security = Security {
        run_as_user: user,
        run_as_group: service.run_as_group.unwrap_or(user),
        read_only_root,
    };
    let writable: Vec<String> = match &service.writable_paths {
        Some(paths) => paths.clone(),
        // A volume at one of the image's writable paths takes its place.
        None => known
            .as_ref()
            .map(|k| {
                k.writable
                    .iter()
                    .filter(|p| !service.volumes.iter().flatten().any(|v| v.path == **p))
                    .map(|p| (*p).to_string())
                    .collect()
            })
            .unwrap_or_default(),
    };
    let mut scratch = vec![Mount {
        name: "tmp".into(),
        path: "/tmp".into(),
    }];
    scratch.extend(
        writable
            .into_iter()
            .filter(|path| path != "/tmp")
            .enumerate()
            .map(|(i, path)| Mount {
                name: format!("writable-{i}"),
                path,
            }),
    );
    let storage = match (kind, &service.storage) {
        (Kind::Stateful, Some(size)) => Some(Storage {
            size: Quantity::parse(size, Unit::Bytes)
                .map_or_else(|| size.clone(), |q| q.to_string()),
            path: service
                .data_path
                .clone()
                .or(known.as_ref().map(|k| k.data_path.to_string()))
                .unwrap_or_else(|| builtin::DATA_PATH.into()),
        }),
        _ => None,
    };

    let (ingress, egress) = network::traffic(step, metrics.as_ref());
    let has_service = kind.serves() && service.port.is_some();
    let mut pod_labels = labels.clone();
    let mut pod_selector = selector(name);
    if workload.is_stateless() {
        for set in [&mut pod_labels, &mut pod_selector] {
            set.insert(TRACK.into(), "stable".into());
        }
    }
    let pod_count = match workload {
        Workload::CronJob => 1,
        // StatefulSets replace pods one at a time, without a surge pod.
        Workload::StatefulSet => u64::from(most),
        Workload::Deployment => u64::from(most) + u64::from(builtin::ROLLOUT.max_surge),
    };
    let pod = super::podspec::extras(step, workload, &mut pod_labels, &mut pod_annotations);
    let resolved = Service {
        name: name.to_string(),
        kind,
        workload,
        rollout: builtin::ROLLOUT,
        image,
        version,
        pod_labels,
        pod_selector,
        labels,
        selector: selector(name),
        service_account: name.to_string(),
        config_map: (!env.is_empty()).then(|| format!("{name}-env")),
        pod_annotations,
        ports,
        has_service,
        service_type: service.service_type.unwrap_or(ServiceType::ClusterIP),
        node_port: service.node_port,
        env_fields: service
            .env_fields
            .iter()
            .flatten()
            .map(|(var, field)| FieldEnv {
                var: var.clone(),
                field: field.clone(),
            })
            .collect(),
        env_from: service
            .env_from
            .iter()
            .flatten()
            .map(|source| EnvFromView {
                secret: source.secret.clone(),
                config_map: source.config_map.clone(),
            })
            .collect(),
        headless_service: (workload == Workload::StatefulSet && has_service)
            .then(|| format!("{name}-headless")),
        metrics,
        probes,
        replicas,
        disruption_budget: workload != Workload::CronJob && fewest > 1,
        autoscale,
        resources,
        env,
        secrets,
        route: service.route.clone(),
        args: service.args.clone().unwrap_or_default(),
        security,
        scratch,
        storage,
        schedule: service.schedule.clone(),
        ingress,
        egress,
        // The mesh's to decide, in its step.
        retries: RetriesView::default(),
        mesh: None,
        traffic: None,
        monitor: None,
        split: None,
        track_service: None,
        otel: None,
        pod,
        files: Vec::new(),
    };
    (
        resolved,
        Pod {
            widest: super::podspec::widest_limits(service, quantities),
            quantities: super::podspec::extra_pod_quantities(service, quantities),
            count: pod_count,
        },
    )
}

/// Metrics are on by default for built services that listen somewhere;
/// third-party images rarely serve Prometheus metrics, so for them it is opt-in.
fn resolve_metrics(
    service: &ServiceConfig,
    kind: Kind,
    built: bool,
    ports: &mut Vec<Port>,
) -> Option<MetricsView> {
    // A sidecar exporter's port is the service's metrics port (validation
    // refuses `metrics` and `metrics_port` beside it).
    if let Some(exporter) = service.monitored_sidecar_port() {
        return (kind != Kind::Cronjob).then(|| MetricsView {
            path: exporter
                .path
                .clone()
                .unwrap_or_else(|| builtin::METRICS.to_string()),
            port: exporter.port,
            port_name: exporter.name.clone(),
        });
    }
    let path = match &service.metrics {
        Some(Metrics::Enabled(false)) => return None,
        Some(Metrics::Path(path)) => path.clone(),
        Some(Metrics::Enabled(true)) => builtin::METRICS.to_string(),
        None if built => builtin::METRICS.to_string(),
        None => return None,
    };
    if kind == Kind::Cronjob {
        return None;
    }
    let port = service.metrics_port.or(service.port)?;
    let port_name = match ports.iter().find(|p| p.port == port) {
        Some(existing) => existing.name.clone(),
        None => {
            ports.push(Port {
                name: "http-metrics".into(),
                port,
                service_port: port,
                protocol: Protocol::Http,
            });
            "http-metrics".into()
        }
    };
    Some(MetricsView {
        path,
        port,
        port_name,
    })
}

/// The `checksum/config` of a pod whose ConfigMap holds `env`.
pub fn env_checksum(env: &BTreeMap<String, String>) -> String {
    let mut hasher = Sha256::new();
    for (name, value) in env {
        hasher.update(name.as_bytes());
        hasher.update([0]);
        hasher.update(value.as_bytes());
        hasher.update([0]);
    }
    crate::digest::hex(&hasher.finalize())
}
