//! How large `kiln.toml` and its names may be: what Kubernetes allows, with
//! room for the suffixes kiln adds, and bounds far above any real app.

/// Longest project name: namespaces are `{project}-{env}` and must fit in 63.
pub const MAX_PROJECT: usize = 40;
/// Longest environment name.
pub const MAX_ENVIRONMENT: usize = 22;
/// Longest service name: leaves room for suffixes such as `-headless` and
/// for the 52 characters Kubernetes allows a CronJob.
pub const MAX_SERVICE: usize = 43;
/// Most services in one config: twice the largest app kiln is benchmarked on.
pub const MAX_SERVICES: usize = 2_000;
/// Longest `env` value: a ConfigMap holds at most 1 MiB in all.
pub const MAX_ENV_VALUE: usize = 64 * 1024;
/// Most bytes of a service's `files` in all: they share one ConfigMap, which holds at most 1 MiB.
pub const MAX_FILES_BYTES: usize = 512 * 1024;

/// The largest `kiln.toml` kiln reads: far above any real app (1,000
/// services take about 200 KB), far below what would exhaust memory.
pub const MAX_CONFIG_BYTES: u64 = 4 * 1024 * 1024;
