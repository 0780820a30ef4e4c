//! The Secrets `kiln prereqs` lists: those kiln's objects read and kiln
//! never writes, each with its keys and the services that read it.

use crate::model::Environment;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// A Secret kiln's objects read and kiln never writes.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Secret {
    pub namespace: String,
    pub name: String,
    /// `Opaque`, or `kubernetes.io/tls` for the gateway's certificate.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub keys: Vec<String>,
    /// The services (or `fluentd`, `ingress-gateway`) that read it.
    pub used_by: Vec<String>,
    /// The namespace is created by this very apply: create it first, then the Secret.
    pub namespace_created_by_kiln: bool,
}

/// Every Secret of `env` that must exist before the apply; `created` are
/// the namespaces the apply itself makes.
pub fn secrets(env: &Environment, created: &BTreeSet<&str>) -> Vec<Secret> {
    // (namespace, name) -> (type, keys, used by)
    type Found = (&'static str, BTreeSet<String>, BTreeSet<String>);
    let mut found: BTreeMap<(String, String), Found> = BTreeMap::new();
    let mut add = |namespace: &str, name: &str, kind: &'static str, keys: &[&str], user: &str| {
        let entry = found
            .entry((namespace.to_string(), name.to_string()))
            .or_insert_with(|| (kind, BTreeSet::new(), BTreeSet::new()));
        entry.1.extend(keys.iter().map(|k| (*k).to_string()));
        entry.2.insert(user.to_string());
    };
    // An ExternalSecret makes the services' Secrets: the store is listed instead.
    let made = !env.external_secrets.is_empty();
    for service in &env.services {
        // The pod keys' Secrets: mounted whole, registry credentials, and
        // those of extra containers.
        for volume in &service.pod.volumes {
            if let Some(secret) = &volume.secret {
                add(&env.namespace, secret, "Opaque", &[], &service.name);
            }
        }
        for secret in &service.pod.image_pull_secrets {
            add(
                &env.namespace,
                secret,
                "kubernetes.io/dockerconfigjson",
                &[".dockerconfigjson"],
                &service.name,
            );
        }
        for extra in service
            .pod
            .init_containers
            .iter()
            .chain(&service.pod.sidecars)
        {
            for secret in &extra.secrets {
                add(
                    &env.namespace,
                    &secret.secret,
                    "Opaque",
                    &[&secret.key],
                    &service.name,
                );
            }
        }
        let tracks = service.split.iter().flat_map(|s| s.workloads());
        for workload in std::iter::once(service).chain(tracks) {
            // Only the `secrets` are made by ExternalSecrets; `env_from` are not.
            for secret in workload.secrets.iter().filter(|_| !made) {
                add(
                    &env.namespace,
                    &secret.secret,
                    "Opaque",
                    &[&secret.key],
                    &service.name,
                );
            }
            // `env_from`: the whole Secret, whatever keys it holds.
            for source in &workload.env_from {
                if let Some(secret) = &source.secret {
                    add(&env.namespace, secret, "Opaque", &[], &service.name);
                }
            }
        }
    }
    if let Some(logging) = &env.logging
        && let Some(password) = logging
            .elasticsearch
            .as_ref()
            .and_then(|es| es.password.as_ref())
    {
        add(
            &logging.namespace,
            &password.secret,
            "Opaque",
            &[&password.key],
            "fluentd",
        );
    }
    // cert-manager makes the TLS Secret with `tls`: then it is no prerequisite.
    let traffic = env.traffic.as_ref();
    let issued = traffic.is_some_and(|t| {
        t.certificate.is_some()
            || t.ingress
                .as_ref()
                .is_some_and(|i| !i.annotations.is_empty())
    });
    if let Some(traffic) = traffic.filter(|_| !issued) {
        let namespace = match (&traffic.gateway, &traffic.ingress) {
            (Some(_), _) => Some(traffic.controller.namespace.as_str()),
            (None, Some(_)) => Some(env.namespace.as_str()),
            (None, None) => None,
        };
        if let Some(namespace) = namespace {
            add(
                namespace,
                &traffic.tls_secret,
                "kubernetes.io/tls",
                &["tls.crt", "tls.key"],
                "ingress-gateway",
            );
        }
    }
    if let Some(gateway) = env
        .mesh
        .as_ref()
        .and_then(|m| m.gateway.as_ref())
        .filter(|_| !issued)
    {
        add(
            &gateway.credential_namespace,
            &gateway.credential_name,
            "kubernetes.io/tls",
            &["tls.crt", "tls.key"],
            "ingress-gateway",
        );
    }
    found
        .into_iter()
        .map(|((namespace, name), (kind, keys, users))| Secret {
            namespace_created_by_kiln: created.contains(namespace.as_str()),
            namespace,
            name,
            kind,
            keys: keys.into_iter().collect(),
            used_by: users.into_iter().collect(),
        })
        .collect()
}
