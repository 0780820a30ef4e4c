//! Completion of names as one types: environments, services, templates,
//! starter apps, from the repo the command line works on.

use crate::Shell;
use clap_complete::engine::CompletionCandidate;
use std::path::PathBuf;

/// The environments of the repo the command line being completed works on.
pub(super) fn environments() -> Vec<CompletionCandidate> {
    candidates(crate::root::names(&completing_in()).environments)
}

/// Its services.
pub(super) fn services() -> Vec<CompletionCandidate> {
    candidates(crate::root::names(&completing_in()).services)
}

pub(super) fn templates() -> Vec<CompletionCandidate> {
    candidates(crate::render::bundled().into_iter().map(|(name, _)| name))
}

pub(super) fn starter_apps() -> Vec<CompletionCandidate> {
    candidates(
        crate::config::presets::apps()
            .into_iter()
            .map(|app| app.name.to_string()),
    )
}

pub(super) fn candidates(names: impl IntoIterator<Item = String>) -> Vec<CompletionCandidate> {
    names.into_iter().map(CompletionCandidate::new).collect()
}

/// Where the command line being completed works, from the shell's current
/// directory: after its `-C` directories, at its `--dir`. The shell's script
/// runs `kiln -- kiln WORDS...`; nothing but the words is known.
pub(super) fn completing_in() -> PathBuf {
    let words: Vec<String> = std::env::args_os()
        .skip_while(|word| word != "--")
        .skip(2)
        .map(|word| word.to_string_lossy().into_owned())
        .collect();
    let mut here = PathBuf::from(".");
    let mut repo = PathBuf::from(".");
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let mut value = |inline: &str| {
            if inline.is_empty() {
                words.next().cloned()
            } else {
                Some(inline.trim_start_matches('=').to_string())
            }
        };
        if let Some(inline) = word.strip_prefix("-C") {
            here.push(value(inline).unwrap_or_default());
        } else if let Some(inline) = word.strip_prefix("--dir")
            && (inline.is_empty() || inline.starts_with('='))
        {
            repo = PathBuf::from(value(inline).unwrap_or_default());
        }
    }
    here.join(repo)
}

/// Writes the completion script of `shell`: clap_complete's registration,
/// the same as `COMPLETE=bash kiln` prints. As you type, it runs
/// `COMPLETE=bash kiln -- WORDS...`, which answers from the definitions
/// above and, for environments and services, from the repo's kiln.toml.
pub fn completions(shell: Shell, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    use clap_complete::env::EnvCompleter;
    let completer: &dyn EnvCompleter = match shell {
        Shell::Bash => &clap_complete::env::Bash,
        Shell::Zsh => &clap_complete::env::Zsh,
        Shell::Fish => &clap_complete::env::Fish,
    };
    completer.write_registration("COMPLETE", "kiln", "kiln", &program(), out)
}

/// How the script calls kiln back: by name when it was found on `PATH`,
/// else by its absolute path, as clap_complete does (`-C` may have changed
/// the directory a relative path was relative to, so it is not used).
pub(super) fn program() -> String {
    let called = std::env::args_os().next().map(PathBuf::from);
    match called {
        Some(name) if name.components().count() == 1 => name.to_string_lossy().into_owned(),
        _ => std::env::current_exe()
            .map(|exe| exe.to_string_lossy().into_owned())
            .unwrap_or_else(|_| "kiln".to_string()),
    }
}
