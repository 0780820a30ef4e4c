//! The rules of `versions` (issue 16): N versions of one service side by
//! side, each a track of the split with its share of the traffic.

use super::canary::{image_repository, retagged};
use crate::config::limits::MAX_ENV_VALUE;
use crate::config::{
    Config, Kind, STABLE_TRACK, ServiceConfig, SplitSetting, VersionConfig, Whole,
};
use crate::diagnostics::{KeyPath, Problem};
use crate::grammar::names::{self, is_version};
use crate::grammar::reference::image_tag;
use crate::kinds::rules::image_problem;
use std::collections::BTreeMap;

/// At most this many versions of one service: each is a Deployment, a
/// subset or Service, and a destination of every route.
pub const MAX_VERSIONS: usize = 10;

/// The longest object name kiln gives a track's Deployment and Service.
const MAX_OBJECT: usize = 63;

/// One service, whose `versions` tables are checked.
pub struct VersionRules<'a> {
    pub config: &'a Config,
    pub name: &'a str,
    pub service: &'a ServiceConfig,
    pub kind: Kind,
}

impl VersionRules<'_> {
    /// `versions` of one table (`at`: `[services.S]` or
    /// `[services.S.environments.E]`), on its own.
    pub fn check_layer(
        &self,
        at: &KeyPath,
        versions: Option<&BTreeMap<String, VersionConfig>>,
        canary: bool,
        problems: &mut Vec<Problem>,
    ) {
        let Some(versions) = versions else {
            return;
        };
        let key = at.key("versions");
        if canary {
            problems.push(Problem::versions_and_canary(&key));
        }
        if self.kind != Kind::Web || self.service.port.is_none() {
            problems.push(Problem::canary_not_web(&key));
        }
        if !(2..=MAX_VERSIONS).contains(&versions.len()) {
            problems.push(Problem::version_count(&key, versions.len()));
        }
        let own: Vec<&str> = versions
            .iter()
            .filter(|(_, v)| v.is_own())
            .map(|(n, _)| n.as_str())
            .collect();
        if own.len() != 1 {
            problems.push(Problem::versions_own(&key, &own));
        }
        let longest = MAX_OBJECT.saturating_sub(self.name.len() + 1);
        let mut seen: BTreeMap<String, &str> = BTreeMap::new();
        for (track, entry) in versions {
            let at = key.key(track);
            let object = format!("{}-{track}", self.name);
            if !names::is_dns1035_label(track, longest) {
                problems.push(Problem::bad_version_name(&at, track, longest));
            } else if !entry.is_own() && track == STABLE_TRACK {
                problems.push(Problem::version_named_stable(&at));
            } else if self.config.services.contains_key(&object) {
                problems.push(Problem::version_clashes(&at, &object));
            }
            if !Whole::Weight.contains(entry.weight) {
                problems.push(Problem::whole(
                    &at.key("weight"),
                    &entry.weight.to_string(),
                    Whole::Weight,
                ));
            }
            if entry.is_own() {
                // The service's own workload: its variables and pod count are the service's.
                for (field, set) in [
                    ("env", entry.env.is_some()),
                    ("replicas", entry.replicas.is_some()),
                ] {
                    if set {
                        problems.push(Problem::own_version_field(&at.key(field), field));
                    }
                }
                continue;
            }
            let runs = match (&entry.version, &entry.image) {
                (Some(_), Some(_)) => {
                    problems.push(Problem::version_and_image(&at));
                    continue;
                }
                (Some(version), None) => {
                    if !is_version(version) {
                        problems.push(Problem::bad_version(&at.key("version"), version));
                    }
                    // What it runs: a tag of the service's own image.
                    let runs = match &self.service.image {
                        Some(image) => retagged(image, version),
                        None => version.clone(),
                    };
                    (at.key("version"), version, runs)
                }
                (None, Some(image)) => {
                    let key = at.key("image");
                    if self.service.image.is_none() {
                        problems.push(Problem::version_image_built(&key));
                    } else if let Some(problem) = image_problem(&key, image) {
                        problems.push(problem);
                    }
                    (key, image, image.clone())
                }
                (None, None) => continue,
            };
            let (field, written, image) = runs;
            match seen.get(&image) {
                Some(other) => problems.push(Problem::version_twice(&field, written, other)),
                None => {
                    seen.insert(image, track);
                }
            }
            if entry.replicas == Some(0) && entry.weight > 0 {
                problems.push(Problem::version_without_pods(
                    &at.key("replicas"),
                    entry.weight,
                ));
            }
            self.check_env(&at.key("env"), entry.env.as_ref(), problems);
        }
        let total: u64 = versions.values().map(|v| u64::from(v.weight)).sum();
        if total != 100 {
            let weights: Vec<(&str, u32)> = versions
                .iter()
                .map(|(n, v)| (n.as_str(), v.weight))
                .collect();
            problems.push(Problem::weights_sum(&key, &weights, total));
        }
    }

    /// A version's `env`: names and sizes as `env`'s, and none that the
    /// service already takes from `secrets` or `env_fields`.
    fn check_env(
        &self,
        key: &KeyPath,
        env: Option<&BTreeMap<String, String>>,
        problems: &mut Vec<Problem>,
    ) {
        let secret = |var: &str| {
            let layers = std::iter::once(self.service.secrets.as_ref()).chain(
                self.service
                    .environments
                    .iter()
                    .flatten()
                    .map(|(_, o)| o.secrets.as_ref()),
            );
            layers
                .chain([self.config.defaults.secrets.as_ref()])
                .chain(
                    self.config
                        .environments
                        .values()
                        .map(|e| e.secrets.as_ref()),
                )
                .flatten()
                .any(|secrets| secrets.contains_key(var))
        };
        for (var, value) in env.into_iter().flatten() {
            if !names::is_env_name(var) {
                problems.push(Problem::bad_env_name(key, var));
            } else if secret(var) {
                problems.push(Problem::env_and_secret(&key.key(var), var));
            } else if self
                .service
                .env_fields
                .as_ref()
                .is_some_and(|f| f.contains_key(var))
            {
                problems.push(Problem::env_field_elsewhere(&key.key(var), var));
            }
            if value.len() > MAX_ENV_VALUE {
                problems.push(Problem::too_large(&key.key(var), "bytes", MAX_ENV_VALUE));
            }
        }
    }

    /// In each environment, the versions of the split that applies there
    /// differ from the version the service's own workload runs there.
    pub fn check_versions(&self, key: &KeyPath, problems: &mut Vec<Problem>) {
        let mut same: BTreeMap<String, (KeyPath, String, Vec<&str>)> = BTreeMap::new();
        for environment in self.config.environments.keys() {
            let Some((own, SplitSetting::Versions(versions))) = self.service.split_in(environment)
            else {
                continue;
            };
            let overrides = self.service.overrides_in(environment);
            let stable = match &self.service.image {
                Some(image) => image_tag(image).map(str::to_string),
                None => overrides
                    .and_then(|o| o.version.clone())
                    .or(self.service.version.clone()),
            };
            let table = match own {
                Some(own) => key.key("environments").key(own),
                None => key.clone(),
            };
            for (track, entry) in versions {
                let (field, runs) = match &entry.image {
                    Some(image) => ("image", image_tag(image).map(str::to_string)),
                    None => ("version", entry.version.clone()),
                };
                // A version of other repository may well share the own tag.
                let other_repository = entry.image.as_ref().is_some_and(|image| {
                    self.service.image.as_deref().map(image_repository)
                        != Some(image_repository(image))
                });
                if runs.is_some() && runs == stable && !other_repository {
                    let at = table.key("versions").key(track).key(field);
                    same.entry(at.to_string())
                        .or_insert_with(|| (at, stable.clone().unwrap_or_default(), Vec::new()))
                        .2
                        .push(environment);
                }
            }
        }
        for (_, (at, version, environments)) in same {
            problems.push(Problem::version_is_own(&at, &version, &environments));
        }
    }
}

impl Problem {
    pub fn versions_and_canary(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` and `canary` are both set in the same table"),
            Some(
                "a canary is the two-version case: keep `canary = { version, weight }`, or move it into `versions` as `canary = { version = \"...\", weight = ... }` beside the service's own entry, and remove `canary`"
                    .to_string(),
            ),
        )
    }

    pub fn version_count(key: &KeyPath, count: usize) -> Self {
        Problem::at(
            key,
            format!("`{key}` has {count} versions; it needs from 2 to {MAX_VERSIONS}"),
            Some(
                "one entry is the service's own workload (no `version`), each other a version beside it; for a single version remove `versions`"
                    .to_string(),
            ),
        )
    }

    pub fn versions_own(key: &KeyPath, own: &[&str]) -> Self {
        let message = match own {
            [] => format!("`{key}` has no entry without `version`"),
            _ => format!(
                "`{key}` has {} entries without `version` ({}); exactly one is the service's own workload",
                own.len(),
                own.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        Problem::at(
            key,
            message,
            Some(
                "leave `version` out of exactly one entry, which runs the service's own `version` with its `replicas` and autoscaler; give every other entry its image tag"
                    .to_string(),
            ),
        )
    }

    pub fn bad_version_name(key: &KeyPath, name: &str, longest: usize) -> Self {
        Problem::at(
            key,
            format!("`{name}` in `{key}` is not a valid version name"),
            Some(format!(
                "use lowercase letters, digits and `-`, starting with a letter, at most {longest} characters, so that `<service>-<name>` names its Deployment and Service"
            )),
        )
    }

    pub fn version_named_stable(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` has a `version`, but `stable` names the service's own pods"),
            Some(
                "the service's own pods carry `track: stable`: name this version otherwise, or leave its `version` out to make it the service's own entry"
                    .to_string(),
            ),
        )
    }

    pub fn version_clashes(key: &KeyPath, object: &str) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` would name its Deployment or Service `{object}`, which is another service's name"
            ),
            Some("rename the version or the other service".to_string()),
        )
    }

    pub fn own_version_field(key: &KeyPath, field: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` is set on the entry without `version`, the service's own workload"),
            Some(format!(
                "the service's own workload takes `{field}` from the service: set `{field}` in `[services.S]` (or an environment's table) instead"
            )),
        )
    }

    pub fn version_without_pods(key: &KeyPath, weight: u32) -> Self {
        Problem::at(
            key,
            format!("`{key}` is 0, but the version gets {weight} percent of the requests"),
            Some(
                "requests sent to a version without pods fail: give it pods, or `weight = 0`"
                    .to_string(),
            ),
        )
    }

    pub fn version_and_image(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` sets both `version` and `image`"),
            Some(
                "give a version either its image tag (`version`) or its whole image (`image`)"
                    .to_string(),
            ),
        )
    }

    pub fn version_image_built(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs an `image` service"),
            Some("the versions of a service built from source are tags of its own image: set `version` instead".to_string()),
        )
    }

    pub fn version_twice(key: &KeyPath, version: &str, other: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` is `{version}`, which version `{other}` runs too"),
            Some("every version of a split runs its own image tag: change one of them".to_string()),
        )
    }

    pub fn weights_sum(key: &KeyPath, weights: &[(&str, u32)], total: u64) -> Self {
        let sum = weights
            .iter()
            .map(|(name, weight)| format!("`{name}` {weight}"))
            .collect::<Vec<_>>()
            .join(" + ");
        Problem::at(
            key,
            format!("the weights of `{key}` sum to {total}, not 100: {sum}"),
            Some(
                "each `weight` is the percent of requests its version gets: make them add up to 100"
                    .to_string(),
            ),
        )
    }

    pub fn version_is_own(key: &KeyPath, version: &str, environments: &[&str]) -> Self {
        let environments = crate::diagnostics::quoted(environments);
        Problem::at(
            key,
            format!("`{key}` is `{version}`, the version the service's own pods run in {environments}"),
            Some("a version beside the service's own runs another image tag: change it, or drop the entry".to_string()),
        )
    }
}
