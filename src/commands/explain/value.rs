//! Values as `kiln explain` shows them: inline TOML, as a `kiln.toml`
//! would write them.

use crate::model::ProbeTiming;
use serde_json::Value;

/// A probe's timing as an inline TOML table.
pub(super) fn timing_value(timing: ProbeTiming) -> String {
    format!(
        "{{ period_seconds = {}, timeout_seconds = {}, failure_threshold = {} }}",
        timing.period_seconds, timing.timeout_seconds, timing.failure_threshold
    )
}

/// Labels as an inline TOML table.
pub(super) fn inline_labels(labels: &crate::model::Labels) -> String {
    let pairs: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{} = {}", toml_key(k), quote(v)))
        .collect();
    format!("{{ {} }}", pairs.join(", "))
}

/// A TOML key, quoted unless bare.
fn toml_key(key: &str) -> String {
    if !key.is_empty()
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        key.to_string()
    } else {
        quote(key)
    }
}

/// The effective retry policy as TOML would write it.
pub(super) fn retries_value(retries: &crate::model::RetriesView) -> String {
    if retries.attempts == 0 {
        return "false".to_string();
    }
    let on: Vec<String> = retries.retry_on.split(',').map(quote).collect();
    match &retries.per_try_timeout {
        Some(per_try) => format!(
            "{{ attempts = {}, on = [{}], per_try_timeout = {} }}",
            retries.attempts,
            on.join(", "),
            quote(per_try)
        ),
        None => format!(
            "{{ attempts = {}, on = [{}] }}",
            retries.attempts,
            on.join(", ")
        ),
    }
}

/// A JSON value as inline TOML.
pub(super) fn inline(value: &Value) -> String {
    match value {
        Value::String(s) => quote(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(inline).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let items: Vec<String> = map
                .iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| format!("{k} = {}", inline(v)))
                .collect();
            format!("{{ {} }}", items.join(", "))
        }
        other => other.to_string(),
    }
}

/// A probe kind as `probes.kind` spells it.
pub(super) fn probe_kind(kind: crate::model::ProbeKind) -> &'static str {
    match kind {
        crate::model::ProbeKind::Http => "http",
        crate::model::ProbeKind::Grpc => "grpc",
        crate::model::ProbeKind::Tcp => "tcp",
        crate::model::ProbeKind::Exec => "exec",
    }
}

/// A TOML basic string.
pub(super) fn quote(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_default()
}
