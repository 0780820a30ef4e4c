//! The words of the external secrets keys' problems.

use crate::diagnostics::{KeyPath, Problem};

impl Problem {
    pub fn missing_store(key: &KeyPath, environment: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` names no `store` for environment `{environment}`"),
            Some(
                "add `store = \"<name of the ClusterSecretStore>\"` to it or to `project.external_secrets`"
                    .to_string(),
            ),
        )
    }

    pub fn bad_store(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a Kubernetes object name"),
            Some(
                "name the store as `kubectl get clustersecretstores` lists it: lowercase letters, digits, `-` and `.`"
                    .to_string(),
            ),
        )
    }

    pub fn bad_remote_path(key: &KeyPath, value: &str, why: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` {why}"),
            Some(
                "write the remote key with `{project}`, `{env}` and `{secret}`, such as \
                 `{project}/{env}/{secret}`; each key of the Secret is a property of it"
                    .to_string(),
            ),
        )
    }
}
