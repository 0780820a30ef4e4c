//! The pipeline, one step after another: read `kiln.toml`, parse it
//! (`config`), apply presets, validate and resolve it (`kinds`), render it
//! (`render`) and check what was rendered (`verify`).

use crate::config::limits::MAX_CONFIG_BYTES;
use crate::diagnostics::{Error, Problem, Source};
use crate::output::{files, paths};
use std::path::Path;

/// Reads `kiln.toml` in `root`, which the user knows as `name`: a regular
/// file (not a symlink, a FIFO or a device) of at most `MAX_CONFIG_BYTES`.
pub fn read(root: &Path, name: String) -> Result<Source, Error> {
    let path = root.join(paths::CONFIG);
    if let Ok(metadata) = std::fs::symlink_metadata(&path)
        && metadata.is_file()
        && metadata.len() > MAX_CONFIG_BYTES
    {
        return Err(Error::ConfigTooLarge {
            path,
            bytes: metadata.len(),
            max: MAX_CONFIG_BYTES,
        });
    }
    let bytes = match files::read(root, paths::CONFIG, MAX_CONFIG_BYTES) {
        Ok(Some(contents)) => contents.bytes,
        // Named by where the search for it started (`root::find`).
        Ok(None) => {
            return Err(Error::ConfigMissing {
                path: std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf()),
            });
        }
        Err(failure) => return Err(failure.at(name, &path)),
    };
    text(name, bytes)
}

/// `kiln.toml`'s bytes as text, or the place where they stop being UTF-8.
pub fn text(name: String, bytes: Vec<u8>) -> Result<Source, Error> {
    match String::from_utf8(bytes) {
        Ok(text) => Ok(Source { name, text }),
        Err(err) => {
            let offset = err.utf8_error().valid_up_to();
            let source = Source {
                name,
                text: String::from_utf8_lossy(err.as_bytes()).into_owned(),
            };
            Err(source.invalid(&[Problem::syntax(
                "the file is not UTF-8",
                Some(offset..offset + 1),
            )]))
        }
    }
}
