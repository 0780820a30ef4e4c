//! The small languages of `kiln.toml`'s values, each exactly as the tool that
//! reads it downstream does: Kubernetes names and labels, cron schedules,
//! resource quantities, durations, image references, Secret references, and
//! the double-quoted string. Pure functions: nothing here imports the rest of kiln.

pub mod cron;
pub mod duration;
pub mod names;
pub mod quantity;
pub mod quote;
pub mod reference;
pub mod secret;
