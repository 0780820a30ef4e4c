//! `kiln explain ENV SERVICE [KEY]`: the effective value of each setting of
//! one service in one environment, and the layer it came from. The winning
//! layer of a layered setting is `resolve`'s own pick; values are read from
//! the resolved model, so what is shown is what is rendered.

mod defaults;
mod value;

use super::repo::{io, read_source};
use crate::config::load;
use crate::config::{Config, Kind, ServiceConfig, ServiceKey};
use crate::diagnostics::Error;
use crate::kinds;
use crate::model::{Model, Service, Workload};
use crate::pipeline::configure;
use crate::resolve::Layers;
use crate::resolve::builtin;
use defaults::default_of;
use std::io::Write;
use std::path::Path;
use value::{inline, inline_labels, quote, retries_value, timing_value};

/// `kiln explain ENV SERVICE [KEY]`
pub fn explain(
    dir: &Path,
    environment: &str,
    service: &str,
    key: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), Error> {
    let source = read_source(dir)?;
    let raw = load::parse(&source.text).map_err(|problems| source.invalid(&problems))?;
    let config = configure(dir, &source)?;
    let model = kinds::resolve(&config).map_err(|problems| source.invalid(&problems))?;
    let Some(resolved_env) = model.environments.iter().find(|e| e.name == environment) else {
        return Err(Error::not_found(
            "environment",
            environment,
            config.environments.keys(),
        ));
    };
    let Some(resolved) = resolved_env.services.iter().find(|s| s.name == service) else {
        if config.services.contains_key(service) {
            return Err(kinds::core::disabled(service, environment));
        }
        return Err(Error::not_found("service", service, config.services.keys()));
    };
    let mut rows = rows(&raw, &config, environment, service, resolved, &model);
    rows.extend(patched(dir, environment, service, &model)?);
    let rows: Vec<&Row> = match key {
        None => rows.iter().collect(),
        Some(key) => {
            let picked: Vec<&Row> = rows
                .iter()
                .filter(|row| {
                    // `routes` takes `routes[0].timeout` too.
                    let below = |sep: char| row.key.starts_with(&format!("{key}{sep}"));
                    row.key == key || below('.') || below('[')
                })
                .collect();
            if picked.is_empty() {
                // Too many to list: the table without a key shows them.
                return Err(Error::NotFound {
                    what: "setting",
                    name: key.to_string(),
                    suggestion: crate::diagnostics::suggest(
                        key,
                        rows.iter().map(|row| row.key.as_str()),
                    )
                    .map(str::to_string),
                    known: Vec::new(),
                });
            }
            picked
        }
    };
    out.write_all(table(environment, service, &rows).as_bytes())
        .map_err(io(dir))
}

/// One line of the explanation.
pub struct Row {
    /// `replicas`, `env.LOG_LEVEL`, ...
    pub key: String,
    /// The effective value, as TOML would write it; `-` when unset.
    pub value: String,
    /// Where it came from: `[environments.prod]`, ``preset `http-api` ``, `built-in default`.
    pub source: String,
}

const BUILTIN: &str = "built-in default";

/// Every setting of `name` in `environment`. `raw` is the file as written,
/// `config` the same with presets applied.
pub fn rows(
    raw: &Config,
    config: &Config,
    environment: &str,
    name: &str,
    resolved: &Service,
    model: &Model,
) -> Vec<Row> {
    let Some(service) = config.services.get(name) else {
        return Vec::new();
    };
    let layers = Layers::new(config, environment, Some((name, service)));
    let label = |rank: usize| layers.all[rank].label.clone();
    let kind = service.kind.unwrap_or(Kind::Web);
    let own_only = !Workload::from(kind).is_stateless();
    let mut rows = Vec::new();
    let mut push = |key: &str, value: String, source: String| {
        rows.push(Row {
            key: key.to_string(),
            value,
            source,
        })
    };

    // Layered settings: resolve's pick says which layer won.
    let replicas = layers.pick(own_only, "replicas", |l| l.replicas);
    let autoscale = layers.pick(own_only, "autoscale", |l| l.autoscale.cloned());
    let replicas_value = match (&resolved.replicas, kind) {
        (Some(n), _) => n.to_string(),
        (None, Kind::Cronjob) => "- (a cronjob runs one pod per run)".to_string(),
        (None, _) => "- (autoscaled)".to_string(),
    };
    let replicas_source = match (&replicas, &resolved.replicas) {
        (Some(p), Some(_)) => label(p.rank),
        (Some(p), None) => format!("{}, overridden by `autoscale`", label(p.rank)),
        (None, _) => BUILTIN.to_string(),
    };
    push("replicas", replicas_value, replicas_source);
    let autoscale_value = resolved.autoscale.as_ref().map_or("-".to_string(), |a| {
        format!("{{ min = {}, max = {}, cpu = {} }}", a.min, a.max, a.cpu)
    });
    let autoscale_source = match (&autoscale, &resolved.autoscale) {
        (Some(p), Some(_)) => label(p.rank),
        (Some(p), None) => format!("{}, overridden by `replicas`", label(p.rank)),
        (None, _) => BUILTIN.to_string(),
    };
    push("autoscale", autoscale_value, autoscale_source);
    let resources = &resolved.resources;
    let cpu = layers.pick(false, "cpu", |l| l.cpu);
    let memory = layers.pick(false, "memory", |l| l.memory);
    push(
        "cpu",
        quote(&resources.cpu_request),
        cpu.map_or(format!("{BUILTIN} ({})", builtin::CPU), |p| label(p.rank)),
    );
    push(
        "memory",
        quote(&resources.memory_request),
        memory.map_or(format!("{BUILTIN} ({})", builtin::MEMORY), |p| {
            label(p.rank)
        }),
    );
    for (key, value, picked) in [
        (
            "cpu_limit",
            &resources.cpu_limit,
            layers.pick(false, "cpu_limit", |l| l.cpu_limit),
        ),
        (
            "memory_limit",
            &resources.memory_limit,
            layers.pick(false, "memory_limit", |l| l.memory_limit),
        ),
    ] {
        let unit = if key == "cpu_limit" {
            crate::grammar::quantity::Unit::Cpu
        } else {
            crate::grammar::quantity::Unit::Bytes
        };
        // A lower layer's limit below the request gives way to the default.
        let source = match picked {
            Some(p)
                if crate::grammar::quantity::Quantity::parse(p.value, unit)
                    .is_some_and(|q| q.to_string() == *value) =>
            {
                label(p.rank)
            }
            _ => format!("{BUILTIN} (twice the request)"),
        };
        push(key, quote(value), source);
    }
    // `env` and `secrets` merge by key: the highest layer that names a variable wins.
    let mut env_source = std::collections::BTreeMap::new();
    let mut secret_source = std::collections::BTreeMap::new();
    for (rank, source) in layers.all.iter().enumerate() {
        for var in source.layer.env.into_iter().flatten().map(|(k, _)| k) {
            secret_source.remove(var);
            env_source.insert(var.clone(), rank);
        }
        for var in source.layer.secrets.into_iter().flatten().map(|(k, _)| k) {
            env_source.remove(var);
            secret_source.insert(var.clone(), rank);
        }
    }
    for (var, value) in &resolved.env {
        let source = env_source.get(var).map_or_else(
            || format!("{BUILTIN} for image `{}`", resolved.image),
            |rank| label(*rank),
        );
        push(&format!("env.{var}"), quote(value), source);
    }
    for secret in &resolved.secrets {
        let source = secret_source
            .get(&secret.var)
            .map_or(BUILTIN.to_string(), |rank| label(*rank));
        push(
            &format!("secrets.{}", secret.var),
            quote(&format!("{}:{}", secret.secret, secret.key)),
            source,
        );
    }

    // A table that the highest layer setting it replaces as a whole.
    let retries = layers.pick(false, "retries", |l| l.retries);
    push(
        "retries",
        retries_value(&resolved.retries),
        retries.map_or(BUILTIN.to_string(), |p| label(p.rank)),
    );

    // Pod scheduling and metadata (podspec): whole values win by layer,
    // maps merge by key.
    for (key, picked, default) in [
        (
            "tolerations",
            layers
                .pick(false, "tolerations", |l| l.tolerations.cloned())
                .map(|p| (serde_json::to_value(p.value).ok(), p.rank)),
            "[]".to_string(),
        ),
        (
            "spread",
            layers
                .pick(false, "spread", |l| l.spread.cloned())
                .map(|p| (serde_json::to_value(p.value).ok(), p.rank)),
            quote(crate::kinds::core::SPREAD_KEY),
        ),
        (
            "grace_period",
            layers
                .pick(false, "grace_period", |l| l.grace_period)
                .map(|p| (serde_json::to_value(p.value).ok(), p.rank)),
            "\"30s\" (Kubernetes' own)".to_string(),
        ),
        (
            "image_pull_secrets",
            layers
                .pick(false, "image_pull_secrets", |l| {
                    l.image_pull_secrets.cloned()
                })
                .map(|p| (serde_json::to_value(p.value).ok(), p.rank)),
            "[]".to_string(),
        ),
    ] {
        match picked {
            Some((Some(value), rank)) => push(key, inline(&value), label(rank)),
            _ => push(key, default, BUILTIN.to_string()),
        }
    }
    for field in ["node_selector", "labels", "annotations"] {
        let mut merged = std::collections::BTreeMap::new();
        for (rank, source) in layers.all.iter().enumerate() {
            let map = match field {
                "node_selector" => source.layer.node_selector,
                "labels" => source.layer.labels,
                _ => source.layer.annotations,
            };
            for (k, v) in map.into_iter().flatten() {
                merged.insert(k.clone(), (v.clone(), rank));
            }
        }
        for (k, (v, rank)) in merged {
            push(&format!("{field}.{k}"), quote(&v), label(rank));
        }
    }

    // The environment's ingress gateway, key by key: `[environments.E]`, `[project]`, kiln.
    let mesh = model
        .environments
        .iter()
        .find(|e| e.name == environment)
        .and_then(|e| e.mesh.as_ref());
    let own = config
        .environments
        .get(environment)
        .and_then(|e| e.gateway.as_ref());
    let wide = config.project.gateway.as_ref();
    for (field, set, value) in [
        (
            "namespace",
            [own, wide].map(|g| g.is_some_and(|g| g.namespace.is_some())),
            mesh.map(|m| quote(&m.ingress.namespace)),
        ),
        (
            "selector",
            [own, wide].map(|g| g.is_some_and(|g| g.selector.is_some())),
            mesh.map(|m| inline_labels(&m.ingress.selector)),
        ),
        (
            "service_account",
            [own, wide].map(|g| g.is_some_and(|g| g.service_account.is_some())),
            mesh.map(|m| quote(&m.ingress.service_account)),
        ),
    ] {
        let source = match set {
            [true, _] => format!("[environments.{environment}]"),
            [false, true] => "[project]".to_string(),
            _ if field == "namespace" && config.project.mesh_namespace.is_some() => {
                "[project] mesh_namespace".to_string()
            }
            _ => BUILTIN.to_string(),
        };
        let value = value.unwrap_or_else(|| "- (the mesh is off here)".to_string());
        push(&format!("gateway.{field}"), value, source);
    }

    // The settings other kinds have of the environment as a whole.
    if let Some(env) = model.environments.iter().find(|e| e.name == environment) {
        for row in crate::kinds::explain(config, env) {
            push(&row.key, row.value, row.source);
        }
    }

    // Service-only settings: the service's own table, then its preset, then kiln.
    let own = raw.services.get(name);
    let preset = config.preset_layers.get(name);
    let preset_label = format!("preset `{}`", service.preset.as_deref().unwrap_or_default());
    let overrides = service
        .overrides_in(environment)
        .and_then(|o| serde_json::to_value(o).ok());
    // `[services.S.environments.E]` sets a few service-only keys too (`version`, `canary`).
    let overridden = |key: ServiceKey| {
        overrides
            .as_ref()
            .and_then(|v| v.get(key.name()))
            .filter(|v| !v.is_null())
            .cloned()
    };
    let set = |table: Option<&ServiceConfig>, key| table.and_then(|t| t.value_of(key));
    for &key in ServiceKey::ALL {
        let found = [
            (
                overridden(key),
                format!("[services.{name}.environments.{environment}]"),
            ),
            (set(own, key), format!("[services.{name}]")),
            (set(preset, key), preset_label.clone()),
        ]
        .into_iter()
        .find_map(|(value, label)| value.map(|value| (inline(&value), label)));
        // A split of the environment's table replaces the service's whole:
        // its `canary` hides the service's `versions`, and the other way round.
        let other = match key {
            ServiceKey::Canary => Some(ServiceKey::Versions),
            ServiceKey::Versions => Some(ServiceKey::Canary),
            _ => None,
        };
        let replaced = other
            .filter(|other| overridden(key).is_none() && overridden(*other).is_some())
            .map(|other| {
                (
                    format!("- (replaced by `{}`)", other.name()),
                    format!("[services.{name}.environments.{environment}]"),
                )
            });
        // The service's own `versions` replace a preset's `canary`.
        let replaced = replaced.or_else(|| {
            let own_versions = set(own, ServiceKey::Versions).is_some();
            (key == ServiceKey::Canary && own_versions && set(own, key).is_none()).then(|| {
                (
                    "- (replaced by `versions`)".to_string(),
                    format!("[services.{name}]"),
                )
            })
        });
        let (value, source) = match replaced.or(found) {
            Some(found) => found,
            None => match default_of(key, resolved, model) {
                Some(value) => (value, BUILTIN.to_string()),
                None => ("-".to_string(), "not set".to_string()),
            },
        };
        push(key.name(), value, source);
    }

    // Each route's timeout and retries (issue 16, route-policies): its own,
    // else the service's, as its rule of the VirtualService or HTTPRoute has them.
    let service_timeout = service.timeout.as_deref().unwrap_or(builtin::TIMEOUT);
    for (i, rule) in service.routes_in(environment).iter().enumerate() {
        let (timeout, retries) =
            crate::kinds::traffic::routes::policy(rule, service_timeout, &resolved.retries);
        let own = format!("`routes[{i}]`");
        let source = |set: bool, key: &str| match set {
            true => own.clone(),
            false => format!("the service's `{key}`"),
        };
        push(
            &format!("routes[{i}].timeout"),
            quote(&timeout),
            source(rule.timeout.is_some(), "timeout"),
        );
        push(
            &format!("routes[{i}].retries"),
            retries_value(&retries),
            source(rule.retries.is_some(), "retries"),
        );
    }

    // Fault injection: only `[services.S.environments.E]` sets it.
    if let Some(fault) = overrides
        .as_ref()
        .and_then(|v| v.get("fault"))
        .filter(|v| !v.is_null())
    {
        push(
            "fault",
            inline(fault),
            format!("[services.{name}.environments.{environment}]"),
        );
    }

    // Built in, and no key of kiln.toml: how pods are probed and replaced.
    let fixed = || format!("{BUILTIN} (not a key of kiln.toml)");
    if let Some(probes) = &resolved.probes {
        // `probes = { startup, period, timeout, failures }` changes them.
        let timing_source = if service.probes.is_some() {
            "`probes`, then built-in defaults".to_string()
        } else {
            BUILTIN.to_string()
        };
        for (name, timing) in [
            ("startup", probes.startup),
            ("liveness", probes.liveness),
            ("readiness", probes.readiness),
        ] {
            push(
                &format!("probes.{name}"),
                timing_value(timing),
                timing_source.clone(),
            );
        }
    }
    let rollout = resolved.rollout;
    match resolved.workload {
        Workload::Deployment => push(
            "rollout",
            format!(
                "{{ max_surge = {}, max_unavailable = {}, revision_history_limit = {} }}",
                rollout.max_surge, rollout.max_unavailable, rollout.revision_history_limit
            ),
            fixed(),
        ),
        Workload::StatefulSet => push(
            "rollout",
            format!(
                "{{ revision_history_limit = {} }}",
                rollout.revision_history_limit
            ),
            fixed(),
        ),
        Workload::CronJob => {}
    }
    rows
}

/// What the repo's patches change in the service's objects of
/// `environment`: `patched.<Kind>.<field>`, each from its patch file.
fn patched(dir: &Path, environment: &str, service: &str, model: &Model) -> Result<Vec<Row>, Error> {
    let renderer = crate::render::Renderer::for_repo(dir)?;
    if renderer.custom().patches.is_empty() {
        return Ok(Vec::new());
    }
    let (_, _, applied) = renderer.render_patched(model)?;
    let mut rows = Vec::new();
    for change in applied {
        let ours = crate::output::paths::environment_of(&change.file) == Some(environment)
            && crate::output::paths::service_of(&change.file) == Some(service);
        if !ours {
            continue;
        }
        for (field, value) in change.fields {
            rows.push(Row {
                key: format!("patched.{}.{field}", change.kind),
                value: value.as_ref().map_or("- (removed)".to_string(), inline),
                source: change.patch.clone(),
            });
        }
    }
    Ok(rows)
}

/// The rows as aligned `key = value  # source` lines under a header.
pub fn table(environment: &str, service: &str, rows: &[&Row]) -> String {
    let key_width = rows.iter().map(|r| r.key.len()).max().unwrap_or(0);
    let value_width = rows
        .iter()
        .map(|r| r.value.len())
        .filter(|w| *w <= 40)
        .max()
        .unwrap_or(0);
    let mut out = format!(
        "# `{service}` in `{environment}`: effective value and where it came from\n\
         # (precedence, lowest first: built-in default, [defaults], [environments.E],\n\
         # preset, [services.S], [services.S.environments.E])\n"
    );
    for row in rows {
        out.push_str(&format!(
            "{:<key_width$} = {:<value_width$}  # {}\n",
            row.key, row.value, row.source
        ));
    }
    out
}
