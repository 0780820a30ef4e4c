//! The words of the delivery keys' problems.

use crate::diagnostics::{KeyPath, Problem};

/// The four ways `project.kiln` can say where CI gets kiln.
const KILN_SOURCES: &str = "set `kiln = { git = \"https://...\", rev = \"<commit sha>\" }`, \
     `kiln = { image = \"...@sha256:...\" }`, `kiln = { version = \"x.y.z\", index = \"sparse+https://...\" }` \
     or `kiln = { action = \"owner/kiln@<commit sha>\" }` in `[project]`";

/// What `kiln check` says when it writes pipelines but `project.kiln` is not set.
pub fn no_kiln_source_note() -> String {
    format!(
        "note: `project.kiln` is not set, so the CI drift job only checks, with `sha256sum`, that \
         `kiln.toml` and the generated files are what `kiln build` left (`.kiln/drift.sh`)\n  \
         = hint: to run `kiln check` and `kiln diff --exit-code` in CI as well, {KILN_SOURCES} \
         (docs/pipelines.md)"
    )
}

impl Problem {
    pub fn only_for_built(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies to services built from source"),
            Some("set `language` and `version` for a service you build, or remove it".to_string()),
        )
    }

    pub fn missing_repo_url() -> Self {
        Problem::at(
            &KeyPath::new(&["project", "gitops"]),
            "`project.gitops` is set, so `project.repo_url` is required".to_string(),
            Some(
                "add `repo_url = \"https://github.com/your-org/your-app.git\"` to `[project]`: \
                 Argo CD reads `deploy/<env>` from that repository"
                    .to_string(),
            ),
        )
    }

    pub fn bad_repo_url(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a git repository URL"),
            Some(
                "use `https://host/path.git`, `ssh://git@host/path.git` or `git@host:path.git`, without spaces"
                    .to_string(),
            ),
        )
    }

    pub fn bad_cluster(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a cluster API server URL"),
            Some("use `https://host[:port]`, as in `https://kubernetes.default.svc`".to_string()),
        )
    }

    pub fn bad_branch(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a usable branch name"),
            Some(
                "use letters, digits, `.`, `_`, `-` and `/`, starting with a letter or digit, without `..`"
                    .to_string(),
            ),
        )
    }

    pub fn needs_gitops(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies when `project.gitops` is set"),
            Some("add `gitops = \"argocd\"` to `[project]`, or remove it".to_string()),
        )
    }

    /// `project.kiln` names no source, or more than one.
    pub fn kiln_source_count(key: &KeyPath, set: &[&str]) -> Self {
        let message = if set.is_empty() {
            format!("`{key}` says nothing about where CI gets kiln")
        } else {
            let named: Vec<String> = set.iter().map(|s| format!("`{s}`")).collect();
            format!(
                "`{key}` sets {}: CI can get kiln from one source only",
                named.join(" and ")
            )
        };
        Problem::at(
            key,
            message,
            Some(format!("{KILN_SOURCES}, or remove `{key}`")),
        )
    }

    /// `project.kiln.git` without `rev`, or `version` without `index`.
    pub fn kiln_source_needs(key: &KeyPath, other: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs `{other}` beside it"),
            Some(KILN_SOURCES.to_string()),
        )
    }

    /// `project.kiln.rev` without `git`, or `index` without `version`.
    pub fn kiln_source_only_with(key: &KeyPath, other: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies with `{other}`"),
            Some(KILN_SOURCES.to_string()),
        )
    }

    /// A value of `project.kiln` that is not what its key takes.
    pub fn bad_kiln_source(key: &KeyPath, value: &str, what: &str) -> Self {
        let hint = match what {
            "git" => "use the `https://` URL of a git repository, without a user or password in it",
            "rev" => {
                "pin a commit: its full 40-character SHA in lowercase, as `git rev-parse HEAD` prints it; a branch or tag can move"
            }
            "image" => {
                "pin the image by digest, such as `ghcr.io/acme/kiln:0.1.0@sha256:` and the 64 hex digits `docker buildx imagetools inspect` prints"
            }
            "version" => {
                "name one exact release such as `0.1.0` (or `0.2.0-rc.1`), without `^`, `~`, `=` or `*`"
            }
            "action" => {
                "pin kiln's GitHub Action by commit: `owner/repo@` and the full 40-character SHA in lowercase; a tag or branch can move"
            }
            _ => {
                "use the index URL of the Cargo registry, `sparse+https://...` or `https://...`, without a user or password in it"
            }
        };
        Problem::at(
            key,
            format!(
                "`{value}` in `{key}` is not a pinned {}",
                match what {
                    "git" => "git repository URL",
                    "rev" => "commit",
                    "image" => "image",
                    "version" => "version",
                    "action" => "GitHub Action",
                    _ => "registry index URL",
                }
            ),
            Some(hint.to_string()),
        )
    }

    pub fn kiln_source_without_ci(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies when `project.ci` names a CI system"),
            Some(
                "add `ci = [\"github\"]` (or `gitlab`, `jenkins`) to `[project]`, or remove it"
                    .to_string(),
            ),
        )
    }
}

/// The problems of `source` (issue 15, branch shape).
impl Problem {
    pub fn bad_source(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a directory kiln can build from"),
            Some(
                "write a clean path relative to the repo root, such as `apps/billing`: \
                 lowercase letters, digits, `.`, `-` and `_`, no part starting with `.` \
                 (no `..`), not under `deploy/` or `argocd/`, at most 8 parts"
                    .to_string(),
            ),
        )
    }

    pub fn shared_source(key: &KeyPath, dir: &str, other: &str) -> Self {
        Problem::at(
            key,
            format!("service `{other}` is already built from `{dir}`, named again by `{key}`"),
            Some(
                "each built service has a directory of its own: its Dockerfile is written there"
                    .to_string(),
            ),
        )
    }
}
