//! `kiln diff`: what a build would change, against the disk, a revision
//! or another directory.

use super::repo::{Listings, io, override_texts, read_source, texts};
use crate::diagnostics::{Error, Source};
use crate::diff::git::{config_at, renderer_at};
use crate::diff::report::{self, Format, Mode};
use crate::diff::{self, Filter};
use crate::output::cache;
use crate::output::lock::Lock;
use crate::output::paths;
use crate::pipeline::{Verify, generate, generate_with, generate_with_lock};
use crate::render::Rendered;
use crate::{Color, DiffAgainst};
use std::io::Write;
use std::path::Path;

pub fn diff(
    dir: &Path,
    against: &DiffAgainst,
    format: Format,
    filter: &Filter,
    color: Color,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> Result<i32, Error> {
    let source = read_source(dir)?;
    // `--service` takes in the Dockerfile of a service with its own `source`.
    // A kiln.toml that does not parse is reported by the render below.
    let with_sources = filter
        .service
        .as_ref()
        .and_then(|_| crate::config::load::parse(&source.text).ok())
        .map(|config| {
            filter.with_sources(config.services.iter().filter_map(|(name, service)| {
                let own = service.source.as_deref()?;
                Some((paths::source_dir(name, Some(own)), name.clone()))
            }))
        });
    let filter = with_sources.as_ref().unwrap_or(filter);
    if matches!(against, DiffAgainst::Disk)
        && let Some(files) = cache::inputs(&source, override_texts(dir).as_deref().map(texts))
            .and_then(|i| cache::settled(dir, &i))
    {
        // The last build left the repo in step with these inputs, untouched since.
        check_filter(filter, files.iter().map(|(path, _)| path.as_str()))?;
        return finish_diff(&[], Mode::Drift, format, color, dir, out);
    }
    let (diffs, mode) = match against {
        DiffAgainst::Disk => {
            let (generated, lock, _) = generate_with_lock(dir, &source)?;
            crate::customize::ejected(&generated.sources, &lock)?;
            let rendered = generated.rendered.keys();
            check_filter(
                filter,
                rendered.chain(lock.files.keys()).map(String::as_str),
            )?;
            listing(dir, &generated.rendered, &lock, filter, warn)?;
            (
                diff::against_disk(dir, &generated.rendered, &lock, filter)?,
                Mode::Drift,
            )
        }
        DiffAgainst::Revision(revision) => {
            let rendered = generate(dir, &source, Verify::Render)?.rendered;
            listing(dir, &rendered, &Lock::read_for_ejected(dir)?, filter, warn)?;
            let base = Source {
                name: format!("kiln.toml at {revision}"),
                text: config_at(dir, revision)?,
            };
            // Each side with its own template overrides.
            let old = generate_with(&renderer_at(dir, revision)?, &base, Verify::Render)?.rendered;
            check_filter(
                filter,
                old.keys().chain(rendered.keys()).map(String::as_str),
            )?;
            (diff::between(&old, &rendered, filter), Mode::Base)
        }
        DiffAgainst::Directory(other) => {
            // A missing directory would read as empty: every file "created".
            match std::fs::metadata(other) {
                Ok(metadata) if metadata.is_dir() => {}
                Ok(_) => {
                    return Err(Error::AgainstNotDirectory {
                        path: other.clone(),
                        why: "it is not a directory".to_string(),
                    });
                }
                Err(cause) => {
                    return Err(Error::AgainstNotDirectory {
                        path: other.clone(),
                        why: if cause.kind() == std::io::ErrorKind::NotFound {
                            "it does not exist".to_string()
                        } else {
                            cause.to_string()
                        },
                    });
                }
            }
            let rendered = generate(dir, &source, Verify::Render)?.rendered;
            listing(dir, &rendered, &Lock::read_for_ejected(dir)?, filter, warn)?;
            let tree = diff::read_tree(other)?;
            check_filter(
                filter,
                tree.keys().chain(rendered.keys()).map(String::as_str),
            )?;
            (diff::between(&tree, &rendered, filter), Mode::Against)
        }
    };
    let diffs = if filter.semantic {
        crate::diff::semantic::significant(diffs)
    } else {
        diffs
    };
    finish_diff(&diffs, mode, format, color, dir, out)
}

/// The listing problems of the work tree that `filter` admits, in every
/// mode of `diff`: the work tree is what a merge carries. Warnings are
/// printed; errors stop the diff (exit 2), so CI can gate on them.
fn listing(
    dir: &Path,
    rendered: &Rendered,
    lock: &Lock,
    filter: &Filter,
    warn: &mut dyn Write,
) -> Result<(), Error> {
    let mut listings = Listings::of(dir, rendered, lock)?;
    listings.errors.retain(|p| filter.admits(&p.path));
    listings.warnings.retain(|p| filter.admits(&p.path));
    listings.warn(warn);
    listings.failure(dir, false).map_or(Ok(()), Err)
}

/// A `--env` or `--service` that names nothing on either side of a diff
/// would report "no differences" for ever: a CI gate that always passes.
fn check_filter<'a>(filter: &Filter, paths: impl Iterator<Item = &'a str>) -> Result<(), Error> {
    let mut environments = std::collections::BTreeSet::new();
    let mut services = std::collections::BTreeSet::new();
    for path in paths {
        environments.extend(paths::environment_of(path));
        services.extend(paths::service_of(path));
    }
    let unknown = |what, name: &str, known: &std::collections::BTreeSet<&str>| {
        (!known.contains(name)).then(|| crate::diagnostics::UnknownName {
            what,
            name: name.to_string(),
            suggestion: crate::diagnostics::suggest(name, known.iter().copied())
                .map(str::to_string),
            known: known.iter().map(|k| k.to_string()).collect(),
        })
    };
    let names: Vec<_> = filter
        .environments
        .iter()
        .filter_map(|name| unknown("environment", name, &environments))
        .chain(
            filter
                .service
                .iter()
                .filter_map(|name| unknown("service", name, &services)),
        )
        .collect();
    if names.is_empty() {
        Ok(())
    } else {
        Err(Error::UnknownFilter { names })
    }
}

/// Prints the report; the exit code says whether anything differs.
fn finish_diff(
    diffs: &[diff::FileDiff],
    mode: Mode,
    format: Format,
    color: Color,
    dir: &Path,
    out: &mut dyn Write,
) -> Result<i32, Error> {
    let color = color.on(&std::io::stdout());
    out.write_all(report::render(diffs, mode, format, color).as_bytes())
        .map_err(io(dir))?;
    Ok(if diffs.is_empty() { 0 } else { 1 })
}
