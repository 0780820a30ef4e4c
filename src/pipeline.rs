//! The pipeline, one step after another: read `kiln.toml`, parse it
//! (`config`), apply presets, validate and resolve it (`kinds`), render it
//! (`render`) and check what was rendered (`verify`).

use crate::config::limits::MAX_CONFIG_BYTES;
use crate::config::{load, presets};
use crate::diagnostics::{Error, Problem, Source};
use crate::kinds;
use crate::output::lock::Lock;
use crate::output::{Rendered, Sources, files, paths};
use crate::render::Renderer;
use std::path::Path;

/// Reads `kiln.toml` in `root`, which the user knows as `name`: a regular
/// file (not a symlink, a FIFO or a device) of at most `MAX_CONFIG_BYTES`.
pub fn read(root: &Path, name: String) -> Result<Source, Error> {
    let path = root.join(paths::CONFIG);
    if let Ok(metadata) = std::fs::symlink_metadata(&path)
        && metadata.is_file()
        && metadata.len() > MAX_CONFIG_BYTES
    {
        return Err(Error::ConfigTooLarge {
            path,
            bytes: metadata.len(),
            max: MAX_CONFIG_BYTES,
        });
    }
    let bytes = match files::read(root, paths::CONFIG, MAX_CONFIG_BYTES) {
        Ok(Some(contents)) => contents.bytes,
        // Named by where the search for it started (`root::find`).
        Ok(None) => {
            return Err(Error::ConfigMissing {
                path: std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()),
            });
        }
        Err(failure) => return Err(failure.at(name, &path)),
    };
    text(name, bytes)
}

/// `kiln.toml`'s bytes as text, or the place where they stop being UTF-8.
pub fn text(name: String, bytes: Vec<u8>) -> Result<Source, Error> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source { name, text }),
        Err(err) => {
            let offset = err.utf8_error().valid_up_to();
            let source = Source {
                name,
                text: String::from_utf8_lossy(err.as_bytes()).into_owned(),
            };
            Err(source.invalid(&[Problem::syntax(
                "the file is not UTF-8",
                Some(offset..offset + 1),
            )]))
        }
    }
}

/// Summary counts of a rendered config.
pub struct Stats {
    pub environments: usize,
    pub services: usize,
    /// Pipelines are written, but `project.kiln` does not say where CI gets kiln.
    pub drift_without_kiln: bool,
}

/// How thoroughly to check the rendered set.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Verify {
    /// Also parse every manifest back and check that the objects agree with
    /// each other (`kiln check`, the tests). Costs a YAML parse per file.
    CrossCheck,
    /// Trust the pipeline; the fast path of `build` and `diff`.
    Render,
}

/// What a render of `kiln.toml` gives: the files and their templates.
pub struct Generated {
    pub rendered: Rendered,
    pub sources: Sources,
    pub stats: Stats,
    /// What `.env.local` holds when kiln first writes it (`project.local`):
    /// names only. Never part of `rendered`: kiln does not own the file.
    pub env_local: Option<String>,
}

/// load → presets → validate: the config as `resolve` sees it, with the
/// repo's own presets (`.kiln/presets`) of the repo at `dir`.
pub fn configure(dir: &Path, source: &Source) -> Result<crate::config::Config, Error> {
    let mut config = load::parse(&source.text).map_err(|problems| source.invalid(&problems))?;
    let custom = crate::customize::Custom::parse(crate::customize::scan(dir)?)?;
    let mut problems = presets::apply(&mut config, &custom.presets);
    problems.extend(kinds::validate(&config));
    if !problems.is_empty() {
        return Err(source.invalid(&problems));
    }
    Ok(config)
}

/// load → presets → validate → resolve → render (→ cross-check), all in
/// memory, with the bundled templates only: for the tests and the fuzzer.
pub fn render_text(text: &str, verify: Verify) -> Result<Rendered, Error> {
    let source = Source {
        name: paths::CONFIG.to_string(),
        text: text.to_string(),
    };
    generate_with(&Renderer::new()?, &source, verify).map(|generated| generated.rendered)
}

/// `generate`, with the repo's lock (and whether a build was interrupted)
/// read on another thread meanwhile: a lock of 30,000 files takes a while.
pub fn generate_with_lock(dir: &Path, source: &Source) -> Result<(Generated, Lock, bool), Error> {
    let (generated, lock) = crate::parallel::both(
        || generate(dir, source, Verify::Render),
        || Lock::read_with_journal(dir),
    );
    // A mistake in kiln.toml is reported before a problem with the lock.
    let generated = generated?;
    let (lock, recovering) = lock?;
    Ok((generated, lock, recovering))
}

/// The same, with the template overrides of the repo at `dir`.
pub fn generate(dir: &Path, source: &Source, verify: Verify) -> Result<Generated, Error> {
    generate_with(&Renderer::for_repo(dir)?, source, verify)
}

pub fn generate_with(
    renderer: &Renderer,
    source: &Source,
    verify: Verify,
) -> Result<Generated, Error> {
    let mut config = load::parse(&source.text).map_err(|problems| source.invalid(&problems))?;
    let mut problems = presets::apply(&mut config, &renderer.custom().presets);
    problems.extend(kinds::validate(&config));
    // What resolve finds comes with what validate found, every problem at
    // once: resolve reports what it cannot make sense of, it assumes nothing.
    let mut model = match kinds::resolve(&config) {
        Ok(model) if problems.is_empty() => model,
        Ok(_) => return Err(source.invalid(&problems)),
        Err(found) => {
            problems.extend(found);
            return Err(source.invalid(&problems));
        }
    };
    kinds::delivery::record_inputs(
        &mut model.delivery.pipeline,
        &source.text,
        renderer
            .overrides()
            .values()
            .map(|own| (own.shown.as_str(), own.text.as_str())),
    );
    // Patches and extra resources are inputs too: `.kiln/drift.sh` checks them.
    model
        .delivery
        .pipeline
        .inputs
        .extend(
            renderer
                .custom()
                .inputs
                .iter()
                .map(|(path, text)| crate::model::InputFile {
                    path: path.clone(),
                    sha256: crate::digest::sha256(text.as_bytes()),
                }),
        );
    let (rendered, sources) = renderer.render_with_sources(&model)?;
    if verify == Verify::CrossCheck {
        let (problems, mut overrides) = kinds::crosscheck_made(&rendered, &model, &sources);
        // An override's mistake first: kiln's own may follow from it.
        match overrides.len() {
            0 => {}
            1 => return Err(overrides.remove(0)),
            _ => return Err(Error::Overrides(overrides)),
        }
        if !problems.is_empty() {
            return Err(source.invalid(&problems));
        }
    }
    let stats = Stats {
        environments: config.environments.len(),
        services: config.services.len(),
        drift_without_kiln: !config.project.ci.is_empty() && config.project.kiln.is_none(),
    };
    let env_local = model
        .delivery
        .compose
        .as_ref()
        .map(kinds::local::env_skeleton);
    Ok(Generated {
        rendered,
        sources,
        stats,
        env_local,
    })
}
