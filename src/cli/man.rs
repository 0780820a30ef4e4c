//! The man pages: `kiln.1`, and one per subcommand.

use super::help::{command, examples, join};

/// Every man page kiln ships, by file name: `kiln.1`, and `kiln-SUB.1` for
/// each subcommand, nested ones too (`kiln-templates-list.1`), so that each
/// page that another names exists.
pub fn man_pages() -> std::io::Result<Vec<(String, Vec<u8>)>> {
    let mut command = command().disable_help_subcommand(true);
    command.build();
    let mut pages = Vec::new();
    add_pages(&command, "", &mut pages)?;
    Ok(pages)
}

pub(super) fn add_pages(
    command: &clap::Command,
    path: &str,
    pages: &mut Vec<(String, Vec<u8>)>,
) -> std::io::Result<()> {
    pages.push((format!("{}.1", page_name(path)), page(command, path)?));
    for sub in command.get_subcommands().filter(|sub| !sub.is_hide_set()) {
        add_pages(sub, &join(path, sub.get_name()), pages)?;
    }
    Ok(())
}

/// `kiln`, `kiln-diff`, `kiln-templates-list`.
pub(super) fn page_name(path: &str) -> String {
    if path.is_empty() {
        "kiln".to_string()
    } else {
        format!("kiln-{}", path.replace(' ', "-"))
    }
}

/// One page: clap_mangen's sections, then EXAMPLES, EXIT STATUS,
/// ENVIRONMENT (on kiln(1)) and SEE ALSO.
pub(super) fn page(command: &clap::Command, path: &str) -> std::io::Result<Vec<u8>> {
    use clap_mangen::roff::{Roff, bold, roman};
    // The examples get a section of their own, not clap_mangen's EXTRA.
    let man = clap_mangen::Man::new(command.clone().after_help(None::<&str>))
        .source(format!("kiln {}", env!("CARGO_PKG_VERSION")))
        .manual("kiln manual");
    let mut text = Vec::new();
    man.render_title(&mut text)?;
    man.render_name_section(&mut text)?;
    man.render_synopsis_section(&mut text)?;
    man.render_description_section(&mut text)?;
    if command.get_arguments().any(|arg| !arg.is_hide_set()) {
        man.render_options_section(&mut text)?;
    }
    if command.get_subcommands().any(|sub| !sub.is_hide_set()) {
        man.render_subcommands_section(&mut text)?;
    }
    let mut roff = Roff::new();
    roff.control("SH", ["EXAMPLES"]);
    for (line, what) in examples(path) {
        roff.control("TP", [])
            .text([bold(*line)])
            .text([roman(*what)]);
    }
    roff.control("SH", ["EXIT STATUS"]);
    for (code, meaning) in exit_status(path) {
        roff.control("TP", [])
            .text([bold(*code)])
            .text([roman(*meaning)]);
    }
    if path.is_empty() {
        roff.control("SH", ["ENVIRONMENT"]);
        for (name, meaning) in ENVIRONMENT {
            roff.control("TP", [])
                .text([bold(*name)])
                .text([roman(*meaning)]);
        }
    }
    let see_also: Vec<String> = see_also(path)
        .into_iter()
        .map(|other| format!("{}(1)", page_name(&other)))
        .collect();
    if !see_also.is_empty() {
        roff.control("SH", ["SEE ALSO"]);
        roff.text([roman(see_also.join(", "))]);
    }
    roff.to_writer(&mut text)?;
    man.render_version_section(&mut text)?;
    Ok(one_preamble(text))
}

/// Each part clap_mangen and roff write starts with the same two lines
/// that define `\*(Aq`; a page needs them once.
pub(super) fn one_preamble(text: Vec<u8>) -> Vec<u8> {
    const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    let text = String::from_utf8_lossy(&text);
    let body = text.replace(PREAMBLE, "");
    format!("{PREAMBLE}{body}").into_bytes()
}

/// What kiln's exit codes mean for the command at `path`.
pub(super) fn exit_status(path: &str) -> &'static [(&'static str, &'static str)] {
    match path {
        "" => &[
            ("0", "Success; for kiln diff, no difference."),
            (
                "1",
                "kiln diff found differences. No other command exits 1.",
            ),
            (
                "2",
                "An error: a usage error, a problem in kiln.toml (every one is reported, and \
                 nothing is written), a file kiln will not touch, or a failed read or write.",
            ),
        ],
        "diff" => &[
            ("0", "No difference."),
            (
                "1",
                "Differences found (with -q too, which prints nothing).",
            ),
            (
                "2",
                "An error: a broken kiln.toml (at either revision), an unknown revision or \
                 environment or service, a usage error.",
            ),
        ],
        "check" => &[
            ("0", "kiln.toml is valid, and so is everything it renders."),
            (
                "2",
                "kiln.toml has problems (every one is reported, in --format too) or cannot be \
                 read, or a usage error.",
            ),
        ],
        "build" => &[
            ("0", "The files are written, or nothing needed to change."),
            (
                "2",
                "An error, and nothing was written: a problem in kiln.toml, files edited by hand \
                 since kiln wrote them (--force overwrites them), a path kiln will not touch, a \
                 usage error.",
            ),
        ],
        _ => &[
            ("0", "Success."),
            (
                "2",
                "An error: a usage error, a problem in kiln.toml, an unknown name, a file kiln \
                 will not touch.",
            ),
        ],
    }
}

/// Every environment variable kiln reads.
pub(super) const ENVIRONMENT: &[(&str, &str)] = &[
    (
        "NO_COLOR",
        "Set and not empty: no colour. kiln diff --color always still colours.",
    ),
    (
        "CLICOLOR_FORCE",
        "Set and not empty: colour even when the output is not a terminal.",
    ),
    (
        "CLICOLOR",
        "0: no colour. Any other value: colour on a terminal even when TERM does not say it can.",
    ),
    (
        "TERM",
        "Unset or dumb: no colour, unless CLICOLOR or CI says otherwise.",
    ),
    ("CI", "Set: colour on a terminal, whatever TERM says."),
    (
        "COMPLETE",
        "A shell (bash, zsh, fish, elvish, powershell): print completions for the words after \
         -- instead of running, or with no words the shell's registration script. The scripts \
         of kiln completions set it, and the _CLAP_COMPLETE_* and _CLAP_IFS variables, \
         themselves.",
    ),
    (
        "PATH",
        "Where kiln diff --base finds git. git reads its own variables (GIT_DIR, \
         GIT_CONFIG_GLOBAL, ...) as ever.",
    ),
];

/// The pages a page points to besides its own subcommands': the page above
/// it and the commands that go with it.
pub(super) fn see_also(path: &str) -> Vec<String> {
    let related: &[&str] = match path {
        "" => &[],
        "init" => &["presets", "build"],
        "build" => &["check", "diff", "eject"],
        "check" => &["build", "explain"],
        "render" => &["prereqs", "build"],
        "prereqs" => &["render"],
        "diff" => &["build", "check"],
        "eject" => &["restore", "templates", "build"],
        "restore" => &["eject", "build"],
        "set" => &["build", "check"],
        "explain" => &["check"],
        "templates" => &["eject", "build"],
        "presets" => &["init"],
        "schema" => &["check"],
        _ => &[],
    };
    let parent = match path.rsplit_once(' ') {
        Some((parent, _)) => parent.to_string(),
        None if path.is_empty() => return Vec::new(),
        None => String::new(),
    };
    std::iter::once(parent)
        .chain(related.iter().map(|other| other.to_string()))
        .collect()
}
