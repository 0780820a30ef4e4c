//! Fluentd's objects' files, under `logging/`.

use crate::model::{Environment, EnvironmentFile};
use crate::output::paths;

/// Where Fluentd's configuration is written; its ConfigMap holds its text,
/// its DaemonSet its checksum.
const FLUENT_CONF: &str = "fluentd/fluent.conf.tera";

/// Fluentd's namespace, its access rights, configuration and DaemonSet.
pub fn environment_files(environment: &Environment, out: &mut Vec<EnvironmentFile>) {
    if environment.logging.is_none() {
        return;
    }
    for (template, file) in [
        ("fluentd/namespace.yaml.tera", "namespace.yaml"),
        ("fluentd/resourcequota.yaml.tera", "resourcequota.yaml"),
        ("fluentd/networkpolicy.yaml.tera", "networkpolicy.yaml"),
        ("fluentd/serviceaccount.yaml.tera", "serviceaccount.yaml"),
        ("fluentd/clusterrole.yaml.tera", "clusterrole.yaml"),
        (
            "fluentd/clusterrolebinding.yaml.tera",
            "clusterrolebinding.yaml",
        ),
        ("fluentd/configmap.yaml.tera", "configmap.yaml"),
        ("fluentd/daemonset.yaml.tera", "daemonset.yaml"),
    ] {
        out.push(EnvironmentFile {
            template,
            path: paths::logging_file(file),
            fluent_conf: Some(FLUENT_CONF),
            // Both carry the rendered fluent.conf: its text, or its checksum.
            embeds: matches!(file, "configmap.yaml" | "daemonset.yaml").then_some(FLUENT_CONF),
        });
    }
}
