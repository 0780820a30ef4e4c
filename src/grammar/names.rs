//! Rules for the names and small strings that become Kubernetes names,
//! label values and file paths.

/// A DNS-1123 label: lowercase alphanumerics and `-`, alphanumeric at both ends.
pub fn is_dns_label(name: &str, max: usize) -> bool {
    !name.is_empty()
        && name.len() <= max
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !name.starts_with('-')
        && !name.ends_with('-')
}

/// A DNS-1035 label: a DNS-1123 label that starts with a letter (Service names).
pub fn is_dns1035_label(name: &str, max: usize) -> bool {
    is_dns_label(name, max) && name.starts_with(|c: char| c.is_ascii_lowercase())
}

/// A directory of the repo a service is built from (`apps/billing`): 1 to 8
/// `/`-separated parts of lowercase letters, digits, `.`, `-` and `_`, none
/// starting with `.` (so no `..`, no `.git`), and not under `deploy/` or
/// `argocd/`, which kiln generates. The one grammar of `source` and of the
/// Dockerfile paths the output rule accepts.
pub fn is_source_dir(dir: &str) -> bool {
    let parts: Vec<&str> = dir.split('/').collect();
    (1..=8).contains(&parts.len())
        && dir.len() <= 255
        && !matches!(parts[0], "deploy" | "argocd")
        && parts.iter().all(|part| {
            !part.is_empty()
                && !part.starts_with('.')
                && part.len() <= 63
                && part.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'.' | b'-' | b'_')
                })
        })
}

/// A DNS-1123 subdomain: dot-separated labels, at most 253 characters.
pub fn is_dns_subdomain(name: &str) -> bool {
    name.len() <= 253 && name.split('.').all(|label| is_dns_label(label, 63))
}

/// A Kubernetes label value (also what kiln accepts as a version).
pub fn is_label_value(value: &str) -> bool {
    !value.is_empty()
        && value.len() <= 63
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// A Kubernetes label key: an optional DNS subdomain and `/`, then a name
/// that follows the label value rules.
pub fn is_label_key(key: &str) -> bool {
    let (prefix, name) = match key.split_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    prefix.is_none_or(|p| !p.is_empty() && is_dns_subdomain(p)) && is_label_value(name)
}

/// An IANA service name, which Kubernetes requires of port names.
pub fn is_port_name(name: &str) -> bool {
    is_dns_label(name, 15) && name.bytes().any(|b| b.is_ascii_lowercase()) && !name.contains("--")
}

/// A C identifier, the safe subset of environment variable names.
pub fn is_env_name(name: &str) -> bool {
    !name.is_empty()
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        && !name.starts_with(|c: char| c.is_ascii_digit())
}

/// A Secret data key: `[-._a-zA-Z0-9]+`, and not `.` or `..`, which the
/// API server refuses (they would be paths when the Secret is mounted).
pub fn is_secret_key(key: &str) -> bool {
    !key.is_empty()
        && key != "."
        && key != ".."
        && key.len() <= 253
        && key
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// An absolute URL path for probes, scrapes and routes.
pub fn is_http_path(path: &str) -> bool {
    path.starts_with('/')
        && path.len() <= 1024
        && !path
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '?' | '#'))
}

/// An absolute filesystem path inside a container, without `..`.
pub fn is_container_path(path: &str) -> bool {
    path.starts_with('/')
        && path.len() > 1
        && path.len() <= 1024
        && !path.chars().any(|c| c.is_control() || c == ':')
        && !path.split('/').any(|part| part == "..")
}

/// A host name (DNS-1123 subdomain) or an IPv4 address.
pub fn is_host(host: &str) -> bool {
    is_dns_subdomain(host) || host.parse::<std::net::Ipv4Addr>().is_ok()
}

/// An Elasticsearch index prefix: lowercase letters, digits, `-`, `_` and `.`,
/// starting with a letter or digit, at most 200 characters.
pub fn is_index_prefix(prefix: &str) -> bool {
    !prefix.is_empty()
        && prefix.len() <= 200
        && prefix.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
        && prefix.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'_' | b'.')
        })
}

/// A version kiln writes as an image tag and a label: a label value, and
/// not `latest`, which would move.
pub fn is_version(version: &str) -> bool {
    is_label_value(version) && version != "latest"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_reject_paths_and_case() {
        assert!(is_dns_label("shop-1", 63));
        for bad in ["", "../x", "Shop", "-a", "a-", "a.b", "a_b", "a/b"] {
            assert!(!is_dns_label(bad, 63), "{bad}");
        }
        assert!(!is_dns1035_label("1abc", 63));
    }

    #[test]
    fn label_values_follow_kubernetes() {
        assert!(is_label_value("1.4.2"));
        assert!(is_label_value("7.2-alpine"));
        assert!(!is_label_value("1.4.2-"));
        assert!(!is_label_value(&"a".repeat(64)));
    }

    #[test]
    fn label_keys_follow_kubernetes() {
        for good in ["istio", "app.kubernetes.io/name", "a_b", "x/y"] {
            assert!(is_label_key(good), "{good}");
        }
        for bad in ["", "/istio", "a/b/c", "Istio.io/x", "-a", "a b", "istio/"] {
            assert!(!is_label_key(bad), "{bad}");
        }
    }
}
