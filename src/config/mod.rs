//! The `kiln.toml` format, exactly as users write it, read and checked as
//! text (`load`), with the bundled presets applied (`presets`).
//!
//! These types only describe the shape of the file; every rule that spans
//! keys lives with the kind that owns the key (`kinds`), and every default
//! lives in `resolve`.

mod file;
mod layers;
pub mod limits;
pub mod load;
mod podspec;
pub mod presets;
mod service;
mod tables;
mod whole;
mod words;

pub use file::{Config, Project};
pub use layers::{Defaults, EnvironmentConfig, Layer, ServiceEnvironmentConfig};
pub use podspec::*;
pub use service::{ServiceConfig, ServiceKey};
pub use tables::*;
pub use whole::{MAX_INT32, Whole};
pub use words::*;

/// `text` read as kiln reads it, presets applied, for the unit tests of
/// every layer above; a `kiln.toml` that does not parse fails the test.
#[cfg(test)]
pub fn parsed(text: &str) -> (Config, Vec<crate::diagnostics::Problem>) {
    let mut config = load::parse(text).unwrap_or_else(|p| panic!("{p:#?}"));
    let problems = presets::apply(&mut config, &[]);
    (config, problems)
}
