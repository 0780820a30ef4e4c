//! Where every generated file goes. Paths are computed here and nowhere
//! else, from names that validation already proved to be DNS labels.

use crate::error::Error;
use std::path::{Component, Path};

/// The directory every environment's manifests live under.
pub const DEPLOY: &str = "deploy";
/// The ownership lock, at the repo root.
pub const LOCK: &str = "kiln.lock";
/// The config, at the repo root.
pub const CONFIG: &str = "kiln.toml";

/// `deploy/<env>`
pub fn environment_dir(environment: &str) -> String {
    format!("{DEPLOY}/{environment}")
}

/// A file of the environment as a whole: `namespace/<file>`, relative to `deploy/<env>`.
pub fn namespace_file(file: &str) -> String {
    format!("namespace/{file}")
}

/// A file of one service: `services/<service>/<file>`, relative to `deploy/<env>`.
pub fn service_file(service: &str, file: &str) -> String {
    format!("services/{service}/{file}")
}

/// Where a built service's source lives, and its Dockerfile with it: `services/<service>`.
pub fn service_source_dir(service: &str) -> String {
    format!("services/{service}")
}

/// A file beside a service's source: `services/<service>/<file>`.
pub fn service_source_file(service: &str, file: &str) -> String {
    format!("{}/{file}", service_source_dir(service))
}

/// The pipeline file of a CI system, where that system looks for it.
pub fn ci_file(system: &str) -> Option<&'static str> {
    match system {
        "github" => Some(".github/workflows/ci.yml"),
        "gitlab" => Some(".gitlab-ci.yml"),
        "jenkins" => Some("Jenkinsfile"),
        _ => None,
    }
}

/// The Argo CD Application of one environment: `argocd/<env>.yaml`. Outside
/// `deploy/`, so that no environment's kustomization picks it up.
pub fn application_file(environment: &str) -> String {
    format!("argocd/{environment}.yaml")
}

/// Checks that `path` is relative, plain and stays inside the repo.
pub fn check(path: &str) -> Result<(), Error> {
    let plain = !path.is_empty()
        && !path.contains('\\')
        && Path::new(path)
            .components()
            .all(|c| matches!(c, Component::Normal(_)));
    if plain {
        Ok(())
    } else {
        Err(Error::UnsafePath {
            path: path.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn rejects_escapes() {
        assert!(check("deploy/dev/services/a/deployment.yaml").is_ok());
        for bad in ["../x", "/etc/passwd", "deploy/../../x", "", "a\\b", "./a"] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
