//! One environment as its templates see it: its namespace, quota and
//! limits, and what each kind added to it.

use super::{
    EnvironmentFile, EnvironmentMesh, EnvironmentMonitoring, EnvironmentTraffic, Labels, Logging,
    Resources, Service,
};
use crate::config::{Mtls, StoreKind};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Environment {
    pub name: String,
    pub namespace: String,
    pub domain: Option<String>,
    pub mtls: MtlsMode,
    /// Labels of objects that belong to the environment, not to one service.
    pub labels: Labels,
    /// Rendered one at a time, so not part of an environment's template context.
    #[serde(skip)]
    pub services: Vec<Service>,
    /// `None` with `quota = false`.
    pub quota: Option<Quota>,
    pub limit_range: LimitRange,
    /// Namespace-wide mesh objects; `None` when the mesh is off here.
    pub mesh: Option<EnvironmentMesh>,
    /// The alert rules and the sidecar PodMonitor; `None` when monitoring is off here.
    pub monitoring: Option<EnvironmentMonitoring>,
    /// The Fluentd DaemonSet and its namespace; `None` when logging is off here.
    pub logging: Option<Logging>,
    /// The namespace's Istio Telemetry; `None` without the mesh or a `tracing` table.
    pub tracing: Option<Tracing>,
    /// One ExternalSecret per Secret its services read, with
    /// `external_secrets`; each is its own file, `secrets/<name>.yaml`.
    pub external_secrets: Vec<ExternalSecret>,
    /// The Gateway API or Ingress objects; `None` with `traffic = "istio"`.
    pub traffic: Option<EnvironmentTraffic>,
    /// The files of the environment as a whole, in the order they are listed.
    #[serde(skip)]
    pub files: Vec<EnvironmentFile>,
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

/// A namespace's mutual TLS mode, as Istio spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum MtlsMode {
    Strict,
    Permissive,
}

impl From<Mtls> for MtlsMode {
    fn from(mtls: Mtls) -> MtlsMode {
        match mtls {
            Mtls::Strict => MtlsMode::Strict,
            Mtls::Permissive => MtlsMode::Permissive,
        }
    }
}

/// How the mesh traces an environment's requests: an Istio Telemetry.
#[derive(Debug, Clone, Serialize)]
pub struct Tracing {
    pub name: String,
    /// `randomSamplingPercentage`, from 0 to 100.
    pub sampling_percent: f64,
    /// The OpenTelemetry collector spans go to, when `tracing.collector` is set.
    pub collector: Option<Collector>,
}

/// An OpenTelemetry collector in the cluster, as `tracing.collector` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Collector {
    /// As written: `otel-collector.observability`.
    pub host: String,
    pub namespace: String,
    pub port: u16,
    /// The mesh config's extension provider the Telemetry names.
    pub provider: String,
}

/// An ExternalSecret that makes one Secret, with exactly the keys the
/// services read, from one remote key of a store.
#[derive(Debug, Clone, Serialize)]
pub struct ExternalSecret {
    /// The Secret's name, and the ExternalSecret's.
    pub name: String,
    /// Its file, relative to `deploy/<env>`.
    pub file: String,
    pub store: String,
    pub store_kind: StoreKind,
    /// `path` with `{project}`, `{env}` and `{secret}` filled in.
    pub remote_key: String,
    /// The Secret's keys, each a property of `remote_key`, sorted.
    pub keys: Vec<String>,
    /// The services that read it.
    pub used_by: Vec<String>,
}
