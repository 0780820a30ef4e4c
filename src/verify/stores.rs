//! The External Secrets Operator stores `kiln prereqs` lists, with each
//! remote key and the properties the ExternalSecrets read of it.

use crate::model::Environment;
use serde::Serialize;
use std::collections::BTreeMap;

/// A SecretStore or ClusterSecretStore that must exist and hold the values.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SecretStore {
    /// `ClusterSecretStore` or `SecretStore`.
    pub kind: &'static str,
    pub name: String,
    /// The namespace of a `SecretStore`; `null` for a `ClusterSecretStore`.
    pub namespace: Option<String>,
    /// Each remote key read, with the properties read of it.
    pub remote_keys: Vec<RemoteKey>,
}

/// One remote key of a store and the properties an ExternalSecret reads.
#[derive(Debug, Serialize)]
pub struct RemoteKey {
    pub key: String,
    pub properties: Vec<String>,
    /// The Secret it makes.
    pub secret: String,
}

/// The stores of the environment's ExternalSecrets, each once.
pub fn secret_stores(env: &Environment) -> Vec<SecretStore> {
    let mut stores: BTreeMap<(&'static str, &str), Vec<RemoteKey>> = BTreeMap::new();
    for secret in &env.external_secrets {
        stores
            .entry((secret.store_kind.as_str(), secret.store.as_str()))
            .or_default()
            .push(RemoteKey {
                key: secret.remote_key.clone(),
                properties: secret.keys.clone(),
                secret: secret.name.clone(),
            });
    }
    stores
        .into_iter()
        .map(|((kind, name), remote_keys)| SecretStore {
            kind,
            name: name.to_string(),
            namespace: (kind == "SecretStore").then(|| env.namespace.clone()),
            remote_keys,
        })
        .collect()
}
