//! The settings that can be layered, and the four tables that hold them:
//! `[defaults]`, `[environments.E]`, `[services.S]` and
//! `[services.S.environments.E]`.

use super::tables::int32_option;
use super::{
    Alerts, Autoscale, Canary, ConnectionPool, DeployOn, Egress, Elasticsearch, IngressGateway,
    Kind, Language, Metrics, Mtls, OutlierDetection, Protocol, RetrySetting,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

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
            #[serde(default, deserialize_with = "int32_option")]
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
        pub port: Option<u16>,
        /// Protocol of `port`. Default `http` for built services, `tcp` for images.
        pub protocol: Option<Protocol>,
        /// More named ports, `name = number`.
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
        pub run_as_user: Option<u32>,
        /// Numeric group the container runs as, and owner group of volumes.
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

impl ServiceConfig {
    /// The ports callers reach a service on: the main port and any extra ports.
    pub fn serving_ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self
            .port
            .into_iter()
            .chain(self.ports.iter().flatten().map(|(_, p)| *p))
            .collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }
}
