//! The repo a command works on: where its `kiln.toml` is and how to name
//! it, and what its ejected files do to the listings.

use crate::diagnostics::{Error, Source};
use crate::output::Rendered;
use crate::output::lock::Lock;
use crate::output::paths;
use std::io::Write;
use std::path::{Path, PathBuf};

/// The config file of the repo at `dir`, and how to name it in messages.
pub fn config_path(dir: &Path) -> (PathBuf, String) {
    let path = dir.join(paths::CONFIG);
    let shown = if dir == Path::new(".") {
        paths::CONFIG.to_string()
    } else {
        path.display().to_string()
    };
    (path, shown)
}

/// How the user names the repo at `dir` in paths: `""`, or `DIR/`.
pub fn shown_root(dir: &Path) -> String {
    if dir == Path::new(".") {
        String::new()
    } else {
        format!("{}/", dir.display())
    }
}

/// What `listing::audit` found, split into errors and warnings.
pub struct Listings {
    pub errors: Vec<crate::diagnostics::ListingProblem>,
    pub warnings: Vec<crate::diagnostics::ListingProblem>,
}

impl Listings {
    pub fn of(dir: &Path, rendered: &Rendered, lock: &Lock) -> Result<Listings, Error> {
        let (errors, warnings) = crate::output::listing::audit(dir, rendered, lock)?
            .into_iter()
            .partition(|problem| problem.fault.is_error());
        Ok(Listings { errors, warnings })
    }

    /// Prints the warnings on `warn` (stderr, or nothing with `-q`).
    pub fn warn(&self, warn: &mut dyn Write) {
        // A warning that cannot be printed must not fail the command.
        let _ = warn.write_all(crate::diagnostics::listing_report(&self.warnings).as_bytes());
    }

    /// The errors, as the error that stops the command.
    pub fn failure(&mut self, dir: &Path, build: bool) -> Option<Error> {
        (!self.errors.is_empty()).then(|| Error::Listing {
            problems: std::mem::take(&mut self.errors),
            root: shown_root(dir),
            build,
        })
    }
}

pub(crate) fn read_source(dir: &Path) -> Result<Source, Error> {
    let (_, shown) = config_path(dir);
    crate::pipeline::read(dir, shown)
}

pub fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    }
}

/// The repo's template overrides, patches and extra resources, for the
/// cache's fingerprint: each as (name, text).
pub fn override_texts(dir: &Path) -> Option<Vec<(String, String)>> {
    let overrides = crate::render::overrides(dir).ok()?;
    let custom = crate::customize::scan(dir).ok()?;
    Some(
        overrides
            .into_iter()
            .map(|(name, own)| (name, own.text))
            .chain(custom.into_iter().map(|input| (input.shown, input.text)))
            .collect(),
    )
}

/// Each input as (name, text).
pub fn texts(inputs: &[(String, String)]) -> impl Iterator<Item = (&str, &str)> {
    inputs
        .iter()
        .map(|(name, text)| (name.as_str(), text.as_str()))
}
