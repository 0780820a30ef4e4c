//! `kiln eject PATH...`: a generated file becomes the user's.

use super::repo::{io, read_source};
use crate::diagnostics::Error;
use crate::output::lock::{Entry, Lock, hash};
use crate::output::paths;
use crate::output::write;
use crate::pipeline::{Verify, generate};
use crate::render::Rendered;
use std::io::Write;
use std::path::Path;

pub fn eject(dir: &Path, files: &[String], out: &mut dyn Write) -> Result<(), Error> {
    let _repo = write::lock_repo(dir)?;
    let mut lock = Lock::read(dir, paths::LOCK)?;
    // Rendered only when a path is not in the lock: then it may be a file of
    // the user's own (a hand-written Dockerfile) that kiln would write.
    let mut rendered: Option<Rendered> = None;
    for file in files {
        let key = file.strip_prefix("./").unwrap_or(file);
        if let Some(entry) = lock.files.get_mut(key) {
            if entry.ejected {
                return Err(Error::EjectAgain { path: file.clone() });
            }
            entry.ejected = true;
            continue;
        }
        if rendered.is_none() {
            rendered = Some(generate(dir, &read_source(dir)?, Verify::Render)?.rendered);
        }
        if !rendered.as_ref().is_some_and(|r| r.contains_key(key)) {
            return Err(Error::EjectUnknown { path: file.clone() });
        }
        let contents = crate::output::files::read(dir, key, crate::output::files::MAX_FILE_BYTES)
            .map_err(|f| f.at(key, &dir.join(key)))?
            .map(|contents| contents.bytes)
            .unwrap_or_default();
        lock.files.insert(
            key.to_string(),
            Entry {
                ejected: true,
                ..Entry::new(hash(&contents))
            },
        );
    }
    write::write(dir, paths::LOCK, lock.to_text().as_bytes())?;
    for file in files {
        writeln!(
            out,
            "ejected {file}: it is yours now; kiln will never write or delete it again (`kiln restore` gives it back)"
        )
        .map_err(io(dir))?;
    }
    Ok(())
}
