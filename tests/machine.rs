//! Output for scripts, editors and CI: `check --format json|github`, and
//! how much `build` prints (`-q`, default, `-v`).

use crate::{Repo, SMALL, built};

/// SMALL with two mistakes on two lines: a bad version and a misspelt call.
fn two_problems() -> String {
    SMALL
        .replace("version = \"1.4.2\"", "version = \"1.4.2 beta\"")
        .replace("calls = [\"db\"]", "calls = [\"dbb\"]")
}

/// `--> kiln.toml:L:C` places of a text report, in order.
fn places(stderr: &str) -> Vec<(usize, usize)> {
    stderr
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("--> kiln.toml:"))
        .map(|place| {
            let (line, column) = place.split_once(':').unwrap();
            (line.parse().unwrap(), column.parse().unwrap())
        })
        .collect()
}

#[test]
fn check_json_locates_every_problem_and_follows_its_schema() {
    let repo = Repo::with_config(&two_problems());
    let text = repo.kiln(&["check"]).fails_with(2);
    let run = repo.kiln(&["check", "--format", "json"]).fails_with(2);
    // The text report is unchanged, on stderr as ever.
    assert_eq!(run.stderr, text.stderr);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../docs/check.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report["valid"], false);
    let problems = report["problems"].as_array().unwrap();
    let located: Vec<(usize, usize)> = problems
        .iter()
        .map(|p| {
            (
                p["line"].as_u64().unwrap() as usize,
                p["column"].as_u64().unwrap() as usize,
            )
        })
        .collect();
    assert_eq!(located, places(&text.stderr));
    assert_eq!(problems.len(), 2);
    assert_eq!(problems[1]["key"], "services.users.calls[0]");
    assert_eq!(
        problems[1]["message"],
        "unknown service `dbb` in `services.users.calls[0]`"
    );
    assert_eq!(problems[1]["hint"], "did you mean `db`?");
    assert_eq!(problems[1]["file"], "kiln.toml");
    // The span: `"dbb"`, five characters.
    assert_eq!(
        problems[1]["endColumn"].as_u64().unwrap() - problems[1]["column"].as_u64().unwrap(),
        5
    );
    // Valid: the counts, no problems, exit 0.
    repo.write("kiln.toml", SMALL);
    let run = repo.kiln(&["check", "--format", "json"]).success();
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert!(validator.is_valid(&report));
    assert_eq!(report["valid"], true);
    assert_eq!(report["environments"], 2);
    assert_eq!(report["services"], 2);
    assert!(report["problems"].as_array().unwrap().is_empty());
}

#[test]
fn check_github_annotates_each_problem_on_its_line() {
    let repo = Repo::with_config(&two_problems());
    let text = repo.kiln(&["check"]).fails_with(2);
    let run = repo.kiln(&["check", "--format", "github"]).fails_with(2);
    assert_eq!(run.stderr, text.stderr, "the log keeps the readable report");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stdout);
    let [(version_line, version_col), (calls_line, calls_col)] = places(&text.stderr)[..] else {
        panic!("{}", text.stderr)
    };
    assert!(
        lines[0].starts_with(&format!(
            "::error file=kiln.toml,line={version_line},col={version_col},"
        )),
        "{}",
        lines[0]
    );
    assert_eq!(
        lines[1],
        format!(
            "::error file=kiln.toml,line={calls_line},col={calls_col},endLine={calls_line},endColumn={},\
             title=kiln%3A services.users.calls[0]::unknown service `dbb` in `services.users.calls[0]`%0Ahint: did you mean `db`?",
            calls_col + 5
        )
    );
    // A syntax error has a place but no key.
    repo.write("kiln.toml", "[project]\nname = \n");
    let run = repo.kiln(&["check", "--format", "github"]).fails_with(2);
    assert!(
        run.stdout.starts_with("::error file=kiln.toml,line=2,"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(",title=kiln::invalid TOML"),
        "{}",
        run.stdout
    );
    // Valid: the usual line, no annotation.
    repo.write("kiln.toml", SMALL);
    let run = repo.kiln(&["check", "--format", "github"]).success();
    assert!(
        run.stdout.starts_with("kiln.toml is valid: "),
        "{}",
        run.stdout
    );
}

#[test]
fn check_json_names_the_config_under_dir() {
    let repo = Repo::new();
    repo.write("app/kiln.toml", &two_problems());
    let run = repo
        .kiln(&["check", "--dir", "app", "--format", "json"])
        .fails_with(2);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(report["file"], "app/kiln.toml");
    assert_eq!(report["problems"][0]["file"], "app/kiln.toml");
}

#[test]
fn quiet_check_prints_only_errors() {
    let repo = Repo::with_config(SMALL);
    let run = repo.kiln(&["check", "-q"]).success();
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
    repo.write("kiln.toml", &two_problems());
    let run = repo.kiln(&["check", "--quiet"]).fails_with(2);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains("2 problems in `kiln.toml`"),
        "{}",
        run.stderr
    );
}

#[test]
fn dry_run_lists_what_would_change_and_verbose_lists_everything() {
    let repo = built(SMALL);
    repo.write("kiln.toml", &SMALL.replace("1.4.2", "1.5.0"));
    let edited = "deploy/prod/services/db/service.yaml";
    repo.write(edited, &format!("{}# mine\n", repo.read(edited)));
    repo.kiln(&["eject", edited]).success();
    let before = repo.files();
    let run = repo.kiln(&["build", "--dry-run"]).success();
    assert!(
        run.stdout
            .contains("update     deploy/dev/services/users/deployment.yaml\n")
    );
    assert!(!run.stdout.contains("unchanged  "), "{}", run.stdout);
    // An ejected file will not follow kiln.toml: the preview says so.
    assert!(
        run.stdout.contains(&format!("ejected    {edited}\n")),
        "{}",
        run.stdout
    );
    let listed = run.stdout.lines().count() - 1;
    let summary = run.stdout.lines().last().unwrap();
    let updated: usize = summary
        .strip_prefix("dry run: ")
        .and_then(|s| s.split(" updated").next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{summary}"));
    assert_eq!(
        listed,
        updated + 1,
        "every update listed, and the ejected file"
    );
    let verbose = repo.kiln(&["build", "--dry-run", "-v"]).success();
    assert!(
        verbose
            .stdout
            .contains("unchanged  deploy/dev/namespace/namespace.yaml\n")
    );
    assert_eq!(
        verbose.stdout.lines().last(),
        run.stdout.lines().last(),
        "the same summary"
    );
    assert!(verbose.stdout.lines().count() > run.stdout.lines().count());
    repo.assert_untouched(&before);
}

#[test]
fn quiet_build_writes_and_prints_nothing_but_errors() {
    let repo = Repo::with_config(SMALL);
    let run = repo.kiln(&["build", "-q"]).success();
    assert_eq!((run.stdout.as_str(), run.stderr.as_str()), ("", ""));
    assert!(repo.exists("deploy/dev/services/users/deployment.yaml"));
    let run = repo.kiln(&["build", "--dry-run", "--quiet"]).success();
    assert_eq!(run.stdout, "");
    let edited = "deploy/dev/services/users/service.yaml";
    repo.write(edited, &format!("{}# mine\n", repo.read(edited)));
    repo.write("kiln.toml", &SMALL.replace("1.4.2", "1.5.0"));
    let run = repo.kiln(&["build", "-q"]).fails_with(2);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.contains("edited by hand"), "{}", run.stderr);
    repo.kiln(&["build", "-q", "-v"]).fails_with(2);
}

#[test]
fn check_json_reports_an_error_outside_the_config_too() {
    let repo = Repo::new();
    let run = repo.kiln(&["check", "--format", "json"]).fails_with(2);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../docs/check.schema.json")).unwrap();
    assert!(
        jsonschema::validator_for(&schema)
            .unwrap()
            .is_valid(&report)
    );
    let problem = &report["problems"][0];
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .starts_with("no `kiln.toml` in "),
        "{problem}"
    );
    assert_eq!(
        problem["hint"].as_str().map(|h| h.contains("kiln init")),
        Some(true)
    );
    assert_eq!(problem["line"], serde_json::Value::Null);
    assert!(
        run.stderr.starts_with("error: no `kiln.toml`"),
        "{}",
        run.stderr
    );
}
