//! Compares what kiln would write with the disk and the lock, file by file.
//! The plan is pure: the write sink carries it out, `--dry-run` prints it.

use crate::cache::{Stamp, Stamps};
use crate::error::Error;
use crate::lock::{Entry, Lock, hash};
use crate::render::{Rendered, Sources};
use std::io::Read;
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
    /// What each unchanged file looked like when it was read, for the cache.
    pub seen: Stamps,
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

fn read(root: &Path, path: &str) -> Result<Option<Vec<u8>>, Error> {
    Ok(read_stamped(root, path)?.map(|read| read.bytes))
}

/// A file's contents, and its stamp taken before reading them: a change
/// made while kiln reads leaves a stamp that no longer matches.
struct Stamped {
    bytes: Vec<u8>,
    stamp: Option<Stamp>,
}

fn read_stamped(root: &Path, path: &str) -> Result<Option<Stamped>, Error> {
    let full = root.join(path);
    let io = |cause: std::io::Error| Error::Io {
        path: full.clone(),
        cause,
    };
    let mut file = match std::fs::File::open(&full) {
        Ok(file) => file,
        Err(cause) if cause.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(cause) => return Err(io(cause)),
    };
    let stamp = file.metadata().ok().and_then(|meta| Stamp::of(&meta));
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes).map_err(io)?;
    Ok(Some(Stamped { bytes, stamp }))
}

/// What happens to one rendered file, and the lock entry it keeps.
fn decide(
    root: &Path,
    path: &str,
    contents: &str,
    sources: &Sources,
    old: &Lock,
    force: bool,
) -> Result<(Action, Option<Entry>, Option<Stamp>), Error> {
    let entry = old.files.get(path);
    if let Some(entry) = entry.filter(|e| e.ejected) {
        return Ok((Action::Ejected, Some(entry.settled()), None));
    }
    let (disk, stamp) = match read_stamped(root, path)? {
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
    let mut lock = Lock {
        version: Lock::VERSION,
        files: Default::default(),
    };
    // Reading and hashing every file is the bulk of a no-change build: do it on every core.
    let candidates: Vec<(&String, &String)> = rendered.iter().collect();
    let decisions = crate::parallel::map(&candidates, |(path, contents)| {
        decide(root, path, contents, sources, old, force)
    });
    for ((path, _), decision) in candidates.into_iter().zip(decisions) {
        let (action, kept, stamp) = decision?;
        if let Some(kept) = kept {
            lock.files.insert(path.clone(), kept);
        }
        if let (Action::Unchanged, Some(stamp)) = (action, stamp) {
            seen.insert(path.clone(), stamp);
        }
        files.push((path.clone(), action));
    }
    for (path, entry) in &old.files {
        if rendered.contains_key(path) {
            continue;
        }
        if entry.ejected {
            lock.files.insert(path.clone(), entry.settled());
            continue;
        }
        match read(root, path)? {
            None => {}
            Some(disk) if entry.written_by_kiln(&hash(&disk)) || force => {
                files.push((path.clone(), Action::Delete))
            }
            Some(_) => {
                lock.files.insert(path.clone(), entry.settled());
                files.push((path.clone(), Action::Edited));
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Plan { files, lock, seen })
}
