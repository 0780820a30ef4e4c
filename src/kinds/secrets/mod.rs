//! Secrets from a store: with `external_secrets` (in `[project]` or
//! `[environments.E]`), each Secret that the environment's services read
//! through `secrets` comes from an External Secrets Operator store, as an
//! `ExternalSecret` (external-secrets.io/v1) that makes exactly that Secret
//! with exactly the keys read, each a property of one remote key. kiln still
//! writes no value: the store holds them.

mod problems;

use super::kind::{EnvironmentStep, Explained, Kind};
use crate::config::{Config, ExternalSecrets, StoreKind};
use crate::diagnostics::{KeyPath, Problem};
use crate::model::{Environment, ExternalSecret};
use crate::output::paths;
use std::collections::{BTreeMap, BTreeSet};

/// Built-in defaults of the external secrets keys.
pub mod builtin {
    use crate::config::StoreKind;
    pub const STORE_KIND: StoreKind = StoreKind::ClusterSecretStore;
    pub const PATH: &str = "{project}/{env}/{secret}";
}

/// The placeholders `path` may hold.
const PLACEHOLDERS: [&str; 3] = ["{project}", "{env}", "{secret}"];

pub struct Secrets;

/// The `external_secrets` tables that apply to `environment`, its own first.
fn tables<'a>(config: &'a Config, environment: &str) -> [Option<&'a ExternalSecrets>; 2] {
    [
        config
            .environments
            .get(environment)
            .and_then(|e| e.external_secrets.as_ref()),
        config.project.external_secrets.as_ref(),
    ]
}

/// The effective store, kind and path of `environment`, when a table applies.
fn effective(config: &Config, environment: &str) -> Option<(String, StoreKind, String)> {
    let [own, wide] = tables(config, environment);
    own.or(wide)?;
    let pick = |f: fn(&ExternalSecrets) -> Option<String>| own.and_then(f).or(wide.and_then(f));
    let store = pick(|t| t.store.clone())?;
    let kind = own
        .and_then(|t| t.store_kind)
        .or(wide.and_then(|t| t.store_kind))
        .unwrap_or(builtin::STORE_KIND);
    let path = pick(|t| t.path.clone()).unwrap_or_else(|| builtin::PATH.to_string());
    Some((store, kind, path))
}

/// What is wrong with a remote key pattern, if anything.
fn path_problem(path: &str) -> Option<&'static str> {
    let mut rest = path.to_string();
    for placeholder in PLACEHOLDERS {
        rest = rest.replace(placeholder, "");
    }
    if !path.contains("{secret}") {
        Some("has no `{secret}`: every Secret would read the same remote key")
    } else if rest.contains(['{', '}']) {
        Some("has a placeholder other than `{project}`, `{env}` and `{secret}`")
    } else if path.len() > 512 || path.chars().any(|c| c.is_control() || c.is_whitespace()) {
        Some("has a space or control character, or is longer than 512 characters")
    } else {
        None
    }
}

fn check(key: &KeyPath, table: &ExternalSecrets, problems: &mut Vec<Problem>) {
    if let Some(store) = &table.store
        && !crate::grammar::names::is_dns_subdomain(store)
    {
        problems.push(Problem::bad_store(&key.key("store"), store));
    }
    if let Some(path) = &table.path
        && let Some(why) = path_problem(path)
    {
        problems.push(Problem::bad_remote_path(&key.key("path"), path, why));
    }
}

impl Kind for Secrets {
    fn validate(&self, config: &Config, problems: &mut Vec<Problem>) {
        let project = KeyPath::new(&["project", "external_secrets"]);
        if let Some(table) = &config.project.external_secrets {
            check(&project, table, problems);
        }
        for (name, environment) in &config.environments {
            let own = KeyPath::new(&["environments", name, "external_secrets"]);
            if let Some(table) = &environment.external_secrets {
                check(&own, table, problems);
            }
            let [mine, wide] = tables(config, name);
            let has_store = mine.and_then(|t| t.store.as_ref()).is_some()
                || wide.and_then(|t| t.store.as_ref()).is_some();
            if (mine.is_some() || wide.is_some()) && !has_store {
                let key = if mine.is_some() { &own } else { &project };
                problems.push(Problem::missing_store(key, name));
            }
        }
    }

    fn environment(&self, step: &EnvironmentStep<'_>, environment: &mut Environment) {
        let Some((store, store_kind, path)) = effective(step.config, step.name) else {
            return;
        };
        // Secret → (keys, services); a canary reads what its service reads.
        let mut read: BTreeMap<&str, (BTreeSet<&str>, BTreeSet<&str>)> = BTreeMap::new();
        for service in &environment.services {
            for secret in &service.secrets {
                let entry = read.entry(&secret.secret).or_default();
                entry.0.insert(&secret.key);
                entry.1.insert(&service.name);
            }
        }
        environment.external_secrets = read
            .into_iter()
            .map(|(name, (keys, users))| ExternalSecret {
                name: name.to_string(),
                file: paths::secret_file(name),
                store: store.clone(),
                store_kind,
                remote_key: path
                    .replace("{project}", &step.project.name)
                    .replace("{env}", step.name)
                    .replace("{secret}", name),
                keys: keys.into_iter().map(str::to_string).collect(),
                used_by: users.into_iter().map(str::to_string).collect(),
            })
            .collect();
    }

    fn explain(&self, config: &Config, environment: &Environment) -> Vec<Explained> {
        let [own, wide] = tables(config, &environment.name);
        let source = match (own, wide) {
            (Some(_), _) => format!("[environments.{}]", environment.name),
            (None, Some(_)) => "[project]".to_string(),
            (None, None) => "not set".to_string(),
        };
        let value = match effective(config, &environment.name) {
            Some((store, kind, path)) => format!(
                "{{ store = {store:?}, store_kind = {:?}, path = {path:?} }}",
                kind.as_str()
            ),
            None => "- (kiln writes no Secret; create them yourself)".to_string(),
        };
        vec![Explained {
            key: "external_secrets".into(),
            value,
            source,
        }]
    }
}
