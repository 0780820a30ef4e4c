//! What a kind is: one family of emitted objects, and the steps of the
//! pipeline it takes part in. Every step has a default that does nothing,
//! so a kind implements only what it owns.

use crate::config::{Config, ServiceConfig};
use crate::diagnostics::Problem;
use crate::model::{
    Environment, EnvironmentFile, IngressGatewayView, ProjectView, Service, ServiceFile, TrackOf,
};
use crate::resolve::{Callers, Layers, Scope, Switches};
use crate::verify::Check;

/// One family of emitted objects: its keys' rules, its resolve steps, its
/// files and its checks of the rendered objects.
pub trait Kind: Sync {
    /// Checks the keys of `kiln.toml` this kind owns: every problem, each at its key.
    fn validate(&self, _config: &Config, _problems: &mut Vec<Problem>) {}

    /// Shapes one service's workload in one environment, after the kinds
    /// before it in the registry.
    fn service(&self, _step: &ServiceStep<'_>, _service: &mut Service) {}

    /// After every kind's `service`: what needs the finished workload.
    fn finish(&self, _step: &ServiceStep<'_>, _service: &mut Service) {}

    /// Adds its objects to one environment, whose services are resolved.
    fn environment(&self, _step: &EnvironmentStep<'_>, _environment: &mut Environment) {}

    /// The files it writes for the environment as a whole.
    fn environment_files(&self, _environment: &Environment, _out: &mut Vec<EnvironmentFile>) {}

    /// The files it writes for one workload of a service: the service's
    /// own, or (`track`) the copy of it that another track of its split runs.
    fn service_files(
        &self,
        _service: &Service,
        _track: Option<TrackOf<'_>>,
        _out: &mut Vec<ServiceFile>,
    ) {
    }

    /// Its checks of the rendered objects, each for one `kind:` of object.
    fn checks(&self) -> &'static [(&'static str, Check)] {
        &[]
    }

    /// Its settings of an environment as a whole, for `kiln explain`: the
    /// effective value of each and the table it came from.
    fn explain(&self, _config: &Config, _environment: &Environment) -> Vec<Explained> {
        Vec::new()
    }
}

/// One setting as `kiln explain` shows it.
pub struct Explained {
    /// `tracing.sampling_percent`, ...
    pub key: String,
    /// The effective value, as TOML writes it.
    pub value: String,
    /// Where it came from: `[environments.prod]`, `[project]`, `built-in default`.
    pub source: String,
}

/// What a kind sees while one service is resolved in one environment.
pub struct ServiceStep<'a> {
    pub config: &'a Config,
    pub project: &'a ProjectView,
    pub scope: &'a Scope<'a>,
    pub name: &'a str,
    pub service: &'a ServiceConfig,
    pub layers: &'a Layers<'a>,
    pub callers: &'a Callers<'a>,
}

impl ServiceStep<'_> {
    /// The services whose `calls` name this one, in name order.
    pub fn callers(&self) -> &[&str] {
        self.callers.get(self.name).map_or(&[], Vec::as_slice)
    }

    /// The service's own table for this environment, if it has one.
    pub fn overrides(&self) -> Option<&crate::config::ServiceEnvironmentConfig> {
        self.service.overrides_in(self.scope.environment)
    }
}

/// What a kind sees while one environment is resolved.
pub struct EnvironmentStep<'a> {
    pub config: &'a Config,
    pub project: &'a ProjectView,
    pub name: &'a str,
    pub namespace: &'a str,
    pub on: Switches,
    pub ingress: &'a IngressGatewayView,
}
