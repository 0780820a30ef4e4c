//! Finding a repo's patches and extra resources, on disk or at a git
//! revision: only `*.yaml` files directly under each directory or under
//! one `<env>/` directory in it, each read as `output::files` reads (no
//! link followed, regular files only, at most `MAX_INPUT_BYTES`), and at
//! most `MAX_INPUT_ENTRIES` entries.

use super::problems::{combined, problem};
use crate::diagnostics::Error;
use crate::output::files::{self, Failure};
use std::path::Path;

/// Where a repo's patches live: `*.yaml` for every environment, `<env>/*.yaml` for one.
pub const PATCHES: &str = ".kiln/patches";
/// Where a repo's extra resources live, laid out as the patches are.
pub const RESOURCES: &str = ".kiln/resources";
/// Where a repo's own service presets live: `<name>.toml`, directly in it.
pub const PRESETS: &str = ".kiln/presets";
/// The largest patch or resource file kiln reads, in bytes.
pub const MAX_INPUT_BYTES: u64 = 1 << 20;
/// The most files and directories each of the two directories may hold.
pub const MAX_INPUT_ENTRIES: usize = 512;

/// Which of the two directories a file is in.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Root {
    Patches,
    Resources,
    Presets,
}

impl Root {
    pub fn dir(self) -> &'static str {
        match self {
            Root::Patches => PATCHES,
            Root::Resources => RESOURCES,
            Root::Presets => PRESETS,
        }
    }
}

/// One file of `.kiln/patches` or `.kiln/resources`.
pub struct Input {
    pub root: Root,
    /// Its repo path: `.kiln/patches/prod/api.yaml`.
    pub path: String,
    /// As messages name it: the path, or `REV:path` from git.
    pub shown: String,
    /// The environment it is for; `None` for every environment.
    pub env: Option<String>,
    /// Its file name: `api.yaml`.
    pub name: String,
    pub text: String,
}

/// The patches and extra resources of the repo at `dir`, or every problem
/// with them at once.
pub fn scan(dir: &Path) -> Result<Vec<Input>, Error> {
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    for root in [Root::Patches, Root::Resources, Root::Presets] {
        let walked = match files::walk(dir, root.dir(), MAX_INPUT_ENTRIES) {
            Ok(walked) => walked,
            Err(Failure::Refused(reason)) => {
                problems.push(problem(
                    root.dir(),
                    None,
                    format!("kiln will not read it: {reason}"),
                    "make it a real directory of files in the repo, not a link",
                ));
                continue;
            }
            Err(Failure::Io(cause)) => {
                return Err(Error::Io {
                    path: dir.join(root.dir()),
                    cause,
                });
            }
        };
        for (path, reason) in walked.refused {
            problems.push(problem(
                &path,
                None,
                format!("kiln will not read it: {reason}"),
                "replace it with a regular file; kiln never follows a link out of the repo",
            ));
        }
        for path in walked.files {
            let text = match files::read(dir, &path, MAX_INPUT_BYTES) {
                Ok(Some(contents)) => String::from_utf8(contents.bytes)
                    .map_err(|_| problem(&path, None, "is not UTF-8", "save it as UTF-8 text")),
                Ok(None) => continue,
                Err(Failure::Refused(reason)) => Err(problem(
                    &path,
                    None,
                    format!("kiln will not read it: {reason}"),
                    format!("keep each file under {MAX_INPUT_BYTES} bytes, a regular file"),
                )),
                Err(Failure::Io(cause)) => {
                    return Err(Error::Io {
                        path: dir.join(&path),
                        cause,
                    });
                }
            };
            match text.and_then(|text| input(root, &path, path.clone(), text)) {
                Ok(found) => inputs.push(found),
                Err(err) => problems.push(err),
            }
        }
    }
    combined(problems).map_or(Ok(inputs), Err)
}

/// The same from a git revision: `(path, shown, text)` for each blob git
/// lists under the two directories, its text or why it was not read.
pub fn listed(found: Vec<(String, String, Result<String, Error>)>) -> Result<Vec<Input>, Error> {
    let mut inputs = Vec::new();
    let mut problems = Vec::new();
    for (path, shown, text) in found {
        let root = if path.starts_with(&format!("{PATCHES}/")) {
            Root::Patches
        } else if path.starts_with(&format!("{PRESETS}/")) {
            Root::Presets
        } else {
            Root::Resources
        };
        match text.and_then(|text| input(root, &path, shown, text)) {
            Ok(found) => inputs.push(found),
            Err(err) => problems.push(err),
        }
    }
    combined(problems).map_or(Ok(inputs), Err)
}

/// The input at the repo path `path`, if it is where one may be.
fn input(root: Root, path: &str, shown: String, text: String) -> Result<Input, Error> {
    let rest = path
        .strip_prefix(root.dir())
        .and_then(|rest| rest.strip_prefix('/'))
        .unwrap_or(path);
    let parts: Vec<&str> = rest.split('/').collect();
    if root == Root::Presets {
        return preset_input(path, shown, text, &parts);
    }
    let (env, name) = match parts.as_slice() {
        [name] => (None, *name),
        [env, name] => (Some(env.to_string()), *name),
        _ => {
            return Err(problem(
                &shown,
                None,
                "is too deep to be read",
                format!(
                    "put it in `{0}/` (every environment) or `{0}/<env>/` (one)",
                    root.dir()
                ),
            ));
        }
    };
    let plain = name.strip_suffix(".yaml").is_some_and(|stem| {
        !stem.is_empty()
            && !stem.starts_with('.')
            && stem
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
    });
    let env_plain = env
        .as_deref()
        .is_none_or(|env| crate::grammar::names::is_dns_label(env, 63));
    if !plain || !env_plain {
        return Err(problem(
            &shown,
            None,
            "is not a name kiln reads here",
            "name each file `<name>.yaml` (letters, digits, `.`, `-`, `_`) in the directory or in a directory named after an environment",
        ));
    }
    Ok(Input {
        root,
        path: path.to_string(),
        shown,
        env,
        name: name.to_string(),
        text,
    })
}

/// A repo preset: `.kiln/presets/<name>.toml`, `<name>` a preset name
/// (`[a-z0-9-]+`). Anything else there is refused, not skipped: a file the
/// user meant as a preset and kiln ignored would be a silent surprise.
fn preset_input(path: &str, shown: String, text: String, parts: &[&str]) -> Result<Input, Error> {
    let name = match parts {
        [name] => name.strip_suffix(".toml").filter(|stem| {
            !stem.is_empty()
                && stem
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        }),
        _ => None,
    };
    let Some(name) = name else {
        return Err(problem(
            &shown,
            None,
            "is not a preset kiln reads",
            format!(
                "name each preset `{PRESETS}/<name>.toml`, `<name>` of `a-z`, `0-9` and `-`, directly in `{PRESETS}/`"
            ),
        ));
    };
    Ok(Input {
        root: Root::Presets,
        path: path.to_string(),
        shown,
        env: None,
        name: name.to_string(),
        text,
    })
}
