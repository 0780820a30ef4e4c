//! The retry policy of a service's routes and canary split, and of a
//! route of `routes` with its own `retries`.

use super::builtin;
use crate::config::{RetryOn, RetrySetting};
use crate::model::RetriesView;

/// The retry policy of a service's routes: the built-in one, turned off, or
/// with some of its keys changed.
pub fn retries(setting: Option<&RetrySetting>) -> RetriesView {
    let policy = match setting {
        Some(RetrySetting::Enabled(false)) => {
            return RetriesView {
                attempts: 0,
                per_try_timeout: None,
                retry_on: String::new(),
            };
        }
        Some(RetrySetting::Policy(policy)) => Some(policy),
        Some(RetrySetting::Enabled(true)) | None => None,
    };
    let on: &[RetryOn] = policy
        .and_then(|p| p.on.as_deref())
        .unwrap_or(&builtin::RETRY_ON);
    RetriesView {
        attempts: policy
            .and_then(|p| p.attempts)
            .unwrap_or(builtin::RETRY_ATTEMPTS),
        per_try_timeout: policy.and_then(|p| p.per_try_timeout.clone()),
        retry_on: on
            .iter()
            .map(|condition| condition.as_str())
            .collect::<Vec<_>>()
            .join(","),
    }
}
