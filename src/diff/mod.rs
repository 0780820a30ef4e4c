//! What changed: the generated files against the disk, another render or
//! another directory (`file`), each compared as Kubernetes objects
//! (`semantic`, field by field in `fields`), shown in every report format
//! (`report`); and the render of `kiln.toml` at a git revision (`git`).

mod fields;
mod file;
pub mod git;
pub mod report;
pub mod semantic;

pub use file::{FileDiff, Filter, Status, against_disk, between, read_tree};
