//! The command line as people already type it: `-C DIR`, `kiln.toml` found
//! upwards, ranges said as a person would, the man pages, the examples of
//! `--help`, and completion of the repo's own names.

use crate::{Repo, SMALL, STARTER, built};
use std::collections::BTreeSet;
use std::path::Path;

/// Runs kiln in `dir`, not in the repo's root.
fn kiln_in(repo: &Repo, dir: &str, args: &[&str]) -> crate::Run {
    let output = assert_cmd::Command::cargo_bin("kiln")
        .expect("kiln binary")
        .args(args)
        .current_dir(repo.path().join(dir))
        .env("NO_COLOR", "1")
        .output()
        .expect("run kiln");
    crate::Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn dash_c_runs_as_if_started_in_the_directory() {
    let repo = Repo::new();
    repo.write("app/kiln.toml", SMALL);
    repo.kiln(&["-C", "app", "build"]).success();
    assert!(repo.exists("app/deploy/prod/kustomization.yaml"));
    assert!(repo.exists("app/kiln.lock"));
    assert!(!repo.exists("deploy"));
    repo.kiln(&["-C", "app", "check"])
        .success()
        .stdout_has("kiln.toml is valid: 2 environments, 2 services");
    // Relative paths in other arguments are relative to DIR, as in git.
    repo.kiln(&["-C", "app", "man", "--out", "man1"]).success();
    assert!(repo.exists("app/man1/kiln.1"));
    // Each `-C` is relative to the one before; an empty one changes nothing.
    repo.write("app/sub/.keep", "");
    repo.kiln(&["-C", "app", "-C", "", "-C", "sub", "diff"])
        .success()
        .stdout_has("no differences");
    // From anywhere: an absolute directory.
    let app = repo.path().join("app");
    kiln_in(&repo, "app/sub", &["-C", app.to_str().unwrap(), "check"]).success();
    let run = repo.kiln(&["-C", "nowhere", "check"]).fails_with(2);
    assert_eq!(
        run.stderr,
        "error: cannot change to `nowhere`: No such file or directory (os error 2)\n  \
         = hint: `-C` takes a directory; kiln runs as if started there\n"
    );
}

#[test]
fn kiln_toml_is_found_from_a_directory_below_it() {
    let repo = built(SMALL);
    let prod = "deploy/prod";
    kiln_in(&repo, prod, &["check"])
        .success()
        .stdout_has("../../kiln.toml is valid: 2 environments, 2 services");
    kiln_in(&repo, prod, &["diff"])
        .success()
        .stdout_has("no differences");
    repo.write("kiln.toml", &SMALL.replace("replicas = 3", "replicas = 4"));
    let run = kiln_in(&repo, prod, &["diff", "--stat"]).fails_with(1);
    assert!(
        run.stdout
            .contains("deploy/prod/services/users/deployment.yaml"),
        "{}",
        run.stdout
    );
    // A problem names the file by the path from where kiln was started.
    repo.write("kiln.toml", &SMALL.replace("port = 8080", "port = 0"));
    kiln_in(&repo, prod, &["check"])
        .fails_with(2)
        .stderr_has("--> ../../kiln.toml:13:8\n");
    repo.write("kiln.toml", &SMALL.replace("replicas = 3", "replicas = 4"));
    // The build writes at the root, never below the directory it ran in.
    let run = kiln_in(&repo, prod, &["build"]).success();
    assert!(!run.stdout.contains("using"), "{}", run.stdout);
    assert!(!repo.exists("deploy/prod/deploy"));
    assert!(!repo.exists("deploy/prod/kiln.lock"));
    assert!(
        repo.read("deploy/prod/services/users/deployment.yaml")
            .contains("replicas: 4")
    );
    // `-v` says where the repo is when it is not where kiln started.
    let run = kiln_in(&repo, prod, &["build", "-v"]).success();
    assert!(
        run.stdout.starts_with("kiln: using ../../kiln.toml\n"),
        "{}",
        run.stdout
    );
    let run = repo.kiln(&["build", "-v"]).success();
    assert!(!run.stdout.contains("using"), "{}", run.stdout);
    let rendered = kiln_in(&repo, prod, &["render", "prod"]).success().stdout;
    assert!(
        rendered.starts_with("---\n# Source: deploy/prod/"),
        "{rendered}"
    );
    // `--dir` starts the search where it points.
    let run = repo.kiln(&["check", "--dir", prod]).success();
    let root = std::fs::canonicalize(repo.path()).unwrap();
    assert!(
        run.stdout
            .starts_with(&format!("{}/kiln.toml is valid", root.display())),
        "{}",
        run.stdout
    );
}

#[test]
fn a_missing_kiln_toml_names_where_kiln_looked() {
    let repo = Repo::new();
    repo.write("a/b/.keep", "");
    let run = kiln_in(&repo, "a/b", &["diff"]).fails_with(2);
    let looked = std::fs::canonicalize(repo.path().join("a/b")).unwrap();
    assert_eq!(
        run.stderr,
        format!(
            "error: no `kiln.toml` in `{}` or any directory above it\n  \
             = hint: run `kiln init` to start a repo here, or `kiln -C DIR ...` to work on the repo at DIR\n",
            looked.display()
        )
    );
    assert_eq!(run.stdout, "");
    assert!(!repo.exists("a/b/kiln.lock"));
}

/// Anything named `kiln.toml` ends the search, and only a regular file is
/// read: a symlink is refused, never followed and never passed over.
#[test]
fn a_symlinked_kiln_toml_is_refused_not_followed_or_skipped() {
    let repo = built(SMALL);
    repo.write("outside/kiln.toml", STARTER);
    repo.write("inner/.keep", "");
    std::os::unix::fs::symlink(
        repo.path().join("outside/kiln.toml"),
        repo.path().join("inner/kiln.toml"),
    )
    .unwrap();
    let before = repo.files();
    let run = kiln_in(&repo, "inner", &["build"]).fails_with(2);
    assert!(
        run.stderr.contains("`kiln.toml`: it is a symlink"),
        "{}",
        run.stderr
    );
    kiln_in(&repo, "inner", &["check"]).fails_with(2);
    repo.assert_untouched(&before);
}

#[test]
fn init_makes_a_repo_where_it_is_told_even_inside_another() {
    let repo = built(SMALL);
    repo.write("tools/.keep", "");
    kiln_in(&repo, "tools", &["init", "--name", "tools"]).success();
    assert!(repo.exists("tools/kiln.toml"));
    assert!(repo.exists("tools/kiln.lock"));
    assert_eq!(repo.read("kiln.toml"), SMALL);
}

/// Each number out of its range is one located problem that names the key
/// and the range as a person says it, whichever of reading or checking
/// refuses it.
#[test]
fn numbers_out_of_range_say_the_range_in_words() {
    let cases = [
        (
            "port = 8080",
            "port = 0",
            "error: `services.users.port` must be from 1 to 65535, not 0\n",
            "kiln.toml:13:8",
            "it is a TCP port",
        ),
        (
            "port = 8080",
            "port = 70000",
            "error: `services.users.port` must be from 1 to 65535, not 70000\n",
            "kiln.toml:13:8",
            "it is a TCP port",
        ),
        (
            "route = \"/users\"",
            "route = \"/users\"\ncanary = { version = \"1.5.0\", weight = 150 }",
            "error: `services.users.canary.weight` must be from 0 to 100, not 150\n",
            "kiln.toml:15:40",
            "it is the percent of traffic the canary or version receives",
        ),
        (
            "route = \"/users\"",
            "route = \"/users\"\ncanary = { version = \"1.5.0\", weight = -1 }",
            "error: `services.users.canary.weight` must be from 0 to 100, not -1\n",
            "kiln.toml:15:40",
            "it is the percent of traffic the canary or version receives",
        ),
        (
            "replicas = 3",
            "replicas = -1",
            "error: `environments.prod.replicas` must be from 0 to 2147483647, not -1\n",
            "kiln.toml:8:12",
            "it is a pod count, which Kubernetes stores as a 32-bit integer",
        ),
        (
            "replicas = 3",
            "replicas = 99999999999999999999",
            "error: `environments.prod.replicas` must be from 0 to 2147483647, not 99999999999999999999\n",
            "kiln.toml:8:12",
            "32-bit integer",
        ),
        (
            "port = 5432",
            "port = 5432\nrun_as_user = 4294967295",
            "error: `services.db.run_as_user` must be from 1 to 2147483647, not 4294967295\n",
            "kiln.toml:22:15",
            "Kubernetes stores in 32 bits",
        ),
    ];
    for (from, to, message, place, hint) in cases {
        let repo = Repo::with_config(&SMALL.replace(from, to));
        let run = repo.kiln(&["check"]).fails_with(2);
        assert!(run.stderr.starts_with(message), "{to}:\n{}", run.stderr);
        assert!(
            run.stderr.contains(&format!("--> {place}\n")),
            "{to}:\n{}",
            run.stderr
        );
        assert!(
            run.stderr
                .lines()
                .any(|line| line.starts_with("  = hint: ") && line.contains(hint)),
            "{to}:\n{}",
            run.stderr
        );
        assert!(
            run.stderr
                .ends_with("1 problem in `kiln.toml`; nothing was written\n"),
            "{to}:\n{}",
            run.stderr
        );
        // No Rust type, serde phrase or Rust range leaks.
        for leak in ["u16", "u32", "i128", "invalid value", "..="] {
            assert!(
                !run.stderr.contains(leak),
                "{to} leaks {leak}:\n{}",
                run.stderr
            );
        }
    }
    // Those `validate` refuses come together, with every other problem.
    let repo = Repo::with_config(&SMALL.replace("port = 8080", "port = 0").replace(
        "route = \"/users\"",
        "route = \"/users\"\ncanary = { version = \"1.5.0\", weight = 101 }",
    ));
    let run = repo.kiln(&["check"]).fails_with(2);
    assert!(
        run.stderr
            .contains("`services.users.port` must be from 1 to 65535, not 0")
    );
    assert!(
        run.stderr
            .contains("`services.users.canary.weight` must be from 0 to 100, not 101")
    );
    assert!(
        run.stderr
            .ends_with("2 problems in `kiln.toml`; nothing was written\n")
    );
}

#[test]
fn explain_of_an_unknown_environment_lists_the_real_ones() {
    let repo = Repo::with_config(STARTER);
    let run = repo.kiln(&["explain", "qa", "api"]).fails_with(2);
    assert_eq!(
        run.stderr,
        "error: unknown environment `qa`\n  = hint: the environments are `dev`, `prod`, `staging`\n"
    );
    repo.kiln(&["explain", "stagin", "api"])
        .fails_with(2)
        .stderr_has(
            "= hint: did you mean `staging`? the environments are `dev`, `prod`, `staging`\n",
        );
    repo.kiln(&["explain", "prod", "wrker"])
        .fails_with(2)
        .stderr_has(
            "= hint: did you mean `worker`? the services are `api`, `db`, `report`, `worker`\n",
        );
}

/// Every page `kiln man --out` writes, by name, as text.
fn man_pages(repo: &Repo) -> Vec<(String, String)> {
    repo.kiln(&["man", "--out", "man1"])
        .success()
        .stdout_has("kiln: wrote 20 man pages to man1");
    let mut pages: Vec<(String, String)> = std::fs::read_dir(repo.path().join("man1"))
        .unwrap()
        .map(|entry| {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read_to_string(&path).unwrap())
        })
        .collect();
    pages.sort();
    pages
}

/// `kiln-templates-list.1` is the page of `kiln templates list`.
fn subcommand_of(page: &str) -> Vec<String> {
    let name = page.strip_suffix(".1").unwrap();
    name.split('-').skip(1).map(str::to_string).collect()
}

#[test]
fn the_man_pages_have_exit_status_environment_and_examples() {
    let repo = Repo::new();
    let pages = man_pages(&repo);
    let names: BTreeSet<&str> = pages.iter().map(|(name, _)| name.as_str()).collect();
    for expected in [
        "kiln.1",
        "kiln-diff.1",
        "kiln-templates-list.1",
        "kiln-man.1",
    ] {
        assert!(names.contains(expected), "{names:?}");
    }
    assert!(!names.contains("kiln-help.1"));
    let main = &pages.iter().find(|(name, _)| name == "kiln.1").unwrap().1;
    assert_eq!(*main, repo.kiln(&["man"]).success().stdout);
    assert!(
        main.starts_with(".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n.TH kiln 1 "),
        "{main}"
    );
    assert_eq!(main.matches(".ds Aq").count(), 2, "one preamble");
    for section in [".SH EXAMPLES", ".SH \"EXIT STATUS\"", ".SH ENVIRONMENT"] {
        assert!(main.contains(section), "kiln.1 lacks {section}");
    }
    for variable in ["NO_COLOR", "CLICOLOR", "CLICOLOR_FORCE", "TERM", "COMPLETE"] {
        assert!(main.contains(&format!("\\fB{variable}\\fR")), "{variable}");
    }
    for code in ["\\fB0\\fR", "\\fB1\\fR", "\\fB2\\fR"] {
        assert!(main.contains(code), "{code}");
    }
    for (name, text) in &pages {
        assert!(
            text.contains(".SH EXAMPLES\n.TP\n\\fB"),
            "{name} has no example"
        );
        assert!(text.contains(".SH \"EXIT STATUS\""), "{name}");
        if name != "kiln.1" {
            assert!(
                text.contains(".SH \"SEE ALSO\"\nkiln"),
                "{name} has no SEE ALSO"
            );
        }
        // The page of one subcommand is what `kiln man SUBCOMMAND` prints.
        let mut args = vec!["man".to_string()];
        args.extend(subcommand_of(name));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        assert_eq!(*text, repo.kiln(&args).success().stdout, "{name}");
    }
    let diff = &pages
        .iter()
        .find(|(name, _)| name == "kiln-diff.1")
        .unwrap()
        .1;
    assert!(diff.contains("\\fB1\\fR\nDifferences found"), "{diff}");
    repo.kiln(&["man", "dif"])
        .fails_with(2)
        .stderr_has("error: unknown subcommand `dif`\n  = hint: did you mean `diff`?");
}

/// Every `name(1)` any page names, in SUBCOMMANDS, SEE ALSO or anywhere, is
/// a page kiln ships.
#[test]
fn the_man_pages_point_only_to_pages_kiln_ships() {
    let repo = Repo::new();
    let pages = man_pages(&repo);
    let names: BTreeSet<String> = pages
        .iter()
        .map(|(name, _)| name.trim_end_matches(".1").to_string())
        .collect();
    let reference = regex::Regex::new(r"([A-Za-z0-9_.-]+)\(([0-9])\)").unwrap();
    let mut seen = 0;
    for (page, text) in &pages {
        let text = text
            .replace("\\-", "-")
            .replace("\\fB", "")
            .replace("\\fR", "");
        for found in reference.captures_iter(&text) {
            seen += 1;
            assert_eq!(&found[2], "1", "{page}: {}", &found[0]);
            assert!(
                names.contains(&found[1]),
                "{page} points to {}, not shipped",
                &found[0]
            );
        }
    }
    assert!(seen > 40, "only {seen} references");
}

/// The help of every command ends with its examples, each a command line
/// and what it does.
fn examples(help: &str) -> Vec<(String, String)> {
    let (_, section) = help
        .rsplit_once("\nExamples:\n")
        .unwrap_or_else(|| panic!("no examples:\n{help}"));
    let lines: Vec<&str> = section.lines().collect();
    assert!(
        lines.len() >= 2 && lines.len().is_multiple_of(2),
        "{section}"
    );
    lines
        .chunks(2)
        .map(|pair| {
            let line = pair[0].strip_prefix("  ").unwrap();
            let what = pair[1].strip_prefix("      ").unwrap();
            assert!(!line.starts_with(' ') && !what.is_empty(), "{section}");
            (line.to_string(), what.to_string())
        })
        .collect()
}

/// The kiln command in an example's shell line: `kiln render prod` of
/// `kiln render prod | kubectl apply -f -`, `kiln completions bash` of
/// `source <(kiln completions bash)`.
fn kiln_part(line: &str) -> &str {
    let start = line.find("kiln ").unwrap();
    let rest = &line[start..];
    let end = [" | ", " > ", ")"]
        .iter()
        .filter_map(|stop| rest.find(stop))
        .min()
        .unwrap_or(rest.len());
    &rest[..end]
}

fn git(dir: &Path, args: &[&str]) {
    let status = std::process::Command::new("git")
        .args(["-c", "user.name=kiln", "-c", "user.email=kiln@example.com"])
        .args(args)
        .current_dir(dir)
        .stdout(std::process::Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

/// Runs the kiln part of every example of every page, as a shell would,
/// in the repo `kiln init` makes (committed on `main`), or for `kiln init`
/// in an empty directory: each one works.
#[test]
fn every_help_ends_with_examples_that_work() {
    let work = tempfile::tempdir().unwrap();
    let home = work.path().join("home");
    let repo = work.path().join("demo");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&repo).unwrap();
    let bin = assert_cmd::cargo::cargo_bin("kiln");
    let path = format!(
        "{}:{}",
        bin.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let shell = |dir: &Path, line: &str| {
        std::process::Command::new("sh")
            .arg("-c")
            .arg(line)
            .current_dir(dir)
            .env("PATH", &path)
            .env("HOME", &home)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    assert!(shell(&repo, "kiln init").status.success());
    git(&repo, &["init", "--quiet", "--initial-branch", "main"]);
    git(&repo, &["add", "-A"]);
    git(&repo, &["commit", "--quiet", "-m", "start"]);

    let pages = man_pages(&Repo::new());
    let mut run = 0;
    for (page, _) in &pages {
        let words = subcommand_of(page);
        let mut args: Vec<&str> = words.iter().map(String::as_str).collect();
        args.push("--help");
        let output = shell(&repo, &format!("kiln {}", args.join(" ")));
        assert!(output.status.success(), "{page}");
        let help = String::from_utf8(output.stdout).unwrap();
        assert!(!help.trim_end().ends_with("Examples:"), "{help}");
        for (line, _) in examples(&help) {
            let command = kiln_part(&line);
            assert!(
                command.starts_with(&format!("kiln {}", words.join(" ")).trim_end().to_string())
                    || words.is_empty(),
                "{page}: {line}"
            );
            let dir = if command.starts_with("kiln init") {
                // A fresh `demo` directory, which names the project.
                let fresh = work.path().join(format!("fresh{run}")).join("demo");
                std::fs::create_dir_all(&fresh).unwrap();
                fresh
            } else {
                repo.clone()
            };
            let output = shell(&dir, command);
            let code = output.status.code();
            let fine = if command.starts_with("kiln diff") {
                code == Some(0) || code == Some(1)
            } else {
                code == Some(0)
            };
            assert!(
                fine,
                "`{command}` (from {page}) exited {code:?}:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            run += 1;
        }
    }
    assert!(run > 40, "only {run} examples");
    assert!(home.join(".local/share/man/man1/kiln-diff.1").exists());
}

#[test]
fn completion_offers_the_repos_environments_and_services() {
    let repo = built(STARTER);
    let environments = ["dev", "prod", "staging"].map(String::from).to_vec();
    let services = ["api", "db", "report", "worker"].map(String::from).to_vec();
    assert_eq!(repo.complete(&["kiln", "diff", "--env", ""]), environments);
    assert_eq!(repo.complete(&["kiln", "diff", "--service", ""]), services);
    assert_eq!(repo.complete(&["kiln", "diff", "--env", "st"]), ["staging"]);
    assert_eq!(repo.complete(&["kiln", "render", "p"]), ["prod"]);
    assert_eq!(repo.complete(&["kiln", "prereqs", "d"]), ["dev"]);
    assert_eq!(repo.complete(&["kiln", "explain", "d"]), ["dev"]);
    assert_eq!(repo.complete(&["kiln", "explain", "dev", "w"]), ["worker"]);
    let render = repo.complete(&["kiln", "render", ""]);
    assert!(render.starts_with(&environments), "{render:?}");
    // Not file names.
    assert!(
        !render
            .iter()
            .any(|name| name == "kiln.toml" || name == "deploy/"),
        "{render:?}"
    );
    // From a directory below the repo, as the commands find it.
    assert_eq!(
        repo.complete_in(
            &repo.path().join("deploy/prod"),
            &["kiln", "diff", "--env", ""]
        ),
        environments
    );
    // `-C` and `--dir` on the line are where the names come from.
    let other = Repo::with_config(SMALL);
    let elsewhere = other.path().to_str().unwrap();
    assert_eq!(
        repo.complete(&["kiln", "-C", elsewhere, "diff", "--service", ""]),
        ["db", "users"]
    );
    assert_eq!(
        repo.complete(&["kiln", "diff", "--dir", elsewhere, "--env", ""]),
        ["dev", "prod"]
    );
    assert_eq!(
        repo.complete(&[
            "kiln",
            "diff",
            &format!("--dir={elsewhere}"),
            "--service",
            "u"
        ]),
        ["users"]
    );
    // The bundled names too.
    assert_eq!(
        repo.complete(&["kiln", "templates", "show", "k8s/deploy"]),
        ["k8s/deployment.yaml.tera"]
    );
    assert_eq!(
        repo.complete(&["kiln", "init", "--preset", "mi"]),
        ["minimal"]
    );
    assert_eq!(repo.complete(&["kiln", "man", "dif"]), ["diff"]);
}

/// A broken kiln.toml offers what can be read of it, or nothing; never an
/// error on the command line.
#[test]
fn completion_never_fails_loudly_on_a_broken_repo() {
    // Not TOML at all: nothing.
    let repo = Repo::with_config("[environments.dev\nthis is = = not toml");
    assert_eq!(
        repo.complete(&["kiln", "diff", "--env", ""]),
        Vec::<String>::new()
    );
    // TOML that `kiln check` refuses still has its names.
    let repo = Repo::with_config(&SMALL.replace("[project]", "[project]\nnmae = 1"));
    repo.kiln(&["check"]).fails_with(2);
    assert_eq!(repo.complete(&["kiln", "render", "d"]), ["dev"]);
    // Names that are not names in kiln are not put on the command line.
    let repo = Repo::with_config(
        "[environments.\"dev; rm -rf ~\"]\n[environments.\"\\u001b[31mred\"]\n[environments.qa]\n",
    );
    assert_eq!(repo.complete(&["kiln", "diff", "--env", ""]), ["qa"]);
    // A symlinked kiln.toml is not followed.
    let repo = Repo::new();
    repo.write("real/kiln.toml", SMALL);
    std::os::unix::fs::symlink(
        repo.path().join("real/kiln.toml"),
        repo.path().join("kiln.toml"),
    )
    .unwrap();
    assert_eq!(
        repo.complete(&["kiln", "diff", "--env", ""]),
        Vec::<String>::new()
    );
    // No repo anywhere: nothing, and the other completions still work.
    let repo = Repo::new();
    assert_eq!(
        repo.complete(&["kiln", "render", ""]),
        ["--dir", "--help", "--version"]
    );
    assert_eq!(repo.complete(&["kiln", "rend"]), ["render"]);
}

/// The script `kiln completions bash` prints, sourced in a real bash and
/// called as bash calls it on TAB, completes the repo's environments.
#[test]
fn the_bash_script_completes_environment_names() {
    let repo = built(STARTER);
    let bin = assert_cmd::cargo::cargo_bin("kiln");
    let script = format!(
        "source <('{}' completions bash)\n\
         COMP_WORDS=(kiln diff --env st)\nCOMP_CWORD=3\nCOMP_TYPE=9\n\
         _clap_complete_kiln kiln st --env\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n\
         COMP_WORDS=(kiln explain prod '')\nCOMP_CWORD=3\n\
         _clap_complete_kiln kiln '' prod\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        bin.display()
    );
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(script)
        .current_dir(repo.path().join("deploy/dev"))
        .output()
        .unwrap();
    assert!(output.status.success(), "{output:?}");
    assert!(output.stderr.is_empty(), "{output:?}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines[0], "staging", "{stdout}");
    assert_eq!(&lines[1..5], ["api", "db", "report", "worker"], "{stdout}");
}
