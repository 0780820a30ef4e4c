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

/// A Secret data key.
pub fn is_secret_key(key: &str) -> bool {
    !key.is_empty()
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
}
