//! What each template sees: the serialisable views of the model that the
//! renderer hands Tera, one shape per kind of file.

use super::errors::template_error;
use crate::diagnostics::Error;
use crate::model::{
    Application, Build, Delivery, Environment, HttpRoute, ProjectView, Service, TrafficRoute,
};
use serde::Serialize;

pub(super) fn context(view: &Context<'_>) -> Result<tera::Context, Error> {
    tera::Context::from_serialize(view).map_err(|err| template_error("context", &err))
}

/// What a template sees: the project, the environment and, for per-service
/// files, the service.
#[derive(Serialize)]
pub(super) struct Context<'a> {
    pub(super) project: &'a ProjectView,
    pub(super) env: &'a Environment,
    /// The gateway's routes, in the environment's files only.
    pub(super) routes: Option<&'a [HttpRoute]>,
    /// The Gateway API and Ingress routes, in the environment's files only.
    pub(super) traffic_routes: Option<&'a [TrafficRoute]>,
    pub(super) service: Option<&'a Service>,
    /// The rendered `fluent.conf`, for the ConfigMap that holds it.
    pub(super) fluent_conf: Option<&'a str>,
    /// Its sha256, so that the Fluentd pods restart when it changes.
    pub(super) fluent_conf_checksum: Option<&'a str>,
}

#[derive(Serialize)]
pub(super) struct BuildContext<'a> {
    pub(super) project: &'a ProjectView,
    pub(super) build: &'a Build,
}

#[derive(Serialize)]
pub(super) struct PipelineContext<'a> {
    pub(super) project: &'a ProjectView,
    pub(super) delivery: &'a Delivery,
}

#[derive(Serialize)]
pub(super) struct ComposeContext<'a> {
    pub(super) project: &'a ProjectView,
    pub(super) compose: Option<&'a crate::model::Compose>,
}

#[derive(Serialize)]
pub(super) struct ApplicationContext<'a> {
    pub(super) project: &'a ProjectView,
    pub(super) application: &'a Application,
}
