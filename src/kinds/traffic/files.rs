//! The traffic objects' files.

use crate::model::{Environment, EnvironmentFile, Service, ServiceFile, TrackOf};
use crate::output::paths;

/// The Gateway and its redirect, the Ingress, the Certificate.
pub fn environment_files(environment: &Environment, out: &mut Vec<EnvironmentFile>) {
    let Some(traffic) = &environment.traffic else {
        return;
    };
    let mut push = |template, file| {
        out.push(EnvironmentFile {
            template,
            path: paths::traffic_file(file),
            fluent_conf: None,
            embeds: None,
        })
    };
    if let Some(gateway) = &traffic.gateway {
        push("gateway-api/gateway.yaml.tera", "gateway.yaml");
        if !gateway.plain_http {
            push(
                "gateway-api/httproute-redirect.yaml.tera",
                "httproute-redirect.yaml",
            );
        }
    }
    if traffic.ingress.is_some() {
        push("k8s/ingress.yaml.tera", "ingress.yaml");
    }
    if traffic.certificate.is_some() {
        push("cert-manager/certificate.yaml.tera", "certificate.yaml");
    }
}

/// A service's route from the Gateway, its in-mesh split and its per-track
/// Services, each of those in its own track's workload.
pub fn service_files(service: &Service, track: Option<TrackOf<'_>>, out: &mut Vec<ServiceFile>) {
    if track.is_some() {
        return;
    }
    let mut push = |template, file: &str, track| {
        out.push(ServiceFile {
            template,
            file: file.into(),
            track,
            part: None,
        })
    };
    if let Some(traffic) = &service.traffic {
        if let Some(route) = &traffic.route {
            let file = if route.grpc {
                "grpcroute.yaml"
            } else {
                "httproute.yaml"
            };
            push("gateway-api/route.yaml.tera", file, None);
        }
        if let Some(route) = &traffic.mesh_route {
            let file = if route.grpc {
                "grpcroute-mesh.yaml"
            } else {
                "httproute-mesh.yaml"
            };
            push("gateway-api/route-mesh.yaml.tera", file, None);
        }
    }
    if let Some(own) = &service.track_service {
        let file = format!("service-{}.yaml", own.track);
        push("gateway-api/service-stable.yaml.tera", &file, None);
        for (i, other) in service.split.iter().flat_map(|s| &s.tracks).enumerate() {
            if other.workload.track_service.is_some() {
                let file = format!("service-{}.yaml", other.name);
                push("gateway-api/service-canary.yaml.tera", &file, Some(i));
            }
        }
    }
}
