//! Ejected files and the kustomizations that list them: every way an
//! ejected file can fall out of (or break) `kubectl apply -k` is reported
//! by build, check and diff alike; `kiln restore` gives a file back.

use crate::{Repo, SMALL, built, small_without_db};
use std::time::Duration;

const DEPLOYMENT: &str = "deploy/dev/services/users/deployment.yaml";
const KUSTOMIZATION: &str = "deploy/dev/kustomization.yaml";

/// SMALL with one more web service.
fn small_with_billing() -> String {
    format!("{SMALL}\n[services.billing]\nlanguage = \"node\"\nversion = \"2.0.0\"\nport = 8081\n")
}

/// The table of `path` in `kiln.lock`, as kiln wrote it.
fn lock_entry(repo: &Repo, path: &str) -> Option<String> {
    let lock = repo.read("kiln.lock");
    let header = format!("[files.\"{path}\"]\n");
    let start = lock.find(&header)?;
    let rest = &lock[start + header.len()..];
    let end = rest.find("\n[").map_or(rest.len(), |n| n + 1);
    Some(rest[..end].to_string())
}

/// What `kiln check --format json` prints, checked against its schema.
fn check_json(repo: &Repo, code: i32) -> serde_json::Value {
    let run = repo.kiln(&["check", "--format", "json"]).fails_with(code);
    let report: serde_json::Value = serde_json::from_str(&run.stdout).expect("JSON");
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("../docs/check.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("a valid schema");
    let errors: Vec<String> = validator
        .iter_errors(&report)
        .map(|e| e.to_string())
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    report
}

/// The 1-based line of `- entry` in a kustomization's text.
fn line_of(text: &str, entry: &str) -> u64 {
    text.lines()
        .position(|line| line.trim().trim_start_matches("- ").trim_matches('"') == entry)
        .map(|i| i as u64 + 1)
        .unwrap_or_else(|| panic!("{entry} is not listed:\n{text}"))
}

#[test]
fn a_deleted_ejected_file_that_is_still_listed_fails_build_check_and_diff() {
    let repo = built(SMALL);
    repo.kiln(&["eject", DEPLOYMENT]).success();
    std::fs::remove_file(repo.path().join(DEPLOYMENT)).unwrap();
    let kustomization = repo.read(KUSTOMIZATION);
    assert!(kustomization.contains("services/users/deployment.yaml"));

    let before = repo.files();
    let expected = format!(
        "error: these ejected files are not on disk, but `{KUSTOMIZATION}` lists them, so \
         `kubectl apply -k deploy/dev` fails:\n  {DEPLOYMENT}\n  = hint: bring each back \
         (`git checkout -- PATH`), give it back to kiln with `kiln restore PATH`, or change kiln.toml \
         so that kiln no longer renders it\n"
    );
    let run = repo.kiln(&["build"]).fails_with(2);
    assert_eq!(run.stderr, format!("{expected}nothing was written\n"));
    repo.kiln(&["build", "--dry-run"])
        .fails_with(2)
        .stderr_has(&expected);
    repo.assert_untouched(&before);

    let run = repo.kiln(&["check"]).fails_with(2);
    assert_eq!(run.stderr, expected);
    assert_eq!(run.stdout, "");
    let report = check_json(&repo, 2);
    assert_eq!(report["valid"], false);
    let problem = &report["problems"][0];
    assert_eq!(problem["file"], KUSTOMIZATION);
    assert_eq!(
        problem["line"],
        line_of(&kustomization, "services/users/deployment.yaml")
    );
    assert!(
        problem["message"]
            .as_str()
            .unwrap()
            .starts_with(&format!("`{DEPLOYMENT}` is ejected but not on disk")),
        "{problem}"
    );
    repo.kiln(&["check", "--format", "github"])
        .fails_with(2)
        .stdout_has(&format!("::error file={KUSTOMIZATION},line="));

    let run = repo.kiln(&["diff"]).fails_with(2);
    assert_eq!(run.stderr, expected);
    repo.kiln(&["diff", "-q", "--stat"]).fails_with(2);
    // Another environment is not the one at fault.
    repo.kiln(&["diff", "--env", "prod"]).success();
    repo.assert_untouched(&before);

    // Brought back, everything is green again.
    repo.write(DEPLOYMENT, "# mine\n");
    repo.kiln(&["build"]).success();
    repo.kiln(&["check"]).success();
    repo.kiln(&["diff"]).success();
}

#[test]
fn diff_against_a_revision_gates_on_the_work_tree_too() {
    let repo = crate::diff::committed(SMALL);
    repo.kiln(&["build"]).success();
    repo.kiln(&["eject", DEPLOYMENT]).success();
    repo.kiln(&["diff", "--base", "HEAD"]).success();
    std::fs::remove_file(repo.path().join(DEPLOYMENT)).unwrap();
    repo.kiln(&["diff", "--base", "HEAD", "--semantic"])
        .fails_with(2)
        .stderr_has(&format!("`{KUSTOMIZATION}` lists them"));
}

#[test]
fn an_ejected_file_kiln_no_longer_renders_is_a_warning_until_it_is_deleted() {
    let repo = built(SMALL);
    let statefulset = "deploy/dev/services/db/statefulset.yaml";
    repo.kiln(&["eject", statefulset]).success();
    repo.write("kiln.toml", &small_without_db());
    let warning = format!(
        "warning: these ejected files are no longer rendered from kiln.toml, so `{KUSTOMIZATION}` no \
         longer lists them and `kubectl apply -k deploy/dev` does not apply them:\n  {statefulset}\n  \
         = hint: kiln leaves them on disk: delete one that is no longer wanted (kiln then forgets it); \
         to keep applying one, eject `{KUSTOMIZATION}` and list it there\n"
    );
    let run = repo
        .kiln(&["build"])
        .success()
        .stdout_has("1 ejected (left alone)");
    assert_eq!(run.stderr, warning);
    assert!(repo.exists(statefulset), "an ejected file is never deleted");
    assert!(!repo.read(KUSTOMIZATION).contains("statefulset"));
    assert!(!repo.exists("deploy/dev/services/db/service.yaml"));

    // Every later build, check and diff says it again, and none fails.
    let again = repo.kiln(&["build"]).success();
    assert_eq!(again.stderr, warning);
    repo.kiln(&["build", "--dry-run"])
        .success()
        .stdout_has(&format!("ejected    {statefulset}\n"));
    let check = repo.kiln(&["check"]).success();
    assert_eq!(check.stderr, warning);
    let diff = repo.kiln(&["diff"]).success();
    assert_eq!(diff.stderr, warning);
    let report = check_json(&repo, 0);
    assert_eq!(report["valid"], true);
    assert_eq!(report["problems"], serde_json::json!([]));
    assert_eq!(report["warnings"][0]["file"], statefulset);
    repo.kiln(&["check", "--format", "github"])
        .success()
        .stdout_has(&format!("::warning file={statefulset},title=kiln::"));
    // `-q` prints nothing but errors.
    let quiet = repo.kiln(&["build", "-q"]).success();
    assert_eq!((quiet.stdout.as_str(), quiet.stderr.as_str()), ("", ""));

    // Deleted, it is gone from the lock too, and nothing is said.
    std::fs::remove_file(repo.path().join(statefulset)).unwrap();
    let run = repo.kiln(&["build"]).success();
    assert_eq!(run.stderr, "");
    assert!(!run.stdout.contains("ejected"), "{}", run.stdout);
    assert_eq!(lock_entry(&repo, statefulset), None);
    assert_eq!(repo.kiln(&["check"]).success().stderr, "");
}

#[test]
fn an_ejected_kustomization_that_leaves_out_a_new_file_fails_until_it_lists_it() {
    let repo = built(SMALL);
    repo.kiln(&["eject", KUSTOMIZATION]).success();
    repo.write("kiln.toml", &small_with_billing());
    let before = repo.files();
    let run = repo.kiln(&["build"]).fails_with(2);
    let heading = format!(
        "error: `{KUSTOMIZATION}` is ejected and does not list these files kiln writes, so \
         `kubectl apply -k deploy/dev` does not apply them:\n"
    );
    assert!(run.stderr.starts_with(&heading), "{}", run.stderr);
    let missing: Vec<String> = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("  - "))
        .map(|line| line.trim_start().to_string())
        .collect();
    assert!(
        missing.contains(&"- services/billing/deployment.yaml".to_string()),
        "{missing:?}"
    );
    assert!(missing.iter().all(|m| m.starts_with("- services/billing/")));
    repo.assert_untouched(&before);
    repo.kiln(&["check"]).fails_with(2).stderr_has(&heading);
    repo.kiln(&["diff"]).fails_with(2).stderr_has(&heading);
    let report = check_json(&repo, 2);
    let problems = report["problems"].as_array().unwrap();
    assert_eq!(problems.len(), missing.len());
    assert_eq!(problems[0]["file"], KUSTOMIZATION);
    // On the `resources:` line of the ejected file.
    let own = repo.read(KUSTOMIZATION);
    let resources = own.lines().position(|l| l == "resources:").unwrap() as u64 + 1;
    assert_eq!(problems[0]["line"], resources);
    // The other environments' kustomizations are kiln's: they list billing.
    repo.kiln(&["diff", "--env", "prod"])
        .fails_with(1)
        .stdout_has("deploy/prod/services/billing/deployment.yaml");

    // The lines kiln printed, added to `resources`, are what it needs.
    let listed = own.replacen(
        "resources:\n",
        &format!(
            "resources:\n{}",
            missing
                .iter()
                .map(|m| format!("  {m}\n"))
                .collect::<String>()
        ),
        1,
    );
    repo.write(KUSTOMIZATION, &listed);
    repo.kiln(&["build"]).success();
    assert_eq!(
        repo.read(KUSTOMIZATION),
        listed,
        "the ejected file is the user's"
    );
    repo.kiln(&["check"]).success();
    repo.kiln(&["diff"]).success();
}

#[test]
fn an_ejected_kustomization_can_leave_out_a_file_that_is_ejected_and_deleted() {
    let repo = built(SMALL);
    let configmap = "deploy/dev/services/users/configmap.yaml";
    repo.kiln(&["eject", KUSTOMIZATION, configmap]).success();
    let own = repo.read(KUSTOMIZATION);
    repo.write(
        KUSTOMIZATION,
        &own.replace("  - \"services/users/configmap.yaml\"\n", ""),
    );
    assert_ne!(repo.read(KUSTOMIZATION), own, "the entry was removed");
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("- services/users/configmap.yaml\n");
    std::fs::remove_file(repo.path().join(configmap)).unwrap();
    let run = repo.kiln(&["build"]).success();
    assert_eq!(run.stderr, "");
    repo.kiln(&["check"]).success();
}

#[test]
fn an_ejected_kustomization_that_lists_a_removed_file_fails() {
    let repo = built(SMALL);
    repo.kiln(&["eject", KUSTOMIZATION]).success();
    repo.write("kiln.toml", &small_without_db());
    let before = repo.files();
    let run = repo.kiln(&["build"]).fails_with(2);
    assert!(
        run.stderr.starts_with(&format!(
            "error: `{KUSTOMIZATION}` is ejected and lists files that will not be on disk, so \
             `kubectl apply -k deploy/dev` fails:\n"
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains(
            "  services/db/statefulset.yaml (kiln no longer renders it; `kiln build` deletes it)\n"
        ),
        "{}",
        run.stderr
    );
    repo.assert_untouched(&before);
    let report = check_json(&repo, 2);
    let own = repo.read(KUSTOMIZATION);
    let statefulset = report["problems"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| {
            p["message"]
                .as_str()
                .unwrap()
                .contains("`services/db/statefulset.yaml`")
        })
        .expect("the statefulset is a problem");
    assert_eq!(
        statefulset["line"],
        line_of(&own, "services/db/statefulset.yaml")
    );

    // Deleted by hand, the ejected kustomization is reported too.
    std::fs::remove_file(repo.path().join(KUSTOMIZATION)).unwrap();
    repo.kiln(&["check"]).fails_with(2).stderr_has(&format!(
        "error: `{KUSTOMIZATION}` is ejected but not on disk, so `kubectl apply -k deploy/dev` fails\n"
    ));
    // And one kustomize would not read.
    repo.write(KUSTOMIZATION, "resources: [\n");
    repo.kiln(&["diff"]).fails_with(2).stderr_has(&format!(
        "error: `{KUSTOMIZATION}` is ejected and cannot be read as a kustomization: "
    ));
}

#[test]
fn a_warm_cache_still_sees_a_deleted_ejected_file() {
    let repo = built(SMALL);
    repo.kiln(&["eject", DEPLOYMENT]).success();
    let pause = || std::thread::sleep(Duration::from_millis(30));
    pause();
    repo.kiln(&["build"]).success();
    pause();
    // The build recorded the ejected file's stamp: the cache is in use.
    let state = repo.read(".kiln/cache/state");
    assert!(
        state
            .lines()
            .any(|l| l.starts_with("ejected ") && l.ends_with(&format!(" {DEPLOYMENT}"))),
        "{state}"
    );
    std::fs::remove_file(repo.path().join(DEPLOYMENT)).unwrap();
    repo.kiln(&["diff"]).fails_with(2);
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("these ejected files are not on disk");
}

#[test]
fn restore_rewrites_an_ejected_file_from_kiln_toml_and_kiln_owns_it_again() {
    let repo = built(SMALL);
    let original = repo.read(DEPLOYMENT);
    repo.kiln(&["eject", DEPLOYMENT]).success();
    repo.write(DEPLOYMENT, "# tuned by hand\n");
    assert!(
        lock_entry(&repo, DEPLOYMENT)
            .unwrap()
            .contains("ejected = true")
    );
    let lock_before = lock_entry(&repo, DEPLOYMENT).unwrap();

    let run = repo
        .kiln(&["restore", &format!("./{DEPLOYMENT}")])
        .success();
    assert_eq!(
        run.stdout,
        format!(
            "restored {DEPLOYMENT}: rewritten from kiln.toml, and what was in it replaced, hand edits \
             included; kiln owns it again\n"
        )
    );
    assert_eq!(repo.read(DEPLOYMENT), original);
    let entry = lock_entry(&repo, DEPLOYMENT).unwrap();
    assert!(!entry.contains("ejected"), "{entry}");
    assert_eq!(entry, lock_before.replace("ejected = true\n", ""));
    assert!(!repo.exists("kiln.lock.pending"), "the journal is gone");

    // The next build finds nothing to do and nothing ejected.
    let build = repo.kiln(&["build"]).success();
    assert!(build.stdout.ends_with(" unchanged\n"), "{}", build.stdout);
    repo.kiln(&["diff"]).success();
    // kiln follows kiln.toml in it again, and guards it against hand edits.
    repo.write("kiln.toml", &SMALL.replace("1.4.2", "1.5.0"));
    repo.kiln(&["build"])
        .success()
        .stdout_has(&format!("update     {DEPLOYMENT}\n"));
    repo.write(DEPLOYMENT, "# tuned again\n");
    repo.kiln(&["build", "--force"]).success();
    assert!(repo.read(DEPLOYMENT).contains("1.5.0"));
}

#[test]
fn restore_brings_back_a_deleted_ejected_file_and_mends_the_kustomization() {
    let repo = built(SMALL);
    let original = repo.read(DEPLOYMENT);
    repo.kiln(&["eject", DEPLOYMENT]).success();
    std::fs::remove_file(repo.path().join(DEPLOYMENT)).unwrap();
    repo.kiln(&["check"]).fails_with(2);
    repo.kiln(&["restore", DEPLOYMENT])
        .success()
        .stdout_has("written from kiln.toml (it was not on disk)");
    assert_eq!(repo.read(DEPLOYMENT), original);
    repo.kiln(&["check"]).success();
}

#[test]
fn restore_refuses_a_path_that_is_not_ejected_and_writes_nothing() {
    let repo = built(SMALL);
    repo.kiln(&["eject", DEPLOYMENT]).success();
    repo.write(DEPLOYMENT, "# tuned by hand\n");
    let before = repo.files();
    let service = "deploy/dev/services/users/service.yaml";
    let run = repo
        .kiln(&[
            "restore",
            DEPLOYMENT,
            service,
            "kiln.toml",
            "deploy/dev/nothing.yaml",
            "../outside.yaml",
        ])
        .fails_with(2);
    assert_eq!(
        run.stderr,
        format!(
            "error: cannot give these files back to kiln:\n  \
             `{service}`: it is not ejected: kiln already writes it\n  \
             `kiln.toml`: it is not a file kiln writes\n  \
             `deploy/dev/nothing.yaml`: it is not a file kiln writes\n  \
             `../outside.yaml`: it is not a file kiln writes\n\
             nothing was written\n  \
             = hint: `kiln restore` takes the files `kiln eject` handed to you; to discard hand edits in a \
             file kiln writes, run `kiln build --force`\n  \
             = hint: `kiln build --dry-run` lists the files kiln writes, and ejected ones as `ejected`\n"
        )
    );
    assert_eq!(run.stdout, "");
    repo.assert_untouched(&before);

    // An ejected file kiln no longer renders has nothing to come back from.
    let statefulset = "deploy/dev/services/db/statefulset.yaml";
    repo.kiln(&["eject", statefulset]).success();
    repo.write("kiln.toml", &small_without_db());
    repo.kiln(&["build"]).success();
    let before = repo.files();
    repo.kiln(&["restore", statefulset])
        .fails_with(2)
        .stderr_has(&format!(
            "`{statefulset}`: it is ejected, but kiln.toml no longer renders it, so there is nothing to \
             restore it from\n"
        ));
    repo.assert_untouched(&before);
}

#[cfg(unix)]
#[test]
fn restore_never_writes_through_a_symlink() {
    let repo = built(SMALL);
    repo.kiln(&["eject", DEPLOYMENT]).success();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("theirs.yaml");
    std::fs::write(&target, "# not kiln's\n").unwrap();
    std::fs::remove_file(repo.path().join(DEPLOYMENT)).unwrap();
    std::os::unix::fs::symlink(&target, repo.path().join(DEPLOYMENT)).unwrap();
    let before = repo.files();
    repo.kiln(&["restore", DEPLOYMENT])
        .fails_with(2)
        .stderr_has(&format!("`{DEPLOYMENT}`: it is a symlink"));
    repo.assert_untouched(&before);
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "# not kiln's\n");
}

#[test]
fn restore_is_in_the_help_and_says_edits_are_replaced() {
    for flag in ["-h", "--help"] {
        let run = Repo::new().kiln(&["restore", flag]).success();
        assert!(
            run.stdout.contains("hand edits replaced"),
            "{flag}: {}",
            run.stdout
        );
    }
    let top = Repo::new().kiln(&["--help"]).success();
    assert!(top.stdout.contains("  restore "), "{}", top.stdout);
    Repo::new().kiln(&["restore"]).fails_with(2);
}

#[test]
fn restore_waits_for_an_interrupted_build_to_be_finished() {
    let repo = built(SMALL);
    repo.kiln(&["eject", DEPLOYMENT]).success();
    repo.write(DEPLOYMENT, "# tuned by hand\n");
    // What a build killed halfway leaves: its journal.
    repo.write("kiln.lock.pending", &repo.read("kiln.lock"));
    let before = repo.files();
    repo.kiln(&["restore", DEPLOYMENT])
        .fails_with(2)
        .stderr_has("a build was interrupted in this repo");
    repo.assert_untouched(&before);
    repo.kiln(&["build"]).success();
    repo.kiln(&["restore", DEPLOYMENT]).success();
    assert!(!repo.read(DEPLOYMENT).contains("tuned by hand"));
}
