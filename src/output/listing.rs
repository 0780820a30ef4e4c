//! What each environment's kustomization lists, against the files a build
//! leaves on disk, where ejected files can make the two disagree: an
//! ejected file deleted while a kustomization still lists it, one kiln no
//! longer renders (so kiln's kustomization drops it), an ejected
//! kustomization that lists a file that is gone or leaves out one kiln
//! writes. `build`, `check` and `diff` all ask here, so that none of them
//! is green while `kubectl apply -k` fails or leaves a file out.
//!
//! The state judged is the repo as `kiln build` leaves it: the files kiln
//! writes as rendered, the lock's files that kiln no longer renders gone,
//! ejected files as they are on disk. It needs the disk only where a file
//! is ejected, so a repo without ejected files costs nothing.

use crate::diagnostics::{Error, ListingFault, ListingProblem};
use crate::output::Rendered;
use crate::output::files::{self, Failure};
use crate::output::lock::Lock;
use crate::output::paths;
use std::collections::{BTreeSet, HashMap};
use std::path::Path;

/// Every listing problem of the repo at `root`, environment by environment.
pub fn audit(root: &Path, rendered: &Rendered, lock: &Lock) -> Result<Vec<ListingProblem>, Error> {
    let ejected: BTreeSet<&str> = lock
        .files
        .iter()
        .filter(|(_, entry)| entry.ejected)
        .map(|(path, _)| path.as_str())
        .collect();
    // Only an environment that holds an ejected file can have a problem.
    let environments: BTreeSet<&str> = ejected
        .iter()
        .copied()
        .filter_map(paths::environment_of)
        .collect();
    let disk = Disk { root, ejected };
    let mut problems = Vec::new();
    for environment in environments {
        let dir = paths::environment_dir(environment);
        let kustomization = format!("{dir}/kustomization.yaml");
        // kiln's own listing, as the build writes it (an override may change it).
        let (kilns, kilns_text) = match rendered.get(&kustomization) {
            Some(text) => (
                listed(text).map(|l| l.entries).unwrap_or_default(),
                text.as_str(),
            ),
            None => (Vec::new(), ""),
        };
        let found = if disk.ejected.contains(kustomization.as_str()) {
            disk.ejected_kustomization(&dir, &kustomization, &kilns, rendered, lock)?
        } else {
            disk.kilns_kustomization(&dir, &kustomization, &kilns, kilns_text, rendered)?
        };
        problems.extend(found);
    }
    Ok(problems)
}

/// The ejected files and how to look at them.
struct Disk<'a> {
    root: &'a Path,
    ejected: BTreeSet<&'a str>,
}

impl Disk<'_> {
    /// Whether something is at an ejected path. kiln does not look into
    /// what it may not read (a symlink, say): that is there, and the user's.
    fn present(&self, path: &str) -> Result<bool, Error> {
        match files::exists(self.root, path) {
            Ok(present) => Ok(present),
            Err(Failure::Refused(_)) => Ok(true),
            Err(Failure::Io(cause)) => Err(Error::Io {
                path: self.root.join(path),
                cause,
            }),
        }
    }

    /// Whether a file kiln knows is on disk once `kiln build` ran.
    fn after_build(&self, path: &str, rendered: &Rendered) -> Result<bool, Error> {
        if self.ejected.contains(path) {
            self.present(path)
        } else {
            Ok(rendered.contains_key(path))
        }
    }

    /// kiln writes the kustomization: it must not list an ejected file that
    /// is gone, and an ejected file it no longer renders falls out of it.
    fn kilns_kustomization(
        &self,
        dir: &str,
        kustomization: &str,
        kilns: &[String],
        text: &str,
        rendered: &Rendered,
    ) -> Result<Vec<ListingProblem>, Error> {
        let mut problems = Vec::new();
        let mut lines: Option<Lines> = None;
        for entry in kilns {
            let path = format!("{dir}/{entry}");
            if self.ejected.contains(path.as_str()) && !self.present(&path)? {
                let lines = lines.get_or_insert_with(|| item_lines(text));
                problems.push(ListingProblem {
                    path,
                    kustomization: kustomization.to_string(),
                    line: lines.get(entry.as_str()).copied(),
                    fault: ListingFault::Missing,
                });
            }
        }
        let prefix = format!("{dir}/");
        for path in &self.ejected {
            if path.starts_with(&prefix)
                && *path != kustomization
                && !rendered.contains_key(*path)
                && self.present(path)?
            {
                problems.push(ListingProblem {
                    path: path.to_string(),
                    kustomization: kustomization.to_string(),
                    line: None,
                    fault: ListingFault::Dropped,
                });
            }
        }
        Ok(problems)
    }

    /// The user writes the kustomization: what it lists must be there, and
    /// it must list every file kiln writes into the environment.
    fn ejected_kustomization(
        &self,
        dir: &str,
        kustomization: &str,
        kilns: &[String],
        rendered: &Rendered,
        lock: &Lock,
    ) -> Result<Vec<ListingProblem>, Error> {
        let problem = |path: String, line, fault| ListingProblem {
            path,
            kustomization: kustomization.to_string(),
            line,
            fault,
        };
        let contents = match files::read(self.root, kustomization, files::MAX_FILE_BYTES) {
            Ok(Some(contents)) => contents,
            Ok(None) => {
                return Ok(vec![problem(
                    kustomization.to_string(),
                    None,
                    ListingFault::KustomizationMissing,
                )]);
            }
            Err(Failure::Refused(cause)) => {
                return Ok(vec![problem(
                    kustomization.to_string(),
                    None,
                    ListingFault::KustomizationUnreadable { cause },
                )]);
            }
            Err(Failure::Io(cause)) => {
                return Err(Error::Io {
                    path: self.root.join(kustomization),
                    cause,
                });
            }
        };
        let text = String::from_utf8_lossy(&contents.bytes);
        let own = match listed(&text) {
            Ok(own) => own,
            Err((cause, line)) => {
                return Ok(vec![problem(
                    kustomization.to_string(),
                    line,
                    ListingFault::KustomizationUnreadable { cause },
                )]);
            }
        };
        let mut problems = Vec::new();
        let lines = item_lines(&text);
        for entry in &own.entries {
            let path = format!("{dir}/{entry}");
            let known = rendered.contains_key(&path) || lock.files.contains_key(&path);
            if known && !self.after_build(&path, rendered)? {
                let fault = if self.ejected.contains(path.as_str()) {
                    ListingFault::ListedMissing
                } else {
                    ListingFault::ListedDeleted
                };
                let line = own.line(&lines, entry);
                problems.push(problem(path, line, fault));
            }
        }
        for entry in kilns {
            let path = format!("{dir}/{entry}");
            if path != kustomization && !own.covers(entry) && self.after_build(&path, rendered)? {
                problems.push(problem(path, own.resources_line, ListingFault::Unlisted));
            }
        }
        Ok(problems)
    }
}

/// The local paths a kustomization lists, relative to its directory.
struct Listed {
    /// Normalized (no `./`, no trailing `/`), in the order written.
    entries: Vec<String>,
    /// Each normalized entry, with its item as written, for finding its line.
    written: HashMap<String, String>,
    /// The line of `resources:`, when there is one.
    resources_line: Option<usize>,
}

impl Listed {
    /// Whether the kustomization lists `entry`, itself or a directory above
    /// it: a look-up per directory, as a listing may hold thousands.
    fn covers(&self, entry: &str) -> bool {
        self.written.contains_key(entry)
            || entry
                .match_indices('/')
                .any(|(at, _)| self.written.contains_key(&entry[..at]))
    }

    fn line(&self, lines: &Lines, entry: &str) -> Option<usize> {
        lines.get(self.written.get(entry)?.as_str()).copied()
    }
}

/// Each list item of a kustomization's text (`- x`, quotes taken off),
/// with the 1-based line it is first on.
type Lines<'a> = HashMap<&'a str, usize>;

fn item_lines(text: &str) -> Lines<'_> {
    let mut lines = Lines::new();
    for (i, line) in text.lines().enumerate() {
        let Some(item) = line.trim_start().strip_prefix('-') else {
            continue;
        };
        let item = item.trim();
        let item = item
            .strip_prefix('"')
            .and_then(|i| i.strip_suffix('"'))
            .or_else(|| item.strip_prefix('\'').and_then(|i| i.strip_suffix('\'')))
            .unwrap_or(item);
        lines.entry(item).or_insert(i + 1);
    }
    lines
}

/// The fields of a kustomization that name files and directories to build
/// from; `bases` is the older name of `resources`.
const LISTS: [&str; 3] = ["resources", "bases", "components"];

/// What the kustomization in `text` lists; or why it is not one kustomize
/// would read, with the line when known.
fn listed(text: &str) -> Result<Listed, (String, Option<usize>)> {
    let value: serde_yaml::Value = serde_yaml::from_str(text)
        .map_err(|err| (err.to_string(), err.location().map(|at| at.line())))?;
    let Some(fields) = value.as_mapping() else {
        return Err(("it is not a YAML mapping".to_string(), None));
    };
    let mut listed = Listed {
        entries: Vec::new(),
        written: HashMap::new(),
        resources_line: text
            .lines()
            .position(|line| line.starts_with("resources:"))
            .map(|i| i + 1),
    };
    for list in LISTS {
        let Some(items) = fields.get(list) else {
            continue;
        };
        if items.is_null() {
            continue;
        }
        let Some(items) = items.as_sequence() else {
            return Err((format!("`{list}` is not a list"), None));
        };
        for item in items {
            let Some(written) = item.as_str() else {
                return Err((format!("`{list}` holds an item that is not a path"), None));
            };
            if let Some(entry) = local(written)
                && !listed.written.contains_key(&entry)
            {
                listed.written.insert(entry.clone(), written.to_string());
                listed.entries.push(entry);
            }
        }
    }
    Ok(listed)
}

/// An entry as a plain path below the kustomization's directory; `None`
/// for a URL, an absolute path or one that leaves the directory, which
/// name nothing kiln writes.
fn local(entry: &str) -> Option<String> {
    let mut entry = entry.trim();
    if entry.contains("://") || entry.starts_with('/') {
        return None;
    }
    while let Some(rest) = entry.strip_prefix("./") {
        entry = rest;
    }
    let entry = entry.trim_end_matches('/');
    let plain = !entry.is_empty()
        && entry
            .split('/')
            .all(|part| !part.is_empty() && part != "." && part != "..");
    plain.then(|| entry.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_local_paths_or_nothing() {
        assert_eq!(
            local("./services/a/x.yaml").as_deref(),
            Some("services/a/x.yaml")
        );
        assert_eq!(local("services/a/").as_deref(), Some("services/a"));
        for other in [
            "https://example.com/x.yaml",
            "/etc/x.yaml",
            "../base",
            "a/../b",
            "",
        ] {
            assert_eq!(local(other), None, "{other}");
        }
    }

    #[test]
    fn a_directory_covers_the_files_below_it() {
        let own = listed("resources:\n- services/a\n- \"./b.yaml\"\n").unwrap();
        assert!(own.covers("services/a/x.yaml"));
        assert!(own.covers("b.yaml"));
        assert!(!own.covers("services/ab/x.yaml"));
        let lines = item_lines("resources:\n- services/a\n- \"./b.yaml\"\n");
        assert_eq!(own.line(&lines, "b.yaml"), Some(3));
        assert!(!own.covers("services"));
        assert_eq!(own.resources_line, Some(1));
    }

    #[test]
    fn what_kustomize_would_refuse_is_said() {
        assert!(listed("resources: [\n").is_err());
        assert!(listed("- a\n").is_err());
        assert!(listed("resources: a.yaml\n").is_err());
        assert!(listed("resources:\n- {a: 1}\n").is_err());
        assert!(listed("resources:\n").unwrap().entries.is_empty());
    }
}
