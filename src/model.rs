//! The resolved model: one plain, fully-defaulted view per environment.
//! Templates see only these types, never the raw config.

use serde::Serialize;
use std::collections::BTreeMap;

pub type Labels = BTreeMap<String, String>;

#[derive(Debug, Serialize)]
pub struct Model {
    pub project: ProjectView,
    pub environments: Vec<Environment>,
}

#[derive(Debug, Serialize)]
pub struct ProjectView {
    pub name: String,
    pub team: Option<String>,
    pub monitoring_namespace: String,
    pub mesh_namespace: String,
}

#[derive(Debug, Serialize)]
pub struct Environment {
    pub name: String,
    pub namespace: String,
    pub domain: Option<String>,
    /// `STRICT` or `PERMISSIVE`, as Istio spells it.
    pub mtls: String,
    /// Labels of objects that belong to the environment, not to one service.
    pub labels: Labels,
    /// Rendered one at a time, so not part of an environment's template context.
    #[serde(skip)]
    pub services: Vec<Service>,
    pub quota: Quota,
    pub limit_range: LimitRange,
}

/// Totals for the namespace's ResourceQuota.
#[derive(Debug, Serialize)]
pub struct Quota {
    /// Counts are strings: ResourceQuota `hard` values are quantities.
    pub pods: String,
    pub requests_cpu: String,
    pub limits_cpu: String,
    pub requests_memory: String,
    pub limits_memory: String,
    pub persistent_volume_claims: String,
    pub requests_storage: String,
}

/// Defaults and ceilings for the namespace's LimitRange.
#[derive(Debug, Serialize)]
pub struct LimitRange {
    pub default: Resources,
    pub max_cpu: String,
    pub max_memory: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resources {
    pub cpu_request: String,
    pub cpu_limit: String,
    pub memory_request: String,
    pub memory_limit: String,
}

#[derive(Debug, Serialize)]
pub struct Service {
    pub name: String,
    /// `web`, `worker`, `stateful` or `cronjob`.
    pub kind: String,
    pub image: String,
    pub version: String,
    /// Labels of every object of this service.
    pub labels: Labels,
    /// The immutable subset that selects its pods.
    pub selector: Labels,
    pub service_account: String,
    /// Name of the ConfigMap holding `env`, when there is any.
    pub config_map: Option<String>,
    /// Annotations of the pod template.
    pub pod_annotations: BTreeMap<String, String>,
    /// Ports of the container, named; the first is the main port.
    pub ports: Vec<Port>,
    /// Whether a ClusterIP Service fronts the pods.
    pub has_service: bool,
    pub headless_service: Option<String>,
    pub metrics: Option<MetricsView>,
    pub probes: Option<Probes>,
    /// `None` when an autoscaler owns the count.
    pub replicas: Option<u32>,
    pub autoscale: Option<AutoscaleView>,
    pub disruption_budget: bool,
    pub resources: Resources,
    pub env: BTreeMap<String, String>,
    pub secrets: Vec<SecretEnv>,
    pub route: Option<String>,
    pub args: Vec<String>,
    pub security: Security,
    /// Writable emptyDir mounts; `/tmp` is always one of them.
    pub scratch: Vec<Mount>,
    pub storage: Option<Storage>,
    pub schedule: Option<String>,
    pub ingress: Vec<IngressRule>,
    pub egress: Vec<EgressRule>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Port {
    pub name: String,
    pub port: u16,
    /// `http`, `grpc` or `tcp`: Service `appProtocol`.
    pub protocol: String,
}

#[derive(Debug, Serialize)]
pub struct MetricsView {
    pub path: String,
    pub port: u16,
    pub port_name: String,
}

#[derive(Debug, Serialize)]
pub struct Probes {
    /// `http` or `tcp`.
    pub kind: String,
    pub port_name: String,
    pub liveness_path: String,
    pub readiness_path: String,
}

#[derive(Debug, Serialize)]
pub struct AutoscaleView {
    pub min: u32,
    pub max: u32,
    pub cpu: u32,
}

#[derive(Debug, Serialize)]
pub struct SecretEnv {
    pub var: String,
    pub secret: String,
    pub key: String,
}

#[derive(Debug, Serialize)]
pub struct Security {
    pub run_as_user: u32,
    pub run_as_group: u32,
    pub read_only_root: bool,
}

#[derive(Debug, Serialize)]
pub struct Mount {
    pub name: String,
    pub path: String,
}

#[derive(Debug, Serialize)]
pub struct Storage {
    pub size: String,
    pub path: String,
}

/// Who may open connections to a service's pods, and on which ports.
#[derive(Debug, Serialize)]
pub struct IngressRule {
    /// Pod labels of the peer; empty means any pod of the namespace selector.
    pub pods: Labels,
    /// Namespace of the peer; `None` means this namespace.
    pub namespace: Option<String>,
    pub ports: Vec<u16>,
}

/// Where a service may open connections: the pods of a service it calls,
/// or an address range outside the cluster.
#[derive(Debug, Serialize)]
pub struct EgressRule {
    pub pods: Labels,
    pub cidr: Option<String>,
    pub ports: Vec<u16>,
}
