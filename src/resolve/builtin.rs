//! Built-in defaults of the service, mesh and logging settings: the lowest
//! layer, under `[defaults]`.

use crate::model::{ProbeTiming, Rollout};

pub const REPLICAS: u32 = 1;
pub const CPU: &str = "100m";
pub const MEMORY: &str = "128Mi";
pub const HEALTH: &str = "/healthz";
pub const READY: &str = "/ready";
pub const METRICS: &str = "/metrics";
pub const AUTOSCALE_CPU: u32 = 80;
pub const RUN_AS_USER: u32 = 10001;
pub const DATA_PATH: &str = "/data";
pub const MONITORING_NAMESPACE: &str = "monitoring";
pub const MESH_NAMESPACE: &str = "istio-system";
/// Resources of the injected Istio sidecar, pinned by pod annotations so
/// that the namespace quota can account for them.
pub const SIDECAR_CPU: &str = "100m";
pub const SIDECAR_CPU_LIMIT: &str = "500m";
pub const SIDECAR_MEMORY: &str = "128Mi";
pub const SIDECAR_MEMORY_LIMIT: &str = "256Mi";
/// The port the sidecar serves its own Prometheus metrics on, and its name.
pub const SIDECAR_METRICS_PORT: u16 = 15090;
pub const SIDECAR_METRICS_PORT_NAME: &str = "http-envoy-prom";
/// ServiceAccount of the ingress gateway of Istio's default install.
pub const GATEWAY_SERVICE_ACCOUNT: &str = "istio-ingressgateway-service-account";
/// The label of the ingress gateway pods of Istio's default install.
pub const GATEWAY_SELECTOR: (&str, &str) = ("istio", "ingressgateway");
/// The label Istio puts on the pods it deploys for a Gateway API Gateway.
pub const GATEWAY_NAME_LABEL: &str = "gateway.networking.k8s.io/gateway-name";
/// The GatewayClass of Istio's own Gateway API implementation.
pub const GATEWAY_CLASS: &str = "istio";
/// Istio's default trust domain: principals are `cluster.local/ns/<ns>/sa/<sa>`.
pub const TRUST_DOMAIN: &str = "cluster.local";
/// Ambient mode: the namespace's waypoint Gateway, and so its Deployment
/// and ServiceAccount, which Istio names after it.
pub const WAYPOINT_NAME: &str = "waypoint";
/// The port ambient pods and waypoints take mTLS (HBONE) tunnels on:
/// NetworkPolicies of ambient pods open it instead of the app's ports.
pub const HBONE_PORT: u16 = 15008;
/// Where the kubelet's probes of an ambient pod come from: ztunnel SNATs them.
pub const AMBIENT_PROBE_SOURCE: &str = "169.254.7.127/32";
/// The label Istio puts on a waypoint's pods: its Gateway's name.
pub const WAYPOINT_POD_LABEL: &str = "gateway.networking.k8s.io/gateway-name";
/// What Istio gives a waypoint's proxy unless told otherwise
/// (`global.proxy.resources`): the quota counts it, as the LimitRange must admit it.
pub const WAYPOINT_CPU: &str = "100m";
pub const WAYPOINT_CPU_LIMIT: &str = "2";
pub const WAYPOINT_MEMORY: &str = "128Mi";
pub const WAYPOINT_MEMORY_LIMIT: &str = "1Gi";
/// The private, shared, link-local and loopback ranges a named egress host
/// never opens (RFC 1918, RFC 6598, RFC 3927, RFC 4193, RFC 4291).
pub const PRIVATE_IPV4: [&str; 6] = [
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
];
pub const PRIVATE_IPV6: [&str; 3] = ["::1/128", "fc00::/7", "fe80::/10"];
/// The GatewayClass Istio installs for waypoints.
pub const WAYPOINT_CLASS: &str = "istio-waypoint";
pub const TIMEOUT: &str = "15s";
pub const RETRY_ATTEMPTS: u32 = 3;
/// Only failures where the request never reached the app: safe to send
/// again whatever the method, a POST included.
pub const RETRY_ON: [crate::config::RetryOn; 3] = [
    crate::config::RetryOn::ConnectFailure,
    crate::config::RetryOn::RefusedStream,
    crate::config::RetryOn::ResetBeforeRequest,
];
pub const MAX_CONNECTIONS: u32 = 100;
pub const MAX_PENDING_REQUESTS: u32 = 100;
pub const MAX_REQUESTS: u32 = 1000;
pub const CONSECUTIVE_5XX_ERRORS: u32 = 5;
pub const OUTLIER_INTERVAL: &str = "10s";
pub const BASE_EJECTION_TIME: &str = "30s";
pub const MAX_EJECTION_PERCENT: u32 = 50;
pub const SCRAPE_INTERVAL: &str = "30s";
/// Istio's own sampling: one request in a hundred starts a trace.
pub const TRACING_SAMPLING_PERCENT: f64 = 1.0;
/// The canary runs one pod; the split is by weight, not by pod count.
pub const CANARY_REPLICAS: u32 = 1;
/// fluentd-kubernetes-daemonset's image with the Elasticsearch 8 output,
/// the CRI and multi-format parsers and the Kubernetes metadata filter.
pub const FLUENTD_IMAGE: &str =
    "fluent/fluentd-kubernetes-daemonset:v1.17.0-debian-elasticsearch8-1.0";
pub const FLUENTD_CPU: &str = "100m";
pub const FLUENTD_CPU_LIMIT: &str = "500m";
pub const FLUENTD_MEMORY: &str = "256Mi";
pub const FLUENTD_MEMORY_LIMIT: &str = "512Mi";
pub const ELASTICSEARCH_PORT: u16 = 9200;
/// Where the API server listens: 443 behind the `kubernetes` Service, 6443 on the nodes.
pub const API_SERVER_PORTS: [u16; 2] = [443, 6443];
/// A pod may take up to 150 s to start before liveness takes over.
pub const STARTUP_PROBE: ProbeTiming = ProbeTiming {
    period_seconds: 5,
    timeout_seconds: 3,
    failure_threshold: 30,
};
pub const LIVENESS_PROBE: ProbeTiming = ProbeTiming {
    period_seconds: 10,
    timeout_seconds: 3,
    failure_threshold: 3,
};
pub const READINESS_PROBE: ProbeTiming = ProbeTiming {
    period_seconds: 5,
    timeout_seconds: 3,
    failure_threshold: 3,
};
/// One new pod at a time, and never one below the count: a rollout never
/// lowers capacity.
pub const ROLLOUT: Rollout = Rollout {
    revision_history_limit: 5,
    max_surge: 1,
    max_unavailable: 0,
};
