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
    let on = scope.on;
    // Ambient: callers reach a Service through the namespace's waypoint,
    // and every mesh connection arrives as an HBONE tunnel on its own port.
    let waypoint =
        on.ambient && service.kind.unwrap_or(Kind::Web).serves() && !own_ports.is_empty();
    let mut ingress: Vec<IngressRule> = if waypoint {
        vec![IngressRule {
            pods: waypoint_pods(),
            namespace: None,
            cidr: None,
            anywhere: false,
            ports: vec![builtin::HBONE_PORT],
        }]
        .into_iter()
        .filter(|_| !step.callers().is_empty())
        .collect()
    } else {
        step.callers()
            .iter()
            .filter(|_| !own_ports.is_empty())
            .map(|caller| IngressRule {
                pods: selector(caller),
                namespace: None,
                cidr: None,
                anywhere: false,
                ports: own_ports.clone(),
            })
            .collect()
    };
    // Without the mesh, the Gateway API's or the Ingress controller's pods still route.
    let routed = on.mesh || scope.traffic != crate::config::Traffic::Istio;
    if let (Some(_), Some(port), true) = (&service.route, service.port, routed) {
        ingress.push(IngressRule {
            pods: scope.gateway.selector.clone(),
            namespace: Some(scope.gateway.namespace.clone()),
            cidr: None,
            anywhere: false,
            ports: if on.ambient {
                vec![port, builtin::HBONE_PORT]
            } else {
                vec![port]
            },
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
            cidr: None,
            anywhere: true,
            ports: vec![port],
        });
    }
    // Prometheus scrapes the metrics port and, in the mesh, the sidecar's own
    // metrics, which the HTTP alerts are computed from.
    let mut scraped: Vec<u16> = metrics.map(|m| m.port).into_iter().collect();
    if on.mesh && !on.ambient {
        scraped.push(builtin::SIDECAR_METRICS_PORT);
    }
    if on.monitoring && !scraped.is_empty() {
        ingress.push(IngressRule {
            pods: Labels::new(),
            namespace: Some(project.monitoring_namespace.clone()),
            cidr: None,
            anywhere: false,
            ports: scraped,
        });
    }
    // Ambient: ztunnel rewrites the kubelet's probes to come from a fixed
    // link-local address, which the pods' ingress must admit.
    if let (true, Some(port)) = (on.ambient, service.port) {
        ingress.push(IngressRule {
            pods: Labels::new(),
            namespace: None,
            cidr: Some(builtin::AMBIENT_PROBE_SOURCE.into()),
            anywhere: false,
            ports: vec![port],
        });
    }
    let mut callees: Vec<&String> = service.calls_in(scope.environment).iter().collect();
    callees.sort();
    callees.dedup();
    let mut through_waypoint = false;
    let egress = callees
        .into_iter()
        .filter_map(|callee| {
            let target = config.services.get(callee)?;
            let ports = target.serving_ports();
            if on.ambient && target.kind.unwrap_or(Kind::Web).serves() && !ports.is_empty() {
                through_waypoint = true;
                return None;
            }
            (!ports.is_empty()).then(|| EgressRule {
                pods: selector(callee),
                cidr: None,
                except: Vec::new(),
                ports,
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .chain(through_waypoint.then(|| EgressRule {
            pods: waypoint_pods(),
            cidr: None,
            except: Vec::new(),
            ports: vec![builtin::HBONE_PORT],
        }))
        .chain(
            service
                .egress_in(scope.environment)
                .iter()
                .filter_map(|rule| rule.cidr.as_ref().map(|cidr| (cidr, rule.port)))
                .map(|(cidr, port)| EgressRule {
                    pods: Labels::new(),
                    cidr: Some(cidr.clone()),
                    except: Vec::new(),
                    ports: vec![port],
                }),
        )
        .chain(
            host_ports(service, scope.environment)
                .into_iter()
                .flat_map(public_addresses),
        )
        .collect();
    (ingress, egress)
}

/// The pods Istio runs for the namespace's waypoint.
pub fn waypoint_pods() -> Labels {
    Labels::from([(
        builtin::WAYPOINT_POD_LABEL.to_string(),
        builtin::WAYPOINT_NAME.to_string(),
    )])
}

/// The ports of a service's `egress` entries in `environment` that name a
/// host, in order, once each.
fn host_ports(service: &crate::config::ServiceConfig, environment: &str) -> Vec<u16> {
    let mut ports: Vec<u16> = service
        .egress_in(environment)
        .iter()
        .filter(|rule| rule.host.is_some())
        .map(|rule| rule.port)
        .collect();
    ports.sort_unstable();
    ports.dedup();
    ports
}

/// A NetworkPolicy cannot match a host name: a named host's port is open to
/// every public address, IPv4 and IPv6, and closed to the private ranges,
/// where the cluster's own pods, nodes and cloud metadata live.
fn public_addresses(port: u16) -> [EgressRule; 2] {
    let rule = |cidr: &str, except: &[&str]| EgressRule {
        pods: Labels::new(),
        cidr: Some(cidr.to_string()),
        except: except.iter().map(|c| c.to_string()).collect(),
        ports: vec![port],
    };
    [
        rule("0.0.0.0/0", &builtin::PRIVATE_IPV4),
        rule("::/0", &builtin::PRIVATE_IPV6),
    ]
}
