//! What kiln tells a user when something is wrong: the errors that stop a
//! command, the problems of `kiln.toml` at their keys, and both located for
//! editors and CI.

mod error;
mod located;
mod problem;
mod rule;

pub use error::{Error, UnknownName};
pub use located::Located;
pub use problem::{KeyPart, KeyPath, Problem, did_you_mean, suggest};
pub use rule::OverrideRule;
