//! Layering: the built-in defaults (the lowest layer), the layers of
//! `kiln.toml` that apply to a service in an environment and the pick of
//! the highest one, which optional layers an environment renders, and the
//! labels and call graph every kind reads. The kinds (`crate::kinds`)
//! decide what each setting makes; this is where they read it.

pub mod builtin;
mod callers;
mod labels;
mod layers;
mod retries;
mod scope;

pub use callers::{Callers, callers};
pub use labels::{TRACK, common_labels, selector};
pub use layers::{Layers, Picked, Source};
pub use retries::retries;
pub use scope::{Scope, Switches, switches};

#[cfg(test)]
mod tests;
