//! The repo's own additions to what kiln renders, kept through every
//! regeneration: patches under `.kiln/patches` (applied to kiln's objects
//! in memory, after rendering, before anything is written, locked, diffed
//! or checked) and extra resources under `.kiln/resources` (copied into
//! `deploy/<env>/extra/` and listed in the environment's kustomization).
//! Both are data: parsed as YAML and written back as YAML, never run as
//! Tera templates, so nothing in them is evaluated.

mod merge;
pub mod patch;
mod problems;
mod read;
pub mod resources;

pub use problems::problem;
pub use read::{
    Input, MAX_INPUT_BYTES, MAX_INPUT_ENTRIES, PATCHES, PRESETS, RESOURCES, listed, scan,
};

use crate::diagnostics::Error;
use crate::model::Model;
use problems::combined;

/// The repo's patches and extra resources, parsed and checked.
#[derive(Default)]
pub struct Custom {
    pub patches: Vec<patch::Patch>,
    pub resources: Vec<resources::Resource>,
    /// The repo's own service presets (`.kiln/presets/<name>.toml`).
    pub presets: Vec<crate::config::presets::RepoPreset>,
    /// Every file read, as (shown path, text): the inputs of the build's
    /// fingerprint and of `.kiln/drift.sh`.
    pub inputs: Vec<(String, String)>,
}

impl Custom {
    /// Parses every input, or every problem with them at once.
    pub fn parse(inputs: Vec<Input>) -> Result<Custom, Error> {
        let mut custom = Custom::default();
        let mut problems = Vec::new();
        for input in inputs {
            let parsed = match input.root {
                read::Root::Patches => patch::parse(&input).map(|p| custom.patches.extend(p)),
                read::Root::Resources => resources::parse(&input).map(|r| custom.resources.push(r)),
                read::Root::Presets => {
                    crate::config::presets::repo(&input.name, &input.shown, &input.text)
                        .map(|p| custom.presets.push(p))
                        .map_err(|err| vec![err])
                }
            };
            if let Err(found) = parsed {
                problems.extend(found);
            }
            custom.inputs.push((input.path, input.text));
        }
        combined(problems).map_or(Ok(custom), Err)
    }

    /// Whether there is nothing to add.
    pub fn is_empty(&self) -> bool {
        self.inputs.is_empty()
    }

    /// Each `<env>/` directory must name an environment of `model`: one
    /// that names none would silently do nothing.
    pub fn check_environments(&self, model: &Model) -> Result<(), Error> {
        let known: Vec<&str> = model.environments.iter().map(|e| e.name.as_str()).collect();
        let mut seen = std::collections::BTreeSet::new();
        let mut problems = Vec::new();
        let dirs = self
            .patches
            .iter()
            .map(|p| (&p.env, &p.shown))
            .chain(self.resources.iter().map(|r| (&r.env, &r.shown)));
        for (env, shown) in dirs {
            let Some(env) = env else { continue };
            if known.contains(&env.as_str()) || !seen.insert(env.clone()) {
                continue;
            }
            let hint = match crate::diagnostics::suggest(env, known.iter().copied()) {
                Some(near) => format!(
                    "did you mean `{near}`? a directory there is named after an environment of kiln.toml"
                ),
                None => format!(
                    "a directory there is named after an environment of kiln.toml: {}",
                    known
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            problems.push(problem(
                shown,
                None,
                format!("`{env}` is not an environment of kiln.toml"),
                hint,
            ));
        }
        combined(problems).map_or(Ok(()), Err)
    }
}

/// A patch of an ejected file would do nothing, silently: kiln never
/// writes that file again. Every such patch is an error.
pub fn ejected(
    sources: &crate::output::Sources,
    lock: &crate::output::lock::Lock,
) -> Result<(), Error> {
    let mut problems = Vec::new();
    for (path, entry) in &lock.files {
        if !entry.ejected {
            continue;
        }
        for patch in sources
            .get(path)
            .into_iter()
            .flatten()
            .filter(|t| t.starts_with(PATCHES))
        {
            problems.push(problem(
                patch,
                None,
                format!("patches `{path}`, which is ejected: kiln never writes it again, so the patch would do nothing"),
                format!("edit the ejected file itself and delete the patch, or run `kiln restore {path}` to hand the file back to kiln"),
            ));
        }
    }
    combined(problems).map_or(Ok(()), Err)
}
