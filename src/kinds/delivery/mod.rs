//! Delivery: what builds, ships and deploys the app. Dockerfiles, CI
//! pipelines (GitHub Actions, GitLab CI, Jenkins) with their drift check,
//! and Argo CD Applications.

mod files;
mod pinned;
mod problems;
mod resolve;
mod validate;

pub use problems::no_kiln_source_note;
pub use resolve::{record_inputs, resolve};

use super::kind::Kind;
use crate::config::Config;
use crate::diagnostics::Problem;

pub struct Delivery;

impl Kind for Delivery {
    fn validate(&self, config: &Config, problems: &mut Vec<Problem>) {
        validate::validate(config, problems);
    }
}
