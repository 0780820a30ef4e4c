//! `kiln.lock`: which files kiln wrote, and the hash of what it wrote.
//! A file whose hash no longer matches was edited by hand.

use crate::error::Error;
use crate::resolve::hex;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::Path;

const HEADER: &str = "# kiln.lock: the files kiln wrote and the sha256 of what it wrote.\n\
                      # Commit it; kiln uses it to tell its files from your edits. Do not edit.\n";

#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    pub version: u32,
    #[serde(default)]
    pub files: BTreeMap<String, Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// sha256 of the contents kiln last wrote.
    pub sha256: String,
    /// The user took the file over with `kiln eject`; kiln never touches it again.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ejected: bool,
}

pub fn hash(contents: &[u8]) -> String {
    hex(&Sha256::digest(contents))
}

impl Lock {
    pub const VERSION: u32 = 1;

    /// Reads the lock at `path`; a missing lock is an empty one.
    pub fn read(path: &Path) -> Result<Lock, Error> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(cause) if cause.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Lock {
                    version: Self::VERSION,
                    files: BTreeMap::new(),
                });
            }
            Err(cause) => {
                return Err(Error::Io {
                    path: path.to_path_buf(),
                    cause,
                });
            }
        };
        let lock: Lock = toml::from_str(&text).map_err(|err| Error::BadLock {
            path: path.to_path_buf(),
            cause: err.message().to_string(),
        })?;
        if lock.version != Self::VERSION {
            return Err(Error::BadLock {
                path: path.to_path_buf(),
                cause: format!(
                    "version {} is not one this kiln reads (it reads {})",
                    lock.version,
                    Self::VERSION
                ),
            });
        }
        Ok(lock)
    }

    pub fn to_text(&self) -> String {
        // Serialising plain strings and maps cannot fail.
        let body = toml::to_string(self).unwrap_or_default();
        format!("{HEADER}{body}")
    }
}
