//! Image references as container runtimes read them: the grammar of the OCI
//! distribution reference (`distribution/reference`), which Docker, containerd
//! and CRI-O share. A reference the kubelet cannot pull is refused here, with
//! the part that is wrong named.
//!
//! ```text
//! reference  := name [ ":" tag ] [ "@" digest ]
//! name       := [ domain "/" ] path
//! domain     := host [ ":" port ]         host: DNS name, IPv4, or [IPv6]
//! path       := component ( "/" component )*
//! component  := [a-z0-9]+ ( ( "." | "_" | "__" | "-"+ ) [a-z0-9]+ )*
//! tag        := [A-Za-z0-9_] [A-Za-z0-9_.-]{0,127}
//! digest     := "sha256:" [a-f0-9]{64} | "sha512:" [a-f0-9]{128}
//! ```

/// The longest name (domain and path) a registry accepts.
const MAX_NAME: usize = 255;

/// A parsed reference: the parts kiln uses.
#[derive(Debug, PartialEq, Eq)]
pub struct Reference<'a> {
    /// The tag, if any.
    pub tag: Option<&'a str>,
    /// The digest, if any.
    pub digest: Option<&'a str>,
}

/// Parses `reference`; the error says which part is wrong.
pub fn parse(reference: &str) -> Result<Reference<'_>, String> {
    let (rest, digest) = match reference.split_once('@') {
        Some((rest, digest)) => {
            check_digest(digest)?;
            (rest, Some(digest))
        }
        None => (reference, None),
    };
    // A `:` after the last `/` starts the tag; one before it is a registry port.
    let last_slash = rest.rfind('/').map_or(0, |i| i + 1);
    let (name, tag) = match rest[last_slash..].find(':') {
        Some(colon) => {
            let at = last_slash + colon;
            (&rest[..at], Some(&rest[at + 1..]))
        }
        None => (rest, None),
    };
    check_name(name)?;
    if let Some(tag) = tag {
        check_tag(tag)?;
    }
    Ok(Reference { tag, digest })
}

/// The tag of `repo:tag` or `repo:tag@sha256:…`, if the reference is one a
/// runtime pulls, pinned, and its tag is usable as a label.
pub fn image_tag(image: &str) -> Option<&str> {
    parse(image)
        .ok()?
        .tag
        .filter(|tag| super::names::is_version(tag))
}

/// An image repository prefix: `{registry}/{service}` must be an image name.
pub fn is_registry(registry: &str) -> bool {
    check_name(&format!("{registry}/x")).is_ok()
}

/// A repository name without tag or digest: `[domain/]path`.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("the repository name is empty".to_string());
    }
    if name.len() > MAX_NAME {
        return Err(format!(
            "the repository name is longer than {MAX_NAME} characters"
        ));
    }
    let (domain, path) = split_domain(name);
    if let Some(domain) = domain {
        check_domain(domain)?;
    }
    if path.is_empty() {
        return Err("the repository path is empty".to_string());
    }
    for component in path.split('/') {
        check_component(component)?;
    }
    Ok(())
}

/// The registry host, the way Docker tells it from the first path component:
/// it has a `.` or `:`, is `localhost`, or has an uppercase letter.
fn split_domain(name: &str) -> (Option<&str>, &str) {
    match name.split_once('/') {
        Some((first, rest))
            if first.contains(['.', ':'])
                || first == "localhost"
                || first.bytes().any(|b| b.is_ascii_uppercase()) =>
        {
            (Some(first), rest)
        }
        _ => (None, name),
    }
}

fn check_domain(domain: &str) -> Result<(), String> {
    let bad = || {
        Err(format!(
            "the registry `{domain}` is not a host name with an optional port"
        ))
    };
    let (host, port) = if let Some(inner) = domain.strip_prefix('[') {
        // [IPv6]:port
        let Some((address, after)) = inner.split_once(']') else {
            return bad();
        };
        if address.parse::<std::net::Ipv6Addr>().is_err() {
            return bad();
        }
        let port = match after {
            "" => None,
            _ => match after.strip_prefix(':') {
                Some(port) => Some(port),
                None => return bad(),
            },
        };
        (None, port)
    } else {
        match domain.split_once(':') {
            Some((host, port)) => (Some(host), Some(port)),
            None => (Some(domain), None),
        }
    };
    if let Some(host) = host {
        let label_ok = |label: &str| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        };
        if !host.split('.').all(label_ok) {
            return bad();
        }
    }
    if let Some(port) = port
        && (port.is_empty() || !port.bytes().all(|b| b.is_ascii_digit()))
    {
        return bad();
    }
    Ok(())
}

/// `[a-z0-9]+` runs joined by `.`, `_`, `__` or any number of `-`.
fn check_component(component: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("the path component `{component}` {why}"));
    if component.is_empty() {
        return bad("is empty");
    }
    if component.bytes().any(|b| b.is_ascii_uppercase()) {
        return bad("has uppercase letters; repository names are lowercase");
    }
    let bytes = component.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !alnum(bytes[0]) || !alnum(bytes[bytes.len() - 1]) {
        return bad("must start and end with a lowercase letter or digit");
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let separator = &component[start..i];
        let ok = matches!(separator, "." | "_" | "__") || separator.bytes().all(|b| b == b'-');
        if !ok {
            return bad(&format!(
                "has `{separator}`; separate lowercase letters and digits with one `.`, one or two `_`, or `-`"
            ));
        }
    }
    Ok(())
}

fn check_tag(tag: &str) -> Result<(), String> {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let ok = tag.len() <= 128
        && tag.bytes().next().is_some_and(word)
        && tag.bytes().all(|b| word(b) || b == b'.' || b == b'-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the tag `{tag}` is not 1 to 128 letters, digits, `_`, `.` and `-`, starting with a letter, digit or `_`"
        ))
    }
}

fn check_digest(digest: &str) -> Result<(), String> {
    let hex = |text: &str, length: usize| {
        text.len() == length
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    };
    let ok = match digest.split_once(':') {
        Some(("sha256", value)) => hex(value, 64),
        Some(("sha512", value)) => hex(value, 128),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the digest `{digest}` is not `sha256:` with 64 lowercase hex digits, or `sha512:` with 128"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_what_runtimes_pull() {
        let digest = format!("sha256:{}", "a".repeat(64));
        for ok in [
            "redis:7.2-alpine".to_string(),
            "docker.io/library/postgres:16.4".to_string(),
            "ghcr.io/acme/shop/users:1.4.2".to_string(),
            "registry.example.com:5000/ledger/api:3.1.0".to_string(),
            "localhost/x:1".to_string(),
            "localhost:5000/x:1".to_string(),
            "[::1]:5000/x:1".to_string(),
            "Registry.Example.com/x:1".to_string(),
            "acme/a__b.c--d_e:1_0".to_string(),
            format!("redis:7.2@{digest}"),
            format!("redis@{digest}"),
            "eclipse-temurin:21.0.5_11-jre-alpine".to_string(),
        ] {
            assert!(parse(&ok).is_ok(), "{ok}: {:?}", parse(&ok));
        }
        assert_eq!(parse("redis:7.2").unwrap().tag, Some("7.2"));
        assert_eq!(parse("localhost:5000/x").unwrap().tag, None);
    }

    #[test]
    fn refuses_what_runtimes_refuse() {
        for bad in [
            "REDIS:7.2",
            "ghcr.io/../x:1",
            "ghcr.io/acme/./x:1",
            "ghcr.io//x:1",
            "ghcr.io/acme/x:",
            "ghcr.io/acme/x:-1",
            "ghcr.io/acme/x:a b",
            "a___b:1",
            "a.-b:1",
            "-a:1",
            "a-:1",
            "acme/X:1",
            "redis:7.2@sha256:abc",
            "redis:7.2@md5:0123456789abcdef0123456789abcdef",
            "ghcr.io:port/x:1",
            "-ghcr.io/x:1",
            "[::1/x:1",
            "",
            ":1",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
        assert!(parse(&format!("x:{}", "a".repeat(129))).is_err());
        assert!(parse(&format!("{}:1", "a".repeat(256))).is_err());
    }

    #[test]
    fn errors_name_the_part() {
        assert_eq!(
            parse("REDIS:7.2").unwrap_err(),
            "the path component `REDIS` has uppercase letters; repository names are lowercase"
        );
        assert_eq!(
            parse("ghcr.io/../x:1").unwrap_err(),
            "the path component `..` must start and end with a lowercase letter or digit"
        );
    }
}
