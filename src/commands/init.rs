//! `kiln init`: a new repo from a starter app.

use super::build::summary;
use super::repo::{config_path, io};
use super::schema::schema_text;
use crate::config::presets;
use crate::diagnostics::{Error, Source};
use crate::grammar::names;
use crate::output::lock::Lock;
use crate::output::paths;
use crate::output::plan::{self};
use crate::output::write;
use crate::pipeline::{Generated, Verify, generate};
use std::io::Write;
use std::path::Path;

/// Every starter app names its project `demo`; `kiln init` renames it.
const STARTER_NAME_LINE: &str = "name = \"demo\"";

pub fn init(
    dir: &Path,
    name: Option<&str>,
    preset: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let (config, _) = config_path(dir);
    if std::fs::symlink_metadata(&config).is_ok() {
        return Err(Error::ConfigExists { path: config });
    }
    let name = match name {
        Some(name) => name.to_string(),
        None => default_name(dir)?,
    };
    if !names::is_dns_label(&name, crate::config::limits::MAX_PROJECT) {
        return Err(Error::BadName {
            name,
            max: crate::config::limits::MAX_PROJECT,
        });
    }
    let wanted = preset.unwrap_or(presets::DEFAULT_APP);
    let Some(app) = presets::app(wanted) else {
        return Err(Error::UnknownPreset {
            name: wanted.to_string(),
            known: presets::apps().iter().map(|p| p.name.to_string()).collect(),
        });
    };
    // Taplo and Even Better TOML read this first line and check the file
    // against the schema beside it.
    let text = format!(
        "#:schema ./{}\n{}",
        paths::SCHEMA,
        app.text
            .replacen(STARTER_NAME_LINE, &format!("name = \"{name}\""), 1)
    );
    let (_, shown) = config_path(dir);
    let source = Source { name: shown, text };
    // Render before writing anything, so a failure leaves no half-made repo.
    let Generated {
        rendered, sources, ..
    } = generate(dir, &source, Verify::Render)?;
    let _repo = write::lock_repo(dir)?;
    let (lock, recovering) = Lock::read_with_journal(dir)?;
    let plan = plan::plan(dir, &rendered, &sources, &lock, false)?;
    if let Some(conflicts) = plan.conflicts() {
        return Err(conflicts);
    }
    write::write(dir, paths::SCHEMA, schema_text().as_bytes())?;
    write::write(dir, paths::CONFIG, source.text.as_bytes())?;
    write::apply(dir, &plan, &rendered, &lock, recovering)?;
    writeln!(out, "created {}", source.name).map_err(io(dir))?;
    writeln!(out, "kiln: {}", summary(&plan.files)).map_err(io(dir))?;
    writeln!(out, "next: edit {}, then run `kiln build`", source.name).map_err(io(dir))
}

/// The project name `kiln init` picks when none is given: the directory's name.
fn default_name(dir: &Path) -> Result<String, Error> {
    let absolute = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::current_dir().map_err(io(dir))?.join(dir)
    };
    let name = absolute
        .components()
        .rev()
        .find_map(|c| match c {
            std::path::Component::Normal(name) => Some(name.to_string_lossy().to_string()),
            _ => None,
        })
        .unwrap_or_default();
    Ok(name)
}
