//! What a template override may do, and what it renders under. An override
//! comes from the repo, so from any pull request: it is held to rules that
//! keep a render bounded, local and escaped, whatever its text.
//!
//! - `lex`: before Tera parses it, its nesting and tag lengths are bounded.
//! - `check`: on the parsed AST, every value goes through its format's
//!   filter; no cycle of includes, imports, extends or macro calls; no
//!   environment, clock or randomness; a bounded depth of recursion.
//! - `limit`: while it renders, a budget of work bounds its time and memory.

mod check;
mod graph;
mod lex;
mod limit;
mod rewrite;
mod rules;
mod units;
mod walk;

pub use check::{Finding, What, check};
pub use lex::{MAX_NESTING, MAX_TAG, Tag};
pub use limit::{Budget, NODE_COST, RENDER_LIMIT, Trip, bounded, is_wrapper, register};
pub use rewrite::instrument;

use crate::diagnostics::OverrideRule;

/// The tags of an override's text, or why Tera should not parse it, at a line.
pub fn tags(text: &str) -> Result<Vec<Tag>, (usize, OverrideRule)> {
    lex::tags(text).map_err(|fault| match fault {
        lex::Fault::TooDeep { line } => (line, OverrideRule::Nesting { max: MAX_NESTING }),
        lex::Fault::TooLong { line } => (line, OverrideRule::TagTooLong { max: MAX_TAG }),
    })
}
