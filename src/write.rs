//! The sink that carries a plan out on disk. Every file is replaced
//! atomically (temporary file + rename) and the lock is written last, so an
//! interrupted build leaves each file whole, old or new. There is no fsync:
//! the guarantee covers a killed process, not a power cut, as with git.

use crate::error::Error;
use crate::lock::Lock;
use crate::paths;
use crate::plan::{Action, Plan};
use crate::render::Rendered;
use std::io::Write;
use std::path::Path;

/// Writes the files a plan creates or updates, deletes the ones it drops,
/// then the lock if it changed.
pub fn apply(root: &Path, plan: &Plan, rendered: &Rendered, old_lock: &Lock) -> Result<(), Error> {
    for (path, action) in &plan.files {
        paths::check(path)?;
        match action {
            Action::Create | Action::Update => {
                let contents = rendered.get(path).map(String::as_bytes).unwrap_or_default();
                write_atomic(&root.join(path), contents)?;
            }
            Action::Delete => {
                let full = root.join(path);
                std::fs::remove_file(&full).map_err(|cause| Error::Io {
                    path: full.clone(),
                    cause,
                })?;
                remove_empty_parents(root, &full);
            }
            Action::Unchanged | Action::Ejected | Action::Edited | Action::Foreign => {}
        }
    }
    if plan.lock == *old_lock && root.join(paths::LOCK).exists() {
        return Ok(());
    }
    write_atomic(&root.join(paths::LOCK), plan.lock.to_text().as_bytes())
}

/// Replaces `path` with `contents` in one rename.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), Error> {
    let io = |cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    };
    let parent = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io)?;
    let mut file = tempfile::Builder::new()
        .prefix(".kiln-")
        .tempfile_in(parent)
        .map_err(io)?;
    file.write_all(contents).map_err(io)?;
    // Temporary files are private; generated files are as readable as any source file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        file.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o644))
            .map_err(io)?;
    }
    file.persist(path).map_err(|err| io(err.error))?;
    Ok(())
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
