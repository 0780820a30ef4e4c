//! The bundled presets: starter apps (`presets/apps/<name>/kiln.toml`) that
//! `kiln init --preset` copies, and service archetypes
//! (`presets/services/<name>.toml`) that a service picks with `preset`.
//! The first line of each file is a `# ` comment: its one-line description.

use crate::config::{Config, ServiceConfig};
use crate::diagnostics::{Error, KeyPath, Problem, Source, did_you_mean};
use include_dir::{Dir, include_dir};

static PRESETS: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/presets");

/// The starter app `kiln init` writes without `--preset`.
pub const DEFAULT_APP: &str = "starter";

/// One bundled preset.
pub struct Preset {
    pub name: &'static str,
    pub description: &'static str,
    pub text: &'static str,
}

fn description(text: &'static str) -> &'static str {
    text.lines()
        .next()
        .and_then(|line| line.strip_prefix("# "))
        .unwrap_or_default()
}

/// Every starter app, by name.
pub fn apps() -> Vec<Preset> {
    let Some(dir) = PRESETS.get_dir("apps") else {
        return Vec::new();
    };
    let mut apps: Vec<Preset> = dir
        .dirs()
        .filter_map(|app| {
            let name = app.path().file_name()?.to_str()?;
            let text = app
                .get_file(app.path().join("kiln.toml"))?
                .contents_utf8()?;
            Some(Preset {
                name,
                description: description(text),
                text,
            })
        })
        .collect();
    apps.sort_by_key(|p| p.name);
    apps
}

/// Every service archetype, by name.
pub fn services() -> Vec<Preset> {
    let Some(dir) = PRESETS.get_dir("services") else {
        return Vec::new();
    };
    let mut services: Vec<Preset> = dir
        .files()
        .filter_map(|file| {
            let name = file.path().file_name()?.to_str()?.strip_suffix(".toml")?;
            let text = file.contents_utf8()?;
            Some(Preset {
                name,
                description: description(text),
                text,
            })
        })
        .collect();
    services.sort_by_key(|p| p.name);
    services
}

/// The starter app called `name`.
pub fn app(name: &str) -> Option<Preset> {
    apps().into_iter().find(|p| p.name == name)
}

/// The service archetype called `name`, parsed.
pub fn service(name: &str) -> Option<ServiceConfig> {
    let preset = services().into_iter().find(|p| p.name == name)?;
    // Bundled presets are parsed in a unit test; a broken one is a kiln bug.
    toml::from_str(preset.text).ok()
}

/// One of the repo's own service presets, `.kiln/presets/<name>.toml`.
pub struct RepoPreset {
    pub name: String,
    pub description: String,
    pub config: ServiceConfig,
}

/// The repo preset `name`, read from `text` (`shown` names its file in
/// messages): a located error in that file when it is not a preset kiln
/// can use, or when it takes a bundled preset's name.
pub fn repo(name: &str, shown: &str, text: &str) -> Result<RepoPreset, Error> {
    let source = Source {
        name: shown.to_string(),
        text: text.to_string(),
    };
    if services().iter().any(|p| p.name == name) {
        return Err(Error::Custom {
            file: shown.to_string(),
            line: None,
            column: None,
            message: format!("takes the name of the bundled preset `{name}`"),
            hint: "rename the file: a repo preset may not shadow a bundled one (`kiln presets list` shows them)".to_string(),
        });
    }
    let config: ServiceConfig =
        super::load::parse_as(text).map_err(|problems| source.invalid(&problems))?;
    let mut problems = Vec::new();
    for (key, set) in [
        ("preset", config.preset.is_some()),
        ("environments", config.environments.is_some()),
    ] {
        if set {
            problems.push(Problem::at(
                &KeyPath::new(&[key]),
                format!("a preset cannot set `{key}`"),
                Some(format!(
                    "remove `{key}`: presets do not nest, and a service sets its own environments"
                )),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(source.invalid(&problems));
    }
    let description = text
        .lines()
        .next()
        .and_then(|line| line.strip_prefix("# "))
        .unwrap_or_default()
        .to_string();
    Ok(RepoPreset {
        name: name.to_string(),
        description,
        config,
    })
}

/// Applies every service's `preset`: keys the service leaves unset take the
/// preset's value, the repo's own presets (`repo`) or the bundled ones.
/// Returns a problem per unknown preset name.
pub fn apply(config: &mut Config, repo: &[RepoPreset]) -> Vec<Problem> {
    let mut problems = Vec::new();
    let known = services();
    let mut names: Vec<&str> = known.iter().map(|p| p.name).collect();
    names.extend(repo.iter().map(|p| p.name.as_str()));
    names.sort_unstable();
    for (name, service) in &mut config.services {
        let Some(wanted) = service.preset.clone() else {
            continue;
        };
        let own = repo
            .iter()
            .find(|p| p.name == wanted)
            .map(|p| p.config.clone());
        let Some(preset) = own.or_else(|| self::service(&wanted)) else {
            let key = KeyPath::new(&["services", name, "preset"]);
            let suggestion = crate::diagnostics::suggest(&wanted, names.iter().copied());
            problems.push(Problem::unknown_preset(&key, &wanted, suggestion, &names));
            continue;
        };
        let versions_alone = service.versions.is_some() && service.canary.is_none();
        service.fill_from(&preset);
        // A split is one setting: the service's own `versions` replace a preset's `canary`.
        if versions_alone {
            service.canary = None;
        }
        config.preset_layers.insert(name.clone(), preset);
    }
    problems
}

impl Problem {
    pub fn unknown_preset(
        key: &KeyPath,
        name: &str,
        suggestion: Option<&str>,
        known: &[&str],
    ) -> Self {
        let hint = did_you_mean(suggestion).or_else(|| {
            Some(format!(
                "choose one of {}; `kiln presets list` describes them",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        });
        Problem::at(key, format!("unknown preset `{name}` in `{key}`"), hint)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_service_preset_parses_and_describes_itself() {
        let all = services();
        assert!(all.len() >= 6);
        for preset in all {
            let parsed: Result<ServiceConfig, _> = toml::from_str(preset.text);
            let parsed = parsed.unwrap_or_else(|e| panic!("{}: {e}", preset.name));
            assert!(
                parsed.preset.is_none(),
                "{}: presets do not nest",
                preset.name
            );
            assert!(parsed.environments.is_none(), "{}", preset.name);
            assert!(!preset.description.is_empty(), "{}", preset.name);
        }
    }

    #[test]
    fn every_app_describes_itself() {
        let all = apps();
        assert!(all.iter().any(|p| p.name == DEFAULT_APP));
        for preset in all {
            assert!(!preset.description.is_empty(), "{}", preset.name);
        }
    }
}
