//! The settings that can be layered, and three of the four tables that
//! hold them: `[defaults]`, `[environments.E]` and
//! `[services.S.environments.E]`; `[services.S]` is `service.rs`.

use super::whole::replicas_option;
use super::{
    Alerts, Autoscale, Canary, DeployOn, Egress, Elasticsearch, ExternalSecrets, Fault,
    IngressGateway, MeshMode, Mtls, QuotaSetting, RetrySetting, RouteRule, Spread, Tls, Toleration,
    Tracing, Traffic, VersionConfig,
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
            // Pod scheduling and metadata (issue 15, podspec).
            /// Node labels the pods must run on, `label = value`. Merged by key.
            pub node_selector: Option<BTreeMap<String, String>>,
            /// Node taints the pods tolerate. The highest layer that sets it wins as a whole.
            pub tolerations: Option<Vec<Toleration>>,
            /// How replicas spread: `false` turns kiln's topology spread off, a
            /// node label changes its key. Default `kubernetes.io/hostname`.
            pub spread: Option<Spread>,
            /// How long a pod may take to stop after SIGTERM before it is
            /// killed (`terminationGracePeriodSeconds`), whole seconds. Default `30s`.
            pub grace_period: Option<String>,
            /// Secrets holding registry credentials, by name. The highest layer that sets it wins.
            pub image_pull_secrets: Option<Vec<String>>,
            /// Labels of the pod template. Merged by key; kiln's own labels cannot be set.
            pub labels: Option<BTreeMap<String, String>>,
            /// Annotations of the pod template. Merged by key.
            pub annotations: Option<BTreeMap<String, String>>,
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
                    node_selector: self.node_selector.as_ref(),
                    tolerations: self.tolerations.as_ref(),
                    spread: self.spread.as_ref(),
                    grace_period: self.grace_period.as_deref(),
                    image_pull_secrets: self.image_pull_secrets.as_ref(),
                    labels: self.labels.as_ref(),
                    annotations: self.annotations.as_ref(),
                }
            }
        }
    };
}
pub(super) use layered;

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
    pub node_selector: Option<&'a BTreeMap<String, String>>,
    pub tolerations: Option<&'a Vec<Toleration>>,
    pub spread: Option<&'a Spread>,
    pub grace_period: Option<&'a str>,
    pub image_pull_secrets: Option<&'a Vec<String>>,
    pub labels: Option<&'a BTreeMap<String, String>>,
    pub annotations: Option<&'a BTreeMap<String, String>>,
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
        /// How the mesh traces this environment's requests; its keys win over `project.tracing`'s.
        pub tracing: Option<Tracing>,
        /// Where this environment's Secrets come from; its keys win over `project.external_secrets`'s.
        pub external_secrets: Option<ExternalSecrets>,
        /// Istio objects and sidecar injection here. Default `project.mesh`.
        pub mesh: Option<bool>,
        /// How the mesh carries traffic here: `sidecar` or `ambient`. Default `project.mesh_mode`.
        pub mesh_mode: Option<MeshMode>,
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
        // Traffic APIs (issue 16): each wins over the `[project]` key of the same name.
        /// Which API carries the routes: `istio` (default), `gateway-api` or `ingress`.
        pub traffic: Option<Traffic>,
        /// GatewayClass of the Gateway kiln writes with `traffic = "gateway-api"`. Default `istio`.
        pub gateway_class: Option<String>,
        /// IngressClass of the Ingress with `traffic = "ingress"`. Default the cluster's default class.
        pub ingress_class: Option<String>,
        /// A cert-manager issuer for the domain's certificate.
        pub tls: Option<Tls>,
        /// Serve the routes on plain HTTP (port 80) too, instead of redirecting to HTTPS. Default `false`.
        pub plain_http: Option<bool>,
        // The namespace's quota (issue 15, branch shape).
        /// The namespace's ResourceQuota: `false` for none, or
        /// `{ headroom = "25%" }` above the sum of its pods. Default the exact sum.
        pub quota: Option<QuotaSetting>,
        // Per environment (issue 15, branch enabled).
        /// The environment's namespace, a DNS label of at most 63 characters.
        /// Default `{project}-{env}`.
        pub namespace: Option<String>,
    }
}

layered! {
    /// `[services.S.environments.E]`
    pub struct ServiceEnvironmentConfig {
        /// Image tag in this environment.
        pub version: Option<String>,
        /// Canary in this environment.
        pub canary: Option<Canary>,
        /// Versions in this environment: replace the service's `versions`
        /// or `canary` whole.
        #[schemars(extend("propertyNames" = { "pattern": "^[a-z]([-a-z0-9]*[a-z0-9])?$" }, "minProperties" = 2, "maxProperties" = 10))]
        pub versions: Option<BTreeMap<String, VersionConfig>>,
        /// Fault injection (issue 16): delays and aborts on the service's Istio routes here.
        pub fault: Option<Fault>,
        // Traffic per environment (issue 15, branch shape): each replaces the service's list.
        /// Services this one talks to in this environment, instead of `calls`.
        pub calls: Option<Vec<String>>,
        /// Destinations outside the cluster in this environment, instead of `egress`.
        pub egress: Option<Vec<Egress>>,
        // Per environment (issue 15, branch enabled).
        /// `false` leaves the service out of this environment, with every file
        /// and policy that names it. Default `true`.
        pub enabled: Option<bool>,
        // Routes per environment (issue 16, branch route-policies).
        /// Request matches in this environment, instead of `routes`
        /// (`routes = []`: none).
        pub routes: Option<Vec<RouteRule>>,
    }
}
