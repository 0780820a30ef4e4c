//! The traffic APIs besides Istio's own (issue 16): the Kubernetes Gateway
//! API (a Gateway per environment, an HTTPRoute or GRPCRoute per routed
//! service, canary splits as weighted backends, in-mesh splits as
//! HTTPRoutes whose parent is the Service), the `networking.k8s.io/v1`
//! Ingress, and cert-manager's Certificate for the environment's domain.

mod checks;
mod files;
mod problems;
mod resolve;
pub mod routes;
mod routes_problems;
mod settings;
mod validate;

use super::kind::{EnvironmentStep, Explained, Kind, ServiceStep};
use crate::config::{Config, Traffic};
use crate::diagnostics::Problem;
use crate::model::{Environment, EnvironmentFile, Service, ServiceFile, TrackOf};
use crate::verify::Check;

pub struct TrafficKind;

pub use settings::{api, gateway_class};
use settings::{pick, tls};

impl Kind for TrafficKind {
    fn validate(&self, config: &Config, problems: &mut Vec<Problem>) {
        validate::validate(config, problems);
        routes::validate(config, problems);
    }

    fn finish(&self, step: &ServiceStep<'_>, service: &mut Service) {
        resolve::service(step, service);
    }

    fn environment(&self, step: &EnvironmentStep<'_>, environment: &mut Environment) {
        resolve::environment(step, environment);
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

    fn checks(&self) -> &'static [(&'static str, Check)] {
        &[
            ("HTTPRoute", checks::route),
            ("GRPCRoute", checks::route),
            ("Ingress", checks::ingress),
        ]
    }

    fn explain(&self, config: &Config, environment: &Environment) -> Vec<Explained> {
        let name = environment.name.as_str();
        let own = config.environments.get(name);
        let source = |set_here: bool, set_wide: bool| {
            if set_here {
                format!("[environments.{name}]")
            } else if set_wide {
                "[project]".to_string()
            } else {
                "built-in default".to_string()
            }
        };
        let api = api(config, name);
        let mut out = vec![Explained {
            key: "traffic".into(),
            value: format!("\"{}\"", api.as_str()),
            source: source(
                own.is_some_and(|e| e.traffic.is_some()),
                config.project.traffic.is_some(),
            ),
        }];
        if api == Traffic::GatewayApi {
            out.push(Explained {
                key: "gateway_class".into(),
                value: format!("\"{}\"", gateway_class(config, name)),
                source: source(
                    own.is_some_and(|e| e.gateway_class.is_some()),
                    config.project.gateway_class.is_some(),
                ),
            });
        }
        if api == Traffic::Ingress {
            let class = pick(
                config,
                name,
                |e| e.ingress_class.clone(),
                |p| p.ingress_class.clone(),
            );
            out.push(Explained {
                key: "ingress_class".into(),
                value: class.map_or_else(
                    || "the cluster's default IngressClass".to_string(),
                    |c| format!("\"{c}\""),
                ),
                source: source(
                    own.is_some_and(|e| e.ingress_class.is_some()),
                    config.project.ingress_class.is_some(),
                ),
            });
        }
        let plain = pick(config, name, |e| e.plain_http, |p| p.plain_http);
        out.push(Explained {
            key: "plain_http".into(),
            value: plain.unwrap_or(false).to_string(),
            source: source(
                own.is_some_and(|e| e.plain_http.is_some()),
                config.project.plain_http.is_some(),
            ),
        });
        let tls = tls(config, name);
        out.push(Explained {
            key: "tls".into(),
            value: tls.map_or_else(
                || "none: the TLS Secret is made by hand".to_string(),
                |t| {
                    format!(
                        "{{ issuer = \"{}\", kind = \"{}\" }}",
                        t.issuer,
                        t.kind
                            .unwrap_or(crate::config::IssuerKind::ClusterIssuer)
                            .as_str()
                    )
                },
            ),
            source: source(
                own.is_some_and(|e| e.tls.is_some()),
                config.project.tls.is_some(),
            ),
        });
        out
    }
}
