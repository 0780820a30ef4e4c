//! Configs from text, checked, resolved and rendered as `kiln build` does
//! them, for the kinds' unit tests.

use crate::config::Config;
use crate::model::{Environment, Model, Service};
use crate::output::Rendered;

/// An app with every kind of service: a routed web API calling a database
/// and a cache, a worker, a nightly job; two environments.
pub const APP: &str = r#"
[project]
name = "shop"
registry = "ghcr.io/acme/shop"

[defaults]
replicas = 2

[environments.dev]
replicas = 1

[environments.prod]
domain = "shop.example.com"

[services.api]
language = "go"
version = "1.0.0"
port = 8080
route = "/api"
calls = ["db", "cache"]

[services.db]
kind = "stateful"
image = "postgres:16.4"
port = 5432
storage = "5Gi"

[services.cache]
image = "redis:7.2-alpine"
port = 6379

[services.mailer]
kind = "worker"
language = "python"
version = "2.0.0"
calls = ["api"]

[services.report]
kind = "cronjob"
language = "go"
version = "1.0.0"
schedule = "0 2 * * *"
"#;

/// `text` parsed, with its presets applied.
pub fn config(text: &str) -> Config {
    let mut config = crate::config::load::parse(text).expect("parses");
    assert!(crate::config::presets::apply(&mut config).is_empty());
    config
}

/// The messages of every problem `text` has, validated then resolved.
pub fn problems(text: &str) -> Vec<String> {
    let config = config(text);
    let mut problems = super::validate(&config);
    if let Err(found) = super::resolve(&config) {
        problems.extend(found);
    }
    problems.into_iter().map(|p| p.message).collect()
}

/// The model of `text`, which must be valid.
pub fn model(text: &str) -> Model {
    let config = config(text);
    assert_eq!(problems(text), Vec::<String>::new());
    super::resolve(&config).expect("resolves")
}

/// `text` rendered with the bundled templates, and its model.
pub fn rendered(text: &str) -> (Rendered, Model) {
    let model = model(text);
    let rendered = crate::render::Renderer::new()
        .unwrap()
        .render(&model)
        .unwrap();
    (rendered, model)
}

/// The messages of the kinds' checks of `rendered`.
pub fn crosschecked(rendered: &Rendered, model: &Model) -> Vec<String> {
    super::crosscheck(rendered, model)
        .into_iter()
        .map(|p| p.message)
        .collect()
}

/// Environment `name` of `model`.
pub fn environment<'m>(model: &'m Model, name: &str) -> &'m Environment {
    model
        .environments
        .iter()
        .find(|e| e.name == name)
        .expect("environment")
}

/// Service `name` of environment `env`.
pub fn service<'m>(model: &'m Model, env: &str, name: &str) -> &'m Service {
    environment(model, env)
        .services
        .iter()
        .find(|s| s.name == name)
        .expect("service")
}
