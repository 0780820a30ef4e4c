//! Problems in `kiln.toml` as rustc draws them, through the binary: the
//! caret under its value whatever tabs and wide characters stand before it,
//! and colour exactly when the `--color` flag, or else the environment (by
//! anstream's rules, docs/output.md) and the stream, say so.

use crate::{Repo, Run, SMALL, built};
use unicode_width::UnicodeWidthStr;

const HEAD: &str =
    "[project]\nname = \"shop\"\nregistry = \"ghcr.io/acme/shop\"\n\n[environments.dev]\n\n";

/// A service whose `port` is a string; line 10 is `port_line`.
fn wrong_port(port_line: &str) -> String {
    format!("{HEAD}[services.users]\nlanguage = \"node\"\nversion = \"1\"\n{port_line}\n")
}

/// What the terminal shows for the problem on `line`: the source line after
/// the gutter, the display column of the first `^` under it, and how many.
#[track_caller]
fn drawn(stderr: &str, line: usize) -> (String, usize, usize) {
    let prefix = format!("{line} | ");
    let gutter = format!("{} | ", " ".repeat(line.to_string().len()));
    let mut lines = stderr.lines();
    let source = lines
        .by_ref()
        .find_map(|l| l.strip_prefix(&prefix))
        .unwrap_or_else(|| panic!("no line {line} drawn:\n{stderr}"));
    let under = lines
        .next()
        .and_then(|l| l.strip_prefix(&gutter))
        .unwrap_or_else(|| panic!("no caret line under line {line}:\n{stderr}"));
    let column = under.find('^').expect("a caret");
    assert!(under[..column].chars().all(|c| c == ' '), "{under:?}");
    let carets = under[column..].chars().take_while(|c| *c == '^').count();
    (source.to_string(), column, carets)
}

/// Asserts the carets sit under `value` in the drawn `source`, as wide as it.
#[track_caller]
fn assert_under(source: &str, column: usize, carets: usize, value: &str) {
    assert!(
        !source.contains('\t'),
        "a tab is drawn as spaces, not left to the terminal's tab stops: {source:?}"
    );
    let at = source.find(value).expect("the value is drawn");
    assert_eq!(column, source[..at].width(), "caret column in {source:?}");
    assert_eq!(carets, value.width(), "caret count under {value:?}");
}

/// The line and column `kiln check --format json` gives the one problem.
fn json_place(repo: &Repo) -> (u64, u64) {
    let run = repo.kiln(&["check", "--format", "json"]).fails_with(2);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let problem = &report["problems"][0];
    (
        problem["line"].as_u64().unwrap(),
        problem["column"].as_u64().unwrap(),
    )
}

#[test]
fn a_caret_lands_under_its_value_after_tabs() {
    let repo = Repo::with_config(&wrong_port("\tport =\t\"8080\""));
    let run = repo.kiln(&["check"]).fails_with(2);
    assert!(
        run.stderr.starts_with(
            "error: wrong value for `services.users.port`: invalid type: string \"8080\", \
             expected a whole number from 1 to 65535\n  --> kiln.toml:10:9\n"
        ),
        "{}",
        run.stderr
    );
    // The column counts characters, a tab as one, as `--format json` does.
    assert_eq!(json_place(&repo), (10, 9));
    let (source, column, carets) = drawn(&run.stderr, 10);
    assert_eq!(source, "    port =    \"8080\"");
    assert_under(&source, column, carets, "\"8080\"");
}

#[test]
fn a_caret_lands_under_its_value_after_wide_characters() {
    let line = "env = { GREETING = \"こんにちは🎉\", PORT = 8080 }";
    let config = format!(
        "{HEAD}[services.users]\nlanguage = \"node\"\nversion = \"1\"\nport = 8080\n{line}\n"
    );
    let repo = Repo::with_config(&config);
    let run = repo.kiln(&["check"]).fails_with(2);
    assert!(
        run.stderr.starts_with(
            "error: wrong value for `services.users.env.PORT`: invalid type: integer `8080`, \
             expected a string\n  --> kiln.toml:11:37\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(json_place(&repo), (11, 37));
    let (source, column, carets) = drawn(&run.stderr, 11);
    assert_eq!(source, line);
    assert_under(&source, column, carets, "8080");
    // 20 columns, five CJK characters and an emoji of two each, 10 more:
    // not the 36 characters before the value.
    assert_eq!(column, 42);
}

#[test]
fn a_did_you_mean_after_wide_characters_keeps_its_key_and_hint() {
    let line = "alerts = { severity = \"重大🚨\", volume_precent = 5 }";
    let config = HEAD.replace(
        "[environments.dev]\n",
        &format!("[environments.dev]\n{line}\n"),
    );
    let repo = Repo::with_config(&config);
    let run = repo.kiln(&["check"]).fails_with(2);
    // 23 columns, two CJK characters and an emoji of two each, 3 more.
    let under = " ".repeat(32);
    assert_eq!(
        run.stderr,
        format!(
            "error: unknown key `environments.dev.alerts.volume_precent`\n \
             --> kiln.toml:6:30\n  |\n6 | {line}\n  | {under}^^^^^^^^^^^^^^\n  \
             = hint: did you mean `volume_percent`?\n\n\
             1 problem in `kiln.toml`; nothing was written\n"
        )
    );
    let (source, column, carets) = drawn(&run.stderr, 6);
    assert_under(&source, column, carets, "volume_precent");
}

/// The variables that decide colour; each run sets only those it names.
const COLOUR_VARS: &[&str] = &["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM", "CI"];

/// kiln in `repo` with only `vars` of the colour variables set, its output piped.
fn piped(repo: &Repo, args: &[&str], vars: &[(&str, &str)]) -> Run {
    let mut command = assert_cmd::Command::cargo_bin("kiln").expect("kiln binary");
    command.args(args).current_dir(repo.path());
    for var in COLOUR_VARS {
        command.env_remove(var);
    }
    let output = command
        .envs(vars.iter().copied())
        .output()
        .expect("run kiln");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn styled(text: &str) -> bool {
    text.contains("\x1b[")
}

/// `text` without its SGR escapes.
fn plain(text: &str) -> String {
    regex::Regex::new("\x1b\\[[0-9;]*m")
        .unwrap()
        .replace_all(text, "")
        .into_owned()
}

/// A repo whose `kiln.toml` has a problem on line 10.
fn invalid() -> Repo {
    Repo::with_config(&wrong_port("port = \"8080\""))
}

/// A built repo whose `kiln.toml` has changed since: `kiln diff` has lines to colour.
fn changed() -> Repo {
    let repo = built(SMALL);
    repo.write(
        "kiln.toml",
        &SMALL.replace("version = \"1.4.2\"", "version = \"1.5.0\""),
    );
    repo
}

#[test]
fn piped_output_is_plain_whatever_the_terminal_type() {
    let (invalid, changed) = (invalid(), changed());
    for vars in [
        &[][..],
        &[("TERM", "xterm-256color")],
        &[("TERM", "xterm-256color"), ("CLICOLOR", "1")],
        &[("TERM", "dumb")],
    ] {
        let run = piped(&invalid, &["check"], vars).fails_with(2);
        assert!(!styled(&run.stderr), "{vars:?}: {:?}", run.stderr);
        let run = piped(&changed, &["diff"], vars).fails_with(1);
        assert!(!styled(&run.stdout), "{vars:?}");
    }
}

#[test]
fn clicolor_force_colours_a_pipe_and_changes_no_word() {
    let (invalid, changed) = (invalid(), changed());
    let bare = piped(&invalid, &["check"], &[]).fails_with(2);
    let bare_diff = piped(&changed, &["diff"], &[]).fails_with(1);
    // CLICOLOR_FORCE beats CLICOLOR=0 and TERM=dumb; anstream takes any
    // value but the empty one, `0` too (docs/output.md says so).
    for vars in [
        &[("CLICOLOR_FORCE", "1")][..],
        &[("CLICOLOR_FORCE", "0")],
        &[("CLICOLOR_FORCE", "1"), ("TERM", "dumb")],
        &[("CLICOLOR_FORCE", "1"), ("CLICOLOR", "0")],
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "")],
    ] {
        let run = piped(&invalid, &["check"], vars).fails_with(2);
        assert!(styled(&run.stderr), "{vars:?}: {:?}", run.stderr);
        assert_eq!(plain(&run.stderr), bare.stderr, "{vars:?}");
        let run = piped(&changed, &["diff"], vars).fails_with(1);
        assert!(
            run.stdout.contains("\x1b[32m+"),
            "{vars:?}: green additions"
        );
        assert_eq!(plain(&run.stdout), bare_diff.stdout, "{vars:?}");
    }
}

#[test]
fn no_color_wins_over_clicolor_force() {
    let (invalid, changed) = (invalid(), changed());
    let vars = [("NO_COLOR", "1"), ("CLICOLOR_FORCE", "1")];
    let run = piped(&invalid, &["check"], &vars).fails_with(2);
    assert!(!styled(&run.stderr), "{:?}", run.stderr);
    let run = piped(&changed, &["diff"], &vars).fails_with(1);
    assert!(!styled(&run.stdout));
}

#[test]
fn the_color_flag_wins_over_the_environment_on_both_streams() {
    let (invalid, changed) = (invalid(), changed());
    let plain_env = [("NO_COLOR", "1")];
    let run = piped(&invalid, &["diff", "--color", "always"], &plain_env).fails_with(2);
    assert!(styled(&run.stderr), "errors too: {:?}", run.stderr);
    assert!(plain(&run.stderr).contains("--> kiln.toml:10:8"));
    let run = piped(&changed, &["diff", "--color", "always"], &plain_env).fails_with(1);
    assert!(run.stdout.contains("\x1b[31m-"), "red removals");

    let forced = [("CLICOLOR_FORCE", "1")];
    let run = piped(&invalid, &["diff", "--color", "never"], &forced).fails_with(2);
    assert!(!styled(&run.stderr), "{:?}", run.stderr);
    let run = piped(&changed, &["diff", "--color", "never"], &forced).fails_with(1);
    assert!(!styled(&run.stdout));
    // `auto` is the environment's say.
    let run = piped(&invalid, &["diff", "--color", "auto"], &forced).fails_with(2);
    assert!(styled(&run.stderr));
}

/// What a terminal shows when kiln runs on it (stdout and stderr both),
/// with only `vars` of the colour variables set.
#[cfg(unix)]
fn on_terminal(repo: &Repo, args: &[&str], vars: &[(&str, &str)]) -> String {
    use rustix::pty::{OpenptFlags, grantpt, openpt, ptsname, unlockpt};
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;

    let screen = openpt(OpenptFlags::RDWR | OpenptFlags::NOCTTY).expect("a pseudo-terminal");
    grantpt(&screen).unwrap();
    unlockpt(&screen).unwrap();
    let name = ptsname(&screen, Vec::new()).unwrap().into_string().unwrap();
    let terminal = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .custom_flags(libc::O_NOCTTY)
        .open(name)
        .unwrap();
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_kiln"));
    command
        .args(args)
        .current_dir(repo.path())
        .stdin(std::process::Stdio::null())
        .stdout(terminal.try_clone().unwrap())
        .stderr(terminal);
    for var in COLOUR_VARS {
        command.env_remove(var);
    }
    let mut child = command
        .envs(vars.iter().copied())
        .spawn()
        .expect("run kiln");
    // Reading ends (EIO) once no one holds the terminal side: kiln has exited.
    drop(command);
    let mut shown = Vec::new();
    let _ = std::fs::File::from(screen).read_to_end(&mut shown);
    child.wait().unwrap();
    String::from_utf8_lossy(&shown).replace("\r\n", "\n")
}

#[cfg(unix)]
#[test]
fn a_terminal_gets_colour_unless_the_environment_says_no() {
    let (invalid, changed) = (invalid(), changed());
    let colour = [("TERM", "xterm-256color")];
    let shown = on_terminal(&invalid, &["check"], &colour);
    assert!(styled(&shown), "{shown:?}");
    let bare = piped(&invalid, &["check"], &[]).fails_with(2);
    assert_eq!(plain(&shown), bare.stderr);
    assert!(on_terminal(&changed, &["diff"], &colour).contains("\x1b[32m+"));

    for vars in [
        &[("TERM", "dumb")][..],
        &[],
        &[("TERM", "xterm-256color"), ("NO_COLOR", "1")],
        &[("TERM", "xterm-256color"), ("CLICOLOR", "0")],
    ] {
        let shown = on_terminal(&invalid, &["check"], vars);
        assert!(!styled(&shown), "{vars:?}: {shown:?}");
        assert!(shown.contains("--> kiln.toml:10:8"), "{vars:?}: {shown:?}");
        let shown = on_terminal(&changed, &["diff"], vars);
        assert!(!styled(&shown), "{vars:?}");
        assert!(shown.contains("\n+"), "{vars:?}: {shown:?}");
    }
    // A dumb terminal still gets colour when CLICOLOR or CI says it can.
    for vars in [
        &[("TERM", "dumb"), ("CLICOLOR", "1")][..],
        &[("TERM", "dumb"), ("CI", "true")],
    ] {
        let shown = on_terminal(&invalid, &["check"], vars);
        assert!(styled(&shown), "{vars:?}: {shown:?}");
    }
    let shown = on_terminal(&changed, &["diff", "--color", "never"], &colour);
    assert!(!styled(&shown), "{shown:?}");
}
