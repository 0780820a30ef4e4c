//! Compares what kiln would write with the disk and the lock, file by file.
//! The plan is pure: the write sink carries it out, `--dry-run` prints it.

use crate::diagnostics::Error;
use crate::output::files::{self, Contents, Failure, Stamp, Stamps};
use crate::output::lock::{Entry, Lock, hash};
use crate::output::{Rendered, Sources};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Create,
    Update,
    Delete,
    Unchanged,
    /// The user owns it (`kiln eject`); left alone.
    Ejected,
    /// Edited by hand since kiln wrote it: a conflict unless `--force`.
    Edited,
    /// Not written by kiln, but kiln wants its path: always a conflict.
    Foreign,
}

impl Action {
    pub fn label(self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Update => "update",
            Action::Delete => "delete",
            Action::Unchanged => "unchanged",
            Action::Ejected => "ejected",
            Action::Edited => "edited",
            Action::Foreign => "not-ours",
        }
    }
}

pub struct Plan {
    /// Every file kiln considered, in path order.
    pub files: Vec<(String, Action)>,
    /// The lock as it will be once the plan is carried out.
    pub lock: Lock,
    /// What each unchanged or ejected file looked like when it was read, for the cache.
    pub seen: Stamps,
    /// The ejected files that were not on disk, for the cache.
    pub absent: std::collections::BTreeSet<String>,
}

impl Plan {
    /// The conflicts that stop a build, or `None`.
    pub fn conflicts(&self) -> Option<Error> {
        let with = |action| {
            self.files
                .iter()
                .filter(|(_, a)| *a == action)
                .map(|(p, _)| p.clone())
                .collect::<Vec<_>>()
        };
        let (edited, foreign) = (with(Action::Edited), with(Action::Foreign));
        (!edited.is_empty() || !foreign.is_empty()).then_some(Error::Conflicts { edited, foreign })
    }
}

/// A file kiln may own, read as `files` reads: a refusal is collected
/// with the others, so that every such path is reported at once.
fn read(root: &Path, path: &str) -> Result<Option<Contents>, Failure> {
    files::read(root, path, files::MAX_FILE_BYTES)
}

/// What was on disk at a path, as `files::read` reads it.
type Read = Result<Option<Contents>, Failure>;

/// What happens to one rendered file, given what is on disk at its path,
/// and the lock entry it keeps.
fn decide(
    path: &str,
    contents: &str,
    disk: Read,
    sources: &Sources,
    old: &Lock,
    force: bool,
) -> Result<(Action, Option<Entry>, Option<Stamp>), Failure> {
    let entry = old.files.get(path);
    let (disk, stamp) = match disk? {
        Some(read) => (Some(read.bytes), read.stamp),
        None => (None, None),
    };
    let action = match (disk, entry) {
        (None, _) => Action::Create,
        (Some(disk), _) if disk == contents.as_bytes() => Action::Unchanged,
        (Some(disk), Some(entry)) if entry.written_by_kiln(&hash(&disk)) || force => Action::Update,
        (Some(_), Some(_)) => Action::Edited,
        (Some(_), None) => Action::Foreign,
    };
    let kept = match action {
        // A conflicting file keeps its old record so the next run sees the same conflict.
        Action::Edited => entry.map(Entry::settled),
        Action::Foreign => None,
        _ => Some(Entry {
            templates: sources.get(path).cloned().unwrap_or_default(),
            ..Entry::new(hash(contents.as_bytes()))
        }),
    };
    Ok((action, kept, stamp))
}

/// Decides what happens to each file. With `force`, hand edits are
/// overwritten or deleted; files kiln never wrote are still never touched.
pub fn plan(
    root: &Path,
    rendered: &Rendered,
    sources: &Sources,
    old: &Lock,
    force: bool,
) -> Result<Plan, Error> {
    let mut files = Vec::new();
    let mut seen = Stamps::new();
    let mut absent = std::collections::BTreeSet::new();
    let mut lock = Lock {
        version: Lock::VERSION,
        files: Default::default(),
    };
    // Reading and hashing every file is the bulk of a no-change build: do it on every core.
    let candidates: Vec<(&String, &String)> = rendered.iter().collect();
    let ejected = |path: &str| old.files.get(path).is_some_and(|e| e.ejected);
    let unread: Vec<&str> = candidates
        .iter()
        .map(|(path, _)| path.as_str())
        .filter(|path| !ejected(path))
        .collect();
    // Each directory proven real once, not once per file in it.
    let mut disk =
        crate::output::reads::read_many(root, &unread, files::MAX_FILE_BYTES).into_iter();
    let inputs: Vec<(&String, &String, Option<Read>)> = candidates
        .iter()
        .map(|(path, contents)| {
            let read = if ejected(path) { None } else { disk.next() };
            (*path, *contents, read)
        })
        .collect();
    let decisions = crate::parallel::map_owned(inputs, |(path, contents, disk)| match disk {
        // An ejected file is never read, but stamped: the cache must see it change or go.
        None => Ok((
            Action::Ejected,
            old.files.get(path).map(Entry::settled),
            Stamp::read(root, path),
        )),
        Some(disk) => decide(path, contents, disk, sources, old, force),
    });
    let mut refused = Vec::new();
    let mut failure = |path: &str, failure: Failure| match failure {
        Failure::Refused(reason) => {
            refused.push((path.to_string(), reason));
            Ok(())
        }
        Failure::Io(cause) => Err(Error::Io {
            path: root.join(path),
            cause,
        }),
    };
    for ((path, _), decision) in candidates.into_iter().zip(decisions) {
        let (action, kept, stamp) = match decision {
            Ok(decided) => decided,
            Err(err) => {
                failure(path, err)?;
                continue;
            }
        };
        if let Some(kept) = kept {
            lock.files.insert(path.clone(), kept);
        }
        match (action, stamp) {
            (Action::Unchanged | Action::Ejected, Some(stamp)) => {
                seen.insert(path.clone(), stamp);
            }
            (Action::Ejected, None) if matches!(files::exists(root, path), Ok(false)) => {
                absent.insert(path.clone());
            }
            _ => {}
        }
        files.push((path.clone(), action));
    }
    for (path, entry) in &old.files {
        if rendered.contains_key(path) {
            continue;
        }
        if entry.ejected {
            // Still the user's while it is on disk (something kiln may not
            // read is there too); once gone, there is nothing left to own.
            let stamp = Stamp::read(root, path);
            if stamp.is_some() || !matches!(files::exists(root, path), Ok(false)) {
                lock.files.insert(path.clone(), entry.settled());
                files.push((path.clone(), Action::Ejected));
                if let Some(stamp) = stamp {
                    seen.insert(path.clone(), stamp);
                }
            }
            continue;
        }
        match read(root, path) {
            Err(err) => failure(path, err)?,
            Ok(None) => {}
            Ok(Some(disk)) if entry.written_by_kiln(&hash(&disk.bytes)) || force => {
                files.push((path.clone(), Action::Delete))
            }
            Ok(Some(_)) => {
                lock.files.insert(path.clone(), entry.settled());
                files.push((path.clone(), Action::Edited));
            }
        }
    }
    if !refused.is_empty() {
        refused.sort();
        return Err(Error::Unsafe { files: refused });
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Plan {
        files,
        lock,
        seen,
        absent,
    })
}
