//! The rules a value follows wherever it stands in `kiln.toml`, for the
//! kinds that share it (a Secret reference, an image reference), and the
//! words of the problems every kind may find: a bad name, label, path,
//! version, duration, port or number out of range.

use crate::diagnostics::{KeyPath, Problem};
use crate::grammar::names;
use crate::grammar::reference::{self, image_tag};
use crate::grammar::secret::parse_secret_ref;

/// What is wrong with a `secret-name:key` reference, if anything.
pub fn secret_ref_problem(key: &KeyPath, reference: &str) -> Option<Problem> {
    match reference.split_once(':') {
        _ if parse_secret_ref(reference).is_some() => None,
        // A key of Secret-key characters that is still refused (`..`, too long);
        // anything else looks like a value, not a reference.
        Some((name, secret_key))
            if names::is_dns_subdomain(name)
                && !secret_key.is_empty()
                && secret_key
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.')) =>
        {
            Some(Problem::bad_secret_key(key, reference, secret_key))
        }
        _ => Some(Problem::bad_secret_ref(key, reference)),
    }
}

/// The problem with an image reference, if any: not a reference at all, or not pinned.
pub fn image_problem(key: &KeyPath, image: &str) -> Option<Problem> {
    match reference::parse(image) {
        Err(reason) => Some(Problem::bad_image_reference(key, image, &reason)),
        Ok(_) if image_tag(image).is_none() => Some(Problem::bad_image(key, image)),
        Ok(_) => None,
    }
}

impl Problem {
    pub fn not_a_label(
        key: &KeyPath,
        value: &str,
        max: usize,
        must_start_with_letter: bool,
    ) -> Self {
        let first = if must_start_with_letter {
            "a lowercase letter"
        } else {
            "a lowercase letter or digit"
        };
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a valid name"),
            Some(format!(
                "names become Kubernetes names and file paths: use lowercase letters, digits and `-`, \
                 starting with {first}, ending with a letter or digit, at most {max} characters"
            )),
        )
    }

    pub fn bad_image(key: &KeyPath, image: &str) -> Self {
        Problem::at(
            key,
            format!("image `{image}` in `{key}` has no pinned tag"),
            Some("name an exact tag such as `redis:7.2-alpine`; `latest` and untagged images are not reproducible".to_string()),
        )
    }

    pub fn bad_image_reference(key: &KeyPath, image: &str, reason: &str) -> Self {
        Problem::at(
            key,
            format!("`{image}` in `{key}` is not an image reference a container runtime can pull: {reason}"),
            Some("write `[registry/]repository:tag`, lowercase, such as `redis:7.2-alpine` or `ghcr.io/acme/api:1.4.2`".to_string()),
        )
    }

    pub fn bad_secret_key(key: &KeyPath, reference: &str, secret_key: &str) -> Self {
        Problem::at(
            key,
            format!("`{secret_key}` in `{key}` (`{reference}`) is not a key a Kubernetes Secret can hold"),
            Some("a Secret key is letters, digits, `-`, `_` and `.`, at most 253 characters, and not `.` or `..`".to_string()),
        )
    }

    pub fn bad_secret_ref(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a secret reference"),
            Some(
                "write `secret-name:key`; kiln never stores secret values, only where to find them"
                    .to_string(),
            ),
        )
    }

    pub fn bad_version(key: &KeyPath, version: &str) -> Self {
        Problem::at(
            key,
            format!("`{version}` in `{key}` is not a usable version"),
            Some("use letters, digits, `.`, `-` and `_`, starting and ending with a letter or digit, at most 63 characters; `latest` is not allowed".to_string()),
        )
    }

    pub fn bad_label_value(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` cannot be a Kubernetes label value"),
            Some("use letters, digits, `.`, `-` and `_`, starting and ending with a letter or digit, at most 63 characters".to_string()),
        )
    }

    pub fn bad_http_path(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not an absolute URL path"),
            Some("start it with `/`, and leave out spaces, `?` and `#`".to_string()),
        )
    }

    pub fn bad_duration(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a duration"),
            Some(
                "write whole numbers with the units `h`, `m`, `s` and `ms`, in that order, such as `30s` or `1m30s`"
                    .to_string(),
            ),
        )
    }

    /// `range` as a person says it: "from 1 to 99".
    pub fn out_of_range(key: &KeyPath, value: &str, range: &str, meaning: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` must be {range}, not {value}"),
            Some(meaning.to_string()),
        )
    }

    /// A whole number outside the range of its kind, found in reading or in `validate`.
    pub fn whole(key: &KeyPath, value: &str, whole: crate::config::Whole) -> Self {
        let (from, to) = whole.range();
        Problem::out_of_range(key, value, &format!("from {from} to {to}"), whole.meaning())
    }
}
