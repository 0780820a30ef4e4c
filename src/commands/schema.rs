//! `kiln schema`: the JSON Schema of `kiln.toml`.

use super::repo::io;
use crate::diagnostics::Error;
use std::io::Write;
use std::path::Path;

/// The JSON Schema of `kiln.toml`, generated from `config::Config`.
pub fn schema_text() -> String {
    let schema = schemars::schema_for!(crate::config::Config);
    // Serialising a JSON value cannot fail.
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

/// `kiln schema`
pub fn schema(out: &mut dyn Write) -> Result<(), Error> {
    out.write_all(schema_text().as_bytes())
        .map_err(io(Path::new("<stdout>")))
}
