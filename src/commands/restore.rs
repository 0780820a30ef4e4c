//! `kiln restore PATH...`: an ejected file goes back to kiln.

use super::repo::{io, read_source};
use crate::diagnostics::Error;
use crate::output::lock::{Entry, Lock, hash};
use crate::output::paths;
use crate::output::plan::{self, Action};
use crate::output::{cache, write};
use crate::pipeline::{Generated, generate_with_lock};
use std::io::Write;
use std::path::Path;

/// `kiln restore PATH…`: gives ejected files back to kiln. Each is
/// rewritten as `kiln.toml` renders it, whatever was edited in it, and the
/// lock records it as kiln's again; nothing else is touched. Every path is
/// checked before anything is written, and the files go out through the
/// write sink, journal first, as a build's do.
pub fn restore(dir: &Path, files: &[String], out: &mut dyn Write) -> Result<(), Error> {
    use crate::diagnostics::Unrestorable;
    let source = read_source(dir)?;
    let _repo = write::lock_repo(dir)?;
    let (
        Generated {
            rendered, sources, ..
        },
        lock,
        recovering,
    ) = generate_with_lock(dir, &source)?;
    // The journal's hashes say which files that build wrote; only a build
    // may settle them into the lock.
    if recovering {
        return Err(Error::RestorePending);
    }
    let mut wanted: Vec<&str> = Vec::new();
    let mut refused = Vec::new();
    for file in files {
        let key = file.strip_prefix("./").unwrap_or(file);
        let why = match lock.files.get(key) {
            _ if paths::generated(key).is_err() => Some(Unrestorable::Unknown),
            Some(entry) if entry.ejected && rendered.contains_key(key) => None,
            Some(entry) if entry.ejected => Some(Unrestorable::NotRendered),
            Some(_) => Some(Unrestorable::NotEjected),
            None if rendered.contains_key(key) => Some(Unrestorable::NotEjected),
            None => Some(Unrestorable::Unknown),
        };
        match why {
            Some(why) => refused.push((file.clone(), why)),
            None if wanted.contains(&key) => {}
            None => wanted.push(key),
        }
    }
    if !refused.is_empty() {
        return Err(Error::Unrestorable { files: refused });
    }
    let mut next = Lock {
        version: Lock::VERSION,
        files: lock
            .files
            .iter()
            .map(|(path, entry)| (path.clone(), entry.settled()))
            .collect(),
    };
    let mut planned = Vec::new();
    let mut unsafe_paths = Vec::new();
    for key in &wanted {
        let contents = &rendered[*key];
        let action =
            match crate::output::files::read(dir, key, crate::output::files::MAX_FILE_BYTES) {
                Ok(None) => Action::Create,
                Ok(Some(disk)) if disk.bytes == contents.as_bytes() => Action::Unchanged,
                Ok(Some(_)) => Action::Update,
                Err(crate::output::files::Failure::Refused(reason)) => {
                    unsafe_paths.push((key.to_string(), reason));
                    continue;
                }
                Err(failure) => return Err(failure.at(*key, &dir.join(key))),
            };
        next.files.insert(
            key.to_string(),
            Entry {
                templates: sources.get(*key).cloned().unwrap_or_default(),
                ..Entry::new(hash(contents.as_bytes()))
            },
        );
        planned.push((key.to_string(), action));
    }
    if !unsafe_paths.is_empty() {
        return Err(Error::Unsafe {
            files: unsafe_paths,
        });
    }
    let plan = plan::Plan {
        files: planned,
        lock: next,
        seen: Default::default(),
        absent: Default::default(),
    };
    cache::forget(dir);
    write::apply(dir, &plan, &rendered, &lock, false)?;
    for (path, action) in &plan.files {
        let what = match action {
            Action::Create => "written from kiln.toml (it was not on disk)",
            Action::Unchanged => "it already was what kiln.toml renders",
            _ => "rewritten from kiln.toml, and what was in it replaced, hand edits included",
        };
        writeln!(out, "restored {path}: {what}; kiln owns it again").map_err(io(dir))?;
    }
    Ok(())
}
