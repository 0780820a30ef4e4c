//! One service in one environment, fully resolved, as its templates see it.

use super::{Labels, Monitor, RetriesView, ServiceFile, ServiceMesh};
use crate::config::{Kind, Protocol, ServiceType};
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    pub name: String,
    pub kind: Kind,
    /// The Kubernetes workload its kind makes.
    pub workload: Workload,
    /// How its Deployment or StatefulSet replaces pods.
    pub rollout: Rollout,
    pub image: String,
    pub version: String,
    /// Labels of every object of this service.
    pub labels: Labels,
    /// The immutable subset that selects its pods.
    pub selector: Labels,
    /// Labels of the pod template: `labels`, plus `track` on Deployments.
    pub pod_labels: Labels,
    /// The workload's own selector: `selector`, plus `track` on Deployments, so
    /// that the stable and canary Deployments never adopt each other's pods.
    pub pod_selector: Labels,
    pub service_account: String,
    /// Name of the ConfigMap holding `env`, when there is any.
    pub config_map: Option<String>,
    /// Annotations of the pod template.
    pub pod_annotations: BTreeMap<String, String>,
    /// Ports of the container, named; the first is the main port.
    pub ports: Vec<Port>,
    /// Whether a Service fronts the pods.
    pub has_service: bool,
    /// Its type: `ClusterIP` unless `service_type` says otherwise.
    pub service_type: ServiceType,
    /// Node port of the main port, when `node_port` pins one.
    pub node_port: Option<u16>,
    /// Variables read from the pod's own fields (downward API).
    pub env_fields: Vec<FieldEnv>,
    /// Secrets and ConfigMaps whose every key becomes a variable.
    pub env_from: Vec<EnvFromView>,
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
    /// How the mesh retries its gateway route and canary split.
    pub retries: RetriesView,
    /// The service's mesh objects; `None` when the mesh is off here.
    pub mesh: Option<ServiceMesh>,
    /// How Prometheus scrapes it; `None` without metrics or monitoring.
    pub monitor: Option<Monitor>,
    /// The canary Deployment and its share of the traffic.
    pub canary: Option<CanaryView>,
    /// The service's files, in the order they are listed; empty for a canary.
    #[serde(skip)]
    pub files: Vec<ServiceFile>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CanaryView {
    /// Percent of requests the canary gets; the stable pods get the rest.
    pub weight: u32,
    /// The canary Deployment, fully resolved like the stable one.
    pub workload: Box<Service>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resources {
    pub cpu_request: String,
    pub cpu_limit: String,
    pub memory_request: String,
    pub memory_limit: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Port {
    pub name: String,
    /// The container's port: what NetworkPolicies and AuthorizationPolicies admit.
    pub port: u16,
    /// The Service's port in front of it: what callers and VirtualServices use.
    pub service_port: u16,
    /// Service `appProtocol`.
    pub protocol: Protocol,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricsView {
    pub path: String,
    pub port: u16,
    pub port_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Probes {
    pub kind: ProbeKind,
    pub port_name: String,
    pub liveness_path: String,
    pub readiness_path: String,
    /// How long a pod may take to start before liveness takes over.
    pub startup: ProbeTiming,
    pub liveness: ProbeTiming,
    pub readiness: ProbeTiming,
}

/// How a probe asks: an HTTP GET of a path, or a TCP connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeKind {
    Http,
    Tcp,
}

/// How often a probe asks, how long it waits, and how many failures in a row count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProbeTiming {
    pub period_seconds: u32,
    pub timeout_seconds: u32,
    pub failure_threshold: u32,
}

/// The Kubernetes workload a service runs as. The one place a service's
/// kind decides its workload: `From<Kind>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub enum Workload {
    Deployment,
    StatefulSet,
    CronJob,
}

impl From<Kind> for Workload {
    fn from(kind: Kind) -> Workload {
        match kind {
            Kind::Web | Kind::Worker => Workload::Deployment,
            Kind::Stateful => Workload::StatefulSet,
            Kind::Cronjob => Workload::CronJob,
        }
    }
}

impl Workload {
    /// Its template, and its file in the service's directory.
    pub fn file(self) -> (&'static str, &'static str) {
        match self {
            Workload::Deployment => ("k8s/deployment.yaml.tera", "deployment.yaml"),
            Workload::StatefulSet => ("k8s/statefulset.yaml.tera", "statefulset.yaml"),
            Workload::CronJob => ("k8s/cronjob.yaml.tera", "cronjob.yaml"),
        }
    }

    /// What `kubectl rollout status` waits for: `deployment/<name>`, ...;
    /// `None` for a CronJob, which has no rollout.
    pub fn rollout(self, name: &str) -> Option<String> {
        match self {
            Workload::Deployment => Some(format!("deployment/{name}")),
            Workload::StatefulSet => Some(format!("statefulset/{name}")),
            Workload::CronJob => None,
        }
    }

    /// Stateless, replaced with a surge pod, and scaled by the environment
    /// as well as the service; its pods carry a `track`, stable or canary.
    pub fn is_stateless(self) -> bool {
        self == Workload::Deployment
    }
}

/// How a Deployment or StatefulSet replaces its pods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rollout {
    /// Old ReplicaSets (or revisions) kept for `kubectl rollout undo`.
    pub revision_history_limit: u32,
    /// Pods above the count while a Deployment rolls out.
    pub max_surge: u32,
    /// Pods below the count while a Deployment rolls out.
    pub max_unavailable: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct AutoscaleView {
    pub min: u32,
    pub max: u32,
    pub cpu: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct SecretEnv {
    pub var: String,
    pub secret: String,
    pub key: String,
}

/// `VAR = "status.podIP"`: a variable from a field of the pod.
#[derive(Debug, Clone, Serialize)]
pub struct FieldEnv {
    pub var: String,
    pub field: String,
}

/// One `env_from` source: exactly one of the two is set.
#[derive(Debug, Clone, Serialize)]
pub struct EnvFromView {
    pub secret: Option<String>,
    pub config_map: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Security {
    pub run_as_user: u32,
    pub run_as_group: u32,
    pub read_only_root: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Mount {
    pub name: String,
    pub path: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Storage {
    pub size: String,
    pub path: String,
}

/// Who may open connections to a service's pods, and on which ports.
#[derive(Debug, Clone, Serialize)]
pub struct IngressRule {
    /// Pod labels of the peer; empty means any pod of the namespace selector.
    pub pods: Labels,
    /// Namespace of the peer; `None` means this namespace.
    pub namespace: Option<String>,
    /// Any address at all, inside or outside the cluster: the port a
    /// `NodePort` or `LoadBalancer` Service exposes.
    pub anywhere: bool,
    pub ports: Vec<u16>,
}

/// Where a service may open connections: the pods of a service it calls,
/// or an address range outside the cluster.
#[derive(Debug, Clone, Serialize)]
pub struct EgressRule {
    pub pods: Labels,
    pub cidr: Option<String>,
    pub ports: Vec<u16>,
}
