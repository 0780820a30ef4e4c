//! The kinds together, from `kiln.toml` text to the model and the rendered
//! objects: what each layer resolves to (`model`), and that the checks of
//! the rendered objects catch a set that does not hold together (`crosscheck`).

mod core;
mod crosscheck;
mod mesh;
mod model;
mod monitoring;

use crate::config::Config;
use crate::model::{Environment, Model, Service};
use crate::render::{Rendered, Renderer};

/// A web API routed at `/api` with a canary in prod, calling a database;
/// a front end at `/` that calls the API; a worker that calls it too.
pub const SHOP: &str = r#"[project]
name = "shop"
registry = "ghcr.io/acme"

[environments.dev]

[environments.prod]
replicas = 3

[services.api]
language = "go"
version = "1.0.0"
port = 8080
ports = { admin = 9090 }
route = "/api"
calls = ["db"]

[services.api.environments.prod]
canary = { version = "1.1.0", weight = 20 }

[services.web]
language = "node"
version = "2.0.0"
port = 3000
route = "/"
calls = ["api"]

[services.jobs]
kind = "worker"
language = "python"
version = "1.0.0"
calls = ["api", "db"]

[services.db]
kind = "stateful"
image = "postgres:16.4"
port = 5432
storage = "5Gi"
"#;

/// `text` as the pipeline reads it; every problem of every kind fails the test.
pub fn config(text: &str) -> Config {
    let (config, mut problems) = crate::config::parsed(text);
    problems.extend(super::validate(&config));
    assert!(problems.is_empty(), "{problems:#?}");
    config
}

pub fn model(text: &str) -> Model {
    super::resolve(&config(text)).unwrap_or_else(|p| panic!("{p:#?}"))
}

pub fn environment<'m>(model: &'m Model, name: &str) -> &'m Environment {
    model.environments.iter().find(|e| e.name == name).unwrap()
}

pub fn service<'m>(model: &'m Model, environment: &str, name: &str) -> &'m Service {
    self::environment(model, environment)
        .services
        .iter()
        .find(|s| s.name == name)
        .unwrap()
}

/// Every file of `model`, with the bundled templates.
pub fn render(model: &Model) -> Rendered {
    Renderer::new().unwrap().render(model).unwrap()
}

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

/// The messages of every problem `text` has: presets, rules, then resolve.
pub fn problems(text: &str) -> Vec<String> {
    let (config, mut problems) = crate::config::parsed(text);
    problems.extend(super::validate(&config));
    if let Err(found) = super::resolve(&config) {
        problems.extend(found);
    }
    problems.into_iter().map(|p| p.message).collect()
}

/// `text` rendered with the bundled templates, and its model.
pub fn rendered(text: &str) -> (Rendered, Model) {
    let model = model(text);
    (render(&model), model)
}

/// The messages of the kinds' checks of `rendered`.
pub fn crosschecked(rendered: &Rendered, model: &Model) -> Vec<String> {
    super::crosscheck(rendered, model)
        .into_iter()
        .map(|p| p.message)
        .collect()
}
