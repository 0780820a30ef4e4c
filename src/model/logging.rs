//! Fluentd, the logging layer of one environment.

use super::{Labels, Resources, SecretEnv};
use crate::config::Scheme;
use serde::Serialize;

/// Fluentd: its namespace, access rights, configuration and DaemonSet.
#[derive(Debug, Clone, Serialize)]
pub struct Logging {
    pub namespace: String,
    pub name: String,
    pub labels: Labels,
    pub selector: Labels,
    /// Labels of the Namespace object itself (Pod Security, no sidecar).
    pub namespace_labels: Labels,
    pub cluster_role: String,
    pub image: String,
    pub resources: Resources,
    /// `/var/log/containers` files of this environment's pods.
    pub tail_path: String,
    /// On the node, survives pod restarts: tail positions and the file buffer.
    pub state_dir: String,
    /// Where `state_dir` is mounted in the container.
    pub state_mount: String,
    /// Tail positions, under `state_mount`.
    pub pos_file: String,
    /// The Elasticsearch output's file buffer, under `state_mount`.
    pub buffer_path: String,
    /// Regular expression of the lines dropped as health-check noise: the
    /// kubelet's probes, by their user agent.
    pub noise: String,
    /// Port of Fluentd's `monitor_agent`, which its probes ask.
    pub monitor_port: u16,
    pub elasticsearch: Option<ElasticsearchView>,
    /// TCP ports Fluentd may open connections to, anywhere: the API server and Elasticsearch.
    pub egress_ports: Vec<u16>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ElasticsearchView {
    pub host: String,
    pub port: u16,
    pub scheme: Scheme,
    pub index_prefix: String,
    pub user: Option<String>,
    pub password: Option<SecretEnv>,
}
