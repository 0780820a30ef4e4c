//! The one way kiln reads, writes and deletes in a repo it does not trust.
//!
//! Everything in a repo can arrive in a pull request, symlinks and FIFOs
//! included. So every file is named by a path relative to a root that the
//! user chose, and reached one component at a time: a directory on the way
//! must be a real directory (never a symlink), and the file itself a
//! regular file, opened without following a link or blocking on a FIFO,
//! and read up to a cap. Which paths kiln may touch at all is decided in
//! `paths::generated`; this module decides how.

use std::fs::Metadata;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// The largest generated file, lock, journal or cache kiln reads. Far above
/// anything kiln writes (the lock of 2,000 services is about 15 MiB), far
/// below what would exhaust memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// Why kiln would not touch a path, or could not.
#[derive(Debug)]
pub enum Failure {
    /// The path is not something kiln reads or writes: a symlink, a FIFO, a
    /// directory where a file belongs, a file too large to be kiln's.
    Refused(String),
    /// The file system said no.
    Io(std::io::Error),
}

impl From<std::io::Error> for Failure {
    fn from(cause: std::io::Error) -> Self {
        Failure::Io(cause)
    }
}

impl Failure {
    /// The error to show, for the file the user knows as `shown`.
    pub fn at(self, shown: impl Into<String>, full: &Path) -> crate::Error {
        match self {
            Failure::Refused(reason) => crate::Error::Unsafe {
                files: vec![(shown.into(), reason)],
            },
            Failure::Io(cause) => crate::Error::Io {
                path: full.to_path_buf(),
                cause,
            },
        }
    }
}

/// Enough of a file's metadata to tell that it was not touched.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    size: u64,
    inode: u64,
    modified: (i64, i64),
    changed: (i64, i64),
}

impl Stamp {
    #[cfg(unix)]
    pub fn of(meta: &Metadata) -> Option<Stamp> {
        use std::os::unix::fs::MetadataExt;
        meta.file_type().is_file().then(|| Stamp {
            size: meta.size(),
            inode: meta.ino(),
            modified: (meta.mtime(), meta.mtime_nsec()),
            changed: (meta.ctime(), meta.ctime_nsec()),
        })
    }

    /// Without inode and change times the check is too weak to trust.
    #[cfg(not(unix))]
    pub fn of(_meta: &Metadata) -> Option<Stamp> {
        None
    }

    /// The stamp of the regular file at `rel`, not following a symlink.
    pub fn read(root: &Path, rel: &str) -> Option<Stamp> {
        if !parents(root, rel).ok()? {
            return None;
        }
        Stamp::of(&std::fs::symlink_metadata(root.join(rel)).ok()?)
    }

    /// The same, for a file whose directories `real_directories` proved real.
    pub fn read_in_checked_directory(root: &Path, rel: &str) -> Option<Stamp> {
        Stamp::of(&std::fs::symlink_metadata(root.join(rel)).ok()?)
    }

    /// Whether the file was last touched strictly before `other` was written.
    pub fn older_than(&self, other: &Stamp) -> bool {
        self.modified.max(self.changed) < other.modified
    }

    pub fn text(&self) -> String {
        format!(
            "{}:{}:{}.{}:{}.{}",
            self.size, self.inode, self.modified.0, self.modified.1, self.changed.0, self.changed.1
        )
    }

    pub fn parse(text: &str) -> Option<Stamp> {
        let mut parts = text.split(':');
        let size = parts.next()?.parse().ok()?;
        let inode = parts.next()?.parse().ok()?;
        let time = |part: Option<&str>| -> Option<(i64, i64)> {
            let (seconds, nanos) = part?.split_once('.')?;
            Some((seconds.parse().ok()?, nanos.parse().ok()?))
        };
        let modified = time(parts.next())?;
        let changed = time(parts.next())?;
        parts.next().is_none().then_some(Stamp {
            size,
            inode,
            modified,
            changed,
        })
    }
}

/// What the files kiln reads and writes looked like, by repo path.
pub type Stamps = std::collections::BTreeMap<String, Stamp>;

/// A file's contents, and its stamp taken when it was opened: a change
/// made while kiln reads leaves a stamp that no longer matches.
pub struct Contents {
    pub bytes: Vec<u8>,
    pub stamp: Option<Stamp>,
}

/// What sits at a path, as `symlink_metadata` sees it.
pub(super) fn what(meta: &Metadata) -> &'static str {
    let kind = meta.file_type();
    if kind.is_symlink() {
        return "a symlink";
    }
    if kind.is_dir() {
        return "a directory";
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return "a FIFO";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_block_device() || kind.is_char_device() {
            return "a device";
        }
    }
    "not a regular file"
}

/// Walks the directories above `rel` without following a symlink: `true`
/// when each is a real directory, `false` when one is missing.
fn parents(root: &Path, rel: &str) -> Result<bool, Failure> {
    walk_parents(root, rel, false)
}

/// The one walk down the directories above `rel`, each looked at with
/// `symlink_metadata`: a symlink or a file on the way is refused. A missing
/// one ends the walk with `false`, or with `create` is made (one at a time,
/// never through a link) and the walk goes on.
fn walk_parents(root: &Path, rel: &str, create: bool) -> Result<bool, Failure> {
    let Some((above, _)) = rel.rsplit_once('/') else {
        return Ok(true);
    };
    let refuse = |dir: &Path, what: &str| {
        Failure::Refused(format!("`{}` on its way is {what}", shown(root, dir)))
    };
    let mut dir = root.to_path_buf();
    for part in above.split('/') {
        dir.push(part);
        match std::fs::symlink_metadata(&dir) {
            Ok(meta) if meta.is_dir() => continue,
            Ok(meta) => return Err(refuse(&dir, what(&meta))),
            Err(cause) if cause.kind() == std::io::ErrorKind::NotFound && create => {}
            Err(cause) if cause.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(cause) => return Err(Failure::Io(cause)),
        }
        match std::fs::create_dir(&dir) {
            Ok(()) => {}
            // Another writer of this build made it meanwhile: look again.
            Err(cause) if cause.kind() == std::io::ErrorKind::AlreadyExists => {
                if !std::fs::symlink_metadata(&dir)?.is_dir() {
                    return Err(refuse(&dir, "not a directory"));
                }
            }
            Err(cause) => return Err(Failure::Io(cause)),
        }
    }
    Ok(true)
}

/// Each directory on the way down to `directory`, itself last: `a`, `a/b`, `a/b/c`.
pub(super) fn prefixes(directory: &str) -> impl Iterator<Item = &str> {
    directory
        .match_indices('/')
        .map(|(slash, _)| &directory[..slash])
        .chain(std::iter::once(directory))
}

/// Whether every directory above each of `paths` is a real directory (no
/// symlink), each directory looked at once however many files it holds.
pub fn real_directories<'a>(root: &Path, paths: impl Iterator<Item = &'a str>) -> bool {
    let mut directories: Vec<&str> = paths
        .filter_map(|path| path.rsplit_once('/').map(|(dir, _)| dir))
        .collect();
    directories.sort_unstable();
    directories.dedup();
    let mut proven: std::collections::HashSet<&str> = std::collections::HashSet::new();
    directories.iter().all(|directory| {
        prefixes(directory).all(|prefix| {
            proven.contains(prefix)
                || (std::fs::symlink_metadata(root.join(prefix)).is_ok_and(|m| m.is_dir())
                    && proven.insert(prefix))
        })
    })
}

/// `path` relative to `root`, as the user reads it.
fn shown(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// Refuses anything at `full` but a regular file (or nothing at all).
fn regular_or_missing(full: &Path) -> Result<bool, Failure> {
    match std::fs::symlink_metadata(full) {
        Ok(meta) if meta.file_type().is_file() => Ok(true),
        Ok(meta) => Err(Failure::Refused(format!("it is {}", what(&meta)))),
        Err(cause) if cause.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(cause) => Err(Failure::Io(cause)),
    }
}

/// Whether a regular file is at `rel` under `root`; anything else there,
/// or on the way, is refused.
pub fn exists(root: &Path, rel: &str) -> Result<bool, Failure> {
    Ok(parents(root, rel)? && regular_or_missing(&root.join(rel))?)
}

/// Opens a file for reading without following a symlink or waiting on a FIFO.
pub(super) fn open(full: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    options.open(full)
}

/// The regular file at `rel` under `root`, at most `max` bytes; `None`
/// when there is none.
pub fn read(root: &Path, rel: &str, max: u64) -> Result<Option<Contents>, Failure> {
    if !exists(root, rel)? {
        return Ok(None);
    }
    let full = root.join(rel);
    let file = match open(&full) {
        Ok(file) => file,
        Err(cause) if cause.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(cause) => return Err(Failure::Io(cause)),
    };
    read_opened(file, max).map(Some)
}

/// An opened file's contents, at most `max` bytes, if it is a regular file:
/// what was checked by name is checked again on what was opened.
pub(super) fn read_opened(file: std::fs::File, max: u64) -> Result<Contents, Failure> {
    let meta = file.metadata()?;
    if !meta.file_type().is_file() {
        return Err(Failure::Refused(format!("it is {}", what(&meta))));
    }
    if meta.len() > max {
        return Err(too_large(meta.len(), max));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Err(too_large(bytes.len() as u64, max));
    }
    Ok(Contents {
        bytes,
        stamp: Stamp::of(&meta),
    })
}

fn too_large(bytes: u64, max: u64) -> Failure {
    Failure::Refused(format!(
        "it is {bytes} bytes, more than the {max} kiln reads"
    ))
}

/// Makes every directory above each of `paths` that is missing, each
/// looked at once however many files it holds, as `walk_parents` would:
/// never through a symlink. On a refusal, the first path it stops.
pub fn make_directories<'a>(
    root: &Path,
    paths: impl Iterator<Item = &'a str>,
) -> Result<(), (&'a str, Failure)> {
    let mut made: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for path in paths {
        let Some((directory, _)) = path.rsplit_once('/') else {
            continue;
        };
        if made.contains(directory) {
            continue;
        }
        for prefix in prefixes(directory) {
            // Each directory's parents were made or proven before it.
            if !made.contains(prefix) {
                walk_last(root, prefix).map_err(|f| (path, f))?;
                made.insert(prefix);
            }
        }
    }
    Ok(())
}

/// The directory `rel`, whose parents are real directories: made when
/// missing, refused when anything else is there.
fn walk_last(root: &Path, rel: &str) -> Result<(), Failure> {
    let dir = root.join(rel);
    let refuse = |what: &str| Failure::Refused(format!("`{rel}` on its way is {what}"));
    match std::fs::symlink_metadata(&dir) {
        Ok(meta) if meta.is_dir() => return Ok(()),
        Ok(meta) => return Err(refuse(what(&meta))),
        Err(cause) if cause.kind() == std::io::ErrorKind::NotFound => {}
        Err(cause) => return Err(Failure::Io(cause)),
    }
    match std::fs::create_dir(&dir) {
        Ok(()) => Ok(()),
        Err(cause) if cause.kind() == std::io::ErrorKind::AlreadyExists => {
            if std::fs::symlink_metadata(&dir)?.is_dir() {
                Ok(())
            } else {
                Err(refuse("not a directory"))
            }
        }
        Err(cause) => Err(Failure::Io(cause)),
    }
}

/// Replaces the file at `rel` with `contents` in one rename, and stamps the
/// result. Whatever is there must be a regular file, or nothing.
pub fn write_atomic(root: &Path, rel: &str, contents: &[u8]) -> Result<Option<Stamp>, Failure> {
    walk_parents(root, rel, true)?;
    write_in_made_directory(root, rel, contents)
}

/// The same, for a file whose directories `make_directories` made.
pub fn write_in_made_directory(
    root: &Path,
    rel: &str,
    contents: &[u8],
) -> Result<Option<Stamp>, Failure> {
    let full = root.join(rel);
    regular_or_missing(&full)?;
    let parent = full.parent().unwrap_or(root);
    let (temp, mut file) = create_temporary(parent)?;
    let replaced = file
        .write_all(contents)
        .and_then(|()| std::fs::rename(&temp, &full));
    if let Err(cause) = replaced {
        let _ = std::fs::remove_file(&temp);
        return Err(Failure::Io(cause));
    }
    // The rename changed the file's change time: stamp it where it now is.
    Ok(std::fs::symlink_metadata(&full)
        .ok()
        .and_then(|meta| Stamp::of(&meta)))
}

/// Writes `contents` to `rel` only when nothing is there: `create_new`
/// never follows a symlink planted under the name, and never replaces a
/// file. `false` when something was there already.
pub fn create_once(root: &Path, rel: &str, contents: &[u8]) -> Result<bool, Failure> {
    walk_parents(root, rel, false)?;
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(root.join(rel));
    match created {
        Ok(mut file) => {
            file.write_all(contents)?;
            Ok(true)
        }
        Err(cause) if cause.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(cause) => Err(Failure::Io(cause)),
    }
}

/// Numbers this process's temporary files; with the process id, unique.
static TEMPORARIES: AtomicU64 = AtomicU64::new(0);

/// A new file beside the one it will replace, named as `paths::is_temporary`
/// knows, so that the sweep after an interrupted build finds it. Created
/// with the usual permissions, as any file the user writes; `create_new`
/// never follows a symlink planted under the name.
fn create_temporary(dir: &Path) -> std::io::Result<(PathBuf, std::fs::File)> {
    let mut last = None;
    // A leftover of a killed build may hold a name: try a few.
    for _ in 0..16 {
        let number = TEMPORARIES.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(
            "{}{}-{number}",
            crate::output::paths::TEMP_PREFIX,
            std::process::id()
        ));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)
        {
            Ok(file) => return Ok((temp, file)),
            Err(cause) if cause.kind() == std::io::ErrorKind::AlreadyExists => last = Some(cause),
            Err(cause) => return Err(cause),
        }
    }
    Err(last.unwrap_or_else(|| std::io::Error::other("no temporary file name left")))
}

/// Deletes the regular file at `rel`, and the directories it leaves empty
/// up to (not including) `root`. Nothing there is not an error.
pub fn remove(root: &Path, rel: &str) -> Result<(), Failure> {
    if !exists(root, rel)? {
        return Ok(());
    }
    match std::fs::remove_file(root.join(rel)) {
        Ok(()) => {}
        Err(cause) if cause.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(cause) => return Err(Failure::Io(cause)),
    }
    remove_empty_parents(root, rel);
    Ok(())
}

/// A removed service leaves no empty directories behind. Only the
/// directories named in `rel` are candidates, each already proven real.
pub fn remove_empty_parents(root: &Path, rel: &str) {
    let mut above = rel;
    while let Some((parent, _)) = above.rsplit_once('/') {
        if std::fs::remove_dir(root.join(parent)).is_err() {
            break;
        }
        above = parent;
    }
}

/// The temporary files kiln left in the directory `rel` (the root when
/// empty): only names that `paths::is_temporary` knows, only regular files.
pub fn temporaries(root: &Path, rel: &str) -> Vec<String> {
    let probe = if rel.is_empty() {
        "x".to_string()
    } else {
        format!("{rel}/x")
    };
    if !matches!(parents(root, &probe), Ok(true)) {
        return Vec::new();
    }
    let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let regular = entry.file_type().is_ok_and(|kind| kind.is_file());
        if regular && crate::output::paths::is_temporary(&name) {
            found.push(if rel.is_empty() {
                name
            } else {
                format!("{rel}/{name}")
            });
        }
    }
    found
}

/// Every regular file under the directory `rel`, as repo-relative paths,
/// without following a symlink; at most `limit` entries are looked at, so
/// a hostile tree cannot keep kiln walking. Symlinks and other non-regular
/// entries are returned apart, for the caller to refuse.
pub fn walk(root: &Path, rel: &str, limit: usize) -> Result<Walked, Failure> {
    let mut walked = Walked::default();
    let mut pending = vec![rel.to_string()];
    let mut seen = 0usize;
    if !parents(root, &format!("{rel}/x"))? {
        return Ok(walked);
    }
    while let Some(dir) = pending.pop() {
        let entries = match std::fs::read_dir(root.join(&dir)) {
            Ok(entries) => entries,
            Err(cause) if cause.kind() == std::io::ErrorKind::NotFound => continue,
            Err(cause) => return Err(Failure::Io(cause)),
        };
        for entry in entries {
            let entry = entry?;
            seen += 1;
            if seen > limit {
                return Err(Failure::Refused(format!(
                    "`{rel}` holds more than {limit} entries"
                )));
            }
            let path = format!("{dir}/{}", entry.file_name().to_string_lossy());
            let kind = entry.file_type()?;
            if kind.is_dir() {
                pending.push(path);
            } else if kind.is_file() {
                walked.files.push(path);
            } else {
                let meta = std::fs::symlink_metadata(entry.path())?;
                walked
                    .refused
                    .push((path, format!("it is {}", what(&meta))));
            }
        }
    }
    walked.files.sort();
    walked.refused.sort();
    Ok(walked)
}

/// What `walk` found.
#[derive(Default)]
pub struct Walked {
    pub files: Vec<String>,
    pub refused: Vec<(String, String)>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_round_trip_and_reject_garbage() {
        let stamp = Stamp {
            size: 12,
            inode: 34,
            modified: (1_700_000_000, 5),
            changed: (1_700_000_001, 999_999_999),
        };
        assert_eq!(Stamp::parse(&stamp.text()), Some(stamp));
        for bad in [
            "",
            "1:2",
            "1:2:3.4",
            "1:2:3.4:5.6:7",
            "a:2:3.4:5.6",
            "1:2:3:5.6",
        ] {
            assert_eq!(Stamp::parse(bad), None, "{bad}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn never_follows_a_symlink_or_blocks_on_a_fifo() {
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret"), "token").unwrap();
        let root = tempfile::tempdir().unwrap();
        let root = root.path();
        std::os::unix::fs::symlink(outside.path(), root.join("evil")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("secret"), root.join("link")).unwrap();
        assert!(matches!(
            read(root, "evil/secret", 100),
            Err(Failure::Refused(_))
        ));
        assert!(matches!(read(root, "link", 100), Err(Failure::Refused(_))));
        assert!(matches!(
            write_atomic(root, "evil/new", b"x"),
            Err(Failure::Refused(_))
        ));
        assert!(matches!(
            remove(root, "evil/secret"),
            Err(Failure::Refused(_))
        ));
        assert!(outside.path().join("secret").exists());
        assert!(!outside.path().join("new").exists());
        let status = std::process::Command::new("mkfifo")
            .arg(root.join("fifo"))
            .status();
        if status.is_ok_and(|s| s.success()) {
            assert!(matches!(read(root, "fifo", 100), Err(Failure::Refused(_))));
        }
        std::fs::write(root.join("big"), vec![b'x'; 101]).unwrap();
        assert!(matches!(read(root, "big", 100), Err(Failure::Refused(_))));
        assert_eq!(read(root, "missing/file", 100).unwrap().map(|_| ()), None);
    }
}
