//! The starter example's whole output, checked in under `tests/golden/starter`
//! and reviewed by eye. After an intended change, regenerate it with
//! `KILN_UPDATE_GOLDEN=1 cargo test golden` and review the diff.

use crate::{Repo, STARTER};
use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn golden_starter_output() {
    let repo = Repo::with_config(STARTER);
    repo.kiln(&["build"]).success();
    let actual: BTreeMap<String, Vec<u8>> = repo
        .contents()
        .into_iter()
        .filter(|(path, _)| path != "kiln.toml")
        .collect();
    let golden_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/starter");
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
        "the set of generated files changed"
    );
    for (path, bytes) in &actual {
        assert!(
            expected[path] == *bytes,
            "{path} differs from tests/golden/starter/{path}:\n{}",
            String::from_utf8_lossy(bytes)
        );
    }
}

fn copy(from: &Path, to: &Path) {
    for entry in
        std::fs::read_dir(from).expect("tests/golden/starter exists; see this file's header")
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
