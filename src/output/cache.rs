//! `.kiln/cache/state`: the repo as the last build left it, so that a build
//! or diff with nothing changed need not render and read every file again.
//!
//! It works like git's index. A build records a fingerprint of its inputs
//! (the kiln binary, `kiln.toml`, the template overrides) and a stamp (size,
//! inode, modification and change times) of every file it left in step with
//! them. When the inputs are the same and every stamp still matches, the
//! render would produce what is already there, and the build or diff is
//! done. Anything else, or any doubt, takes the full path. A stamp as new
//! as the cache itself is not trusted: a file edited in the same clock tick
//! as the cache was written could keep its old stamp.
//!
//! Only `kiln build` writes the cache; `kiln diff` only reads it. Deleting
//! `.kiln/cache` is always safe.

use crate::diagnostics::Source;
use crate::output::files::{self, Stamp, Stamps};
use crate::output::lock::Lock;
use crate::output::paths;
use crate::output::plan::{Action, Plan};
use sha2::{Digest, Sha256};
use std::path::Path;

const FORMAT: &str = "kiln-cache 2";

/// The fingerprint of everything a render depends on, or `None` when it
/// cannot be taken (then there is no cache).
/// `overrides` are the repo's template overrides as (name, text), or
/// `None` when they cannot be read (then the render says why).
pub fn inputs<'a>(
    source: &Source,
    overrides: Option<impl IntoIterator<Item = (&'a str, &'a str)>>,
) -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let exe_stamp = Stamp::of(&std::fs::metadata(&exe).ok()?)?;
    let overrides = overrides?;
    let mut digest = Sha256::new();
    for part in [FORMAT, &exe.to_string_lossy(), &exe_stamp.text()] {
        digest.update(part.as_bytes());
        digest.update([0]);
    }
    digest.update(source.text.len().to_le_bytes());
    digest.update(source.text.as_bytes());
    for (name, text) in overrides {
        for part in [name, text] {
            digest.update(part.len().to_le_bytes());
            digest.update(part.as_bytes());
        }
    }
    Some(crate::digest::hex(&digest.finalize()))
}

/// The cache's record, under `.kiln/cache`.
fn state() -> String {
    format!("{}/state", paths::CACHE)
}

/// The plan of a build with nothing to do (every file unchanged or
/// ejected, in path order), when the cache proves that is what a full
/// build would find. The cache may come from a pull request like anything
/// else: it counts only as a real directory holding a regular file whose
/// paths are all ones kiln generates and agree with the lock, and whose
/// stamps (inode and change time included, which no commit can forge)
/// match the disk.
pub fn settled(dir: &Path, inputs: &str) -> Option<Vec<(String, Action)>> {
    let state = files::read(dir, &state(), files::MAX_FILE_BYTES).ok()??;
    let written = state.stamp?;
    let text = String::from_utf8(state.bytes).ok()?;
    let mut lines = text.lines();
    if lines.next()? != FORMAT || lines.next()?.strip_prefix("inputs ")? != inputs {
        return None;
    }
    if !matches!(files::exists(dir, paths::JOURNAL), Ok(false)) {
        return None;
    }
    let lock = Stamp::parse(lines.next()?.strip_prefix("lock ")?)?;
    // Each file's directories are proven real once, below, not per file.
    let fresh = |path: &str, stamp: &Stamp| {
        Stamp::read_in_checked_directory(dir, path)
            .is_some_and(|now| now == *stamp && now.older_than(&written))
    };
    if !fresh(paths::LOCK, &lock) {
        return None;
    }
    let mut files = Vec::new();
    let mut stamped = Vec::new();
    let mut absent = Vec::new();
    for line in lines {
        let (kind, rest) = line.split_once(' ')?;
        let (stamp, path) = rest.split_once(' ')?;
        let action = match kind {
            "file" => Action::Unchanged,
            "ejected" => Action::Ejected,
            _ => return None,
        };
        // An ejected file is the user's, but what an environment's
        // kustomization can list depends on it: the build that wrote the
        // cache found it so (or absent, `-`), and it must still be.
        match (action, stamp) {
            (Action::Ejected, "-") => absent.push(path),
            _ => stamped.push((path, Stamp::parse(stamp)?)),
        }
        paths::generated(path).ok()?;
        files.push((path.to_string(), action));
    }
    // The cache must list exactly the lock's files: the lock is unchanged
    // since the build that wrote the cache read it, so its headers suffice.
    let lock = files::read(dir, paths::LOCK, files::MAX_FILE_BYTES).ok()??;
    let lock = String::from_utf8(lock.bytes).ok()?;
    let listed = Lock::listed(&lock)?;
    let agrees = listed.len() == files.len()
        && listed
            .iter()
            .zip(&files)
            .all(|((path, ejected), (cached, action))| {
                path == cached && *ejected == (*action == Action::Ejected)
            });
    if !agrees || !files::real_directories(dir, stamped.iter().map(|(path, _)| *path)) {
        return None;
    }
    if !absent
        .iter()
        .all(|path| matches!(files::exists(dir, path), Ok(false)))
    {
        return None;
    }
    let checks = crate::parallel::map(&stamped, |(path, stamp)| fresh(path, stamp));
    checks.into_iter().all(|ok| ok).then_some(files)
}

/// Records the repo as a build just left it: every file of `plan` except
/// deleted ones is now what kiln renders. `written` stamps the files the
/// build wrote, `plan.seen` the ones it found unchanged. Best effort: a
/// cache that cannot be written (or whose directory is not a real one)
/// only means the next build takes longer.
pub fn record(dir: &Path, inputs: &str, plan: &Plan, written: &Stamps) {
    let Some(lock) = Stamp::read(dir, paths::LOCK) else {
        return;
    };
    let mut text = format!("{FORMAT}\ninputs {inputs}\nlock {}\n", lock.text());
    for (path, action) in &plan.files {
        let stamp = match action {
            Action::Delete => continue,
            Action::Ejected if plan.absent.contains(path) => {
                text.push_str(&format!("ejected - {path}\n"));
                continue;
            }
            Action::Ejected => match plan.seen.get(path) {
                Some(stamp) => {
                    text.push_str(&format!("ejected {} {path}\n", stamp.text()));
                    continue;
                }
                None => None,
            },
            Action::Create | Action::Update => written.get(path),
            Action::Unchanged => plan.seen.get(path),
            // A build with conflicts stops before it writes anything.
            Action::Edited | Action::Foreign => None,
        };
        let Some(stamp) = stamp else {
            return forget(dir);
        };
        text.push_str(&format!("file {} {path}\n", stamp.text()));
    }
    // Keep the cache out of the user's commits, as pytest and others do.
    let ignore = format!("{}/.gitignore", paths::CACHE);
    let ignored = match files::exists(dir, &ignore) {
        Ok(true) => true,
        Ok(false) => files::write_atomic(dir, &ignore, b"*\n").is_ok(),
        Err(_) => false,
    };
    if !ignored || files::write_atomic(dir, &state(), text.as_bytes()).is_err() {
        forget(dir);
    }
}

/// Drops the record, so that the next build or diff takes the full path.
/// Through a symlinked cache directory nothing is removed.
pub fn forget(dir: &Path) {
    let _ = files::remove(dir, &state());
}
