//! `kiln render ENV`: one environment's objects as one YAML stream.

use super::repo::{io, read_source};
use crate::diagnostics::Error;
use crate::output::lock::Lock;
use crate::output::paths;
use crate::pipeline::{Verify, generate};
use std::io::Write;
use std::path::Path;

/// `kiln render ENV`: the environment's objects as one YAML stream in
/// apply order (see `stream`). Writes nothing, the cache included. An
/// ejected file is the user's: it goes in as it is on disk, as
/// `kubectl apply -k` would apply it.
pub fn render(dir: &Path, environment: &str, out: &mut dyn Write) -> Result<(), Error> {
    let source = read_source(dir)?;
    let rendered = generate(dir, &source, Verify::Render)?.rendered;
    let env_dir = paths::environment_dir(environment);
    let kustomization = format!("{env_dir}/kustomization.yaml");
    let Some(listing) = rendered.get(&kustomization) else {
        let known: Vec<String> = rendered
            .keys()
            .filter(|path| path.ends_with("/kustomization.yaml"))
            .filter_map(|path| paths::environment_of(path))
            .map(str::to_string)
            .collect();
        return Err(Error::not_found("environment", environment, &known));
    };
    let resources: Vec<String> = serde_yaml::from_str::<serde_yaml::Value>(listing)
        .ok()
        .and_then(|value| {
            value["resources"].as_sequence().map(|items| {
                items
                    .iter()
                    .filter_map(|item| item.as_str().map(str::to_string))
                    .collect()
            })
        })
        .unwrap_or_default();
    let lock = Lock::read(dir, paths::LOCK)?;
    let mut files = Vec::new();
    for resource in resources {
        let path = format!("{env_dir}/{resource}");
        // Only files kiln renders: a listing cannot send kiln reading elsewhere.
        let Some(text) = rendered.get(&path) else {
            continue;
        };
        let text = if lock.files.get(&path).is_some_and(|entry| entry.ejected) {
            match crate::output::files::read(dir, &path, crate::output::files::MAX_FILE_BYTES)
                .map_err(|failure| failure.at(path.clone(), &dir.join(&path)))?
            {
                Some(contents) => String::from_utf8_lossy(&contents.bytes).into_owned(),
                None => return Err(Error::EjectedMissing { path }),
            }
        } else {
            text.clone()
        };
        files.push((path, text));
    }
    let stream = crate::output::stream::stream(&files).map_err(|bad| Error::NotYaml {
        path: bad.path,
        cause: bad.cause,
    })?;
    out.write_all(stream.as_bytes()).map_err(io(dir))
}
