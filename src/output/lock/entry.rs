//! What a lock holds: each file kiln wrote, with the hash of what it wrote.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// Other hashes of content kiln wrote: what interrupted builds were
    /// writing. Only the journal carries them; `kiln.lock` never does.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<String>,
    /// The templates that produced the file; an override as its
    /// `.kiln/templates/...` path, so a review sees which files it changed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub templates: Vec<String>,
}

impl Entry {
    pub fn new(sha256: String) -> Entry {
        Entry {
            sha256,
            ejected: false,
            also: Vec::new(),
            templates: Vec::new(),
        }
    }

    /// Whether content with this hash is something kiln wrote.
    pub fn written_by_kiln(&self, hash: &str) -> bool {
        self.sha256 == hash || self.also.iter().any(|h| h == hash)
    }

    /// The entry as `kiln.lock` records it, without journal hashes.
    pub fn settled(&self) -> Entry {
        Entry {
            sha256: self.sha256.clone(),
            ejected: self.ejected,
            also: Vec::new(),
            templates: self.templates.clone(),
        }
    }

    /// Every hash of content kiln wrote at this path.
    pub(super) fn hashes(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.sha256).chain(&self.also)
    }
}
