//! The resolved model: one plain, fully-defaulted view per environment.
//! Templates see only these types, never the raw config.

use serde::Serialize;
use std::collections::BTreeMap;

pub type Labels = BTreeMap<String, String>;

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

#[derive(Debug, Clone, Serialize)]
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
    /// Namespace-wide mesh objects; `None` when the mesh is off here.
    pub mesh: Option<EnvironmentMesh>,
    /// The alert rules and the sidecar PodMonitor; `None` when monitoring is off here.
    pub monitoring: Option<EnvironmentMonitoring>,
    /// The Fluentd DaemonSet and its namespace; `None` when logging is off here.
    pub logging: Option<Logging>,
}

/// The mesh objects of one environment's namespace.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentMesh {
    /// The ingress Gateway and its VirtualService, when some service has a `route`.
    pub gateway: Option<Gateway>,
    /// Labels the ingress gateway pods carry.
    pub gateway_selector: Labels,
    /// The mesh identity of the ingress gateway pods: `cluster.local/ns/<ns>/sa/<sa>`.
    pub gateway_principal: String,
    /// Where the ingress gateway runs, its labels and its ServiceAccount.
    pub ingress: IngressGatewayView,
}

/// The ingress gateway an environment's routes go through.
#[derive(Debug, Clone, Serialize)]
pub struct IngressGatewayView {
    pub namespace: String,
    pub selector: Labels,
    pub service_account: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Gateway {
    pub name: String,
    pub host: String,
    /// The TLS Secret, in the ingress gateway's namespace.
    pub credential_name: String,
    /// That namespace.
    pub credential_namespace: String,
    /// Longest prefix first: Istio takes the first route that matches.
    /// One per routed service, so only the gateway's own VirtualService sees
    /// them (as `routes`): copying them into every service's context would
    /// make rendering quadratic in the number of services.
    #[serde(skip)]
    pub routes: Vec<HttpRoute>,
}

/// One HTTP route of a VirtualService.
#[derive(Debug, Clone, Serialize)]
pub struct HttpRoute {
    pub name: String,
    /// `None` matches every request (the canary split inside the mesh).
    pub prefix: Option<String>,
    pub destinations: Vec<Destination>,
    pub timeout: String,
    pub retries: RetriesView,
}

#[derive(Debug, Clone, Serialize)]
pub struct Destination {
    pub host: String,
    pub port: u16,
    pub subset: Option<String>,
    /// Percent of the route's traffic; `None` with a single destination.
    pub weight: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct RetriesView {
    /// 0: never retried.
    pub attempts: u32,
    pub per_try_timeout: String,
    /// Envoy's `retry_on` conditions, comma-separated; empty when `attempts` is 0.
    pub retry_on: String,
}

/// The per-environment objects of the monitoring layer.
#[derive(Debug, Clone, Serialize)]
pub struct EnvironmentMonitoring {
    pub rule_name: String,
    pub groups: Vec<RuleGroup>,
    /// Scrape the Istio sidecars' own metrics, which the HTTP alerts read.
    pub sidecar_monitor: bool,
    /// Name of the sidecar's metrics port.
    pub sidecar_port_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RuleGroup {
    pub name: String,
    pub rules: Vec<AlertRule>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertRule {
    pub alert: String,
    pub expr: String,
    /// How long the condition must hold: Prometheus `for`.
    pub hold: String,
    pub labels: Labels,
    pub annotations: Labels,
}

/// Fluentd: its namespace, access rights, configuration and DaemonSet.
#[derive(Debug, Clone, Serialize)]
pub struct Logging {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub selector: Labels,
    /// Labels of the Namespace object itself (Pod Security, no sidecar).
    pub namespace_labels: Labels,
    pub cluster_role: String,
    pub image: String,
    pub resources: Resources,
    /// `/var/log/containers` files of this environment's pods.
    pub tail_path: String,
    /// On the node, survives pod restarts: tail positions and the file buffer.
    pub state_dir: String,
    /// Where `state_dir` is mounted in the container.
    pub state_mount: String,
    /// Tail positions, under `state_mount`.
    pub pos_file: String,
    /// The Elasticsearch output's file buffer, under `state_mount`.
    pub buffer_path: String,
    /// Regular expression of the lines dropped as health-check noise: the
    /// kubelet's probes, by their user agent.
    pub noise: String,
    /// Port of Fluentd's `monitor_agent`, which its probes ask.
    pub monitor_port: u16,
    pub elasticsearch: Option<ElasticsearchView>,
    /// TCP ports Fluentd may open connections to, anywhere: the API server and Elasticsearch.
    pub egress_ports: Vec<u16>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ElasticsearchView {
    pub host: String,
    pub port: u16,
    pub scheme: String,
    pub index_prefix: String,
    pub user: Option<String>,
    pub password: Option<SecretEnv>,
}

/// Totals for the namespace's ResourceQuota.
#[derive(Debug, Clone, Serialize)]
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
#[derive(Debug, Clone, Serialize)]
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

#[derive(Debug, Clone, Serialize)]
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
    /// How the mesh retries its gateway route and canary split.
    pub retries: RetriesView,
    /// The service's mesh objects; `None` when the mesh is off here.
    pub mesh: Option<ServiceMesh>,
    /// How Prometheus scrapes it; `None` without metrics or monitoring.
    pub monitor: Option<Monitor>,
    /// The canary Deployment and its share of the traffic.
    pub canary: Option<CanaryView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CanaryView {
    /// Percent of requests the canary gets; the stable pods get the rest.
    pub weight: u32,
    /// The canary Deployment, fully resolved like the stable one.
    pub workload: Box<Service>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ServiceMesh {
    /// Cluster-local name of the Service, as Istio hosts are written.
    pub host: String,
    pub destination_rule: Option<DestinationRule>,
    pub authorization: Vec<AuthorizationRule>,
    /// Port that accepts plain text under STRICT mTLS, for a sidecar-less Prometheus.
    pub permissive_port: Option<u16>,
    /// The in-mesh traffic split between the stable and canary Deployments.
    pub canary_route: Option<HttpRoute>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DestinationRule {
    pub max_connections: u32,
    pub max_pending_requests: u32,
    pub max_requests: u32,
    pub consecutive_5xx_errors: u32,
    pub interval: String,
    pub base_ejection_time: String,
    pub max_ejection_percent: u32,
    pub subsets: Vec<Subset>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Subset {
    pub name: String,
    pub labels: Labels,
}

/// One ALLOW rule: requests from any of the sources, to the ports (and, if
/// set, only these methods and paths).
#[derive(Debug, Clone, Serialize)]
pub struct AuthorizationRule {
    /// What the rule is for, written as a comment.
    pub comment: String,
    pub principals: Vec<String>,
    pub namespaces: Vec<String>,
    /// Admit requests without a mesh identity (plain text).
    pub plaintext: bool,
    pub ports: Vec<String>,
    pub methods: Vec<String>,
    pub paths: Vec<String>,
}

/// A ServiceMonitor (the service has a Service) or PodMonitor (it does not).
#[derive(Debug, Clone, Serialize)]
pub struct Monitor {
    /// `ServiceMonitor` or `PodMonitor`.
    pub kind: String,
    pub port_name: String,
    pub path: String,
    pub interval: String,
    /// Labels that select the Service (ServiceMonitor) or the pods (PodMonitor).
    pub selector: Labels,
}

#[derive(Debug, Clone, Serialize)]
pub struct Port {
    pub name: String,
    pub port: u16,
    /// `http`, `grpc` or `tcp`: Service `appProtocol`.
    pub protocol: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricsView {
    pub path: String,
    pub port: u16,
    pub port_name: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Probes {
    /// `http` or `tcp`.
    pub kind: String,
    pub port_name: String,
    pub liveness_path: String,
    pub readiness_path: String,
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

/// Everything that builds, ships and deploys the app: decided in
/// `resolve::delivery`, laid out by the Dockerfile, CI and Argo CD templates.
#[derive(Debug, Clone, Serialize)]
pub struct Delivery {
    /// One per service built from source, in name order.
    pub builds: Vec<Build>,
    /// The CI systems to write a pipeline for: `github`, `gitlab`, `jenkins`.
    pub ci: Vec<String>,
    pub pipeline: Pipeline,
    /// One Argo CD Application per environment when `project.gitops = "argocd"`.
    pub applications: Vec<Application>,
}

/// How one service's image is built.
#[derive(Debug, Clone, Serialize)]
pub struct Build {
    pub service: String,
    /// `node`, `python`, `go`, `java` or `rust`: picks the Dockerfile template.
    pub language: String,
    /// Build context, repo-relative: `services/<name>`.
    pub context: String,
    /// Image repository without a tag: `{registry}/{service}`.
    pub image: String,
    /// Every tag of the image that some environment deploys (the service's
    /// `version`, an environment's own, a canary's), sorted: each is pushed
    /// besides the commit SHA.
    pub tags: Vec<String>,
    pub build_image: String,
    pub runtime_image: String,
    /// Container ports, for `EXPOSE`.
    pub ports: Vec<u16>,
    /// Numeric user and group the runtime image runs as; the pod's `runAsUser`.
    pub user: u32,
    pub group: u32,
}

/// What every CI flavour does, in the same stages.
#[derive(Debug, Clone, Serialize)]
pub struct Pipeline {
    /// The branch that pushes images and deploys `push` environments.
    pub branch: String,
    /// Registry host to log in to, such as `ghcr.io`.
    pub registry_host: String,
    /// The registry is GitHub's: GitHub Actions logs in with its own token.
    pub registry_is_ghcr: bool,
    /// The registry is GitLab.com's: GitLab CI logs in with its job credentials.
    pub registry_is_gitlab: bool,
    /// The kiln release that wrote the pipeline and `.kiln/drift.sh`.
    pub kiln_version: String,
    /// Where the drift job gets kiln for `kiln check` and `kiln diff`; `None`
    /// when it only runs `.kiln/drift.sh`.
    pub kiln: Option<KilnView>,
    /// The files a render reads, with their sha256: `kiln.toml` first, then
    /// each template override. Filled in by the command that rendered.
    pub inputs: Vec<InputFile>,
    /// The template overrides among `inputs`, by path.
    pub overrides: Vec<String>,
    /// The `version` of the `kiln.lock` this kiln writes, which the drift script reads.
    pub lock_version: u32,
    /// Deploy stages in the order they run.
    pub deploys: Vec<Deploy>,
    /// Deploys go through Argo CD instead of `kubectl apply`.
    pub argocd: bool,
    /// Pinned images of the tools the pipeline runs.
    pub tools: Tools,
}

/// One file a render read, and its sha256.
#[derive(Debug, Clone, Serialize)]
pub struct InputFile {
    pub path: String,
    pub sha256: String,
}

/// Where a pipeline gets kiln: `project.kiln`, pinned.
#[derive(Debug, Clone, Serialize)]
pub struct KilnView {
    /// `git` and `registry` install with cargo; `image` runs the image. An
    /// action is `git` too, with `action` set.
    pub kind: String,
    pub git: Option<String>,
    pub rev: Option<String>,
    pub image: Option<String>,
    /// `image` before its `@sha256:` digest, and the digest with its `@`:
    /// a Jenkinsfile writes them on two lines.
    pub image_name: Option<String>,
    pub image_digest: Option<String>,
    pub version: Option<String>,
    pub index: Option<String>,
    /// `owner/repo@<commit>` of kiln's GitHub Action: the GitHub pipeline
    /// runs it, the others build the same commit (kind `git`).
    pub action: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Deploy {
    pub environment: String,
    pub namespace: String,
    /// `deploy/<env>`
    pub path: String,
    /// Deployed on a version tag behind an approval, not on a push.
    pub on_tag: bool,
    /// The environment whose deploy must succeed first.
    pub after: Option<String>,
    /// The Argo CD Application to sync, with `argocd`.
    pub application: Option<String>,
    /// Argo CD syncs it by itself; CI only waits for it.
    pub auto_sync: bool,
    /// Workloads to wait for after `kubectl apply`: `deployment/<name>`
    /// (canaries included) and `statefulset/<name>`.
    pub rollouts: Vec<String>,
}

/// Container images of the tools a pipeline runs, each pinned.
#[derive(Debug, Clone, Serialize)]
pub struct Tools {
    pub docker: String,
    pub dind: String,
    pub trivy: String,
    pub kubectl: String,
    pub argocd: String,
    pub rust: String,
    pub shell: String,
}

/// An Argo CD Application that keeps one environment in sync with git.
#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub name: String,
    pub environment: String,
    /// Namespace Argo CD runs in.
    pub namespace: String,
    pub labels: Labels,
    pub repo_url: String,
    pub revision: String,
    pub path: String,
    pub server: String,
    pub destination_namespace: String,
    pub auto_sync: bool,
}
