//! The layers of `kiln.toml` that apply to one service in one environment,
//! lowest first: `[defaults]`, `[environments.E]`, the service's `preset`,
//! `[services.S]`, `[services.S.environments.E]`; and the highest layer's
//! value of each setting, with where it came from.

use super::builtin;
use crate::config::{Config, Layer, ServiceConfig};
use crate::diagnostics::{KeyPath, Problem};
use crate::grammar::quantity::{Quantity, Unit};
use crate::model::Resources;
use std::collections::BTreeMap;

/// A setting's winning value, where it was set, and how high that layer is.
pub struct Picked<T> {
    pub value: T,
    pub key: KeyPath,
    pub rank: usize,
}

/// One table of `kiln.toml` that may set layered settings, and where it is.
pub struct Source<'a> {
    pub key: KeyPath,
    /// How `kiln explain` names it: `[defaults]`, ``preset `http-api` ``, ...
    pub label: String,
    pub layer: Layer<'a>,
}

/// The layers that apply to one service in one environment, lowest first.
pub struct Layers<'a> {
    pub all: Vec<Source<'a>>,
    /// How many of `all` are project-wide (`[defaults]`, `[environments.E]`).
    wide: usize,
}

impl<'a> Layers<'a> {
    pub fn new(
        config: &'a Config,
        environment: &str,
        service: Option<(&str, &'a ServiceConfig)>,
    ) -> Self {
        let source = |key: KeyPath, layer| Source {
            label: format!("[{key}]"),
            key,
            layer,
        };
        let mut all = vec![source(KeyPath::new(&["defaults"]), config.defaults.layer())];
        if let Some(env) = config.environments.get(environment) {
            all.push(source(
                KeyPath::new(&["environments", environment]),
                env.layer(),
            ));
        }
        let wide = all.len();
        if let Some((name, service)) = service {
            let key = KeyPath::new(&["services", name]);
            // A preset describes what kind of service this is: more specific
            // than project-wide settings, less than the service's own table.
            if let (Some(preset), Some(preset_name)) =
                (config.preset_layers.get(name), service.preset.as_deref())
            {
                all.push(Source {
                    key: key.key("preset"),
                    label: format!("preset `{preset_name}`"),
                    layer: preset.layer(),
                });
            }
            all.push(source(key.clone(), service.layer()));
            if let Some(overrides) = service
                .environments
                .as_ref()
                .and_then(|e| e.get(environment))
            {
                all.push(source(
                    key.key("environments").key(environment),
                    overrides.layer(),
                ));
            }
        }
        Layers { all, wide }
    }

    /// The highest layer's value of one setting, where it came from, and
    /// its rank (higher ranks win). With `own_only`, only the service's own
    /// tables count.
    pub fn pick<T>(
        &self,
        own_only: bool,
        field: &str,
        get: impl Fn(&Layer<'a>) -> Option<T>,
    ) -> Option<Picked<T>> {
        let first = if own_only { self.wide } else { 0 };
        self.all
            .iter()
            .enumerate()
            .skip(first)
            .rev()
            .find_map(|(rank, source)| {
                get(&source.layer).map(|value| Picked {
                    value,
                    key: source.key.key(field),
                    rank,
                })
            })
    }

    /// Requests and limits. A limit defaults to twice its request; a limit
    /// from a lower layer than its request gives way to that default when
    /// it would fall below the request.
    pub fn resources(&self, problems: &mut Vec<Problem>) -> (Resources, [Quantity; 4]) {
        let quantity =
            |value: &str, unit| Quantity::parse(value, unit).unwrap_or(Quantity::zero(unit));
        let mut pair = |fields: [&str; 2],
                        unit,
                        builtin: &str,
                        get: [fn(&Layer<'a>) -> Option<&'a str>; 2]| {
            let picked_request = self.pick(false, fields[0], get[0]);
            let request = picked_request
                .as_ref()
                .map_or(quantity(builtin, unit), |p| quantity(p.value, unit));
            let request_rank = picked_request.as_ref().map_or(0, |p| p.rank);
            let limit = match self.pick(false, fields[1], get[1]) {
                Some(picked) if quantity(picked.value, unit) >= request => {
                    quantity(picked.value, unit)
                }
                Some(picked) if picked.rank < request_rank => request.times(2),
                Some(picked) => {
                    problems.push(Problem::limit_below_request(
                        &picked.key,
                        picked.value,
                        &request.to_string(),
                    ));
                    quantity(picked.value, unit)
                }
                None => request.times(2),
            };
            if let (false, Some(picked)) = (limit.fits(), &picked_request) {
                problems.push(Problem::default_limit_too_large(&picked.key, fields[1]));
            }
            (request, limit)
        };
        let (cpu, cpu_limit) = pair(
            ["cpu", "cpu_limit"],
            Unit::Cpu,
            builtin::CPU,
            [|l| l.cpu, |l| l.cpu_limit],
        );
        let (memory, memory_limit) = pair(
            ["memory", "memory_limit"],
            Unit::Bytes,
            builtin::MEMORY,
            [|l| l.memory, |l| l.memory_limit],
        );
        let resources = Resources {
            cpu_request: cpu.to_string(),
            cpu_limit: cpu_limit.to_string(),
            memory_request: memory.to_string(),
            memory_limit: memory_limit.to_string(),
        };
        (resources, [cpu, cpu_limit, memory, memory_limit])
    }

    /// `env` and `secrets` merged by key. A higher layer that moves a variable
    /// from one map to the other wins over the lower layer.
    pub fn variables(&self) -> (BTreeMap<String, String>, BTreeMap<String, String>) {
        let mut env = BTreeMap::new();
        let mut secrets = BTreeMap::new();
        for source in &self.all {
            for (name, value) in source.layer.env.into_iter().flatten() {
                secrets.remove(name);
                env.insert(name.clone(), value.clone());
            }
            for (name, value) in source.layer.secrets.into_iter().flatten() {
                env.remove(name);
                secrets.insert(name.clone(), value.clone());
            }
        }
        (env, secrets)
    }
}

impl Problem {
    /// A request so large that its default limit, twice the request, is more
    /// than a Kubernetes quantity holds.
    pub fn default_limit_too_large(key: &KeyPath, limit: &str) -> Self {
        Problem::at(
            key,
            format!(
                "`{key}` is so large that its default limit, twice the request, is more than Kubernetes can hold"
            ),
            Some(format!(
                "set `{limit}` (at most {} {}), or lower the request",
                crate::grammar::quantity::MAX_TEXT,
                if limit == "cpu_limit" {
                    "cores"
                } else {
                    "bytes"
                }
            )),
        )
    }

    pub fn limit_below_request(key: &KeyPath, limit: &str, request: &str) -> Self {
        Problem::at(
            key,
            format!("limit `{limit}` in `{key}` is below the request `{request}`"),
            Some("a limit must be at least the request".to_string()),
        )
    }
}
