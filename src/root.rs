//! Which repo a command works on: as cargo finds `Cargo.toml`, the nearest
//! directory that holds a `kiln.toml`, from where kiln starts up to the
//! root of the file system.

use crate::output::{files, paths};
use std::path::{Path, PathBuf};

/// The repo root for a command started at `start` (`.`, or `--dir`):
/// `start` itself when it holds a `kiln.toml`, else the nearest directory
/// above it that does. Above `.` it is spelled `..`, `../..`, so messages
/// name `../../kiln.toml` from where the user is; above another start, by
/// its absolute path. With none anywhere, `start`, where reading the config
/// then says that there is none.
///
/// Anything at all named `kiln.toml` ends the search, a symlink or a FIFO
/// too, and is looked at without following it: reading it then refuses it,
/// where passing over it would quietly use a `kiln.toml` further up.
pub fn find(start: &Path) -> PathBuf {
    let Ok(absolute) = std::fs::canonicalize(start) else {
        return start.to_path_buf();
    };
    let mut up = PathBuf::new();
    for ancestor in absolute.ancestors() {
        let dir = if up.as_os_str().is_empty() {
            start.to_path_buf()
        } else if start == Path::new(".") {
            up.clone()
        } else {
            ancestor.to_path_buf()
        };
        // `..` of a directory is its parent on disk, as `ancestors()` of
        // the canonical path are: both walk the same directories.
        if holds_config(&dir) {
            return dir;
        }
        up.push("..");
    }
    start.to_path_buf()
}

/// Whether `dir` has an entry `kiln.toml`, not following a symlink; one
/// that cannot be looked at counts, so that reading it says why.
fn holds_config(dir: &Path) -> bool {
    files::exists(dir, paths::CONFIG).unwrap_or(true)
}

/// `-C DIR`, as git and cargo: each directory entered in turn, a relative
/// one from the one before; an empty one is no change, as in git.
pub fn enter(directories: &[PathBuf]) -> Result<(), crate::Error> {
    for dir in directories.iter().filter(|dir| !dir.as_os_str().is_empty()) {
        std::env::set_current_dir(dir).map_err(|cause| crate::Error::ChangeDirectory {
            path: dir.clone(),
            cause,
        })?;
    }
    Ok(())
}

/// The names a shell completes in a repo's arguments.
#[derive(Default)]
pub struct Names {
    pub environments: Vec<String>,
    pub services: Vec<String>,
}

/// The keys of `[environments]` and `[services]` of the repo at or above
/// `start`, for shell completion. Read as plain TOML, so a `kiln.toml`
/// that `kiln check` refuses still offers its names; one that cannot be
/// read or parsed offers none, and says nothing: a completion never fails
/// loudly. Only names that can be names in kiln are offered, so a
/// `kiln.toml` from a pull request cannot put a space, a quote or a
/// terminal escape on the command line.
pub fn names(start: &Path) -> Names {
    let root = find(start);
    let table = files::read(
        &root,
        paths::CONFIG,
        crate::config::limits::MAX_CONFIG_BYTES,
    )
    .ok()
    .flatten()
    .and_then(|contents| String::from_utf8(contents.bytes).ok())
    .and_then(|text| toml::from_str::<toml::Table>(&text).ok());
    let Some(table) = table else {
        return Names::default();
    };
    let keys = |section: &str| -> Vec<String> {
        table
            .get(section)
            .and_then(toml::Value::as_table)
            .into_iter()
            .flat_map(|names| names.keys())
            .filter(|name| crate::grammar::names::is_dns_label(name, usize::MAX))
            .cloned()
            .collect()
    };
    Names {
        environments: keys("environments"),
        services: keys("services"),
    }
}
