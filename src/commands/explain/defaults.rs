//! The built-in default of each service key: what kiln uses when no layer
//! sets it, read from the resolved service.

use super::value::{probe_kind, quote};
use crate::config::ServiceKey;
use crate::model::{Model, Service};
use crate::resolve::builtin;

/// What kiln uses when no layer sets `key`, from the resolved service;
/// `None` where nothing is used (no route, no canary, ...). Every key is
/// named, so a new key does not compile until it says.
pub(super) fn default_of(key: ServiceKey, service: &Service, model: &Model) -> Option<String> {
    let build = model
        .delivery
        .builds
        .iter()
        .find(|b| b.service == service.name);
    Some(match key {
        ServiceKey::Kind => quote(service.kind.as_str()),
        ServiceKey::Version if !service.version.is_empty() => quote(&service.version),
        ServiceKey::Image => quote(&service.image),
        ServiceKey::Protocol => quote(service.ports.first()?.protocol.as_str()),
        ServiceKey::Health => quote(&service.probes.as_ref()?.liveness_path),
        ServiceKey::Ready => quote(&service.probes.as_ref()?.readiness_path),
        ServiceKey::Metrics => match &service.metrics {
            Some(metrics) => quote(&metrics.path),
            None => "false".to_string(),
        },
        ServiceKey::MetricsPort => service.metrics.as_ref()?.port.to_string(),
        ServiceKey::Timeout => quote(builtin::TIMEOUT),
        ServiceKey::ConnectionPool => format!(
            "{{ max_connections = {}, max_pending_requests = {}, max_requests = {} }}",
            builtin::MAX_CONNECTIONS,
            builtin::MAX_PENDING_REQUESTS,
            builtin::MAX_REQUESTS
        ),
        ServiceKey::OutlierDetection => format!(
            "{{ consecutive_5xx_errors = {}, interval = {}, base_ejection_time = {}, max_ejection_percent = {} }}",
            builtin::CONSECUTIVE_5XX_ERRORS,
            quote(builtin::OUTLIER_INTERVAL),
            quote(builtin::BASE_EJECTION_TIME),
            builtin::MAX_EJECTION_PERCENT
        ),
        ServiceKey::ScrapeInterval => quote(builtin::SCRAPE_INTERVAL),
        ServiceKey::DataPath => quote(&service.storage.as_ref()?.path),
        ServiceKey::RunAsUser => service.security.run_as_user.to_string(),
        ServiceKey::RunAsGroup => service.security.run_as_group.to_string(),
        ServiceKey::ReadOnlyRoot => service.security.read_only_root.to_string(),
        ServiceKey::WritablePaths => {
            let paths: Vec<String> = service
                .scratch
                .iter()
                .filter(|m| m.path != "/tmp")
                .map(|m| quote(&m.path))
                .collect();
            format!("[{}]", paths.join(", "))
        }
        ServiceKey::Probes => match &service.probes {
            Some(probes) => format!("{{ kind = {} }}", quote(probe_kind(probes.kind))),
            None => "false".to_string(),
        },
        ServiceKey::Capabilities => "[]".to_string(),
        ServiceKey::BuildImage => quote(&build?.build_image),
        ServiceKey::Source => quote(&build?.context),
        ServiceKey::ServicePort if service.has_service => {
            service.ports.first()?.service_port.to_string()
        }
        ServiceKey::ServiceType if service.has_service => quote(service.service_type.as_str()),
        ServiceKey::RuntimeImage => quote(&build?.runtime_image),
        // A built service's version is its own; `image` carries its tag.
        ServiceKey::Version
        | ServiceKey::Preset
        | ServiceKey::Language
        | ServiceKey::Port
        | ServiceKey::Ports
        | ServiceKey::Route
        | ServiceKey::Calls
        | ServiceKey::Canary
        | ServiceKey::Storage
        | ServiceKey::Schedule
        | ServiceKey::Args
        | ServiceKey::Egress
        // The image's entrypoint, no hook, kiln's ServiceAccount, volumes and
        // files of its own only, the cluster's default StorageClass.
        | ServiceKey::Command
        | ServiceKey::PreStop
        | ServiceKey::ServiceAccount
        | ServiceKey::Volumes
        | ServiceKey::Files
        | ServiceKey::StorageClass
        | ServiceKey::InitContainers
        | ServiceKey::Sidecars

        | ServiceKey::ServicePort
        | ServiceKey::ServiceType
        // Kubernetes picks a free node port; kiln cannot know which.
        | ServiceKey::NodePort
        | ServiceKey::EnvFields
        | ServiceKey::EnvFrom
        | ServiceKey::Routes
        | ServiceKey::Versions => return None,
    })
}
