//! `kiln templates list|show|eject`: the bundled templates and the repo's overrides.

use super::repo::io;
use crate::diagnostics::Error;
use crate::output::paths;
use crate::output::write;
use std::io::Write;
use std::path::Path;

/// `kiln templates list|show|eject`
pub fn templates(
    dir: &Path,
    action: &crate::TemplatesAction,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let bundled = crate::render::bundled();
    let find = |name: &str| {
        bundled
            .iter()
            .find(|(bundled, _)| bundled == name)
            .map(|(_, text)| *text)
            .ok_or_else(|| Error::UnknownTemplate {
                name: name.to_string(),
                suggestion: crate::diagnostics::suggest(
                    name,
                    bundled.iter().map(|(n, _)| n.as_str()),
                )
                .map(str::to_string),
            })
    };
    match action {
        crate::TemplatesAction::List => {
            let overrides = crate::render::overrides(dir)?;
            for (name, _) in &bundled {
                match overrides.get(name) {
                    Some(own) => writeln!(out, "{name}  (overridden by {})", own.shown),
                    None => writeln!(out, "{name}"),
                }
                .map_err(io(dir))?;
            }
            Ok(())
        }
        crate::TemplatesAction::Show(name) => {
            out.write_all(find(name)?.as_bytes()).map_err(io(dir))
        }
        crate::TemplatesAction::Eject(name) => {
            let text = find(name)?;
            let shown = format!("{}/{name}", paths::OVERRIDES);
            let target = dir.join(&shown);
            // Refuses a `.kiln/templates` that is, or holds, a link: the copy
            // must land in the repo. A link at the target itself exists too.
            crate::render::overrides(dir)?;
            if target.symlink_metadata().is_ok() {
                return Err(Error::OverrideExists { file: shown });
            }
            write::write(dir, &shown, text.as_bytes())?;
            writeln!(
                out,
                "wrote {shown}: edit it, and `kiln build` renders with it instead of the bundled template"
            )
            .map_err(io(dir))
        }
    }
}
