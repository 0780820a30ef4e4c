//! The closed sets of words of `kiln.toml`: each an enum, spelled in the
//! file, in Rust and in the templates alike.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

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

/// How Fluentd talks to Elasticsearch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Scheme {
    Http,
    Https,
}
