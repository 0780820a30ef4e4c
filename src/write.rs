//! The sink that carries a plan out on disk. Every file is replaced
//! atomically (temporary file + rename) and the lock is written last, so an
//! interrupted build leaves each file whole, old or new. There is no fsync:
//! the guarantee covers a killed process, not a power cut, as with git.

use crate::cache::{Stamp, Stamps};
use crate::error::Error;
use crate::lock::Lock;
use crate::paths;
use crate::plan::{Action, Plan};
use crate::render::Rendered;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

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

/// Writes the files a plan creates or updates, deletes the ones it drops,
/// then the lock. When the lock changes, the new lock is first written as a
/// journal, so that a build killed halfway leaves a record of what it was
/// writing and the next build does not mistake those files for hand edits.
pub fn apply(
    root: &Path,
    plan: &Plan,
    rendered: &Rendered,
    old_lock: &Lock,
    recovering: bool,
) -> Result<Stamps, Error> {
    let mut written = Stamps::new();
    let lock_path = root.join(paths::LOCK);
    let journal = root.join(paths::JOURNAL);
    let lock_changes = plan.lock != *old_lock || !lock_path.exists();
    if lock_changes {
        write_atomic(
            &journal,
            old_lock.journal_for(&plan.lock).to_text().as_bytes(),
        )?;
    }
    let mut writes = Vec::new();
    for (path, action) in &plan.files {
        paths::check(path)?;
        match action {
            Action::Create | Action::Update => writes.push(path),
            Action::Delete => {
                let full = root.join(path);
                match std::fs::remove_file(&full) {
                    Ok(()) => remove_empty_parents(root, &full),
                    Err(cause) if cause.kind() == std::io::ErrorKind::NotFound => {}
                    Err(cause) => return Err(Error::Io { path: full, cause }),
                }
            }
            Action::Unchanged | Action::Ejected | Action::Edited | Action::Foreign => {}
        }
    }
    // Creating files is most of a first build: spread it over the cores. The
    // journal is already written, and every file is replaced whole, so the
    // order does not matter.
    let results = crate::parallel::map(&writes, |path| {
        let contents = rendered
            .get(*path)
            .map(String::as_bytes)
            .unwrap_or_default();
        write_atomic(&root.join(path), contents)
    });
    for (path, result) in writes.into_iter().zip(results) {
        if let Some(stamp) = result? {
            written.insert(path.clone(), stamp);
        }
    }
    if lock_changes || recovering {
        write_atomic(&lock_path, plan.lock.to_text().as_bytes())?;
    }
    if recovering {
        sweep_temporary_files(root, plan, old_lock);
    }
    if lock_changes || recovering {
        std::fs::remove_file(&journal)
            .or_else(|e| {
                if e.kind() == std::io::ErrorKind::NotFound {
                    Ok(())
                } else {
                    Err(e)
                }
            })
            .map_err(|cause| Error::Io {
                path: journal,
                cause,
            })?;
    }
    Ok(written)
}

/// Removes the temporary files a killed build left beside the files it was
/// replacing. Only after an interrupted build, and under the repo lock.
/// The journal (in `old_lock`) names every file the killed build meant to
/// write, including ones it never got to, whose directory may hold nothing
/// else but that build's temporary file.
fn sweep_temporary_files(root: &Path, plan: &Plan, old_lock: &Lock) {
    let mut directories: Vec<std::path::PathBuf> = vec![root.to_path_buf()];
    let paths = plan
        .files
        .iter()
        .map(|(path, _)| path)
        .chain(old_lock.files.keys());
    directories.extend(paths.filter_map(|path| root.join(path).parent().map(Path::to_path_buf)));
    directories.sort();
    directories.dedup();
    for directory in directories {
        let Ok(entries) = std::fs::read_dir(&directory) else {
            continue;
        };
        for entry in entries.flatten() {
            if entry
                .file_name()
                .to_string_lossy()
                .starts_with(paths::TEMP_PREFIX)
                && std::fs::remove_file(entry.path()).is_ok()
            {
                // A removed service's directory may have held only this file.
                remove_empty_parents(root, &entry.path());
            }
        }
    }
}

/// Replaces `path` with `contents` in one rename, and stamps the result.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<Option<Stamp>, Error> {
    let io = |cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    };
    let parent = path.parent().unwrap_or(Path::new("."));
    let (temp, mut file) = create_temporary(parent).map_err(io)?;
    let replaced = file
        .write_all(contents)
        .and_then(|()| std::fs::rename(&temp, path));
    if let Err(cause) = replaced {
        let _ = std::fs::remove_file(&temp);
        return Err(io(cause));
    }
    // The rename changed the file's change time: stamp it where it now is.
    Ok(std::fs::metadata(path)
        .ok()
        .and_then(|meta| Stamp::of(&meta)))
}

/// Numbers this process's temporary files; with the process id, unique.
static TEMPORARIES: AtomicU64 = AtomicU64::new(0);

/// A new file beside the one it will replace, named so that the sweep after
/// an interrupted build finds it. Created with the usual permissions (as
/// any file the user writes), and its directory only when it is missing.
fn create_temporary(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut last = None;
    // A leftover of a killed build may hold a name; a directory may vanish
    // under a concurrent `rm`: retry a few times, then give up with the cause.
    for _ in 0..16 {
        let number = TEMPORARIES.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(
            "{}{}-{number}",
            paths::TEMP_PREFIX,
            std::process::id()
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
        {
            Ok(file) => return Ok((temp, file)),
            Err(cause) if cause.kind() == std::io::ErrorKind::NotFound => {
                std::fs::create_dir_all(dir)?;
                last = Some(cause);
            }
            Err(cause) if cause.kind() == std::io::ErrorKind::AlreadyExists => last = Some(cause),
            Err(cause) => return Err(cause),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no temporary file name left")))
}

/// A removed service leaves no empty directories behind.
fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(current) = dir {
        if current == root || std::fs::remove_dir(current).is_err() {
            break;
        }
        dir = current.parent();
    }
}
