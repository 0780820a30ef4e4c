//! The templates bundled into the binary, from `templates/`.

use include_dir::{Dir, include_dir};

static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

/// Every bundled template, by name (its path under `templates/`), sorted.
pub fn bundled() -> Vec<(String, &'static str)> {
    let mut sources = Vec::new();
    collect(&TEMPLATES, &mut sources);
    sources.sort();
    sources
}

fn collect(dir: &'static Dir<'static>, out: &mut Vec<(String, &'static str)>) {
    for file in dir.files() {
        if let Some(text) = file.contents_utf8() {
            out.push((file.path().to_string_lossy().replace('\\', "/"), text));
        }
    }
    for sub in dir.dirs() {
        collect(sub, out);
    }
}
