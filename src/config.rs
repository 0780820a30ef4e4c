//! The `kiln.toml` format, exactly as users write it.
//!
//! These types only describe the shape of the file; every rule that spans
//! keys lives in `validate`, and every default lives in `resolve`.

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// The largest count kiln writes: Kubernetes and Istio store replica
/// counts and connection limits as int32, and refuse anything larger.
pub const MAX_INT32: u32 = i32::MAX as u32;

/// The kinds of whole number in `kiln.toml`, each with the range kiln
/// accepts. Reading refuses what cannot be stored (a negative number, a
/// port above 65535, a count above int32); `validate` refuses the rest of
/// the range, with every other problem at once. Both say it the same way,
/// "must be from 1 to 65535, not 70000" (`Problem::whole`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Whole {
    Port,
    Replicas,
    /// `autoscale.min` and `autoscale.max`.
    Pods,
    /// The limits of a connection pool.
    Connections,
    AutoscaleCpu,
    Weight,
    Attempts,
    Consecutive5xx,
    EjectionPercent,
    LatencyMs,
    VolumePercent,
    /// `run_as_user` and `run_as_group`; 0, root, is refused on its own.
    Id,
}

impl Whole {
    const ALL: [Whole; 12] = [
        Whole::Port,
        Whole::Replicas,
        Whole::Pods,
        Whole::Connections,
        Whole::AutoscaleCpu,
        Whole::Weight,
        Whole::Attempts,
        Whole::Consecutive5xx,
        Whole::EjectionPercent,
        Whole::LatencyMs,
        Whole::VolumePercent,
        Whole::Id,
    ];

    /// The range kiln accepts, both ends included.
    pub fn range(self) -> (u64, u64) {
        let int32 = u64::from(MAX_INT32);
        match self {
            Whole::Port => (1, 65535),
            Whole::Replicas | Whole::Connections => (0, int32),
            Whole::Pods | Whole::Id => (1, int32),
            Whole::AutoscaleCpu | Whole::EjectionPercent => (1, 100),
            Whole::Weight => (0, 100),
            Whole::Attempts => (0, 10),
            Whole::Consecutive5xx => (0, u64::from(u32::MAX)),
            Whole::LatencyMs => (1, u64::from(u32::MAX)),
            Whole::VolumePercent => (1, 99),
        }
    }

    /// The largest number reading lets through: what the field can be
    /// stored in, here and in Kubernetes. `validate` checks the rest of the
    /// range, so that a weight of 150 is reported with every other problem.
    fn limit(self) -> u64 {
        match self {
            Whole::Port => u64::from(u16::MAX),
            Whole::Replicas | Whole::Pods | Whole::Connections | Whole::Id => u64::from(MAX_INT32),
            _ => u64::from(u32::MAX),
        }
    }

    pub fn contains(self, n: u32) -> bool {
        let (from, to) = self.range();
        (from..=to).contains(&u64::from(n))
    }

    /// The hint: what the number is.
    pub fn meaning(self) -> &'static str {
        match self {
            Whole::Port => "it is a TCP port",
            Whole::Replicas => "it is a pod count, which Kubernetes stores as a 32-bit integer",
            Whole::Pods => "an autoscaler keeps at least one pod, and counts them in 32 bits",
            Whole::Connections => "Istio stores it as a 32-bit integer",
            Whole::AutoscaleCpu => "it is the target CPU utilisation in percent of the request",
            Whole::Weight => "it is the percent of traffic the canary receives",
            Whole::Attempts => {
                "it is how often a failed request is tried again; `retries = false` turns retries off"
            }
            Whole::Consecutive5xx => {
                "it is how many 5xx answers in a row eject a pod from the pool"
            }
            Whole::EjectionPercent => {
                "it is the most pods, in percent, ejected from the pool at once"
            }
            Whole::LatencyMs => "it is the p99 latency in milliseconds above which the alert fires",
            Whole::VolumePercent => {
                "it is the percent of a volume in use above which the alert fires"
            }
            Whole::Id => "it is a Linux user or group id, which Kubernetes stores in 32 bits",
        }
    }

    /// What reading tells serde when it refuses `value`: `load` makes the
    /// same problem of it as `validate` does (`Whole::refused`).
    fn refusal(self, value: impl std::fmt::Display) -> String {
        let index = Whole::ALL
            .iter()
            .position(|w| *w == self)
            .unwrap_or_default();
        format!("{REFUSED}{index} {value}")
    }

    /// The kind and the value of a message `refusal` made.
    pub fn refused(message: &str) -> Option<(Whole, &str)> {
        let (index, value) = message.strip_prefix(REFUSED)?.split_once(' ')?;
        Some((*Whole::ALL.get(index.parse::<usize>().ok()?)?, value))
    }
}

/// Starts a message of `Whole::refusal`, which no serde message does.
const REFUSED: &str = "kiln refuses the whole number ";

/// Reads a whole number of kind `whole` into `T`, which holds all of its range.
fn whole<'de, D: Deserializer<'de>, T: TryFrom<u64>>(
    deserializer: D,
    whole: Whole,
) -> Result<T, D::Error> {
    use serde::de::{Error, Visitor};
    struct Reader<T>(Whole, std::marker::PhantomData<T>);
    impl<T: TryFrom<u64>> Visitor<'_> for Reader<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            let (from, to) = self.0.range();
            write!(f, "a whole number from {from} to {to}")
        }
        fn visit_i64<E: Error>(self, n: i64) -> Result<T, E> {
            self.visit_i128(i128::from(n))
        }
        fn visit_u64<E: Error>(self, n: u64) -> Result<T, E> {
            self.visit_i128(i128::from(n))
        }
        fn visit_i128<E: Error>(self, n: i128) -> Result<T, E> {
            u64::try_from(n)
                .ok()
                .filter(|n| *n <= self.0.limit())
                .and_then(|n| T::try_from(n).ok())
                .ok_or_else(|| E::custom(self.0.refusal(n)))
        }
        fn visit_u128<E: Error>(self, n: u128) -> Result<T, E> {
            match i128::try_from(n) {
                Ok(n) => self.visit_i128(n),
                Err(_) => Err(E::custom(self.0.refusal(n))),
            }
        }
    }
    deserializer.deserialize_u64(Reader(whole, std::marker::PhantomData))
}

/// A `deserialize_with` function for one kind of whole number.
macro_rules! whole_reader {
    ($name:ident, $kind:ident, Option<$ty:ty>) => {
        fn $name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<$ty>, D::Error> {
            whole(deserializer, Whole::$kind).map(Some)
        }
    };
    ($name:ident, $kind:ident, $ty:ty) => {
        fn $name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
            whole(deserializer, Whole::$kind)
        }
    };
}

whole_reader!(port, Port, u16);
whole_reader!(port_option, Port, Option<u16>);
whole_reader!(replicas_option, Replicas, Option<u32>);
whole_reader!(pods, Pods, u32);
whole_reader!(connections_option, Connections, Option<u32>);
whole_reader!(autoscale_cpu_option, AutoscaleCpu, Option<u32>);
whole_reader!(weight, Weight, u32);
whole_reader!(attempts_option, Attempts, Option<u32>);
whole_reader!(consecutive_5xx_option, Consecutive5xx, Option<u32>);
whole_reader!(ejection_percent_option, EjectionPercent, Option<u32>);
whole_reader!(latency_ms_option, LatencyMs, Option<u32>);
whole_reader!(volume_percent_option, VolumePercent, Option<u32>);
whole_reader!(id_option, Id, Option<u32>);

/// `ports = { name = number }`: each number a port.
fn ports_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<BTreeMap<String, u16>>, D::Error> {
    struct Port(u16);
    impl<'de> Deserialize<'de> for Port {
        fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Port, D::Error> {
            port(deserializer).map(Port)
        }
    }
    let ports = BTreeMap::<String, Port>::deserialize(deserializer)?;
    Ok(Some(
        ports.into_iter().map(|(name, Port(n))| (name, n)).collect(),
    ))
}

/// The whole `kiln.toml`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Who the app is and where its images live.
    pub project: Project,
    /// Settings every service inherits unless an environment or the service says otherwise.
    #[serde(default)]
    pub defaults: Defaults,
    /// The environments to render, by name; each becomes `deploy/<env>/` and a namespace.
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentConfig>,
    /// The services of the app, by name.
    #[serde(default)]
    pub services: BTreeMap<String, ServiceConfig>,
    /// Not part of the file: for each service with a `preset`, the preset's
    /// own table. Its service-only keys are copied into the service where it
    /// leaves them unset; its layered keys (`replicas`, `cpu`, `env`, ...)
    /// stay here, a layer of their own in `resolve`.
    #[serde(skip)]
    pub preset_layers: BTreeMap<String, ServiceConfig>,
}

/// `[project]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Required. A DNS-1123 label; namespaces are `{name}-{env}`.
    pub name: String,
    /// Image repository prefix of built services: `{registry}/{service}:{version}`.
    pub registry: Option<String>,
    /// Owning team; becomes the `team` label on every object.
    pub team: Option<String>,
    /// CI systems to generate pipelines for.
    #[serde(default)]
    pub ci: Vec<CiSystem>,
    /// Namespace that Prometheus runs in; its pods may scrape metrics ports. Default `monitoring`.
    pub monitoring_namespace: Option<String>,
    /// Namespace of the Istio control plane and ingress gateway. Default `istio-system`.
    pub mesh_namespace: Option<String>,
    /// The ingress gateway that serves the routes, in every environment unless it says otherwise.
    pub gateway: Option<IngressGateway>,
    /// Istio objects and sidecar injection, in every environment unless it says otherwise. Default `true`.
    pub mesh: Option<bool>,
    /// ServiceMonitors, PodMonitors and alert rules, in every environment unless it says otherwise. Default `true`.
    pub monitoring: Option<bool>,
    /// A Fluentd DaemonSet per environment, unless the environment says otherwise. Default `true`.
    pub logging: Option<bool>,
    /// GitOps controller to write objects for; `argocd` adds an Application per environment.
    pub gitops: Option<GitOps>,
    /// URL of the git repository that holds this `kiln.toml`; required with `gitops`.
    pub repo_url: Option<String>,
    /// The branch pipelines deploy from and Argo CD follows. Default `main`.
    pub branch: Option<String>,
    /// Where the pipelines' drift job gets kiln to run `kiln check` and
    /// `kiln diff`. Without it, the job checks the generated files against
    /// `kiln.lock` with `sha256sum` only. Needs `ci`.
    pub kiln: Option<KilnSource>,
}

/// `kiln = { git, rev }`, `{ image }`, `{ version, index }` or `{ action }`:
/// one pinned source of kiln for CI.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct KilnSource {
    /// A git repository of kiln's source, `https://host/path`; built with
    /// `cargo install --locked` at `rev`.
    pub git: Option<String>,
    /// The commit of `git` to build: its full 40-character SHA.
    pub rev: Option<String>,
    /// A container image with `kiln` on its PATH, pinned by digest
    /// (`registry/kiln:0.1.0@sha256:...`).
    pub image: Option<String>,
    /// An exact kiln release (`0.1.0`) in the Cargo registry at `index`.
    pub version: Option<String>,
    /// Index URL of that Cargo registry: `sparse+https://...` or `https://...`.
    pub index: Option<String>,
    /// kiln's GitHub Action (`action.yml`), pinned by commit:
    /// `owner/repo@<40-hex commit>`. The GitHub pipeline runs it; GitLab and
    /// Jenkins build that commit of `https://github.com/owner/repo`.
    pub action: Option<String>,
}

/// `gateway = { namespace, selector, service_account }`: where the ingress
/// gateway runs and who it is. Each key left out keeps its default.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IngressGateway {
    /// Namespace of the gateway's pods; its TLS Secret lives there too. Default `project.mesh_namespace`.
    pub namespace: Option<String>,
    /// Labels of the gateway's pods. Default `{ istio = "ingressgateway" }`, as
    /// `istioctl install` labels them; Istio's `gateway` Helm chart labels `istio = "ingress"`
    /// for a release named `istio-ingress`.
    pub selector: Option<BTreeMap<String, String>>,
    /// ServiceAccount of the gateway's pods: routed services admit
    /// `cluster.local/ns/{namespace}/sa/{service_account}`.
    /// Default `istio-ingressgateway-service-account`; the Helm chart names it after the release.
    pub service_account: Option<String>,
}

/// A GitOps controller kiln can write objects for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum GitOps {
    Argocd,
}

/// When CI deploys an environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeployOn {
    /// On every push to `project.branch`, after the environment before it.
    Push,
    /// On a version tag (`v*`), after a manual approval.
    Tag,
}

/// A CI system kiln can write a pipeline for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum CiSystem {
    Github,
    Gitlab,
    Jenkins,
}

/// Whether a namespace accepts plain-text traffic besides mutual TLS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Mtls {
    Strict,
    Permissive,
}

/// What kind of workload a service is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A Deployment behind a Service.
    Web,
    /// A Deployment with no Service.
    Worker,
    /// A StatefulSet with a headless Service and a volume per pod.
    Stateful,
    /// A CronJob.
    Cronjob,
}

/// Language of a built service; picks its Dockerfile and CI steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Node,
    Python,
    Go,
    Java,
    Rust,
}

/// How the service's port speaks; decides port names and default probes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Http,
    Grpc,
    Tcp,
}

/// `autoscale = { min, max, cpu }`: a HorizontalPodAutoscaler.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Autoscale {
    /// Fewest replicas.
    #[serde(deserialize_with = "pods")]
    #[schemars(range(max = 2147483647))]
    pub min: u32,
    /// Most replicas.
    #[serde(deserialize_with = "pods")]
    #[schemars(range(max = 2147483647))]
    pub max: u32,
    /// Target average CPU utilisation, percent of the request. Default 80.
    #[serde(default, deserialize_with = "autoscale_cpu_option")]
    pub cpu: Option<u32>,
}

/// `canary = { version, weight }`: a second Deployment at another version.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Canary {
    /// Image tag of the canary.
    pub version: String,
    /// Percent of traffic sent to the canary, from 0 to 100.
    #[serde(deserialize_with = "weight")]
    pub weight: u32,
}

/// `egress = [{ cidr = "203.0.113.0/24", port = 443 }]`: an address range outside the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Egress {
    /// IPv4 or IPv6 range, `address/prefix`.
    pub cidr: String,
    /// TCP port.
    #[serde(deserialize_with = "port")]
    pub port: u16,
}

/// `retries = false`, `retries = true` or `retries = { attempts, on, per_try_timeout }`:
/// whether and how the mesh retries a failed request of a route or canary split.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum RetrySetting {
    /// `false`: never retry; `true`: the built-in policy.
    Enabled(bool),
    /// The built-in policy with these keys changed.
    Policy(Retries),
}

/// By hand, not `untagged`: serde's untagged enums replace every error inside
/// the table (an unknown key, a wrong word in `on`) with one vague message.
impl<'de> Deserialize<'de> for RetrySetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RetrySetting;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, false or a table `{ attempts, on, per_try_timeout }`")
            }

            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<Self::Value, E> {
                Ok(RetrySetting::Enabled(value))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                Retries::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(RetrySetting::Policy)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `retries = { attempts, on, per_try_timeout }`: how the mesh retries a failed request.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retries {
    /// Retries after the first try, from 0 to 10; 0 turns retries off. Default 3.
    #[serde(default, deserialize_with = "attempts_option")]
    pub attempts: Option<u32>,
    /// The failures that are retried. Default all three: each is one the request
    /// never reached the app in, so even a POST is safe to send again.
    pub on: Option<Vec<RetryOn>>,
    /// Timeout of each try, a duration such as `2s`. Default `5s`.
    pub per_try_timeout: Option<String>,
}

/// A failure the mesh may retry: only those where Envoy knows the app never
/// saw the request. `5xx`, `gateway-error`, `reset` and the gRPC statuses can
/// follow a request the app already acted on, so they are not offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
pub enum RetryOn {
    /// No connection to the pod could be opened.
    ConnectFailure,
    /// The pod refused the HTTP/2 stream (`REFUSED_STREAM`) before processing it.
    RefusedStream,
    /// The connection was reset before the request was sent (Istio 1.23 or later).
    ResetBeforeRequest,
}

/// `connection_pool = { max_connections, max_pending_requests, max_requests }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionPool {
    /// Most TCP connections to the service per caller sidecar. Default 100.
    #[serde(default, deserialize_with = "connections_option")]
    #[schemars(range(max = 2147483647))]
    pub max_connections: Option<u32>,
    /// Most HTTP requests waiting for a connection. Default 100.
    #[serde(default, deserialize_with = "connections_option")]
    #[schemars(range(max = 2147483647))]
    pub max_pending_requests: Option<u32>,
    /// Most concurrent HTTP requests. Default 1000.
    #[serde(default, deserialize_with = "connections_option")]
    #[schemars(range(max = 2147483647))]
    pub max_requests: Option<u32>,
}

/// `outlier_detection = { consecutive_5xx_errors, interval, base_ejection_time, max_ejection_percent }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutlierDetection {
    /// 5xx answers in a row that eject a pod from the pool. Default 5.
    #[serde(default, deserialize_with = "consecutive_5xx_option")]
    pub consecutive_5xx_errors: Option<u32>,
    /// How often pods are checked, a duration. Default `10s`.
    pub interval: Option<String>,
    /// Shortest ejection, a duration. Default `30s`.
    pub base_ejection_time: Option<String>,
    /// Most pods ejected at once, percent. Default 50.
    #[serde(default, deserialize_with = "ejection_percent_option")]
    pub max_ejection_percent: Option<u32>,
}

/// `elasticsearch = { host, port, scheme, index_prefix, user, password }`: where Fluentd sends logs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Elasticsearch {
    /// Required. Host name or IP address of Elasticsearch.
    pub host: String,
    /// Default 9200.
    #[serde(default, deserialize_with = "port_option")]
    pub port: Option<u16>,
    /// `https` (default) or `http`.
    pub scheme: Option<Scheme>,
    /// Indices are `{index_prefix}-YYYY.MM.DD`. Default the namespace, `{project}-{env}`.
    pub index_prefix: Option<String>,
    /// User name for basic authentication.
    pub user: Option<String>,
    /// The password, as a Secret reference `secret-name:key` in the logging namespace.
    pub password: Option<String>,
}

/// How Fluentd talks to Elasticsearch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    Https,
}

/// `[environments.E.alerts]`: thresholds and routing of the environment's alerts.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Alerts {
    /// `severity` label of every alert. Default `page` in an environment named
    /// `prod` or `production`, `ticket` elsewhere.
    pub severity: Option<String>,
    /// Percent of 5xx answers over 5 minutes that fires `HighErrorRatio`. Default 2 in prod, 5 elsewhere.
    pub error_percent: Option<f64>,
    /// p99 latency in milliseconds that fires `HighLatencyP99`. Default 500 in prod, 1000 elsewhere.
    #[serde(default, deserialize_with = "latency_ms_option")]
    pub latency_p99_ms: Option<u32>,
    /// Percent of a volume in use that fires `VolumeNearlyFull`. Default 80 in prod, 90 elsewhere.
    #[serde(default, deserialize_with = "volume_percent_option")]
    pub volume_percent: Option<u32>,
}

/// `metrics = "/path"` or `metrics = false`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Metrics {
    Path(String),
    Enabled(bool),
}

/// Declares a struct whose fields are the settings that can be layered:
/// `[defaults]`, `[environments.E]`, `[services.S]` and
/// `[services.S.environments.E]` all accept them. serde cannot combine
/// `flatten` with `deny_unknown_fields`, so the fields are spelled out here once.
macro_rules! layered {
    ($(#[$meta:meta])* pub struct $name:ident { $($(#[$fmeta:meta])* pub $field:ident: $ty:ty,)* }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// Pod count when not autoscaled.
            #[serde(default, deserialize_with = "replicas_option")]
            #[schemars(range(max = 2147483647))]
            pub replicas: Option<u32>,
            /// CPU request, a Kubernetes quantity (`250m`, `1`).
            pub cpu: Option<String>,
            /// Memory request, a Kubernetes quantity (`256Mi`).
            pub memory: Option<String>,
            /// CPU limit; default twice the request.
            pub cpu_limit: Option<String>,
            /// Memory limit; default twice the request.
            pub memory_limit: Option<String>,
            /// Autoscaling bounds; replaces `replicas` with a HorizontalPodAutoscaler.
            pub autoscale: Option<Autoscale>,
            /// Plain environment variables, delivered through a ConfigMap. Merged by key.
            pub env: Option<BTreeMap<String, String>>,
            /// Environment variables read from Secrets, as `VAR = "secret-name:key"`. Merged by key.
            pub secrets: Option<BTreeMap<String, String>>,
            /// How the mesh retries the service's gateway route and canary split;
            /// `false` turns retries off. The highest layer that sets it wins as a whole.
            pub retries: Option<RetrySetting>,
            $($(#[$fmeta])* pub $field: $ty,)*
        }

        impl $name {
            /// The layered settings of this table, borrowed.
            pub fn layer(&self) -> Layer<'_> {
                Layer {
                    replicas: self.replicas,
                    cpu: self.cpu.as_deref(),
                    memory: self.memory.as_deref(),
                    cpu_limit: self.cpu_limit.as_deref(),
                    memory_limit: self.memory_limit.as_deref(),
                    autoscale: self.autoscale.as_ref(),
                    env: self.env.as_ref(),
                    secrets: self.secrets.as_ref(),
                    retries: self.retries.as_ref(),
                }
            }
        }
    };
}

/// The settings every layer may set, borrowed from one table of `kiln.toml`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Layer<'a> {
    pub replicas: Option<u32>,
    pub cpu: Option<&'a str>,
    pub memory: Option<&'a str>,
    pub cpu_limit: Option<&'a str>,
    pub memory_limit: Option<&'a str>,
    pub autoscale: Option<&'a Autoscale>,
    pub env: Option<&'a BTreeMap<String, String>>,
    pub secrets: Option<&'a BTreeMap<String, String>>,
    pub retries: Option<&'a RetrySetting>,
}

layered! {
    /// `[defaults]`
    pub struct Defaults {}
}

layered! {
    /// `[environments.E]`
    pub struct EnvironmentConfig {
        /// Public host name of this environment.
        pub domain: Option<String>,
        /// Mutual TLS mode of the namespace. Default `strict`.
        pub mtls: Option<Mtls>,
        /// The ingress gateway of this environment; its keys win over `project.gateway`'s.
        pub gateway: Option<IngressGateway>,
        /// Istio objects and sidecar injection here. Default `project.mesh`.
        pub mesh: Option<bool>,
        /// ServiceMonitors, PodMonitors and alert rules here. Default `project.monitoring`.
        pub monitoring: Option<bool>,
        /// A Fluentd DaemonSet for this environment. Default `project.logging`.
        pub logging: Option<bool>,
        /// Where Fluentd sends this environment's logs; without it, to its own stdout.
        pub elasticsearch: Option<Elasticsearch>,
        /// Alert thresholds and severity.
        pub alerts: Option<Alerts>,
        /// When CI deploys this environment. Default `tag` for `prod` and
        /// `production`, `push` for every other environment.
        pub deploy_on: Option<DeployOn>,
        /// Whether Argo CD syncs, prunes and self-heals on its own. Default
        /// `true` for `push` environments, `false` for `tag` ones. Needs `project.gitops`.
        pub auto_sync: Option<bool>,
        /// API server URL of the cluster Argo CD deploys this environment to.
        /// Default `https://kubernetes.default.svc`, Argo CD's own cluster. Needs `project.gitops`.
        pub cluster: Option<String>,
    }
}

layered! {
    /// `[services.S.environments.E]`
    pub struct ServiceEnvironmentConfig {
        /// Image tag in this environment.
        pub version: Option<String>,
        /// Canary in this environment.
        pub canary: Option<Canary>,
    }
}

layered! {
    /// `[services.S]`
    pub struct ServiceConfig {
        /// A bundled service archetype to start from (`kiln presets list`):
        /// its settings apply unless this service sets them.
        pub preset: Option<String>,
        /// Workload kind. Default `web`.
        pub kind: Option<Kind>,
        /// Language of a built service.
        pub language: Option<Language>,
        /// Image tag of a built service.
        pub version: Option<String>,
        /// A third-party image (`redis:7.2-alpine`) instead of `language` + `version`.
        pub image: Option<String>,
        /// The port the service listens on.
        #[serde(default, deserialize_with = "port_option")]
        pub port: Option<u16>,
        /// Protocol of `port`. Default `http` for built services, `tcp` for images.
        pub protocol: Option<Protocol>,
        /// More named ports, `name = number`.
        #[serde(default, deserialize_with = "ports_option")]
        pub ports: Option<BTreeMap<String, u16>>,
        /// Path prefix exposed through the environment's gateway.
        pub route: Option<String>,
        /// Services this one talks to.
        pub calls: Option<Vec<String>>,
        /// Liveness probe path. Default `/healthz`.
        pub health: Option<String>,
        /// Readiness probe path. Default `/ready`.
        pub ready: Option<String>,
        /// Metrics path, or `false`.
        pub metrics: Option<Metrics>,
        /// Port serving metrics. Default `port`.
        #[serde(default, deserialize_with = "port_option")]
        pub metrics_port: Option<u16>,
        /// Canary deployment.
        pub canary: Option<Canary>,
        /// How long the mesh waits for an answer to a routed or canaried request. Default `15s`.
        pub timeout: Option<String>,
        /// Limits of the DestinationRule's connection pool.
        pub connection_pool: Option<ConnectionPool>,
        /// When the mesh ejects a failing pod from the load-balancing pool.
        pub outlier_detection: Option<OutlierDetection>,
        /// How often Prometheus scrapes the metrics port. Default `30s`.
        pub scrape_interval: Option<String>,
        /// Volume size of a stateful service.
        pub storage: Option<String>,
        /// Where the volume of a stateful service is mounted.
        pub data_path: Option<String>,
        /// Cron schedule of a cronjob.
        pub schedule: Option<String>,
        /// Container arguments.
        pub args: Option<Vec<String>>,
        /// Numeric user the container runs as.
        #[serde(default, deserialize_with = "id_option")]
        #[schemars(range(max = 2147483647))]
        pub run_as_user: Option<u32>,
        /// Numeric group the container runs as, and owner group of volumes.
        #[serde(default, deserialize_with = "id_option")]
        #[schemars(range(max = 2147483647))]
        pub run_as_group: Option<u32>,
        /// Whether the root filesystem is read-only. Default `true`.
        pub read_only_root: Option<bool>,
        /// Absolute paths that get a writable emptyDir.
        pub writable_paths: Option<Vec<String>>,
        /// Destinations outside the cluster this service may open connections to.
        pub egress: Option<Vec<Egress>>,
        /// Image the Dockerfile builds in, pinned (`node:22.12.0-alpine3.21`).
        /// Default: kiln's pinned image for `language`.
        pub build_image: Option<String>,
        /// Image the Dockerfile's final stage runs on, pinned. Default: kiln's
        /// pinned small image for `language`.
        pub runtime_image: Option<String>,
        /// Per-environment overrides.
        pub environments: Option<BTreeMap<String, ServiceEnvironmentConfig>>,
    }
}
