//! `kiln.lock`: which files kiln wrote, and the hash of what it wrote.
//! A file whose hash no longer matches was edited by hand.

use crate::diagnostics::Source;
use crate::diagnostics::{Error, KeyPath, Problem};
use crate::digest::hex;
use crate::output::files;
use crate::output::paths;
pub use entry::{Entry, Lock};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;
use text::from_toml;

mod entry;
mod text;

const HEADER: &str = "# kiln.lock: the files kiln wrote and the sha256 of what it wrote.\n\
                      # Commit it; kiln uses it to tell its files from your edits. Do not edit.\n";

/// How many entries of the lock each core writes out at a time.
const LOCK_PIECE: usize = 256;

/// A string from a file kiln does not trust, safe to print on a terminal:
/// control characters escaped, cut at 120 characters.
fn printable(text: &str) -> String {
    let mut out: String = text
        .chars()
        .take(120)
        .flat_map(char::escape_debug)
        .collect();
    if text.chars().count() > 120 {
        out.push('…');
    }
    out
}

/// 64 lowercase hex digits, as `hash` writes them.
fn is_sha256(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub fn hash(contents: &[u8]) -> String {
    hex(&Sha256::digest(contents))
}

impl Lock {
    /// Version 2 added `templates`; version 1 locks are read as they are.
    pub const VERSION: u32 = 2;

    /// Reads the repo's lock, and the journal of a build that was
    /// interrupted, if any: a file holding what that build was writing is
    /// still kiln's, not a hand edit. Returns whether a journal was found.
    pub fn read_with_journal(root: &Path) -> Result<(Lock, bool), Error> {
        let mut lock = Lock::read(root, paths::LOCK)?;
        let Some(journal) = Lock::read_file(root, paths::JOURNAL)? else {
            return Ok((lock, false));
        };
        lock.merge(journal);
        Ok((lock, true))
    }

    /// Takes in what an interrupted build's journal says it was writing.
    fn merge(&mut self, journal: Lock) {
        let lock = self;
        for (path, pending) in journal.files {
            match lock.files.get_mut(&path) {
                Some(entry) => {
                    for hash in pending.hashes() {
                        if !entry.written_by_kiln(hash) {
                            entry.also.push(hash.clone());
                        }
                    }
                }
                None => {
                    lock.files.insert(path, pending);
                }
            }
        }
    }

    /// A lock and a journal from their texts, checked and merged as a build
    /// reads them: for the fuzzer.
    pub fn from_texts(lock: &str, journal: &str) -> Result<Lock, Error> {
        let mut merged = Lock::parse(lock.to_string(), paths::LOCK, Path::new(paths::LOCK))?;
        merged.merge(Lock::parse(
            journal.to_string(),
            paths::JOURNAL,
            Path::new(paths::JOURNAL),
        )?);
        Ok(merged)
    }

    /// The journal for a build from `self` to `next`: the new lock, with
    /// every hash kiln wrote before at each path, so that a chain of
    /// interrupted builds never turns kiln's own files into "hand edits".
    pub fn journal_for(&self, next: &Lock) -> Lock {
        let mut journal = next.clone();
        for (path, entry) in &mut journal.files {
            if let Some(old) = self.files.get(path) {
                entry.also = old
                    .hashes()
                    .filter(|h| **h != entry.sha256)
                    .cloned()
                    .collect();
            }
        }
        // Files this build is about to delete stay on record until it ends:
        // killed before deleting them, the next build still knows them as
        // kiln's and deletes them, instead of leaving them behind forever.
        for (path, entry) in &self.files {
            journal
                .files
                .entry(path.clone())
                .or_insert_with(|| entry.clone());
        }
        journal
    }

    /// The repo's lock when it marks any file ejected, else an empty one:
    /// what checking the kustomizations needs (see `listing`). Most repos
    /// eject nothing, and a scan of the headers says so without parsing a
    /// lock of 30,000 files; any other lock is read and checked in full.
    pub fn read_for_ejected(root: &Path) -> Result<Lock, Error> {
        let empty = Lock {
            version: Self::VERSION,
            files: BTreeMap::new(),
        };
        let text = match files::read(root, paths::LOCK, files::MAX_FILE_BYTES) {
            Ok(None) => return Ok(empty),
            Ok(Some(contents)) => String::from_utf8(contents.bytes).ok(),
            // Read again below, where the failure is reported.
            Err(_) => None,
        };
        let none_ejected = text
            .as_deref()
            .and_then(Lock::listed)
            .is_some_and(|listed| listed.iter().all(|(_, ejected)| !ejected));
        if none_ejected {
            return Ok(empty);
        }
        Lock::read(root, paths::LOCK)
    }

    /// Reads the lock at `rel` under `root`; a missing lock is an empty one.
    pub fn read(root: &Path, rel: &str) -> Result<Lock, Error> {
        Ok(Lock::read_file(root, rel)?.unwrap_or_else(|| Lock {
            version: Self::VERSION,
            files: BTreeMap::new(),
        }))
    }

    /// Reads and checks the lock (or journal) at `rel`, if there is one. It
    /// may come from a pull request: an entry that is not a path kiln
    /// generates, or a hash that is not one, is refused with its place in
    /// the file before anything is planned.
    fn read_file(root: &Path, rel: &str) -> Result<Option<Lock>, Error> {
        let full = root.join(rel);
        let shown = if root == Path::new(".") {
            rel.to_string()
        } else {
            full.display().to_string()
        };
        let Some(contents) =
            files::read(root, rel, files::MAX_FILE_BYTES).map_err(|f| f.at(&shown, &full))?
        else {
            return Ok(None);
        };
        let text = String::from_utf8(contents.bytes).map_err(|_| Error::BadLock {
            path: full.clone(),
            cause: "it is not UTF-8".to_string(),
        })?;
        Lock::parse(text, &shown, &full).map(Some)
    }

    /// The lock in `text`, checked; `shown` and `full` name its file.
    fn parse(text: String, shown: &str, full: &Path) -> Result<Lock, Error> {
        let bad = |cause: String| Error::BadLock {
            path: full.to_path_buf(),
            cause,
        };
        let lock = from_toml(&text).map_err(|err| bad(err.message().to_string()))?;
        if !(1..=Self::VERSION).contains(&lock.version) {
            return Err(bad(format!(
                "version {} is not one this kiln reads (it reads 1 to {})",
                lock.version,
                Self::VERSION
            )));
        }
        let problems = lock.problems(shown);
        if !problems.is_empty() {
            return Err(Source {
                name: shown.to_string(),
                text,
            }
            .invalid(&problems));
        }
        Ok(lock)
    }

    /// Every entry that names a path kiln does not generate, or holds a
    /// hash that is not a sha256.
    fn problems(&self, shown: &str) -> Vec<Problem> {
        let entries: Vec<(&String, &Entry)> = self.files.iter().collect();
        // Tens of thousands of entries: checked on every core, in order.
        crate::parallel::map(&entries, |(path, entry)| {
            let mut problems = Vec::new();
            // Made only for a problem: most of 30,000 entries have none.
            let key = || KeyPath::new(&["files", path]);
            if let Err(reason) = paths::generated(path) {
                problems.push(Problem::foreign_lock_entry(
                    &key(),
                    shown,
                    &printable(path),
                    reason,
                ));
                return problems;
            }
            for (field, hash) in std::iter::once(("sha256", &entry.sha256))
                .chain(entry.also.iter().map(|h| ("also", h)))
            {
                if !is_sha256(hash) {
                    problems.push(Problem::bad_lock_hash(
                        &key().key(field),
                        shown,
                        &printable(hash),
                    ));
                }
            }
            problems
        })
        .into_iter()
        .flatten()
        .collect()
    }

    /// The files a lock as kiln writes it lists, each with whether it is
    /// ejected, read from its table headers without a full parse: for the
    /// cache, which only needs to see that its list agrees. `None` when the
    /// text is not in the form kiln writes (then the cache is not used).
    pub fn listed(text: &str) -> Option<Vec<(&str, bool)>> {
        let mut listed: Vec<(&str, bool)> = Vec::new();
        for line in text.lines() {
            if let Some(header) = line.strip_prefix("[files.") {
                let key = text::file_key(header)?;
                // Every path kiln writes needs no escape, nor a quote or
                // bracket: anything else is a lock kiln did not write.
                if key.contains(['\'', '[', ']']) {
                    return None;
                }
                listed.push((key, false));
            } else if line == "ejected = true" {
                listed.last_mut()?.1 = true;
            } else if line.starts_with('[') || line.starts_with("files") {
                return None;
            }
        }
        Some(listed)
    }

    pub fn to_text(&self) -> String {
        // A lock of 30,000 files takes a while to write out, and the build
        // waits for it: its tables in pieces, on every core, each piece
        // written as the whole would write it (the `[files."…"]` tables
        // stand alone, so the pieces join into the same text).
        #[derive(Serialize)]
        struct Version {
            version: u32,
        }
        #[derive(Serialize)]
        struct Files<'a> {
            files: BTreeMap<&'a String, &'a Entry>,
        }
        if self.files.is_empty() {
            // Serialising plain strings and maps cannot fail.
            return format!("{HEADER}{}", toml::to_string(self).unwrap_or_default());
        }
        let entries: Vec<(&String, &Entry)> = self.files.iter().collect();
        let pieces: Vec<&[(&String, &Entry)]> = entries.chunks(LOCK_PIECE).collect();
        // Serialising plain strings and maps cannot fail.
        let tables = crate::parallel::map(&pieces, |piece| {
            let files = piece.iter().copied().collect();
            toml::to_string(&Files { files }).unwrap_or_default()
        });
        let version = toml::to_string(&Version {
            version: self.version,
        })
        .unwrap_or_default();
        let mut text = format!("{HEADER}{version}");
        for table in tables {
            text.push('\n');
            text.push_str(&table);
        }
        text
    }
}

impl Problem {
    /// A rendered object contradicts another: always a bug in kiln, never in `kiln.toml`.
    pub fn foreign_lock_entry(key: &KeyPath, file: &str, path: &str, reason: &str) -> Self {
        Problem::at(
            key,
            format!("`{file}` names `{path}`, but {reason}"),
            Some(format!(
                "`{file}` is written by kiln alone, and kiln touches nothing else: \
                 restore it with `git checkout -- {file}`, or delete it and run `kiln build`"
            )),
        )
    }

    pub fn bad_lock_hash(key: &KeyPath, file: &str, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` in `{file}` is `{value}`, not a sha256 (64 lowercase hex digits)"),
            Some(format!(
                "`{file}` is written by kiln alone: restore it with `git checkout -- {file}`"
            )),
        )
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_lock_written_in_pieces_is_the_lock_written_whole() {
        use super::{Entry, Lock};
        for count in [0, 1, 255, 256, 257, 1000] {
            let mut lock = Lock {
                version: Lock::VERSION,
                files: Default::default(),
            };
            for i in 0..count {
                let mut entry = Entry::new(format!("{i:064x}"));
                entry.templates = vec!["k8s/service.yaml.tera".into()];
                entry.ejected = i % 7 == 0;
                if i % 5 == 0 {
                    entry.also = vec!["ab".repeat(32)];
                }
                lock.files
                    .insert(format!("deploy/dev/services/s{i}/service.yaml"), entry);
            }
            let whole = format!("{}{}", super::HEADER, toml::to_string(&lock).unwrap());
            assert_eq!(lock.to_text(), whole, "{count} entries");
        }
    }

    use super::*;

    #[test]
    fn the_listing_agrees_with_the_parse_or_gives_up() {
        let mut lock = Lock {
            version: Lock::VERSION,
            files: BTreeMap::new(),
        };
        lock.files
            .insert("Jenkinsfile".into(), Entry::new("a".repeat(64)));
        lock.files.insert(
            "deploy/dev/kustomization.yaml".into(),
            Entry {
                ejected: true,
                templates: vec!["k8s/kustomization.yaml.tera".into()],
                ..Entry::new("b".repeat(64))
            },
        );
        let text = lock.to_text();
        assert_eq!(
            Lock::listed(&text),
            Some(vec![
                ("Jenkinsfile", false),
                ("deploy/dev/kustomization.yaml", true)
            ])
        );
        for odd in [
            "version = 2\nfiles = { a = { sha256 = \"x\" } }\n",
            "version = 2\n[files]\n",
            "version = 2\n[files.\"a\\\"b\"]\n",
            "ejected = true\n",
        ] {
            assert_eq!(Lock::listed(odd), None, "{odd}");
        }
    }
}
