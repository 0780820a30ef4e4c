//! The mesh objects' files.

use crate::model::{Environment, EnvironmentFile, Service, ServiceFile, TrackOf};
use crate::output::paths;

/// The namespace's PeerAuthentication, and the ingress Gateway and its
/// VirtualService when some service has a route.
pub fn environment_files(environment: &Environment, out: &mut Vec<EnvironmentFile>) {
    let Some(mesh) = &environment.mesh else {
        return;
    };
    let mut push = |template, file| {
        out.push(EnvironmentFile {
            template,
            path: paths::mesh_file(file),
            fluent_conf: None,
            embeds: None,
        })
    };
    push(
        "istio/peerauthentication-namespace.yaml.tera",
        "peerauthentication.yaml",
    );
    if mesh.waypoint.is_some() {
        push("istio/waypoint.yaml.tera", "waypoint.yaml");
        push(
            "istio/networkpolicy-waypoint.yaml.tera",
            "networkpolicy-waypoint.yaml",
        );
    }
    if mesh.gateway.is_some() {
        push("istio/gateway.yaml.tera", "gateway.yaml");
        push(
            "istio/virtualservice-gateway.yaml.tera",
            "virtualservice.yaml",
        );
    }
}

/// A service's DestinationRule, AuthorizationPolicy, mTLS exception for
/// its metrics port and canary VirtualService.
pub fn service_files(service: &Service, track: Option<TrackOf<'_>>, out: &mut Vec<ServiceFile>) {
    let (Some(mesh), None) = (&service.mesh, track) else {
        return;
    };
    let mut push = |template, file: &str, part| {
        out.push(ServiceFile {
            template,
            file: file.into(),
            track: None,
            part,
        })
    };
    if mesh.destination_rule.is_some() {
        push(
            "istio/destinationrule.yaml.tera",
            "destinationrule.yaml",
            None,
        );
    }
    push(
        "istio/authorizationpolicy.yaml.tera",
        "authorizationpolicy.yaml",
        None,
    );
    if mesh.waypoint.is_some() {
        push(
            "istio/authorizationpolicy-ztunnel.yaml.tera",
            "authorizationpolicy-ztunnel.yaml",
            None,
        );
    }
    // One object per file.
    for (part, entry) in mesh.service_entries.iter().enumerate() {
        push("istio/serviceentry.yaml.tera", &entry.file, Some(part));
    }
    if mesh.permissive_port.is_some() || mesh.external_port.is_some() {
        push(
            "istio/peerauthentication-metrics.yaml.tera",
            "peerauthentication.yaml",
            None,
        );
    }
    if mesh.canary_route.is_some() {
        push(
            "istio/virtualservice-canary.yaml.tera",
            "virtualservice.yaml",
            None,
        );
    }
}
