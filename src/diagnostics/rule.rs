//! What is wrong with a template override, or with the directory it is in.

/// What is wrong with a template override, or with the directory it is in.
#[derive(Debug, Clone, PartialEq)]
pub enum OverrideRule {
    Symlink,
    NotRegular,
    /// Not a directory, where the directory `root` (or a parent of it) belongs.
    NotDirectory {
        root: &'static str,
    },
    TooLarge {
        bytes: u64,
        max: u64,
    },
    TooManyFiles {
        max: usize,
    },
    NotUtf8,
    /// Tags or brackets nested deeper than Tera's parser can take.
    Nesting {
        max: usize,
    },
    TagTooLong {
        max: usize,
    },
    /// A render that would recurse `depth` levels, through the units in `via`.
    TooDeep {
        depth: usize,
        max: usize,
        via: Vec<String>,
    },
    /// Includes, imports, extends or macro calls that lead back to themselves.
    Cycle {
        path: Vec<String>,
    },
    Unavailable {
        name: String,
    },
    Internal {
        name: String,
    },
    DynamicIndex {
        ident: String,
    },
    FilterSection {
        filter: String,
    },
    OtherFormat {
        verb: &'static str,
        target: String,
    },
    TooManyOperands {
        max: usize,
    },
    UnknownFilter {
        name: String,
    },
    UnknownTest {
        name: String,
    },
}

impl OverrideRule {
    /// A fault of the file itself (it is not read at all), not of its text.
    pub(super) fn of_file(&self) -> bool {
        matches!(
            self,
            OverrideRule::Symlink
                | OverrideRule::NotRegular
                | OverrideRule::NotDirectory { .. }
                | OverrideRule::TooLarge { .. }
                | OverrideRule::TooManyFiles { .. }
                | OverrideRule::NotUtf8
        )
    }

    /// What is wrong, after the file's name, and what to do.
    pub(super) fn words(&self) -> (String, String) {
        match self {
            OverrideRule::Symlink => (
                "it is a symbolic link".into(),
                "kiln reads template overrides only from regular files in the repo, never through a link; \
                 replace the link with the file itself"
                    .into(),
            ),
            OverrideRule::NotRegular => (
                "it is not a regular file".into(),
                "a template override is a plain text file; remove this one".into(),
            ),
            OverrideRule::NotDirectory { root } => (
                "it is not a directory".into(),
                format!(
                    "template overrides live in the directory `{root}/`, at the paths of the bundled templates"
                ),
            ),
            OverrideRule::TooLarge { bytes, max } => (
                format!("it is {bytes} bytes; kiln reads at most {max} of a template override"),
                "a template this large is almost certainly not one; check what wrote it".into(),
            ),
            OverrideRule::TooManyFiles { max } => (
                format!("it holds more than {max} files and directories"),
                "it should hold only overrides of bundled templates; `kiln templates list` names them"
                    .into(),
            ),
            OverrideRule::NotUtf8 => (
                "it is not UTF-8 text".into(),
                "save it as UTF-8".into(),
            ),
            OverrideRule::Nesting { max } => (
                format!("nests tags or brackets more than {max} deep"),
                "Tera's parser recurses once per level; flatten it with `{% set %}` or a macro".into(),
            ),
            OverrideRule::TagTooLong { max } => (
                format!("has a tag longer than {max} bytes"),
                "split the expression with `{% set %}`".into(),
            ),
            OverrideRule::TooDeep { depth, max, via } => {
                let mut problem = format!(
                    "renders at least {depth} levels deep, counting nested tags, expressions, includes and \
                     macro calls; kiln renders at most {max}"
                );
                if via.len() > 1 {
                    problem.push_str(&format!(" (through {})", via.join(" → ")));
                }
                (
                    problem,
                    "Tera renders by recursion, and deeper could overflow its stack; flatten the nesting or include less deeply"
                        .into(),
                )
            }
            OverrideRule::Cycle { path } => (
                format!("never ends: {}", path.join(" → ")),
                "an include, import, extends or macro call that leads back to where it started recurses \
                 until the stack overflows; break the cycle"
                    .into(),
            ),
            OverrideRule::Unavailable { name } => (
                format!("calls `{name}()`, which is not available in kiln templates"),
                "kiln's output depends only on kiln.toml and the templates, never on the environment, \
                 the clock or chance; put the value in kiln.toml"
                    .into(),
            ),
            OverrideRule::Internal { name } => (
                format!("uses `{name}`, which is internal to kiln and Tera"),
                "remove it; templates see `project`, `env`, `service` and the values docs/customize.md lists"
                    .into(),
            ),
            OverrideRule::DynamicIndex { ident } => (
                format!("indexes `{ident}` with a variable"),
                "write `x | get(key=k)` for a table or `x | nth(n=i)` for a list; \
                 `x[...]` takes only a literal in kiln templates"
                    .into(),
            ),
            OverrideRule::FilterSection { filter } => (
                format!("runs `{{% filter {filter} %}}` over rendered text"),
                "only `indent` with a literal blank `prefix` (and `first`, `blank`) may: any other filter could \
                 undo the escaping of the values inside; filter the values themselves, inside `{{ }}`"
                    .into(),
            ),
            OverrideRule::OtherFormat { verb, target } => (
                format!("{verb}s `{target}`, a template of another format"),
                "its values are escaped for that format, not this one; include, import and extend only \
                 templates of the same kind"
                    .into(),
            ),
            OverrideRule::TooManyOperands { max } => (
                format!("has an expression of more than {max} operands and filters"),
                "split it with `{% set %}`".into(),
            ),
            OverrideRule::UnknownFilter { name } => (
                format!("uses the filter `{name}`, which kiln templates do not have"),
                "kiln templates have Tera's built-in filters (`upper`, `replace`, `join`...) and kiln's \
                 `yaml`, `fluent`, `dockerfile` and `groovy`"
                    .into(),
            ),
            OverrideRule::UnknownTest { name } => (
                format!("uses the test `{name}`, which kiln templates do not have"),
                "kiln templates have Tera's built-in tests (`defined`, `number`, `starting_with`...)".into(),
            ),
        }
    }
}
