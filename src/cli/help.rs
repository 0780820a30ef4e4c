//! `--help`: the definitions, each page ending with examples that work.

use super::args::Arguments;
use clap::CommandFactory;

/// The definitions, each page of `--help` ending with its examples.
pub(super) fn command() -> clap::Command {
    let command = Arguments::command();
    let styles = command.get_styles().clone();
    with_examples(command, "", &styles)
}

pub(super) fn with_examples(
    mut command: clap::Command,
    path: &str,
    styles: &clap::builder::Styles,
) -> clap::Command {
    let names: Vec<String> = command
        .get_subcommands()
        .map(|sub| sub.get_name().to_string())
        .collect();
    for name in names {
        let inner = join(path, &name);
        command = command.mut_subcommand(&name, |sub| with_examples(sub, &inner, styles));
    }
    let (header, literal) = (styles.get_header(), styles.get_literal());
    let mut help = format!("{header}Examples:{header:#}");
    for (line, what) in examples(path) {
        help.push_str(&format!("\n  {literal}{line}{literal:#}\n      {what}"));
    }
    command.after_help(help)
}

/// `templates` and `list` make `templates list`.
pub(super) fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path} {name}")
    }
}

/// The examples of each page: command lines that work in the repo
/// `kiln init` makes, committed to git on `main` (tests/cli.rs runs the
/// kiln part of every one), and what each does.
pub(super) fn examples(path: &str) -> &'static [(&'static str, &'static str)] {
    match path {
        "" => &[
            (
                "kiln init shop --preset shop",
                "Start a repo in ./shop from the `shop` starter app, and build it",
            ),
            (
                "kiln build",
                "Write what changed in kiln.toml to the generated files",
            ),
            (
                "kiln diff --base main --semantic",
                "What this branch changes in the output, field by field",
            ),
            (
                "kiln -C deploy/prod check",
                "Check the repo from one of its directories: kiln looks for kiln.toml upwards",
            ),
        ],
        "init" => &[
            ("kiln init", "Start a repo here, named after the directory"),
            (
                "kiln init shop --preset shop",
                "Start a repo in ./shop from the `shop` starter app (see `kiln presets list`)",
            ),
            (
                "kiln init orders --name orders-api --preset minimal",
                "One HTTP service in two environments, its project named `orders-api`",
            ),
        ],
        "build" => &[
            (
                "kiln build",
                "Write what changed; hand-edited files stop the build",
            ),
            (
                "kiln build --dry-run",
                "List what would be created, updated or deleted; write nothing",
            ),
            (
                "kiln build --dry-run -v",
                "The same, with the files that stay unchanged",
            ),
            ("kiln build -q", "Print nothing but errors: for scripts"),
        ],
        "check" => &[
            (
                "kiln check",
                "Report every problem in kiln.toml at once; write nothing",
            ),
            (
                "kiln check -q",
                "Print nothing; exit 0 when valid, 2 when not",
            ),
            (
                "kiln check --format github",
                "In a GitHub Actions step: problems become annotations on their lines",
            ),
            (
                "kiln check --format json",
                "One JSON document (docs/check.schema.json), for editors",
            ),
        ],
        "render" => &[
            (
                "kiln render prod | kubectl apply -f -",
                "Apply one environment without writing it",
            ),
            (
                "kiln render dev | kubeconform -strict -summary -",
                "Validate an environment's objects against the Kubernetes schemas",
            ),
            (
                "kiln render staging > staging.yaml",
                "One environment as one file",
            ),
        ],
        "prereqs" => &[
            (
                "kiln prereqs prod",
                "What the cluster needs before `kubectl apply -k deploy/prod`",
            ),
            (
                "kiln prereqs --format json",
                "The same for every environment, as JSON",
            ),
        ],
        "diff" => &[
            (
                "kiln diff",
                "How the files on disk drifted from kiln.toml, hand edits included",
            ),
            (
                "kiln diff --base main --stat",
                "What this branch changes, per file",
            ),
            (
                "kiln diff --base main --semantic --env prod",
                "What it changes in prod, field by field",
            ),
            (
                "kiln diff --base main --format markdown",
                "A summary for a pull request comment",
            ),
            (
                "kiln diff -q",
                "Print nothing; exit 0 when nothing differs, 1 when something does",
            ),
        ],
        "eject" => &[
            (
                "kiln eject deploy/prod/services/api/deployment.yaml",
                "Edit this file by hand from now on; kiln leaves it alone",
            ),
            (
                "kiln eject services/api/Dockerfile",
                "Keep your own Dockerfile where kiln would write one",
            ),
        ],
        "restore" => &[
            (
                "kiln restore deploy/prod/services/api/deployment.yaml",
                "Give an ejected file back to kiln: it is rewritten from kiln.toml, hand edits and all",
            ),
            (
                "kiln restore services/api/Dockerfile",
                "kiln writes this Dockerfile again from now on",
            ),
        ],
        "set" => &[
            (
                "kiln set services.api.version 1.4.0",
                "Change one value of kiln.toml, comments and layout kept, then build",
            ),
            (
                "kiln set services.api.environments.prod.replicas 5",
                "Set a value in one environment, creating the table it needs",
            ),
            (
                "kiln set --no-build project.branch trunk",
                "Only edit kiln.toml; `kiln build` later",
            ),
        ],
        "explain" => &[
            (
                "kiln explain prod api",
                "Every setting of `api` in prod, and the layer it came from",
            ),
            ("kiln explain prod api replicas", "Only `replicas`"),
            (
                "kiln explain dev api env.LOG_LEVEL",
                "Only one environment variable",
            ),
        ],
        "templates" => &[
            (
                "kiln templates list",
                "Every bundled template, marked when overridden",
            ),
            (
                "kiln templates eject k8s/service.yaml.tera",
                "Copy one into .kiln/templates/ to edit it there",
            ),
        ],
        "templates list" => &[("kiln templates list", "Every bundled template")],
        "templates show" => &[(
            "kiln templates show k8s/deployment.yaml.tera",
            "Print the template of every Deployment",
        )],
        "templates eject" => &[(
            "kiln templates eject k8s/configmap.yaml.tera",
            "Copy it into .kiln/templates/k8s/, where it overrides the bundled one",
        )],
        "presets" | "presets list" => &[(
            "kiln presets list",
            "The service presets and the starter apps, one line each",
        )],
        "schema" => &[(
            "kiln schema > kiln.schema.json",
            "The JSON Schema for an editor; `kiln init` writes it to .kiln/kiln.schema.json",
        )],
        "completions" => &[
            ("source <(kiln completions bash)", "In ~/.bashrc"),
            ("source <(kiln completions zsh)", "In ~/.zshrc"),
            (
                "kiln completions fish | source",
                "In ~/.config/fish/config.fish",
            ),
        ],
        "man" => &[
            ("kiln man | man -l -", "Read kiln(1)"),
            ("kiln man diff | man -l -", "Read kiln-diff(1)"),
            (
                "kiln man --out ~/.local/share/man/man1",
                "Install every page, for `man kiln-diff`",
            ),
        ],
        _ => &[],
    }
}
