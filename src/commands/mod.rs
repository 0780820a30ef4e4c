//! The subcommands, one file each, each a thin composition of the pipeline
//! steps (`crate::pipeline`); and what they share: where the repo's
//! `kiln.toml` is and how to name it, and the listing of ejected files.

mod build;
mod check;
mod diff;
mod eject;
mod explain;
mod init;
mod man;
mod prereqs;
mod presets;
mod render;
mod repo;
mod restore;
mod schema;
pub(crate) mod set;
mod templates;

pub use build::build;
pub use check::{check, check_as};
pub use diff::diff;
pub use eject::eject;
pub use explain::explain;
pub use init::init;
pub use man::man;
pub use prereqs::prereqs;
pub use presets::presets;
pub use render::render;
pub use restore::restore;
pub use schema::schema;
pub use templates::templates;

pub(crate) use repo::read_source;
