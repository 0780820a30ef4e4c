//! `kiln presets`: the bundled starter apps and service archetypes, and the
//! repo's own service presets (`.kiln/presets`, in the current directory).

use super::repo::io;
use crate::config::presets;
use crate::diagnostics::Error;
use std::io::Write;
use std::path::Path;

/// `kiln presets list`
pub fn presets(out: &mut dyn Write) -> Result<(), Error> {
    let here = Path::new(".");
    let custom = crate::customize::Custom::parse(crate::customize::scan(here)?)?;
    let listed = |all: Vec<presets::Preset>| -> Vec<(String, String)> {
        all.into_iter()
            .map(|p| (p.name.to_string(), p.description.to_string()))
            .collect()
    };
    let mut groups = vec![(
        "service presets (`preset = \"NAME\"` in `[services.S]`):".to_string(),
        listed(presets::services()),
    )];
    if !custom.presets.is_empty() {
        groups.push((
            format!(
                "the repo's service presets (`{}/NAME.toml`):",
                crate::customize::PRESETS
            ),
            custom
                .presets
                .iter()
                .map(|p| (p.name.clone(), p.description.clone()))
                .collect(),
        ));
    }
    groups.push((
        "starter apps (`kiln init --preset NAME`):".to_string(),
        listed(presets::apps()),
    ));
    for (i, (title, all)) in groups.iter().enumerate() {
        if i > 0 {
            writeln!(out).map_err(io(here))?;
        }
        writeln!(out, "{title}").map_err(io(here))?;
        let width = all.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
        for (name, description) in all {
            writeln!(out, "  {name:<width$}  {description}").map_err(io(here))?;
        }
    }
    Ok(())
}
