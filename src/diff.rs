//! The diff sink: compares a rendered set with another set of files
//! (the disk, another render, another directory) and never writes.

use crate::lock::{Lock, hash};
use crate::paths;
use crate::render::Rendered;
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
}

impl Filter {
    pub fn admits(&self, path: &str) -> bool {
        let env_ok = self.environments.is_empty()
            || paths::environment_of(path)
                .is_some_and(|env| self.environments.iter().any(|e| e == env));
        let service_ok = self
            .service
            .as_deref()
            .is_none_or(|s| paths::service_of(path) == Some(s));
        env_ok && service_ok
    }
}

fn read_text(path: &Path) -> Option<String> {
    std::fs::read(path)
        .ok()
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
}

/// Drift: what `kiln build` would change on disk, and what was edited by hand.
pub fn against_disk(
    root: &Path,
    rendered: &Rendered,
    lock: &Lock,
    filter: &Filter,
) -> Vec<FileDiff> {
    let wanted: Vec<(&String, &String)> = rendered
        .iter()
        .filter(|(path, _)| filter.admits(path))
        .filter(|(path, _)| !lock.files.get(*path).is_some_and(|e| e.ejected))
        .collect();
    let mut diffs: Vec<FileDiff> = crate::parallel::map(&wanted, |(path, contents)| {
        let entry = lock.files.get(*path);
        let Ok(disk) = std::fs::read(root.join(path)) else {
            return Some(FileDiff {
                path: (*path).clone(),
                status: Status::Created,
                old: None,
                new: Some((*contents).clone()),
            });
        };
        if disk == contents.as_bytes() {
            return None;
        }
        let status = match entry {
            Some(entry) if entry.written_by_kiln(&hash(&disk)) => Status::Changed,
            Some(_) => Status::Edited,
            None => Status::NotOurs,
        };
        let old = Some(String::from_utf8_lossy(&disk).into_owned());
        Some(FileDiff {
            path: (*path).clone(),
            status,
            old,
            new: Some((*contents).clone()),
        })
    })
    .into_iter()
    .flatten()
    .collect();
    for (path, entry) in &lock.files {
        if entry.ejected || rendered.contains_key(path) || !filter.admits(path) {
            continue;
        }
        if let Some(old) = read_text(&root.join(path)) {
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
    diffs
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

/// The files of another checkout that kiln would own: those its lock lists
/// and everything under its `deploy/`.
pub fn read_tree(root: &Path) -> Rendered {
    let mut files = BTreeMap::new();
    if let Ok(lock) = Lock::read(&root.join(paths::LOCK)) {
        for path in lock.files.keys() {
            if let Some(text) = read_text(&root.join(path)) {
                files.insert(path.clone(), text);
            }
        }
    }
    walk(root, &root.join(paths::DEPLOY), &mut files);
    files
}

fn walk(root: &Path, dir: &Path, out: &mut Rendered) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            walk(root, &path, out);
        } else if let (Ok(relative), Some(text)) = (path.strip_prefix(root), read_text(&path)) {
            out.insert(relative.to_string_lossy().replace('\\', "/"), text);
        }
    }
}
