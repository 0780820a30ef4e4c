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
            if let Some(overrides) = service.overrides_in(environment) {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(text: &str) -> Config {
        let mut config = crate::config::load::parse(text).unwrap();
        assert!(crate::config::presets::apply(&mut config, &[]).is_empty());
        config
    }

    const LAYERED: &str = r#"
[project]
name = "shop"
[defaults]
replicas = 2
cpu = "200m"
env = { LOG = "info", MODE = "a" }
[environments.prod]
replicas = 3
secrets = { MODE = "shop-mode:value" }
[services.api]
image = "redis:7.2-alpine"
preset = "redis"
replicas = 4
env = { LOG = "debug" }
[services.api.environments.prod]
replicas = 5
"#;

    #[test]
    fn the_highest_layer_wins_and_says_where() {
        let config = parsed(LAYERED);
        let service = &config.services["api"];
        let layers = Layers::new(&config, "prod", Some(("api", service)));
        let labels: Vec<&str> = layers.all.iter().map(|s| s.label.as_str()).collect();
        assert_eq!(
            labels,
            [
                "[defaults]",
                "[environments.prod]",
                "preset `redis`",
                "[services.api]",
                "[services.api.environments.prod]"
            ]
        );
        let replicas = layers.pick(false, "replicas", |l| l.replicas).unwrap();
        assert_eq!((replicas.value, replicas.rank), (5, 4));
        assert_eq!(
            replicas.key.to_string(),
            "services.api.environments.prod.replicas"
        );
        // In dev, the service's own table is the highest that sets it.
        let dev = Layers::new(&config, "dev", Some(("api", service)));
        let replicas = dev.pick(false, "replicas", |l| l.replicas).unwrap();
        assert_eq!(replicas.key.to_string(), "services.api.replicas");
        // The preset ranks above [defaults] and below the service's table.
        let cpu = layers.pick(false, "cpu", |l| l.cpu).unwrap();
        assert_eq!(
            (cpu.value, cpu.key.to_string()),
            ("100m", "services.api.preset.cpu".into())
        );
        let wide = Layers::new(&config, "prod", None);
        let cpu = wide.pick(false, "cpu", |l| l.cpu).unwrap();
        assert_eq!(
            (cpu.value, cpu.key.to_string()),
            ("200m", "defaults.cpu".into())
        );
    }

    #[test]
    fn own_only_passes_over_the_project_wide_layers() {
        let config = parsed(
            "[project]\nname = \"shop\"\n[defaults]\nreplicas = 2\n[environments.dev]\n\
             replicas = 3\n[services.db]\nimage = \"postgres:16.4\"\n",
        );
        let layers = Layers::new(&config, "dev", Some(("db", &config.services["db"])));
        assert!(layers.pick(false, "replicas", |l| l.replicas).is_some());
        assert!(layers.pick(true, "replicas", |l| l.replicas).is_none());
    }

    #[test]
    fn a_limit_defaults_to_twice_its_request_and_one_below_it_is_refused() {
        let config = parsed(
            "[project]\nname = \"shop\"\n[defaults]\ncpu_limit = \"150m\"\n\
             [services.api]\nimage = \"redis:7.2-alpine\"\ncpu = \"300m\"\nmemory = \"1Gi\"\n\
             memory_limit = \"512Mi\"\n",
        );
        let mut problems = Vec::new();
        let layers = Layers::new(&config, "dev", Some(("api", &config.services["api"])));
        let (resources, _) = layers.resources(&mut problems);
        // The default's limit is below the service's request: it gives way.
        assert_eq!(resources.cpu_limit, "600m");
        // The service's own limit below its own request is a mistake.
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(
            problems[0].message,
            "limit `512Mi` in `services.api.memory_limit` is below the request `1Gi`"
        );
        let wide = Layers::new(&config, "dev", None);
        let (defaults, _) = wide.resources(&mut Vec::new());
        assert_eq!(
            (
                defaults.cpu_request.as_str(),
                defaults.memory_limit.as_str()
            ),
            (builtin::CPU, "256Mi")
        );
    }

    #[test]
    fn variables_merge_by_key_and_a_higher_layer_moves_one_to_secrets() {
        let config = parsed(LAYERED);
        let service = &config.services["api"];
        let (env, secrets) = Layers::new(&config, "prod", Some(("api", service))).variables();
        assert_eq!(env.get("LOG").map(String::as_str), Some("debug"));
        assert!(!env.contains_key("MODE"));
        assert_eq!(
            secrets.get("MODE").map(String::as_str),
            Some("shop-mode:value")
        );
        let (env, secrets) = Layers::new(&config, "dev", Some(("api", service))).variables();
        assert_eq!(env.get("MODE").map(String::as_str), Some("a"));
        assert!(secrets.is_empty());
    }
}
