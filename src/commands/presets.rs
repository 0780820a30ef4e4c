//! `kiln presets`: the bundled starter apps and service archetypes.

use super::repo::io;
use crate::config::presets;
use crate::diagnostics::Error;
use std::io::Write;
use std::path::Path;

/// `kiln presets list`
pub fn presets(out: &mut dyn Write) -> Result<(), Error> {
    let here = Path::new(".");
    let groups = [
        (
            "service presets (`preset = \"NAME\"` in `[services.S]`):",
            presets::services(),
        ),
        ("starter apps (`kiln init --preset NAME`):", presets::apps()),
    ];
    for (i, (title, all)) in groups.iter().enumerate() {
        if i > 0 {
            writeln!(out).map_err(io(here))?;
        }
        writeln!(out, "{title}").map_err(io(here))?;
        let width = all.iter().map(|p| p.name.len()).max().unwrap_or(0);
        for preset in all {
            writeln!(out, "  {:<width$}  {}", preset.name, preset.description).map_err(io(here))?;
        }
    }
    Ok(())
}
