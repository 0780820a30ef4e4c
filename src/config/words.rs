//! The closed sets of words of `kiln.toml`: each an enum, spelled in the
//! file, in Rust and in the templates alike. `as_str` gives the word that
//! serde reads and writes (a unit test holds them together), for the few
//! places that build a name from it.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A GitOps controller kiln can write objects for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum GitOps {
    Argocd,
}

/// How kiln runs the app on a developer's machine.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum LocalRun {
    /// A `compose.yaml` at the repo root, for `docker compose`.
    Compose,
}

/// The kind of External Secrets Operator store an ExternalSecret reads from.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
pub enum StoreKind {
    /// A store of the whole cluster.
    ClusterSecretStore,
    /// A store in the environment's own namespace.
    SecretStore,
}

/// When CI deploys an environment.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum DeployOn {
    /// On every push to `project.branch`, after the environment before it.
    Push,
    /// On a version tag (`v*`), after a manual approval.
    Tag,
}

/// A CI system kiln can write a pipeline for.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum CiSystem {
    Github,
    Gitlab,
    Jenkins,
}

/// Whether a namespace accepts plain-text traffic besides mutual TLS.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Mtls {
    Strict,
    Permissive,
}

/// How the mesh carries a namespace's traffic (ambient mode: issue 16).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum MeshMode {
    /// An Envoy sidecar injected into every pod.
    Sidecar,
    /// No sidecars: the node's ztunnel carries L4 mTLS and policy, and a
    /// waypoint proxy per namespace the L7 policy and routing.
    Ambient,
}

/// The type of a service's Service: how far outside the pods it is reachable.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
pub enum ServiceType {
    /// Reachable inside the cluster only.
    ClusterIP,
    /// Also on a port of every node.
    NodePort,
    /// Also through the cloud provider's load balancer (and a node port).
    LoadBalancer,
}

/// What kind of workload a service is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
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
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    Node,
    Python,
    Go,
    Java,
    Rust,
    Dotnet,
}

/// How the service's port speaks; decides port names and default probes.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Protocol {
    Http,
    Grpc,
    Tcp,
}

/// A failure the mesh may retry: only those where Envoy knows the app never
/// saw the request. `5xx`, `gateway-error`, `reset` and the gRPC statuses can
/// follow a request the app already acted on, so they are not offered.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum RetryOn {
    /// No connection to the pod could be opened.
    ConnectFailure,
    /// The pod refused the HTTP/2 stream (`REFUSED_STREAM`) before processing it.
    RefusedStream,
    /// The connection was reset before the request was sent (Istio 1.23 or later).
    ResetBeforeRequest,
}

/// How Fluentd talks to Elasticsearch.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    Https,
}

/// Which API carries an environment's routes (issue 16, traffic APIs).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "kebab-case")]
pub enum Traffic {
    /// Istio's own Gateway and VirtualServices; needs the mesh.
    Istio,
    /// The Kubernetes Gateway API: a Gateway, HTTPRoutes and GRPCRoutes.
    GatewayApi,
    /// A `networking.k8s.io/v1` Ingress, for an ingress controller; no mesh.
    Ingress,
}

/// Which kind of cert-manager issuer signs the environment's certificate.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
pub enum IssuerKind {
    /// An issuer in the certificate's own namespace.
    Issuer,
    /// An issuer of the whole cluster.
    ClusterIssuer,
}

/// `as_str` for each word set: the word serde reads and writes.
macro_rules! words {
    ($($set:ident { $($variant:ident => $word:literal),* $(,)? })*) => {
        $(impl $set {
            /// Every word, in order.
            pub const ALL: &'static [$set] = &[$($set::$variant),*];

            /// The word as `kiln.toml` and the templates spell it.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($set::$variant => $word,)*
                }
            }
        })*
    };
}

words! {
    GitOps { Argocd => "argocd" }
    LocalRun { Compose => "compose" }
    StoreKind { ClusterSecretStore => "ClusterSecretStore", SecretStore => "SecretStore" }
    DeployOn { Push => "push", Tag => "tag" }
    CiSystem { Github => "github", Gitlab => "gitlab", Jenkins => "jenkins" }
    Mtls { Strict => "strict", Permissive => "permissive" }
    MeshMode { Sidecar => "sidecar", Ambient => "ambient" }
    Kind { Web => "web", Worker => "worker", Stateful => "stateful", Cronjob => "cronjob" }
    Language { Node => "node", Python => "python", Go => "go", Java => "java", Rust => "rust", Dotnet => "dotnet" }
    Protocol { Http => "http", Grpc => "grpc", Tcp => "tcp" }
    RetryOn {
        ConnectFailure => "connect-failure",
        RefusedStream => "refused-stream",
        ResetBeforeRequest => "reset-before-request",
    }
    Scheme { Http => "http", Https => "https" }
    Traffic { Istio => "istio", GatewayApi => "gateway-api", Ingress => "ingress" }
    IssuerKind { Issuer => "Issuer", ClusterIssuer => "ClusterIssuer" }
    ServiceType { ClusterIP => "ClusterIP", NodePort => "NodePort", LoadBalancer => "LoadBalancer" }
}

impl ServiceType {
    /// Whether traffic from outside the cluster reaches the pods through it.
    pub fn is_external(self) -> bool {
        self != ServiceType::ClusterIP
    }
}

impl Kind {
    /// Whether a Service fronts it (when it listens on a port), so that
    /// other services can call it and the mesh can route to it.
    pub fn serves(self) -> bool {
        matches!(self, Kind::Web | Kind::Stateful)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `as_str` is the word serde writes, for every word of every set.
    fn same<T: Serialize + Copy>(all: &[T], as_str: fn(T) -> &'static str) {
        for word in all {
            let written = serde_json::to_value(word).unwrap();
            assert_eq!(written.as_str(), Some(as_str(*word)));
        }
    }

    #[test]
    fn each_word_is_spelled_one_way() {
        same(GitOps::ALL, GitOps::as_str);
        same(LocalRun::ALL, LocalRun::as_str);
        same(StoreKind::ALL, StoreKind::as_str);
        same(DeployOn::ALL, DeployOn::as_str);
        same(CiSystem::ALL, CiSystem::as_str);
        same(Mtls::ALL, Mtls::as_str);
        same(MeshMode::ALL, MeshMode::as_str);
        same(Kind::ALL, Kind::as_str);
        same(Language::ALL, Language::as_str);
        same(Protocol::ALL, Protocol::as_str);
        same(RetryOn::ALL, RetryOn::as_str);
        same(Scheme::ALL, Scheme::as_str);
        same(Traffic::ALL, Traffic::as_str);
        same(IssuerKind::ALL, IssuerKind::as_str);
        same(ServiceType::ALL, ServiceType::as_str);
    }
}
