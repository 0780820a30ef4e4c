//! The small tables of `kiln.toml` (`autoscale`, `canary`, `retries`,
//! `gateway`, ...); their whole numbers are read as `whole.rs` says.

use super::whole::{
    attempts_option, autoscale_cpu_option, connections_option, consecutive_5xx_option,
    ejection_percent_option, latency_ms_option, pods, port, port_option, replicas_option,
    volume_percent_option, weight,
};
use super::{RetryOn, Scheme, StoreKind};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
    /// With `traffic = "gateway-api"`: an existing Gateway, in `namespace`, that
    /// the routes attach to instead of one kiln writes. Its `allowedRoutes`
    /// must admit the environment's namespace.
    pub name: Option<String>,
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

/// `tls = { issuer, kind }`: a cert-manager issuer signs the certificate of
/// the environment's `domain`, into the Secret the gateway or Ingress serves.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tls {
    /// Name of the cert-manager Issuer or ClusterIssuer (`letsencrypt`).
    pub issuer: String,
    /// `ClusterIssuer` (default) or `Issuer`, which must live in the Secret's namespace.
    pub kind: Option<super::IssuerKind>,
}

/// `fault = { delay, abort, percent }`: Istio delays or aborts a share of the
/// requests of the service's routes, to test how callers cope (a chaos test).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Fault {
    /// Delay before the request is forwarded, a duration such as `2s`.
    pub delay: Option<String>,
    /// HTTP status to answer with instead of forwarding, from 200 to 599.
    pub abort: Option<u16>,
    /// Percent of requests delayed and aborted, from 0 to 100. Default 100.
    pub percent: Option<u8>,
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

/// One entry of `versions = { v1 = { weight = 80 }, v2 = { version, weight, env, replicas } }`.
/// The one entry without `version` or `image` is the service's own
/// workload; every other is a Deployment `<service>-<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionConfig {
    /// Image tag of this version: of the service's own image, or of the
    /// repository of its `image`. Unset on exactly one entry: the service's
    /// own workload, at the service's `version`.
    pub version: Option<String>,
    /// The whole image of this version, for an `image` service whose
    /// versions are other repositories (`reviews-v2:1.20.3`); instead of `version`.
    pub image: Option<String>,
    /// Percent of traffic sent to this version, from 0 to 100; the
    /// weights of all entries sum to 100.
    #[serde(deserialize_with = "weight")]
    pub weight: u32,
    /// Variables of this version, over the service's `env`.
    pub env: Option<BTreeMap<String, String>>,
    /// Pods of this version. Default 1.
    #[serde(default, deserialize_with = "replicas_option")]
    #[schemars(range(max = 2147483647))]
    pub replicas: Option<u32>,
}

impl VersionConfig {
    /// Whether it is the service's own workload: no `version`, no `image`.
    pub fn is_own(&self) -> bool {
        self.version.is_none() && self.image.is_none()
    }
}

/// The traffic split of a service in one environment: a `canary` or
/// `versions`, lowered to its tracks.
#[derive(Debug, Clone, Copy)]
pub enum SplitSetting<'a> {
    Canary(&'a Canary),
    Versions(&'a BTreeMap<String, VersionConfig>),
}

/// One track of a split as written: its name, weight, and for every
/// track but the service's own, the version or image its Deployment runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrackSetting {
    pub name: String,
    pub weight: u32,
    /// `None`, with `image`, for the service's own workload.
    pub version: Option<String>,
    pub image: Option<String>,
    pub env: BTreeMap<String, String>,
    pub replicas: Option<u32>,
}

/// The track of a service's own workload under a canary.
pub const STABLE_TRACK: &str = "stable";

impl SplitSetting<'_> {
    /// Its tracks: the service's own first, then the others in name order.
    /// A canary is the two-track case, `stable` and `canary`.
    pub fn tracks(self) -> Vec<TrackSetting> {
        match self {
            SplitSetting::Canary(canary) => vec![
                TrackSetting {
                    name: STABLE_TRACK.into(),
                    weight: 100_u32.saturating_sub(canary.weight),
                    version: None,
                    image: None,
                    env: BTreeMap::new(),
                    replicas: None,
                },
                TrackSetting {
                    name: "canary".into(),
                    weight: canary.weight,
                    version: Some(canary.version.clone()),
                    image: None,
                    env: BTreeMap::new(),
                    replicas: None,
                },
            ],
            SplitSetting::Versions(versions) => {
                let track = |(name, v): (&String, &VersionConfig)| TrackSetting {
                    name: name.clone(),
                    weight: v.weight,
                    version: v.version.clone(),
                    image: v.image.clone(),
                    env: v.env.clone().unwrap_or_default(),
                    replicas: v.replicas,
                };
                let own = versions.iter().filter(|(_, v)| v.is_own());
                let others = versions.iter().filter(|(_, v)| !v.is_own());
                own.chain(others).map(track).collect()
            }
        }
    }

    /// The key it is written as: `canary` or `versions`.
    pub fn key(self) -> &'static str {
        match self {
            SplitSetting::Canary(_) => "canary",
            SplitSetting::Versions(_) => "versions",
        }
    }
}

/// `egress = [{ cidr = "203.0.113.0/24", port = 443 }]` or
/// `[{ host = "api.stripe.com", port = 443 }]`: a destination outside the
/// cluster, an address range or a named host (exactly one of the two).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Egress {
    /// IPv4 or IPv6 range, `address/prefix`.
    pub cidr: Option<String>,
    /// A host name outside the cluster (`api.stripe.com`): an Istio
    /// ServiceEntry in the mesh, and the port opened to public addresses.
    pub host: Option<String>,
    /// TCP port.
    #[serde(deserialize_with = "port")]
    pub port: u16,
}

/// `env_from = [{ secret = "name" }, { config_map = "name" }]`: every key of
/// a Secret or ConfigMap the cluster already has, as environment variables.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EnvFrom {
    /// A Secret in the service's namespace; `kiln prereqs` lists it.
    pub secret: Option<String>,
    /// A ConfigMap in the service's namespace.
    pub config_map: Option<String>,
}

/// `quota = false`, `quota = true` or `quota = { headroom = "25%" }`: the
/// environment's ResourceQuota, and how far above its pods' sum it is set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum QuotaSetting {
    /// `false`: no ResourceQuota; `true`: the built-in one, the exact sum.
    Enabled(bool),
    /// The ResourceQuota with these keys changed.
    Quota(QuotaTable),
}

/// By hand, not `untagged`, for the same reason as `RetrySetting`'s.
impl<'de> Deserialize<'de> for QuotaSetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = QuotaSetting;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, false or a table `{ headroom }`")
            }

            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<Self::Value, E> {
                Ok(QuotaSetting::Enabled(value))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                QuotaTable::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(QuotaSetting::Quota)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `quota = { headroom = "25%" }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaTable {
    /// How much more than its pods need together the namespace may use,
    /// a whole percent from `0%` to `1000%`: room for a Job, a debug pod,
    /// a manual scale-up. Default `0%`.
    pub headroom: Option<String>,
}

impl QuotaSetting {
    /// The headroom in percent, if the text is one; `None` without a quota.
    pub fn headroom(&self) -> Option<u32> {
        match self {
            QuotaSetting::Enabled(false) => None,
            QuotaSetting::Enabled(true) | QuotaSetting::Quota(QuotaTable { headroom: None }) => {
                Some(0)
            }
            QuotaSetting::Quota(QuotaTable {
                headroom: Some(text),
            }) => parse_percent(text),
        }
    }
}

/// `25%` as 25: digits then `%`, at most 1000.
pub fn parse_percent(text: &str) -> Option<u32> {
    let digits = text.strip_suffix('%')?;
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|p| *p <= 1000)
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
    /// Timeout of each try, a duration such as `2s`. Default none: each try
    /// may take the route's whole `timeout`. A try that times out is never
    /// retried (the app may have acted on it): the request fails then.
    pub per_try_timeout: Option<String>,
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

/// `tracing = { sampling_percent }`: how the mesh traces requests, in
/// `[project]` (every environment) and `[environments.E]` (that one; its
/// keys win over the project's, key by key). A table, so that the keys of
/// tracing to come (where spans go, what the pods are told) join it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Tracing {
    /// Percent of requests, from 0 to 100, that the sidecars start a trace
    /// for when the request carries no sampling decision of its own
    /// (`1` is one request in a hundred, `0.5` one in two hundred). Default 1,
    /// Istio's own.
    pub sampling_percent: Option<f64>,
    /// Where spans go: an OpenTelemetry collector in the cluster, as
    /// `<service>.<namespace>:<port>` (`.svc` and `.svc.cluster.local` may
    /// follow the namespace). Every pod is told it in `OTEL_*` variables and
    /// may reach it; the Telemetry sends the sidecars' spans to the mesh's
    /// `otel-tracing` provider.
    pub collector: Option<String>,
}

/// `external_secrets = { store, store_kind, path }`: the Secrets that
/// services' `secrets` reference come from an External Secrets Operator
/// store, one ExternalSecret each. In `[project]` (every environment) and
/// `[environments.E]` (that one; its keys win over the project's, key by key).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExternalSecrets {
    /// Name of the SecretStore or ClusterSecretStore to read from. Required
    /// in the project's table or the environment's.
    pub store: Option<String>,
    /// `ClusterSecretStore` (default) or `SecretStore` (in the environment's namespace).
    pub store_kind: Option<StoreKind>,
    /// The remote key of each Secret, from `{project}`, `{env}` and
    /// `{secret}`; each referenced key of the Secret is a property of it.
    /// Default `{project}/{env}/{secret}`.
    pub path: Option<String>,
}

/// One of `routes = [{ path, exact, headers, query, to, timeout, retries }]`
/// (issue 16, routing): requests that match every condition go to one
/// track, before the service's default split, with the route's own policy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RouteRule {
    /// Absolute path the request must start with (or equal, with `exact`).
    /// Default: the service's `route` at the gateway, every path in the mesh.
    pub path: Option<String>,
    /// Match `path` exactly rather than as a prefix. Default `false`.
    pub exact: Option<bool>,
    /// Request headers, lowercase name = exact value.
    pub headers: Option<BTreeMap<String, String>>,
    /// Query parameters, name = exact value.
    pub query: Option<BTreeMap<String, String>>,
    /// The track matched requests go to: `stable` or `canary` with a
    /// canary, a name of `versions` with versions.
    #[schemars(pattern(r"^[a-z]([-a-z0-9]*[a-z0-9])?$"))]
    pub to: String,
    // Per-route policies (issue 16, branch route-policies).
    /// How long the mesh waits for an answer to a request of this route,
    /// as the service's `timeout`. Default the service's `timeout`.
    pub timeout: Option<String>,
    /// How the mesh retries a request of this route, as the service's
    /// `retries` (`false` turns them off). Default the service's `retries`.
    pub retries: Option<RetrySetting>,
}
