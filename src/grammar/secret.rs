//! Secret references: `secret-name:key`, the one way `kiln.toml` names a
//! secret value, which kiln never sees.

use super::names;

/// Splits `secret-name:key`, when both parts are valid.
pub fn parse_secret_ref(reference: &str) -> Option<(&str, &str)> {
    let (name, key) = reference.split_once(':')?;
    (names::is_dns_subdomain(name) && names::is_secret_key(key)).then_some((name, key))
}
