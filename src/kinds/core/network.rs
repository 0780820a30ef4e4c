//! Who may reach a service's pods and where they may go: the peers of its
//! NetworkPolicy, exactly the declared callers in and the called services
//! out, plus the ingress gateway (with the mesh) and Prometheus (with
//! monitoring).

use crate::config::Kind;
use crate::kinds::kind::ServiceStep;
use crate::model::{EgressRule, IngressRule, Labels, MetricsView};
use crate::resolve::{builtin, selector};

/// NetworkPolicy peers: exactly the declared callers in, the called services out.
pub fn traffic(
    step: &ServiceStep<'_>,
    metrics: Option<&MetricsView>,
) -> (Vec<IngressRule>, Vec<EgressRule>) {
    let ServiceStep {
        config,
        project,
        scope,
        service,
        ..
    } = *step;
    let own_ports = service.serving_ports();
    let mut ingress: Vec<IngressRule> = step
        .callers()
        .iter()
        .filter(|_| !own_ports.is_empty())
        .map(|caller| IngressRule {
            pods: selector(caller),
            namespace: None,
            anywhere: false,
            ports: own_ports.clone(),
        })
        .collect();
    let on = scope.on;
    if let (Some(_), Some(port), true) = (&service.route, service.port, on.mesh) {
        ingress.push(IngressRule {
            pods: scope.gateway.selector.clone(),
            namespace: Some(scope.gateway.namespace.clone()),
            anywhere: false,
            ports: vec![port],
        });
    }
    // A NodePort or LoadBalancer Service brings the outside to the main
    // port, and only there: the pod's port, which the node's NAT leads to.
    if let (Some(port), true) = (
        service
            .port
            .filter(|_| service.kind.unwrap_or(Kind::Web).serves()),
        service.service_type.is_some_and(|t| t.is_external()),
    ) {
        ingress.push(IngressRule {
            pods: Labels::new(),
            namespace: None,
            anywhere: true,
            ports: vec![port],
        });
    }
    // Prometheus scrapes the metrics port and, in the mesh, the sidecar's own
    // metrics, which the HTTP alerts are computed from.
    let mut scraped: Vec<u16> = metrics.map(|m| m.port).into_iter().collect();
    if on.mesh {
        scraped.push(builtin::SIDECAR_METRICS_PORT);
    }
    if on.monitoring && !scraped.is_empty() {
        ingress.push(IngressRule {
            pods: Labels::new(),
            namespace: Some(project.monitoring_namespace.clone()),
            anywhere: false,
            ports: scraped,
        });
    }
    let mut callees: Vec<&String> = service.calls_in(scope.environment).iter().collect();
    callees.sort();
    callees.dedup();
    let egress = callees
        .into_iter()
        .filter_map(|callee| {
            let target = config.services.get(callee)?;
            let ports = target.serving_ports();
            (!ports.is_empty()).then(|| EgressRule {
                pods: selector(callee),
                cidr: None,
                ports,
            })
        })
        .chain(
            service
                .egress_in(scope.environment)
                .iter()
                .map(|rule| EgressRule {
                    pods: Labels::new(),
                    cidr: Some(rule.cidr.clone()),
                    ports: vec![rule.port],
                }),
        )
        .collect();
    (ingress, egress)
}
