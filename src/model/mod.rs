//! The resolved model: one plain, fully-defaulted view per environment.
//! Templates see only these types, never the raw config.

mod compose;
mod delivery;
mod environment;
mod files;
mod labels;
mod logging;
mod mesh;
mod monitoring;
mod service;
mod traffic;

pub use compose::*;
pub use delivery::*;
pub use environment::*;
pub use files::*;
pub use labels::*;
pub use logging::*;
pub use mesh::*;
pub use monitoring::*;
pub use service::*;
pub use traffic::*;

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Model {
    pub project: ProjectView,
    pub environments: Vec<Environment>,
    /// Dockerfiles, CI pipelines and GitOps objects.
    pub delivery: Delivery,
}
#[derive(Debug, Clone, Serialize)]
pub struct ProjectView {
    pub name: String,
    pub team: Option<String>,
    pub monitoring_namespace: String,
    pub mesh_namespace: String,
}
