//! The words of the logging keys' problems.

use crate::diagnostics::{KeyPath, Problem};

impl Problem {
    pub fn logging_namespace_too_long(key: &KeyPath, namespace: &str) -> Self {
        Problem::at(
            key,
            format!("the logging namespace `{namespace}` of `{key}` is longer than 63 characters"),
            Some(
                "Fluentd runs in `{namespace}-logging`: shorten the project or environment name or `namespace`, or set `logging = false`"
                    .to_string(),
            ),
        )
    }

    pub fn bad_host(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a host name or IPv4 address"),
            Some(
                "use a lowercase DNS name such as `logs.example.com`, without a scheme or port"
                    .to_string(),
            ),
        )
    }

    pub fn bad_index_prefix(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a usable Elasticsearch index prefix"),
            Some(
                "use at most 200 lowercase letters, digits, `-`, `_` and `.`, starting with a letter or digit"
                    .to_string(),
            ),
        )
    }
}
