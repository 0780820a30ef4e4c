//! Layering, read as `kiln.toml` snippets: which table's value wins, where
//! it was set, the limits that follow from requests, the variables merged
//! by key, the optional layers of an environment and who calls whom.

use super::{Layers, builtin, callers, switches};
use crate::config::Config;
use crate::diagnostics::Problem;

/// The `[project]` every snippet starts with.
const PROJECT: &str = "[project]\nname = \"shop\"\nregistry = \"ghcr.io/acme\"\n\n";

/// `kiln.toml` text (after `PROJECT`) as `resolve` sees it: parsed, presets applied.
fn config(text: &str) -> Config {
    let (config, problems) = crate::config::parsed(&format!("{PROJECT}{text}"));
    assert!(problems.is_empty(), "{problems:#?}");
    config
}

/// The layers of service `api` in environment `environment`.
fn layers<'a>(config: &'a Config, environment: &str) -> Layers<'a> {
    Layers::new(config, environment, Some(("api", &config.services["api"])))
}

/// `replicas` as picked for `api` in `environment`: the value and the key it came from.
fn replicas(config: &Config, environment: &str) -> Option<(u32, String)> {
    layers(config, environment)
        .pick(false, "replicas", |l| l.replicas)
        .map(|p| (p.value, p.key.to_string()))
}

const FOUR_LAYERS: &str = r#"
[defaults]
replicas = 1

[environments.dev]
replicas = 2

[environments.prod]
replicas = 3

[services.api]
language = "go"
version = "1.0.0"
port = 8080

[services.api.environments.prod]
replicas = 5
"#;

#[test]
fn the_service_environment_table_beats_every_other_layer() {
    let config = config(FOUR_LAYERS);
    assert_eq!(
        replicas(&config, "prod"),
        Some((5, "services.api.environments.prod.replicas".into()))
    );
    // dev has no table of its own under the service: the environment wins.
    assert_eq!(
        replicas(&config, "dev"),
        Some((2, "environments.dev.replicas".into()))
    );
}

#[test]
fn the_service_beats_its_environment_and_the_environment_beats_defaults() {
    let text = FOUR_LAYERS.replace("port = 8080\n", "port = 8080\nreplicas = 4\n");
    let config = config(&text);
    assert_eq!(
        replicas(&config, "dev"),
        Some((4, "services.api.replicas".into()))
    );
    let config = self::config(
        &FOUR_LAYERS.replace("[environments.dev]\nreplicas = 2\n", "[environments.dev]\n"),
    );
    assert_eq!(
        replicas(&config, "dev"),
        Some((1, "defaults.replicas".into()))
    );
}

#[test]
fn nothing_set_anywhere_is_nothing_picked() {
    let config = config(
        "[environments.dev]\n\n[services.api]\nlanguage = \"go\"\nversion = \"1.0.0\"\nport = 8080\n",
    );
    assert!(replicas(&config, "dev").is_none());
    // An environment that does not exist adds no layer, and is no error.
    let layers = layers(&config, "nowhere");
    let labels: Vec<&str> = layers.all.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(labels, ["[defaults]", "[services.api]"]);
}

#[test]
fn own_only_ignores_project_wide_tables() {
    let config = config(FOUR_LAYERS);
    let layers = layers(&config, "dev");
    assert!(layers.pick(true, "replicas", |l| l.replicas).is_none());
    let layers = self::layers(&config, "prod");
    let picked = layers.pick(true, "replicas", |l| l.replicas).unwrap();
    assert_eq!(picked.value, 5);
}

#[test]
fn a_preset_sits_between_the_environment_and_the_service() {
    // `http-api` sets cpu = "200m" and memory = "256Mi".
    let text = r#"
[environments.dev]
cpu = "300m"
memory = "64Mi"

[services.api]
preset = "http-api"
language = "go"
version = "1.0.0"
memory = "512Mi"
"#;
    let config = config(text);
    let layers = layers(&config, "dev");
    let labels: Vec<&str> = layers.all.iter().map(|s| s.label.as_str()).collect();
    assert_eq!(
        labels,
        [
            "[defaults]",
            "[environments.dev]",
            "preset `http-api`",
            "[services.api]"
        ]
    );
    let cpu = layers.pick(false, "cpu", |l| l.cpu).unwrap();
    assert_eq!(
        (cpu.value, cpu.key.to_string()),
        ("200m", "services.api.preset.cpu".into())
    );
    let memory = layers.pick(false, "memory", |l| l.memory).unwrap();
    assert_eq!(
        (memory.value, memory.key.to_string()),
        ("512Mi", "services.api.memory".into())
    );
    // The preset's service-only keys were copied into the service.
    assert_eq!(config.services["api"].port, Some(8080));
}

/// Requests and limits of `api` in dev, and the problems found on the way.
fn resources(text: &str) -> ([String; 4], Vec<Problem>) {
    let config = config(text);
    let mut problems = Vec::new();
    let (resources, _) = layers(&config, "dev").resources(&mut problems);
    (
        [
            resources.cpu_request,
            resources.cpu_limit,
            resources.memory_request,
            resources.memory_limit,
        ],
        problems,
    )
}

const API: &str =
    "[environments.dev]\n\n[services.api]\nlanguage = \"go\"\nversion = \"1.0.0\"\nport = 8080\n";

#[test]
fn without_settings_resources_are_the_builtin_ones_with_twice_the_limit() {
    let (resources, problems) = resources(API);
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(resources, ["100m", "200m", "128Mi", "256Mi"]);
    assert_eq!(
        (builtin::CPU, builtin::MEMORY),
        (resources[0].as_str(), resources[2].as_str())
    );
}

#[test]
fn a_limit_defaults_to_twice_its_request_whatever_layer_set_it() {
    let (resources, problems) = resources(&format!(
        "[defaults]\ncpu = \"750m\"\n{API}memory = \"1Gi\"\n"
    ));
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(resources, ["750m", "1500m", "1Gi", "2Gi"]);
}

#[test]
fn cpu_limit_below_cpu_in_one_table_is_a_problem_at_the_limit() {
    let (_, problems) = resources(&format!("{API}cpu = \"500m\"\ncpu_limit = \"250m\"\n"));
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].key.to_string(), "services.api.cpu_limit");
    assert_eq!(
        problems[0].message,
        "limit `250m` in `services.api.cpu_limit` is below the request `500m`"
    );
}

#[test]
fn a_limit_from_a_lower_layer_gives_way_to_a_higher_request() {
    // `[defaults]` caps memory at 256Mi; the service asks for 1Gi: the
    // default limit for it is 2Gi, not a limit below its own request.
    let (resources, problems) = resources(&format!(
        "[defaults]\nmemory_limit = \"256Mi\"\n{API}memory = \"1Gi\"\n"
    ));
    assert!(problems.is_empty(), "{problems:#?}");
    assert_eq!(resources[2..], ["1Gi", "2Gi"]);
}

#[test]
fn a_limit_from_a_higher_layer_below_the_request_is_a_problem_there() {
    let text = format!(
        "[defaults]\ncpu = \"2\"\n{API}\n[services.api.environments.dev]\ncpu_limit = \"1\"\n"
    );
    let (_, problems) = resources(&text);
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(
        problems[0].key.to_string(),
        "services.api.environments.dev.cpu_limit"
    );
    assert!(problems[0].message.contains("below the request `2`"));
}

#[test]
fn a_request_whose_default_limit_overflows_names_the_request() {
    let (_, problems) = resources(&format!("{API}cpu = \"9000000000000000000\"\n"));
    assert_eq!(problems.len(), 1, "{problems:#?}");
    assert_eq!(problems[0].key.to_string(), "services.api.cpu");
    assert!(
        problems[0]
            .hint
            .as_deref()
            .unwrap()
            .contains("set `cpu_limit`")
    );
}

#[test]
fn variables_merge_by_key_and_a_higher_layer_may_move_one_into_secrets() {
    let text = r#"
[defaults.env]
LOG_LEVEL = "info"
REGION = "eu"
DATABASE_URL = "postgres://db"

[environments.dev]

[environments.dev.env]
LOG_LEVEL = "debug"

[services.api]
language = "go"
version = "1.0.0"
port = 8080

[services.api.secrets]
DATABASE_URL = "db-credentials:url"

[services.api.environments.dev.env]
REGION = "us"
"#;
    let config = config(text);
    let (env, secrets) = layers(&config, "dev").variables();
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(env, [("LOG_LEVEL", "debug"), ("REGION", "us")]);
    assert_eq!(
        secrets.into_iter().collect::<Vec<_>>(),
        [("DATABASE_URL".to_string(), "db-credentials:url".to_string())]
    );
    // prod has no table of its own: the lower layers' values stand.
    let config = self::config(&text.replace(
        "[environments.dev]\n",
        "[environments.dev]\n\n[environments.prod]\n",
    ));
    let (env, _) = layers(&config, "prod").variables();
    assert_eq!(env["LOG_LEVEL"], "info");
    assert_eq!(env["REGION"], "eu");
    assert!(!env.contains_key("DATABASE_URL"));
}

#[test]
fn switches_are_on_by_default_and_the_environment_beats_the_project() {
    let text = "[environments.dev]\nmesh = true\nlogging = false\n\n[environments.prod]\n";
    let mut config = config(text);
    let dev = switches(&config, "dev");
    assert!(dev.mesh && dev.monitoring && !dev.logging);
    config.project.mesh = Some(false);
    config.project.monitoring = Some(false);
    let (dev, prod) = (switches(&config, "dev"), switches(&config, "prod"));
    assert!(
        dev.mesh,
        "`[environments.dev] mesh = true` wins over `[project]`"
    );
    assert!(!dev.monitoring && !prod.mesh && !prod.monitoring && prod.logging);
}

#[test]
fn callers_are_sorted_deduplicated_and_never_the_service_itself() {
    let text = r#"
[environments.dev]

[services.web]
language = "node"
version = "1.0.0"
port = 3000
calls = ["api", "api", "web"]

[services.admin]
language = "node"
version = "1.0.0"
port = 3000
calls = ["api", "db"]

[services.api]
language = "go"
version = "1.0.0"
port = 8080
calls = ["db"]

[services.db]
image = "postgres:16.4"
port = 5432
"#;
    let config = config(text);
    let callers = callers(&config, "dev");
    assert_eq!(callers["api"], ["admin", "web"]);
    assert_eq!(callers["db"], ["admin", "api"]);
    assert!(!callers.contains_key("web"), "a self-call makes no caller");
    assert!(!callers.contains_key("admin"));
}
