//! The rules of the delivery keys: the repository and branch pipelines and
//! Argo CD follow, where CI gets kiln (pinned, never moving), the images a
//! Dockerfile builds on, and the clusters Argo CD deploys to.

use crate::config::{Config, KilnSource};
use crate::diagnostics::{KeyPath, Problem};
use crate::grammar::reference::is_registry;
use crate::kinds::rules::image_problem;
use crate::output::paths;
use std::collections::BTreeMap;

pub fn validate(config: &Config, problems: &mut Vec<Problem>) {
    let key = KeyPath::new(&["project"]);
    let project = &config.project;
    if let Some(url) = &project.repo_url
        && !is_repo_url(url)
    {
        problems.push(Problem::bad_repo_url(&key.key("repo_url"), url));
    }
    if project.gitops.is_some() && project.repo_url.is_none() {
        problems.push(Problem::missing_repo_url());
    }
    if let Some(branch) = &project.branch
        && !is_branch(branch)
    {
        problems.push(Problem::bad_branch(&key.key("branch"), branch));
    }
    if let Some(source) = &project.kiln {
        check_kiln_source(&key.key("kiln"), source, !project.ci.is_empty(), problems);
    }
    for (name, environment) in &config.environments {
        let key = KeyPath::new(&["environments", name]);
        if config.project.gitops.is_none() {
            if environment.auto_sync.is_some() {
                problems.push(Problem::needs_gitops(&key.key("auto_sync")));
            }
            if environment.cluster.is_some() {
                problems.push(Problem::needs_gitops(&key.key("cluster")));
            }
        }
        if let Some(cluster) = &environment.cluster
            && !is_cluster_url(cluster)
        {
            problems.push(Problem::bad_cluster(&key.key("cluster"), cluster));
        }
    }
    for (name, service) in &config.services {
        let key = KeyPath::new(&["services", name]);
        for (field, value) in [
            ("build_image", &service.build_image),
            ("runtime_image", &service.runtime_image),
        ] {
            let Some(image) = value else { continue };
            if service.language.is_none() {
                problems.push(Problem::only_for_built(&key.key(field)));
            } else if let Some(problem) = image_problem(&key.key(field), image) {
                problems.push(problem);
            } else if !is_plain(image) {
                problems.push(Problem::bad_image(&key.key(field), image));
            }
        }
    }
    check_sources(config, problems);
}

/// `source`: a clean directory of the repo, for a built service only, and
/// no two services built from (and writing their Dockerfile to) one place.
fn check_sources(config: &Config, problems: &mut Vec<Problem>) {
    let mut taken: BTreeMap<String, &str> = BTreeMap::new();
    for (name, service) in &config.services {
        let key = KeyPath::new(&["services", name]);
        if let Some(source) = &service.source {
            if service.language.is_none() {
                problems.push(Problem::only_for_built(&key.key("source")));
                continue;
            }
            if !crate::grammar::names::is_source_dir(source) {
                problems.push(Problem::bad_source(&key.key("source"), source));
                continue;
            }
        }
        if service.language.is_none() {
            continue;
        }
        let dir = paths::source_dir(name, service.source.as_deref());
        if let Some(other) = taken.get(&dir) {
            let at = if service.source.is_some() {
                key.key("source")
            } else {
                key.clone()
            };
            problems.push(Problem::shared_source(&at, &dir, other));
        } else {
            taken.insert(dir, name);
        }
    }
}

/// `project.kiln`: exactly one source, each with its partner key, every
/// value pinned (a commit, a digest, an exact version), nothing that moves.
fn check_kiln_source(
    key: &KeyPath,
    source: &KilnSource,
    has_ci: bool,
    problems: &mut Vec<Problem>,
) {
    if !has_ci {
        problems.push(Problem::kiln_source_without_ci(key));
    }
    let set: Vec<&str> = [
        ("git", source.git.is_some()),
        ("image", source.image.is_some()),
        ("version", source.version.is_some()),
        ("action", source.action.is_some()),
    ]
    .into_iter()
    .filter_map(|(name, set)| set.then_some(name))
    .collect();
    if set.len() != 1 {
        problems.push(Problem::kiln_source_count(key, &set));
    }
    for (main, partner, main_set, partner_set) in [
        ("git", "rev", source.git.is_some(), source.rev.is_some()),
        (
            "version",
            "index",
            source.version.is_some(),
            source.index.is_some(),
        ),
    ] {
        match (main_set, partner_set) {
            (true, false) => problems.push(Problem::kiln_source_needs(&key.key(main), partner)),
            (false, true) => problems.push(Problem::kiln_source_only_with(&key.key(partner), main)),
            _ => {}
        }
    }
    let checks: [KilnRule<'_>; 6] = [
        ("git", &source.git, is_https_url),
        ("rev", &source.rev, is_commit),
        ("image", &source.image, is_pinned_image),
        ("version", &source.version, is_exact_version),
        ("index", &source.index, is_cargo_index),
        ("action", &source.action, is_action_ref),
    ];
    for (field, value, valid) in checks {
        if let Some(value) = value
            && !valid(value)
        {
            problems.push(Problem::bad_kiln_source(&key.key(field), value, field));
        }
    }
}

/// A key of `project.kiln`, its value, and what a valid one is.
type KilnRule<'a> = (&'a str, &'a Option<String>, fn(&str) -> bool);

/// A Cargo registry index: `sparse+https://...` or a git index at `https://...`.
fn is_cargo_index(url: &str) -> bool {
    is_https_url(url.strip_prefix("sparse+").unwrap_or(url))
}

/// `https://host[/path]`, with no user or password in it.
fn is_https_url(url: &str) -> bool {
    let Some(rest) = url.strip_prefix("https://") else {
        return false;
    };
    let authority = rest.split('/').next().unwrap_or_default();
    is_plain(url)
        && !authority.is_empty()
        && !authority.starts_with(':')
        && !authority.contains('@')
}

/// `owner/repo@<full commit SHA>`, as a workflow's `uses:` pins an action
/// of GitHub: owner and repository named as GitHub allows.
fn is_action_ref(action: &str) -> bool {
    let Some((path, rev)) = action.split_once('@') else {
        return false;
    };
    let Some((owner, repo)) = path.split_once('/') else {
        return false;
    };
    let owner_ok = (1..=39).contains(&owner.len())
        && !owner.starts_with('-')
        && owner
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let repo_ok = (1..=100).contains(&repo.len())
        && repo != "."
        && repo != ".."
        && repo
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    owner_ok && repo_ok && is_commit(rev)
}

/// A full commit SHA, as git prints it.
fn is_commit(rev: &str) -> bool {
    rev.len() == 40
        && rev
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `repository[:tag]@sha256:<64 hex digits>`.
fn is_pinned_image(image: &str) -> bool {
    let Some((name, digest)) = image.split_once("@sha256:") else {
        return false;
    };
    let digest_ok = digest.len() == 64
        && digest
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
    let (repository, tag) = match name.rsplit_once(':') {
        // A colon after the last `/` starts a tag; one before it is a registry port.
        Some((repository, tag)) if !tag.contains('/') => (repository, Some(tag)),
        _ => (name, None),
    };
    let tag_ok = tag.is_none_or(|tag| {
        !tag.is_empty()
            && tag.len() <= 128
            && !tag.starts_with(['.', '-'])
            && tag
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    });
    digest_ok && tag_ok && is_registry(repository)
}

/// One exact release: `MAJOR.MINOR.PATCH`, optionally `-pre.release`.
fn is_exact_version(version: &str) -> bool {
    let (core, pre) = match version.split_once('-') {
        Some((core, pre)) => (core, Some(pre)),
        None => (version, None),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    let number_ok = |n: &&str| {
        !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
            && (n.len() == 1 || !n.starts_with('0'))
    };
    let pre_ok = pre.is_none_or(|pre| {
        pre.split('.').all(|part| {
            !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        })
    });
    version.len() <= 64 && numbers.len() == 3 && numbers.iter().all(number_ok) && pre_ok
}

/// Characters that may not appear in a URL or branch kiln writes into a
/// pipeline or an Application: they would end a value or start a new one.
fn is_plain(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 512
        && !text.chars().any(|c| {
            c.is_whitespace()
                || c.is_control()
                || matches!(
                    c,
                    '"' | '\'' | '`' | '$' | '\\' | '{' | '}' | '<' | '>' | '|' | ';'
                )
        })
}

/// `https://host/path`, `ssh://user@host/path` or scp-like `user@host:path`.
fn is_repo_url(url: &str) -> bool {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("ssh://"))
        .or_else(|| {
            url.split_once('@')
                .and_then(|(_, r)| r.contains(':').then_some(r))
        });
    is_plain(url) && rest.is_some_and(|rest| rest.len() > 2 && !rest.starts_with(['/', ':']))
}

/// `https://host[:port][/path]`.
fn is_cluster_url(url: &str) -> bool {
    is_plain(url)
        && url
            .strip_prefix("https://")
            .is_some_and(|rest| !rest.is_empty() && !rest.starts_with(['/', ':']))
}

/// A branch name git accepts, in the subset that needs no quoting anywhere.
fn is_branch(branch: &str) -> bool {
    branch.len() <= 255
        && branch.starts_with(|c: char| c.is_ascii_alphanumeric())
        && !branch.ends_with(['/', '.'])
        && !branch.contains("..")
        && !branch.contains("//")
        && !branch.ends_with(".lock")
        && branch
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-' | b'/'))
}
