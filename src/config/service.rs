//! `[services.S]`, declared once: its fields, and from that one list the
//! preset merge, the list of service-only keys that `kiln explain` shows,
//! and (through the schemars derive) the JSON Schema.

use super::layers::layered;
use super::whole::{id_option, port_option, ports_option, replicas_option};
use super::{
    Autoscale, Canary, Capability, ConnectionPool, Container, Egress, EnvFrom, Kind, Language,
    Layer, Metrics, OutlierDetection, ProbesSetting, Protocol, RetrySetting, RouteRule,
    ServiceAccountConfig, ServiceEnvironmentConfig, ServiceType, SplitSetting, Spread, Toleration,
    VersionConfig, Volume,
};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Declares `ServiceConfig` with the layered settings (`layered!`), then
/// its own keys in three groups, and derives from the groups:
///
/// - `ServiceKey`, one variant per service-only key (`preset` and every key
///   a preset may set), with `ServiceKey::ALL` in the order `kiln explain`
///   shows them and `ServiceKey::name`;
/// - `ServiceConfig::fill_from`, which copies a preset's value of each key
///   of the `from_preset` group where the service leaves it unset;
/// - `ServiceConfig::value_of`, the value of a key as written.
///
/// So a key added here is merged from presets, listed by `explain` and in
/// the schema without another line, and `explain` does not compile until
/// its `default_of` says what the key's built-in default is: its match on
/// `ServiceKey` is exhaustive.
macro_rules! service_table {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            own { $($(#[$ometa:meta])* $ovariant:ident => $ofield:ident: Option<$oty:ty>,)* }
            from_preset { $($(#[$pmeta:meta])* $pvariant:ident => $pfield:ident: Option<$pty:ty>,)* }
            tables { $($(#[$tmeta:meta])* $tfield:ident: $tty:ty,)* }
        }
    ) => {
        layered! {
            $(#[$meta])*
            pub struct $name {
                $($(#[$ometa])* pub $ofield: Option<$oty>,)*
                $($(#[$pmeta])* pub $pfield: Option<$pty>,)*
                $($(#[$tmeta])* pub $tfield: $tty,)*
            }
        }

        /// A service-only key of `[services.S]`: not layered, set by the
        /// service's own table or its preset.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ServiceKey {
            $($ovariant,)*
            $($pvariant,)*
        }

        impl ServiceKey {
            /// Every service-only key: those a preset may set, in the order
            /// `docs/config.md` lists them, then the service's own.
            pub const ALL: &'static [ServiceKey] = &[
                $(ServiceKey::$pvariant,)*
                $(ServiceKey::$ovariant,)*
            ];

            /// The key as `kiln.toml` spells it.
            pub fn name(self) -> &'static str {
                match self {
                    $(ServiceKey::$ovariant => stringify!($ofield),)*
                    $(ServiceKey::$pvariant => stringify!($pfield),)*
                }
            }
        }

        impl $name {
            /// Copies the preset's service-only keys into the service where
            /// it has none. The layered keys stay in the preset's own layer
            /// (`Config::preset_layers`), between the environment and the service.
            pub fn fill_from(&mut self, preset: &$name) {
                $(if self.$pfield.is_none() {
                    self.$pfield = preset.$pfield.clone();
                })*
            }

            /// The value of `key` as written in this table, if set.
            pub fn value_of(&self, key: ServiceKey) -> Option<serde_json::Value> {
                match key {
                    $(ServiceKey::$ovariant => serde_json::to_value(self.$ofield.as_ref()?).ok(),)*
                    $(ServiceKey::$pvariant => serde_json::to_value(self.$pfield.as_ref()?).ok(),)*
                }
            }
        }
    };
}

service_table! {
    /// `[services.S]`
    pub struct ServiceConfig {
        own {
            /// A bundled service archetype to start from (`kiln presets list`):
            /// its settings apply unless this service sets them.
            Preset => preset: Option<String>,
            // The build context (issue 15, branch shape): the service's own, never a preset's.
            /// Repo directory a built service is built from, and where its
            /// Dockerfile is written. Default `services/<name>`.
            Source => source: Option<String>,
        }
        from_preset {
            /// Workload kind. Default `web`.
            Kind => kind: Option<Kind>,
            /// Language of a built service.
            Language => language: Option<Language>,
            /// Image tag of a built service.
            Version => version: Option<String>,
            /// A third-party image (`redis:7.2-alpine`) instead of `language` + `version`.
            Image => image: Option<String>,
            /// The port the service listens on.
            #[serde(default, deserialize_with = "port_option")]
            Port => port: Option<u16>,
            /// Protocol of `port`. Default `http` for built services, `tcp` for images.
            Protocol => protocol: Option<Protocol>,
            /// More named ports, `name = number`.
            #[serde(default, deserialize_with = "ports_option")]
            Ports => ports: Option<BTreeMap<String, u16>>,
            /// Path prefix exposed through the environment's gateway.
            Route => route: Option<String>,
            /// Services this one talks to.
            Calls => calls: Option<Vec<String>>,
            /// Liveness probe path. Default `/healthz`.
            Health => health: Option<String>,
            /// Readiness probe path. Default `/ready`.
            Ready => ready: Option<String>,
            /// Metrics path, or `false`.
            Metrics => metrics: Option<Metrics>,
            /// Port serving metrics. Default `port`.
            #[serde(default, deserialize_with = "port_option")]
            MetricsPort => metrics_port: Option<u16>,
            /// Canary deployment.
            Canary => canary: Option<Canary>,
            /// How long the mesh waits for an answer to a routed or canaried request. Default `15s`.
            Timeout => timeout: Option<String>,
            /// Limits of the DestinationRule's connection pool.
            ConnectionPool => connection_pool: Option<ConnectionPool>,
            /// When the mesh ejects a failing pod from the load-balancing pool.
            OutlierDetection => outlier_detection: Option<OutlierDetection>,
            /// How often Prometheus scrapes the metrics port. Default `30s`.
            ScrapeInterval => scrape_interval: Option<String>,
            /// Volume size of a stateful service.
            Storage => storage: Option<String>,
            /// Where the volume of a stateful service is mounted.
            DataPath => data_path: Option<String>,
            /// Cron schedule of a cronjob.
            Schedule => schedule: Option<String>,
            /// Container arguments.
            Args => args: Option<Vec<String>>,
            /// Numeric user the container runs as.
            #[serde(default, deserialize_with = "id_option")]
            #[schemars(range(max = 2147483647))]
            RunAsUser => run_as_user: Option<u32>,
            /// Numeric group the container runs as, and owner group of volumes.
            #[serde(default, deserialize_with = "id_option")]
            #[schemars(range(max = 2147483647))]
            RunAsGroup => run_as_group: Option<u32>,
            /// Whether the root filesystem is read-only. Default `true`.
            ReadOnlyRoot => read_only_root: Option<bool>,
            /// Absolute paths that get a writable emptyDir.
            WritablePaths => writable_paths: Option<Vec<String>>,
            /// Destinations outside the cluster this service may open connections to.
            Egress => egress: Option<Vec<Egress>>,
            /// Image the Dockerfile builds in, pinned (`node:22.12.0-alpine3.21`).
            /// Default: kiln's pinned image for `language`.
            BuildImage => build_image: Option<String>,
            /// Image the Dockerfile's final stage runs on, pinned. Default: kiln's
            /// pinned small image for `language`.
            RuntimeImage => runtime_image: Option<String>,
            // Pod spec keys (issue 15, podspec).
            /// The container's entrypoint, replacing the image's.
            Command => command: Option<Vec<String>>,
            /// Probes: `false` for none, or a table that changes kiln's.
            Probes => probes: Option<ProbesSetting>,
            /// A command the container runs before it gets SIGTERM (`lifecycle.preStop`).
            PreStop => pre_stop: Option<Vec<String>>,
            /// The service's ServiceAccount: `{ annotations }`.
            ServiceAccount => service_account: Option<ServiceAccountConfig>,
            /// Linux capabilities the container adds; every other stays dropped.
            Capabilities => capabilities: Option<Vec<Capability>>,
            /// Named volumes from a ConfigMap, a Secret, an emptyDir or an existing claim.
            Volumes => volumes: Option<Vec<Volume>>,
            /// Small config files, `"/absolute/path" = "contents"`, in a generated ConfigMap, mounted read-only.
            Files => files: Option<BTreeMap<String, String>>,
            /// StorageClass of a stateful service's volume. Default: the cluster's default class.
            StorageClass => storage_class: Option<String>,
            /// Containers that run to completion, in order, before the app starts.
            InitContainers => init_containers: Option<Vec<Container>>,
            /// Containers that run beside the app (Kubernetes native sidecars).
            Sidecars => sidecars: Option<Vec<Container>>,
            // Service shape and the downward API (issue 15, branch shape).
            /// Port of the Service in front of `port`, when callers use
            /// another number than the container (80 in front of 8080). Default `port`.
            #[serde(default, deserialize_with = "port_option")]
            ServicePort => service_port: Option<u16>,
            /// Type of the Service. Default `ClusterIP`.
            ServiceType => service_type: Option<ServiceType>,
            /// Node port of `port` with `NodePort` or `LoadBalancer`, 30000–32767.
            /// Default: Kubernetes picks one.
            #[serde(default, deserialize_with = "port_option")]
            NodePort => node_port: Option<u16>,
            /// Variables from the pod's own fields (downward API), `VAR = "status.podIP"`.
            EnvFields => env_fields: Option<BTreeMap<String, String>>,
            /// Every key of Secrets and ConfigMaps, by reference.
            EnvFrom => env_from: Option<Vec<EnvFrom>>,
            // Request matches (issue 16, branch routes).
            /// Requests matched by path, headers or query, each sent to a
            /// track, in order, before the default split.
            Routes => routes: Option<Vec<RouteRule>>,
            // Version splits (issue 16, branch versions).
            /// Versions of the service side by side, each with its share of
            /// the traffic: `name = { version, image, weight, env, replicas }`.
            #[schemars(extend("propertyNames" = { "pattern": "^[a-z]([-a-z0-9]*[a-z0-9])?$" }, "minProperties" = 2, "maxProperties" = 10))]
            Versions => versions: Option<BTreeMap<String, VersionConfig>>,
        }
        tables {
            /// Per-environment overrides.
            environments: Option<BTreeMap<String, ServiceEnvironmentConfig>>,
        }
    }
}

impl ServiceConfig {
    /// The traffic split in `environment` and the environment whose table
    /// sets it (`None`: the service's own). A `canary` or `versions` of
    /// `[services.S.environments.E]` replaces the service's split whole.
    /// `versions` wins over a `canary` of the same table, which is an error.
    pub fn split_in(&self, environment: &str) -> Option<(Option<&str>, SplitSetting<'_>)> {
        fn of<'a>(
            versions: &'a Option<BTreeMap<String, VersionConfig>>,
            canary: &'a Option<Canary>,
        ) -> Option<SplitSetting<'a>> {
            versions
                .as_ref()
                .map(SplitSetting::Versions)
                .or(canary.as_ref().map(SplitSetting::Canary))
        }
        let own = self
            .environments
            .as_ref()
            .and_then(|e| e.get_key_value(environment))
            .and_then(|(name, o)| Some((Some(name.as_str()), of(&o.versions, &o.canary)?)));
        own.or_else(|| Some((None, of(&self.versions, &self.canary)?)))
    }

    /// Its `[services.S.environments.E]` table for `environment`, if any.
    pub fn overrides_in(&self, environment: &str) -> Option<&ServiceEnvironmentConfig> {
        self.environments.as_ref()?.get(environment)
    }

    /// `calls` in `environment`: its `[services.S.environments.E]` list if
    /// it has one (which replaces the service's), else the service's.
    pub fn calls_in(&self, environment: &str) -> &[String] {
        self.overrides_in(environment)
            .and_then(|o| o.calls.as_deref())
            .or(self.calls.as_deref())
            .unwrap_or_default()
    }

    /// Whether the service is in `environment`: `enabled = false` in its
    /// `[services.S.environments.E]` leaves it out.
    pub fn enabled_in(&self, environment: &str) -> bool {
        self.overrides_in(environment)
            .and_then(|o| o.enabled)
            .unwrap_or(true)
    }

    /// `routes` in `environment`, replaced as `calls` is.
    pub fn routes_in(&self, environment: &str) -> &[RouteRule] {
        self.overrides_in(environment)
            .and_then(|o| o.routes.as_deref())
            .or(self.routes.as_deref())
            .unwrap_or_default()
    }

    /// `egress` in `environment`, replaced as `calls` is.
    pub fn egress_in(&self, environment: &str) -> &[Egress] {
        self.overrides_in(environment)
            .and_then(|o| o.egress.as_deref())
            .or(self.egress.as_deref())
            .unwrap_or_default()
    }

    /// The ports callers reach a service on: the main port and any extra ports.
    pub fn serving_ports(&self) -> Vec<u16> {
        let mut ports: Vec<u16> = self
            .port
            .into_iter()
            .chain(self.ports.iter().flatten().map(|(_, p)| *p))
            // Sidecars' ports are the service's too: on its Service, open to callers.
            .chain(self.sidecar_ports().map(|(_, p)| p.port))
            .collect();
        ports.sort_unstable();
        ports.dedup();
        ports
    }
}

impl ServiceConfig {
    /// Every port of every sidecar, with the sidecar's name.
    pub fn sidecar_ports(&self) -> impl Iterator<Item = (&str, &crate::config::ContainerPort)> {
        self.sidecars
            .iter()
            .flatten()
            .flat_map(|c| c.ports.iter().flatten().map(|p| (c.name.as_str(), p)))
    }

    /// The sidecar port Prometheus scrapes, if one says `monitor = true`.
    pub fn monitored_sidecar_port(&self) -> Option<&crate::config::ContainerPort> {
        self.sidecar_ports()
            .map(|(_, p)| p)
            .find(|p| p.monitor == Some(true))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A service table with every service-only key set that a preset may set.
    const EVERY_KEY: &str = r#"
kind = "web"
language = "go"
version = "1.0.0"
image = "redis:7.2-alpine"
port = 8080
protocol = "http"
ports = { admin = 9000 }
route = "/api"
calls = ["b"]
health = "/h"
ready = "/r"
metrics = "/m"
metrics_port = 9100
canary = { version = "1.1.0", weight = 10 }
timeout = "3s"
connection_pool = { max_connections = 5 }
outlier_detection = { interval = "5s" }
scrape_interval = "15s"
storage = "1Gi"
data_path = "/data"
schedule = "@daily"
args = ["--x"]
run_as_user = 1000
run_as_group = 1000
read_only_root = false
writable_paths = ["/cache"]
egress = [{ cidr = "10.0.0.0/8", port = 443 }]
build_image = "golang:1.23.4"
runtime_image = "alpine:3.21.3"
command = ["/app"]
probes = false
pre_stop = ["sleep", "5"]
service_account = { annotations = { "eks.amazonaws.com/role-arn" = "arn:aws:iam::1:role/x" } }
capabilities = ["NET_BIND_SERVICE"]
volumes = [{ name = "cache", path = "/cache", empty_dir = {} }]
files = { "/etc/app.conf" = "x" }
storage_class = "fast"
init_containers = [{ name = "init", image = "busybox:1.37.0" }]
sidecars = [{ name = "exporter", image = "busybox:1.37.0" }]
service_port = 80
service_type = "NodePort"
node_port = 30080
env_fields = { POD_IP = "status.podIP" }
env_from = [{ secret = "s" }]
routes = [{ headers = { end-user = "jason" }, to = "stable" }]
"#;

    /// The one declaration is the schema's: every property of
    /// `[services.S]` is a layered key, `environments`, or a `ServiceKey`.
    #[test]
    fn every_key_of_the_schema_is_a_service_key_or_layered() {
        let schema = serde_json::to_value(schemars::schema_for!(ServiceConfig)).unwrap();
        let properties: Vec<&str> = schema["properties"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let layered = serde_json::to_value(schemars::schema_for!(super::super::Defaults)).unwrap();
        for property in &properties {
            let is_layered = layered["properties"].get(*property).is_some();
            let is_key = ServiceKey::ALL.iter().any(|k| k.name() == *property);
            assert!(
                is_layered ^ is_key || *property == "environments",
                "`{property}`"
            );
        }
        for key in ServiceKey::ALL {
            assert!(properties.contains(&key.name()), "`{}`", key.name());
        }
    }

    /// A preset's value of every key it may set reaches a service that
    /// leaves the key unset, and never one that sets it.
    #[test]
    fn fill_from_copies_every_key_a_preset_may_set() {
        let preset: ServiceConfig = toml::from_str(EVERY_KEY).unwrap();
        let mut empty = ServiceConfig::default();
        empty.fill_from(&preset);
        let mut own = preset.clone();
        own.port = Some(1);
        own.fill_from(&ServiceConfig {
            port: Some(2),
            ..ServiceConfig::default()
        });
        assert_eq!(own.port, Some(1));
        for &key in ServiceKey::ALL {
            if matches!(
                key,
                ServiceKey::Preset | ServiceKey::Source | ServiceKey::Versions
            ) {
                assert_eq!(empty.value_of(key), None, "a service's own key");
                continue;
            }
            assert!(
                preset.value_of(key).is_some(),
                "set `{}` in EVERY_KEY",
                key.name()
            );
            assert_eq!(
                empty.value_of(key),
                preset.value_of(key),
                "`{}`",
                key.name()
            );
        }
    }
}

#[cfg(test)]
mod split_tests {
    use super::*;

    fn service(toml: &str) -> ServiceConfig {
        toml::from_str(toml).unwrap()
    }

    fn tracks(service: &ServiceConfig, environment: &str) -> Vec<(String, u32, Option<String>)> {
        let (_, split) = service.split_in(environment).unwrap();
        split
            .tracks()
            .into_iter()
            .map(|t| (t.name, t.weight, t.version))
            .collect()
    }

    #[test]
    fn a_canary_lowers_to_stable_and_canary() {
        let canary = service(r#"canary = { version = "1.1.0", weight = 10 }"#);
        assert_eq!(
            tracks(&canary, "dev"),
            [
                ("stable".into(), 90, None),
                ("canary".into(), 10, Some("1.1.0".into()))
            ]
        );
    }

    #[test]
    fn versions_put_the_own_entry_first_then_the_others_by_name() {
        let versions = service(
            r#"
[versions]
b = { version = "2.0.0", weight = 20 }
z = { weight = 50 }
a = { version = "3.0.0", weight = 30 }
"#,
        );
        let names: Vec<String> = tracks(&versions, "dev").into_iter().map(|t| t.0).collect();
        assert_eq!(names, ["z", "a", "b"]);
    }

    #[test]
    fn an_environment_s_split_replaces_the_service_s_whole() {
        let layered = service(
            r#"
canary = { version = "1.1.0", weight = 10 }
[environments.prod.versions]
v1 = { weight = 50 }
v2 = { version = "2.0.0", weight = 50 }
"#,
        );
        let (own, split) = layered.split_in("prod").unwrap();
        assert_eq!((own, split.key()), (Some("prod"), "versions"));
        let (own, split) = layered.split_in("dev").unwrap();
        assert_eq!((own, split.key()), (None, "canary"));
        assert!(service("").split_in("dev").is_none());
    }
}
