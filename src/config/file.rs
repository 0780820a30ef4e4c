//! The whole `kiln.toml`, and its `[project]` table.

use super::{
    CiSystem, Defaults, EnvironmentConfig, ExternalSecrets, GitOps, IngressGateway, KilnSource,
    Layer, LocalRun, MeshMode, ServiceConfig, Tls, Tracing, Traffic,
};
use crate::diagnostics::KeyPath;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The whole `kiln.toml`.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Who the app is and where its images live.
    pub project: Project,
    /// Settings every service inherits unless an environment or the service says otherwise.
    #[serde(default)]
    pub defaults: Defaults,
    /// The environments to render, by name; each becomes `deploy/<env>/` and a namespace.
    #[serde(default)]
    pub environments: BTreeMap<String, EnvironmentConfig>,
    /// The services of the app, by name.
    #[serde(default)]
    pub services: BTreeMap<String, ServiceConfig>,
    /// Not part of the file: for each service with a `preset`, the preset's
    /// own table. Its service-only keys are copied into the service where it
    /// leaves them unset; its layered keys (`replicas`, `cpu`, `env`, ...)
    /// stay here, a layer of their own in `resolve`.
    #[serde(skip)]
    pub preset_layers: BTreeMap<String, ServiceConfig>,
}

/// `[project]`
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Project {
    /// Required. A DNS-1123 label; namespaces are `{name}-{env}`.
    pub name: String,
    /// Image repository prefix of built services: `{registry}/{service}:{version}`.
    pub registry: Option<String>,
    /// Owning team; becomes the `team` label on every object.
    pub team: Option<String>,
    /// CI systems to generate pipelines for.
    #[serde(default)]
    pub ci: Vec<CiSystem>,
    /// Namespace that Prometheus runs in; its pods may scrape metrics ports. Default `monitoring`.
    pub monitoring_namespace: Option<String>,
    /// Namespace of the Istio control plane and ingress gateway. Default `istio-system`.
    pub mesh_namespace: Option<String>,
    /// The ingress gateway that serves the routes, in every environment unless it says otherwise.
    pub gateway: Option<IngressGateway>,
    /// How the mesh traces requests, in every environment unless it says otherwise.
    pub tracing: Option<Tracing>,
    /// Istio objects and sidecar injection, in every environment unless it says otherwise. Default `true`.
    pub mesh: Option<bool>,
    /// How the mesh carries traffic, in every environment unless it says
    /// otherwise: `sidecar` (default) or `ambient` (ztunnel and a waypoint, no sidecars).
    pub mesh_mode: Option<MeshMode>,
    /// ServiceMonitors, PodMonitors and alert rules, in every environment unless it says otherwise. Default `true`.
    pub monitoring: Option<bool>,
    /// A Fluentd DaemonSet per environment, unless the environment says otherwise. Default `true`.
    pub logging: Option<bool>,
    /// GitOps controller to write objects for; `argocd` adds an Application per environment.
    pub gitops: Option<GitOps>,
    /// URL of the git repository that holds this `kiln.toml`; required with `gitops`.
    pub repo_url: Option<String>,
    /// The branch pipelines deploy from and Argo CD follows. Default `main`.
    pub branch: Option<String>,
    /// Where the pipelines' drift job gets kiln to run `kiln check` and
    /// `kiln diff`. Without it, the job checks the generated files against
    /// `kiln.lock` with `sha256sum` only. Needs `ci`.
    pub kiln: Option<KilnSource>,
    // Local development (issue 17).
    /// `compose`: also write `compose.yaml` at the repo root, which runs the
    /// services of `local_env` with `docker compose`, and a `.env.local`
    /// skeleton for their secrets (names only, written once).
    pub local: Option<LocalRun>,
    /// The environment `compose.yaml` runs: its services, versions, `env`
    /// and secrets. Default `dev`. Needs `local`.
    pub local_env: Option<String>,
    // Secrets from a store (issue 17).
    /// Where the Secrets that services' `secrets` reference come from: an
    /// External Secrets Operator store, in every environment unless it says otherwise.
    pub external_secrets: Option<ExternalSecrets>,
    // Traffic APIs (issue 16), in every environment unless it says otherwise.
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
}

impl Config {
    /// Every table that may set layered settings, with its key: `[defaults]`,
    /// each `[environments.E]`, then each service's table and its own
    /// environments' tables.
    pub fn layers(&self) -> Vec<(KeyPath, Layer<'_>)> {
        let mut tables = vec![(KeyPath::new(&["defaults"]), self.defaults.layer())];
        for (name, environment) in &self.environments {
            tables.push((KeyPath::new(&["environments", name]), environment.layer()));
        }
        for (name, service) in &self.services {
            let key = KeyPath::new(&["services", name]);
            tables.push((key.clone(), service.layer()));
            for (environment, overrides) in service.environments.iter().flatten() {
                tables.push((key.key("environments").key(environment), overrides.layer()));
            }
        }
        tables
    }
}
