//! The diff sink: compares a rendered set with another set of files
//! (the disk, another render, another directory) and never writes.

use crate::diagnostics::Error;
use crate::output::Rendered;
use crate::output::files::{self, Failure};
use crate::output::lock::{Lock, hash};
use crate::output::paths;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// What happened to one file between the old side and the new side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Status {
    /// kiln would write it; it does not exist yet.
    Created,
    /// Both sides have it, with different contents.
    Changed,
    /// The old side has it; kiln no longer generates it.
    Deleted,
    /// Edited by hand since kiln wrote it (drift mode only).
    Edited,
    /// On disk where kiln would write, but not written by kiln (drift mode only).
    NotOurs,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Changed => "changed",
            Status::Deleted => "deleted",
            Status::Edited => "edited by hand",
            Status::NotOurs => "not written by kiln",
        }
    }

    /// The mark `--semantic` puts before a file: each state its own.
    pub fn mark(self) -> char {
        match self {
            Status::Created => '+',
            Status::Changed => '~',
            Status::Deleted => '-',
            Status::Edited => '!',
            Status::NotOurs => '?',
        }
    }

    /// The word used in the JSON schema.
    pub fn key(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Changed => "changed",
            Status::Deleted => "deleted",
            Status::Edited => "edited",
            Status::NotOurs => "not-ours",
        }
    }
}

/// One file that differs.
#[derive(Debug, Clone)]
pub struct FileDiff {
    pub path: String,
    pub status: Status,
    /// Contents on the old side (disk, base revision, other directory).
    pub old: Option<String>,
    /// Contents kiln renders now.
    pub new: Option<String>,
}

/// Which files a diff is about.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub environments: Vec<String>,
    pub service: Option<String>,
    /// Drop files whose objects are equal field by field (only formatting,
    /// key order or the order of named items differ).
    pub semantic: bool,
    /// The build directory of each service with its own `source`, where
    /// its Dockerfile is: `apps/billing` → `billing`.
    pub sources: BTreeMap<String, String>,
}

impl Filter {
    pub fn admits(&self, path: &str) -> bool {
        let env_ok = self.environments.is_empty()
            || paths::environment_of(path)
                .is_some_and(|env| self.environments.iter().any(|e| e == env));
        let service_ok = self.service.as_deref().is_none_or(|s| {
            paths::service_of(path) == Some(s)
                || path
                    .rsplit_once('/')
                    .filter(|(_, file)| matches!(*file, "Dockerfile" | ".dockerignore"))
                    .and_then(|(dir, _)| self.sources.get(dir))
                    .is_some_and(|owner| owner == s)
        });
        env_ok && service_ok
    }

    /// The filter, knowing where services with their own `source` build:
    /// `(directory, service)` pairs.
    pub fn with_sources(&self, sources: impl IntoIterator<Item = (String, String)>) -> Filter {
        let mut filter = self.clone();
        filter.sources.extend(sources);
        filter
    }
}

/// The regular file at `rel` under `root`, as text, read as `files` reads.
fn read_text(root: &Path, rel: &str) -> Result<Option<String>, Failure> {
    Ok(files::read(root, rel, files::MAX_FILE_BYTES)?.map(|contents| text(contents.bytes)))
}

/// A file's text, its bytes kept when they are UTF-8 (as kiln writes them).
fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes)
        .unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
}

/// Gathers the paths `files` refused, to report them all at once.
struct Refusals<'a> {
    root: &'a Path,
    refused: Vec<(String, String)>,
}

impl Refusals<'_> {
    fn read(&mut self, rel: &str) -> Result<Option<String>, Error> {
        match read_text(self.root, rel) {
            Ok(text) => Ok(text),
            Err(failure) => self.keep(rel, failure).map(|()| None),
        }
    }

    fn keep(&mut self, rel: &str, failure: Failure) -> Result<(), Error> {
        match failure {
            Failure::Refused(reason) => {
                self.refused.push((rel.to_string(), reason));
                Ok(())
            }
            Failure::Io(cause) => Err(Error::Io {
                path: self.root.join(rel),
                cause,
            }),
        }
    }

    fn finish<T>(mut self, value: T) -> Result<T, Error> {
        if self.refused.is_empty() {
            Ok(value)
        } else {
            self.refused.sort();
            Err(Error::Unsafe {
                files: self.refused,
            })
        }
    }
}

/// Drift: what `kiln build` would change on disk, and what was edited by hand.
pub fn against_disk(
    root: &Path,
    rendered: &Rendered,
    lock: &Lock,
    filter: &Filter,
) -> Result<Vec<FileDiff>, Error> {
    let wanted: Vec<(&String, &String)> = rendered
        .iter()
        .filter(|(path, _)| filter.admits(path))
        .filter(|(path, _)| !lock.files.get(*path).is_some_and(|e| e.ejected))
        .collect();
    let mut refusals = Refusals {
        root,
        refused: Vec::new(),
    };
    let paths: Vec<&str> = wanted.iter().map(|(path, _)| path.as_str()).collect();
    // Compared where each file is read: only a file that differs is kept.
    let read =
        crate::output::reads::read_many_then(root, &paths, files::MAX_FILE_BYTES, |i, contents| {
            (contents.bytes != wanted[i].1.as_bytes()).then(|| text(contents.bytes))
        });
    let mut diffs = Vec::new();
    for ((path, contents), disk) in wanted.iter().zip(read) {
        let disk = match disk {
            Ok(disk) => disk,
            Err(failure) => {
                refusals.keep(path, failure)?;
                continue;
            }
        };
        let Some(differs) = disk else {
            diffs.push(FileDiff {
                path: (*path).clone(),
                status: Status::Created,
                old: None,
                new: Some((*contents).clone()),
            });
            continue;
        };
        let Some(disk) = differs else {
            continue;
        };
        let status = match lock.files.get(*path) {
            Some(entry) if entry.written_by_kiln(&hash(disk.as_bytes())) => Status::Changed,
            Some(_) => Status::Edited,
            None => Status::NotOurs,
        };
        diffs.push(FileDiff {
            path: (*path).clone(),
            status,
            old: Some(disk),
            new: Some((*contents).clone()),
        });
    }
    for (path, entry) in &lock.files {
        if entry.ejected || rendered.contains_key(path) || !filter.admits(path) {
            continue;
        }
        if let Some(old) = refusals.read(path)? {
            let status = if entry.written_by_kiln(&hash(old.as_bytes())) {
                Status::Deleted
            } else {
                Status::Edited
            };
            diffs.push(FileDiff {
                path: path.clone(),
                status,
                old: Some(old),
                new: None,
            });
        }
    }
    diffs.sort_by(|a, b| a.path.cmp(&b.path));
    refusals.finish(diffs)
}

/// Two renders in memory: what a config change does to the output.
pub fn between(old: &Rendered, new: &Rendered, filter: &Filter) -> Vec<FileDiff> {
    let paths: BTreeSet<&String> = old
        .keys()
        .chain(new.keys())
        .filter(|p| filter.admits(p))
        .collect();
    paths
        .into_iter()
        .filter_map(|path| {
            let (before, after) = (old.get(path), new.get(path));
            let status = match (before, after) {
                (None, Some(_)) => Status::Created,
                (Some(_), None) => Status::Deleted,
                (Some(a), Some(b)) if a != b => Status::Changed,
                _ => return None,
            };
            Some(FileDiff {
                path: path.clone(),
                status,
                old: before.cloned(),
                new: after.cloned(),
            })
        })
        .collect()
}

/// The most entries `--against` looks at under another checkout's
/// `deploy/`: ten times the largest render, so a hostile tree cannot keep
/// kiln walking.
const MAX_TREE_ENTRIES: usize = 1_000_000;

/// The files of another checkout that kiln would own: those its lock lists
/// and everything under its `deploy/` that kiln could have generated. That
/// checkout is as untrusted as this one: its lock is checked, and nothing
/// is followed through a symlink.
pub fn read_tree(root: &Path) -> Result<Rendered, Error> {
    let lock = Lock::read(root, paths::LOCK)?;
    let walked = files::walk(root, paths::DEPLOY, MAX_TREE_ENTRIES)
        .map_err(|f| f.at(paths::DEPLOY, &root.join(paths::DEPLOY)))?;
    let mut refusals = Refusals {
        root,
        refused: walked.refused,
    };
    let mut tree = BTreeMap::new();
    let found = walked
        .files
        .iter()
        .filter(|path| paths::generated(path).is_ok());
    for path in lock.files.keys().chain(found) {
        if tree.contains_key(path) {
            continue;
        }
        if let Some(text) = refusals.read(path)? {
            tree.insert(path.clone(), text);
        }
    }
    refusals.finish(tree)
}
