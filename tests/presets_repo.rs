//! The repo's own service presets, `.kiln/presets/<name>.toml`: used as a
//! bundled preset is, listed, refused when they shadow a bundled one, are
//! links, or are not valid, each problem located in the preset's own file.

use crate::{Repo, SMALL};

/// SMALL with a service that starts from the repo preset `team-worker`.
fn with_worker(preset: &str) -> String {
    format!(
        "{SMALL}\n[services.mailer]\npreset = \"{preset}\"\nlanguage = \"go\"\nversion = \"1.0.0\"\nmemory = \"300Mi\"\n"
    )
}

const TEAM_WORKER: &str = "# The team's worker, sized for mail.\nkind = \"worker\"\nport = 8081\ncpu = \"150m\"\nmemory = \"128Mi\"\n";

fn repo_with_preset() -> Repo {
    let repo = Repo::with_config(&with_worker("team-worker"));
    repo.write(".kiln/presets/team-worker.toml", TEAM_WORKER);
    repo
}

#[test]
fn a_repo_preset_reaches_the_deployment_and_the_service_keys_win() {
    let repo = repo_with_preset();
    repo.kiln(&["build"]).success();
    let deployment = repo.yaml("deploy/dev/services/mailer/deployment.yaml");
    let container = &deployment["spec"]["template"]["spec"]["containers"][0];
    assert_eq!(container["resources"]["requests"]["cpu"], "150m");
    assert_eq!(container["resources"]["requests"]["memory"], "300Mi");
    // A worker has no Service: the preset's `kind` was applied.
    assert!(!repo.exists("deploy/dev/services/mailer/service.yaml"));
    repo.kiln(&["check"]).success();
    repo.kiln(&["diff"]).success();
}

#[test]
fn diff_base_reads_the_presets_of_the_base_revision() {
    let repo = repo_with_preset();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(args)
            .current_dir(repo.path())
            .env("GIT_AUTHOR_NAME", "t")
            .env("GIT_AUTHOR_EMAIL", "t@example.com")
            .env("GIT_COMMITTER_NAME", "t")
            .env("GIT_COMMITTER_EMAIL", "t@example.com")
            .status()
            .unwrap();
        assert!(status.success(), "git {args:?}");
    };
    git(&["init", "-q"]);
    git(&["add", "-A"]);
    git(&["commit", "-qm", "base"]);
    repo.write(
        ".kiln/presets/team-worker.toml",
        &TEAM_WORKER.replace("150m", "175m"),
    );
    let run = repo.kiln(&["diff", "--base", "HEAD"]).fails_with(1);
    assert!(
        run.stdout.contains("150m") && run.stdout.contains("175m"),
        "{}",
        run.stdout
    );
}

#[test]
fn kiln_presets_lists_the_repo_presets_as_the_repos() {
    let repo = repo_with_preset();
    let run = repo.kiln(&["presets", "list"]).success();
    let (_, own) = run
        .stdout
        .split_once("the repo's service presets")
        .expect("a group for the repo's presets");
    assert!(
        own.contains("team-worker  The team's worker, sized for mail."),
        "{}",
        run.stdout
    );
}

#[test]
fn a_repo_preset_may_not_shadow_a_bundled_one() {
    let repo = Repo::with_config(&with_worker("worker"));
    repo.write(".kiln/presets/worker.toml", TEAM_WORKER);
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`.kiln/presets/worker.toml`: takes the name of the bundled preset `worker`")
        .stderr_has("rename the file");
    assert!(!repo.exists("deploy"));
}

#[test]
fn a_bad_repo_preset_is_located_in_its_own_file() {
    let repo = Repo::with_config(&with_worker("team-worker"));
    repo.write(
        ".kiln/presets/team-worker.toml",
        "# Sized wrong.\nkind = \"worker\"\ncpus = \"150m\"\n",
    );
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has(".kiln/presets/team-worker.toml:3:1")
        .stderr_has("`cpus`");
    repo.write(
        ".kiln/presets/team-worker.toml",
        "kind = \"worker\nport = 1\n",
    );
    let run = repo.kiln(&["check"]).fails_with(2);
    assert!(
        run.stderr.contains(".kiln/presets/team-worker.toml:1:"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("kiln.toml:"), "{}", run.stderr);
}

#[test]
fn a_preset_file_with_a_bad_name_is_refused() {
    let repo = repo_with_preset();
    repo.write(".kiln/presets/Team_Worker.toml", TEAM_WORKER);
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`.kiln/presets/Team_Worker.toml`: is not a preset kiln reads");
}

#[cfg(unix)]
#[test]
fn a_symlinked_preset_file_or_directory_is_refused() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("team-worker.toml"), TEAM_WORKER).unwrap();
    let repo = Repo::with_config(&with_worker("team-worker"));
    std::fs::create_dir_all(repo.path().join(".kiln/presets")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("team-worker.toml"),
        repo.path().join(".kiln/presets/team-worker.toml"),
    )
    .unwrap();
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`.kiln/presets/team-worker.toml`: kiln will not read it");
    assert!(!repo.exists("deploy"));

    let repo = Repo::with_config(&with_worker("team-worker"));
    std::fs::create_dir_all(repo.path().join(".kiln")).unwrap();
    std::os::unix::fs::symlink(outside.path(), repo.path().join(".kiln/presets")).unwrap();
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("`.kiln/presets`: kiln will not read it");
    assert!(!repo.exists("deploy"));
}

#[test]
fn an_unknown_preset_suggests_a_repo_preset() {
    let repo = Repo::with_config(&with_worker("team-wroker"));
    repo.write(".kiln/presets/team-worker.toml", TEAM_WORKER);
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("unknown preset `team-wroker`")
        .stderr_has("did you mean `team-worker`?");
}
