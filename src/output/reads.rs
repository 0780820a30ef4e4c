//! Many files read at once, as `files::read` reads each: for the plan of
//! a build and for `kiln diff`, which read every file kiln generates.

use super::files::{Contents, Failure, open, prefixes, read_opened, what};
use std::path::Path;

/// `read` of many files: each directory above them is looked at once
/// (as `read` looks at it, never through a symlink), not once per file in
/// it, and the files are read on every core.
pub fn read_many(root: &Path, rels: &[&str], max: u64) -> Vec<Result<Option<Contents>, Failure>> {
    read_many_then(root, rels, max, |_, contents| contents)
}

/// `read_many`, with `then` applied to the `i`th file's contents on the
/// core that read them: `kiln diff` compares there and keeps only what
/// differs, instead of holding every file of the repo at once.
pub fn read_many_then<R: Send>(
    root: &Path,
    rels: &[&str],
    max: u64,
    then: impl Fn(usize, Contents) -> R + Sync,
) -> Vec<Result<Option<R>, Failure>> {
    let mut directories: Vec<&str> = rels
        .iter()
        .filter_map(|path| path.rsplit_once('/').map(|(dir, _)| dir))
        .collect();
    directories.sort_unstable();
    directories.dedup();
    // Each directory's state: real (`Ok(true)`), missing, refused or
    // unreadable, the first of its parents that is not real deciding for it.
    let mut states: std::collections::HashMap<&str, Result<bool, Stop>> =
        std::collections::HashMap::new();
    for directory in directories {
        let mut above: Result<bool, Stop> = Ok(true);
        for prefix in prefixes(directory) {
            if !matches!(above, Ok(true)) {
                states.insert(prefix, above.clone());
                continue;
            }
            let state = states.entry(prefix).or_insert_with(|| {
                let full = root.join(prefix);
                match std::fs::symlink_metadata(&full) {
                    Ok(meta) if meta.is_dir() => Ok(true),
                    Ok(meta) => Err(Stop::Refused(format!(
                        "`{prefix}` on its way is {}",
                        what(&meta)
                    ))),
                    Err(cause) if cause.kind() == std::io::ErrorKind::NotFound => Ok(false),
                    Err(cause) => Err(Stop::Io(cause.kind(), cause.to_string())),
                }
            });
            above = state.clone();
        }
    }
    let numbered: Vec<(usize, &str)> = rels.iter().copied().enumerate().collect();
    crate::parallel::map(&numbered, |&(i, rel)| {
        let state = match rel.rsplit_once('/') {
            Some((directory, _)) => states.get(directory).cloned().unwrap_or(Ok(false)),
            None => Ok(true),
        };
        match state {
            Ok(true) => read_in_real_directory(root, rel, max).map(|read| read.map(|c| then(i, c))),
            Ok(false) => Ok(None),
            Err(Stop::Refused(why)) => Err(Failure::Refused(why)),
            Err(Stop::Io(kind, why)) => Err(Failure::Io(std::io::Error::new(kind, why))),
        }
    })
}

/// Why `read_many` read nothing below a directory.
#[derive(Clone)]
enum Stop {
    Refused(String),
    Io(std::io::ErrorKind, String),
}

/// `read`, for a file whose directories are known to be real.
fn read_in_real_directory(root: &Path, rel: &str, max: u64) -> Result<Option<Contents>, Failure> {
    let full = root.join(rel);
    let file = match open(&full) {
        Ok(file) => file,
        Err(cause) if cause.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        // O_NOFOLLOW refused a symlink (ELOOP): say what is there, as `read` does.
        Err(cause) => {
            return match std::fs::symlink_metadata(&full) {
                Ok(meta) if !meta.file_type().is_file() => {
                    Err(Failure::Refused(format!("it is {}", what(&meta))))
                }
                _ => Err(Failure::Io(cause)),
            };
        }
    };
    read_opened(file, max).map(Some)
}
