//! `kiln check`: the repo renders, every rendered object agrees with the
//! others, and ejected files still fit; as text, JSON or GitHub annotations.

use super::repo::{Listings, config_path, io, read_source, shown_root};
use crate::diagnostics::{Error, Source};
use crate::output::lock::Lock;
use crate::pipeline::{Generated, Verify, generate};
use std::io::Write;
use std::path::Path;

pub fn check(dir: &Path, out: &mut dyn Write, warn: &mut dyn Write) -> Result<(), Error> {
    let source = read_source(dir)?;
    let (
        Generated {
            rendered, stats, ..
        },
        lock,
    ) = checked_with_lock(dir, &source)?;
    let mut listings = Listings::of(dir, &rendered, &lock)?;
    listings.warn(warn);
    if let Some(failure) = listings.failure(dir, false) {
        return Err(failure);
    }
    writeln!(
        out,
        "{} is valid: {} environments, {} services, {} files",
        source.name,
        stats.environments,
        stats.services,
        rendered.len()
    )
    .map_err(io(dir))?;
    if stats.drift_without_kiln {
        writeln!(out, "{}", crate::kinds::delivery::no_kiln_source_note()).map_err(io(dir))?;
    }
    Ok(())
}

/// `generate` with cross-checks, and meanwhile the lock as the listing
/// check needs it: a mistake in kiln.toml is reported first.
fn checked_with_lock(dir: &Path, source: &Source) -> Result<(Generated, Lock), Error> {
    let (generated, lock) = crate::parallel::both(
        || generate(dir, source, Verify::CrossCheck),
        || Lock::read_for_ejected(dir),
    );
    Ok((generated?, lock?))
}

/// `verbose` lists unchanged files too.
/// `kiln check --format json|github`: the outcome in that format on stdout.
/// A problem is still an error, so the text report goes to stderr as ever
/// and the exit code is 2.
pub fn check_as(
    dir: &Path,
    format: crate::CheckFormat,
    quiet: bool,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> Result<i32, Error> {
    let (_, shown) = config_path(dir);
    let checked = read_source(dir).and_then(|source| {
        let (generated, lock) = checked_with_lock(dir, &source)?;
        let listings = Listings::of(dir, &generated.rendered, &lock)?;
        Ok((source, generated, listings))
    });
    // Problems with ejected files make the repo fail the check as any other.
    let (checked, warnings) = match checked {
        Ok((source, generated, mut listings)) => {
            listings.warn(warn);
            let warnings = listings.warnings.clone();
            match listings.failure(dir, false) {
                Some(failure) => (Err(failure), warnings),
                None => (Ok((source, generated)), warnings),
            }
        }
        Err(err) => (Err(err), Vec::new()),
    };
    let root = shown_root(dir);
    let warnings: Vec<_> = warnings.iter().map(|w| w.located(&root)).collect();
    let problems = checked
        .as_ref()
        .err()
        .map(Error::located)
        .unwrap_or_default();
    let text = match (&checked, format) {
        (_, crate::CheckFormat::Json) => {
            crate::diagnostics::machine::json(&crate::diagnostics::machine::Outcome {
                file: &shown,
                counts: checked.as_ref().ok().map(|(_, generated)| {
                    (
                        generated.stats.environments,
                        generated.stats.services,
                        generated.rendered.len(),
                    )
                }),
                problems: &problems,
                warnings: &warnings,
            })
        }
        (Err(_), _) => crate::diagnostics::machine::github(&problems, &warnings),
        (Ok(_), _) if quiet => crate::diagnostics::machine::github(&[], &warnings),
        (Ok((source, generated)), _) => format!(
            "{}{} is valid: {} environments, {} services, {} files\n",
            crate::diagnostics::machine::github(&[], &warnings),
            source.name,
            generated.stats.environments,
            generated.stats.services,
            generated.rendered.len()
        ),
    };
    out.write_all(text.as_bytes()).map_err(io(dir))?;
    checked.map(|_| 0)
}
