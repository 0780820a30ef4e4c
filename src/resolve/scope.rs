//! Where a service is resolved: the environment, its namespace, and which
//! optional layers it renders.

use crate::config::{Config, MeshMode, Traffic};
use crate::model::IngressGatewayView;

/// Which optional layers an environment renders.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Switches {
    pub mesh: bool,
    /// The mesh is on in ambient mode: no sidecars, ztunnel and a waypoint.
    pub ambient: bool,
    pub monitoring: bool,
    pub logging: bool,
}

/// `[environments.E]` wins over `[project]`; every layer is on by default.
pub fn switches(config: &Config, environment: &str) -> Switches {
    let env = config.environments.get(environment);
    let pick = |own: Option<bool>, project: Option<bool>| own.or(project).unwrap_or(true);
    let mesh = pick(env.and_then(|e| e.mesh), config.project.mesh);
    let mode = env.and_then(|e| e.mesh_mode).or(config.project.mesh_mode);
    Switches {
        mesh,
        ambient: mesh && mode == Some(MeshMode::Ambient),
        monitoring: pick(env.and_then(|e| e.monitoring), config.project.monitoring),
        logging: pick(env.and_then(|e| e.logging), config.project.logging),
    }
}

/// Where a service is resolved: its environment, namespace and layers.
pub struct Scope<'a> {
    pub environment: &'a str,
    pub namespace: &'a str,
    pub on: Switches,
    pub mtls_strict: bool,
    /// The ingress gateway the environment's routes go through.
    pub gateway: &'a IngressGatewayView,
    /// Which API carries the environment's routes.
    pub traffic: Traffic,
}
