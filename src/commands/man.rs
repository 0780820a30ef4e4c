//! `kiln man`: the man pages.

use super::repo::io;
use crate::diagnostics::Error;
use std::io::Write;
use std::path::Path;

/// `kiln man [COMMAND]...`: one page on stdout; `kiln man --out DIR`: every
/// page written into DIR, which is made if missing.
pub fn man(page: &[String], into: Option<&Path>, out: &mut dyn Write) -> Result<(), Error> {
    let stdout = Path::new("<stdout>");
    let pages = crate::cli::man_pages().map_err(io(stdout))?;
    let Some(dir) = into else {
        let wanted = format!(
            "kiln{}.1",
            page.iter()
                .map(|word| format!("-{word}"))
                .collect::<String>()
        );
        return match pages.iter().find(|(name, _)| *name == wanted) {
            Some((_, text)) => out.write_all(text).map_err(io(stdout)),
            None => {
                // `kiln-templates-list.1` is known as `templates list`.
                let known: Vec<String> = pages
                    .iter()
                    .filter_map(|(name, _)| name.strip_prefix("kiln-")?.strip_suffix(".1"))
                    .map(|name| name.replace('-', " "))
                    .collect();
                let name = page.join(" ");
                Err(Error::NotFound {
                    what: "subcommand",
                    suggestion: crate::diagnostics::suggest(
                        &name,
                        known.iter().map(String::as_str),
                    )
                    .map(str::to_string),
                    name,
                    known,
                })
            }
        };
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    for (name, text) in &pages {
        crate::output::files::write_atomic(dir, name, text)
            .map_err(|failure| failure.at(name.clone(), &dir.join(name)))?;
    }
    writeln!(
        out,
        "kiln: wrote {} man pages to {}",
        pages.len(),
        dir.display()
    )
    .map_err(io(stdout))
}
