//! Whole output trees, checked in under `tests/golden/` and reviewed by eye:
//! the starter config built, every example under `examples/` built, and every
//! preset app as `kiln init` writes it. They prove a refactor byte-identical.
//! After an intended change, regenerate them with
//! `KILN_UPDATE_GOLDEN=1 cargo test golden` and review the diff.

use crate::{Repo, STARTER};
use std::collections::BTreeMap;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn golden_starter_output() {
    let repo = Repo::with_config(STARTER);
    repo.kiln(&["build"]).success();
    let actual = repo
        .contents()
        .into_iter()
        .filter(|(path, _)| path != "kiln.toml")
        .collect();
    compare("starter", actual);
}

#[test]
fn golden_examples_output() {
    let examples = names(&root().join("examples"));
    assert!(
        examples.len() >= 3,
        "examples/ holds the documented examples"
    );
    for example in examples {
        let config =
            std::fs::read_to_string(root().join("examples").join(&example).join("kiln.toml"))
                .unwrap();
        let repo = Repo::with_config(&config);
        // The example's own inputs beside kiln.toml: patches, extra resources.
        let inputs = copy_inputs(&root().join("examples").join(&example), &repo);
        repo.kiln(&["build"]).success();
        let actual = repo
            .contents()
            .into_iter()
            .filter(|(path, _)| path != "kiln.toml" && !inputs.contains(path))
            .collect();
        compare(&format!("examples/{example}"), actual);
    }
}

#[test]
fn golden_preset_apps_output() {
    let presets = names(&root().join("presets/apps"));
    assert!(presets.len() >= 4, "presets/apps holds the preset apps");
    for preset in presets {
        let repo = Repo::new();
        repo.kiln(&["init", "app", "--name", "demo", "--preset", &preset])
            .success();
        let actual = repo
            .contents()
            .into_iter()
            .filter_map(|(path, bytes)| Some((path.strip_prefix("app/")?.to_string(), bytes)))
            .collect();
        compare(&format!("presets/{preset}"), actual);
    }
}

/// Copies the files of `example`'s `.kiln/patches` and `.kiln/resources`
/// into `repo`; returns their repo paths.
fn copy_inputs(example: &Path, repo: &Repo) -> Vec<String> {
    let mut copied = Vec::new();
    let mut pending = vec![
        ".kiln/patches".to_string(),
        ".kiln/resources".to_string(),
        ".kiln/presets".to_string(),
    ];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(example.join(&dir)) else {
            continue;
        };
        for entry in entries {
            let entry = entry.unwrap();
            let path = format!("{dir}/{}", entry.file_name().to_string_lossy());
            if entry.file_type().unwrap().is_dir() {
                pending.push(path);
            } else {
                repo.write(&path, &std::fs::read_to_string(entry.path()).unwrap());
                copied.push(path);
            }
        }
    }
    copied
}

fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn compare(name: &str, actual: BTreeMap<String, Vec<u8>>) {
    let golden_dir = root().join("tests/golden").join(name);
    if std::env::var_os("KILN_UPDATE_GOLDEN").is_some() {
        let _ = std::fs::remove_dir_all(&golden_dir);
        for (path, bytes) in &actual {
            let target = golden_dir.join(path);
            std::fs::create_dir_all(target.parent().unwrap()).unwrap();
            std::fs::write(target, bytes).unwrap();
        }
        return;
    }
    let golden = Repo::new();
    copy(&golden_dir, golden.path());
    let expected = golden.contents();
    let paths = |files: &BTreeMap<String, Vec<u8>>| files.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        paths(&actual),
        paths(&expected),
        "the set of generated files of {name} changed"
    );
    for (path, bytes) in &actual {
        assert!(
            expected[path] == *bytes,
            "{path} differs from tests/golden/{name}/{path}:\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

fn copy(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from)
        .unwrap_or_else(|_| panic!("{} exists; see this file's header", from.display()))
    {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
            copy(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}
