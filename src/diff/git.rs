//! `kiln.toml` and the template overrides at a git revision, for
//! `kiln diff --base REF`: read with `git` itself, bounded, without a checkout.

use crate::diagnostics::Error;
use crate::output::paths;
use crate::render::Renderer;
use std::io::Read;
use std::path::{Path, PathBuf};

/// The text of `kiln.toml` at a git revision, read with git itself.
pub fn config_at(dir: &Path, revision: &str) -> Result<String, Error> {
    let spec = format!("{revision}:./{}", paths::CONFIG);
    let (text, bytes) = git_read(
        dir,
        revision,
        &["show", &spec],
        crate::config::limits::MAX_CONFIG_BYTES,
    )?;
    if bytes > crate::config::limits::MAX_CONFIG_BYTES {
        return Err(Error::ConfigTooLarge {
            path: PathBuf::from(format!("{} at {revision}", paths::CONFIG)),
            bytes,
            max: crate::config::limits::MAX_CONFIG_BYTES,
        });
    }
    String::from_utf8(text).map_err(|_| git_error(revision, "the file is not UTF-8".to_string()))
}

fn git_error(revision: &str, cause: String) -> Error {
    Error::Git {
        revision: revision.to_string(),
        cause,
    }
}

/// What `git -C dir ARGS` prints, up to `max` bytes, and how many it
/// printed in all: the rest is only counted, so a huge blob in a pull
/// request never lands in memory.
fn git_read(dir: &Path, revision: &str, args: &[&str], max: u64) -> Result<(Vec<u8>, u64), Error> {
    let git_error = |cause: String| git_error(revision, cause);
    if revision.starts_with('-') {
        return Err(git_error(
            "it looks like an option, not a revision".to_string(),
        ));
    }
    let mut git = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|err| git_error(format!("cannot run git: {err}")))?;
    let mut text = Vec::new();
    let mut stdout = git.stdout.take().expect("piped");
    let read = (&mut stdout)
        .take(max + 1)
        .read_to_end(&mut text)
        .and_then(|n| {
            let n = n as u64;
            if n > max {
                std::io::copy(&mut stdout, &mut std::io::sink()).map(|rest| n + rest)
            } else {
                Ok(n)
            }
        });
    let mut stderr = Vec::new();
    if let Some(mut pipe) = git.stderr.take() {
        // Only the first line is shown; a few KiB hold it.
        let _ = pipe.by_ref().take(64 * 1024).read_to_end(&mut stderr);
        let _ = std::io::copy(&mut pipe, &mut std::io::sink());
    }
    let status = git
        .wait()
        .map_err(|err| git_error(format!("cannot run git: {err}")))?;
    let bytes = read.map_err(|err| git_error(format!("cannot read git's output: {err}")))?;
    if !status.success() {
        let stderr = String::from_utf8_lossy(&stderr);
        return Err(git_error(
            stderr
                .lines()
                .next()
                .unwrap_or("git failed")
                .trim_start_matches("fatal: ")
                .to_string(),
        ));
    }
    Ok((text, bytes))
}

/// The renderer with the template overrides of `.kiln/templates` at a git
/// revision: each a regular blob (no link, no submodule) of at most
/// `MAX_OVERRIDE_BYTES`, at most `MAX_OVERRIDE_ENTRIES` of them, checked
/// as the work tree's are.
pub fn renderer_at(dir: &Path, revision: &str) -> Result<Renderer, Error> {
    use crate::diagnostics::OverrideRule;
    use crate::render::{MAX_OVERRIDE_BYTES, MAX_OVERRIDE_ENTRIES};
    let root = paths::OVERRIDES;
    // One line of ls-tree is about 100 bytes, and the path at most 4 KiB.
    let max_listing = (MAX_OVERRIDE_ENTRIES as u64 + 1) * 4200;
    let (listing, bytes) = git_read(
        dir,
        revision,
        &["ls-tree", "-r", "-l", "-z", revision, "--", root],
        max_listing,
    )?;
    let refused = |file: String, rule| Error::Override {
        file,
        line: None,
        rule,
    };
    let entries: Vec<&[u8]> = listing
        .split(|b| *b == 0)
        .filter(|e| !e.is_empty())
        .collect();
    if bytes > max_listing || entries.len() > MAX_OVERRIDE_ENTRIES {
        return Err(refused(
            format!("{revision}:{root}"),
            OverrideRule::TooManyFiles {
                max: MAX_OVERRIDE_ENTRIES,
            },
        ));
    }
    let mut listed = Vec::new();
    for entry in entries {
        let entry = String::from_utf8_lossy(entry);
        let Some(TreeEntry {
            mode,
            object,
            size,
            path,
        }) = tree_entry(&entry)
        else {
            continue;
        };
        let shown = format!("{revision}:{path}");
        let name = path
            .strip_prefix(root)
            .unwrap_or(path)
            .trim_start_matches('/')
            .to_string();
        let text = match mode {
            "120000" => Err(refused(shown.clone(), OverrideRule::Symlink)),
            "100644" | "100755" => match size.parse::<u64>() {
                Ok(size) if size > MAX_OVERRIDE_BYTES => Err(refused(
                    shown.clone(),
                    OverrideRule::TooLarge {
                        bytes: size,
                        max: MAX_OVERRIDE_BYTES,
                    },
                )),
                _ => {
                    let (text, bytes) = git_read(
                        dir,
                        revision,
                        &["cat-file", "blob", object],
                        MAX_OVERRIDE_BYTES,
                    )?;
                    if bytes > MAX_OVERRIDE_BYTES {
                        Err(refused(
                            shown.clone(),
                            OverrideRule::TooLarge {
                                bytes,
                                max: MAX_OVERRIDE_BYTES,
                            },
                        ))
                    } else {
                        String::from_utf8(text)
                            .map_err(|_| refused(shown.clone(), OverrideRule::NotUtf8))
                    }
                }
            },
            _ => Err(refused(shown.clone(), OverrideRule::NotRegular)),
        };
        listed.push((name, shown, text));
    }
    let renderer = crate::render::overrides_from(listed)?;
    Ok(renderer.with_custom(custom_at(dir, revision)?))
}

/// The patches and extra resources at a git revision, held to the work
/// tree's rules: regular blobs only (a link is refused), each of at most
/// `MAX_INPUT_BYTES`, at most `MAX_INPUT_ENTRIES` in each directory.
fn custom_at(dir: &Path, revision: &str) -> Result<crate::customize::Custom, Error> {
    use crate::customize::{
        MAX_INPUT_BYTES, MAX_INPUT_ENTRIES, PATCHES, PRESETS, RESOURCES, problem,
    };
    let mut listed = Vec::new();
    for root in [PATCHES, RESOURCES, PRESETS] {
        let max_listing = (MAX_INPUT_ENTRIES as u64 + 1) * 4200;
        let (listing, bytes) = git_read(
            dir,
            revision,
            &["ls-tree", "-r", "-l", "-z", revision, "--", root],
            max_listing,
        )?;
        let entries: Vec<&[u8]> = listing
            .split(|b| *b == 0)
            .filter(|e| !e.is_empty())
            .collect();
        if bytes > max_listing || entries.len() > MAX_INPUT_ENTRIES {
            return Err(problem(
                &format!("{revision}:{root}"),
                None,
                format!("holds more than {MAX_INPUT_ENTRIES} entries"),
                "keep patches and extra resources to a few files",
            ));
        }
        for entry in entries {
            let entry = String::from_utf8_lossy(entry);
            let Some(TreeEntry {
                mode,
                object,
                size,
                path,
            }) = tree_entry(&entry)
            else {
                continue;
            };
            let shown = format!("{revision}:{path}");
            let refused = |why: String| {
                Err(problem(
                    &shown,
                    None,
                    format!("kiln will not read it: {why}"),
                    "make it a regular file of at most 1 MiB",
                ))
            };
            let text = match (mode, size.parse::<u64>()) {
                ("100644" | "100755", Ok(size)) if size <= MAX_INPUT_BYTES => {
                    let (text, bytes) = git_read(
                        dir,
                        revision,
                        &["cat-file", "blob", object],
                        MAX_INPUT_BYTES,
                    )?;
                    if bytes > MAX_INPUT_BYTES {
                        refused(format!("it is {bytes} bytes"))
                    } else {
                        String::from_utf8(text).or_else(|_| refused("it is not UTF-8".into()))
                    }
                }
                ("100644" | "100755", _) => refused(format!("it is {size} bytes")),
                ("120000", _) => refused("it is a symlink".into()),
                _ => refused("it is not a regular file".into()),
            };
            listed.push((path.to_string(), shown, text));
        }
    }
    crate::customize::Custom::parse(crate::customize::listed(listed)?)
}

/// One entry of `git ls-tree -l`: `<mode> <type> <object> <size>\t<path>`.
struct TreeEntry<'a> {
    mode: &'a str,
    object: &'a str,
    size: &'a str,
    path: &'a str,
}

fn tree_entry(line: &str) -> Option<TreeEntry<'_>> {
    let (meta, path) = line.split_once('\t')?;
    let fields: Vec<&str> = meta.split_whitespace().collect();
    let [mode, _, object, size] = fields[..] else {
        return None;
    };
    Some(TreeEntry {
        mode,
        object,
        size,
        path,
    })
}
