//! Which traffic settings apply in an environment: its own, else the project's.

use crate::config::{Config, EnvironmentConfig, Project, Tls, Traffic};
use crate::resolve::builtin;

/// The API that carries `environment`'s routes: its own `traffic`, else the
/// project's, else `istio`.
pub fn api(config: &Config, environment: &str) -> Traffic {
    pick(config, environment, |e| e.traffic, |p| p.traffic).unwrap_or(Traffic::Istio)
}

/// The GatewayClass of the Gateway kiln writes for `environment`.
pub fn gateway_class(config: &Config, environment: &str) -> String {
    pick(
        config,
        environment,
        |e| e.gateway_class.clone(),
        |p| p.gateway_class.clone(),
    )
    .unwrap_or_else(|| builtin::GATEWAY_CLASS.to_string())
}

/// `[environments.E] key`, else `[project] key`.
pub(super) fn pick<T>(
    config: &Config,
    environment: &str,
    own: impl Fn(&EnvironmentConfig) -> Option<T>,
    wide: impl Fn(&Project) -> Option<T>,
) -> Option<T> {
    config
        .environments
        .get(environment)
        .and_then(own)
        .or_else(|| wide(&config.project))
}

/// The `tls` table that applies in `environment`.
pub(super) fn tls<'c>(config: &'c Config, environment: &str) -> Option<&'c Tls> {
    config
        .environments
        .get(environment)
        .and_then(|e| e.tls.as_ref())
        .or(config.project.tls.as_ref())
}
