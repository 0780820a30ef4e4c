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
