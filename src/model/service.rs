//! One service in one environment, fully resolved, as its templates see it.

use super::{Labels, Monitor, RetriesView, ServiceFile, ServiceMesh, ServiceTraffic};
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
    /// Its Gateway API routes and per-track Services; `None` with `traffic = "istio"`.
    pub traffic: Option<ServiceTraffic>,
    /// How Prometheus scrapes it; `None` without metrics or monitoring.
    pub monitor: Option<Monitor>,
    /// The traffic split: the other tracks' Deployments (a canary, or
    /// `versions`) and each one's share of the traffic.
    pub split: Option<Split>,
    /// The Service of this workload's track alone, which weighted
    /// backends and ambient splits name; `None` without a split there.
    pub track_service: Option<super::TrackService>,
    /// What its pods are told about tracing (`OTEL_*`); `None` without a collector.
    pub otel: Option<Otel>,
    /// Pod keys of issue 15: entrypoint, shutdown, scheduling, volumes, files.
    pub pod: PodExtras,
    /// The service's files, in the order they are listed; empty for a canary.
    #[serde(skip)]
    pub files: Vec<ServiceFile>,
}

/// The OpenTelemetry SDK settings of a service's pods. Its version is the
/// workload's own, so a canary reports its own.
#[derive(Debug, Clone, Serialize)]
pub struct Otel {
    /// `OTEL_SERVICE_NAME`: the service's name, its canary's too.
    pub service: String,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: `http://<collector>`.
    pub endpoint: String,
    /// `OTEL_EXPORTER_OTLP_PROTOCOL`: `grpc`, or `http/protobuf` on port 4318.
    pub protocol: &'static str,
    /// `deployment.environment` of `OTEL_RESOURCE_ATTRIBUTES`.
    pub environment: String,
}

/// A service's traffic split between its own workload and other tracks:
/// a canary (tracks `stable` and `canary`) or `versions`.
#[derive(Debug, Clone, Serialize)]
pub struct Split {
    /// The track of the service's own workload, as routes, subsets and
    /// per-track Services name it: `stable`, or its entry of `versions`.
    /// Its pods keep the label `track: stable` whatever the name, so that
    /// its Deployment's immutable selector never changes.
    pub track: String,
    /// Percent of requests the service's own workload gets.
    pub weight: u32,
    /// The other tracks, in name order (the canary alone with `canary`).
    pub tracks: Vec<TrackView>,
    /// Whether it is a `canary`, not `versions`.
    pub canary: bool,
}

/// One track of a split besides the service's own workload.
#[derive(Debug, Clone, Serialize)]
pub struct TrackView {
    pub name: String,
    /// Percent of requests it gets.
    pub weight: u32,
    /// Its Deployment, fully resolved like the service's own.
    pub workload: Box<Service>,
}

impl Split {
    /// Every track with its weight and the value of its pods' `track`
    /// label: the service's own first.
    pub fn all(&self) -> Vec<(&str, u32, &str)> {
        std::iter::once((
            self.track.as_str(),
            self.weight,
            crate::config::STABLE_TRACK,
        ))
        .chain(
            self.tracks
                .iter()
                .map(|t| (t.name.as_str(), t.weight, t.name.as_str())),
        )
        .collect()
    }

    /// The workloads of the other tracks.
    pub fn workloads(&self) -> impl Iterator<Item = &Service> {
        self.tracks.iter().map(|t| t.workload.as_ref())
    }
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
    /// The probed port's number: gRPC probes name no port, they number it.
    pub port: u16,
    /// The command of an `exec` probe.
    pub command: Vec<String>,
    /// Headers of an `http` probe.
    pub headers: Vec<Header>,
    pub liveness_path: String,
    pub readiness_path: String,
    /// How long a pod may take to start before liveness takes over.
    pub startup: ProbeTiming,
    pub liveness: ProbeTiming,
    pub readiness: ProbeTiming,
}

/// How a probe asks: an HTTP GET of a path, a gRPC health check, a TCP
/// connection, or a command in the container.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ProbeKind {
    Http,
    Grpc,
    Tcp,
    Exec,
}

#[derive(Debug, Clone, Serialize)]
pub struct Header {
    pub name: String,
    pub value: String,
}

/// The pod keys of issue 15, resolved; empty or `None` where unset, so
/// that a service without them renders as before.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PodExtras {
    /// The container's entrypoint; empty keeps the image's.
    pub command: Vec<String>,
    /// `terminationGracePeriodSeconds`, when set.
    pub grace_period: Option<u64>,
    /// `lifecycle.preStop.exec.command`; empty for none.
    pub pre_stop: Vec<String>,
    pub node_selector: BTreeMap<String, String>,
    pub tolerations: Vec<TolerationView>,
    /// The topology key replicas spread across; `None` turns the spread off.
    pub spread: Option<String>,
    pub image_pull_secrets: Vec<String>,
    /// Annotations of the ServiceAccount.
    pub service_account_annotations: BTreeMap<String, String>,
    /// `capabilities = ["NET_BIND_SERVICE"]`: the pod may bind ports below 1024.
    pub low_ports: bool,
    pub volumes: Vec<VolumeView>,
    /// The generated ConfigMap of `files`, when there are any.
    pub files: Option<FilesView>,
    pub storage_class: Option<String>,
    /// Run to completion, in order, before the app starts.
    pub init_containers: Vec<ExtraContainer>,
    /// Native sidecars: init containers with `restartPolicy: Always`, which
    /// start before the app and stop after it, and let a CronJob's pod finish.
    pub sidecars: Vec<ExtraContainer>,
}

/// An init container or sidecar, resolved.
#[derive(Debug, Clone, Serialize)]
pub struct ExtraContainer {
    pub name: String,
    pub image: String,
    pub command: Vec<String>,
    pub args: Vec<String>,
    pub env: Vec<Header>,
    pub secrets: Vec<SecretEnv>,
    pub ports: Vec<Port>,
    pub resources: Resources,
    pub mounts: Vec<ExtraMount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExtraMount {
    pub name: String,
    pub path: String,
    pub read_only: bool,
}

/// A toleration, with Kubernetes' field names.
#[derive(Debug, Clone, Serialize)]
pub struct TolerationView {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    pub operator: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effect: Option<String>,
}

/// A named volume and where the service's container mounts it.
#[derive(Debug, Clone, Serialize)]
pub struct VolumeView {
    pub name: String,
    pub path: String,
    pub read_only: bool,
    pub config_map: Option<String>,
    pub secret: Option<String>,
    pub claim: Option<String>,
    pub empty_dir: Option<EmptyDirView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EmptyDirView {
    pub medium: Option<String>,
    pub size: Option<String>,
}

/// The ConfigMap kiln writes for `files`, and each file's key in it.
#[derive(Debug, Clone, Serialize)]
pub struct FilesView {
    pub config_map: String,
    pub files: Vec<FileView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileView {
    pub key: String,
    pub path: String,
    pub contents: String,
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
    /// An address range instead of pods (ambient mode's kubelet probes).
    pub cidr: Option<String>,
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
    /// Ranges inside `cidr` that stay closed: the private ranges, for a named host.
    pub except: Vec<String>,
    pub ports: Vec<u16>,
}
