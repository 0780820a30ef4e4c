//! The pod-level keys of a service (issue 15): entrypoint, probes,
//! shutdown, extra containers, volumes and files, scheduling, pod metadata
//! and added capabilities. Their rules live in `kinds/core/podspec.rs`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// `probes = false` (none) or a table that changes kiln's probes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum ProbesSetting {
    /// `false`: no probes; `true`: kiln's own.
    Enabled(bool),
    /// kiln's probes with these keys changed.
    Table(Probes),
}

/// By hand, not `untagged`: untagged enums replace every error inside the
/// table (an unknown key, a wrong `kind`) with one vague message.
impl<'de> Deserialize<'de> for ProbesSetting {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = ProbesSetting;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "false, or a table `{ kind, path, port, startup, period, timeout, failures }`",
                )
            }

            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<Self::Value, E> {
                Ok(ProbesSetting::Enabled(value))
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                map: A,
            ) -> Result<Self::Value, A::Error> {
                Probes::deserialize(serde::de::value::MapAccessDeserializer::new(map))
                    .map(ProbesSetting::Table)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `probes = { kind, command, headers, path, port, startup, period, timeout, failures }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Probes {
    /// How the probes ask. Default `http` for http services, `grpc` for grpc, `tcp` otherwise.
    pub kind: Option<ProbeKindWord>,
    /// The command an `exec` probe runs in the container.
    pub command: Option<Vec<String>>,
    /// Headers an `http` probe sends, `name = value`.
    pub headers: Option<BTreeMap<String, String>>,
    /// Path of both the liveness and the readiness check of an `http` probe;
    /// `health` and `ready` set them one by one.
    pub path: Option<String>,
    /// The port probed, one of the service's ports. Default `port`.
    #[schemars(range(min = 1, max = 65535))]
    pub port: Option<u16>,
    /// How long a pod may take to start before liveness takes over, whole seconds. Default `150s`.
    pub startup: Option<String>,
    /// How often liveness and readiness ask, whole seconds. Default `10s` and `5s`.
    pub period: Option<String>,
    /// How long each check may take, whole seconds. Default `3s`.
    pub timeout: Option<String>,
    /// Failures in a row that count: liveness restarts the pod, readiness takes it out. Default 3.
    #[schemars(range(min = 1, max = 1000))]
    pub failures: Option<u32>,
}

/// How a probe asks.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ProbeKindWord {
    /// An HTTP GET of `path`: 2xx or 3xx is healthy.
    Http,
    /// The gRPC health checking protocol (`grpc.health.v1.Health/Check`).
    Grpc,
    /// A TCP connection to the port.
    Tcp,
    /// A command in the container: exit status 0 is healthy.
    Exec,
}

/// `spread = false` (no topology spread), `true` (kiln's, across nodes), or a topology key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum Spread {
    Enabled(bool),
    /// The node label pods spread across, e.g. `topology.kubernetes.io/zone`.
    Key(String),
}

impl<'de> Deserialize<'de> for Spread {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Spread;

            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("true, false or a topology key such as \"topology.kubernetes.io/zone\"")
            }

            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<Self::Value, E> {
                Ok(Spread::Enabled(value))
            }

            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Self::Value, E> {
                Ok(Spread::Key(value.to_string()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// One toleration of node taints.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Toleration {
    /// The taint key; without it, with `operator = "Exists"`, every taint.
    pub key: Option<String>,
    /// Default `Equal`.
    pub operator: Option<TolerationOperator>,
    /// The taint value, for `Equal`.
    pub value: Option<String>,
    /// The taint effect tolerated; without it, every effect.
    pub effect: Option<TaintEffect>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
pub enum TolerationOperator {
    Equal,
    Exists,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
pub enum TaintEffect {
    NoSchedule,
    PreferNoSchedule,
    NoExecute,
}

/// `service_account = { annotations }`: the service's ServiceAccount.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ServiceAccountConfig {
    /// Annotations of the ServiceAccount: Workload Identity
    /// (`iam.gke.io/gcp-service-account`), IRSA (`eks.amazonaws.com/role-arn`).
    pub annotations: Option<BTreeMap<String, String>>,
}

/// What a container may do beyond kiln's posture, named after the Linux
/// capability it stands for; every capability stays dropped. Kubernetes
/// grants a non-root process no added capability (no ambient set, and
/// `allowPrivilegeEscalation: false` voids file capabilities), so kiln gives
/// each one the way that works without root.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
pub enum Capability {
    /// Bind ports below 1024 (a server on 80 or 443), through the pod's safe,
    /// namespaced sysctl `net.ipv4.ip_unprivileged_port_start = 0`: it opens
    /// low ports of the pod's own network namespace only, touches no file,
    /// process or other pod, and Pod Security `restricted` allows it.
    #[serde(rename = "NET_BIND_SERVICE")]
    NetBindService,
}

/// One named volume of the pod, mounted into the service's container.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Volume {
    /// The volume's name, a DNS label; sidecars' `mounts` name it too.
    pub name: String,
    /// Where the service's container mounts it, an absolute path.
    pub path: String,
    /// Whether the mount is read-only. Default `true` for `config_map` and
    /// `secret`, `false` for `empty_dir` and `claim`.
    pub read_only: Option<bool>,
    /// A ConfigMap of the namespace, by name.
    pub config_map: Option<String>,
    /// A Secret of the namespace, by name: kiln never sees its values.
    pub secret: Option<String>,
    /// A scratch directory that lives as long as the pod.
    pub empty_dir: Option<EmptyDir>,
    /// An existing PersistentVolumeClaim, by name.
    pub claim: Option<String>,
}

/// `empty_dir = { medium, size }`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EmptyDir {
    /// `Memory` for a tmpfs, counted against the container's memory limit.
    pub medium: Option<EmptyDirMedium>,
    /// Most bytes it may hold, a Kubernetes quantity (`64Mi`).
    pub size: Option<String>,
}

#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize, Serialize, JsonSchema,
)]
pub enum EmptyDirMedium {
    Memory,
}

/// One more container of the pod: an init container, which runs to
/// completion before the app starts, or a sidecar, which runs beside it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Container {
    /// The container's name, a DNS label, unique in the pod.
    pub name: String,
    /// Its image, pinned like any image (`repo:tag` or `repo:tag@sha256:…`).
    pub image: String,
    /// Its entrypoint; default the image's.
    pub command: Option<Vec<String>>,
    /// Its arguments.
    pub args: Option<Vec<String>>,
    /// Plain environment variables, written into the container.
    pub env: Option<BTreeMap<String, String>>,
    /// Environment variables read from Secrets, as `VAR = "secret-name:key"`.
    pub secrets: Option<BTreeMap<String, String>>,
    /// Named ports of a sidecar: on the container, on the Service, open to callers.
    pub ports: Option<Vec<ContainerPort>>,
    /// CPU request; the limit is twice it. Default `50m`.
    pub cpu: Option<String>,
    /// Memory request; the limit is twice it. Default `64Mi`.
    pub memory: Option<String>,
    /// Volumes of the service (`volumes`) this container mounts too.
    pub mounts: Option<Vec<ContainerMount>>,
}

/// A named port of a sidecar.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerPort {
    /// The port's name, an IANA service name (`metrics`).
    pub name: String,
    #[schemars(range(min = 1, max = 65535))]
    pub port: u16,
    /// Whether Prometheus scrapes it: it becomes the service's metrics port.
    pub monitor: Option<bool>,
    /// The path Prometheus scrapes. Default `/metrics`.
    pub path: Option<String>,
}

/// A volume of the service mounted into an extra container.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContainerMount {
    /// A `volumes` name of the service, or `data` for a stateful service's volume.
    pub volume: String,
    /// Where it is mounted, an absolute path.
    pub path: String,
    /// Default `true`: extra containers read what they share unless they say so.
    pub read_only: Option<bool>,
}
