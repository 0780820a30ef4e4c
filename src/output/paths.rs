//! Where every generated file goes. Paths are computed here and nowhere
//! else, from names that validation already proved to be DNS labels.

use crate::config::CiSystem;
use crate::diagnostics::Error;

/// The directory every environment's manifests live under.
pub const DEPLOY: &str = "deploy";
/// The ownership lock, at the repo root.
pub const LOCK: &str = "kiln.lock";
/// The lock a build writes before it touches any file, and removes when done.
pub const JOURNAL: &str = "kiln.lock.pending";
/// Prefix of the temporary files an atomic write renames into place.
pub const TEMP_PREFIX: &str = ".kiln-";
/// What runs the app locally with `docker compose` (`project.local`).
pub const COMPOSE: &str = "compose.yaml";
/// The secrets `compose.yaml` reads. kiln writes it once, when it is not
/// there, and never again: it is not a generated path (`generated`), so no
/// lock, cache or render can make kiln overwrite or delete it.
pub const ENV_LOCAL: &str = ".env.local";
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

/// An extra resource of the environment, copied from `.kiln/resources`:
/// `extra/<file>`, relative to `deploy/<env>`.
pub fn extra_file(file: &str) -> String {
    format!("extra/{file}")
}

/// Whether a generated path is an extra resource: `deploy/<env>/extra/<file>`.
pub fn is_extra(path: &str) -> bool {
    path.strip_prefix("deploy/")
        .and_then(|rest| rest.split_once('/'))
        .is_some_and(|(_, rest)| rest.starts_with("extra/"))
}

/// The ExternalSecret of one Secret: `secrets/<secret>.yaml`, relative to `deploy/<env>`.
pub fn secret_file(secret: &str) -> String {
    format!("secrets/{secret}.yaml")
}

/// A mesh object of the environment as a whole: `mesh/<file>`, relative to `deploy/<env>`.
pub fn mesh_file(file: &str) -> String {
    format!("mesh/{file}")
}

/// A Gateway API, Ingress or cert-manager object of the environment:
/// `traffic/<file>`, relative to `deploy/<env>`.
pub fn traffic_file(file: &str) -> String {
    format!("traffic/{file}")
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

/// Where a built service's source lives: its `source`, or `services/<service>`.
pub fn source_dir(service: &str, source: Option<&str>) -> String {
    source.map_or_else(|| service_source_dir(service), str::to_string)
}

/// The pipeline file of a CI system, where that system looks for it.
pub fn ci_file(system: CiSystem) -> &'static str {
    match system {
        CiSystem::Github => ".github/workflows/ci.yml",
        CiSystem::Gitlab => ".gitlab-ci.yml",
        CiSystem::Jenkins => "Jenkinsfile",
    }
}

/// The Argo CD Application of one environment: `argocd/<env>.yaml`. Outside
/// `deploy/`, so that no environment's kustomization picks it up.
pub fn application_file(environment: &str) -> String {
    format!("argocd/{environment}.yaml")
}

/// Checks a path kiln is about to render or write against the one rule.
pub fn check(path: &str) -> Result<(), Error> {
    generated(path).map_err(|_| Error::UnsafePath {
        path: path.to_string(),
    })
}

/// Relative, `/`-separated, every component a plain file name: no `..`,
/// `.`, empty part, backslash or control character.
fn plain(path: &str) -> bool {
    !path.is_empty()
        && path.len() <= 1024
        && !path.chars().any(|c| c == '\\' || c.is_control())
        && path
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != ".." && part.len() <= 255)
        && normal_components(path)
}

/// Whether every component of `path` is a name. On Unix the parts checked
/// above say so already (no root, no `.`, no `..`); elsewhere a drive or
/// prefix (`C:`) is one more thing that is not a name.
#[cfg(unix)]
fn normal_components(_: &str) -> bool {
    true
}

#[cfg(not(unix))]
fn normal_components(path: &str) -> bool {
    std::path::Path::new(path)
        .components()
        .all(|c| matches!(c, std::path::Component::Normal(_)))
}

/// The one rule for the files kiln owns: whether `path` is one that kiln
/// itself could generate. Every path that reaches the disk from the lock,
/// the journal, the cache, `--against` or a render passes here first; so a
/// lock from a pull request can name `.git/HEAD`, `kiln.toml` or user
/// source, and kiln will not touch it. `Err` says why not.
pub fn generated(path: &str) -> Result<(), &'static str> {
    if !plain(path) {
        return Err("it is not a plain relative path inside the repo");
    }
    let parts: Vec<&str> = path.split('/').collect();
    let label = |name: &str| crate::grammar::names::is_dns_label(name, 63);
    // Generated names are lowercase words, digits, `.`, `-` and `_`.
    let file_name = |name: &str| {
        !name.starts_with('.')
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    };
    let ok = match parts.as_slice() {
        // Extra resources lie flat in `extra/`, named as their sources are.
        ["deploy", env, "extra", rest @ ..] => {
            label(env) && matches!(rest, [file] if file_name(file) && file.ends_with(".yaml"))
        }
        ["deploy", env, rest @ ..] => {
            label(env)
                && (1..=4).contains(&rest.len())
                && rest.iter().all(|part| file_name(part))
                && rest.last().is_some_and(|f| f.ends_with(".yaml"))
        }
        ["services", service, "Dockerfile" | ".dockerignore"] => label(service),
        // A service's `source`, which follows the same grammar.
        [dirs @ .., "Dockerfile" | ".dockerignore"] => {
            crate::grammar::names::is_source_dir(&dirs.join("/"))
        }
        ["argocd", file] => file.strip_suffix(".yaml").is_some_and(label),
        _ => {
            path == DRIFT
                || path == COMPOSE
                || CiSystem::ALL.iter().any(|system| ci_file(*system) == path)
        }
    };
    if ok {
        Ok(())
    } else {
        Err("it is not a file kiln generates")
    }
}

/// Whether `name` is exactly the name of a temporary file kiln creates:
/// `.kiln-<pid>-<n>`. The sweep after a killed build removes nothing else.
pub fn is_temporary(name: &str) -> bool {
    let Some(rest) = name.strip_prefix(TEMP_PREFIX) else {
        return false;
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit());
    rest.split_once('-')
        .is_some_and(|(pid, n)| digits(pid) && digits(n))
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
    fn only_generated_paths_pass_the_rule() {
        use super::generated;
        for good in [
            "deploy/dev/kustomization.yaml",
            "deploy/dev/services/api/deployment.yaml",
            "deploy/prod/mesh/gateway.yaml",
            "deploy/prod/extra/migrate.yaml",
            "services/api/Dockerfile",
            "services/api/.dockerignore",
            ".github/workflows/ci.yml",
            ".gitlab-ci.yml",
            "Jenkinsfile",
            "argocd/prod.yaml",
            ".kiln/drift.sh",
            "compose.yaml",
            "apps/billing/Dockerfile",
            "apps/billing/.dockerignore",
        ] {
            assert_eq!(generated(good), Ok(()), "{good}");
        }
        for bad in [
            "kiln.toml",
            "kiln.lock",
            "kiln.lock.pending",
            ".env.local",
            ".git/HEAD",
            ".kiln/templates/k8s/service.yaml.tera",
            ".kiln/cache/state",
            "services/api/src/main.go",
            "services/api/.kiln-dev.env",
            "/etc/passwd",
            "../outside/x.yaml",
            "deploy/../kiln.toml",
            "deploy/dev/../../x.yaml",
            "deploy/dev//x.yaml",
            "deploy/dev/./x.yaml",
            "deploy/Dev/x.yaml",
            "deploy/dev/x.txt",
            "deploy/dev/.hidden.yaml",
            "deploy/dev",
            "deploy/dev/a/b/c/d/e.yaml",
            "argocd/../x.yaml",
            "evil/sub/x",
            "deploy/dev/x\\y.yaml",
            "deploy/dev/extra/.hidden.yaml",
            "deploy/dev/extra/a/b/c/d.yaml",
            "deploy/dev/extra/a/b.yaml",
            "deploy/dev/x\ny.yaml",
            "Dockerfile",
            ".git/Dockerfile",
            "apps/.hidden/Dockerfile",
            "deploy/dev/Dockerfile",
            "apps/Billing/Dockerfile",
            "apps/billing/Dockerfile.bak",
            "",
        ] {
            assert!(generated(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn temporary_names_are_exact() {
        use super::is_temporary;
        assert!(is_temporary(".kiln-123-0"));
        for other in [
            ".kiln-dev.env",
            ".kiln-",
            ".kiln-1-",
            ".kiln-a-1",
            ".kiln-1-2-3",
            "x.kiln-1-2",
        ] {
            assert!(!is_temporary(other), "{other}");
        }
    }

    #[test]
    fn rejects_escapes() {
        assert!(check("deploy/dev/services/a/deployment.yaml").is_ok());
        for bad in [
            "../x",
            "/etc/passwd",
            "deploy/../../x",
            "",
            "a\\b",
            "./a",
            "kiln.toml",
        ] {
            assert!(check(bad).is_err(), "{bad}");
        }
    }
}
