//! init, build and regeneration: kiln never loses a hand edit.

use crate::{Repo, SMALL, STARTER};

#[test]
fn init_writes_the_starter_config_and_builds_it() {
    let repo = Repo::new();
    let run = repo.kiln(&["init", "demo", "--name", "demo"]).success();
    assert!(
        run.stdout.starts_with("created demo/kiln.toml\nkiln: "),
        "{}",
        run.stdout
    );
    // The starter, under the `#:schema` line editors read.
    assert_eq!(
        repo.read("demo/kiln.toml"),
        format!("#:schema ./.kiln/kiln.schema.json\n{STARTER}")
    );
    assert!(repo.exists("demo/.kiln/kiln.schema.json"));
    for env in ["dev", "staging", "prod"] {
        assert!(
            repo.exists(&format!("demo/deploy/{env}/kustomization.yaml")),
            "{env}"
        );
    }
    assert!(repo.exists("demo/kiln.lock"));
}

#[test]
fn init_names_the_project_after_its_directory() {
    let repo = Repo::new();
    repo.kiln(&["init", "web-shop"]).success();
    assert!(
        repo.read("web-shop/kiln.toml")
            .contains("name = \"web-shop\"")
    );
    let namespace = repo.yaml("web-shop/deploy/dev/namespace/namespace.yaml");
    assert_eq!(namespace["metadata"]["name"], "web-shop-dev");
}

#[test]
fn init_refuses_a_repo_that_has_a_config() {
    let repo = Repo::with_config(SMALL);
    let before = repo.contents();
    repo.kiln(&["init", "."])
        .fails_with(2)
        .stderr_has("`./kiln.toml` already exists; `kiln init` only starts new repos");
    assert_eq!(repo.contents(), before);
}

#[test]
fn init_refuses_a_name_that_is_not_a_label() {
    let repo = Repo::new();
    repo.kiln(&["init", "Demo_App"])
        .fails_with(2)
        .stderr_has("`Demo_App` cannot be a project name");
    assert!(repo.contents().is_empty());
}

#[test]
fn build_without_a_config_says_how_to_start() {
    let repo = Repo::new();
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("error: no `kiln.toml` in `")
        .stderr_has("` or any directory above it\n")
        .stderr_has("kiln init");
}

#[test]
fn build_writes_every_environment_and_a_lock() {
    let repo = Repo::with_config(SMALL);
    let run = repo.kiln(&["build"]).success();
    assert!(
        run.stdout
            .contains("create     deploy/dev/services/users/deployment.yaml"),
        "{}",
        run.stdout
    );
    let lock = repo.read("kiln.lock");
    let manifests = repo.manifests();
    assert!(!manifests.is_empty());
    for path in manifests.keys() {
        assert!(
            lock.contains(&format!("[files.\"{path}\"]")),
            "{path} missing from the lock"
        );
    }
}

#[test]
fn rebuild_with_no_change_writes_nothing() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["build"]).success();
    let before = repo.files();
    let run = repo.kiln(&["build"]).success();
    // Every file but the config and the lock is generated: manifests, Dockerfiles.
    let count = repo.contents().len() - 2;
    assert!(count > repo.manifests().len());
    assert_eq!(run.stdout, format!("kiln: {count} unchanged\n"));
    // Same bytes and the same modification times: not one file was rewritten.
    repo.assert_untouched(&before);
}

#[test]
fn builds_are_byte_identical() {
    let (first, second) = (Repo::with_config(STARTER), Repo::with_config(STARTER));
    first.kiln(&["build"]).success();
    second.kiln(&["build"]).success();
    assert_eq!(first.contents(), second.contents());
}

#[test]
fn changing_a_version_updates_only_the_files_it_reaches() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["build"]).success();
    repo.write(
        "kiln.toml",
        &SMALL.replace("version = \"1.4.2\"", "version = \"1.5.0\""),
    );
    let run = repo.kiln(&["build"]).success();
    let updated: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.starts_with("update"))
        .collect();
    assert!(
        updated.iter().all(|line| line.contains("/services/users/")),
        "{updated:?}"
    );
    assert!(
        updated
            .iter()
            .any(|line| line.ends_with("deploy/prod/services/users/deployment.yaml"))
    );
    let deployment = repo.yaml("deploy/prod/services/users/deployment.yaml");
    assert_eq!(
        deployment["spec"]["template"]["spec"]["containers"][0]["image"],
        "ghcr.io/acme/shop/users:1.5.0"
    );
}

#[test]
fn removing_a_service_deletes_its_files() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["build"]).success();
    assert!(repo.exists("deploy/dev/services/db/statefulset.yaml"));
    let without_db = crate::small_without_db();
    repo.write("kiln.toml", &without_db);
    let run = repo.kiln(&["build"]).success();
    assert!(
        run.stdout
            .contains("delete     deploy/dev/services/db/statefulset.yaml"),
        "{}",
        run.stdout
    );
    assert!(
        !repo.exists("deploy/dev/services/db"),
        "the service's directory is gone"
    );
    assert!(!repo.read("kiln.lock").contains("services/db/"));
    assert!(
        !repo
            .read("deploy/dev/kustomization.yaml")
            .contains("services/db/")
    );
}

#[test]
fn hand_edited_file_stops_the_build_and_nothing_is_written() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["build"]).success();
    let edited = "deploy/dev/services/users/service.yaml";
    repo.write(edited, &format!("{}# my note\n", repo.read(edited)));
    repo.write("kiln.toml", &SMALL.replace("1.4.2", "1.5.0"));
    let before = repo.files();
    let run = repo.kiln(&["build"]).fails_with(2);
    assert_eq!(
        run.stderr,
        "error: these files were edited by hand since kiln wrote them:\n  deploy/dev/services/users/service.yaml\n\
         nothing was written\n  = hint: keep an edit with `kiln eject PATH` (kiln never touches that file again), \
         or discard the edits with `kiln build --force`\n"
    );
    repo.assert_untouched(&before);
}

#[test]
fn hand_edited_file_of_a_removed_service_is_not_deleted() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["build"]).success();
    let edited = "deploy/dev/services/db/service.yaml";
    repo.write(edited, "# mine now\n");
    let without_db = crate::small_without_db();
    repo.write("kiln.toml", &without_db);
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("  deploy/dev/services/db/service.yaml\n");
    assert_eq!(repo.read(edited), "# mine now\n");
}

#[test]
fn force_overwrites_hand_edits() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["build"]).success();
    let path = "deploy/dev/services/users/service.yaml";
    let original = repo.read(path);
    repo.write(path, "# scribbled\n");
    repo.kiln(&["build", "--force"])
        .success()
        .stdout_has(&format!("update     {path}"));
    assert_eq!(repo.read(path), original);
    repo.kiln(&["build"]).success();
}

#[test]
fn ejected_file_is_never_touched_again() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["build"]).success();
    let path = "deploy/prod/services/users/deployment.yaml";
    repo.write(path, "# tuned by hand\n");
    repo.kiln(&["eject", path]).success().stdout_has(&format!(
        "ejected {path}: it is yours now; kiln will never write or delete it again"
    ));
    repo.write("kiln.toml", &SMALL.replace("1.4.2", "1.5.0"));
    repo.kiln(&["build"])
        .success()
        .stdout_has("1 ejected (left alone)");
    assert_eq!(repo.read(path), "# tuned by hand\n");
    repo.kiln(&["build", "--force"]).success();
    assert_eq!(repo.read(path), "# tuned by hand\n");
    repo.kiln(&["eject", path])
        .fails_with(2)
        .stderr_has("is already ejected");
}

#[test]
fn eject_refuses_files_kiln_did_not_write() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["build"]).success();
    repo.kiln(&["eject", "README.md"])
        .fails_with(2)
        .stderr_has("`README.md` is not a file kiln writes");
}

#[test]
fn file_kiln_did_not_write_is_never_overwritten() {
    let repo = Repo::with_config(SMALL);
    let theirs = "deploy/dev/services/users/deployment.yaml";
    repo.write(theirs, "# written by someone else\n");
    let before = repo.files();
    repo.kiln(&["build", "--force"])
        .fails_with(2)
        .stderr_has("these files were not written by kiln but sit where it wants to write:\n  deploy/dev/services/users/deployment.yaml\n");
    repo.assert_untouched(&before);
}

#[test]
fn dry_run_prints_the_plan_and_writes_nothing() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["build"]).success();
    repo.write("kiln.toml", &SMALL.replace("1.4.2", "1.5.0"));
    let before = repo.files();
    let run = repo.kiln(&["build", "--dry-run"]).success();
    assert!(
        run.stdout
            .contains("update     deploy/dev/services/users/deployment.yaml\n"),
        "{}",
        run.stdout
    );
    // Unchanged files are counted, and listed only with `-v`.
    assert!(!run.stdout.contains("unchanged  "), "{}", run.stdout);
    let verbose = repo.kiln(&["build", "--dry-run", "-v"]).success();
    assert!(
        verbose
            .stdout
            .contains("unchanged  deploy/dev/namespace/namespace.yaml\n"),
        "{}",
        verbose.stdout
    );
    assert!(
        run.stdout.ends_with("; nothing written\n"),
        "{}",
        run.stdout
    );
    repo.assert_untouched(&before);
}

#[test]
fn dry_run_in_an_empty_repo_plans_creates() {
    let repo = Repo::with_config(SMALL);
    let run = repo.kiln(&["build", "--dry-run"]).success();
    assert!(
        run.stdout
            .lines()
            .filter(|l| !l.starts_with("dry run"))
            .all(|l| l.starts_with("create "))
    );
    assert_eq!(repo.contents().len(), 1, "only kiln.toml");
}

#[test]
fn check_reports_success_and_writes_nothing() {
    let repo = Repo::with_config(STARTER);
    repo.kiln(&["check"])
        .success()
        .stdout_has("kiln.toml is valid: 3 environments, 4 services, ");
    assert_eq!(repo.contents().len(), 1);
}

#[test]
fn dir_flag_points_at_another_repo() {
    let repo = Repo::new();
    repo.write("app/kiln.toml", SMALL);
    repo.kiln(&["build", "--dir", "app"]).success();
    assert!(repo.exists("app/deploy/dev/kustomization.yaml"));
    assert!(repo.exists("app/kiln.lock"));
}

#[test]
fn deleted_generated_file_is_recreated() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["build"]).success();
    let path = "deploy/dev/services/users/service.yaml";
    let original = repo.read(path);
    std::fs::remove_file(repo.path().join(path)).unwrap();
    repo.kiln(&["build"])
        .success()
        .stdout_has(&format!("create     {path}"));
    assert_eq!(repo.read(path), original);
}

#[test]
fn a_corrupt_lock_is_reported_not_overwritten() {
    let repo = Repo::with_config(SMALL);
    repo.kiln(&["build"]).success();
    repo.write("kiln.lock", "this is = = not toml");
    repo.kiln(&["build"])
        .fails_with(2)
        .stderr_has("cannot read `./kiln.lock`");
    assert_eq!(repo.read("kiln.lock"), "this is = = not toml");
}
