//! The small tables of `kiln.toml` (`autoscale`, `canary`, `retries`,
//! `gateway`, ...), and the int32 reader their counts go through.

use super::{RetryOn, Scheme};
use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// The largest count kiln writes: Kubernetes and Istio store replica
/// counts and connection limits as int32, and refuse anything larger.
pub const MAX_INT32: u32 = i32::MAX as u32;

/// Reads a count that lands in an int32 field, refusing what does not fit
/// with the range in words (as a `u16` port is refused).
pub(super) fn int32<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u32, D::Error> {
    use serde::de::{Error, Unexpected, Visitor};
    struct Int32;
    impl Visitor<'_> for Int32 {
        type Value = u32;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            write!(f, "a whole number from 0 to {MAX_INT32}")
        }
        fn visit_i64<E: Error>(self, n: i64) -> Result<u32, E> {
            u32::try_from(n)
                .ok()
                .filter(|n| *n <= MAX_INT32)
                .ok_or_else(|| E::invalid_value(Unexpected::Signed(n), &self))
        }
        fn visit_u64<E: Error>(self, n: u64) -> Result<u32, E> {
            u32::try_from(n)
                .ok()
                .filter(|n| *n <= MAX_INT32)
                .ok_or_else(|| E::invalid_value(Unexpected::Unsigned(n), &self))
        }
    }
    deserializer.deserialize_u32(Int32)
}

pub(super) fn int32_option<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u32>, D::Error> {
    int32(deserializer).map(Some)
}

/// `kiln = { git, rev }`, `{ image }` or `{ version, index }`: one pinned
/// source of kiln for CI.
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

/// `autoscale = { min, max, cpu }`: a HorizontalPodAutoscaler.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Autoscale {
    /// Fewest replicas.
    #[serde(deserialize_with = "int32")]
    #[schemars(range(max = 2147483647))]
    pub min: u32,
    /// Most replicas.
    #[serde(deserialize_with = "int32")]
    #[schemars(range(max = 2147483647))]
    pub max: u32,
    /// Target average CPU utilisation, percent of the request. Default 80.
    pub cpu: Option<u32>,
}

/// `canary = { version, weight }`: a second Deployment at another version.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Canary {
    /// Image tag of the canary.
    pub version: String,
    /// Percent of traffic sent to the canary, 0..=100.
    pub weight: u32,
}

/// `egress = [{ cidr = "203.0.113.0/24", port = 443 }]`: an address range outside the cluster.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Egress {
    /// IPv4 or IPv6 range, `address/prefix`.
    pub cidr: String,
    /// TCP port.
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
    /// Retries after the first try, 0..=10; 0 turns retries off. Default 3.
    pub attempts: Option<u32>,
    /// The failures that are retried. Default all three: each is one the request
    /// never reached the app in, so even a POST is safe to send again.
    pub on: Option<Vec<RetryOn>>,
    /// Timeout of each try, a duration such as `2s`. Default `5s`.
    pub per_try_timeout: Option<String>,
}

/// `connection_pool = { max_connections, max_pending_requests, max_requests }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectionPool {
    /// Most TCP connections to the service per caller sidecar. Default 100.
    #[serde(default, deserialize_with = "int32_option")]
    #[schemars(range(max = 2147483647))]
    pub max_connections: Option<u32>,
    /// Most HTTP requests waiting for a connection. Default 100.
    #[serde(default, deserialize_with = "int32_option")]
    #[schemars(range(max = 2147483647))]
    pub max_pending_requests: Option<u32>,
    /// Most concurrent HTTP requests. Default 1000.
    #[serde(default, deserialize_with = "int32_option")]
    #[schemars(range(max = 2147483647))]
    pub max_requests: Option<u32>,
}

/// `outlier_detection = { consecutive_5xx_errors, interval, base_ejection_time, max_ejection_percent }`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutlierDetection {
    /// 5xx answers in a row that eject a pod from the pool. Default 5.
    pub consecutive_5xx_errors: Option<u32>,
    /// How often pods are checked, a duration. Default `10s`.
    pub interval: Option<String>,
    /// Shortest ejection, a duration. Default `30s`.
    pub base_ejection_time: Option<String>,
    /// Most pods ejected at once, percent. Default 50.
    pub max_ejection_percent: Option<u32>,
}

/// `elasticsearch = { host, port, scheme, index_prefix, user, password }`: where Fluentd sends logs.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Elasticsearch {
    /// Required. Host name or IP address of Elasticsearch.
    pub host: String,
    /// Default 9200.
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
    pub latency_p99_ms: Option<u32>,
    /// Percent of a volume in use that fires `VolumeNearlyFull`. Default 80 in prod, 90 elsewhere.
    pub volume_percent: Option<u32>,
}

/// `metrics = "/path"` or `metrics = false`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Metrics {
    Path(String),
    Enabled(bool),
}
