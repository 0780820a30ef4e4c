//! `kiln build`: render, plan against the disk and the lock, write.

use super::repo::{Listings, io, override_texts, read_source, texts};
use crate::diagnostics::Error;
use crate::output::plan::{self, Action};
use crate::output::{cache, files, paths, write};
use crate::pipeline::{Generated, generate_with_lock};
use std::io::Write;
use std::path::Path;

pub fn build(
    dir: &Path,
    dry_run: bool,
    force: bool,
    verbose: bool,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> Result<(), Error> {
    let source = read_source(dir)?;
    // A dry run writes nothing, so it needs no lock.
    let repo_lock = if dry_run {
        None
    } else {
        Some(write::lock_repo(dir)?)
    };
    let inputs = cache::inputs(&source, override_texts(dir).as_deref().map(texts));
    // A settled build renders nothing, so it could not write a missing `.env.local`.
    let env_local_missing = matches!(files::exists(dir, paths::COMPOSE), Ok(true))
        && matches!(files::exists(dir, paths::ENV_LOCAL), Ok(false));
    if let Some(files) = inputs
        .as_deref()
        .filter(|_| !env_local_missing)
        .and_then(|i| cache::settled(dir, i))
    {
        if let Some(repo) = &repo_lock {
            write::sweep_leftovers(dir, repo);
        }
        report_plan(dir, &files, dry_run, verbose, out)?;
        if matches!(files::exists(dir, paths::COMPOSE), Ok(true)) {
            warn_unignored(dir, warn)?;
        }
        return Ok(());
    }
    let (
        Generated {
            rendered,
            sources,
            env_local,
            ..
        },
        lock,
        recovering,
    ) = generate_with_lock(dir, &source)?;
    crate::customize::ejected(&sources, &lock)?;
    let plan = plan::plan(dir, &rendered, &sources, &lock, force)?;
    // After the plan, which stamped the ejected files for the cache first.
    let mut listings = Listings::of(dir, &rendered, &lock)?;
    if let Some(conflicts) = plan.conflicts() {
        if dry_run {
            list_plan(dir, listed(&plan.files, true, verbose), out)?;
        }
        return Err(conflicts);
    }
    if let Some(failure) = listings.failure(dir, !dry_run) {
        if dry_run {
            list_plan(dir, listed(&plan.files, true, verbose), out)?;
        }
        listings.warn(warn);
        return Err(failure);
    }
    if dry_run {
        report_plan(dir, &plan.files, true, verbose, out)?;
        listings.warn(warn);
        return Ok(());
    }
    cache::forget(dir);
    let written = write::apply(dir, &plan, &rendered, &lock, recovering)?;
    // A warning is repeated by every build until it is dealt with: the
    // cache would skip the render that finds it.
    if let Some(inputs) = &inputs
        && listings.warnings.is_empty()
    {
        cache::record(dir, inputs, &plan, &written);
    }
    report_plan(dir, &plan.files, false, verbose, out)?;
    listings.warn(warn);
    if let Some(skeleton) = env_local {
        seed_env_local(dir, &skeleton, out, warn)?;
    }
    Ok(())
}

/// Writes the `.env.local` skeleton when there is none (never over one).
fn seed_env_local(
    dir: &Path,
    skeleton: &str,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> Result<(), Error> {
    let full = dir.join(paths::ENV_LOCAL);
    let created = files::create_once(dir, paths::ENV_LOCAL, skeleton.as_bytes())
        .map_err(|failure| failure.at(paths::ENV_LOCAL, &full))?;
    if created {
        writeln!(
            out,
            "{:<9}  {} (names only: fill in the values)",
            "created",
            paths::ENV_LOCAL
        )
        .map_err(io(dir))?;
    }
    warn_unignored(dir, warn)
}

/// Warns, on every build, while `.gitignore` does not keep `.env.local`
/// out of git: kiln does not edit the user's `.gitignore`.
fn warn_unignored(dir: &Path, warn: &mut dyn Write) -> Result<(), Error> {
    let ignored = match files::read(dir, ".gitignore", MAX_GITIGNORE_BYTES) {
        Ok(Some(contents)) => String::from_utf8_lossy(&contents.bytes)
            .lines()
            .map(str::trim)
            .any(|line| {
                matches!(
                    line,
                    ".env.local" | "/.env.local" | ".env*" | "/.env*" | "*.local"
                )
            }),
        _ => false,
    };
    if !ignored {
        writeln!(
            warn,
            "warning: `{}` is not in .gitignore; add the line `/{}` so that its secrets never reach git",
            paths::ENV_LOCAL,
            paths::ENV_LOCAL
        )
        .map_err(io(dir))?;
    }
    Ok(())
}

/// The most of `.gitignore` kiln reads to see whether it lists `.env.local`.
const MAX_GITIGNORE_BYTES: u64 = 1 << 20;

/// Prints what a build did, or with `dry_run` what it would do, file by file.
fn report_plan(
    dir: &Path,
    files: &[(String, Action)],
    dry_run: bool,
    verbose: bool,
    out: &mut dyn Write,
) -> Result<(), Error> {
    list_plan(dir, listed(files, dry_run, verbose), out)?;
    if dry_run {
        writeln!(out, "dry run: {}; nothing written", summary(files)).map_err(io(dir))
    } else {
        writeln!(out, "kiln: {}", summary(files)).map_err(io(dir))
    }
}

/// The files a build lists: what changes; in a dry run also the files
/// that will not follow `kiln.toml` (ejected, edited by hand, not kiln's);
/// with `verbose`, every file. The summary line counts them all.
fn listed(
    files: &[(String, Action)],
    dry_run: bool,
    verbose: bool,
) -> impl Iterator<Item = &(String, Action)> {
    files.iter().filter(move |(_, action)| match action {
        Action::Create | Action::Update | Action::Delete => true,
        Action::Ejected | Action::Edited | Action::Foreign => dry_run || verbose,
        Action::Unchanged => verbose,
    })
}

fn list_plan<'a>(
    dir: &Path,
    files: impl IntoIterator<Item = &'a (String, Action)>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    for (path, action) in files {
        writeln!(out, "{:<9}  {path}", action.label()).map_err(io(dir))?;
    }
    Ok(())
}

pub(super) fn summary(files: &[(String, Action)]) -> String {
    let mut parts = Vec::new();
    for action in [
        Action::Create,
        Action::Update,
        Action::Delete,
        Action::Unchanged,
        Action::Ejected,
    ] {
        let n = files.iter().filter(|(_, a)| *a == action).count();
        if n > 0 || action == Action::Unchanged {
            let label = match action {
                Action::Create => "created",
                Action::Update => "updated",
                Action::Delete => "deleted",
                Action::Ejected => "ejected (left alone)",
                _ => "unchanged",
            };
            parts.push(format!("{n} {label}"));
        }
    }
    parts.join(", ")
}
