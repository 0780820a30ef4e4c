//! The mesh (Istio): sidecar injection and its resources, the ingress
//! gateway and its routes, each service's DestinationRule,
//! AuthorizationPolicy and mTLS exception, retries, and the canary split.

mod canary;
mod checks;
mod files;
mod gateway;
mod problems;
mod service;
mod validate;
mod versions;

pub use crate::resolve::retries;
pub use gateway::ingress_gateway;

use super::kind::{EnvironmentStep, Explained, Kind, ServiceStep};
use crate::config::{Config, Kind as Workload, Traffic};
use crate::diagnostics::Problem;
use crate::model::{
    Environment, EnvironmentFile, EnvironmentMesh, Service, ServiceFile, TrackOf, Waypoint,
};
use crate::resolve::builtin;
use crate::verify::Check;

pub struct Mesh;

impl Kind for Mesh {
    fn validate(&self, config: &Config, problems: &mut Vec<Problem>) {
        validate::validate(config, problems);
    }

    /// The sidecar's resources, pinned so that the quota can count them,
    /// and the retry policy of the service's routes.
    fn service(&self, step: &ServiceStep<'_>, service: &mut Service) {
        service.retries = retries(
            step.layers
                .pick(false, "retries", |l| l.retries)
                .map(|p| p.value),
        );
        let scope = step.scope;
        // Ambient pods have no sidecar to size or tell anything.
        if !scope.on.mesh || scope.on.ambient {
            return;
        }
        let annotations = &mut service.pod_annotations;
        for (key, value) in [
            ("sidecar.istio.io/proxyCPU", builtin::SIDECAR_CPU),
            ("sidecar.istio.io/proxyCPULimit", builtin::SIDECAR_CPU_LIMIT),
            ("sidecar.istio.io/proxyMemory", builtin::SIDECAR_MEMORY),
            (
                "sidecar.istio.io/proxyMemoryLimit",
                builtin::SIDECAR_MEMORY_LIMIT,
            ),
        ] {
            annotations.insert(key.into(), value.into());
        }
        if step.service.kind == Some(Workload::Cronjob) {
            // A classic sidecar never exits and would keep every Job running forever.
            annotations.insert("sidecar.istio.io/nativeSidecar".into(), "true".into());
        }
        if !scope.on.monitoring {
            // Without monitoring nothing may advertise metrics: the sidecar injector
            // would otherwise add `prometheus.io/*` annotations for its merged endpoint.
            annotations.insert("prometheus.istio.io/merge-metrics".into(), "false".into());
        }
    }

    /// The split's other tracks (a canary, `versions`), each a copy of the
    /// finished workload, and the service's mesh objects. The Gateway API
    /// splits without the mesh too, by weighted backends at the Gateway.
    fn finish(&self, step: &ServiceStep<'_>, service: &mut Service) {
        let splits = step.scope.on.mesh || step.scope.traffic == Traffic::GatewayApi;
        if !splits {
            return;
        }
        let own = step.service;
        let split = own
            .split_in(step.scope.environment)
            .filter(|_| own.kind.unwrap_or(Workload::Web) == Workload::Web);
        service.split = split.map(|(_, setting)| canary::split_of(step.config, service, setting));
        if !step.scope.on.mesh {
            return;
        }
        service.mesh = Some(service::service_mesh(
            step.callers(),
            step.project,
            step.scope,
            own,
            service,
        ));
    }

    fn environment(&self, step: &EnvironmentStep<'_>, environment: &mut Environment) {
        if !step.on.mesh {
            return;
        }
        let ingress = step.ingress;
        // Other traffic APIs write their own gateway (the `traffic` kind).
        let istio = step.config.environments[step.name]
            .traffic
            .or(step.config.project.traffic);
        let istio = istio.unwrap_or(Traffic::Istio) == Traffic::Istio;
        environment.mesh = Some(EnvironmentMesh {
            gateway: istio
                .then(|| {
                    gateway::gateway(
                        step.config,
                        step.project,
                        step.name,
                        step.namespace,
                        ingress,
                        &environment.services,
                    )
                })
                .flatten(),
            gateway_principal: ingress.principal(),
            gateway_selector: ingress.selector.clone(),
            ingress: ingress.clone(),
            ambient: step.on.ambient,
            waypoint: (step.on.ambient && environment.services.iter().any(|s| s.has_service)).then(
                || Waypoint {
                    name: builtin::WAYPOINT_NAME.into(),
                    class: builtin::WAYPOINT_CLASS.into(),
                    principal: gateway::principal(step.namespace, builtin::WAYPOINT_NAME),
                },
            ),
        });
    }

    fn environment_files(&self, environment: &Environment, out: &mut Vec<EnvironmentFile>) {
        files::environment_files(environment, out);
    }

    fn service_files(
        &self,
        service: &Service,
        track: Option<TrackOf<'_>>,
        out: &mut Vec<ServiceFile>,
    ) {
        files::service_files(service, track, out);
    }

    fn explain(&self, config: &Config, environment: &Environment) -> Vec<Explained> {
        let own = config
            .environments
            .get(&environment.name)
            .and_then(|e| e.mesh_mode);
        let (value, source) = match (&environment.mesh, own, config.project.mesh_mode) {
            (None, _, _) => (
                "- (the mesh is off here)".to_string(),
                "not set".to_string(),
            ),
            (Some(_), Some(mode), _) => (
                format!("{:?}", mode.as_str()),
                format!("[environments.{}]", environment.name),
            ),
            (Some(_), None, Some(mode)) => (format!("{:?}", mode.as_str()), "[project]".into()),
            (Some(_), None, None) => ("\"sidecar\"".to_string(), "built-in default".into()),
        };
        vec![Explained {
            key: "mesh_mode".into(),
            value,
            source,
        }]
    }

    fn checks(&self) -> &'static [(&'static str, Check)] {
        &[
            ("DestinationRule", checks::destination_rule),
            ("AuthorizationPolicy", checks::authorization_policy),
            ("VirtualService", checks::virtual_service),
        ]
    }
}

#[cfg(test)]
mod tests;
