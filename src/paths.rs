//! Where every generated file goes. Paths are computed here and nowhere
//! else, from names that validation already proved to be DNS labels.

use crate::error::Error;
use std::path::{Component, Path};

/// The directory every environment's manifests live under.
pub const DEPLOY: &str = "deploy";
/// The ownership lock, at the repo root.
pub const LOCK: &str = "kiln.lock";
/// The lock a build writes before it touches any file, and removes when done.
pub const JOURNAL: &str = "kiln.lock.pending";
/// Prefix of the temporary files an atomic write renames into place.
pub const TEMP_PREFIX: &str = ".kiln-";
/// The config, at the repo root.
pub const CONFIG: &str = "kiln.toml";
/// What the last build left, so that the next one can skip unchanged work.
pub const CACHE: &str = ".kiln/cache";
/// Where a repo's template overrides live, mirroring `templates/`.
pub const OVERRIDES: &str = ".kiln/templates";
/// The script that checks, without kiln, that the repo is what `kiln build` left.
pub const DRIFT: &str = ".kiln/drift.sh";
/// Where `kiln init` writes the JSON Schema that `kiln.toml`'s `#:schema` line names.
pub const SCHEMA: &str = ".kiln/kiln.schema.json";

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

/// The environment a generated path belongs to: `deploy/<env>/…`.
pub fn environment_of(path: &str) -> Option<&str> {
    let (env, _) = path.strip_prefix("deploy/")?.split_once('/')?;
    Some(env)
}

/// The service a generated path belongs to: `deploy/<env>/services/<service>/…`
/// for its manifests, `services/<service>/…` for its Dockerfile.
pub fn service_of(path: &str) -> Option<&str> {
    let rest = match path.strip_prefix("deploy/") {
        Some(in_environment) => in_environment.split_once('/')?.1,
        None => path,
    };
    let (service, _) = rest.strip_prefix("services/")?.split_once('/')?;
    Some(service)
}

/// A mesh object of the environment as a whole: `mesh/<file>`, relative to `deploy/<env>`.
pub fn mesh_file(file: &str) -> String {
    format!("mesh/{file}")
}

/// A monitoring object of the environment: `monitoring/<file>`, relative to `deploy/<env>`.
pub fn monitoring_file(file: &str) -> String {
    format!("monitoring/{file}")
}

/// A Fluentd object of the environment: `logging/<file>`, relative to `deploy/<env>`.
pub fn logging_file(file: &str) -> String {
    format!("logging/{file}")
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
    fn paths_know_their_environment_and_service() {
        use super::{environment_of, service_of};
        assert_eq!(
            environment_of("deploy/dev/services/a/deployment.yaml"),
            Some("dev")
        );
        assert_eq!(
            service_of("deploy/dev/services/a/deployment.yaml"),
            Some("a")
        );
        assert_eq!(service_of("deploy/dev/namespace/namespace.yaml"), None);
        assert_eq!(service_of("services/a/Dockerfile"), Some("a"));
        assert_eq!(service_of(".github/workflows/ci.yml"), None);
        assert_eq!(environment_of("kiln.lock"), None);
    }

    #[test]
    fn rejects_escapes() {
        assert!(check("deploy/dev/services/a/deployment.yaml").is_ok());
        for bad in ["../x", "/etc/passwd", "deploy/../../x", "", "a\\b", "./a"] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
