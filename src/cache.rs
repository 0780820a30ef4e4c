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

use crate::load::Source;
use crate::paths;
use crate::plan::{Action, Plan};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::fs::Metadata;
use std::path::Path;

const FORMAT: &str = "kiln-cache 1";

/// Enough of a file's metadata to tell that it was not touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    size: u64,
    inode: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Stamp {
    #[cfg(unix)]
    pub fn of(meta: &Metadata) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        Some(Stamp {
            size: meta.size(),
            inode: meta.ino(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// Without inode and change times the check is too weak to trust.
    #[cfg(not(unix))]
    pub fn of(_meta: &Metadata) -> Option<Stamp> {
        None
    }

    fn read(path: &Path) -> Option<Stamp> {
        Stamp::of(&std::fs::metadata(path).ok()?)
    }

    /// Whether the file was last touched strictly before `cache` was written.
    fn older_than(&self, cache: &Stamp) -> bool {
        self.modified.max(self.changed) < cache.modified
    }

    fn text(&self) -> String {
        format!(
            "{}:{}:{}.{}:{}.{}",
            self.size, self.inode, self.modified.0, self.modified.1, self.changed.0, self.changed.1
        )
    }

    fn parse(text: &str) -> Option<Stamp> {
        let mut parts = text.split(':');
        let size = parts.next()?.parse().ok()?;
        let inode = parts.next()?.parse().ok()?;
        let time = |part: Option<&str>| -> Option<(i64, i64)> {
            let (seconds, nanos) = part?.split_once('.')?;
            Some((seconds.parse().ok()?, nanos.parse().ok()?))
        };
        let modified = time(parts.next())?;
        let changed = time(parts.next())?;
        parts.next().is_none().then_some(Stamp {
            size,
            inode,
            modified,
            changed,
        })
    }
}

/// What the files kiln reads and writes looked like, by repo path.
pub type Stamps = BTreeMap<String, Stamp>;

/// The fingerprint of everything a render depends on, or `None` when it
/// cannot be taken (then there is no cache).
pub fn inputs(dir: &Path, source: &Source) -> Option<String> {
    let exe = std::env::current_exe().ok()?;
    let exe_stamp = Stamp::read(&exe)?;
    let overrides = crate::render::overrides(dir).ok()?;
    let mut digest = Sha256::new();
    for part in [FORMAT, &exe.to_string_lossy(), &exe_stamp.text()] {
        digest.update(part.as_bytes());
        digest.update([0]);
    }
    digest.update(source.text.len().to_le_bytes());
    digest.update(source.text.as_bytes());
    for (name, own) in &overrides {
        for part in [name, &own.text] {
            digest.update(part.len().to_le_bytes());
            digest.update(part.as_bytes());
        }
    }
    Some(crate::resolve::hex(&digest.finalize()))
}

fn state_path(dir: &Path) -> std::path::PathBuf {
    dir.join(paths::CACHE).join("state")
}

/// The plan of a build with nothing to do (every file unchanged or
/// ejected, in path order), when the cache proves that is what a full
/// build would find.
pub fn settled(dir: &Path, inputs: &str) -> Option<Vec<(String, Action)>> {
    let state = state_path(dir);
    let written = Stamp::read(&state)?;
    let text = std::fs::read_to_string(&state).ok()?;
    let mut lines = text.lines();
    if lines.next()? != FORMAT || lines.next()?.strip_prefix("inputs ")? != inputs {
        return None;
    }
    if dir.join(paths::JOURNAL).exists() {
        return None;
    }
    let lock = Stamp::parse(lines.next()?.strip_prefix("lock ")?)?;
    let fresh = |path: &Path, stamp: &Stamp| {
        Stamp::read(path).is_some_and(|now| now == *stamp && now.older_than(&written))
    };
    if !fresh(&dir.join(paths::LOCK), &lock) {
        return None;
    }
    let mut files = Vec::new();
    let mut stamped = Vec::new();
    for line in lines {
        let (kind, rest) = line.split_once(' ')?;
        match kind {
            "file" => {
                let (stamp, path) = rest.split_once(' ')?;
                stamped.push((path, Stamp::parse(stamp)?));
                files.push((path.to_string(), Action::Unchanged));
            }
            "ejected" => files.push((rest.to_string(), Action::Ejected)),
            _ => return None,
        }
    }
    let checks = crate::parallel::map(&stamped, |(path, stamp)| fresh(&dir.join(path), stamp));
    checks.into_iter().all(|ok| ok).then_some(files)
}

/// Records the repo as a build just left it: every file of `plan` except
/// deleted ones is now what kiln renders. `written` stamps the files the
/// build wrote, `plan.seen` the ones it found unchanged. Best effort: a
/// cache that cannot be written only means the next build takes longer.
pub fn record(dir: &Path, inputs: &str, plan: &Plan, written: &Stamps) {
    let Some(lock) = Stamp::read(&dir.join(paths::LOCK)) else {
        return;
    };
    let mut text = format!("{FORMAT}\ninputs {inputs}\nlock {}\n", lock.text());
    for (path, action) in &plan.files {
        let stamp = match action {
            Action::Delete => continue,
            Action::Ejected => {
                text.push_str(&format!("ejected {path}\n"));
                continue;
            }
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
    let cache = dir.join(paths::CACHE);
    // Keep the cache out of the user's commits, as pytest and others do.
    let ignore = cache.join(".gitignore");
    if !ignore.exists() && crate::write::write_atomic(&ignore, b"*\n").is_err() {
        return;
    }
    if crate::write::write_atomic(&state_path(dir), text.as_bytes()).is_err() {
        forget(dir);
    }
}

/// Drops the record, so that the next build or diff takes the full path.
pub fn forget(dir: &Path) {
    let _ = std::fs::remove_file(state_path(dir));
}

#[cfg(test)]
mod tests {
    use super::Stamp;

    #[test]
    fn stamps_round_trip_and_reject_garbage() {
        let stamp = Stamp {
            size: 12,
            inode: 34,
            modified: (1_700_000_000, 5),
            changed: (1_700_000_001, 999_999_999),
        };
        assert_eq!(Stamp::parse(&stamp.text()), Some(stamp));
        for bad in [
            "",
            "1:2",
            "1:2:3.4",
            "1:2:3.4:5.6:7",
            "a:2:3.4:5.6",
            "1:2:3:5.6",
        ] {
            assert_eq!(Stamp::parse(bad), None, "{bad}");
        }
    }
}
