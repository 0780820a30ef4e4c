//! What kiln tells a user when something is wrong: the errors that stop a
//! command, the problems of `kiln.toml` at their keys, and both located for
//! editors and CI.

mod error;
mod listing;
mod located;
pub mod machine;
mod problem;
mod rule;
mod set;
mod snippet;

pub use error::{Error, UnknownName};
pub use listing::{ListingFault, ListingProblem, Unrestorable, listing_report};
pub use problem::{KeyPart, KeyPath, Located, Problem, did_you_mean, quoted, suggest};
pub use rule::OverrideRule;
pub use set::SetRefusal;
pub use snippet::Source;
