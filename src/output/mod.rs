//! What a render leaves in a repo, and how: the paths kiln generates, the
//! one way it reads, writes and deletes files in a repo it does not trust,
//! the plan of a build, the write that carries it out, the lock and its
//! journal, the cache of a build with nothing to do, the listing of
//! ejected files, many files read at once, and the stream of one
//! environment's objects.

pub mod cache;
pub mod files;
pub mod generated;
pub mod listing;
pub mod lock;
pub mod paths;
pub mod plan;
pub mod reads;
pub mod stream;
pub mod write;

pub use generated::{Rendered, Sources};
