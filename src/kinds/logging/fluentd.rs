//! Fluentd for one environment, in its own namespace: everything its
//! templates lay out.

use crate::config::{Config, Scheme};
use crate::grammar::secret::parse_secret_ref;
use crate::model::*;
use crate::resolve::{builtin, common_labels};

/// Fluentd's namespace: its own, so that its hostPath volumes, root user and
/// node-count of pods touch neither the app's Pod Security level nor its quota.
pub fn logging_namespace(namespace: &str) -> String {
    format!("{namespace}-logging")
}

/// Fluentd for one environment.
pub fn logging(
    config: &Config,
    project: &ProjectView,
    environment: &str,
    namespace: &str,
) -> Logging {
    let logging_namespace = logging_namespace(namespace);
    let mut labels = common_labels(project);
    let selector = Labels::from([
        ("app.kubernetes.io/name".to_string(), "fluentd".to_string()),
        (
            "app.kubernetes.io/instance".to_string(),
            logging_namespace.clone(),
        ),
    ]);
    labels.extend(selector.clone());
    labels.insert("app.kubernetes.io/component".into(), "logging".into());
    let mut namespace_labels = labels.clone();
    // hostPath volumes are refused by the baseline and restricted levels.
    namespace_labels.insert(
        "pod-security.kubernetes.io/enforce".into(),
        "privileged".into(),
    );
    // Fluentd talks to the API server and Elasticsearch, neither in the mesh.
    namespace_labels.insert("istio-injection".into(), "disabled".into());
    let elasticsearch = config.environments[environment]
        .elasticsearch
        .as_ref()
        .map(|es| ElasticsearchView {
            host: es.host.clone(),
            port: es.port.unwrap_or(builtin::ELASTICSEARCH_PORT),
            scheme: es.scheme.unwrap_or(Scheme::Https),
            index_prefix: es
                .index_prefix
                .clone()
                .unwrap_or_else(|| namespace.to_string()),
            user: es.user.clone(),
            password: es
                .password
                .as_deref()
                .and_then(parse_secret_ref)
                .map(|(secret, key)| SecretEnv {
                    // fluent.conf.tera reads the password by this name.
                    var: "FLUENT_ELASTICSEARCH_PASSWORD".into(),
                    secret: secret.into(),
                    key: key.into(),
                }),
        });
    let mut egress_ports = builtin::API_SERVER_PORTS.to_vec();
    egress_ports.extend(elasticsearch.as_ref().map(|es| es.port));
    egress_ports.sort_unstable();
    egress_ports.dedup();
    Logging {
        name: "fluentd".into(),
        cluster_role: format!("{logging_namespace}-fluentd"),
        image: builtin::FLUENTD_IMAGE.into(),
        resources: Resources {
            cpu_request: builtin::FLUENTD_CPU.into(),
            cpu_limit: builtin::FLUENTD_CPU_LIMIT.into(),
            memory_request: builtin::FLUENTD_MEMORY.into(),
            memory_limit: builtin::FLUENTD_MEMORY_LIMIT.into(),
        },
        // Kubernetes names these files `<pod>_<namespace>_<container>-<id>.log`;
        // pod names cannot hold `_`, so this matches exactly one namespace.
        tail_path: format!("/var/log/containers/*_{namespace}_*.log"),
        state_dir: format!("/var/lib/fluentd/{namespace}"),
        state_mount: STATE_MOUNT.into(),
        pos_file: format!("{STATE_MOUNT}/containers.log.pos"),
        buffer_path: format!("{STATE_MOUNT}/buffer"),
        noise: PROBE_LINE.into(),
        monitor_port: MONITOR_PORT,
        elasticsearch,
        egress_ports,
        namespace: logging_namespace,
        labels,
        selector,
        namespace_labels,
    }
}

/// Where Fluentd keeps its state inside the container.
const STATE_MOUNT: &str = "/var/lib/fluentd";

/// Fluentd's `monitor_agent` port, which the kubelet probes.
const MONITOR_PORT: u16 = 24220;

/// A log line of a kubelet probe: the user agent `kube-probe/<major>.<minor>`
/// (a `+` after the minor on some managed clusters) as a field of its own,
/// quoted as access logs and JSON write it, or last on the line. Nothing else
/// is matched, so no request from anyone else is dropped, whatever its path
/// (`GET /`, `GET /healthz`) or query (in `?q=kube-probe/1.30` it follows
/// `=`). Ruby regex, in the subset the `regex` crate reads alike
/// (tests/fluentconf.rs runs it over real-looking lines).
const PROBE_LINE: &str = r#"(?:^|[ "])kube-probe/[0-9]+\.[0-9]+\+?(?:"|$)"#;
