//! `kiln prereqs [ENV]`: what a cluster must already have.

use super::repo::{io, read_source};
use crate::diagnostics::Error;
use crate::kinds;
use crate::pipeline::configure;
use crate::render::Renderer;
use std::io::Write;
use std::path::Path;

/// `kiln prereqs [ENV]`: rendered as `kiln build` would, template overrides
/// included, and nothing written.
pub fn prereqs(
    dir: &Path,
    environment: Option<&str>,
    format: crate::PrereqsFormat,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let source = read_source(dir)?;
    let config = configure(dir, &source)?;
    if let Some(name) = environment
        && !config.environments.contains_key(name)
    {
        return Err(Error::not_found(
            "environment",
            name,
            config.environments.keys(),
        ));
    }
    let model = kinds::resolve(&config).map_err(|problems| source.invalid(&problems))?;
    let rendered = Renderer::for_repo(dir)?.render(&model)?;
    let report = crate::verify::prereqs::report(&model, &rendered, environment);
    let text = match format {
        crate::PrereqsFormat::Text => crate::verify::prereqs::text(&report),
        crate::PrereqsFormat::Json => crate::verify::prereqs::json(&report),
    };
    out.write_all(text.as_bytes()).map_err(io(dir))
}
