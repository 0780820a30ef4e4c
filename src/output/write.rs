//! The sink that carries a plan out on disk. Every file is replaced
//! atomically (temporary file + rename) and the lock is written last, so an
//! interrupted build leaves each file whole, old or new. There is no fsync:
//! the guarantee covers a killed process, not a power cut, as with git.
//! Every path here was checked by the plan; `files` reaches each one
//! without following a symlink.

use crate::diagnostics::Error;
use crate::output::Rendered;
use crate::output::files::{self, Stamps};
use crate::output::lock::Lock;
use crate::output::paths;
use crate::output::plan::{Action, Plan};
use std::path::Path;

/// Holds the repo for one writing command; released when dropped. A second
/// kiln writing in the same repo is refused instead of interleaving writes.
pub struct RepoLock {
    _directory: std::fs::File,
}

/// Takes the repo's write lock: an advisory lock on the repo directory
/// itself, so no lock file is left in the user's tree.
pub fn lock_repo(root: &Path) -> Result<RepoLock, Error> {
    let io = |cause| Error::Io {
        path: root.to_path_buf(),
        cause,
    };
    std::fs::create_dir_all(root).map_err(io)?;
    let directory = std::fs::File::open(root).map_err(io)?;
    match directory.try_lock() {
        Ok(()) => Ok(RepoLock {
            _directory: directory,
        }),
        Err(std::fs::TryLockError::WouldBlock) => Err(Error::Busy {
            path: root.to_path_buf(),
        }),
        Err(std::fs::TryLockError::Error(cause)) => Err(io(cause)),
    }
}

/// Writes `contents` at `rel`, a path kiln owns, under `root`.
pub fn write(root: &Path, rel: &str, contents: &[u8]) -> Result<Option<files::Stamp>, Error> {
    files::write_atomic(root, rel, contents).map_err(|f| f.at(rel, &root.join(rel)))
}

/// Writes the files a plan creates or updates, deletes the ones it drops,
/// then the lock. Before the first file is touched, the new lock is written
/// as a journal, so that a build killed halfway leaves a record of what it
/// was writing: the next build does not mistake those files for hand edits,
/// and sweeps the temporary files it left.
pub fn apply(
    root: &Path,
    plan: &Plan,
    rendered: &Rendered,
    old_lock: &Lock,
    recovering: bool,
) -> Result<Stamps, Error> {
    let mut written = Stamps::new();
    let touches = plan
        .files
        .iter()
        .any(|(_, action)| matches!(action, Action::Create | Action::Update | Action::Delete));
    let lock_missing = !files::exists(root, paths::LOCK).map_err(|f| f.at(paths::LOCK, root))?;
    let lock_changes = plan.lock != *old_lock || lock_missing;
    let journaled = touches || lock_changes;
    let mut writes = Vec::new();
    let mut deletes = Vec::new();
    for (path, action) in &plan.files {
        paths::check(path)?;
        match action {
            Action::Create | Action::Update => writes.push(path),
            Action::Delete => deletes.push(path),
            Action::Unchanged | Action::Ejected | Action::Edited | Action::Foreign => {}
        }
    }
    // In a first build the journal is the new lock: written out once.
    let journal = || -> Result<Option<String>, Error> {
        if !journaled {
            return Ok(None);
        }
        let journal = old_lock.journal_for(&plan.lock);
        let text = journal.to_text();
        write(root, paths::JOURNAL, text.as_bytes())?;
        Ok((journal == plan.lock).then_some(text))
    };
    // Each directory is made (or proven real) once, not once per file in it.
    let make_directories = || {
        files::make_directories(root, writes.iter().map(|path| path.as_str()))
            .map_err(|(path, f)| f.at(path, &root.join(path)))
    };
    let lock_text = if deletes.is_empty() {
        // Nothing is deleted, so no directory made now can be left empty
        // and removed by a delete: make them while the journal is written.
        let (journal, made) = crate::parallel::both(journal, make_directories);
        let text = journal?;
        made?;
        text
    } else {
        let text = journal()?;
        for path in deletes {
            files::remove(root, path).map_err(|f| f.at(path, &root.join(path)))?;
        }
        make_directories()?;
        text
    };
    // Creating files is most of a first build: spread it over the cores. The
    // journal is already written, and every file is replaced whole, so the
    // order does not matter.
    let results = crate::parallel::map(&writes, |path| {
        let contents = rendered
            .get(*path)
            .map(String::as_bytes)
            .unwrap_or_default();
        files::write_in_made_directory(root, path, contents)
            .map_err(|f| f.at(path.as_str(), &root.join(path)))
    });
    for (path, result) in writes.into_iter().zip(results) {
        if let Some(stamp) = result? {
            written.insert(path.clone(), stamp);
        }
    }
    if lock_changes || recovering {
        let text = lock_text.unwrap_or_else(|| plan.lock.to_text());
        write(root, paths::LOCK, text.as_bytes())?;
    }
    sweep_temporary_files(root, plan, old_lock, recovering);
    if journaled || recovering {
        files::remove(root, paths::JOURNAL).map_err(|f| f.at(paths::JOURNAL, root))?;
    }
    Ok(written)
}

/// Removes the temporary files killed kiln commands left: always at the
/// root and in the cache (the lock's and the cache's own), and after an
/// interrupted build also beside every file the journal (in `old_lock`)
/// names, including ones that build never got to, whose directory may
/// hold nothing else. Under the repo lock no other kiln is writing, so
/// every file named exactly as kiln names its temporaries is a leftover;
/// nothing else is ever removed.
fn sweep_temporary_files(root: &Path, plan: &Plan, old_lock: &Lock, recovering: bool) {
    let mut directories: Vec<&str> = LEFTOVERS.to_vec();
    if recovering {
        let paths = plan
            .files
            .iter()
            .map(|(path, _)| path.as_str())
            .chain(old_lock.files.keys().map(String::as_str));
        directories.extend(paths.filter_map(|path| path.rsplit_once('/').map(|(dir, _)| dir)));
    }
    directories.sort_unstable();
    directories.dedup();
    sweep(root, &directories);
}

/// Where kiln's own writes (the lock, the cache) leave temporary files.
const LEFTOVERS: [&str; 2] = ["", paths::CACHE];

/// The sweep of a build with nothing else to do: the temporary files a
/// killed `kiln eject` or cache write left. Under the repo lock.
pub fn sweep_leftovers(root: &Path, _repo: &RepoLock) {
    sweep(root, &LEFTOVERS);
}

fn sweep(root: &Path, directories: &[&str]) {
    for directory in directories {
        for temporary in files::temporaries(root, directory) {
            if std::fs::remove_file(root.join(&temporary)).is_ok() {
                // A removed service's directory may have held only this file.
                files::remove_empty_parents(root, &temporary);
            }
        }
    }
}
