//! SHA-256 digests as kiln writes them: 64 lowercase hex digits.

use sha2::{Digest, Sha256};

/// `bytes` as lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of `contents`, in hex.
pub fn sha256(contents: &[u8]) -> String {
    hex(&Sha256::digest(contents))
}
