//! A repo's template overrides, under `.kiln/templates`: found without
//! following a link, read only from regular files and only so much, each
//! checked to replace a bundled template and to lex within kiln's bounds.

use super::bundled::bundled;
use super::sandbox;
use crate::diagnostics::{Error, OverrideRule};
use crate::output::paths;
use std::collections::BTreeMap;
use std::path::Path;

/// A repo's replacement for one bundled template.
pub struct Override {
    /// Where it is, as the user reads it: `.kiln/templates/k8s/service.yaml.tera`.
    pub shown: String,
    pub text: String,
    /// Its tags in order, which give lines to what is found in its AST.
    pub tags: Vec<sandbox::Tag>,
}

/// The largest template override kiln reads, in bytes.
pub const MAX_OVERRIDE_BYTES: u64 = 1 << 20;

/// The most files and directories `.kiln/templates` may hold.
pub const MAX_OVERRIDE_ENTRIES: usize = 512;

/// The overrides under `<dir>/.kiln/templates`, by bundled template name.
/// A file there that replaces no bundled template is an error: it would
/// silently do nothing. The repo may come from a pull request: nothing is
/// read through a symlink, only regular files are read, and only so much.
pub fn overrides(dir: &Path) -> Result<BTreeMap<String, Override>, Error> {
    let (found, problems) = scan(dir)?;
    match combined(problems) {
        Some(err) => Err(err),
        None => Ok(found),
    }
}

/// The overrides that could be read, and the problems with the others.
/// The error is one that stops the scan itself.
pub type Scan = (BTreeMap<String, Override>, Vec<Error>);

pub fn scan(dir: &Path) -> Result<Scan, Error> {
    let mut found = BTreeMap::new();
    let root = dir.join(paths::OVERRIDES);
    // `.kiln`, then `.kiln/templates`: absent means no overrides; anything
    // but a real directory is refused, as a link could lead anywhere.
    let kiln_dir = Path::new(paths::OVERRIDES)
        .parent()
        .map_or_else(String::new, |p| p.to_string_lossy().into_owned());
    for shown in [kiln_dir.as_str(), paths::OVERRIDES] {
        let path = dir.join(shown);
        let kind = match std::fs::symlink_metadata(&path) {
            Ok(meta) => meta.file_type(),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                return Ok((found, Vec::new()));
            }
            Err(cause) => return Err(Error::Io { path, cause }),
        };
        if !kind.is_dir() {
            let rule = if kind.is_symlink() {
                OverrideRule::Symlink
            } else {
                OverrideRule::NotDirectory {
                    root: paths::OVERRIDES,
                }
            };
            return Err(refused(shown.to_string(), None, rule));
        }
    }
    let names: Vec<String> = bundled().into_iter().map(|(name, _)| name).collect();
    let holds_bundled = |rel: &str| {
        names.iter().any(|name| {
            name.strip_prefix(rel)
                .is_some_and(|rest| rest.starts_with('/'))
        })
    };
    let mut problems = Vec::new();
    let mut seen = 0;
    let mut pending = vec![String::new()];
    while let Some(rel) = pending.pop() {
        let current = root.join(&rel);
        let io = |cause| Error::Io {
            path: current.clone(),
            cause,
        };
        let mut entries = Vec::new();
        for entry in std::fs::read_dir(&current).map_err(io)? {
            seen += 1;
            if seen > MAX_OVERRIDE_ENTRIES {
                return Err(refused(
                    paths::OVERRIDES.to_string(),
                    None,
                    OverrideRule::TooManyFiles {
                        max: MAX_OVERRIDE_ENTRIES,
                    },
                ));
            }
            let entry = entry.map_err(io)?;
            // The entry's own type: `DirEntry::file_type` never follows a link.
            let kind = entry.file_type().map_err(io)?;
            entries.push((entry.file_name().to_string_lossy().into_owned(), kind));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        for (file_name, kind) in entries {
            let name = if rel.is_empty() {
                file_name
            } else {
                format!("{rel}/{file_name}")
            };
            let shown = format!("{}/{name}", paths::OVERRIDES);
            if kind.is_symlink() {
                problems.push(refused(shown, None, OverrideRule::Symlink));
            } else if kind.is_dir() && holds_bundled(&name) {
                pending.push(name);
            } else if kind.is_dir() || !names.contains(&name) {
                problems.push(Error::UnknownOverride {
                    file: shown,
                    suggestion: crate::diagnostics::suggest(
                        &name,
                        names.iter().map(String::as_str),
                    )
                    .map(str::to_string),
                    root: paths::OVERRIDES,
                });
            } else if !kind.is_file() {
                problems.push(refused(shown, None, OverrideRule::NotRegular));
            } else {
                match read_override(&root.join(&name), &shown) {
                    Err(err) => problems.push(err),
                    Ok(text) => match sandbox::tags(&text) {
                        Err((line, rule)) => problems.push(refused(shown, Some(line), rule)),
                        Ok(tags) => {
                            found.insert(name, Override { shown, text, tags });
                        }
                    },
                }
            }
        }
    }
    Ok((found, problems))
}

/// The text of the override at `path`, a regular file of at most
/// `MAX_OVERRIDE_BYTES`: opened without following a link and without
/// waiting on a FIFO, then checked on the open handle.
fn read_override(path: &Path, shown: &str) -> Result<String, Error> {
    use std::io::Read;
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let io = |cause| Error::Io {
        path: path.to_path_buf(),
        cause,
    };
    let file = match options.open(path) {
        Ok(file) => file,
        // ELOOP: it became a link since it was listed.
        #[cfg(unix)]
        Err(err) if err.raw_os_error() == Some(libc::ELOOP) => {
            return Err(refused(shown.to_string(), None, OverrideRule::Symlink));
        }
        Err(err) => return Err(io(err)),
    };
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(refused(shown.to_string(), None, OverrideRule::NotRegular));
    }
    let too_large = |bytes| {
        refused(
            shown.to_string(),
            None,
            OverrideRule::TooLarge {
                bytes,
                max: MAX_OVERRIDE_BYTES,
            },
        )
    };
    if meta.len() > MAX_OVERRIDE_BYTES {
        return Err(too_large(meta.len()));
    }
    let mut bytes = Vec::new();
    file.take(MAX_OVERRIDE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(io)?;
    if bytes.len() as u64 > MAX_OVERRIDE_BYTES {
        return Err(too_large(bytes.len() as u64));
    }
    String::from_utf8(bytes).map_err(|_| refused(shown.to_string(), None, OverrideRule::NotUtf8))
}

/// The overrides of a git revision: `(name, shown, text)` for each file
/// git lists under `.kiln/templates`, its text or why it was not read,
/// held to the same rules as the work tree's overrides.
pub fn listed(listed: Vec<(String, String, Result<String, Error>)>) -> Scan {
    let names: Vec<String> = bundled().into_iter().map(|(name, _)| name).collect();
    let mut found = BTreeMap::new();
    let mut problems = Vec::new();
    for (name, shown, text) in listed {
        if !names.contains(&name) {
            problems.push(Error::UnknownOverride {
                file: shown,
                suggestion: crate::diagnostics::suggest(&name, names.iter().map(String::as_str))
                    .map(str::to_string),
                root: paths::OVERRIDES,
            });
        } else {
            match text {
                Err(err) => problems.push(err),
                Ok(text) => match sandbox::tags(&text) {
                    Err((line, rule)) => problems.push(refused(shown, Some(line), rule)),
                    Ok(tags) => {
                        found.insert(name, Override { shown, text, tags });
                    }
                },
            }
        }
    }
    (found, problems)
}

pub fn refused(file: String, line: Option<usize>, rule: OverrideRule) -> Error {
    Error::Override { file, line, rule }
}

/// One error for all of `problems`, if any.
pub fn combined(mut problems: Vec<Error>) -> Option<Error> {
    match problems.len() {
        0 => None,
        1 => problems.pop(),
        _ => Some(Error::Overrides(problems)),
    }
}
