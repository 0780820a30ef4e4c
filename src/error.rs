//! Every message kiln shows a user is worded here, and nowhere else.
//!
//! Messages are lowercase, put keys, values and paths in backticks, and a
//! hint says what to do next.

use std::fmt;
use std::path::PathBuf;

/// Everything that can stop a command.
#[derive(Debug)]
pub enum Error {
    /// `kiln.toml` has one or more problems; nothing was written.
    Invalid {
        report: String,
        count: usize,
        file: String,
        /// The same problems, located, for `kiln check --format json|github`.
        problems: Vec<Located>,
    },
    /// `kiln.toml` is larger than kiln reads.
    ConfigTooLarge { path: PathBuf, bytes: u64, max: u64 },
    /// There is no `kiln.toml` where one was expected.
    ConfigMissing { path: PathBuf },
    /// `kiln init` found a `kiln.toml` already.
    ConfigExists { path: PathBuf },
    /// Reading or writing a file failed.
    Io {
        path: PathBuf,
        cause: std::io::Error,
    },
    /// Files kiln wrote were edited since, or files kiln never wrote sit
    /// where it wants to write; nothing was written.
    Conflicts {
        edited: Vec<String>,
        foreign: Vec<String>,
    },
    /// A project name for `kiln init` that cannot be one.
    BadName { name: String },
    /// `kiln.lock` cannot be read.
    BadLock { path: PathBuf, cause: String },
    /// `kiln eject` named a file kiln neither wrote nor would write.
    EjectUnknown { path: String },
    /// `kiln eject` named a file that is already the user's.
    EjectAgain { path: String },
    /// A bundled template failed to render: a bug in kiln or in a template.
    Template { name: String, cause: String },
    /// A preset name that does not exist.
    UnknownPreset { name: String, known: Vec<String> },
    /// A repo's template override failed to parse or render.
    TemplateOverride {
        file: String,
        line: Option<usize>,
        cause: String,
    },
    /// A repo's template override writes a value without its format's escaping filter.
    UnescapedOverride {
        file: String,
        line: usize,
        expression: String,
        filter: String,
    },
    /// A file under `.kiln/templates/` that replaces no bundled template.
    UnknownOverride {
        file: String,
        suggestion: Option<String>,
    },
    /// `kiln templates show|eject` named a template that does not exist.
    UnknownTemplate {
        name: String,
        suggestion: Option<String>,
    },
    /// `kiln templates eject` found the override there already.
    OverrideExists { file: String },
    /// `kiln explain` named an environment, service or setting that does not exist.
    NotFound {
        what: &'static str,
        name: String,
        suggestion: Option<String>,
    },
    /// `kiln render` named an environment `kiln.toml` does not define.
    UnknownEnvironment {
        name: String,
        suggestion: Option<String>,
        known: Vec<String>,
    },
    /// `kiln render` needs an ejected file that is not on disk.
    EjectedMissing { path: String },
    /// A file `kiln render` would put in its stream does not parse as YAML.
    NotYaml { path: String, cause: String },
    /// `kiln diff --base` could not read `kiln.toml` at a revision.
    Git { revision: String, cause: String },
    /// Another kiln command is writing in the same repo.
    Busy { path: PathBuf },
    /// A generated path would leave the output directory.
    UnsafePath { path: String },
    /// Paths kiln will not read, write or delete: symlinks, FIFOs,
    /// directories where a file belongs, files too large to be kiln's.
    Unsafe { files: Vec<(String, String)> },
}

impl Error {
    /// The process exit code: 2 for every error (1 is reserved for `diff`).
    pub fn exit_code(&self) -> i32 {
        2
    }

    /// The whole message for stderr. Each problem of an invalid config
    /// already starts with `error:`.
    pub fn report(&self) -> String {
        match self {
            Error::Invalid { .. } => self.to_string(),
            _ => format!("error: {self}"),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Invalid {
                report,
                count,
                file,
                ..
            } => {
                let noun = if *count == 1 { "problem" } else { "problems" };
                write!(f, "{report}{count} {noun} in `{file}`; nothing was written")
            }
            Error::ConfigTooLarge { path, bytes, max } => write!(
                f,
                "`{}` is {bytes} bytes; kiln reads at most {max}\n  = hint: a kiln.toml this large is almost certainly not a config; check what wrote it",
                path.display()
            ),
            Error::ConfigMissing { path } => write!(
                f,
                "no `kiln.toml` at `{}`\n  = hint: run `kiln init` to start one, or pass `--dir` to point at your repo",
                path.display()
            ),
            Error::ConfigExists { path } => write!(
                f,
                "`{}` already exists; `kiln init` only starts new repos\n  = hint: run `kiln build` to regenerate it",
                path.display()
            ),
            Error::Io { path, cause } => write!(f, "cannot access `{}`: {cause}", path.display()),
            Error::Conflicts { edited, foreign } => {
                if !edited.is_empty() {
                    writeln!(f, "these files were edited by hand since kiln wrote them:")?;
                    for path in edited {
                        writeln!(f, "  {path}")?;
                    }
                }
                if !foreign.is_empty() {
                    writeln!(
                        f,
                        "these files were not written by kiln but sit where it wants to write:"
                    )?;
                    for path in foreign {
                        writeln!(f, "  {path}")?;
                    }
                }
                write!(f, "nothing was written")?;
                if !edited.is_empty() {
                    write!(
                        f,
                        "\n  = hint: keep an edit with `kiln eject PATH` (kiln never touches that file again), \
                         or discard the edits with `kiln build --force`"
                    )?;
                }
                if !foreign.is_empty() {
                    write!(
                        f,
                        "\n  = hint: kiln never overwrites a file it did not write: to keep yours for good \
                         (your own Dockerfile, say), run `kiln eject PATH`; to let kiln write it, move yours away"
                    )?;
                }
                Ok(())
            }
            Error::BadName { name } => write!(
                f,
                "`{name}` cannot be a project name\n  = hint: pass `--name` with lowercase letters, digits and `-`, \
                 starting with a letter or digit, at most {} characters",
                crate::validate::MAX_PROJECT
            ),
            Error::BadLock { path, cause } => write!(
                f,
                "cannot read `{}`: {cause}\n  = hint: restore it from version control; kiln needs it to tell its files from yours",
                path.display()
            ),
            Error::EjectUnknown { path } => write!(
                f,
                "`{path}` is not a file kiln writes\n  = hint: `kiln build --dry-run` lists the files kiln writes"
            ),
            Error::EjectAgain { path } => {
                write!(f, "`{path}` is already ejected; kiln leaves it alone")
            }
            Error::Template { name, cause } => {
                write!(f, "template `{name}` failed to render: {cause}")
            }
            Error::UnknownPreset { name, known } => write!(
                f,
                "unknown preset `{name}`\n  = hint: choose one of {}",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Error::TemplateOverride { file, line, cause } => {
                let at = line.map_or_else(|| file.clone(), |line| format!("{file}:{line}"));
                write!(
                    f,
                    "template override `{at}` failed: {cause}\n  = hint: fix it, or delete it to use kiln's bundled template again; \
                     `kiln templates show NAME` prints the bundled one"
                )
            }
            Error::UnescapedOverride {
                file,
                line,
                expression,
                filter,
            } => write!(
                f,
                "`{{{{ {expression} }}}}` in template override `{file}:{line}` does not go through `| {filter}`\n  \
                 = hint: values are data: end every interpolation in this format's escaping filter, as the bundled templates do"
            ),
            Error::UnknownOverride { file, suggestion } => {
                write!(f, "`{file}` overrides no bundled template")?;
                match suggestion {
                    Some(name) => write!(
                        f,
                        "\n  = hint: did you mean `{}/{name}`?",
                        crate::paths::OVERRIDES
                    ),
                    None => write!(
                        f,
                        "\n  = hint: an override has the path of a bundled template under `{}`; `kiln templates list` shows them",
                        crate::paths::OVERRIDES
                    ),
                }
            }
            Error::UnknownTemplate { name, suggestion } => {
                write!(f, "unknown template `{name}`")?;
                match suggestion {
                    Some(other) => write!(f, "\n  = hint: did you mean `{other}`?"),
                    None => write!(f, "\n  = hint: `kiln templates list` shows every template"),
                }
            }
            Error::OverrideExists { file } => write!(
                f,
                "`{file}` already exists; nothing was written\n  = hint: edit it, or delete it to eject a fresh copy"
            ),
            Error::NotFound {
                what,
                name,
                suggestion,
            } => {
                write!(f, "unknown {what} `{name}`")?;
                match suggestion {
                    Some(other) => write!(f, "\n  = hint: did you mean `{other}`?"),
                    None => write!(f, "\n  = hint: check the spelling against `kiln.toml`"),
                }
            }
            Error::UnknownEnvironment {
                name,
                suggestion,
                known,
            } => {
                write!(f, "unknown environment `{name}`")?;
                match suggestion {
                    Some(other) => write!(f, "\n  = hint: did you mean `{other}`?"),
                    None => write!(
                        f,
                        "\n  = hint: `kiln.toml` defines {}",
                        known
                            .iter()
                            .map(|k| format!("`{k}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                }
            }
            Error::EjectedMissing { path } => write!(
                f,
                "`{path}` is ejected but not on disk, so the environment cannot be applied as it stands\n  \
                 = hint: restore it (`git checkout -- {path}`), or put it back in kiln's hands by deleting its `ejected = true` line in `kiln.lock`"
            ),
            Error::NotYaml { path, cause } => write!(
                f,
                "`{path}` is not valid YAML: {cause}\n  = hint: kubectl would refuse it too; if it is ejected, fix it by hand, \
                 if a template override made it, fix the override"
            ),
            Error::Git { revision, cause } => write!(
                f,
                "cannot read `kiln.toml` at revision `{revision}`: {cause}\n  = hint: `--base` takes a commit, branch or tag of the git repo that holds kiln.toml"
            ),
            Error::Busy { path } => write!(
                f,
                "another kiln command is writing in `{}`; nothing was written\n  = hint: wait for it to finish, then run this again",
                path.display()
            ),
            Error::UnsafePath { path } => write!(
                f,
                "refusing to write `{path}`: it is not a file kiln generates\n  = hint: this is a bug in kiln; please report it with your kiln.toml"
            ),
            Error::Unsafe { files } => {
                writeln!(f, "kiln will not touch these paths:")?;
                for (path, reason) in files {
                    writeln!(f, "  `{path}`: {reason}")?;
                }
                write!(
                    f,
                    "nothing was written\n  = hint: kiln reads and writes only regular files at the paths it generates, \
                     reached without symlinks; move these away (or restore them with git) and run kiln again"
                )
            }
        }
    }
}

impl std::error::Error for Error {}

/// A problem as an editor or CI annotation needs it: where, what, what to do.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Located {
    /// The file, as the user reads its name (`kiln.toml`, `demo/kiln.toml`).
    pub file: Option<String>,
    /// 1-based line and column (in characters) where the problem starts.
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Where it ends (exclusive column), on the same or a later line.
    #[serde(rename = "endLine")]
    pub end_line: Option<usize>,
    #[serde(rename = "endColumn")]
    pub end_column: Option<usize>,
    /// The key, dotted as in messages (`services.users.port`); `null` for a syntax error.
    pub key: Option<String>,
    pub message: String,
    pub hint: Option<String>,
}

impl Error {
    /// Every problem of this error, located when kiln knows where: the
    /// problems of an invalid `kiln.toml`, the line of a template override,
    /// or the whole message of any other error.
    pub fn located(&self) -> Vec<Located> {
        match self {
            Error::Invalid { problems, .. } => problems.clone(),
            other => {
                let (file, line) = match other {
                    Error::TemplateOverride { file, line, .. } => (Some(file.clone()), *line),
                    Error::UnescapedOverride { file, line, .. } => {
                        (Some(file.clone()), Some(*line))
                    }
                    Error::UnknownOverride { file, .. } => (Some(file.clone()), None),
                    _ => (None, None),
                };
                let text = other.to_string();
                let (message, hint) = match text.split_once("\n  = hint: ") {
                    Some((message, hint)) => (message.to_string(), Some(hint.to_string())),
                    None => (text, None),
                };
                vec![Located {
                    file,
                    line,
                    column: line.map(|_| 1),
                    end_line: None,
                    end_column: None,
                    key: None,
                    message,
                    hint,
                }]
            }
        }
    }
}

/// One step of a key path: a table key or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeyPart {
    Key(String),
    Index(usize),
}

/// A dotted key path into `kiln.toml`, like `services.users.calls[1]`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct KeyPath(pub Vec<KeyPart>);

impl KeyPath {
    pub fn new(parts: &[&str]) -> Self {
        KeyPath(
            parts
                .iter()
                .map(|p| KeyPart::Key((*p).to_string()))
                .collect(),
        )
    }

    pub fn key(&self, key: &str) -> Self {
        let mut next = self.clone();
        next.0.push(KeyPart::Key(key.to_string()));
        next
    }

    pub fn index(&self, index: usize) -> Self {
        let mut next = self.clone();
        next.0.push(KeyPart::Index(index));
        next
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, part) in self.0.iter().enumerate() {
            match part {
                KeyPart::Key(k) => {
                    if i > 0 {
                        write!(f, ".")?;
                    }
                    let bare = !k.is_empty()
                        && k.bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
                    if bare {
                        write!(f, "{k}")?;
                    } else {
                        write!(f, "{}", crate::yaml::quote(k))?;
                    }
                }
                KeyPart::Index(n) => write!(f, "[{n}]")?,
            }
        }
        Ok(())
    }
}

/// One thing wrong with `kiln.toml`, at a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: KeyPath,
    pub message: String,
    pub hint: Option<String>,
    /// A byte range in the source, when the parser knows it better than the key path does.
    pub span: Option<std::ops::Range<usize>>,
}

fn did_you_mean(suggestion: Option<&str>) -> Option<String> {
    suggestion.map(|s| format!("did you mean `{s}`?"))
}

impl Problem {
    fn at(key: &KeyPath, message: String, hint: Option<String>) -> Self {
        Problem {
            key: key.clone(),
            message,
            hint,
            span: None,
        }
    }

    pub fn syntax(message: &str, span: Option<std::ops::Range<usize>>) -> Self {
        Problem {
            key: KeyPath::default(),
            message: format!("invalid TOML: {}", message.trim()),
            hint: None,
            span,
        }
    }

    pub fn unknown_key(key: &KeyPath, suggestion: Option<&str>, expected: &[String]) -> Self {
        let hint = did_you_mean(suggestion).or_else(|| {
            (!expected.is_empty()).then(|| format!("expected one of {}", expected.join(", ")))
        });
        Problem::at(key, format!("unknown key `{key}`"), hint)
    }

    pub fn wrong_type(key: &KeyPath, detail: &str) -> Self {
        // serde names Rust types; users think in TOML values.
        let detail = detail
            .replace("expected u16", "expected an integer from 0 to 65535")
            .replace(
                "expected u32",
                "expected a whole number from 0 to 4294967295",
            )
            .replace("expected a boolean", "expected true or false")
            .replace("expected a sequence", "expected an array")
            .replace("expected a map", "expected a table");
        Problem::at(key, format!("wrong value for `{key}`: {detail}"), None)
    }

    pub fn unknown_variant(
        key: &KeyPath,
        value: &str,
        suggestion: Option<&str>,
        expected: &[String],
    ) -> Self {
        let hint = did_you_mean(suggestion)
            .or_else(|| Some(format!("expected one of {}", expected.join(", "))));
        Problem::at(key, format!("`{key}` cannot be `{value}`"), hint)
    }

    pub fn unknown_preset(
        key: &KeyPath,
        name: &str,
        suggestion: Option<&str>,
        known: &[&str],
    ) -> Self {
        let hint = did_you_mean(suggestion).or_else(|| {
            Some(format!(
                "choose one of {}; `kiln presets list` describes them",
                known
                    .iter()
                    .map(|k| format!("`{k}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        });
        Problem::at(key, format!("unknown preset `{name}` in `{key}`"), hint)
    }

    pub fn missing_key(key: &KeyPath) -> Self {
        Problem::at(key, format!("missing required key `{key}`"), None)
    }

    pub fn not_a_label(
        key: &KeyPath,
        value: &str,
        max: usize,
        must_start_with_letter: bool,
    ) -> Self {
        let first = if must_start_with_letter {
            "a lowercase letter"
        } else {
            "a lowercase letter or digit"
        };
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a valid name"),
            Some(format!(
                "names become Kubernetes names and file paths: use lowercase letters, digits and `-`, \
                 starting with {first}, ending with a letter or digit, at most {max} characters"
            )),
        )
    }

    pub fn no_environments() -> Self {
        Problem::at(
            &KeyPath::new(&["environments"]),
            "no environments defined".to_string(),
            Some("add at least one, e.g. `[environments.dev]`".to_string()),
        )
    }

    pub fn unknown_service(key: &KeyPath, name: &str, suggestion: Option<&str>) -> Self {
        Problem::at(
            key,
            format!("unknown service `{name}` in `{key}`"),
            did_you_mean(suggestion),
        )
    }

    pub fn calls_itself(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("service `{name}` lists itself in `{key}`"),
            Some("a service always reaches itself; remove it from `calls`".to_string()),
        )
    }

    pub fn calls_unreachable(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` names `{name}`, which has no Service to call"),
            Some("only `web` and `stateful` services with a `port` can be called".to_string()),
        )
    }

    pub fn duplicate_port(key: &KeyPath, port: u16, other: &str) -> Self {
        Problem::at(
            key,
            format!("port {port} in `{key}` is already used by `{other}`"),
            Some("give every port of a service its own number".to_string()),
        )
    }

    pub fn reserved_port(key: &KeyPath, port: u16) -> Self {
        Problem::at(
            key,
            format!("port {port} in `{key}` is reserved by the Istio sidecar"),
            Some("pick a port outside 15000-15090".to_string()),
        )
    }

    pub fn zero_port(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` cannot be 0"),
            Some("use a port between 1 and 65535".to_string()),
        )
    }

    pub fn missing_version(key: &KeyPath, service: &str) -> Self {
        Problem::at(
            key,
            format!("service `{service}` is built from source but has no `version`"),
            Some(format!(
                "add `version = \"1.0.0\"` to `[services.{service}]`; it is the image tag"
            )),
        )
    }

    pub fn no_image_source(key: &KeyPath, service: &str) -> Self {
        Problem::at(
            key,
            format!(
                "service `{service}` needs either `language` (built by you) or `image` (a third-party image)"
            ),
            None,
        )
    }

    pub fn both_image_sources(key: &KeyPath, service: &str) -> Self {
        Problem::at(
            key,
            format!("service `{service}` sets both `language` and `image`"),
            Some("keep `language` + `version` for an image you build, or `image` for a third-party one".to_string()),
        )
    }

    pub fn image_for_third_party(key: &KeyPath, what: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` sets `{what}`, which only applies to services built from source"),
            Some("change the tag inside `image` instead".to_string()),
        )
    }

    pub fn bad_image(key: &KeyPath, image: &str) -> Self {
        Problem::at(
            key,
            format!("image `{image}` in `{key}` has no pinned tag"),
            Some("name an exact tag such as `redis:7.2-alpine`; `latest` and untagged images are not reproducible".to_string()),
        )
    }

    pub fn bad_version(key: &KeyPath, version: &str) -> Self {
        Problem::at(
            key,
            format!("`{version}` in `{key}` is not a usable version"),
            Some("use letters, digits, `.`, `-` and `_`, starting and ending with a letter or digit, at most 63 characters; `latest` is not allowed".to_string()),
        )
    }

    pub fn bad_label_value(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` cannot be a Kubernetes label value"),
            Some("use letters, digits, `.`, `-` and `_`, starting and ending with a letter or digit, at most 63 characters".to_string()),
        )
    }

    pub fn duplicate_path(key: &KeyPath, path: &str) -> Self {
        Problem::at(
            key,
            format!("`{path}` in `{key}` is mounted twice"),
            Some("list each writable path once, and not the `data_path` or `/tmp`, which are always writable".to_string()),
        )
    }

    pub fn only_for_http(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies to services whose `protocol` is `http`"),
            Some("grpc and tcp services get TCP probes on their port; remove this key".to_string()),
        )
    }

    pub fn ignored_key(key: &KeyPath, why: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` has no effect: {why}"),
            Some("remove it".to_string()),
        )
    }

    pub fn bad_cidr(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a CIDR block"),
            Some(
                "write an address and prefix length, such as `203.0.113.0/24` or `2001:db8::/32`"
                    .to_string(),
            ),
        )
    }

    pub fn missing_registry(service: &str) -> Self {
        Problem::at(
            &KeyPath::new(&["project", "registry"]),
            format!("service `{service}` is built from source, so `project.registry` is required"),
            Some("add `registry = \"ghcr.io/your-org/your-app\"` to `[project]`".to_string()),
        )
    }

    pub fn bad_registry(key: &KeyPath, registry: &str) -> Self {
        Problem::at(
            key,
            format!("`{registry}` in `{key}` is not an image repository"),
            Some(
                "use a host and path such as `ghcr.io/acme/shop`, without a tag or trailing `/`"
                    .to_string(),
            ),
        )
    }

    pub fn bad_quantity(key: &KeyPath, value: &str, what: &str) -> Self {
        let example = if what == "cpu" {
            "`250m` or `1`"
        } else {
            "`256Mi` or `1Gi`"
        };
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a {what} quantity Kubernetes accepts"),
            Some(format!(
                "write a number with an optional unit, such as {example}"
            )),
        )
    }

    pub fn limit_below_request(key: &KeyPath, limit: &str, request: &str) -> Self {
        Problem::at(
            key,
            format!("limit `{limit}` in `{key}` is below the request `{request}`"),
            Some("a limit must be at least the request".to_string()),
        )
    }

    pub fn autoscale_range(key: &KeyPath, min: u32, max: u32) -> Self {
        Problem::at(
            key,
            format!("`{key}` has min {min} above max {max}"),
            Some("set `min` to at most `max`".to_string()),
        )
    }

    pub fn autoscale_min_zero(key: &KeyPath) -> Self {
        Problem::at(key, format!("`{key}.min` must be at least 1"), None)
    }

    pub fn autoscale_cpu(key: &KeyPath, cpu: u32) -> Self {
        Problem::at(
            key,
            format!("`{key}.cpu` is {cpu}, outside 1..=100"),
            Some("it is the target CPU utilisation in percent of the request".to_string()),
        )
    }

    pub fn autoscale_cronjob(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` cannot apply to a cronjob"),
            Some("remove `autoscale` from this service".to_string()),
        )
    }

    pub fn canary_weight(key: &KeyPath, weight: u32) -> Self {
        Problem::at(
            key,
            format!("canary weight {weight} in `{key}` is outside 0..=100"),
            Some("it is the percent of traffic the canary receives".to_string()),
        )
    }

    pub fn canary_not_web(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs a `web` service built from source with a `port`"),
            Some(
                "traffic can only be split between versions of a service that serves requests"
                    .to_string(),
            ),
        )
    }

    pub fn missing_schedule(key: &KeyPath, service: &str) -> Self {
        Problem::at(
            key,
            format!("cronjob `{service}` has no `schedule`"),
            Some("add a cron schedule such as `schedule = \"0 2 * * *\"`".to_string()),
        )
    }

    pub fn bad_schedule(key: &KeyPath, schedule: &str, reason: &str) -> Self {
        Problem::at(
            key,
            format!("`{schedule}` in `{key}` is not a valid cron schedule: {reason}"),
            Some(
                "use five fields, minute hour day-of-month month day-of-week, such as `0 2 * * *`"
                    .to_string(),
            ),
        )
    }

    pub fn only_for_kind(key: &KeyPath, kind: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies to `{kind}` services"),
            Some("remove it, or set `kind`".to_string()),
        )
    }

    pub fn missing_storage(key: &KeyPath, service: &str) -> Self {
        Problem::at(
            key,
            format!("stateful service `{service}` has no `storage`"),
            Some("add the volume size, such as `storage = \"5Gi\"`".to_string()),
        )
    }

    pub fn unknown_environment(key: &KeyPath, name: &str, suggestion: Option<&str>) -> Self {
        let hint = did_you_mean(suggestion)
            .or_else(|| Some("declare it under `[environments]` first".to_string()));
        Problem::at(
            key,
            format!("unknown environment `{name}` in `{key}`"),
            hint,
        )
    }

    pub fn missing_port(key: &KeyPath, service: &str, kind: &str) -> Self {
        Problem::at(
            key,
            format!("{kind} service `{service}` has no `port`"),
            Some("add the port it listens on, such as `port = 8080`".to_string()),
        )
    }

    pub fn route_needs_web(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs a `web` service with a `port`"),
            None,
        )
    }

    pub fn bad_http_path(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not an absolute URL path"),
            Some("start it with `/`, and leave out spaces, `?` and `#`".to_string()),
        )
    }

    pub fn duplicate_route(key: &KeyPath, route: &str, other: &str) -> Self {
        Problem::at(
            key,
            format!("route `{route}` in `{key}` is already taken by service `{other}`"),
            Some("give every routed service its own prefix".to_string()),
        )
    }

    pub fn bad_env_name(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("`{name}` in `{key}` is not a valid environment variable name"),
            Some("use letters, digits and `_`, not starting with a digit".to_string()),
        )
    }

    pub fn env_and_secret(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("`{name}` is set both in `env` and in `secrets`"),
            Some("a variable comes from one place; remove one of them".to_string()),
        )
    }

    pub fn bad_secret_ref(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a secret reference"),
            Some(
                "write `secret-name:key`; kiln never stores secret values, only where to find them"
                    .to_string(),
            ),
        )
    }

    pub fn bad_domain(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a host name"),
            Some("use lowercase DNS names such as `shop.example.com`".to_string()),
        )
    }

    pub fn bad_absolute_path(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not an absolute path"),
            Some("use a path such as `/var/cache/app`, without `..`".to_string()),
        )
    }

    pub fn bad_port_name(key: &KeyPath, name: &str) -> Self {
        Problem::at(
            key,
            format!("`{name}` in `{key}` is not a valid port name"),
            Some(
                "use at most 15 lowercase letters, digits and `-`, with at least one letter"
                    .to_string(),
            ),
        )
    }

    pub fn root_user(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` is 0, which is root"),
            Some("pods run as non-root; use the image's own non-root id".to_string()),
        )
    }

    pub fn empty_arg(key: &KeyPath) -> Self {
        Problem::at(key, format!("`{key}` contains an empty string"), None)
    }

    pub fn only_for_built(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies to services built from source"),
            Some("set `language` and `version` for a service you build, or remove it".to_string()),
        )
    }

    pub fn missing_repo_url() -> Self {
        Problem::at(
            &KeyPath::new(&["project", "gitops"]),
            "`project.gitops` is set, so `project.repo_url` is required".to_string(),
            Some(
                "add `repo_url = \"https://github.com/your-org/your-app.git\"` to `[project]`: \
                 Argo CD reads `deploy/<env>` from that repository"
                    .to_string(),
            ),
        )
    }

    pub fn bad_repo_url(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a git repository URL"),
            Some(
                "use `https://host/path.git`, `ssh://git@host/path.git` or `git@host:path.git`, without spaces"
                    .to_string(),
            ),
        )
    }

    pub fn bad_cluster(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a cluster API server URL"),
            Some("use `https://host[:port]`, as in `https://kubernetes.default.svc`".to_string()),
        )
    }

    pub fn bad_branch(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a usable branch name"),
            Some(
                "use letters, digits, `.`, `_`, `-` and `/`, starting with a letter or digit, without `..`"
                    .to_string(),
            ),
        )
    }

    pub fn needs_gitops(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` only applies when `project.gitops` is set"),
            Some("add `gitops = \"argocd\"` to `[project]`, or remove it".to_string()),
        )
    }

    pub fn too_large(key: &KeyPath, what: &str, max: usize) -> Self {
        Problem::at(
            key,
            format!("`{key}` is too large: at most {max} {what}"),
            None,
        )
    }

    pub fn bad_duration(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a duration"),
            Some(
                "write whole numbers with the units `h`, `m`, `s` and `ms`, in that order, such as `30s` or `1m30s`"
                    .to_string(),
            ),
        )
    }

    pub fn out_of_range(key: &KeyPath, value: &str, range: &str, meaning: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` is {value}, outside {range}"),
            Some(meaning.to_string()),
        )
    }

    pub fn needs_route_or_canary(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` has no effect: the service has no `route` and no `canary`"),
            Some(
                "timeouts and retries apply to the gateway route and the canary split; remove the key or add a `route`"
                    .to_string(),
            ),
        )
    }

    pub fn needs_service(key: &KeyPath) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs a `web` or `stateful` service with a `port`"),
            Some("only a service that others call has a DestinationRule to tune".to_string()),
        )
    }

    pub fn canary_without_mesh(key: &KeyPath, environment: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` needs the mesh, which is off in environment `{environment}`"),
            Some(format!(
                "the traffic split is an Istio VirtualService: remove the canary, or set `mesh = true` in `[environments.{environment}]`"
            )),
        )
    }

    pub fn logging_namespace_too_long(key: &KeyPath, namespace: &str) -> Self {
        Problem::at(
            key,
            format!("the logging namespace `{namespace}` of `{key}` is longer than 63 characters"),
            Some(
                "Fluentd runs in `{project}-{env}-logging`: shorten the project or environment name, or set `logging = false`"
                    .to_string(),
            ),
        )
    }

    pub fn bad_host(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a host name or IPv4 address"),
            Some(
                "use a lowercase DNS name such as `logs.example.com`, without a scheme or port"
                    .to_string(),
            ),
        )
    }

    pub fn bad_index_prefix(key: &KeyPath, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{value}` in `{key}` is not a usable Elasticsearch index prefix"),
            Some(
                "use at most 200 lowercase letters, digits, `-`, `_` and `.`, starting with a letter or digit"
                    .to_string(),
            ),
        )
    }

    /// A rendered object contradicts another: always a bug in kiln, never in `kiln.toml`.
    pub fn foreign_lock_entry(key: &KeyPath, file: &str, path: &str, reason: &str) -> Self {
        Problem::at(
            key,
            format!("`{file}` names `{path}`, but {reason}"),
            Some(format!(
                "`{file}` is written by kiln alone, and kiln touches nothing else: \
                 restore it with `git checkout -- {file}`, or delete it and run `kiln build`"
            )),
        )
    }

    pub fn bad_lock_hash(key: &KeyPath, file: &str, value: &str) -> Self {
        Problem::at(
            key,
            format!("`{key}` in `{file}` is `{value}`, not a sha256 (64 lowercase hex digits)"),
            Some(format!(
                "`{file}` is written by kiln alone: restore it with `git checkout -- {file}`"
            )),
        )
    }

    pub fn inconsistent(file: &str, message: &str) -> Self {
        Problem::at(
            &KeyPath::default(),
            format!("generated `{file}`: {message}"),
            Some("this is a bug in kiln, not in your kiln.toml; please report it with your kiln.toml".to_string()),
        )
    }
}
