//! The traffic objects' files.

use crate::model::{Environment, EnvironmentFile, Service, ServiceFile};
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

/// A service's route from the Gateway, its in-mesh split and its per-track Services.
pub fn service_files(service: &Service, canary: bool, out: &mut Vec<ServiceFile>) {
    let (Some(traffic), false) = (&service.traffic, canary) else {
        return;
    };
    let mut push = |template, file| {
        out.push(ServiceFile {
            template,
            file,
            canary,
        })
    };
    if let Some(route) = &traffic.route {
        let file = if route.grpc {
            "grpcroute.yaml"
        } else {
            "httproute.yaml"
        };
        push("gateway-api/route.yaml.tera", file);
    }
    if let Some(route) = &traffic.mesh_route {
        let file = if route.grpc {
            "grpcroute-mesh.yaml"
        } else {
            "httproute-mesh.yaml"
        };
        push("gateway-api/route-mesh.yaml.tera", file);
    }
    if traffic.tracks.len() == 2 {
        push(
            "gateway-api/service-stable.yaml.tera",
            "service-stable.yaml",
        );
        push(
            "gateway-api/service-canary.yaml.tera",
            "service-canary.yaml",
        );
    }
}
