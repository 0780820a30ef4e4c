//! How the well-known third-party images the presets use run: their own
//! user, and where they write.

/// How a well-known third-party image runs: its own user, and where it writes.
pub struct ImageDefaults {
    pub user: u32,
    pub data_path: &'static str,
    pub writable: &'static [&'static str],
    pub read_only_root: bool,
    pub env: &'static [(&'static str, &'static str)],
}

/// Working defaults for the official images the presets use. Anything else
/// runs as `builtin::RUN_AS_USER` with a read-only root.
pub fn image_defaults(image: &str) -> Option<ImageDefaults> {
    let name = image.split(['@', ':']).next().unwrap_or(image);
    let name = name.strip_prefix("docker.io/").unwrap_or(name);
    let name = name.strip_prefix("library/").unwrap_or(name);
    let alpine = image.contains("alpine");
    Some(match name {
        "redis" => ImageDefaults {
            user: 999,
            data_path: "/data",
            writable: &[],
            read_only_root: true,
            env: &[],
        },
        "postgres" => ImageDefaults {
            user: if alpine { 70 } else { 999 },
            data_path: "/var/lib/postgresql/data",
            writable: &["/var/run/postgresql"],
            read_only_root: true,
            // initdb refuses a volume root that holds lost+found.
            env: &[("PGDATA", "/var/lib/postgresql/data/pgdata")],
        },
        "mysql" => ImageDefaults {
            user: 999,
            data_path: "/var/lib/mysql",
            writable: &["/var/run/mysqld"],
            read_only_root: true,
            env: &[],
        },
        "mongo" => ImageDefaults {
            user: 999,
            data_path: "/data/db",
            writable: &["/data/configdb"],
            read_only_root: true,
            env: &[],
        },
        // The entrypoint writes its generated config under /etc/rabbitmq.
        "rabbitmq" => ImageDefaults {
            user: 999,
            data_path: "/var/lib/rabbitmq",
            writable: &[],
            read_only_root: false,
            env: &[],
        },
        _ => return None,
    })
}
